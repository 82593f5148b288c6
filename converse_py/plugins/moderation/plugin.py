"""Room moderation: XEP-0045 roles and affiliations (kick, voice, mute, op, deop, ban, member /
admin / owner, the affiliation lists), their slash commands, and XEP-0425 moderated message
retraction (a moderator removes someone's message for everyone; moderations done by others show
as "Message removed by <moderator>", live and on archive pages). XEP-0421 occupant-ids from
presences are kept on the occupants (``occupant.get('occupant_id')``).

Every action is checked against the user's own role and affiliation before anything is sent
(``permissions.py``): a refusal raises ``ConverseError`` (API) or is an info line (commands); an
error the room answers with is an info line too. Only the room itself may announce a moderation:
one from anyone else is ignored.

Python plugin::

    room = api.rooms.get("room@conference.localhost")
    await room.kick("bob", "spam")
    await room.set_affiliation("bob@localhost", "outcast", "spam")   # a ban
    members = await room.get_affiliation_list("member")
    api.listen.on("roomModerated", lambda room, message: print("removed", message.id))

JS plugin::

    const room = _converse.api.rooms.get('room@conference.localhost');
    await room.model.setRole('bob', 'visitor', 'calm down');
    await room.model.moderateMessage(id, 'spam');
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from ...core.errors import ConverseError, IQError
from ...core.plugin import EventDoc, Plugin
from ...dom.hooks import listen_ui
from ...dom.html import tag
from ...dom.templates import MessageParts, confirm_group
from ...i18n import N_, _
from ...xmpp.jid import JID
from ...xmpp.stanza import find, find_all
from ..chats.message_stanza import MessageStanza
from ..chats.models import ShownMessage
from ..commands.plugin import Commands
from ..muc.models import Room
from ..muc.plugin import RoomsState
from ..muc.stanzas import MUC_USER
from ..retraction.plugin import RETRACTED, is_retracted
from ...dom.html import Markup
from .occupant_menu import occupant_menu
from .permissions import occupant_actions, refusal
from .stanzas import (
    MODERATE, MODERATE_0, OCCUPANT_ID, Moderation, affiliation_list_request, affiliation_request,
    moderate_request, parse_affiliation_list, parse_moderated_tombstone, parse_moderation, role_request,
)

#: ``message.extras`` keys: who removed the message and why; the user is asked to confirm removing it.
MODERATED = "moderated"
CONFIRMING = "moderate_confirm"
#: What a role change is called in the room (the line shown when a presence changes someone's role).
ROLE_LINES = {"moderator": N_("{nick} is now a moderator"), "participant": N_("{nick} can speak now"),
              "visitor": N_("{nick} was muted")}


def tombstone_text(moderation: dict[str, str]) -> str:
    """What a moderated message's row says.

    >>> tombstone_text({"by": "macbeth", "reason": "spam"})
    'Message removed by macbeth: spam'
    """
    by, why = moderation.get("by") or "", moderation.get("reason") or ""
    text = _("Message removed by {moderator}", moderator=by) if by else _("Message removed by a moderator")
    return f"{text}: {why}" if why else text


class ModerationState:
    """The moderation actions of one client (its rooms come from ``RoomsState``)."""

    def __init__(self, plugin: ModerationPlugin) -> None:
        self.converse = plugin._converse
        self.plugin = plugin
        #: room JID → nick → role last seen (to tell a role change from an arrival)
        self.roles: dict[str, dict[str, str]] = {}

    # -- checks ----------------------------------------------------------------------------------
    def check(self, room: Any, action: str) -> Room:
        """``room`` when the user may do ``action`` there; raises ``ConverseError`` saying why not."""
        if not isinstance(room, Room):
            raise ConverseError(_("Moderation works in rooms only."))
        if not room.entered:
            raise ConverseError(_("You are not in this room."))
        own = room.own_occupant()
        why = refusal(action, own.get("role") if own else "none", own.get("affiliation") if own else "none")
        if why is not None:
            raise ConverseError(why)
        return room

    def resolve_jid(self, room: Room, who: str) -> str:
        """The bare JID for a nick in the room (when it discloses real JIDs) or a JID given as such."""
        occupant = room.occupants.get(who)
        if occupant is not None and occupant.get("jid"):
            return JID.parse(str(occupant.get("jid"))).bare
        if "@" in who:
            try:
                return JID.parse(who).bare
            except ValueError as exc:
                raise ConverseError(_("{who} is not a valid JID: {reason}", who=who, reason=str(exc))) from None
        raise ConverseError(_("The room does not tell {who}'s JID: give their JID instead.", who=who))

    def _send(self, stanza: ET.Element) -> asyncio.Future[ET.Element]:
        return self.converse.session.send_iq(stanza)

    # -- roles and affiliations ----------------------------------------------------------------
    def set_role(self, room: Any, nick: Any, role: Any, reason: Any = None) -> asyncio.Future[ET.Element]:
        """Give the occupant ``nick`` the role ``role`` (none = kick, visitor = mute, participant =
        voice or deop, moderator = op). Resolves when the room accepted it.

        JS: ``await _converse.api.rooms.get('room@conference.localhost').model.setRole('bob', 'visitor', 'calm down')``
        Python: ``await api.rooms.get("room@conference.localhost").set_role("bob", "visitor", "calm down")``
        """
        if not isinstance(nick, str) or not nick:
            raise ConverseError("setRole: expected the nick of an occupant")
        actions = {"none": "kick", "visitor": "mute", "moderator": "op", "participant": "voice"}
        if role not in actions:
            raise ConverseError("setRole: the role must be one of moderator, participant, visitor, none")
        target = room.occupants.get(nick) if isinstance(room, Room) else None
        action = "deop" if role == "participant" and target is not None and target.get("role") == "moderator" \
            else actions[role]
        checked = self.check(room, action)
        if target is None:
            raise ConverseError(_("There is no {nick} in this room.", nick=nick))
        return self._send(role_request(checked.get("jid"), nick, role, _reason(reason)))

    def kick(self, room: Any, nick: Any, reason: Any = None) -> asyncio.Future[ET.Element]:
        """Remove the occupant ``nick`` from the room (role none); they may come back.

        JS: ``await _converse.api.rooms.get('room@conference.localhost').model.kick('bob', 'spam')``
        Python: ``await api.rooms.get("room@conference.localhost").kick("bob", "spam")``
        """
        return self.set_role(room, nick, "none", reason)

    def set_affiliation(self, room: Any, who: Any, affiliation: Any, reason: Any = None) -> asyncio.Future[ET.Element]:
        """Give a JID (or the JID of an occupant's nick) the affiliation ``affiliation``: owner,
        admin, member, outcast (a ban) or none.

        JS: ``await _converse.api.rooms.get('room@conference.localhost').model.setAffiliation('bob@localhost', 'member')``
        Python: ``await api.rooms.get("room@conference.localhost").set_affiliation("bob@localhost", "member")``
        """
        if not isinstance(who, str) or not who:
            raise ConverseError("setAffiliation: expected a JID or the nick of an occupant")
        if affiliation not in ("owner", "admin", "member", "outcast", "none"):
            raise ConverseError("setAffiliation: the affiliation must be one of owner, admin, member, outcast, none")
        checked = self.check(room, "ban" if affiliation == "outcast" else affiliation)
        jid = self.resolve_jid(checked, who)
        return self._send(affiliation_request(checked.get("jid"), jid, affiliation, _reason(reason)))

    def ban(self, room: Any, who: Any, reason: Any = None) -> asyncio.Future[ET.Element]:
        """Ban a JID (or the JID of an occupant's nick): affiliation outcast.

        JS: ``await _converse.api.rooms.get('room@conference.localhost').model.ban('bob', 'spam')``
        Python: ``await api.rooms.get("room@conference.localhost").ban("bob@localhost", "spam")``
        """
        return self.set_affiliation(room, who, "outcast", reason)

    def get_affiliation_list(self, room: Any, affiliation: Any) -> asyncio.Future[list[dict[str, str]]]:
        """The room's list of one affiliation (owner, admin, member or outcast) as
        ``[{jid, affiliation, nick, role, reason}]``.

        JS: ``const banned = await _converse.api.rooms.get('room@conference.localhost').model.getAffiliationList('outcast')``
        Python: ``members = await api.rooms.get("room@conference.localhost").get_affiliation_list("member")``
        """
        if affiliation not in ("owner", "admin", "member", "outcast"):
            raise ConverseError("getAffiliationList: the affiliation must be one of owner, admin, member, outcast")
        checked = self.check(room, "list")
        request = self._send(affiliation_list_request(checked.get("jid"), affiliation))

        async def run() -> list[dict[str, str]]:
            return parse_affiliation_list(await request)
        return asyncio.ensure_future(run())

    def occupant_menu(self, room: Room, occupant: Any) -> Markup | None:
        """The occupant list's menu for ``occupant``: what the user may do to them (None: nothing)."""
        own = room.own_occupant()
        if own is None or occupant is own or not room.entered:
            return None
        actions = occupant_actions(str(own.get("role") or "none"), str(own.get("affiliation") or "none"),
                                   str(occupant.get("role") or "none"), bool(occupant.get("jid")))
        return occupant_menu(str(occupant.get("nick")), actions)

    def run_action(self, room: Room, nick: str, action: str, reason: str | None = None) -> None:
        """An occupant menu's action (after its confirmation for kick and ban); a refusal or the
        room's error is an info line in the room."""
        roles = {"voice": "participant", "mute": "visitor", "op": "moderator", "deop": "participant", "kick": "none"}
        try:
            pending = self.ban(room, nick, reason) if action == "ban" else self.set_role(room, nick, roles[action], reason)
        except ConverseError as exc:
            room.add_info(str(exc))
            return
        asyncio.ensure_future(_report_to(room, action, pending))

    # -- XEP-0425 ---------------------------------------------------------------------------------
    def supports_moderation(self, room: Any) -> bool:
        features = room.get("features") or []
        return MODERATE in features or MODERATE_0 in features

    def moderate_message(self, room: Any, msg_id: Any, reason: Any = None) -> asyncio.Future[ET.Element]:
        """Remove someone's message for everyone (XEP-0425; the room must announce it). ``msg_id``:
        the message's id, origin-id or the room's stanza-id. The row becomes "Message removed by
        <you>" when the room announces the moderation.

        JS: ``await _converse.api.rooms.get('room@conference.localhost').model.moderateMessage(id, 'spam')``
        Python: ``await api.rooms.get("room@conference.localhost").moderate_message(message.id, "spam")``
        """
        checked = self.check(room, "moderate")
        if not self.supports_moderation(checked):
            raise ConverseError(_("This room does not support removing messages (XEP-0425)."))
        message = checked.find_target(msg_id) if isinstance(msg_id, str) and msg_id else None
        if message is None or message.kind != "message":
            raise ConverseError(f"moderateMessage: no message with id {msg_id!r} here")
        if is_retracted(message):
            raise ConverseError("moderateMessage: that message is already removed")
        if not message.stanza_id:
            raise ConverseError("moderateMessage: the room has not given that message an id yet")
        legacy = MODERATE not in (checked.get("features") or [])
        return self._send(moderate_request(checked.get("jid"), message.stanza_id, _reason(reason), legacy=legacy))

    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        """``messageStanza``: a moderation the room announces turns its message into a tombstone;
        an archive's moderated tombstone says who removed it."""
        if not context.room:
            return None
        moderation = parse_moderation(context.stanza, context.box.get("jid"))
        if moderation is not None:
            context.consume()
            self.apply(context.box, moderation)
            return None
        if shown is not None and is_retracted(shown):
            tombstone = parse_moderated_tombstone(context.stanza)
            if tombstone is not None:
                return _moderated_row(shown, tombstone)
        return None

    def apply(self, room: Room, moderation: Moderation) -> None:
        def change(message: ShownMessage) -> dict[str, Any] | None:
            # only the room's own stanza-id names a message here (XEP-0425 §3)
            if message.kind != "message" or message.stanza_id != moderation.target or message.extras.get(MODERATED):
                return None
            return _moderated_changes(message, moderation)
        changed = room.change_message(moderation.target, change)
        if changed is not None:
            self.converse.trigger("roomModerated", room, changed)

    # -- presences: occupant-ids, role changes, removals ---------------------------------------
    def on_presence(self, stanza: ET.Element) -> None:
        try:
            sender = JID.parse(stanza.get("from") or "")
        except ValueError:
            return
        rooms = self.converse.find(RoomsState)
        room = rooms.rooms.get(sender.bare) if rooms is not None and sender.resource else None
        if room is None or room.get("closed") or stanza.get("type") == "error":
            return
        nick = sender.resource or ""
        known = self.roles.setdefault(room.get("jid"), {})
        if stanza.get("type") == "unavailable":
            known.pop(nick, None)
            self._removal_line(room, nick, stanza)
            return
        occupant = room.occupants.get(nick)
        if occupant is None:
            return
        marker = find(stanza, OCCUPANT_ID, "occupant-id")
        if marker is not None and marker.get("id"):
            occupant.set("occupant_id", marker.get("id"))
        role, before = str(occupant.get("role") or "none"), known.get(nick)
        known[nick] = role
        if before is not None and before != role:
            if role in ROLE_LINES:
                room.add_info(_(ROLE_LINES[role], nick=nick))
            self.converse.trigger("occupantRoleChanged", room, occupant)

    def _removal_line(self, room: Room, nick: str, stanza: ET.Element) -> None:
        x = find(stanza, MUC_USER, "x")
        if x is None or nick == room.get("nick"):
            return
        codes = {s.get("code") for s in find_all(x, MUC_USER, "status")}
        item = find(x, MUC_USER, "item")
        why = (item.findtext(f"{{{MUC_USER}}}reason") or "") if item is not None else ""
        if "301" in codes:
            line = _("{nick} was banned", nick=nick)
        elif "307" in codes:
            line = _("{nick} was kicked", nick=nick)
        else:
            return
        room.add_info(f"{line}: {why}" if why else line)

    # -- slash commands --------------------------------------------------------------------------
    def register_commands(self, commands: Commands) -> None:
        def role(name: str, value: str) -> None:
            commands.add(name, self._command(name, lambda room, who, why: self.set_role(room, who, value, why)),
                         _(COMMAND_HELP[name]))

        def affiliation(name: str, value: str) -> None:
            commands.add(name, self._command(
                name, lambda room, who, why: self.set_affiliation(room, who, value, why)), _(COMMAND_HELP[name]))
        role("kick", "none")
        role("voice", "participant")
        role("mute", "visitor")
        role("op", "moderator")
        role("deop", "participant")
        affiliation("ban", "outcast")
        affiliation("member", "member")
        affiliation("admin", "admin")
        affiliation("owner", "owner")
        if "topic" not in commands.commands:
            commands.add("topic", self.topic_command, _(COMMAND_HELP["topic"]))
        if "invite" not in commands.commands:
            commands.add("invite", self.invite_command, _(COMMAND_HELP["invite"]))

    def _command(self, name: str, action: Callable[[Room, str, str | None], Awaitable[Any]]) -> Callable[..., Any]:
        def handler(box: Any, args: str) -> Any:
            if not isinstance(box, Room):
                return _("/{name} works in rooms only.", name=name)
            who, why = split_target(box, args)
            if not who:
                return _("Usage: /{name} nick [reason]", name=name)
            try:
                if name == "deop":  # deop only a moderator (participant otherwise means voice)
                    target = box.occupants.get(who)
                    if target is not None and target.get("role") != "moderator":
                        return _("{nick} is not a moderator.", nick=who)
                if name == "voice":
                    target = box.occupants.get(who)
                    if target is not None and target.get("role") == "moderator":
                        return _("{nick} is a moderator and has voice already.", nick=who)
                pending = action(box, who, why)
            except ConverseError as exc:
                return str(exc)
            return _answer(name, pending)
        return handler

    def topic_command(self, box: Any, args: str) -> Any:
        if not isinstance(box, Room):
            return _("/{name} works in rooms only.", name="topic")
        if not args:
            return _("The topic is: {topic}", topic=box.get("subject")) if box.get("subject") else _("No topic is set.")
        try:
            room = self.check(box, "topic")
        except ConverseError as exc:
            return str(exc)
        self.converse.get(RoomsState).set_subject(room, args)
        return None

    def invite_command(self, box: Any, args: str) -> Any:
        if not isinstance(box, Room):
            return _("/{name} works in rooms only.", name="invite")
        jid, _sep, why = args.partition(" ")
        try:
            parsed = JID.parse(jid)
            if not parsed.local:
                raise ValueError(_("a JID like name@server is needed"))
        except ValueError as exc:
            return _("Usage: /invite jid [reason] ({reason})", reason=str(exc))
        if not box.entered:
            return _("You are not in this room.")
        self.converse.get(RoomsState).invite(box, parsed.bare, why.strip() or None)
        return _("Invited {jid}.", jid=parsed.bare)

    # -- the row ---------------------------------------------------------------------------------
    def action_buttons(self, context: Any, buttons: list[Any]) -> list[Any]:
        box, message = context["box"], context["message"]
        if not isinstance(box, Room) or not isinstance(message, ShownMessage) or message.kind != "message" \
                or not message.stanza_id or is_retracted(message) or not self.supports_moderation(box):
            return buttons
        own = box.own_occupant()
        if own is None or refusal("moderate", str(own.get("role")), str(own.get("affiliation"))) is not None:
            return buttons
        return [*buttons, {"name": "moderate", "label": _("Remove for everyone"), "icon": "⛔", "handler": self.ask}]

    def ask(self, box: Room, message: ShownMessage) -> None:
        current = box.find_target(message.stanza_id or message.id)
        if current is not None and not is_retracted(current):
            box.update_message(current, extras={**current.extras, CONFIRMING: True})

    def parts(self, context: Any, parts: MessageParts) -> MessageParts:
        extras = context["message"].extras
        if extras.get(MODERATED):
            parts.body = tag("span", {"class": "cpy-tombstone cpy-moderated"}, tombstone_text(extras[MODERATED]))
            if "cpy-retracted" not in parts.classes:
                parts.classes.append("cpy-retracted")
        elif extras.get(CONFIRMING):
            question = _("Remove this message for everyone?")
            parts.after.append(confirm_group(question, question, _("Remove"), "moderate"))
        return parts

    def on_part_clicked(self, box: Any, message: ShownMessage, name: str) -> None:
        if name not in ("moderate-confirm", "moderate-cancel"):
            return
        box.update_message(message, extras={k: v for k, v in message.extras.items() if k != CONFIRMING})
        if name == "moderate-confirm":
            try:
                pending = self.moderate_message(box, message.stanza_id)
            except ConverseError as exc:
                box.add_info(str(exc))
                return
            asyncio.ensure_future(_report_to(box, "moderate", pending))


#: The commands' help lines.
COMMAND_HELP = {
    "kick": N_("nick [reason] — remove someone from the room"),
    "voice": N_("nick — let a visitor speak"),
    "mute": N_("nick — make someone a visitor (no voice)"),
    "op": N_("nick — make someone a moderator"),
    "deop": N_("nick — make a moderator a participant"),
    "ban": N_("nick-or-jid [reason] — ban someone from the room"),
    "member": N_("nick-or-jid — make someone a member"),
    "admin": N_("nick-or-jid — make someone an admin"),
    "owner": N_("nick-or-jid — make someone an owner"),
    "topic": N_("text — set the room's topic"),
    "invite": N_("jid [reason] — invite someone to the room"),
}


def split_target(room: Room, args: str) -> tuple[str, str | None]:
    """``nick [reason]`` → (nick, reason): the longest occupant nick the arguments start with
    (nicks may have spaces), else the first word.

    >>> room = Room("r@muc.localhost", "me"); room.occupants["Bob Smith"] = None  # type: ignore[assignment]
    >>> split_target(room, "Bob Smith spamming again"), split_target(room, "carol")
    (('Bob Smith', 'spamming again'), ('carol', None))
    """
    args = args.strip()
    for nick in sorted(room.occupants, key=len, reverse=True):
        if args == nick or args.startswith(nick + " "):
            return nick, args[len(nick):].strip() or None
    who, _sep, why = args.partition(" ")
    return who, why.strip() or None


def _reason(reason: Any) -> str | None:
    if reason is None or reason == "":
        return None
    if not isinstance(reason, str):
        raise ConverseError(f"the reason must be text, got {type(reason).__name__}")
    return reason


def _answer(name: str, pending: Awaitable[Any]) -> Awaitable[str | None]:
    async def wait() -> str | None:
        try:
            await pending
        except IQError as exc:
            error = getattr(exc, "error", None)
            text = (getattr(error, "text", "") or getattr(error, "condition", "")) if error is not None else str(exc)
            return _("The room refused /{name}: {reason}", name=name, reason=text or str(exc))
        return None
    return wait()


async def _report_to(box: Any, name: str, pending: Awaitable[Any]) -> None:
    text = await _answer(name, pending)
    if text:
        box.add_info(text)


def _moderated_changes(message: ShownMessage, moderation: Moderation) -> dict[str, Any]:
    details = {"by": moderation.moderator, "reason": moderation.reason, "occupant_id": moderation.occupant_id}
    return {"body": "", "extras": {**message.extras, RETRACTED: True, MODERATED: details}}


def _moderated_row(shown: ShownMessage, moderation: Moderation) -> ShownMessage:
    return replace(shown, **_moderated_changes(shown, moderation))


class ModerationPlugin(Plugin):
    """Room moderation: XEP-0045 roles and affiliations, their commands, XEP-0425 message moderation."""

    name = "converse-moderation"
    # converse-muc is optional (without it there are no rooms to moderate: the commands say so)
    dependencies = ("converse-chats", "converse-retraction", "converse-commands")
    events = {
        "roomModerated": EventDoc("the room, the message (now a tombstone: extras.moderated {by, reason})",
                                  "the room announced that a moderator removed a message (XEP-0425)"),
        "occupantRoleChanged": EventDoc("the room, the occupant", "an occupant's role changed (voice, mute, op, "
                                        "deop); occupant.get('role') is the new one"),
    }
    features = (MODERATE, MODERATE_0)
    facades = {"chatbox": {"kick": "kick", "ban": "ban", "setRole": "set_role", "setAffiliation": "set_affiliation",
                           "getAffiliationList": "get_affiliation_list", "moderateMessage": "moderate_message"}}

    def initialize(self) -> None:
        converse = self._converse
        self.state = ModerationState(self)
        converse.provide(self.state)
        converse.session.add_handler("presence", self.state.on_presence)
        converse.api.listen.on("messageStanza", self.state.on_stanza)
        if converse.find(RoomsState) is not None:
            converse.api.listen.on("roomOpened", self.on_room)
        self.state.register_commands(converse.get(Commands))
        listen_ui(converse, {"getMessageActionButtons": self.state.action_buttons,
                             "getMessageParts": self.state.parts,
                             "messagePartClicked": self.state.on_part_clicked})

    def on_room(self, room: Room) -> None:
        state = self.state
        for attr, method in (("kick", state.kick), ("ban", state.ban), ("set_role", state.set_role),
                             ("set_affiliation", state.set_affiliation),
                             ("get_affiliation_list", state.get_affiliation_list),
                             ("moderate_message", state.moderate_message)):
            if not callable(getattr(room, attr, None)):
                setattr(room, attr, lambda *args, method=method: method(room, *args))

