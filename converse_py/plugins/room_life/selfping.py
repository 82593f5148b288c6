"""XEP-0410 self-ping: notice being dropped from a room and enter it again.

A room with no traffic from it for ``interval`` seconds gets a ping to our own occupant JID;
traffic (any message or presence from the room) moves the next ping further. The answer says
whether we are still in (``stanzas.ping_verdict``): not in → we join again; the room's server
unreachable (or no answer) → we ask again after another interval. Timers run on
``converse.clock`` (a ManualClock in unit tests).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Callable

from ...core.clock import Timer
from ...core.converse import Converse
from ...core.errors import IQDisconnectedError, IQError, IQTimeoutError
from ...core.log import logger
from ..muc.models import Room
from ..muc.plugin import RoomsState
from .stanzas import NOT_JOINED, error_condition, ping_verdict, self_ping

#: How long an answer to a self-ping may take (seconds).
PING_TIMEOUT = 30.0


class SelfPing:
    """Self-ping timers of the entered rooms."""

    def __init__(self, converse: Converse, interval: Callable[[], float]) -> None:
        self.converse = converse
        self.interval = interval
        self.last_traffic: dict[str, float] = {}
        self.timers: dict[str, Timer] = {}
        self.pings_sent = 0

    def _rooms(self) -> RoomsState:
        return self.converse.get(RoomsState)

    def traffic(self, stanza: Any) -> None:
        """A stanza arrived: traffic from a room we track moves its next ping."""
        sender = (stanza.get("from") or "").partition("/")[0]
        if sender in self.timers:
            self.last_traffic[sender] = self.converse.clock.now()

    def start(self, room: Room) -> None:
        """The room was entered: ping it after ``interval`` seconds without traffic."""
        jid = room.get("jid")
        self.stop(jid)
        seconds = self.interval()
        if seconds <= 0:
            return
        self.last_traffic[jid] = self.converse.clock.now()
        self.timers[jid] = self.converse.clock.call_later(seconds, self._due, jid)

    def stop(self, jid: str) -> None:
        timer = self.timers.pop(jid, None)
        if timer is not None:
            timer.cancel()
        self.last_traffic.pop(jid, None)

    def stop_all(self) -> None:
        for jid in list(self.timers):
            self.stop(jid)

    def _due(self, jid: str) -> None:
        self.timers.pop(jid, None)
        room = self._rooms().rooms.get(jid)
        seconds = self.interval()
        if room is None or not room.entered or room.get("closed") or seconds <= 0:
            self.last_traffic.pop(jid, None)
            return
        idle = self.converse.clock.now() - self.last_traffic.get(jid, 0.0)
        if idle < seconds:
            self.timers[jid] = self.converse.clock.call_later(seconds - idle, self._due, jid)
            return
        self.timers[jid] = self.converse.clock.call_later(seconds, self._due, jid)  # the next one
        asyncio.ensure_future(self.ping(room))

    async def ping(self, room: Room) -> str:
        """Ping our occupant JID now; rejoin when the answer says we are not in. Returns the verdict
        (``joined``, ``not-joined``, ``try-later``)."""
        self.pings_sent += 1
        try:
            await self.converse.session.send_iq(self_ping(room.get("jid"), room.get("nick")), PING_TIMEOUT)
            verdict = ping_verdict(None)
        except IQDisconnectedError:
            return "try-later"  # the connection went away: rooms are re-joined after reconnecting
        except IQTimeoutError:
            verdict = "try-later"
        except IQError as exc:
            # No answer stanza: the session was lost before a reply; rooms are re-joined after reconnecting.
            verdict = ping_verdict(error_condition(exc.stanza)) if isinstance(exc.stanza, ET.Element) else "try-later"
        if verdict == NOT_JOINED and room.entered and not room.get("closed"):
            logger.info("room %s: self-ping says we are not in any more; joining again", room.get("jid"))
            room.set("connection_status", "disconnected")
            room.join_attempts = 0
            self._rooms().join(room)
        return verdict
