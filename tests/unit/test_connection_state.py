"""The connection's state table (legal and illegal moves), the states a real login, loss, resume and
logout go through, the manual clock, and the pending-IQ tracker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from converse_py.core.clock import ManualClock
from converse_py.core.connection import RECONNECT_DELAYS
from converse_py.core.connection_state import TRANSITIONS, ConnectionMachine, IllegalTransition, State
from converse_py.core.errors import IQDisconnectedError, IQError
from converse_py.core.iq import PendingIQs
from converse_py.xmpp.stanza import parse

from .conftest import Client, advance, arun, settle

SM = "urn:xmpp:sm:3"
SM_FEATURES = ('<features xmlns="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/>'
               '<sm xmlns="urn:xmpp:sm:3"/></features>')

ALL_MOVES = [(a, b) for a in State for b in State if a is not b]


def machine_in(state: State) -> ConnectionMachine:
    """A machine put in ``state`` through legal moves only."""
    machine = ConnectionMachine()
    path = {
        State.DISCONNECTED: [],
        State.CONNECTING: [State.CONNECTING],
        State.AUTHENTICATING: [State.CONNECTING, State.AUTHENTICATING],
        State.BINDING: [State.CONNECTING, State.AUTHENTICATING, State.BINDING],
        State.RESUMING: [State.CONNECTING, State.AUTHENTICATING, State.BINDING, State.RESUMING],
        State.CONNECTED: [State.CONNECTING, State.CONNECTED],
        State.DISCONNECTING: [State.CONNECTING, State.CONNECTED, State.DISCONNECTING],
        State.RECONNECTING: [State.RECONNECTING],
    }[state]
    for step in path:
        machine.to(step)
    assert machine.state is state
    return machine


def test_every_state_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize("source, target", [m for m in ALL_MOVES if m[1] in TRANSITIONS[m[0]]],
                         ids=lambda s: s.value)
def test_a_move_the_table_lists_is_made(source: State, target: State) -> None:
    machine = machine_in(source)
    seen: list[tuple[State, State, str]] = []
    machine.on_change = lambda a, b, reason: seen.append((a, b, reason))
    machine.to(target, "why")
    assert machine.state is target and seen == [(source, target, "why")]


@pytest.mark.parametrize("source, target", [m for m in ALL_MOVES if m[1] not in TRANSITIONS[m[0]]],
                         ids=lambda s: s.value)
def test_a_move_the_table_does_not_list_raises_and_changes_nothing(source: State, target: State) -> None:
    machine = machine_in(source)
    with pytest.raises(IllegalTransition, match=f"cannot go from {source.value} to {target.value}"):
        machine.to(target)
    assert machine.state is source


def test_staying_in_the_same_state_is_a_silent_no_op() -> None:
    machine = machine_in(State.CONNECTING)
    seen: list[Any] = []
    machine.on_change = lambda *a: seen.append(a)
    machine.to(State.CONNECTING)
    assert seen == [] and machine.state is State.CONNECTING


def test_reconnecting_lasts_from_the_loss_until_connected_or_given_up() -> None:
    machine = machine_in(State.CONNECTED)
    machine.to(State.DISCONNECTED)
    assert not machine.reconnecting and machine.down_state() is State.DISCONNECTED
    machine.to(State.RECONNECTING)
    machine.to(State.CONNECTING)
    machine.to(State.AUTHENTICATING)
    assert machine.reconnecting and not machine.down and machine.down_state() is State.RECONNECTING
    machine.to(State.RECONNECTING)  # that attempt failed
    machine.to(State.CONNECTING)
    machine.to(State.CONNECTED)
    assert not machine.reconnecting and machine.connected
    machine.to(State.DISCONNECTED)
    machine.to(State.RECONNECTING)
    machine.to(State.DISCONNECTED)  # given up
    assert not machine.reconnecting and machine.down


# -- the states the session really goes through ------------------------------------------------

def record(client: Client) -> list[str]:
    states: list[str] = []
    client.converse.session.state.on_change = lambda _a, state, _r: states.append(state.value)
    return states


def test_a_login_and_a_logout_go_through_their_states() -> None:
    async def body() -> tuple[list[str], bool, bool]:
        client = Client(core_plugins=False)
        states = record(client)
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        up = client.api.connection.connected
        client.api.user.logout()
        return states, up, client.api.connection.connected
    states, up, after = arun(body())
    assert states == ["connecting", "authenticating", "connected", "disconnecting", "disconnected"]
    assert up and not after


def test_a_refused_password_ends_in_disconnected() -> None:
    async def body() -> list[str]:
        client = Client(core_plugins=False, accept_password="right")
        states = record(client)
        with pytest.raises(Exception, match="Authentication failed"):
            await client.api.user.login({"jid": "alice@localhost", "password": "wrong"})
        return states
    assert arun(body()) == ["connecting", "authenticating", "disconnected"]


def test_a_refused_password_after_a_logout_is_reported_not_retried() -> None:
    async def body() -> tuple[list[str], bool, int]:
        client = Client(core_plugins=False, accept_password="right")
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "right"})
        client.api.user.logout()
        await settle()
        states = record(client)
        retries: list[Any] = []
        client.api.listen.on("will-reconnect", lambda *_: retries.append(True))
        with pytest.raises(Exception, match="Authentication failed"):
            await client.api.user.login({"jid": "alice@localhost", "password": "wrong"})
        await advance(client, RECONNECT_DELAYS[0] * 2)
        return states, client.converse.reconnecting, len(retries)
    states, reconnecting, retries = arun(body())
    assert states == ["connecting", "authenticating", "disconnected"]
    assert not reconnecting and retries == 0


def test_a_loss_with_auto_reconnect_waits_then_connects_again() -> None:
    async def body() -> tuple[list[str], list[bool]]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        states = record(client)
        flags: list[bool] = []
        client.api.listen.on("will-reconnect", lambda *_: flags.append(client.converse.reconnecting))
        client.api.listen.on("reconnected", lambda *_: flags.append(client.converse.reconnecting))
        client.transport.drop()
        await advance(client, RECONNECT_DELAYS[0])
        return states, flags
    states, flags = arun(body())
    assert states == ["disconnected", "reconnecting", "connecting", "authenticating", "connected"]
    assert flags == [True, False]


def test_a_xep0198_resume_goes_through_binding_and_resuming() -> None:
    async def body() -> list[str]:
        client = Client(core_plugins=False)
        client.transport.features = SM_FEATURES
        await client.converse.initialize({"enable_smacks": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.receive(f"<enabled xmlns='{SM}' id='sm-1' resume='true'/>")
        states = record(client)
        client.transport.drop()
        await advance(client, RECONNECT_DELAYS[0])
        client.transport.receive(f"<resumed xmlns='{SM}' h='0' previd='sm-1'/>")
        await settle()
        return states
    assert arun(body()) == ["disconnected", "reconnecting", "connecting", "authenticating", "binding",
                            "resuming", "connected"]


def test_a_refused_resume_binds_afresh_on_the_same_stream() -> None:
    async def body() -> list[str]:
        client = Client(core_plugins=False)
        client.transport.features = SM_FEATURES
        await client.converse.initialize({"enable_smacks": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.receive(f"<enabled xmlns='{SM}' id='sm-1' resume='true'/>")
        client.transport.drop()
        await advance(client, RECONNECT_DELAYS[0])
        states = record(client)
        client.transport.receive(f"<failed xmlns='{SM}'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                 "</failed>")
        return states
    assert arun(body()) == ["binding", "connected"]


def test_logout_while_waiting_to_reconnect_stops_the_loop() -> None:
    async def body() -> tuple[list[str], int, list[str]]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        client.api.listen.on("disconnected", lambda *_: names.append("disconnected"))
        client.transport.drop()
        assert client.converse.reconnecting
        client.api.user.logout()
        await advance(client, max(RECONNECT_DELAYS) * 2)
        return names, client.transport.connects, [client.converse.session.status.value]
    names, connects, state = arun(body())
    assert names == ["disconnected"] and connects == 1 and state == ["disconnected"]


def test_a_login_asked_for_while_waiting_to_reconnect_replaces_the_loop() -> None:
    async def body() -> tuple[bool, int]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        client.transport.drop()
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await advance(client, max(RECONNECT_DELAYS) * 2)
        return client.converse.reconnecting, client.transport.connects
    assert arun(body()) == (False, 2)


# -- the clock and the pending IQs --------------------------------------------------------------

def test_the_manual_clock_runs_due_timers_in_time_order_including_ones_they_schedule() -> None:
    clock = ManualClock()
    fired: list[tuple[str, float]] = []
    clock.call_later(3, lambda: fired.append(("c", clock.now())))
    clock.call_later(1, lambda: (fired.append(("a", clock.now())), clock.call_later(1, lambda: fired.append(
        ("b", clock.now())))))
    cancelled = clock.call_later(2.5, lambda: fired.append(("x", clock.now())))
    cancelled.cancel()
    clock.advance(2.9)
    assert fired == [("a", 1.0), ("b", 2.0)] and clock.now() == 2.9
    assert clock.pending() == [pytest.approx(0.1)]
    clock.advance(0.1)
    assert fired[-1] == ("c", 3.0) and clock.pending() == []


def test_pending_iqs_fail_on_disconnect_and_after_a_refused_resume_only_the_delivered_ones() -> None:
    async def body() -> list[str]:
        iqs = PendingIQs(ManualClock())
        gone = iqs.track(parse("<iq type='get' id='a'/>"))
        kept = iqs.track(parse("<iq type='get' id='b'/>"))
        iqs.fail_all_but(["b"])
        assert "b" in iqs and "a" not in iqs
        iqs.fail_all()
        await asyncio.sleep(0)
        return [type(gone.exception()).__name__, type(kept.exception()).__name__]
    assert arun(body()) == [IQError.__name__, IQDisconnectedError.__name__]


def test_a_timed_out_iq_reply_that_arrives_late_is_not_claimed() -> None:
    async def body() -> tuple[bool, int]:
        clock = ManualClock()
        iqs = PendingIQs(clock)
        future = iqs.track(parse("<iq type='get' id='slow' to='localhost'/>"), timeout=1)
        clock.advance(1)
        claimed = iqs.settle(parse("<iq type='result' id='slow' from='localhost'/>"), "alice@localhost/web")
        future.exception()
        return claimed, len(iqs)
    assert arun(body()) == (False, 0)
