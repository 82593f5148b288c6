"""XEP-0352: <inactive/> when the page is hidden, <active/> when shown; only when offered."""

from __future__ import annotations



from converse_py.core.connection import RECONNECT_DELAYS
from converse_py.plugins.csi.stanzas import csi_nonza
from converse_py.xmpp.stanza import canonical

from .conftest import Client, advance, arun

CSI_FEATURES = ('<features xmlns="http://etherx.jabber.org/streams">'
                '<csi xmlns="urn:xmpp:csi:0"/><sm xmlns="urn:xmpp:sm:3"/></features>')


def test_nonzas_match_examples_2_and_3() -> None:
    assert canonical(csi_nonza("active")) == canonical("<active xmlns='urn:xmpp:csi:0'/>")
    assert canonical(csi_nonza("inactive")) == canonical("<inactive xmlns='urn:xmpp:csi:0'/>")


async def _client(features: str = CSI_FEATURES, **settings: object) -> Client:
    client = Client()
    client.transport.features = features
    await client.converse.initialize(dict(settings))
    return client


def test_hidden_page_sends_inactive_and_shown_sends_active() -> None:
    async def body() -> tuple[Client, list[object], list[object]]:
        client = await _client()
        windows: list[object] = []
        states: list[object] = []
        client.api.listen.on("windowStateChanged", windows.append)
        client.api.listen.on("clientStateChanged", states.append)
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.sent.clear()
        client.platform.set_hidden(True)
        client.platform.set_hidden(True)  # no change: nothing more is sent
        client.platform.set_hidden(False)
        return client, windows, states
    client, windows, states = arun(body())
    assert [x for x in client.transport.sent if "csi" in x] == [csi_nonza("inactive"), csi_nonza("active")]
    assert windows == [{"state": "hidden"}, {"state": "hidden"}, {"state": "visible"}]
    assert states == ["inactive", "active"]


def test_hidden_while_offline_is_said_once_connected_and_never_queued_or_counted() -> None:
    async def body() -> Client:
        client = await _client(enable_smacks=True)
        client.platform.set_hidden(True)
        assert client.converse.session.outbox == []
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        return client
    client = arun(body())
    assert csi_nonza("inactive") in client.transport.sent
    assert csi_nonza("inactive") not in client.converse.session.sm.unacked


def test_nothing_is_sent_without_server_support_or_when_turned_off() -> None:
    async def body() -> list[str]:
        sent: list[str] = []
        for client in (await _client(features='<features xmlns="http://etherx.jabber.org/streams"/>'),
                       await _client(client_state_indication=False)):
            await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
            client.platform.set_hidden(True)
            sent += [x for x in client.transport.sent if "csi" in x]
        return sent
    assert arun(body()) == []



def test_a_change_while_the_stream_was_down_is_sent_after_resuming() -> None:
    async def body() -> Client:
        client = await _client(enable_smacks=True)
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.receive("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>")
        client.transport.drop()
        client.platform.set_hidden(True)  # nobody to tell yet
        client.transport.sent.clear()
        await advance(client, RECONNECT_DELAYS[0])
        assert any("<resume " in x for x in client.transport.sent)
        assert csi_nonza("inactive") not in client.transport.sent
        client.transport.receive("<resumed xmlns='urn:xmpp:sm:3' h='0' previd='sm-1'/>")
        return client
    client = arun(body())
    assert client.transport.sent[-1] == csi_nonza("inactive")
