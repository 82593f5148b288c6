"""The room commands: ``/nick``, ``/destroy``, ``/clear`` (``/me`` and ``/help`` are the commands
plugin's). In a one-to-one chat they say they are for rooms."""

from __future__ import annotations

from typing import Any

from ...i18n import _
from ..commands.plugin import Commands
from ..muc.models import Room
from .state import RoomLife


def _in_room(box: Any) -> Room:
    if not isinstance(box, Room):
        raise ValueError(_("This command works in rooms only."))
    return box


def add_room_commands(commands: Commands, life: RoomLife) -> None:
    def nick(box: Any, args: str) -> str | None:
        room = _in_room(box)
        if not args.strip():
            return _("Your nickname here is {nick}. Type /nick followed by a new one to change it.",
                     nick=room.get("nick"))
        life.change_nick(room, args)
        return None

    async def destroy(box: Any, args: str) -> str:
        room = _in_room(box)
        await life.destroy(room, args.strip() or None)
        return _("You destroyed the room.")

    def clear(box: Any, _args: str) -> None:
        life.clear(_in_room(box))

    commands.add("nick", nick, _("change your nickname in this room: /nick newnick"))
    commands.add("destroy", destroy, _("destroy this room (owners): /destroy [reason]"))
    commands.add("clear", clear, _("stop showing this room's messages here (nothing is deleted)"))
    if "me" not in commands.commands:
        commands.add("me", lambda box, args: box.send_message("/me " + args), _("/me does something: say what you do"))
