"""The action bar of a message list: the buttons plugins give a row (hook
``getMessageActionButtons``: Reply, React, Retract, Copy, Quote, a plugin's own), made for one
row at a time, the row the pointer is on or the keyboard focus is in.

Rows are drawn without their buttons: a burst of a thousand rows does not ask the hook a thousand
times nor parse four thousand buttons nobody points at (about 12% of a burst's CPU time when every
row had its bar). The bar is put into a row when the pointer enters it (``mouseover``; a tap on a
touch screen sends one too) or the focus comes into it, and taken out of the row it was in before.
A row drawn again (a reaction, a receipt) gets its bar back when it held it.

By keyboard: the list is one tab stop; there ↑ and ↓ move the focus from row to row (the newest
first), the focused row shows its bar, Tab goes into its buttons, Escape back to the list.

Example (what ``MessageListView`` does)::

    bar = ActionBar(list_element, proxies, buttons_of=lambda row: actions_for(message_of(row)))
    bar.show(row)          # the row's buttons, in the row; the row that had them loses them
    bar.holder()           # that row (None: no bar)
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Sequence

from .. import templates
from ..ffi import ProxyKeeper, found
from ..templates import Button

#: The buttons of a row (empty: none), from its ``<li>``.
ButtonsOf = Callable[[Any], Sequence[Button]]

#: Keys that move the focus between rows while the list or a row has it.
MOVES = {"ArrowUp": -1, "ArrowDown": 1}


class ActionBar:
    """One ``.cpy-msg-actions`` group in ``element`` (an ``<ol>`` of rows), in the row in use."""

    def __init__(self, element: Any, proxies: ProxyKeeper, buttons_of: ButtonsOf) -> None:
        self.element = element
        self._buttons_of = buttons_of
        self._bar: Any = None  # the bar's element while it is in a row
        element.addEventListener("mouseover", proxies.keep(self._on_enter))
        element.addEventListener("focusin", proxies.keep(self._on_enter))
        element.addEventListener("keydown", proxies.keep(self._on_key))

    def holder(self) -> Any:
        """The row the bar is in (None: in none)."""
        return self._bar.parentElement if self._bar is not None else None

    def show(self, row: Any) -> None:
        """Put ``row``'s buttons in ``row`` (none, or no row: no bar), out of the row that had them."""
        self.hide()
        if not found(row):
            return
        buttons = self._buttons_of(row)
        if not buttons:
            return
        row.insertAdjacentHTML("beforeend", str(templates.message_actions(buttons)))
        self._bar = row.lastElementChild

    def hide(self) -> None:
        if self._bar is not None:
            self._bar.remove()
            self._bar = None

    def _on_enter(self, event: Any) -> None:
        target = event.target
        row = target.closest("li.cpy-msg") if hasattr(target, "closest") else None
        if not found(row) or row.classList.contains("cpy-info"):
            return
        if self.holder() == row:
            return  # already there (the pointer moved within the row)
        self.show(row)

    def _on_key(self, event: Any) -> None:
        key = str(event.key)
        target = event.target
        on_list = target == self.element
        on_row = not on_list and bool(target.matches("li.cpy-msg"))
        if not (on_list or on_row):
            return  # a button or a field in a row keeps its keys
        if key == "Escape" and on_row:
            event.preventDefault()
            self.element.focus()
        elif key in MOVES:
            step = MOVES[key]
            row = self._next_row(target if on_row else None, step)
            if found(row):
                event.preventDefault()
                row.setAttribute("tabindex", "-1")  # focusable by script, not a tab stop
                row.focus()

    def _next_row(self, row: Any, step: int) -> Any:
        """The message row after (``step`` 1) or before (-1) ``row``; from the list itself, the newest."""
        forward = row is not None and step > 0
        if row is None:
            candidate = self.element.lastElementChild
        else:
            candidate = row.nextElementSibling if forward else row.previousElementSibling
        while found(candidate) and not candidate.matches("li.cpy-msg"):
            candidate = candidate.nextElementSibling if forward else candidate.previousElementSibling
        return candidate
