"""Headline boxes' views (plugins/headlines): one element per sender's announcements, its
messages a ``MessageListView`` as a chat box's, no composer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...i18n import _
from ...plugins.headlines.plugin import HeadlinesBox, HeadlinesState
from .. import templates
from ..ffi import ProxyKeeper
from .message_list import MessageListView

if TYPE_CHECKING:
    from .ui import UIPlugin


class HeadlinesView:
    """The headline boxes, in the row of chat boxes; follows ``headlinesBoxOpened``."""

    def __init__(self, converse: Converse, ui: UIPlugin, container: Any) -> None:
        self.converse = converse
        self.container = container
        self.views: dict[str, tuple[Any, MessageListView]] = {}
        self.proxies = ProxyKeeper()
        converse.api.listen.on("headlinesBoxOpened", self.open_box)
        ui.on_action("click", "close-headlines", self.on_close)
        ui.on_action("click", "toggle-headlines", self.on_toggle)

    def _box(self, element: Any) -> HeadlinesBox | None:
        state = self.converse.find(HeadlinesState)
        return state.boxes.get(str(element.getAttribute("data-jid"))) if state is not None else None

    def open_box(self, box: HeadlinesBox) -> None:
        jid = box.get("jid")
        if jid in self.views:
            self.views[jid][0].hidden = False
            return
        self.container.insertAdjacentHTML("beforeend", templates.headlines_box(box))
        element = self.container.lastElementChild
        messages = MessageListView(self.converse, box, element.querySelector('[data-role="messages"]'), None,
                                   self.proxies)
        self.views[jid] = (element, messages)
        box.on_change(lambda b, changed: self.on_change(element, messages, changed))
        if box.messages:
            messages.render_all()

    @staticmethod
    def on_change(element: Any, messages: MessageListView, changed: dict[str, Any]) -> None:
        if "closed" in changed:
            element.hidden = bool(changed["closed"])
        if "minimized" in changed:
            minimized = bool(changed["minimized"])
            element.classList.toggle("cpy-minimized", minimized)
            element.querySelector('[data-role="body"]').hidden = minimized
            toggle = element.querySelector('[data-action="toggle-headlines"]')
            toggle.setAttribute("aria-expanded", "false" if minimized else "true")
            toggle.setAttribute("aria-label", _("Maximize") if minimized else _("Minimize"))
            if not minimized:
                messages.scroll_to_bottom()

    def on_close(self, element: Any, _event: Any) -> None:
        box = self._box(element)
        if box is not None:
            box.close()

    def on_toggle(self, element: Any, _event: Any) -> None:
        box = self._box(element)
        if box is not None:
            box.maximize() if box.get("minimized") else box.minimize()
