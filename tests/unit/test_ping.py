"""XEP-0199: pings are answered (Examples 1-4), idle sessions are kept alive, and ``api.ping``."""

from __future__ import annotations

import asyncio

from converse_py.plugins.ping.stanzas import is_ping, ping_iq, pong
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, advance, arun, settle

SERVER_PING = ("<iq from='capulet.lit' to='juliet@capulet.lit/balcony' id='s2c1' type='get'>"
               "<ping xmlns='urn:xmpp:ping'/></iq>")


def test_stanzas_match_the_xep_examples() -> None:
    request = parse(SERVER_PING.replace("<iq ", "<iq xmlns='jabber:client' "))
    assert is_ping(request)
    assert canonical(serialize(pong(request))) == canonical(
        "<iq xmlns='jabber:client' to='capulet.lit' id='s2c1' type='result'/>")
    assert canonical(serialize(ping_iq("capulet.lit", id_="c2s1"))) == canonical(
        "<iq xmlns='jabber:client' to='capulet.lit' id='c2s1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>")
    assert not is_ping(parse("<iq xmlns='jabber:client' type='result' id='x'><ping xmlns='urn:xmpp:ping'/></iq>"))


def test_server_and_contact_pings_are_answered() -> None:
    async def body() -> Client:
        client = Client()
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.sent.clear()
        client.transport.receive(SERVER_PING.replace("<iq ", "<iq xmlns='jabber:client' ")
                                 .replace("juliet@capulet.lit/balcony", "alice@localhost/web"))
        return client
    client = arun(body())
    answers = [x for x in client.transport.sent if 'id="s2c1"' in x]
    assert len(answers) == 1
    assert canonical(answers[0]) == canonical(
        '<iq xmlns="jabber:client" to="capulet.lit" id="s2c1" type="result"/>')


def test_api_ping_is_true_on_an_answer_and_false_on_silence() -> None:
    async def body() -> tuple[bool, bool, bool]:
        client = Client()
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        task = asyncio.ensure_future(client.api.ping())
        await settle()
        sent = parse(client.transport.sent[-1])
        assert sent.get("to") == "localhost" and is_ping(sent)
        client.transport.receive(f"<iq xmlns='jabber:client' from='localhost' id='{sent.get('id')}' type='result'/>")
        answered = await task
        task = asyncio.ensure_future(client.api.ping("bob@localhost/phone"))
        await settle()
        sent = parse(client.transport.sent[-1])
        client.transport.receive(
            f"<iq xmlns='jabber:client' from='bob@localhost/phone' id='{sent.get('id')}' type='error'>"
            "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        errored = await task
        task = asyncio.ensure_future(client.api.ping("nobody@localhost", 50))
        await advance(client, 0.049)
        assert not task.done()
        await advance(client, 0.001)
        silent = await task
        return answered, errored, silent
    assert arun(body()) == (True, True, False)


def test_idle_session_pings_the_server_and_busy_one_does_not() -> None:
    async def body() -> tuple[list[str], list[object]]:
        client = Client()
        await client.converse.initialize({"ping_interval": 50})
        rtts: list[object] = []
        client.api.listen.on("keepalivePing", rtts.append)
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.sent.clear()
        for _ in range(3):  # traffic keeps coming: no ping needed
            await advance(client, 30)
            client.transport.receive("<presence xmlns='jabber:client' from='bob@localhost/phone'/>")
        busy = [x for x in client.transport.sent if "urn:xmpp:ping" in x]
        await advance(client, 60)  # the tick at 100 s saw the last presence; the one at 150 s sees nothing
        pings = [parse(x) for x in client.transport.sent if "urn:xmpp:ping" in x]
        assert pings and pings[0].get("to") == "localhost"
        await advance(client, 0.25)
        client.transport.receive(f"<iq xmlns='jabber:client' from='localhost' id='{pings[0].get('id')}' type='result'/>")
        await settle()
        client.api.user.logout()
        return busy, rtts
    busy, rtts = arun(body())
    assert busy == []
    assert rtts == [250], "the round trip, measured on the client's clock"
