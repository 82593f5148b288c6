"""The reactions UI (XEP-0444; the logic is plugins/reactions): the "React" button of each
message row opens a small picker in the row (common emoji, a field for any one emoji; Escape
closes it), the reactions show as chips under the message (``getMessageParts``), and clicking a
chip or a picked emoji toggles the user's own reaction. Nothing is added when the reactions
plugin is not loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.log import logger
from ...i18n import _
from ...plugins.chats.models import ChatBox, ShownMessage
from ...plugins.reactions.aggregate import own_emojis, reactors_of
from ...plugins.reactions.parts import COMMON, reaction_picker
from ...plugins.reactions.plugin import ReactionsState
from ...plugins.reactions.stanzas import is_single_emoji
from .. import templates
from ..ffi import found
from .buttons import PluginButtons

if TYPE_CHECKING:
    from .ui import UIPlugin


class ReactionsView:
    """Pickers and chips of every box's rows."""

    def __init__(self, converse: Converse, ui: UIPlugin, buttons: PluginButtons) -> None:
        self.converse = converse
        self.root = ui.root
        self.buttons = buttons
        self.state: ReactionsState | None = converse.find(ReactionsState)
        if self.state is None:
            return
        self.state.picker = self.open
        converse.api.listen.on("getMessageActionButtons", self.state.action_buttons)
        converse.api.listen.on("getMessageParts", self.state.message_parts)
        ui.on_action("click", "reaction-toggle", self.on_chip)
        ui.on_action("click", "reaction-pick", self.on_pick)
        ui.on_action("submit", "reaction-free", self.on_free)
        ui.on_action("keydown", "reaction-pick", self.on_key)
        ui.on_action("keydown", "reaction-free", self.on_key)

    def _target(self, element: Any) -> tuple[ChatBox, ShownMessage] | None:
        box = self.buttons.box_of(element)
        message = self.buttons.message_of(box, element) if box is not None else None
        return (box, message) if box is not None and message is not None else None

    def open(self, box: ChatBox, message: ShownMessage) -> None:
        """Show the picker in ``message``'s row (one picker at a time), focus its first emoji."""
        self.close()
        section = self.root.querySelector(f'section[data-jid="{js.CSS.escape(box.get("jid"))}"]')
        row = section.querySelector(f'li.cpy-msg[data-id="{js.CSS.escape(templates.message_key(message))}"]') \
            if found(section) else None
        if not found(row) or self.state is None:
            return
        restrictions = self.state.restrictions.get(box.get("jid"))
        choices = restrictions.allowlist if restrictions is not None and restrictions.allowlist else COMMON
        row.insertAdjacentHTML("beforeend", reaction_picker(choices, own_emojis(reactors_of(message.extras)),
                                                            free=choices is COMMON))
        first = row.querySelector(".cpy-reaction-picker button")
        if found(first):
            first.focus()
        if restrictions is None:  # a contact that limits reactions (a gateway) says so once asked
            self.state.restrictions_of(box).add_done_callback(lambda done: self._limited(box, message, done))

    def _limited(self, box: ChatBox, message: ShownMessage, done: Any) -> None:
        """The contact's restrictions arrived: an open picker of ``message`` offers only those."""
        if done.cancelled() or done.exception() is not None or not done.result().allowlist:
            return
        picker = self.root.querySelector(".cpy-reaction-picker")
        row = picker.closest("li.cpy-msg") if found(picker) else None
        if found(row) and str(row.getAttribute("data-id")) == templates.message_key(message):
            self.open(box, message)

    def close(self, *, refocus: bool = False) -> None:
        picker = self.root.querySelector(".cpy-reaction-picker")
        if not found(picker):
            return
        row = picker.closest("li.cpy-msg")
        picker.remove()
        button = row.querySelector('[data-name="react"]') if found(row) else None
        if refocus and found(button):
            button.focus()

    def _toggle(self, element: Any, emoji: str) -> bool:
        target = self._target(element)
        if target is None or self.state is None:
            return False
        try:
            self.state.toggle(target[0], target[1], emoji)
        except ConverseError as exc:
            self._error(element, str(exc))
            return False
        return True

    def _error(self, element: Any, text: str) -> None:
        picker = element.closest(".cpy-reaction-picker")
        alert = picker.querySelector(".cpy-reaction-error") if found(picker) else None
        if found(alert):
            alert.textContent = text
        else:
            logger.warning("reaction: %s", text)

    def on_chip(self, element: Any, _event: Any) -> None:
        self._toggle(element, str(element.getAttribute("data-emoji")))

    def on_pick(self, element: Any, _event: Any) -> None:
        if self._toggle(element, str(element.getAttribute("data-emoji"))):
            self.close(refocus=True)

    def on_free(self, form: Any, _event: Any) -> None:
        field = form.querySelector('input[name="emoji"]')
        emoji = str(field.value).strip() if found(field) else ""
        if not is_single_emoji(emoji):
            self._error(form, _("Enter one emoji"))
            return
        if self._toggle(form, emoji):
            self.close(refocus=True)

    def on_key(self, _element: Any, event: Any) -> None:
        if event.key == "Escape":
            event.preventDefault()
            self.close(refocus=True)
