"""The occupant list's moderation menu (the logic is plugins/moderation): an action runs at once
(voice, mute, op, deop) or, for a kick or a ban, after a confirmation in the occupant's row with
an optional reason. Nothing is added when the moderation plugin is not loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...plugins.moderation.occupant_menu import CONFIRMED, confirm_form
from ...plugins.moderation.plugin import ModerationState
from ...plugins.muc.models import Room
from ...plugins.muc.plugin import RoomsState
from ..ffi import found

if TYPE_CHECKING:
    from .ui import UIPlugin


class ModerationView:
    """Routes the occupant menus' clicks and confirmations of every room."""

    def __init__(self, converse: Converse, ui: UIPlugin) -> None:
        self.converse = converse
        self.state: ModerationState | None = converse.find(ModerationState)
        if self.state is None:
            return
        ui.on_action("click", "occupant-action", self.on_action)
        ui.on_action("submit", "occupant-confirm", self.on_confirm)
        ui.on_action("click", "occupant-cancel", self.on_cancel)

    def _room(self, element: Any) -> Room | None:
        section = element.closest("section.cpy-chatroom")
        rooms = self.converse.find(RoomsState)
        return rooms.rooms.get(str(section.getAttribute("data-jid"))) if rooms is not None and found(section) else None

    def on_action(self, button: Any, _event: Any) -> None:
        room, action, nick = self._room(button), str(button.getAttribute("data-name")), str(button.getAttribute("data-nick"))
        if room is None or self.state is None:
            return
        if action in CONFIRMED:
            row = button.closest("li.cpy-occupant")
            button.closest("details").outerHTML = confirm_form(nick, action)
            field = row.querySelector("input") if found(row) else None
            if found(field):
                field.focus()
            return
        self.state.run_action(room, nick, action)

    def on_confirm(self, form: Any, _event: Any) -> None:
        room = self._room(form)
        if room is None or self.state is None:
            return
        reason = str(form.elements.namedItem("reason").value).strip() or None
        self.state.run_action(room, str(form.getAttribute("data-nick")), str(form.getAttribute("data-name")), reason)
        room.set("occupants_version", (room.get("occupants_version") or 0) + 1)  # the row shows its menu again

    def on_cancel(self, button: Any, _event: Any) -> None:
        room = self._room(button)
        if room is not None:
            room.set("occupants_version", (room.get("occupants_version") or 0) + 1)
