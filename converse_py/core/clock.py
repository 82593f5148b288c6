"""The clock the core's timers run on: the event loop's in the page, a manual one in tests.

Reconnection delays, login and IQ timeouts, and the keep-alive ping ask ``converse.clock`` for
the time and for timers, never the loop or ``time`` directly, so a test can hand the client a
``ManualClock`` and move time forward itself instead of sleeping.

>>> clock = ManualClock()
>>> fired = []
>>> timer = clock.call_later(5, fired.append, "five")
>>> _ = clock.call_later(1, fired.append, "one")
>>> clock.advance(2); fired
['one']
>>> timer.cancel(); clock.advance(10); fired, clock.now()
(['one'], 12.0)
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import Any, Protocol
from collections.abc import Callable

from .aio import loop


class Timer(Protocol):
    """A scheduled call that can be cancelled (``asyncio.TimerHandle`` is one)."""

    def cancel(self) -> None:
        """Do not run the call (nothing happens if it already ran)."""


class Clock(Protocol):
    """What the core needs from a clock."""

    def now(self) -> float:
        """Seconds on a monotonic scale (only differences mean something)."""

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` once, ``delay`` seconds from now."""


class LoopClock:
    """The real clock: ``time.monotonic`` and the running event loop's timers."""

    def now(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        return loop().call_later(delay, callback, *args)


class ManualTimer:
    """A timer of a ``ManualClock``."""

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that only moves when told to (``advance``): due timers run then, in time order."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._order = itertools.count()
        self._timers: list[tuple[float, int, ManualTimer]] = []

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        timer = ManualTimer(self._now + max(0.0, delay), callback, args)
        heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer

    def pending(self) -> list[float]:
        """The delays (from now) of the timers still to run, soonest first."""
        return sorted(t.when - self._now for _w, _o, t in self._timers if not t.cancelled)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, running every timer that falls due on the way (also
        those the callbacks schedule, when they fall due within the same stretch)."""
        end = self._now + seconds
        while self._timers and self._timers[0][0] <= end:
            when, _order, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, when)
            timer.callback(*timer.args)
        self._now = end


__all__ = ["Clock", "LoopClock", "ManualClock", "ManualTimer", "Timer"]
