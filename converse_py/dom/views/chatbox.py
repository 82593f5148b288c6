"""Chat box views: one element per open box, messages rendered in batches."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any


from ...core.converse import Converse
from ...core.log import logger
from ...plugins.chats.models import ChatBox, ShownMessage
from .. import templates

if TYPE_CHECKING:
    from .ui import UIPlugin


class ChatsView:
    """The row of chat boxes; follows chatBoxOpened/Closed/Focused."""

    def __init__(self, converse: Converse, ui: UIPlugin, container: Any) -> None:
        self.converse = converse
        self.container = container
        self.box_views: dict[str, ChatBoxView] = {}
        listen = converse.api.listen
        listen.on("chatBoxOpened", self.open_box)
        listen.on("chatBoxClosed", self.close_box)
        listen.on("chatBoxFocused", self.focus_box)
        ui.on_action("submit", "send", lambda form, _event: self.submit_message(form))
        ui.on_action("keydown", "send", self.on_compose_key)
        ui.on_action("click", "close-chat", self.on_close_click)

    def _box_for(self, element: Any) -> ChatBox | None:
        return self.converse.chats.boxes.get(str(element.getAttribute("data-jid")))  # type: ignore[attr-defined]

    def on_close_click(self, element: Any, _event: Any) -> None:
        box = self._box_for(element)
        if box is not None:
            box.close()

    def open_box(self, box: ChatBox) -> None:
        if box.get("type") == "chatroom":
            return  # rooms have their own view (views/rooms.py)
        view = self.box_views.get(box.get("jid"))
        if view is None:
            self.box_views[box.get("jid")] = ChatBoxView(box, self.container)
        else:
            view.element.hidden = False

    def close_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is not None:
            view.element.hidden = True

    def focus_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is not None:
            view.element.querySelector("textarea").focus()

    def on_compose_key(self, form: Any, event: Any) -> None:
        """Enter sends, Shift+Enter makes a new line."""
        if event.key == "Enter" and not event.shiftKey and event.target.tagName == "TEXTAREA":
            event.preventDefault()
            self.submit_message(form)

    def submit_message(self, form: Any) -> None:
        textarea = form.elements.namedItem("body")
        text = str(textarea.value)
        if not text.strip():
            return
        box = self._box_for(form)
        if box is None:
            return
        try:
            box.send_message(text)
        except Exception as exc:
            logger.error("could not send: %s", exc)
            return
        textarea.value = ""


class ChatBoxView:
    """One chat box element; new messages are buffered and rendered once per loop turn."""

    def __init__(self, box: ChatBox, container: Any) -> None:
        self.box = box
        container.insertAdjacentHTML("beforeend", templates.chatbox(box))
        self.element = container.lastElementChild
        self.list = self.element.querySelector('[data-role="messages"]')
        self.pending: list[ShownMessage] = []
        self.last_day: str | None = None
        box.on_messages(self.queue)
        if box.messages:
            self.queue(box, list(box.messages))

    def queue(self, _box: ChatBox, messages: list[ShownMessage]) -> None:
        if not self.pending:
            asyncio.get_event_loop().call_soon(self.flush)
        self.pending.extend(messages)

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        html, self.last_day = templates.message_items(batch, self.last_day)
        self.list.insertAdjacentHTML("beforeend", html)
        self.list.scrollTop = self.list.scrollHeight
