"""Clicks on the buttons plugins add to message rows and box toolbars (``dom/hooks.py``).

Nothing is kept per rendered button: a click finds its box (the ``section`` around it) and, for
a row, its message (the row's ``data-id``), asks the hook again for that box/message, and calls
the handler of the button with the clicked name. A handler may be a coroutine function (its
task is started) and may raise (logged; the page goes on).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.chats.models import ChatBox, ShownMessage
from ...plugins.chats.plugin import ChatsState
from ...plugins.muc.plugin import RoomsState
from ..ffi import found
from ..hooks import MESSAGE_ACTIONS, TOOLBAR_BUTTONS, message_actions_for, toolbar_buttons
from .message_list import message_by_key

if TYPE_CHECKING:
    from .chatbox import ChatsView
    from .rooms import RoomsView
    from .ui import UIPlugin


class PluginButtons:
    """Routes ``data-action="message-action"`` and ``"toolbar-button"`` clicks to their handlers."""

    def __init__(self, converse: Converse, ui: UIPlugin, chats: ChatsView, rooms: RoomsView) -> None:
        self.converse = converse
        self.chats = chats
        self.rooms = rooms
        ui.on_action("click", "message-action", self.on_message_action)
        ui.on_action("click", "toolbar-button", self.on_toolbar_button)

    def box_of(self, element: Any) -> ChatBox | None:
        """The chat box or room whose section holds ``element``."""
        section = element.closest("section[data-jid]")
        if not found(section):
            return None
        jid = str(section.getAttribute("data-jid"))
        if section.classList.contains("cpy-chatroom"):
            rooms = self.converse.find(RoomsState)
            return rooms.rooms.get(jid) if rooms is not None else None
        chats = self.converse.find(ChatsState)
        return chats.boxes.get(jid) if chats is not None else None

    @staticmethod
    def message_of(box: ChatBox, element: Any) -> ShownMessage | None:
        row = element.closest("li.cpy-msg")
        return message_by_key(box, str(row.getAttribute("data-id"))) if found(row) else None

    def on_message_action(self, element: Any, _event: Any) -> None:
        box = self.box_of(element)
        message = self.message_of(box, element) if box is not None else None
        actions_for = message_actions_for(self.converse, box)
        if box is None or message is None or actions_for is None:
            return
        self._run(MESSAGE_ACTIONS, actions_for(message), str(element.getAttribute("data-name")), box, message)

    def on_toolbar_button(self, element: Any, _event: Any) -> None:
        box = self.box_of(element)
        if box is not None:
            self._run(TOOLBAR_BUTTONS, toolbar_buttons(self.converse, box), str(element.getAttribute("data-name")),
                      box)

    @staticmethod
    def _run(hook: str, buttons: Sequence[Mapping[str, Any]], name: str, *args: Any) -> None:
        button = next((b for b in buttons if b["name"] == name), None)
        if button is None:
            logger.info("%s: no button named %r any more", hook, name)
            return
        try:
            result = button["handler"](*args)
        except Exception:
            logger.exception("%s: the handler of %r failed", hook, name)
            return
        if inspect.isawaitable(result):
            asyncio.ensure_future(result)
