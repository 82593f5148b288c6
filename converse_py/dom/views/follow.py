"""Keeping a message list on its newest rows without a forced layout per batch.

Setting ``scrollTop = scrollHeight`` right after rows were inserted makes the browser lay the
page out there and then (a forced synchronous layout: ~0.5 ms for one chat row here), before
the task that inserted them can end, and the other work of the task waits for it.
:class:`BottomFollower` scrolls in the next animation frame instead: ``requestAnimationFrame``
callbacks run before that frame's layout and paint, so the new rows are never painted
unscrolled, and however many batches arrive before the frame, the page is laid out once for
them. A hidden page runs no frames: its lists scroll when it is shown again.

Rows can take their real height a frame or more after they were inserted (an image that loads,
a font that arrives; and rows styled ``content-visibility: auto``, as they were once, got theirs
only once scrolled into view: 40 rows that arrived together were 1,035 px estimated, 1,800 px
real, and the box stopped following). So the follower watches a few more frames and scrolls
again while the list keeps growing under a position nobody scrolled up from.

Example (a view's flush)::

    follower = BottomFollower(list_element, proxies)
    list_element.insertAdjacentHTML("beforeend", html)
    follower.follow_soon()                  # scrolled to the bottom before the next paint
    follower.near_bottom(60)                # True: the newest rows are (about to be) in view
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import js  # type: ignore[import-not-found]

from ..ffi import ProxyKeeper

#: Frames after a scroll in which growth of the list (rows taking their real height) is followed.
SETTLE_FRAMES = 3
#: Pixels the position may move up meanwhile and still count as unmoved: the browser's scroll
#: anchoring nudges it by a pixel or so when rows above take their real (fractional) height; a
#: user scrolling up moves it by far more.
NUDGE_PX = 8


class BottomFollower:
    """Scrolls ``element`` to its bottom once in the next animation frame; ``after`` runs right
    after that scroll."""

    def __init__(self, element: Any, proxies: ProxyKeeper, after: Callable[[], None] | None = None) -> None:
        self.element = element
        self.pending = False
        self._after = after
        self._on_frame = proxies.keep(self._frame)
        self._on_settle = proxies.keep(self._settle)
        # Looked up once: a lookup on the JS global object is the dearest part of a frame request
        # when the page was idle (~0.07 ms; measured in bench/RESULTS.md, "Rows drawn at the end").
        self._request_frame = js.requestAnimationFrame
        self._settle_frames = 0   # frames left in which to follow growth
        self._scrolled_to = 0.0   # scrollTop after the last scroll to the bottom

    def follow_soon(self) -> None:
        """Scroll to the bottom before the next paint (once, whatever is inserted until then)."""
        if not self.pending:
            self.pending = True
            self._request_frame(self._on_frame)

    def near_bottom(self, within: float) -> bool:
        """True when the bottom is less than ``within`` pixels below what is shown, or a scroll to
        it is due in the next frame (then nothing is read: no layout is forced meanwhile)."""
        if self.pending or self._settle_frames:
            return True
        element = self.element
        return bool(element.scrollHeight - element.scrollTop - element.clientHeight < within)

    def _frame(self, *_: Any) -> None:
        self.pending = False
        self._scroll()
        if self._after is not None:
            self._after()

    def _scroll(self) -> None:
        element = self.element
        element.scrollTop = element.scrollHeight
        self._scrolled_to = float(element.scrollTop)
        if not self._settle_frames:
            self._request_frame(self._on_settle)
        self._settle_frames = SETTLE_FRAMES

    def _settle(self, *_: Any) -> None:
        """A frame after a scroll: scroll again if the list grew and nobody (the user) scrolled."""
        if self.pending or not self._settle_frames:
            self._settle_frames = 0  # a scroll is due anyway and starts its own frames
            return
        self._settle_frames -= 1
        element = self.element
        if float(element.scrollTop) < self._scrolled_to - NUDGE_PX:
            self._settle_frames = 0  # scrolled up by someone else: leave the position alone
            return
        if element.scrollHeight - element.scrollTop - element.clientHeight >= 1:
            element.scrollTop = element.scrollHeight
            self._scrolled_to = float(element.scrollTop)
        if self._settle_frames:
            self._request_frame(self._on_settle)
