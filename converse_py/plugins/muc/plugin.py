"""MUC plugin: joining, occupants, room messages and subjects, auto-configuration, invitations,
room listing; rooms are re-joined after a reconnection.

Its settings and events are declared in ``MUCPlugin``; the room's archive is read when the MAM
plugin is loaded, and the user's status is joined with when the status plugin is (both optional:
``converse.find``). Events: ``roomOpened`` (the room), ``roomEntered`` (the room, our presence was reflected),
``enteredNewRoom`` (the room, we created it), ``roomError`` (the room; its ``error`` attribute says
why), ``leaveRoom`` (the room), ``roomInvite`` (the invitation as a dict), ``roomMessage``
(the room and the message). Every live message stanza also fires ``message`` (chats plugin);
sending goes through the ``beforeMessageSend`` hook (rewrite, cancel, answer locally, commands).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from typing import Any
from collections.abc import Mapping, Sequence

from ...core.converse import Converse
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.settings import OPTIONAL_STR, Setting
from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import sub
from ...xmpp.stanza import OversizedStanza
from ..chats.errors import parse_message_error, reason, too_large_line, unknown_error_line
from ..chats.hooks import before_send
from ..chats.message_stanza import MessageStanza, has_listeners, occupant_id, through_hook
from ..chats.plugin import add_info_once, mark_failed
from ..chats.models import ShownMessage
from ..corrections.stanzas import replace_id
from ..mam.plugin import MamState
from ..status.plugin import StatusState
from .api import RoomsAPI
from .models import Occupant, Room
from .stanzas import (
    JOIN_ERRORS, OccupantPresence, RoomConfigError, RoomListing, config_request, config_submit,
    direct_invite, disco_info_request, disco_items_request, groupchat_message, instant_room, join_presence,
    leave_presence, mediated_invite, parse_disco_info, parse_disco_items, parse_form, parse_invitation,
    RoomMessage, parse_occupant, parse_room_message, subject_message,
)

#: Nickname retries after a conflict: nick-2, nick-3, …
NICK_RETRIES = 3


class RoomsState:
    """Rooms of one client, by bare JID."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.rooms: dict[str, Room] = {}

    # -- lookup / creation ---------------------------------------------------------------
    def default_nick(self) -> str:
        jid = self.converse.session.jid or self.converse.settings.get("jid") or ""
        try:
            return JID.parse(jid).local or "guest"
        except ValueError:
            return "guest"

    def get(self, jid: str, attrs: Mapping[str, Any], create: bool) -> Room | None:
        room = self.rooms.get(jid)
        if room is None and create:
            room = self.rooms[jid] = Room(jid, str(attrs.get("nick") or self.default_nick()))
            if not attrs.get("nick"):  # hook getNicknameForMUC: e.g. the nick of the room's bookmark
                hooked = self.converse.hook("getNicknameForMUC", room, None)
                if isinstance(hooked, str) and hooked.strip():
                    room.set("nick", hooked.strip())
            room.sender = self.send
            room.closer = self._close_box
            room.on_change(self._on_room_change)
        if room is not None:
            self._apply_attrs(room, attrs)
        return room

    def _apply_attrs(self, room: Room, attrs: Mapping[str, Any]) -> None:
        if attrs.get("nick") and not room.entered:
            room.set("nick", str(attrs["nick"]))
        if "auto_configure" in attrs:
            room.set("auto_configure", bool(attrs["auto_configure"]))
        if attrs.get("roomconfig"):
            room.roomconfig = dict(attrs["roomconfig"])
        if attrs.get("password"):
            room.password = str(attrs["password"])

    def open(self, jid: str, attrs: Mapping[str, Any]) -> Room:
        created = jid not in self.rooms
        room = self.get(jid, attrs, create=True)
        assert room is not None
        reopened = bool(room.get("closed"))
        if reopened:
            room.set("closed", False)
        if attrs.get("maximize") and room.get("minimized"):
            room.maximize()
        if room.get("connection_status") in ("disconnected", "left", "error"):
            room.join_attempts = 0
            self.join(room)
        if created or reopened:
            self.converse.trigger("chatBoxOpened", room)
            self.converse.trigger("roomOpened", room)
        return room

    # -- joining / leaving -----------------------------------------------------------------
    def join(self, room: Room) -> None:
        """Send our presence to the room (queued while offline: sent once connected)."""
        room.set({"connection_status": "entering", "error": ""})
        room.occupants.clear()
        status = self.converse.find(StatusState)
        stanza = join_presence(room.get("jid"), room.get("nick"), password=room.password)
        if status is not None and status.status not in ("online", "unavailable", "offline"):
            sub(stanza, "show", text=status.status)
        self.converse.session.send_element(stanza)

    def _close_box(self, box: Any) -> None:
        if isinstance(box, Room):
            self.close(box)

    def close(self, room: Room) -> None:
        """Leave the room and close its box."""
        if room.get("connection_status") in ("entering", "entered") and self.converse.session.connected:
            self.converse.session.send_element(leave_presence(room.get("jid"), room.get("nick")))
        room.set({"connection_status": "left", "closed": True})
        room.occupants.clear()
        self.converse.trigger("leaveRoom", room)
        self.converse.trigger("chatBoxClosed", room)

    def rejoin_all(self) -> None:
        """After a reconnection: enter again every room that was open."""
        for room in self.rooms.values():
            if not room.get("closed") and room.get("connection_status") != "left":
                room.join_attempts = 0
                self.join(room)

    def forget_all(self) -> None:
        """Logged out: close every room (the next account starts with none)."""
        for room in list(self.rooms.values()):
            if not room.get("closed"):
                room.set({"connection_status": "left", "closed": True})
                self.converse.trigger("chatBoxClosed", room)
        self.rooms.clear()

    def all_disconnected(self) -> None:
        for room in self.rooms.values():
            if room.get("connection_status") in ("entering", "entered"):
                room.occupants.clear()
                room.set("connection_status", "disconnected")

    # -- sending ---------------------------------------------------------------------------------
    def send(self, room: Any, text: str, *, extra: Sequence[ET.Element] = ()) -> ShownMessage | None:
        """Send ``text`` to the room and show it; None when a ``beforeMessageSend`` listener (or a
        chat command) handled it instead. ``extra`` elements go into the message (e.g. the upload
        plugin's XEP-0066 ``<x/>``)."""
        outgoing = before_send(self.converse, room, text)
        if outgoing is None:
            return None
        text = outgoing.text
        stanza = groupchat_message(room.get("jid"), text)
        stanza.extend(extra)
        outgoing.stanzas = [stanza]
        outgoing = self.converse.hook("createMessageStanza", room, outgoing)
        if outgoing.refusal is not None:
            raise outgoing.refusal
        stanzas = outgoing.stanzas
        for stanza in stanzas:
            self.converse.session.send_element(stanza)
        msg_id = (stanzas[0].get("id") or "") if stanzas else ""
        room.remember(msg_id)
        shown: ShownMessage | None = ShownMessage(msg_id, room.get("nick"), text, datetime.now(UTC), outgoing=True,
                                                  sender_name=room.get("nick"), origin_id=msg_id)
        body_stanzas = outgoing.body_stanzas()
        if body_stanzas and has_listeners(self.converse):
            context = MessageStanza(room, body_stanzas[0], "sent", True, room.get("nick"), room=True,
                                    time=datetime.now(UTC))
            shown = through_hook(self.converse, context, shown) or shown
        room.add_messages([shown])
        for stanza in stanzas:
            self.converse.trigger("messageSend", stanza)
        return shown

    def set_subject(self, room: Room, subject: str) -> None:
        self.converse.session.send_element(subject_message(room.get("jid"), subject))

    def invite(self, room: Room, jid: str, reason: str | None = None, direct: bool = False) -> None:
        if direct:
            self.converse.session.send_element(direct_invite(jid, room.get("jid"), reason, room.password))
        else:
            self.converse.session.send_element(mediated_invite(room.get("jid"), jid, reason))

    async def list_rooms(self, service: str) -> list[RoomListing]:
        result = await self.converse.session.send_iq(disco_items_request(service))
        return parse_disco_items(result)

    # -- incoming --------------------------------------------------------------------------------
    def on_presence(self, stanza: ET.Element) -> None:
        presence = parse_occupant(stanza)
        if presence is None:
            return
        room = self.rooms.get(presence.room)
        if room is None or room.get("closed"):
            return
        if presence.type == "error":
            self._join_failed(room, presence)
        elif presence.nick == room.get("nick") or presence.is_self:
            self._own_presence(room, presence)
        else:
            self._occupant_presence(room, presence)

    def _join_failed(self, room: Room, presence: OccupantPresence) -> None:
        if room.entered:  # e.g. a refused nick change (the room_life plugin reports it)
            logger.info("room %s: presence error %s", room.get("jid"), presence.error)
            return
        if presence.error == "conflict" and room.join_attempts < NICK_RETRIES:
            room.join_attempts += 1
            base = room.get("nick").rsplit("-", 1)[0] if room.join_attempts > 1 else room.get("nick")
            room.set("nick", f"{base}-{room.join_attempts + 1}")
            self.join(room)
            return
        message = JOIN_ERRORS.get(presence.error or "", f"Could not enter the room ({presence.error}).")
        if presence.error_text:
            message = f"{message} ({presence.error_text})"
        room.set({"connection_status": "error", "error": message})
        self.converse.trigger("roomError", room)

    def _own_presence(self, room: Room, presence: OccupantPresence) -> None:
        if presence.type == "unavailable":
            if "303" in presence.codes and presence.new_nick:
                room.occupants.pop(presence.nick, None)
                room.set("nick", presence.new_nick)
                return
            reason = ("You were banned from this room." if "301" in presence.codes else
                      "You were removed from this room." if "307" in presence.codes else
                      "You are no longer a member of this room." if "321" in presence.codes else
                      "The room was shut down." if "332" in presence.codes else "")
            room.occupants.clear()
            room.set({"connection_status": "error" if reason else "left", "error": reason})
            if reason:
                self.converse.trigger("roomError", room)
            return
        room.set("nick", presence.nick)  # the room may have changed it (210)
        occupant = room.occupants.get(presence.nick)
        if occupant is None:
            room.occupants[presence.nick] = Occupant(presence)
        else:
            occupant.update(presence)
        room.set("occupants_version", (room.get("occupants_version") or 0) + 1)
        if room.entered:
            return
        room.set("connection_status", "entered")
        self.converse.trigger("roomEntered", room)
        if "201" in presence.codes:
            asyncio.ensure_future(self._configure_new_room(room))
            self.converse.trigger("enteredNewRoom", room)
        asyncio.ensure_future(self._fetch_info(room))

    def _occupant_presence(self, room: Room, presence: OccupantPresence) -> None:
        if presence.type == "unavailable":
            occupant = room.occupants.pop(presence.nick, None)
            if occupant is not None and "303" in presence.codes and presence.new_nick:
                occupant.set({"nick": presence.new_nick, "id": presence.new_nick})
                room.occupants[presence.new_nick] = occupant
        else:
            occupant = room.occupants.get(presence.nick)
            if occupant is None:
                room.occupants[presence.nick] = Occupant(presence)
            else:
                occupant.update(presence)
        room.set("occupants_version", (room.get("occupants_version") or 0) + 1)

    async def _configure_new_room(self, room: Room) -> None:
        """A room we just created: submit roomconfig when auto_configure, else accept the defaults."""
        session = self.converse.session
        try:
            if room.get("auto_configure"):
                form = parse_form(await session.send_iq(config_request(room.get("jid"))))
                await session.send_iq(config_submit(room.get("jid"), form, room.roomconfig))
            else:
                await session.send_iq(instant_room(room.get("jid")))
        except RoomConfigError as exc:
            room.set("error", str(exc))
            self.converse.platform.error(f"converse-py: room {room.get('jid')}: {exc}")
            self.converse.trigger("roomError", room)
        except Exception as exc:
            room.set("error", f"Could not configure the room: {exc}")
            logger.error("room %s: configuration failed: %s", room.get("jid"), exc)
            self.converse.trigger("roomError", room)
        else:
            asyncio.ensure_future(self._fetch_info(room))

    async def _fetch_info(self, room: Room) -> None:
        try:
            info = parse_disco_info(await self.converse.session.send_iq(disco_info_request(room.get("jid"))))
        except Exception as exc:
            logger.info("room %s: no disco#info: %s", room.get("jid"), exc)
            return
        updates: dict[str, Any] = {"features": sorted(info.features)}
        if info.name:
            updates["name"] = info.name
        if info.description:
            updates["description"] = info.description
        room.set(updates)
        if ns.MAM in info.features and self.converse.find(MamState) is not None:
            room.older_loader = self.load_older
            if room.get("archive_first") is None:
                self.load_older(room)

    # -- history from the room's archive (XEP-0313 on the room) ------------------------------
    def load_older(self, box: Any) -> asyncio.Task[None] | None:
        """Fetch the page of the room's archive before the oldest archived message shown."""
        if not isinstance(box, Room) or box.get("archive_complete") or box.get("archive_loading"):
            return None
        box.set("archive_loading", True)
        task = asyncio.ensure_future(self._fetch_page(box))

        def done(finished: asyncio.Task[None]) -> None:
            box.set("archive_loading", False)
            if not finished.cancelled() and finished.exception() is not None:
                logger.info("room %s: archive page failed: %s", box.get("jid"), finished.exception())
        task.add_done_callback(done)
        return task

    async def _fetch_page(self, room: Room) -> None:
        mam = self.converse.get(MamState)
        before = room.get("archive_first")
        if before is None:
            before = next((m.stanza_id for m in room.messages if m.stanza_id), "")
        size = self.converse.settings.get("archived_messages_page_size") or 50
        results, complete, rsm = await mam.run({"before": before, "max": size}, to=room.get("jid"))
        shown = []
        hooked = has_listeners(self.converse)
        for result in results:
            parsed = parse_room_message(result.message, now=result.time or datetime.now(UTC), bodiless=hooked)
            if parsed is None or parsed.room != room.get("jid"):
                continue
            row: ShownMessage | None = None
            if parsed.body is not None and parsed.body.strip():
                row = ShownMessage(parsed.id, parsed.nick, parsed.body, result.time or parsed.time,
                                   outgoing=parsed.nick == room.get("nick"), sender_name=parsed.nick,
                                   stanza_id=result.id, origin_id=parsed.origin_id, archived=True,
                                   replaces=replace_id(result.message))
            if hooked:
                context = self.context(room, result.message, "archive", parsed)
                context.stanza_id, context.time = result.id, result.time or parsed.time
                row = through_hook(self.converse, context, row)
            if row is not None:
                shown.append(row)
        room.add_messages(shown, older=True)
        room.set({"archive_first": rsm.first or before or None, "archive_complete": complete or not results})

    def on_message(self, stanza: ET.Element) -> None:
        invitation = parse_invitation(stanza)
        if invitation is not None:
            self.converse.trigger("roomInvite", {
                "room": invitation.room, "from": invitation.inviter, "reason": invitation.reason,
                "password": invitation.password, "direct": invitation.direct})
            return
        if stanza.get("type") == "error":
            self.message_error(stanza)
            return
        parsed = parse_room_message(stanza, bodiless=has_listeners(self.converse))
        if parsed is None:
            return
        room = self.rooms.get(parsed.room)
        if room is None or room.get("closed"):
            return
        if parsed.subject is not None and parsed.body is None:
            room.set({"subject": parsed.subject, "subject_by": parsed.nick})
            return
        own = parsed.nick == room.get("nick")
        if parsed.body is None or not parsed.body.strip():
            if has_listeners(self.converse):  # a reaction, a retraction, ...: listeners see it
                through_hook(self.converse, self.context(room, stanza, "live", parsed), None)
            return
        if not room.remember(parsed.origin_id if own else "", parsed.id if own else "", parsed.stanza_id):
            if own and parsed.stanza_id:  # our own message reflected: the room's id names it from now on
                mine = room.find_message(parsed.origin_id or parsed.id, room.get("nick"))
                if mine is not None and mine.outgoing and not mine.stanza_id:
                    room.update_message(mine, stanza_id=parsed.stanza_id)
            return  # our own message reflected, or history we already show
        # A correction (XEP-0308) by the same nick changes the row of the message it names in place.
        shown: ShownMessage | None = ShownMessage(
            parsed.id, parsed.nick, parsed.body, parsed.time, outgoing=own, sender_name=parsed.nick,
            stanza_id=parsed.stanza_id, origin_id=parsed.origin_id, replaces=replace_id(stanza))
        if has_listeners(self.converse):
            shown = through_hook(self.converse, self.context(room, stanza, "live", parsed), shown)
        if shown is not None and room.add_messages([shown]):
            self.converse.trigger("roomMessage", room, shown)

    @staticmethod
    def context(room: Room, stanza: ET.Element, source: str, parsed: RoomMessage) -> MessageStanza:
        """What ``messageStanza`` listeners get for a room's message."""
        return MessageStanza(room, stanza, source, parsed.nick == room.get("nick"), parsed.nick, room=True,
                             time=parsed.time, stanza_id=parsed.stanza_id,
                             occupant_id=occupant_id(stanza, room.get("jid")))

    def message_error(self, stanza: ET.Element) -> None:
        """An error from a room (e.g. ``forbidden``: no voice in a moderated room) answering one of
        the user's messages marks it failed; one answering no message shown is an info line."""
        error = parse_message_error(stanza)
        room = self.rooms.get(error.sender.bare) if error is not None else None
        if error is None or room is None:
            return
        message = room.find_message(error.id)
        if message is not None and message.outgoing:
            mark_failed(self.converse, room, message, reason(error))
        else:
            add_info_once(room, unknown_error_line(error))

    def too_large(self, info: OversizedStanza) -> None:
        """A room message too large to show (dropped unparsed): an info line in the room says
        which nick sent it and how large it was (a live message, or one of the room's archive)."""
        attrs = info.inner if info.inner is not None else info.attrs
        if info.kind != "message" or attrs.get("type") != "groupchat":
            return
        try:
            sender = JID.parse(attrs.get("from") or "")
            if info.inner is not None and JID.parse(info.attrs.get("from") or "").bare != sender.bare:
                return  # an archive result comes from the room itself
        except ValueError:
            return
        room = self.rooms.get(sender.bare)
        if room is not None and not room.get("closed"):
            room.add_info(too_large_line(info.size, sender.resource or sender.bare))

    def _on_room_change(self, room: Any, changed: dict[str, Any]) -> None:
        if "focus_requests" in changed:
            self.converse.trigger("chatBoxFocused", room)
        if "minimized" in changed:
            self.converse.trigger("chatBoxMinimized" if changed["minimized"] else "chatBoxMaximized", room)


class MUCPlugin(Plugin):
    """Multi-user chat (XEP-0045): rooms, occupants, invitations (also XEP-0249), room listing."""

    name = "converse-muc"
    settings = {
        "auto_list_rooms": Setting(False, (bool,), "List public rooms when the join form opens."),
        "hide_muc_server": Setting(False, (bool,), "Hide the server field in the room join form."),
        "muc_domain": Setting(None, OPTIONAL_STR, "MUC service for the join form and rooms.list_rooms "
                              "(default: 'conference.' + the user's domain)."),
    }
    events = {
        "roomOpened": EventDoc("the room", "api.rooms.open (or the UI) opened a room; entering follows"),
        "roomEntered": EventDoc("the room", "the room reflected our presence: we are in (connection_status "
                                "'entered')"),
        "enteredNewRoom": EventDoc("the room", "we entered a room that did not exist before (status 201); it is "
                                   "configured with roomconfig when auto_configure is set"),
        "roomError": EventDoc("the room", "entering or configuring failed, or we were removed; room.get('error') "
                              "says why"),
        "leaveRoom": EventDoc("the room", "we left a room (api.rooms.close or its close button)"),
        "roomInvite": EventDoc("{room, from, reason, password, direct}", "someone invited us to a room (XEP-0045 "
                               "mediated or XEP-0249 direct)"),
        "roomMessage": EventDoc("the room, the message", "a groupchat message was added to a room (own "
                                "reflections and history already shown are not repeated)"),
    }
    hooks = {
        "getNicknameForMUC": EventDoc("the room, null", "a room is created without a nick: return the nick to "
                                      "enter it with (the bookmarks plugin returns the bookmarked one); null keeps "
                                      "the default (the node of the user's JID)"),
    }
    features = ("http://jabber.org/protocol/muc", "jabber:x:conference")

    def initialize(self) -> None:
        converse = self._converse
        self.state = RoomsState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("rooms", RoomsAPI(self.state))
        converse.session.add_handler("presence", self.state.on_presence)
        converse.session.add_handler("message", self.state.on_message)
        converse.api.listen.on("stanzaTooLarge", self.state.too_large)
        converse.api.listen.on("reconnected", lambda *_: self.state.rejoin_all())
        converse.api.listen.on("disconnected", lambda *_: self.state.all_disconnected())
        converse.api.listen.on("logout", lambda *_: self.state.forget_all())
