"""Incoming stanzas handed to the session in bounded slices, in order.

A transport receives stanzas in batches (one BOSH response, one WebSocket frame). Most are a few
stanzas; joining a room of hundreds brings hundreds of presences at once, and handling them all
in one go is one long main-thread task (the page does not respond meanwhile). ``Inbox`` handles
at most ``per_task`` stanzas at once and schedules the rest (``schedule(fn)``: the page's next
task); a batch arriving meanwhile waits behind them, so the order is always the server's.
After each slice handled, ``done()`` is called (the session draws the slice's new rows then).

>>> seen, later = [], []
>>> inbox = Inbox(seen.append, later.append, per_task=2, done=lambda: seen.append("|"))
>>> inbox.push(["a", "b", "c"]); seen, len(later)
(['a', 'b', '|'], 1)
>>> inbox.push(["d"]); seen  # behind "c"
['a', 'b', '|']
>>> later.pop()(); seen
['a', 'b', '|', 'c', 'd', '|']
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable

from ..core.log import logger

#: Stanzas handled in one task (a 500-occupant room's presences: five tasks of ~50 ms, not one).
STANZAS_PER_TASK = 100


class Inbox:
    """Delivers pushed stanzas to ``deliver`` in order, at most ``per_task`` per task, and calls
    ``done`` after each such slice."""

    def __init__(self, deliver: Callable[[str | ET.Element], None], schedule: Callable[[Callable[[], None]], object],
                 per_task: int = STANZAS_PER_TASK, done: Callable[[], None] | None = None) -> None:
        self.deliver = deliver
        self.schedule = schedule
        self.per_task = per_task
        self.done = done
        self.waiting: deque[str | ET.Element] = deque()
        self._scheduled = False

    def push(self, stanzas: Iterable[str | ET.Element]) -> None:
        """A batch received: handled now if nothing waits (up to ``per_task``), else queued."""
        self.waiting.extend(stanzas)
        if not self._scheduled:
            self.drain()

    def drain_all(self) -> None:
        """Handle every waiting stanza now (before a status change or the end of the transport:
        stanzas the server sent before it come first, as they did).

        >>> seen = []
        >>> inbox = Inbox(seen.append, lambda fn: None, per_task=1)
        >>> inbox.push(["a", "b", "c"]); inbox.drain_all(); seen
        ['a', 'b', 'c']
        """
        handled = bool(self.waiting)
        while self.waiting:
            self._handle(self.waiting.popleft())
        self._scheduled = False
        if handled:
            self._done()

    def drain(self) -> None:
        """Handle up to ``per_task`` waiting stanzas; schedule the rest for the next task."""
        self._scheduled = False
        if not self.waiting:
            return  # drained meanwhile (drain_all)
        for _ in range(self.per_task):
            if not self.waiting:
                break  # a stanza's handling drained the rest (a status change: drain_all)
            self._handle(self.waiting.popleft())
        if self.waiting:
            self._scheduled = True
            self.schedule(self.drain)
        self._done()

    def _done(self) -> None:
        if self.done is not None:
            try:
                self.done()
            except Exception:
                logger.exception("end-of-batch callback raised")

    def _handle(self, stanza: str | ET.Element) -> None:
        try:
            self.deliver(stanza)
        except Exception:  # the session's receive never raises; the rest must not be lost if it did
            logger.exception("stanza callback raised")


__all__ = ["STANZAS_PER_TASK", "Inbox"]
