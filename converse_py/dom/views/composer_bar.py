"""The bar above a chat box's or room's composer that says what the next message will be: a
reply ("Replying to bob: …", box attribute ``reply_to``, set by the replies plugin) or a spoiler
(its hint's field, box attribute ``spoiler``, set by the spoilers plugin). Rendered by
``templates.composer_bar``; its cancel buttons and the hint field change the box's attributes.

Example (what ``ChatBoxView`` and ``RoomView`` do)::

    ComposerBar(box, element.querySelector('[data-role="composer-bar"]'), proxies)
"""

from __future__ import annotations

from typing import Any

from ...plugins.chats.models import ChatBox
from .. import templates
from ..ffi import ProxyKeeper, found


class ComposerBar:
    """Follows ``box``'s ``reply_to`` and ``spoiler`` attributes in ``element``."""

    def __init__(self, box: ChatBox, element: Any, proxies: ProxyKeeper) -> None:
        self.box = box
        self.element = element
        self._spoiler_on = False
        element.addEventListener("click", proxies.keep(self.on_click))
        element.addEventListener("input", proxies.keep(self.on_input))
        box.on_change(self.on_change)
        self.render()

    def on_change(self, _box: Any, changed: dict[str, Any]) -> None:
        # typing a hint changes ``spoiler`` too: the bar is rendered again only when it turns on or off
        if "reply_to" in changed or ("spoiler" in changed and (changed["spoiler"] is not None) != self._spoiler_on):
            self.render()

    def render(self) -> None:
        html = templates.composer_bar(self.box)
        self._spoiler_on = self.box.get("spoiler") is not None
        self.element.innerHTML = html
        self.element.hidden = not html

    def on_click(self, event: Any) -> None:
        button = event.target.closest("[data-action]") if hasattr(event.target, "closest") else None
        if not found(button):
            return
        action = str(button.getAttribute("data-action"))
        if action == "cancel-reply":
            self.box.set("reply_to", None)
        elif action == "cancel-spoiler":
            self.box.set("spoiler", None)

    def on_input(self, event: Any) -> None:
        target = event.target
        if str(target.getAttribute("data-role")) == "spoiler-hint":
            self.box.set("spoiler", {"hint": str(target.value)})
