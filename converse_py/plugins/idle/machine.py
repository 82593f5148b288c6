"""When the user counts as idle, away or extended away: a pure state machine on the core clock
(unit tests drive it with a ManualClock).

Thresholds are seconds without activity (0: off): ``idle_after`` marks the user idle (XEP-0319
``<idle/>`` in presence, the status unchanged), ``away_after`` changes an ``online`` status to
``away``, ``xa_after`` an ``online`` or ``away`` one to ``xa``; the status message is kept.
Reaching away or xa also marks the user idle. Activity ends it all: an automatic status goes back
to what it was before (unless the user chose another one meanwhile).

>>> from converse_py.core.clock import ManualClock
>>> clock, status, sent = ManualClock(), ["online"], []
>>> machine = IdleMachine(clock, lambda: status[0], lambda s: (status.__setitem__(0, s), sent.append(s)),
...                       lambda: sent.append("idle"), away_after=60, xa_after=600, wall=lambda: 1000.0)
>>> machine.start(); clock.advance(59); status[0], machine.idle_since()
('online', None)
>>> clock.advance(1); status[0], machine.idle_since()
('away', 940.0)
>>> clock.advance(540); status[0]; machine.activity(); status[0], machine.idle_since(), sent
'xa'
('online', None, ['away', 'xa', 'online'])
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ...core.clock import Clock, Timer

#: What an automatic change may start from: ``away`` from online, ``xa`` from online or away.
AUTO_FROM = {"away": ("online",), "xa": ("online", "away")}

#: Seconds by which a threshold counts as reached early: a browser timer may fire a little before
#: its time as the clock reads it, and sums of float seconds round down (4.1 - 2.1 < 2). Without it
#: such a timer would find its threshold not quite passed and set another one for almost nothing.
SLACK = 0.005


class IdleMachine:
    """Follows the user's activity; changes the status through ``set_status`` and asks for a new
    presence with ``announce`` when only the idle mark changed."""

    def __init__(self, clock: Clock, get_status: Callable[[], str], set_status: Callable[[str], None],
                 announce: Callable[[], None], *, idle_after: float = 0, away_after: float = 0,
                 xa_after: float = 0, wall: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.get_status = get_status
        self.set_status = set_status
        self.announce = announce
        self.idle_after, self.away_after, self.xa_after = idle_after, away_after, xa_after
        self.wall = wall
        self.last_activity = clock.now()
        self.idle = False
        self.auto_status: str | None = None  # "away"/"xa" while the machine set the status
        self.previous: str | None = None  # the status before the first automatic change
        self.running = False
        self._timer: Timer | None = None
        self._timer_due = 0.0  # when the pending timer runs, on the clock

    # -- control ----------------------------------------------------------------------------
    def start(self) -> None:
        """A session is up: count inactivity from now."""
        self.running = True
        self.last_activity = self.clock.now()
        self._schedule()

    def stop(self) -> None:
        """The session is gone: no timers, nothing idle (the next session starts afresh)."""
        self.running = False
        self._cancel()
        self.idle, self.auto_status, self.previous = False, None, None

    def activity(self) -> None:
        """The user did something: not idle any more; an automatic status goes back."""
        self.last_activity = self.clock.now()
        if not self.running:
            return
        if self.idle or self.auto_status is not None:
            self._back()
            self._schedule()
        elif self._timer is None:
            self._schedule()
        # else: the pending timer finds the new activity time and waits on (no timer per event)

    def status_chosen(self, status: str) -> None:
        """The status changed (``statusChanged``): a choice of the user's ends the automatic one."""
        if self.auto_status is not None and status != self.auto_status:
            self.auto_status, self.previous = None, None
        if not self.running:
            return
        # a status chosen without any activity (e.g. through the API) once a threshold had passed
        # is made away/xa once the away (or xa) threshold has passed again since the choice, unless
        # the pending timer (the next threshold from the last activity) comes sooner
        delays = [t for t in (self.away_after, self.xa_after) if t > 0]
        if delays and (self._timer is None or self._timer_due > self.clock.now() + min(delays)):
            self._set_timer(min(delays))

    def idle_since(self) -> float | None:
        """The wall-clock time (epoch seconds) of the last activity while idle; None when not."""
        if not self.idle:
            return None
        return self.wall() - (self.clock.now() - self.last_activity)

    # -- the machine --------------------------------------------------------------------------
    def _back(self) -> None:
        auto, previous = self.auto_status, self.previous
        self.idle, self.auto_status, self.previous = False, None, None
        if auto is not None and previous is not None and self.get_status() == auto:
            self.set_status(previous)  # its presence goes out without <idle/>
        else:
            self.announce()

    def _check(self) -> None:
        self._timer = None
        if not self.running:
            return
        elapsed = self.clock.now() - self.last_activity + SLACK
        status = self.get_status()
        target = None
        if self.xa_after > 0 and elapsed >= self.xa_after and status in AUTO_FROM["xa"]:
            target = "xa"
        elif self.away_after > 0 and elapsed >= self.away_after and status in AUTO_FROM["away"]:
            target = "away"
        became_idle = not self.idle and (target is not None or (self.idle_after > 0 and elapsed >= self.idle_after))
        if became_idle:
            self.idle = True
        if target is not None and target != status:
            if self.auto_status is None:
                self.previous = status
            self.auto_status = target
            self.set_status(target)  # its presence carries <idle/> (the presence hook asks idle_since)
        elif became_idle:
            self.announce()
        self._schedule()

    def _schedule(self) -> None:
        """A timer at the next threshold not passed yet (none when all are passed or off)."""
        self._cancel()
        if not self.running:
            return
        elapsed = self.clock.now() - self.last_activity
        ahead = [t for t in (self.idle_after, self.away_after, self.xa_after) if t > 0 and t > elapsed + SLACK]
        if ahead:
            self._set_timer(min(ahead) - elapsed)

    def _set_timer(self, delay: float) -> None:
        self._cancel()
        self._timer_due = self.clock.now() + delay
        self._timer = self.clock.call_later(delay, self._check)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
