"""XEP-0424 message retraction in chats and rooms.

The user retracts their own messages (a "Retract" action on each, confirmed in the row; JS
``box.model.retract(id)``, Python ``box.retract(id)``): the retraction is sent in both forms
(``urn:xmpp:message-retract:1`` and the earlier ``:0`` in ``<apply-to/>``) with a fallback body
and the store hint, and the row becomes "You removed a message". A retraction received live, as a
carbon or from the archive turns the message it names into a tombstone ("bob removed a message")
when it comes from that message's sender (in a room the occupant-id when both have one, else the
nick; in a chat the bare JID); its fallback body is never shown. A retraction whose message is on
an archive page not loaded yet waits for it (``box.change_message``). The tombstones archives keep
in place of retracted messages (``<retracted/>``, XEP-0424/0425) show as such too.

Python plugin::

    api.listen.on("messageRetracted", lambda box, message: print("retracted in", box.get("jid")))
    box = api.chats.get("bob@localhost")
    box.retract(box.messages[-1].id)        # the user's own message

JS plugin::

    _converse.api.listen.on('messageRetracted', (box, message) => console.log(message.id));
    _converse.api.chats.get('bob@localhost').model.retract(id);
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, UTC
from typing import Any
from collections.abc import Mapping

from ...core.errors import ConverseError
from ...core.plugin import EventDoc, Plugin
from ...dom.hooks import listen_ui
from ...dom.html import tag
from ...dom.templates import MessageParts, confirm_group
from ...i18n import _
from ...xmpp import ns
from ...xmpp.stanza import find
from ..chats.message_stanza import MessageStanza
from ..chats.models import ChatBox, ShownMessage
from .stanzas import FASTEN, MODERATE_0, MODERATE_1, RETRACT, RETRACT_0, is_tombstone, retraction, retraction_of

#: The children a retraction or a tombstone has one of (``MessageStanza.child_tags``).
RETRACTION_TAGS = frozenset({f"{{{RETRACT}}}retract", f"{{{FASTEN}}}apply-to", f"{{{RETRACT}}}retracted",
                             f"{{{RETRACT_0}}}retracted", f"{{{MODERATE_0}}}moderated", f"{{{MODERATE_1}}}moderated"})

#: ``message.extras`` keys: the message was retracted; the user is asked to confirm retracting it.
RETRACTED = "retracted"
CONFIRMING = "retract_confirm"
#: How many room messages' occupant-ids are kept per room (to check who may retract them).
OCCUPANT_IDS_KEPT = 5000


def is_retracted(message: Any) -> bool:
    """Whether ``message`` (a ``ShownMessage``) is a tombstone."""
    return bool(getattr(message, "extras", {}).get(RETRACTED))


def tombstone_text(message: ShownMessage) -> str:
    """What a retracted message's row says.

    >>> tombstone_text(ShownMessage("m1", "bob@localhost", "", datetime(2026, 1, 1, tzinfo=UTC), False))
    'bob removed a message'
    """
    if message.outgoing:
        return _("You removed a message")
    name = message.sender_name or message.sender.partition("@")[0] or message.sender
    return _("{name} removed a message", name=name)


class RetractionPlugin(Plugin):
    """XEP-0424 message retraction in chats and rooms."""

    name = "converse-retraction"
    dependencies = ("converse-chats",)
    events = {
        "messageRetracted": EventDoc(
            "the chat box or room, the message (now a tombstone: extras.retracted)",
            "a shown message was retracted (XEP-0424) by the user (box.model.retract(id), the Retract "
            "action) or by its sender; its body is gone"),
    }
    features = (RETRACT, RETRACT_0)
    facades = {"chatbox": {"retract": "retract"}}

    def initialize(self) -> None:
        listen = self._converse.api.listen
        #: room JID → message id (stanza-id, origin-id, id) → the sender's occupant-id (XEP-0421)
        self.occupant_ids: dict[str, OrderedDict[str, str]] = {}
        listen.on("messageStanza", self.on_stanza)
        listen.on("chatBoxOpened", self.on_opened)
        listen_ui(self._converse, {"getMessageActionButtons": self.action_buttons, "getMessageParts": self.parts,
                                   "messagePartClicked": self.on_part_clicked})

    def on_opened(self, box: ChatBox) -> None:
        if not callable(getattr(box, "retract", None)):
            setattr(box, "retract", lambda msg_id: self.retract(box, msg_id))

    # -- received ------------------------------------------------------------------------------
    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        stanza = context.stanza
        if not RETRACTION_TAGS.isdisjoint(context.child_tags):
            target = retraction_of(stanza)
            if target:
                context.consume()  # its fallback body is never shown
                self.apply(context, target)
                return None
            if is_tombstone(stanza):
                return self.tombstone_row(context, shown)
        if context.room and context.occupant_id and shown is not None:
            kept = self.occupant_ids.setdefault(context.box.get("jid"), OrderedDict())
            for ref in {context.stanza_id, shown.origin_id, shown.id} - {""}:
                kept[ref] = context.occupant_id
            while len(kept) > OCCUPANT_IDS_KEPT:
                kept.popitem(last=False)
        return None

    def may_retract(self, context: MessageStanza, message: ShownMessage) -> bool:
        """Only a message's sender retracts it: in a room the same occupant-id when both have one,
        else the same nick; in a chat the same bare JID."""
        if context.room:
            kept: Mapping[str, str] = self.occupant_ids.get(context.box.get("jid"), {})
            theirs = next((kept[r] for r in (message.stanza_id, message.origin_id, message.id) if r in kept), "")
            if context.occupant_id and theirs:
                return context.occupant_id == theirs
        return message.sender == context.sender

    def apply(self, context: MessageStanza, ref: str) -> None:
        box = context.box

        def change(message: ShownMessage) -> dict[str, Any] | None:
            if message.kind != "message" or is_retracted(message) or not self.may_retract(context, message):
                return None
            return {"body": "", "extras": {**message.extras, RETRACTED: True}}
        changed = box.change_message(ref, change)
        if changed is not None:
            self._converse.trigger("messageRetracted", box, changed)

    def tombstone_row(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage:
        """The row of an archive's tombstone (it has no body, or a leftover one)."""
        if shown is not None:
            return replace(shown, body="", extras={**shown.extras, RETRACTED: True})
        stanza = context.stanza
        origin = find(stanza, ns.SID, "origin-id")
        box = context.box
        name = context.sender if context.room else ("" if context.outgoing else box.get("fullname") or "")
        return ShownMessage(stanza.get("id") or "", context.sender, "", context.time or datetime.now(UTC),
                            context.outgoing, sender_name=name, stanza_id=context.stanza_id,
                            origin_id=(origin.get("id") or "") if origin is not None else "",
                            archived=context.source == "archive", extras={RETRACTED: True})

    # -- sent ------------------------------------------------------------------------------------
    def retract(self, box: ChatBox, msg_id: Any) -> ShownMessage:
        """Retract the user's message ``msg_id`` (its id, origin-id or stanza-id) in ``box``: send
        the retraction and show the tombstone. Returns the tombstone; raises ``ConverseError`` for
        a message that is not the user's, unknown, already retracted, or (in a room) not confirmed
        by the room yet.

        JS: ``_converse.api.chats.get('bob@localhost').model.retract(id)``
        Python: ``api.chats.get("bob@localhost").retract(message.id)``
        """
        if not isinstance(msg_id, str) or not msg_id:
            raise ConverseError("retract: expected the id of one of your messages")
        message = box.find_target(msg_id)
        if message is None or message.kind != "message" or not message.outgoing:
            raise ConverseError(f"retract: no message of yours with id {msg_id!r} here")
        if is_retracted(message):
            raise ConverseError("retract: that message is already retracted")
        room = box.get("type") == "chatroom"
        target = message.stanza_id if room else (message.origin_id or message.id)
        if not target:
            raise ConverseError("retract: the room has not confirmed that message yet; try again in a moment")
        self._converse.session.send_element(retraction(box.get("jid"), target, groupchat=room))
        extras = {k: v for k, v in message.extras.items() if k != CONFIRMING}
        tombstone = box.update_message(message, body="", extras={**extras, RETRACTED: True})
        self._converse.trigger("messageRetracted", box, tombstone)
        return tombstone

    # -- the row -------------------------------------------------------------------------------
    def action_buttons(self, context: Any, buttons: list[Any]) -> list[Any]:
        message = context["message"]
        if not isinstance(message, ShownMessage) or not message.outgoing or message.kind != "message" \
                or is_retracted(message):
            return buttons
        return [*buttons, {"name": "retract", "label": _("Retract"), "icon": "🗑", "handler": self.ask}]

    def ask(self, box: ChatBox, message: ShownMessage) -> None:
        """The Retract action: the row asks to confirm."""
        current = box.find_target(message.stanza_id or message.origin_id or message.id)
        if current is not None and not is_retracted(current):
            box.update_message(current, extras={**current.extras, CONFIRMING: True})

    def parts(self, context: Any, parts: MessageParts) -> MessageParts:
        message = context["message"]
        extras = message.extras
        if extras.get(RETRACTED):
            parts.body = tag("span", {"class": "cpy-tombstone"}, tombstone_text(message))
            parts.classes.append("cpy-retracted")
        elif extras.get(CONFIRMING):
            parts.after.append(confirm_group(_("Retract this message?"), _("Retract this message for everyone?"),
                                             _("Retract"), "retract"))
        return parts

    def on_part_clicked(self, box: ChatBox, message: ShownMessage, name: str) -> None:
        if name == "retract-confirm":
            self.retract(box, message.stanza_id or message.origin_id or message.id)
        elif name == "retract-cancel":
            box.update_message(message, extras={k: v for k, v in message.extras.items() if k != CONFIRMING})
