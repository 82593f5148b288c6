"""XEP-0198 stream management: nonzas against the XEP's examples, ack counting, and the session's
enable / ack / resume / failed-resume flows on a FakeTransport (nothing lost, nothing repeated)."""

from __future__ import annotations

from typing import Any


from converse_py.core.connection import RECONNECT_DELAYS
from converse_py.core.connection_state import State
from converse_py.core.errors import IQError
from converse_py.core.smacks import MOD, StreamManagement
from converse_py.xmpp.stanza import canonical, parse

from .conftest import Client, advance, arun, settle

SM = "urn:xmpp:sm:3"
FEATURES = ('<features xmlns="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/>'
            '<sm xmlns="urn:xmpp:sm:3"/></features>')


def same(a: str, b: str) -> bool:
    return canonical(a) == canonical(b)


def msg(body: str, to: str = "bob@localhost") -> str:
    return f'<message xmlns="jabber:client" to="{to}" type="chat"><body>{body}</body></message>'


def incoming(body: str) -> str:
    return (f'<message xmlns="jabber:client" from="bob@localhost/phone" to="alice@localhost/web" '
            f'type="chat"><body>{body}</body></message>')


# -- the state machine against XEP-0198's examples ------------------------------------------

def test_enable_and_enabled_match_examples_3_4_11_12() -> None:
    sm = StreamManagement()
    assert same(sm.enable_request("juliet@capulet.lit/balcony", resume=False), f"<enable xmlns='{SM}'/>")
    assert same(sm.enable_request("juliet@capulet.lit/balcony"), f"<enable xmlns='{SM}' resume='true'/>")
    sm.on_enabled(parse(f"<enabled xmlns='{SM}' id='some-long-sm-id' resume='true'/>"))
    assert sm.id == "some-long-sm-id" and sm.resumable and sm.active
    plain = StreamManagement()
    plain.enable_request("juliet@capulet.lit/balcony", resume=False)
    plain.on_enabled(parse(f"<enabled xmlns='{SM}'/>"))
    plain.stream_lost()
    assert not plain.can_resume(), "without an id and resume='true' there is nothing to resume"


def test_ack_request_and_answer_match_examples_5_and_6() -> None:
    sm = StreamManagement()
    sm.enable_request("juliet@capulet.lit/balcony")
    sm.on_enabled(parse(f"<enabled xmlns='{SM}' id='x' resume='true'/>"))
    assert same(sm.ack_request(), f"<r xmlns='{SM}'/>")
    sm.on_inbound_stanza()
    assert same(sm.ack_answer(), f"<a xmlns='{SM}' h='1'/>")


def test_acks_drop_exactly_the_acknowledged_stanzas_and_h_wraps() -> None:
    sm = StreamManagement(max_unacked=100)
    sm.enable_request("a@b/c")
    for i in range(3):
        sm.track(msg(str(i)))
    assert sm.on_ack(parse(f"<a xmlns='{SM}' h='2'/>")) == 2
    assert list(sm.unacked) == [msg("2")]
    assert sm.on_ack(parse(f"<a xmlns='{SM}' h='2'/>")) == 0, "a repeated ack acknowledges nothing new"
    assert sm.on_ack(parse(f"<a xmlns='{SM}' h='9'/>")) == 1, "an h beyond what was sent is clamped"
    wrap = StreamManagement(max_unacked=100)
    wrap.enable_request("a@b/c")
    wrap.acked = MOD - 1
    wrap.track(msg("x"))
    wrap.track(msg("y"))
    assert wrap.on_ack(parse(f"<a xmlns='{SM}' h='0'/>")) == 1 and list(wrap.unacked) == [msg("y")]
    assert wrap.on_ack(parse(f"<a xmlns='{SM}' h='nope'/>")) == 0


def test_resume_and_resumed_match_examples_13_and_14() -> None:
    sm = StreamManagement()
    sm.enable_request("juliet@capulet.lit/balcony")
    sm.on_enabled(parse(f"<enabled xmlns='{SM}' id='some-long-sm-id' resume='true'/>"))
    for _ in range(3):
        sm.on_inbound_stanza()
    sm.track(msg("a"))
    sm.track(msg("b"))
    sm.stream_lost()
    assert sm.can_resume()
    assert same(sm.resume_request(), f"<resume xmlns='{SM}' h='3' previd='some-long-sm-id'/>")
    resend = sm.on_resumed(parse(f"<resumed xmlns='{SM}' h='1' previd='some-long-sm-id'/>"))
    assert resend == [msg("b")] and sm.active


def test_failed_resume_hands_back_what_the_server_did_not_get_example_15() -> None:
    sm = StreamManagement()
    sm.enable_request("juliet@capulet.lit/balcony")
    sm.on_enabled(parse(f"<enabled xmlns='{SM}' id='some-long-sm-id' resume='true'/>"))
    for body in "abc":
        sm.track(msg(body))
    sm.stream_lost()
    sm.resume_request()
    salvaged = sm.on_failed(parse(f"<failed xmlns='{SM}' h='1'>"
                                  "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>"))
    assert salvaged == [msg("b"), msg("c")]
    assert sm.id is None and not sm.can_resume()


# -- the session ------------------------------------------------------------------------------

def smacks_client(**settings: Any) -> Client:
    client = Client(core_plugins=False)
    client.transport.features = FEATURES
    client.converse.settings.update({"enable_smacks": True, **settings})
    client.converse.connection.credentials = {"jid": "alice@localhost", "password": "secret"}
    return client


def sm_sent(client: Client) -> list[str]:
    return [x for x in client.transport.sent if SM in x]


async def enabled_client(**settings: Any) -> Client:
    client = smacks_client(**settings)
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    assert same(client.transport.sent[-1], f"<enable xmlns='{SM}' resume='true'/>")
    client.transport.receive(f"<enabled xmlns='{SM}' id='sm-1' resume='true' max='600'/>")
    return client


def test_session_enables_after_binding_and_answers_acks() -> None:
    async def body() -> tuple[Client, list[Any]]:
        client = await enabled_client()
        events: list[Any] = []
        client.api.listen.on("streamManagementEnabled", lambda *a: events.append(a))
        client.transport.receive(f"<enabled xmlns='{SM}' id='sm-1' resume='true'/>")
        client.transport.receive(incoming("one"))
        client.transport.receive("<message xmlns='jabber:client' from='x@y'><unclosed></message>")  # malformed
        client.transport.receive(f"<r xmlns='{SM}'/>")
        return client, events
    client, events = arun(body())
    assert client.transport.binds == 1
    assert events == [("sm-1", True)]
    assert same(client.transport.sent[-1], f"<a xmlns='{SM}' h='2'/>"), "the malformed stanza counts too"


def test_session_asks_for_an_ack_every_max_unacked_stanzas() -> None:
    async def body() -> Client:
        client = await enabled_client(smacks_max_unacked_stanzas=2)
        for i in range(5):
            client.api.send(parse(msg(str(i))))
        return client
    client = arun(body())
    tail = client.transport.sent[-7:]
    assert [("<r " in x) for x in tail] == [False, False, True, False, False, True, False]


def test_without_enable_smacks_nothing_changes() -> None:
    async def body() -> Client:
        client = Client(core_plugins=False)
        client.transport.features = FEATURES
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.receive(f"<r xmlns='{SM}'/>")
        return client
    client = arun(body())
    assert sm_sent(client) == [f"<a xmlns='{SM}' h='0'/>"]  # answered, but never enabled


def test_drop_then_resume_resends_only_what_the_server_missed() -> None:

    async def body() -> tuple[Client, list[str], list[str]]:
        client = await enabled_client(smacks_max_unacked_stanzas=50)
        names: list[str] = []
        for name in ("connected", "reconnected", "disconnected", "will-reconnect", "streamResumed"):
            client.api.listen.on(name, lambda *_a, n=name: names.append(n))
        client.transport.receive(incoming("in-1"))
        for body_ in ("a", "b", "c"):
            client.api.send(parse(msg(body_)))
        client.transport.receive(f"<a xmlns='{SM}' h='1'/>")
        client.transport.drop()
        assert not client.api.connection.connected
        client.api.send(parse(msg("offline")))
        client.transport.sent.clear()
        client.transport.features = FEATURES
        assert client.converse.connection.state.state is State.RECONNECTING
        await advance(client, RECONNECT_DELAYS[0])
        assert client.converse.connection.state.state is State.RESUMING
        sent_before_resumed = list(client.transport.sent)
        client.transport.receive(f"<resumed xmlns='{SM}' h='2' previd='sm-1'/>")
        await settle()
        return client, names, sent_before_resumed
    client, names, before = arun(body())
    assert [same(x, f"<resume xmlns='{SM}' h='1' previd='sm-1'/>") for x in before] == [True]
    assert client.transport.binds == 1, "resumed, not bound again"
    bodies = [x for x in client.transport.sent if x.startswith("<message")]
    assert bodies == [msg("c"), msg("offline")]
    assert names == ["will-reconnect", "streamResumed"]
    assert client.api.user.jid() == "alice@localhost/web"
    assert client.api.connection.connected


def test_failed_resume_binds_afresh_and_sends_the_missing_stanzas_once() -> None:

    async def body() -> tuple[Client, list[str], Any, Any]:
        client = await enabled_client(smacks_max_unacked_stanzas=50)
        names: list[str] = []
        for name in ("connected", "reconnected", "disconnected", "streamManagementFailed"):
            client.api.listen.on(name, lambda *_a, n=name: names.append(n))
        lost_iq = client.api.send_iq(parse('<iq xmlns="jabber:client" type="get" id="q1">'
                                          '<query xmlns="jabber:iq:version"/></iq>'))
        client.transport.receive(f"<a xmlns='{SM}' h='1'/>")  # the server got the IQ
        kept_iq = client.api.send_iq(parse('<iq xmlns="jabber:client" type="get" id="q2">'
                                          '<query xmlns="jabber:iq:version"/></iq>'))
        client.api.send(parse(msg("unacked")))
        client.transport.drop()
        client.transport.sent.clear()
        await advance(client, RECONNECT_DELAYS[0])
        client.transport.receive(f"<failed xmlns='{SM}' h='1'>"
                                 "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>")
        await settle()
        return client, names, lost_iq, kept_iq
    client, names, lost_iq, kept_iq = arun(body())
    assert client.transport.binds == 2
    sent = client.transport.sent
    assert "<resume " in sent[0] and same(sent[1], f"<enable xmlns='{SM}' resume='true'/>")
    assert 'id="q2"' in sent[2] and sent[3] == msg("unacked") and len(sent) == 4
    assert isinstance(lost_iq.exception(), IQError), "its reply went to the lost session"
    assert not kept_iq.done(), "re-sent, so its reply can still come"
    assert names == ["streamManagementFailed", "reconnected", "connected"]


def test_logout_ends_the_sm_session_and_no_reconnect_follows() -> None:
    async def body() -> tuple[Client, list[str]]:
        client = await enabled_client()
        names: list[str] = []
        client.api.listen.on("will-reconnect", lambda *_: names.append("will-reconnect"))
        client.api.listen.on("disconnected", lambda *_: names.append("disconnected"))
        client.api.user.logout()
        await settle()
        return client, names
    client, names = arun(body())
    assert not client.converse.session.sm.can_resume()
    assert names == ["disconnected"]


def test_logging_in_as_another_account_forgets_the_old_sm_session() -> None:
    async def body() -> Client:
        client = await enabled_client()
        client.api.send(parse(msg("for alice's session")))
        client.converse.session.disconnect("switch")
        client.converse.session.sm.resumable = True  # even if it still looked resumable
        client.converse.session.sm.id = "sm-1"
        client.converse.session.sm.bound_jid = "alice@localhost/web"
        client.converse.session.sm.unacked.append(msg("for alice's session"))
        client.transport.sent.clear()
        await client.api.user.login({"jid": "carol@localhost", "password": "secret"})
        return client
    client = arun(body())
    assert not any("<resume" in x for x in client.transport.sent)
    assert not any("for alice" in x for x in client.transport.sent)


def test_the_session_survives_a_page_reload_through_tab_storage() -> None:
    """keepalive + enable_smacks: the next page resumes the stream the previous one left (no password
    is stored); a failed resume leaves nothing behind."""
    async def body() -> tuple[Client, Client, list[str], str | None]:
        first = await enabled_client()
        first.transport.receive(incoming("one"))
        first.api.send(parse(msg("unacked")))
        await settle()
        saved = first.platform.storage.get("converse-py:smacks:alice@localhost")
        assert saved and "secret" not in saved
        second = smacks_client()
        second.platform.storage = dict(first.platform.storage)  # same tab, new page
        names: list[str] = []
        for name in ("connected", "reconnected", "streamResumed"):
            second.api.listen.on(name, lambda *_a, n=name: names.append(n))
        login = second.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        assert same(second.transport.sent[-1], f"<resume xmlns='{SM}' h='1' previd='sm-1'/>")
        second.transport.receive(f"<resumed xmlns='{SM}' h='0' previd='sm-1'/>")
        assert await login == "alice@localhost/web"
        # the stream of the page before goes on: its plugins restore what the server won't resend
        assert first.converse.session.page_resumed is False and second.converse.session.page_resumed is True
        second.transport.receive(f"<failed xmlns='{SM}'/>")  # (an enable refused later: state dropped)
        await settle()
        return first, second, names, second.platform.storage.get("converse-py:smacks:alice@localhost")
    first, second, names, left = arun(body())
    assert second.transport.binds == 0
    assert [x for x in second.transport.sent if x.startswith("<message")] == [msg("unacked")]
    assert names == ["streamResumed", "connected"]
    assert left is None


def _saved_state(client: Client) -> dict[str, Any]:
    import json
    return json.loads(client.platform.storage["converse-py:smacks:alice@localhost"])


def test_the_saved_h_is_never_behind_the_h_the_server_was_told() -> None:
    """A page reloaded right after answering an ``<r/>`` must not resume with a lower h: Prosody ends
    the session for that ("acknowledged less stanzas than already acknowledged"). So the state is
    saved before the ``<a/>`` leaves, and a sent stanza is saved before control goes back to the page."""
    async def body() -> tuple[list[dict[str, Any]], list[str]]:
        client = await enabled_client()
        await settle()
        seen: list[dict[str, Any]] = []
        original_send = client.transport.send

        def send(xml: str) -> None:  # what is saved at the moment each nonza/stanza leaves
            if xml.startswith("<a ") or xml.startswith("<message"):
                seen.append(_saved_state(client) if xml.startswith("<a ") else {})
            original_send(xml)
        client.transport.send = send  # type: ignore[method-assign]
        client.transport.receive(incoming("one"))
        client.transport.receive(incoming("two"))
        client.transport.receive(f"<r xmlns='{SM}'/>")  # same loop turn: no deferred save ran yet
        client.api.send(parse(msg("out")))
        unacked_now = _saved_state(client)["unacked"]
        return seen, unacked_now
    seen, unacked_now = arun(body())
    assert seen[0]["h"] == 2, seen
    assert unacked_now and same(unacked_now[-1], msg("out")), unacked_now


def test_a_hidden_page_saves_the_stanzas_it_counted_at_once() -> None:
    """The page is hidden before it unloads: stanzas counted in that loop turn are saved then, so the
    next page does not ask the server for them again."""
    async def body() -> tuple[int, int]:
        client = await enabled_client()
        await settle()
        client.transport.receive(incoming("one"))
        before = _saved_state(client)["h"]
        client.platform.set_hidden(True)
        return before, _saved_state(client)["h"]
    before, after = arun(body())
    assert (before, after) == (0, 1)
