"""The life of rooms we are in: nick changes (ours and others'), room info, the owner's
configuration form, destroying a room, clearing what a room shows; info lines for what happens.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Mapping

from ...core.converse import Converse
from ...core.errors import ConverseError, IQError
from ...core.log import logger
from ...i18n import N_, _
from ..muc.models import Room
from ..muc.plugin import RoomsState
from ..muc.stanzas import config_request, disco_info_request, nick_change_presence, parse_occupant
from .forms import DataForm, FormError, cancel_config, config_form_of, form_as_dict, submit_config
from .stanzas import FEATURE_WORDS, destroy_request, error_condition, parse_destroyed, parse_room_details

#: What a refused nick change means (XEP-0045 §7.6).
NICK_ERRORS = {
    "conflict": N_("The nickname {nick} is already taken in this room."),
    "not-acceptable": N_("The nickname {nick} is reserved for someone else in this room."),
    "not-allowed": N_("This room does not allow changing nicknames."),
    "jid-malformed": N_("{nick} cannot be a nickname."),
}
NICK_REFUSED = N_("Could not change the nickname to {nick} ({error}).")


class RoomLife:
    """Room actions and the info lines for what others do."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.pending_nick: dict[str, str] = {}
        self.forms: dict[str, DataForm] = {}

    def rooms(self) -> RoomsState:
        return self.converse.get(RoomsState)

    def room(self, jid: Any, method: str) -> Room:
        room = self.rooms().rooms.get(str(jid)) if isinstance(jid, str) else jid if isinstance(jid, Room) else None
        if room is None or room.get("closed"):
            raise ConverseError(f"{method}: {jid!r} is not an open room")
        return room

    # -- nick ------------------------------------------------------------------------------
    def change_nick(self, room: Room, nick: str) -> None:
        nick = nick.strip() if isinstance(nick, str) else ""
        if not nick:
            raise ConverseError(_("A new nickname is needed."))
        if "/" in nick or len(nick) > 200:
            raise ConverseError(_("{nick} cannot be a nickname.", nick=nick))
        if not room.entered:
            raise ConverseError(_("You are not in the room, so you cannot change your nickname there."))
        if nick == room.get("nick"):
            return
        self.pending_nick[room.get("jid")] = nick
        self.converse.session.send_element(nick_change_presence(room.get("jid"), nick))

    def on_presence(self, stanza: ET.Element) -> None:
        presence = parse_occupant(stanza)
        room = self.rooms().rooms.get(presence.room) if presence is not None else None
        if presence is None or room is None or room.get("closed"):
            return
        if presence.type == "error":
            wanted = self.pending_nick.pop(room.get("jid"), None)
            if wanted is not None and room.entered:
                why = NICK_ERRORS.get(presence.error or "", NICK_REFUSED)
                room.add_info(_(why, nick=wanted, error=presence.error or ""))
                self.converse.trigger("roomNickRefused", room, {"nick": wanted, "error": presence.error})
            return
        destroyed = parse_destroyed(stanza)
        if destroyed is not None and (presence.is_self or presence.nick == room.get("nick")):
            line = _("The room was destroyed.")
            if destroyed.reason:
                line += " " + _("Reason: {reason}", reason=destroyed.reason)
            if destroyed.alternate:
                line += " " + _("The discussion continues in {room}.", room=destroyed.alternate)
            room.add_info(line)
            self.converse.trigger("roomDestroyed", room, {"reason": destroyed.reason,
                                                          "alternate": destroyed.alternate})
            return
        if presence.type == "unavailable" and "303" in presence.codes and presence.new_nick:
            if presence.is_self:
                self.pending_nick.pop(room.get("jid"), None)
                room.add_info(_("You are now known as {nick}.", nick=presence.new_nick))
            else:
                room.add_info(_("{old} is now known as {new}.", old=presence.nick, new=presence.new_nick))
            self.converse.trigger("roomNickChanged", room, {"from": presence.nick, "to": presence.new_nick,
                                                            "self": presence.is_self})

    # -- info ------------------------------------------------------------------------------
    async def info(self, room: Room) -> dict[str, Any]:
        """The room's disco#info as words."""
        details = parse_room_details(await self.converse.session.send_iq(disco_info_request(room.get("jid"))))
        return {"jid": room.get("jid"), "name": details.name, "description": details.description,
                "subject": details.subject or room.get("subject") or "",
                "features": [_(FEATURE_WORDS[f]) for f in details.features], "feature_vars": list(details.features),
                "occupants": details.occupants if details.occupants is not None else len(room.occupants)}

    # -- configuration ----------------------------------------------------------------------
    async def config_form(self, room: Room) -> DataForm:
        """Ask the room for its configuration form (owners only: others get a refusal)."""
        try:
            result = await self.converse.session.send_iq(config_request(room.get("jid")))
        except IQError as exc:
            raise ConverseError(_("The room refused to show its configuration ({reason}).",
                                  reason=_condition(exc))) from None
        form = config_form_of(result)
        if not form.fields:
            raise ConverseError(_("The room sent no configuration form."))
        self.forms[room.get("jid")] = form
        return form

    async def get_config(self, room: Room) -> dict[str, Any]:
        return form_as_dict(await self.config_form(room))

    async def submit_config(self, room: Room, values: Mapping[str, Any]) -> None:
        form = self.forms.get(room.get("jid")) or await self.config_form(room)
        try:
            stanza = submit_config(room.get("jid"), form, values)
        except FormError as exc:
            raise ConverseError(str(exc)) from None
        try:
            await self.converse.session.send_iq(stanza)
        except IQError as exc:
            raise ConverseError(_("The room refused the configuration ({reason}).", reason=_condition(exc))) from None
        self.forms.pop(room.get("jid"), None)
        self.converse.trigger("roomConfigured", room)

    async def cancel_config(self, room: Room) -> None:
        """Send the cancel form; a room that answers it with an error (nothing was being
        configured) leaves things as they were, which is what cancelling asks for."""
        self.forms.pop(room.get("jid"), None)
        try:
            await self.converse.session.send_iq(cancel_config(room.get("jid")))
        except IQError as exc:
            logger.info("room %s: cancelling the configuration: %s", room.get("jid"), _condition(exc))

    # -- destroying --------------------------------------------------------------------------
    async def destroy(self, room: Room, reason: str | None = None, alternate: str | None = None) -> None:
        own = room.own_occupant()
        if own is not None and own.get("affiliation") != "owner":
            raise ConverseError(_("Only an owner of the room can destroy it."))
        try:
            await self.converse.session.send_iq(destroy_request(room.get("jid"), reason or None, alternate or None))
        except IQError as exc:
            raise ConverseError(_("The room could not be destroyed ({reason}).", reason=_condition(exc))) from None

    # -- clearing ---------------------------------------------------------------------------
    @staticmethod
    def clear(room: Room) -> None:
        """Stop showing the room's history here (older archive pages are not fetched again)."""
        room.clear_messages()
        room.set("archive_complete", True)


def _condition(exc: IQError) -> str:
    stanza = exc.stanza
    return (error_condition(stanza) if isinstance(stanza, ET.Element) else None) or str(exc)
