"""OMEMO in rooms, as Conversations and Converse.js do it (XEP-0384 0.3.0 §5; omemo:2 as XEP-0384
0.8 §6 with XEP-0420 envelopes, when the members have only omemo:2 devices: ``group.py``): only in rooms
that are members-only and non-anonymous (disco#info ``muc_membersonly`` and ``muc_nonanonymous``),
where the real JIDs of all members are known. A message is encrypted for every device of every
member (the affiliation lists owner/admin/member when the room lets the user read them, plus the
real JIDs of the occupants) and the user's other devices; an incoming one is decrypted with the
session of its sender's real JID (from the occupant's presence; in an archive page from the
message's own ``muc#user`` item when the room put one in).

A room's ``omemo_active`` is its switch, as in chats: the toolbar's 🔓/🔒 button (only in
qualifying rooms), ``omemo_default`` for qualifying rooms, or ``room.set("omemo_active", True)``.
While it is on, nothing is sent in the clear: a message that cannot be encrypted for every member
(a member without OMEMO, the room no longer qualifying, no connection) shows as failed with the
reason and *Resend*.

Python::

    room = api.rooms.get("team@conference.example.org")
    room.set("omemo_active", True)
    room.send_message("only the members read this")

JS::

    const room = await _converse.api.rooms.get('team@conference.example.org');
    room.model.set('omemo_active', true);
    room.model.sendMessage('only the members read this');
"""

from __future__ import annotations

import asyncio
import copy
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ...core.converse import Converse
from ...core.log import logger
from ...core.session import own_bare
from ...i18n import _
from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import find, find_all, find_child, iq, new_id, sub
from ..chats.hooks import OutgoingMessage
from ..chats.message_stanza import MessageStanza, through_hook
from ..chats.models import ShownMessage
from . import pep
from .plugin import ENCRYPTED_TAGS, OMEMO_KEY, OmemoChats, _namespace_of, built_in_clear, encrypt_stanza

MEMBERS_ONLY = "muc_membersonly"
NON_ANONYMOUS = "muc_nonanonymous"
MUC_USER = "http://jabber.org/protocol/muc#user"
MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
#: The affiliations whose holders may read a members-only room (XEP-0045 §9.5, §10.5, §10.8).
MEMBER_AFFILIATIONS = ("owner", "admin", "member")
#: Affiliation lists are fetched again after this many seconds (occupants are read at every send).
MEMBERS_TTL = 60.0
#: Status code of a room's configuration change (XEP-0045 §10.2.1).
CONFIG_CHANGED = "104"


def room_qualifies(features: Iterable[str] | None) -> bool:
    """Whether a room with these disco#info features may use OMEMO: members-only (only members
    read it) and non-anonymous (their real JIDs are known, so their devices can be found).

    >>> room_qualifies(["muc_membersonly", "muc_nonanonymous", "muc_persistent"])
    True
    >>> room_qualifies(["muc_membersonly", "muc_semianonymous"]), room_qualifies(None)
    (False, False)
    """
    found = set(features or ())
    return MEMBERS_ONLY in found and NON_ANONYMOUS in found


def bare_jid(text: str | None) -> str | None:
    """The bare form of a JID (None when empty or malformed).

    >>> bare_jid("Bob@Example.org/phone"), bare_jid("not a jid@"), bare_jid(None)
    ('bob@example.org', None, None)
    """
    if not text:
        return None
    try:
        jid = JID.parse(text)
    except ValueError:
        return None
    return jid.bare if jid.local else None


def member_jids(occupant_jids: Iterable[str | None], affiliated: Iterable[str], own: str) -> set[str]:
    """The bare JIDs to encrypt a room's message for: the occupants' real JIDs and the affiliated
    members' JIDs, without the user's own (their other devices are added anyway) and without
    anything that is not a user's JID.

    >>> sorted(member_jids(["bob@x.org/phone", None, "alice@x.org/web"], ["carol@x.org", "x.org"], "alice@x.org"))
    ['bob@x.org', 'carol@x.org']
    """
    found = {bare_jid(jid) for jid in [*occupant_jids, *affiliated]}
    own_jid = bare_jid(own) or own
    return {jid for jid in found if jid is not None and jid != own_jid}


def affiliation_query(room: str, affiliation: str) -> ET.Element:
    """XEP-0045 §9.5 (members), §10.5 (owners), §10.8 (admins): ask for one affiliation list."""
    stanza = iq("get", to=room)
    sub(sub(stanza, "query", xmlns=MUC_ADMIN), "item", {"affiliation": affiliation})
    return stanza


def affiliated_jids(result: ET.Element) -> list[str]:
    """The bare JIDs of an affiliation list result (items without a usable JID are skipped)."""
    query = find(result, MUC_ADMIN, "query")
    items = find_all(query, MUC_ADMIN, "item") if query is not None else []
    return [jid for jid in (bare_jid(item.get("jid")) for item in items) if jid is not None]


def claimed_sender(stanza: ET.Element) -> str | None:
    """The real bare JID a room put in one of its messages (``<x xmlns='…muc#user'><item jid=…/>``,
    as rooms add to archived messages of non-anonymous rooms), else None."""
    x = find(stanza, MUC_USER, "x")
    item = find(x, MUC_USER, "item") if x is not None else None
    return bare_jid(item.get("jid")) if item is not None else None


def sender_jid(room: Any, stanza: ET.Element, nick: str, archived: bool) -> str | None:
    """The real bare JID of the sender of a room message: for an archived one the room's
    ``muc#user`` item in it first, else (and for live messages) the occupant's real JID from its
    presence; None when neither is known."""
    if archived:
        claimed = claimed_sender(stanza)
        if claimed is not None:
            return claimed
    occupants = getattr(room, "occupants", None) or {}
    occupant = occupants.get(nick)
    return bare_jid(occupant.get("jid")) if occupant is not None else None


def config_changed_room(stanza: ET.Element) -> str | None:
    """The room a ``104`` notification (its configuration changed) comes from, else None."""
    if stanza.get("type") != "groupchat":
        return None
    x = find(stanza, MUC_USER, "x")
    if x is None or not any(s.get("code") == CONFIG_CHANGED for s in find_all(x, MUC_USER, "status")):
        return None
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    return sender.bare if sender.local and not sender.resource else None


class OmemoRooms:
    """OMEMO in the qualifying rooms: the switch, the send path, decryption (uses ``OmemoChats``'s
    device and decryption)."""

    def __init__(self, converse: Converse, chats: OmemoChats) -> None:
        self.converse = converse
        self.chats = chats
        #: The ``<encrypted/>`` the next ``createMessageStanza`` of a room puts in (by room JID).
        self._prepared: dict[str, ET.Element] = {}
        #: Affiliation lists by room JID: (when fetched, bare JIDs).
        self._affiliated: dict[str, tuple[float, set[str]]] = {}
        #: Rooms whose message is being built as it would go in the clear (``_plain_message``).
        self._capturing: set[str] = set()
        #: The content elements of the message being sent (0.3 carries them beside the body).
        self._content: dict[str, list[ET.Element]] = {}
        #: omemo:2: the message being sent as it was before encryption (its row is made from it).
        self._plain_sent: dict[str, ET.Element] = {}

    # -- the switch ------------------------------------------------------------------------
    def attach(self, box: Any) -> None:
        if box.get("type") != "chatroom":
            return
        if not getattr(box, "_omemo_room_attached", False):
            setattr(box, "_omemo_room_attached", True)
            box.on_change(self._on_room_change)
        self._apply_default(box)

    def _apply_default(self, room: Any) -> None:
        if room.get("omemo_active") is not None or not room_qualifies(room.get("features")):
            return
        saved = self.chats._active_jids().get(room.get("jid"))
        room.set("omemo_active", saved if isinstance(saved, bool) else bool(self.converse.settings.get("omemo_default")))

    def _on_room_change(self, room: Any, changed: dict[str, Any]) -> None:
        if "features" in changed:
            self._apply_default(room)
            self._affiliated.pop(room.get("jid"), None)
        if "omemo_active" in changed:
            self.chats._on_box_change(room, {"omemo_active": changed["omemo_active"]})  # remembered, device started

    def toolbar_buttons(self, box: Any, buttons: list[Any]) -> list[Any]:
        """The 🔓/🔒 switch, in qualifying rooms only (and in a room whose switch is on, to turn it off)."""
        if box.get("type") != "chatroom" or not (room_qualifies(box.get("features")) or box.get("omemo_active")):
            return buttons
        on = bool(box.get("omemo_active"))
        label = _("Turn OMEMO encryption off") if on else _("Turn OMEMO encryption on")
        return [*buttons, {"name": "omemo", "label": label, "icon": "🔒" if on else "🔓", "handler": self.toggle}]

    @staticmethod
    def toggle(room: Any) -> None:
        room.set("omemo_active", not room.get("omemo_active"))

    def on_message(self, stanza: ET.Element) -> None:
        """A room's ``104`` (its configuration changed): its disco#info is read again."""
        jid = config_changed_room(stanza)
        room = self._room(jid) if jid else None
        if room is not None:
            asyncio.ensure_future(self._refresh_features(room)).add_done_callback(_report)

    def _room(self, jid: str) -> Any:
        from ..muc.plugin import RoomsState
        rooms = self.converse.find(RoomsState)
        return rooms.rooms.get(jid) if rooms is not None else None

    async def _refresh_features(self, room: Any) -> None:
        from ..muc.stanzas import disco_info_request, parse_disco_info
        info = parse_disco_info(await self.converse.session.send_iq(disco_info_request(room.get("jid"))))
        room.set("features", sorted(info.features))

    # -- sending ---------------------------------------------------------------------------
    def before_send(self, box: Any, outgoing: OutgoingMessage) -> OutgoingMessage:
        """``beforeMessageSend``: in a room with OMEMO on the send waits for the encryption."""
        if outgoing.cancelled or box.get("type") != "chatroom" or not box.get("omemo_active") or \
                box.get("jid") in self._prepared:
            return outgoing
        outgoing.cancel()
        plain = self._plain_message(box, outgoing.text)  # now: a pending reply or spoiler is this message's
        asyncio.ensure_future(self.send_encrypted(box, outgoing.text, plain=plain)).add_done_callback(_report)
        return outgoing

    def _plain_message(self, room: Any, text: str) -> ET.Element | None:
        """The message as it would go to the room in the clear: ``createMessageStanza`` listeners (a
        reply, a spoiler, ...) build it, this one aside. omemo:2 encrypts its content elements."""
        from ..muc.stanzas import groupchat_message
        outgoing = OutgoingMessage(room, text, stanzas=[groupchat_message(room.get("jid"), text)])
        return built_in_clear(self.converse, self._capturing, room, outgoing)

    def members_stale(self, room: Any) -> bool:
        """Whether the room's affiliation lists (and its members' device lists) are to be fetched again."""
        cached = self._affiliated.get(room.get("jid"))
        return cached is None or time.monotonic() - cached[0] > MEMBERS_TTL

    async def members(self, room: Any) -> set[str]:
        """The bare JIDs of the room's members (the user excluded): the affiliation lists the room
        lets the user read (kept for MEMBERS_TTL seconds) and the occupants' real JIDs."""
        jid = room.get("jid")
        cached = self._affiliated.get(jid)
        if cached is None or self.members_stale(room):
            affiliated: set[str] = set()
            for affiliation in MEMBER_AFFILIATIONS:
                try:
                    affiliated.update(affiliated_jids(await self.converse.session.send_iq(
                        affiliation_query(jid, affiliation), timeout=15)))
                except Exception as error:  # not allowed to read that list: the occupants still count
                    logger.info("OMEMO: the %s list of %s is not readable: %s", affiliation, jid, error)
            cached = self._affiliated[jid] = (time.monotonic(), affiliated)
        occupants = [occupant.get("jid") for occupant in getattr(room, "occupants", {}).values()]
        return member_jids(occupants, cached[1], own_bare(self.converse.session) or "")

    async def send_encrypted(self, room: Any, text: str, *, plain: ET.Element | None = None) -> ShownMessage | None:
        """Encrypt ``text`` for every member's devices and the user's other ones, then send it to
        the room; when that fails the text is shown as a failed message (with *Resend*), never sent.
        ``plain``: the message as it would have gone in the clear (omemo:2 encrypts all its content
        elements; made here when not given)."""
        jid = room.get("jid")
        if plain is None:
            plain = self._plain_message(room, text)
        content: list[ET.Element] = []
        try:
            if not room_qualifies(room.get("features")):
                raise PermissionError(_("the room is not members-only and non-anonymous"))
            service = await self.chats.ensure_service()
            from . import sce_content
            from .group import encrypt_for_group  # the lazily loaded core (loaded by ensure_service)
            content = sce_content.content_elements(plain) if plain is not None else []
            stale = self.members_stale(room)  # then the members' device lists are fetched again too
            encrypted = await encrypt_for_group(service, await self.members(room), text, refresh=stale, room=jid,
                                                content=content)
        except Exception as error:  # every failure is shown: the text is never lost silently
            why = _("it could not be encrypted with OMEMO ({reason}).", reason=_reason(error))
            logger.info("OMEMO: a message to the room %s was not sent: %s", jid, _reason(error))
            failed = ShownMessage(new_id(), room.get("nick") or "", text, datetime.now(UTC), outgoing=True, error=why,
                                  sender_name=room.get("nick") or "", extras={OMEMO_KEY: "unsent"})
            room.add_messages([failed])
            self.converse.trigger("messageFailed", room, failed, why)
            return None
        from ..muc.plugin import RoomsState
        self._prepared[jid] = encrypted
        self._content[jid] = [el for el in content if el.tag not in ("body", "{jabber:client}body")]
        if plain is not None and _namespace_of(encrypted) == pep.TWO:
            self._plain_sent[jid] = plain
        try:
            return self.converse.get(RoomsState).send(room, text)
        finally:
            self._prepared.pop(jid, None)
            self._content.pop(jid, None)
            self._plain_sent.pop(jid, None)

    def create_stanza(self, box: Any, outgoing: OutgoingMessage) -> OutgoingMessage:
        """``createMessageStanza``: the prepared ``<encrypted/>`` and the fallback body go in; a room
        with OMEMO on never sends a body in the clear."""
        if box.get("type") != "chatroom" or box.get("jid") in self._capturing:
            return outgoing
        encrypted = self._prepared.get(box.get("jid"))
        if encrypted is None:
            if box.get("omemo_active"):
                outgoing.refuse(ConnectionRefusedError(_("OMEMO is on: this message would have gone in the clear")))
            return outgoing
        from . import sce_content  # loaded: the message was encrypted
        content = self._content.get(box.get("jid"), [])
        for stanza in outgoing.body_stanzas():
            if _namespace_of(encrypted) == pep.TWO:  # all content is in the envelope
                sce_content.remove_content(stanza, keep_body=True)
            else:  # 0.3 carries the body only: the rest goes as it would without OMEMO
                present = {child.tag for child in stanza}
                stanza.extend(copy.deepcopy(el) for el in content if el.tag not in present)
            encrypt_stanza(stanza, encrypted)
        return outgoing

    # -- receiving -------------------------------------------------------------------------
    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        """``messageStanza`` in rooms: an OMEMO message is decrypted with its sender's real JID's
        session; the user's own (sent here, or their archived copies) show the text kept when it was
        sent. The fallback body is never shown as the message."""
        if not context.room or not ENCRYPTED_TAGS & context.child_tags:
            return None
        if shown is None:
            return None
        if context.source == "sent":
            jid = context.box.get("jid")
            plain = self._plain_sent.get(jid)
            if plain is not None:  # omemo:2: the row is the message's as it was before encryption
                plain.set("id", context.stanza.get("id") or "")
                shown = through_hook(self.converse, MessageStanza(context.box, plain, "sent", True, context.sender,
                                                                  room=True, time=context.time), shown) or shown
                body = find_child(plain, "jabber:client", "body")
                self.chats._remember(context.box, shown, body.text or "" if body is not None else shown.body,
                                     self._content.get(jid, []))
            else:
                self.chats._remember(context.box, shown, shown.body)
            return replace(shown, extras={**shown.extras, OMEMO_KEY: "sent"})
        element = find(context.stanza, pep.AXOLOTL, "encrypted")
        two = element is None
        if two:  # omemo:2: its envelope's <from/> is the sender's real JID, a <to/> the room
            element = find(context.stanza, pep.TWO, "encrypted")
        if element is None:
            return None
        archived = context.source == "archive"
        # the discussion history a room sends on entering: its keys were used when it was read here
        # first, so the kept text is looked up first, as for the archive
        history = archived or find(context.stanza, ns.DELAY, "delay") is not None
        if context.outgoing:
            sender: str | None = own_bare(self.converse.session)
        else:
            sender = sender_jid(context.box, context.stanza, context.sender or "", archived)
        if sender is None and history:
            sender = ""  # the kept text, if any; else it says it cannot be decrypted here
        if sender is None:
            unknown = _("An OMEMO message from {nick}, whose real JID this room does not show: it cannot be decrypted.",
                        nick=context.sender or "?")
            return replace(shown, body=unknown, extras={**shown.extras, OMEMO_KEY: "failed"})
        # omemo:2: the envelope's content is shown as in chats (sce_content); what came in the clear
        # beside the <encrypted/> is not the sender's
        task = asyncio.ensure_future(self.chats._decrypt(context.box, element, sender, shown, history,
                                                         context if two else None))
        task.add_done_callback(_report)
        wire_extras = {} if two else shown.extras
        return replace(shown, body=_("Decrypting an OMEMO message…"), extras={**wire_extras, OMEMO_KEY: "pending"})

    def on_online(self, *_: Any) -> None:
        from ..muc.plugin import RoomsState
        rooms = self.converse.find(RoomsState)
        if rooms is not None and any(r.get("omemo_active") for r in rooms.rooms.values()):
            self.chats.ensure_service().add_done_callback(_report)


def _reason(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:200]


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("OMEMO (rooms): %s", _reason(future.exception() or Exception()))


def register(converse: Converse, chats: OmemoChats) -> OmemoRooms:
    """Make the rooms' OMEMO and hook it in (called by ``OmemoPlugin.initialize``)."""
    from ...dom.hooks import listen_ui
    rooms = OmemoRooms(converse, chats)
    converse.provide(rooms)
    listen = converse.api.listen
    listen.on("beforeMessageSend", rooms.before_send)
    listen.on("createMessageStanza", rooms.create_stanza)
    listen.on("messageStanza", rooms.on_stanza)
    listen.on("chatBoxOpened", rooms.attach)
    listen.on("statusInitialized", rooms.on_online)
    listen_ui(converse, {"getToolbarButtons": rooms.toolbar_buttons})
    converse.session.add_handler("message", rooms.on_message)
    from ..muc.plugin import RoomsState
    state = converse.find(RoomsState)
    for room in list(state.rooms.values()) if state is not None else []:
        rooms.attach(room)
    return rooms
