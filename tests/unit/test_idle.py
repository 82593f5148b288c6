"""Idle: the state machine on a ManualClock, XEP-0319's element against its example, and the
plugin: auto_away / auto_xa presences with <idle/>, back to the previous status on activity,
priority, and contacts' idle times."""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any

from converse_py.core.clock import ManualClock
from converse_py.plugins.idle.machine import IdleMachine
from converse_py.plugins.idle.stanzas import IDLE, idle_element, parse_idle, with_idle
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, advance, arun, settle


# -- XEP-0319 --------------------------------------------------------------------------------
def test_idle_element_and_its_parse_match_xep0319_example() -> None:
    example = ("<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'><show>away</show>"
               "<idle xmlns='urn:xmpp:idle:1' since='1969-07-21T02:56:15Z'/></presence>")
    since = parse_idle(parse(example))
    assert since == datetime(1969, 7, 21, 2, 56, 15, tzinfo=UTC)
    built = with_idle(parse("<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'>"
                            "<show>away</show></presence>"), since)
    assert canonical(serialize(built)) == canonical(example)
    assert canonical(serialize(idle_element(since))) == canonical(
        "<idle xmlns='urn:xmpp:idle:1' since='1969-07-21T02:56:15Z'/>")
    # an offset is normalised to UTC; junk and future times are no idle time; one element only
    assert parse_idle(parse(f"<presence xmlns='jabber:client'><idle xmlns='{IDLE}' "
                            "since='1969-07-21T04:56:15+02:00'/></presence>")) == since
    for junk in ("", "soon", "2999-01-01T00:00:00Z", "x" * 100):
        assert parse_idle(parse(f"<presence xmlns='jabber:client'><idle xmlns='{IDLE}' since='{junk}'/>"
                                "</presence>")) is None
    assert serialize(with_idle(built, since)).count(IDLE) == 1
    assert IDLE not in serialize(with_idle(built, None))


# -- the state machine ---------------------------------------------------------------------------
class Status:
    def __init__(self, value: str = "online") -> None:
        self.value = value
        self.log: list[str] = []

    def machine(self, clock: ManualClock, **kwargs: Any) -> IdleMachine:
        return IdleMachine(clock, lambda: self.value, self.set, lambda: self.log.append("announce"),
                           wall=lambda: 10_000.0 + clock.now(), **kwargs)

    def set(self, value: str) -> None:
        self.value = value
        self.log.append(value)


def test_away_then_xa_after_inactivity_and_activity_restores_the_status_before() -> None:
    clock, status = ManualClock(), Status()
    machine = status.machine(clock, away_after=2, xa_after=5)
    machine.start()
    clock.advance(1.5)
    machine.activity()  # the countdown restarts
    clock.advance(1.9)
    assert status.value == "online" and machine.idle_since() is None
    clock.advance(0.1)
    assert status.value == "away" and machine.idle_since() == 10_000.0 + 1.5
    clock.advance(3)
    assert status.value == "xa"
    clock.advance(100)
    assert status.log == ["away", "xa"]  # nothing more once every threshold passed
    machine.activity()
    assert status.value == "online" and machine.idle_since() is None
    clock.advance(2)
    assert status.value == "away"  # counting again from the activity


def test_idle_presence_timeout_marks_idle_without_changing_the_status() -> None:
    clock, status = ManualClock(), Status("dnd")
    machine = status.machine(clock, idle_after=3, away_after=1)
    machine.start()
    clock.advance(2)
    assert status.log == [] and machine.idle_since() is None  # dnd is never made away
    clock.advance(1)
    assert status.log == ["announce"] and machine.idle_since() == 10_000.0
    machine.activity()
    assert status.log == ["announce", "announce"] and status.value == "dnd" and machine.idle_since() is None


def test_a_status_the_user_chooses_while_away_is_not_overridden_on_return() -> None:
    clock, status = ManualClock(), Status()
    machine = status.machine(clock, away_after=2)
    machine.start()
    clock.advance(2)
    assert status.value == "away"
    status.set("dnd")
    machine.status_chosen("dnd")
    machine.activity()
    assert status.value == "dnd" and status.log == ["away", "dnd", "announce"]


def test_online_chosen_through_the_api_while_idle_goes_away_again_after_the_threshold() -> None:
    clock, status = ManualClock(), Status()
    machine = status.machine(clock, away_after=2)
    machine.start()
    clock.advance(2)
    assert status.value == "away"
    status.set("online")  # chosen without any input event (e.g. api.user.status.set)
    machine.status_chosen("online")
    clock.advance(1.9)
    assert status.value == "online"
    clock.advance(0.1)
    assert status.value == "away" and status.log == ["away", "online", "away"]
    machine.activity()
    assert status.value == "online"


def test_online_chosen_while_the_xa_timer_waits_goes_away_after_the_away_threshold() -> None:
    clock, status = ManualClock(), Status()
    machine = status.machine(clock, away_after=2, xa_after=10)
    machine.start()
    status.set("dnd")
    machine.status_chosen("dnd")
    clock.advance(3)  # dnd is never made away; the pending timer is xa's, at 10 s
    status.set("online")
    machine.status_chosen("online")
    clock.advance(2)
    assert status.value == "away" and status.log == ["dnd", "online", "away"]


class CountingClock(ManualClock):
    """A ManualClock that fails a test whose timers keep setting new timers at the same time."""

    def call_later(self, delay: float, callback: Any, *args: Any) -> Any:
        self.calls = getattr(self, "calls", 0) + 1
        assert self.calls < 100, "a timer loop: the machine keeps setting timers"
        return super().call_later(delay, callback, *args)


def test_a_threshold_reached_through_rounded_float_seconds_counts_as_reached() -> None:
    clock, status = CountingClock(), Status()
    machine = status.machine(clock, away_after=2)
    machine.start()
    clock.advance(2.1)
    machine.activity()  # the machine's timer is now due at 2.1 + 2 = 4.1
    clock.advance(2.0)  # at 4.1 it finds 4.1 - 2.1 = 1.9999999999999996 s without activity
    assert status.value == "away" and clock.calls < 10


def test_manual_away_becomes_xa_and_returns_to_away_and_stop_forgets_everything() -> None:
    clock, status = ManualClock(), Status("away")
    machine = status.machine(clock, away_after=1, xa_after=4)
    machine.start()
    clock.advance(4)
    assert status.log == ["xa"]
    machine.activity()
    assert status.value == "away"
    clock.advance(4)
    machine.stop()
    assert clock.pending() == [] and machine.idle_since() is None
    machine.activity()
    assert status.value == "xa"  # stopped: activity changes nothing (a new session starts afresh)


def test_all_thresholds_off_means_no_timer() -> None:
    clock, status = ManualClock(), Status()
    machine = status.machine(clock)
    machine.start()
    machine.activity()
    assert clock.pending() == []


# -- the plugin ----------------------------------------------------------------------------------
ROSTER = ('<iq xmlns="jabber:client" type="result" id="{id}"><query xmlns="jabber:iq:roster">'
          '<item jid="juliet@capulet.com" subscription="both"/></query></iq>')


async def session(settings: dict[str, Any]) -> Client:
    client = Client()
    await client.converse.initialize(settings)
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    await settle()
    request = parse(next(x for x in client.transport.sent if "jabber:iq:roster" in x))
    client.transport.receive(ROSTER.format(id=request.get("id")))
    await settle()
    return client


def broadcasts(client: Client) -> list[Any]:
    return [parse(x) for x in client.sent("presence") if "to=" not in x.split(">")[0]]


def test_auto_away_sends_away_with_idle_since_keeps_the_message_and_activity_brings_online_back() -> None:
    async def body() -> dict[str, Any]:
        client = await session({"auto_away": 2, "idle_presence_timeout": 0, "priority": 5})
        client.api.user.status.message.set("writing")
        initial = broadcasts(client)
        client.transport.sent.clear()
        await advance(client, 2)
        away = broadcasts(client)
        client.transport.sent.clear()
        client.platform.user_active()
        await settle()
        back = broadcasts(client)
        return {"initial": initial, "away": away, "back": back, "status": client.api.user.status.get(),
                "saved": client.platform.storage}
    got = arun(body())
    first = got["initial"][0]
    assert first.findtext("{jabber:client}priority") == "5" and first.find(f"{{{IDLE}}}idle") is None
    (away,) = got["away"]
    assert away.findtext("{jabber:client}show") == "away" and away.findtext("{jabber:client}status") == "writing"
    since = parse_idle(away)
    assert since is not None and abs((datetime.now(UTC) - since).total_seconds()) < 60
    (back,) = got["back"]
    assert back.find("{jabber:client}show") is None and back.find(f"{{{IDLE}}}idle") is None
    assert back.findtext("{jabber:client}status") == "writing" and got["status"] == "online"
    assert all('"away"' not in value for value in got["saved"].values())  # an automatic away is not saved


def test_contacts_idle_since_follows_their_presence() -> None:
    async def body() -> list[Any]:
        client = await session({})
        contact = client.api.contacts.get("juliet@capulet.com")
        seen = []
        client.transport.receive("<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'>"
                                 "<show>away</show><idle xmlns='urn:xmpp:idle:1' since='1969-07-21T02:56:15Z'/>"
                                 "</presence>")
        await settle()
        seen.append(contact.get("idle_since"))
        client.transport.receive("<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'/>")
        await settle()
        seen.append(contact.get("idle_since"))
        return seen
    assert arun(body()) == ["1969-07-21T02:56:15+00:00", None]
