"""XEP-0444 message reactions in chats and rooms.

A ``<reactions id='…'/>`` message from any source (live, a carbon of the user's other client, an
archive page, a room) replaces its sender's set of reactions to the message it names (kept in the
message's ``extras["reactions"]``, see aggregate.py; one naming a message not loaded yet waits for
it: ``box.change_message``). Nobody changes anyone else's reactions: each sender only has their own
entry (a chat's contact by bare JID, a room's occupant by the occupant-id the room vouches for
(XEP-0421) or else by nick). The user's own reactions are sent as their full set (XEP-0444 §3), the
target named by its id in a chat and by the room's stanza-id in a room, with a ``<store/>`` hint.

The UI: a "React" button on each message (hover and keyboard focus) opens a small picker (common
emoji and a field for any one emoji); the reactions show under the message as chips ``emoji
count`` whose title names who reacted; clicking a chip toggles the user's own reaction. A room
or contact (a gateway, asked when the user opens the picker) that advertises the XEP-0444
restrictions form (max reactions per user, allowlist) is respected.

Python plugin::

    api.reactions.toggle("bob@localhost", message_id, "👍")   # react, or take it back
    api.reactions.get("bob@localhost", message_id)   # [{'emoji': '👍', 'count': 1, 'reactors': [...], 'mine': True}]
    api.listen.on("reactionsChanged", lambda box, message, reactions: print(reactions))

JS plugin::

    _converse.api.reactions.toggle('bob@localhost', messageId, '👍');
    _converse.api.listen.on('reactionsChanged', (box, message, reactions) => console.log(reactions));
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, UTC
from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...i18n import _
from ..chats.message_stanza import OCCUPANT_ID, MessageStanza
from ..chats.models import ChatBox, ShownMessage
from ..chats.plugin import ChatsState
from ..muc.plugin import RoomsState
from ..muc.stanzas import disco_info_request
from .aggregate import OWN, extras_with, own_emojis, reactors_of, summary, with_reactor
from .api import ReactionsAPI
from .parts import reaction_chips
from .stanzas import REACTIONS, Restrictions, is_single_emoji, parse_reactions, parse_restrictions, reactions_message

#: ``picker(box, message)``: opens the reaction picker of a message's row (set by the browser view).
PickerOpener = Callable[[ChatBox, ShownMessage], None]
REACTIONS_TAG = f"{{{REACTIONS}}}reactions"


def is_room(box: Any) -> bool:
    return bool(box.get("type") == "chatroom")


class ReactionsState:
    """Reactions of the messages of every chat box and room of one client."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        #: room or contact JID → what it allows (only those that advertise the restrictions form)
        self.restrictions: dict[str, Restrictions] = {}
        #: contacts whose disco#info was asked for their restrictions (once per session)
        self._asked: dict[str, asyncio.Future[Restrictions]] = {}
        self.picker: PickerOpener | None = None

    # -- incoming ---------------------------------------------------------------------------
    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> None:
        """A ``<reactions/>`` in any message of a box replaces its sender's set (no row for it)."""
        if REACTIONS_TAG not in context.child_tags:
            return
        parsed = parse_reactions(context.stanza)
        if parsed is None:
            return
        context.consume()
        box = context.box
        key, name = self.reactor_of(context)
        self.apply(box, parsed.target, key, name, parsed.emojis, context.time or datetime.now(UTC))

    def reactor_of(self, context: MessageStanza) -> tuple[str, str]:
        """Who sent the reactions of ``context``: their key and the name to show."""
        if context.outgoing:
            return OWN, _("you")
        if context.room:
            if context.occupant_id and OCCUPANT_ID in (context.box.get("features") or ()):
                return "occupant:" + context.occupant_id, context.sender
            return "nick:" + context.sender, context.sender
        return context.sender, context.box.get("fullname") or context.sender

    def apply(self, box: ChatBox, target: str, key: str, name: str, emojis: tuple[str, ...],
              at: datetime) -> ShownMessage | None:
        """Replace ``key``'s reactions to the message ``target`` names (an older set than the one
        kept is ignored: archive pages come newest first)."""
        def change(message: ShownMessage) -> Mapping[str, Any] | None:
            new = with_reactor(reactors_of(message.extras), key, name, emojis, at)
            return {"extras": extras_with(message.extras, new)} if new is not None else None
        changed = box.change_message(target, change)
        if changed is not None:
            self.converse.trigger("reactionsChanged", box, changed, self.summary_of(changed))
        return changed

    @staticmethod
    def summary_of(message: ShownMessage) -> list[dict[str, Any]]:
        return [s.as_dict() for s in summary(reactors_of(message.extras))]

    # -- the user's own ---------------------------------------------------------------------
    def box(self, jid: str) -> ChatBox:
        """The open chat box or room of ``jid`` (ConverseError when there is none)."""
        if not isinstance(jid, str) or not jid:
            raise ConverseError("reactions: expected the JID of a chat or room")
        rooms = self.converse.find(RoomsState)
        room = rooms.rooms.get(jid.lower()) or rooms.rooms.get(jid) if rooms is not None else None
        if room is not None:
            return room
        chats = self.converse.find(ChatsState)
        box = chats.boxes.get(jid.lower()) or chats.boxes.get(jid) if chats is not None else None
        if box is None:
            raise ConverseError(f"reactions: no open chat or room with {jid}")
        return box

    @staticmethod
    def message(box: ChatBox, msg_id: str) -> ShownMessage:
        message = box.find_target(msg_id) if isinstance(msg_id, str) else None
        if message is None or message.kind != "message":
            raise ConverseError(f"reactions: no message {msg_id!r} in {box.get('jid')}")
        return message

    @staticmethod
    def target_id(box: ChatBox, message: ShownMessage) -> str:
        """How a reaction names ``message``: the room's stanza-id in a room, its id in a chat."""
        if is_room(box):
            return message.stanza_id or message.origin_id or message.id
        return message.id or message.origin_id or message.stanza_id

    def toggle(self, box: ChatBox, message: ShownMessage, emoji: str) -> tuple[str, ...]:
        """Add ``emoji`` to the user's reactions to ``message``, or take it back; sends the new set."""
        if not is_single_emoji(emoji):
            raise ConverseError(f"reactions: {emoji!r} is not a single emoji")
        current = own_emojis(reactors_of(message.extras))
        if emoji in current:
            return self.send(box, message, tuple(e for e in current if e != emoji))
        restrictions = self.restrictions.get(box.get("jid"), Restrictions())
        if not restrictions.allows(emoji):
            raise ConverseError(_("Only these reactions are allowed here: {}").format(
                " ".join(restrictions.allowlist)))
        new = (*current, emoji)
        if restrictions.max_per_user is not None:
            new = new[-restrictions.max_per_user:]  # one allowed: the new one replaces the old
        return self.send(box, message, new)

    def send(self, box: ChatBox, message: ShownMessage, emojis: Sequence[str]) -> tuple[str, ...]:
        """Send ``emojis`` as the user's full set of reactions to ``message`` (empty: none) and
        show it. Queued while offline."""
        if isinstance(emojis, str) or not all(is_single_emoji(e) for e in emojis):
            raise ConverseError("reactions: expected a list of single emoji")
        if message.kind != "message" or message.error:
            raise ConverseError("reactions: that message cannot be reacted to")
        target = self.target_id(box, message)
        if not target:
            raise ConverseError("reactions: that message has no id to react to")
        chosen = tuple(dict.fromkeys(emojis))
        stanza = reactions_message(box.get("jid"), "groupchat" if is_room(box) else "chat", target, chosen)
        self.converse.session.send_element(stanza)
        self.apply(box, target, OWN, _("you"), chosen, datetime.now(UTC))
        return chosen

    # -- what rooms allow -------------------------------------------------------------------
    def on_room(self, room: ChatBox) -> None:
        room.on_change(self._on_room_change)

    def _on_room_change(self, room: Any, changed: dict[str, Any]) -> None:
        if REACTIONS in (changed.get("features") or ()):
            self._asked.pop(room.get("jid"), None)
            asyncio.ensure_future(self._fetch_restrictions(room.get("jid")))

    def restrictions_of(self, box: ChatBox) -> asyncio.Future[Restrictions]:
        """What a chat's contact allows (XEP-0444 §2.2: a gateway may limit reactions), asked once
        with disco#info (when the user opens the picker); a room's come with its features."""
        jid = box.get("jid")
        asked = self._asked.get(jid)
        if asked is None:
            if is_room(box):
                asked = asyncio.get_event_loop().create_future()
                asked.set_result(self.restrictions.get(jid, Restrictions()))
                return asked
            asked = self._asked[jid] = asyncio.ensure_future(self._fetch_restrictions(jid))
        return asked

    async def _fetch_restrictions(self, jid: str) -> Restrictions:
        try:
            info = await self.converse.session.send_iq(disco_info_request(jid))
        except Exception as exc:  # reacting works without knowing
            logger.info("%s: no reaction restrictions: %s", jid, exc)
            return Restrictions()
        restrictions = parse_restrictions(info)
        if restrictions != Restrictions():
            self.restrictions[jid] = restrictions
        return restrictions

    # -- the UI hooks (the browser's view, dom/views/reactions.py, listens with these) ------
    def action_buttons(self, context: Mapping[str, Any], buttons: list[Any]) -> list[Any] | None:
        message = context.get("message")
        if self.picker is None or not isinstance(message, ShownMessage) or message.kind != "message" \
                or message.error or not (message.id or message.origin_id or message.stanza_id):
            return None
        return [*buttons, {"name": "react", "label": _("React"), "icon": "☺", "handler": self.open_picker}]

    def open_picker(self, box: ChatBox, message: ShownMessage) -> None:
        if self.picker is not None:
            self.picker(box, message)

    def message_parts(self, context: Mapping[str, Any], parts: Any) -> Any:
        message = context.get("message")
        if not isinstance(message, ShownMessage):
            return None
        chips = reaction_chips(summary(reactors_of(message.extras)))
        if chips:
            parts.after.append(chips)
        return parts


class ReactionsPlugin(Plugin):
    """XEP-0444 message reactions."""

    name = "converse-reactions"
    dependencies = ("converse-chats",)  # rooms too when converse-muc is loaded
    events = {
        "reactionsChanged": EventDoc(
            "the chat box or room, the message, its reactions `[{emoji, count, reactors, mine}]`",
            "someone's reactions to a shown message changed (XEP-0444: received live, as a carbon, from a "
            "room, or the user's own)"),
    }
    features = (REACTIONS,)

    def initialize(self) -> None:
        converse = self._converse
        self.state = ReactionsState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("reactions", ReactionsAPI(self.state))
        converse.api.listen.on("messageStanza", self.state.on_stanza)
        if converse.find(RoomsState) is not None:
            converse.api.listen.on("roomOpened", self.state.on_room)
