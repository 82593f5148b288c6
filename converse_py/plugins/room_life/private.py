"""Private messages with a room occupant (XEP-0045 §7.5): a chat box whose JID is the occupant
JID ``room@service/nick``, titled "nick (in room)". Messages of type ``chat`` from an occupant JID
of a room we know go to that box (not to a chat with the room's bare JID); ours carry
``<x xmlns='http://jabber.org/protocol/muc#user'/>`` as the XEP asks.
"""

from __future__ import annotations

from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...i18n import _
from ...xmpp.jid import JID
from ...xmpp.stanza import find, sub
from ..chats.hooks import OutgoingMessage
from ..chats.models import ChatBox
from ..chats.plugin import ChatsState
from ..muc.models import Room
from ..muc.plugin import RoomsState

MUC_USER = "http://jabber.org/protocol/muc#user"


class PrivateChats:
    """Opens private chat boxes and marks the messages sent in them."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse

    def occupant_box_jid(self, jid: JID) -> str | None:
        """``ChatsState`` box finder: an occupant JID of a room we know keeps its full JID."""
        rooms = self.converse.find(RoomsState)
        if jid.resource and jid.local and rooms is not None and jid.bare in rooms.rooms:
            return jid.full
        return None

    def is_private(self, box: Any) -> bool:
        jid = box.get("jid") if isinstance(box, ChatBox) and not isinstance(box, Room) else None
        if not isinstance(jid, str) or "/" not in jid:
            return False
        try:
            return self.occupant_box_jid(JID.parse(jid)) is not None
        except ValueError:
            return False

    def title(self, room: Room, nick: str) -> str:
        return _("{nick} (in {room})", nick=nick, room=room.get("name") or room.get("jid"))

    def open(self, room: Room, nick: str) -> ChatBox:
        """Open (or show) the private chat with ``nick`` of ``room``."""
        if not isinstance(nick, str) or not nick.strip() or "/" in nick:
            raise ConverseError(_("A nickname is needed to message someone privately."))
        if nick == room.get("nick"):
            raise ConverseError(_("You cannot message yourself privately."))
        box = self.converse.get(ChatsState).open(f"{room.get('jid')}/{nick}", self.title(room, nick))
        if box.get("minimized"):
            box.maximize()
        return box

    def titled(self, box: Any) -> None:
        """``chatBoxOpened``: a private chat opened by an incoming message gets its title."""
        if not self.is_private(box):
            return
        room_jid, _slash, nick = str(box.get("jid")).partition("/")
        room = self.converse.get(RoomsState).rooms.get(room_jid)
        if room is not None and box.get("fullname") in ("", box.get("jid")):
            box.set("fullname", self.title(room, nick))

    def mark_outgoing(self, box: Any, outgoing: OutgoingMessage) -> OutgoingMessage:
        """``createMessageStanza``: our private messages carry the MUC user ``<x/>`` (Example 49)."""
        if self.is_private(box):
            for stanza in outgoing.body_stanzas():
                if find(stanza, MUC_USER, "x") is None:
                    sub(stanza, "x", xmlns=MUC_USER)
        return outgoing
