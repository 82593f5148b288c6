"""Login, the offline outbox, IQ tracking, and resilience to bad stanzas (FakeTransport)."""

from __future__ import annotations

from typing import Any

import pytest

from converse_py.plugins.chats.plugin import ChatsState
from converse_py.core.converse import Converse
from converse_py.core.errors import ConverseError, IQError, IQTimeoutError
from converse_py.core.platform import NullPlatform
from converse_py.core.pluggable import PluginRegistry
from converse_py.transport.base import Status
from converse_py.transport.fake import FakeTransport
from converse_py.core.connection import RECONNECT_DELAYS
from converse_py.core.connection_state import State
from converse_py.core.session import CONNECT_TIMEOUT, LoginError
from converse_py.xmpp.stanza import canonical

from .conftest import Client, advance, arun, settle


def test_login_resolves_to_the_bound_jid_and_fires_connected() -> None:
    async def body() -> tuple[str, list[object]]:
        client = Client(core_plugins=False)
        events: list[object] = []
        client.api.listen.on("connected", events.append)
        jid = await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        return jid, events
    jid, events = arun(body())
    assert jid == "alice@localhost/web" and events == ["alice@localhost/web"]


def test_wrong_password_rejects_login_with_a_clear_error() -> None:
    async def body() -> None:
        client = Client(core_plugins=False, accept_password="right")
        await client.api.user.login({"jid": "alice@localhost", "password": "wrong"})
    with pytest.raises(LoginError, match="Authentication failed"):
        arun(body())


@pytest.mark.parametrize("credentials, message", [
    ({"password": "x"}, "'jid' is required"),
    ({"jid": "alice@localhost"}, "'password' is required"),
    ({"jid": "not a jid", "password": "x"}, "not a JID"),
])
def test_login_argument_errors_name_the_argument(credentials: dict[str, str], message: str) -> None:
    client = Client(core_plugins=False)
    with pytest.raises(ConverseError, match=message):
        client.converse.login(credentials)


def test_login_without_any_credentials_explains_what_is_missing() -> None:
    async def body() -> None:
        client = Client(core_plugins=False)
        await client.api.user.login()
    with pytest.raises(ConverseError, match="no credentials"):
        arun(body())


def test_credentials_url_is_fetched_for_a_login_without_arguments() -> None:
    async def body() -> str:
        client = Client(core_plugins=False)
        requested: list[str] = []

        async def fetch_json(url: str) -> dict[str, str]:
            requested.append(url)
            return {"jid": "carol@localhost", "password": "pw"}
        client.platform.fetch_json = fetch_json  # type: ignore[method-assign]
        client.api.settings.set("credentials_url", "/credentials")
        jid = await client.api.user.login()
        assert requested == ["/credentials"]
        return jid
    assert arun(body()) == "carol@localhost/web"


def test_stanzas_sent_while_offline_are_queued_and_flushed_in_order() -> None:
    async def body() -> list[str]:
        client = Client(core_plugins=False)
        client.api.send('<message to="bob@localhost" type="chat"><body>one</body></message>')
        client.api.send('<message to="bob@localhost" type="chat"><body>two</body></message>')
        assert client.transport.sent == []
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        return client.transport.sent
    sent = arun(body())
    assert [s.count("one") + 2 * s.count("two") for s in sent[:2]] == [1, 2]


def test_send_accepts_xml_text_and_adds_the_client_namespace() -> None:
    async def body() -> str:
        client = Client(core_plugins=False)
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.api.send('<message to="romeo@example.net" type="chat"><body>hi</body></message>')
        return client.transport.sent[-1]
    assert canonical(arun(body())) == canonical(
        '<message xmlns="jabber:client" to="romeo@example.net" type="chat"><body>hi</body></message>')


def test_send_drops_a_from_that_is_not_the_users_address(caplog: pytest.LogCaptureFixture) -> None:
    """The seed's example sends from='juliet@example.com/balcony'; ejabberd closes the stream
    over such a forged 'from' (RFC 6120 8.1.2.1), so it is removed; the user's own is kept."""
    async def body() -> list[str]:
        client = Client(core_plugins=False)
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.api.send('<message from="juliet@example.com/balcony" to="romeo@example.net" type="chat"/>')
        client.api.send('<message from="alice@localhost/web" to="romeo@example.net" type="chat"/>')
        return client.transport.sent[-2:]
    forged, own = arun(body())
    assert canonical(forged) == canonical(
        '<message xmlns="jabber:client" to="romeo@example.net" type="chat"/>')
    assert 'from="alice@localhost/web"' in own
    assert "removed from='juliet@example.com/balcony'" in caplog.text


@pytest.mark.parametrize("bad, message", [
    (42, "expected a stanza"),
    ("<message", "not well-formed"),
    ("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>", "expected <message/>"),
])
def test_send_rejects_what_is_not_a_stanza(bad: object, message: str) -> None:
    with pytest.raises(ConverseError, match=message):
        Client(core_plugins=False).api.send(bad)


def _logged_in() -> Client:
    client = Client(core_plugins=False)
    client.converse.login({"jid": "alice@localhost", "password": "secret"})
    return client


async def _async(fn):  # type: ignore[no-untyped-def]
    return fn()


def test_send_iq_resolves_with_the_result_stanza() -> None:
    async def body() -> str:
        client = _logged_in()
        future = client.api.send_iq('<iq type="get" id="q1"><query xmlns="jabber:iq:roster"/></iq>')
        client.transport.receive('<iq xmlns="jabber:client" type="result" id="q1"/>')
        return (await future).get("type")
    assert arun(body()) == "result"


def test_send_iq_rejects_on_an_error_reply_with_the_condition() -> None:
    async def body() -> None:
        client = _logged_in()
        future = client.api.send_iq('<iq type="get" id="q2" to="pubsub.localhost"><query xmlns="x"/></iq>')
        client.transport.receive('<iq xmlns="jabber:client" type="error" id="q2" from="pubsub.localhost">'
                                 '<error type="cancel"><item-not-found '
                                 'xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>')
        await future
    with pytest.raises(IQError, match="item-not-found"):
        arun(body())


def test_send_iq_times_out_on_the_clients_clock() -> None:
    async def body() -> None:
        client = _logged_in()
        future = client.api.send_iq('<iq type="get"><ping xmlns="urn:xmpp:ping"/></iq>', timeout=5)
        await advance(client, 4.9)
        assert not future.done()
        await advance(client, 0.1)
        await future
    with pytest.raises(IQTimeoutError, match="no reply within 5 s"):
        arun(body())


def test_a_login_that_hangs_is_abandoned_after_the_connect_timeout() -> None:
    class Silent(FakeTransport):
        def connect(self, jid: str, password: str, **_: Any) -> None:
            self.on_status(Status.CONNECTING, "")  # and nothing more: a WebSocket stuck while opening

    async def body() -> tuple[str, str]:
        client = Client(core_plugins=False)
        client.transport = Silent(resource="web")
        login = client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await advance(client, CONNECT_TIMEOUT - 1)
        assert not login.done() and client.converse.session.status is State.CONNECTING
        await advance(client, 1)
        with pytest.raises(LoginError) as info:
            await login
        return info.value.condition, client.converse.session.status.value
    assert arun(body()) == ("conntimeout", "disconnected")


def test_an_iq_reply_from_someone_else_is_ignored() -> None:
    async def body() -> str:
        client = _logged_in()
        future = client.api.send_iq('<iq type="get" id="q3" to="bob@localhost/x"><query xmlns="x"/></iq>')
        client.transport.receive('<iq xmlns="jabber:client" type="result" id="q3" from="mallory@evil/x"/>')
        await settle()
        assert not future.done()
        client.transport.receive('<iq xmlns="jabber:client" type="result" id="q3" from="bob@localhost/x"/>')
        return (await future).get("from")
    assert arun(body()) == "bob@localhost/x"


def test_unhandled_iq_get_is_answered_with_service_unavailable() -> None:
    client = arun(_async(_logged_in))
    client.transport.receive('<iq xmlns="jabber:client" type="get" id="v1" from="romeo@example.net/o">'
                             '<query xmlns="jabber:iq:version"/></iq>')
    assert "service-unavailable" in client.transport.sent[-1]
    assert 'id="v1"' in client.transport.sent[-1]


def test_hostile_stanzas_are_dropped_and_the_client_keeps_working(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> str:
        client = Client()
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        for bad in ["<message", "<iq type='result'/>", "<message xmlns='jabber:client' from='@@@'><body>x</body></message>",
                    "<a>" * 200 + "</a>" * 200, "<presence xmlns='jabber:client' from='bob@localhost'>"
                    "<priority>not-a-number</priority></presence>", "\x00"]:
            client.transport.receive(bad)
        client.transport.receive('<message xmlns="jabber:client" from="bob@localhost/p" type="chat">'
                                 '<body>still alive</body></message>')
        return client.converse.get(ChatsState).boxes["bob@localhost"].messages[-1].body
    assert arun(body()) == "still alive"


def test_debug_logging_never_shows_the_password(caplog: pytest.LogCaptureFixture) -> None:
    import logging
    caplog.set_level(logging.DEBUG, logger="converse_py")

    async def body() -> None:
        client = Client(core_plugins=False)
        await client.converse.initialize({"debug": True, "jid": "alice@localhost", "password": "Sup3r-S3cret"})
        await client.api.user.login()
        client.transport.receive('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl">c2VjcmV0</success>')
        client.api.send('<iq type="set"><query xmlns="jabber:iq:register"><password>Sup3r-S3cret</password>'
                        '</query></iq>')
    arun(body())
    assert "Sup3r-S3cret" not in caplog.text
    assert "[redacted]" in caplog.text


def test_logout_disconnects_and_fires_disconnected() -> None:
    async def body() -> tuple[bool, list[str]]:
        client = Client(core_plugins=False)
        events: list[str] = []
        client.api.listen.on("disconnected", lambda *_: events.append("disconnected"))
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.api.user.logout()
        return client.api.connection.connected, events
    assert arun(body()) == (False, ["disconnected"])


def test_tokens_come_from_the_transport_and_bad_names_are_errors() -> None:
    client = arun(_async(_logged_in))
    assert client.api.tokens.get("sid") == "fake-sid"
    assert isinstance(client.api.tokens.get("rid"), int)
    with pytest.raises(ConverseError, match="expected 'rid' or 'sid'"):
        client.api.tokens.get("jid")


def test_a_failed_login_discards_its_transport_and_the_next_login_gets_a_fresh_one() -> None:
    made: list[FakeTransport] = []

    def factory() -> FakeTransport:
        made.append(FakeTransport(resource="web", accept_password="right"))
        return made[-1]

    async def body() -> str:
        converse = Converse(factory)
        with pytest.raises(LoginError):
            await converse.api.user.login({"jid": "alice@localhost", "password": "wrong"})
        assert made[0].disposed and converse.session.status.value == "disconnected"
        made[0].on_status(Status.CONNECTED, "")  # a late callback from the discarded transport
        assert not converse.api.connection.connected
        return await converse.api.user.login({"jid": "alice@localhost", "password": "right"})
    assert arun(body()) == "alice@localhost/web"
    assert len(made) == 2


def test_keepalive_resumes_a_cached_session_instead_of_logging_in() -> None:
    async def body() -> tuple[str | None, list[str]]:
        client = Client(core_plugins=False)
        client.transport.restorable = "alice@localhost/kept"
        await client.converse.initialize({"bosh_service_url": "http://localhost/http-bind", "keepalive": True,
                                          "jid": "alice@localhost", "password": "secret", "auto_login": True})
        await settle()
        return client.api.user.jid(), client.transport.sent
    jid, sent = arun(body())
    assert jid == "alice@localhost/kept"


@pytest.mark.parametrize("auto_reconnect", [False, True])
def test_a_stale_resumed_session_falls_back_to_a_fresh_login(auto_reconnect: bool) -> None:
    """Without reconnection at once; with it, by the reconnection loop's first attempt."""
    async def body() -> str | None:
        client = Client(core_plugins=False)
        client.transport.restorable = "alice@localhost/stale"
        await client.converse.initialize({"bosh_service_url": "http://localhost/http-bind", "keepalive": True,
                                          "jid": "alice@localhost", "password": "secret", "auto_login": True,
                                          "auto_reconnect": auto_reconnect})
        client.transport.drop("item-not-found")  # the server no longer knows the session
        client.transport.restorable = None
        for _ in range(10):
            await settle()
        if auto_reconnect:
            await advance(client, RECONNECT_DELAYS[0])
        return client.api.user.jid()
    assert arun(body()) == "alice@localhost/web"


def test_without_keepalive_nothing_is_resumed() -> None:
    async def body() -> str | None:
        client = Client(core_plugins=False)
        client.transport.restorable = "alice@localhost/kept"
        await client.converse.initialize({"bosh_service_url": "http://localhost/http-bind", "keepalive": False,
                                          "jid": "alice@localhost", "password": "secret", "auto_login": True})
        await settle()
        return client.api.user.jid()
    assert arun(body()) == "alice@localhost/web"


def test_login_right_after_logout_uses_a_fresh_transport_and_ignores_the_old_ones_late_answers() -> None:
    """ejabberd answers the old stream's pending BOSH request with terminate/other-request after
    the new login began; that late failure must not fail the new login."""
    class SlowClose(FakeTransport):
        def disconnect(self, reason: str = "") -> None:
            self.connected = False  # the server's answer comes later (or never)

    made: list[FakeTransport] = []

    def factory() -> FakeTransport:
        made.append(SlowClose(resource=f"r{len(made)}"))
        return made[-1]

    async def body() -> tuple[str, list[str]]:
        converse = Converse(factory, PluginRegistry(), NullPlatform())
        events: list[str] = []
        converse.api.listen.on("disconnected", lambda *a: events.append("disconnected"))
        converse.api.listen.on("connected", lambda *a: events.append("connected"))
        await converse.api.user.login({"jid": "alice@localhost", "password": "secret"})
        converse.api.user.logout()
        pending = converse.api.user.login({"jid": "grace@localhost", "password": "pw"})
        made[0].on_status(Status.CONNFAIL, "other-request")  # the old stream's late answer
        jid = await pending
        return jid, events
    jid, events = arun(body())
    assert jid == "grace@localhost/r1"
    assert events == ["connected", "disconnected", "connected"]
    assert made[0].disposed and not made[1].disposed


def test_a_login_started_by_an_initialized_listener_is_not_cancelled_by_the_keepalive_restore() -> None:
    class SlowConnect(FakeTransport):
        def connect(self, jid: str, password: str, **_: Any) -> None:
            self.on_status(Status.CONNECTING, "")  # the server answers later: see finish()

        def finish(self) -> None:
            self._bound, self.connected = "alice@localhost/web", True
            self.on_status(Status.CONNECTED, "")

    async def body() -> str:
        client = Client(core_plugins=False)
        transport = client.transport = SlowConnect(resource="web")
        results: list[Any] = []

        def on_initialized(*_: Any) -> None:
            results.append(client.api.user.login({"jid": "alice@localhost", "password": "secret"}))
        client.api.listen.once("initialized", on_initialized)
        await client.converse.initialize({"bosh_service_url": "http://localhost:5280/http-bind",
                                          "keepalive": True})
        transport.finish()
        return str(await results[0])
    assert arun(body()) == "alice@localhost/web"


def test_after_stanzas_runs_once_a_received_batch_is_handled_and_only_then() -> None:
    transport = FakeTransport()
    client = Converse(transport_factory=lambda: transport, platform=NullPlatform())
    session = client.session
    assert session.transport is transport
    log: list[str] = []

    def handler(el: Any) -> None:
        queued = session.after_stanzas(lambda: log.append(f"after {el.get('id')}"))
        log.append(f"stanza {el.get('id')}" + ("" if queued else " (nothing queued)"))

    session.add_handler("message", handler)
    assert not session.after_stanzas(lambda: log.append("never"))  # no batch now: the caller's job
    transport.on_stanza("<message xmlns='jabber:client' id='m1'/>")
    transport.on_stanza("<message xmlns='jabber:client' id='m2'/>")
    assert log == ["stanza m1", "stanza m2"]  # the batch is not over yet
    transport.on_handled()
    assert log == ["stanza m1", "stanza m2", "after m1", "after m2"]
    assert not session.after_stanzas(lambda: log.append("never"))
    session.receive("<message xmlns='jabber:client' id='m3'/>")  # straight in, not from the transport
    assert log[-1] == "stanza m3 (nothing queued)" and "never" not in log
