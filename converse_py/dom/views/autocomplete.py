"""The one list of suggestions under a composer, shared by the ``:shortcode`` (emoji) and ``@nick``
(mentions) autocompletes: an ARIA listbox (``role=listbox``/``option``, the composer's
``aria-activedescendant`` naming the selected option), Up/Down to choose, Enter/Tab (or a click:
the owner's ``data-action``) to accept, Escape to close. One list is open at a time; each owner
(``"emoji"``, ``"mention"``) opens it with ``show`` and closes only its own with ``close``.

Keys are taken in the capture phase on the root, ahead of the composer's own handlers (Enter
sends), and only while a list is open for the focused composer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from ...core.log import logger
from ..ffi import ProxyKeeper, found

_ids = itertools.count(1)


class ComposerCompletion:
    """The open list of suggestions (None when closed) and its keys."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.proxies = ProxyKeeper()
        self.current: dict[str, Any] | None = None
        root.addEventListener("keydown", self.proxies.keep(self.on_key), True)
        root.addEventListener("submit", self.proxies.keep(lambda _event: self.close()), True)
        root.addEventListener("focusin", self.proxies.keep(self.on_focus), True)

    def is_open(self, owner: str, textarea: Any = None) -> bool:
        state = self.current
        return state is not None and state["owner"] == owner and (
            textarea is None or state["textarea"].isSameNode(textarea))

    def show(self, owner: str, textarea: Any, html_for: Callable[[str, int], str], count: int,
             accept: Callable[[int], None]) -> None:
        """Show ``count`` suggestions (``html_for(list_id, selected)`` gives the listbox, whose
        options have ids ``{list_id}-{i}``) above ``textarea``'s form; ``accept(i)`` inserts one."""
        form = textarea.closest("form.cpy-compose")
        previous = self.current
        same = previous is not None and previous["owner"] == owner and previous["textarea"].isSameNode(textarea)
        list_id = previous["id"] if same and previous is not None else f"cpy-complete-{next(_ids)}"
        if not same:
            self.close()
        html = html_for(list_id, 0)
        old = form.parentElement.querySelector(f'[id="{list_id}"]')
        if found(old):
            old.outerHTML = html
        else:
            form.insertAdjacentHTML("beforebegin", html)
        self.current = {"owner": owner, "textarea": textarea, "form": form, "id": list_id, "count": count,
                        "index": 0, "accept": accept}
        textarea.setAttribute("aria-autocomplete", "list")
        textarea.setAttribute("aria-controls", list_id)
        textarea.setAttribute("aria-activedescendant", f"{list_id}-0")

    def close(self, owner: str | None = None) -> None:
        """Close the open list (only if ``owner``'s, when given)."""
        current = self.current
        if current is None or (owner is not None and current["owner"] != owner):
            return
        self.current = None
        listbox = current["form"].parentElement.querySelector(f'[id="{current["id"]}"]')
        if found(listbox):
            listbox.remove()
        textarea = current["textarea"]
        textarea.removeAttribute("aria-activedescendant")
        textarea.removeAttribute("aria-controls")

    def accept(self, index: int) -> None:
        """Accept suggestion ``index`` of the open list (its owner inserts it), and close the list."""
        state = self.current
        if state is None or not 0 <= index < state["count"]:
            return
        self.close()
        state["accept"](index)

    def on_focus(self, event: Any) -> None:
        """The focus went elsewhere (another composer, a button): the list is closed."""
        if self.current is not None and not event.target.isSameNode(self.current["textarea"]):
            self.close()

    def on_key(self, event: Any) -> None:
        state = self.current
        if state is None or event.isComposing or not event.target.isSameNode(state["textarea"]):
            return
        try:
            self._key(state, event)
        except Exception:
            logger.exception("autocomplete: a key handler failed")

    def _key(self, state: dict[str, Any], event: Any) -> None:
        key = str(event.key)
        if key in ("ArrowDown", "ArrowUp"):
            event.preventDefault()
            event.stopPropagation()
            state["index"] = (state["index"] + (1 if key == "ArrowDown" else -1)) % state["count"]
            listbox = state["form"].parentElement.querySelector(f'[id="{state["id"]}"]')
            for i, option in enumerate(listbox.querySelectorAll('[role="option"]') if found(listbox) else []):
                option.setAttribute("aria-selected", "true" if i == state["index"] else "false")
            state["textarea"].setAttribute("aria-activedescendant", f"{state['id']}-{state['index']}")
        elif key in ("Enter", "Tab") and not event.shiftKey:
            event.preventDefault()
            event.stopPropagation()
            self.accept(state["index"])
        elif key == "Escape":
            event.preventDefault()
            event.stopPropagation()
            self.close()
