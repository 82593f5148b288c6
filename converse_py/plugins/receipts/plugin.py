"""XEP-0184 delivery receipts in one-to-one chats.

Outgoing chat messages ask for a receipt; an incoming message asking for one is answered with
``<received/>`` to the sender's full JID (setting ``send_delivery_receipts``), except a groupchat
or error message, a carbon (the user's client that received it answers) or an archived one (not
delivered now). An incoming receipt from the contact marks the matching outgoing message
``delivered`` (the view shows ✓). The ids so marked are kept in tab storage (``tick_store``): after a
reload, the same messages loaded from the archive show ✓ again.

Declares ``messageDelivered`` and ``send_delivery_receipts`` in ``ReceiptsPlugin``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...core.settings import Setting
from ..chats.hooks import OutgoingMessage, ParsedMessage
from ..chats.models import ChatBox, ShownMessage
from ..chats.plugin import ChatsState
from ..mam.plugin import MamState
from .stanzas import add_request, receipt, received_id, wants_receipt
from .tick_store import TickStore

class ReceiptsPlugin(Plugin):
    """XEP-0184 delivery receipts in one-to-one chats."""

    name = "converse-receipts"
    dependencies = ("converse-chats",)
    settings = {
        "send_delivery_receipts": Setting(True, (bool,), "XEP-0184: confirm a contact's message when it "
                                          "arrives, if they asked for a receipt (receipts for the user's own "
                                          "messages are always asked for and shown)."),
    }
    events = {
        "messageDelivered": EventDoc("the chat box, the message", "the contact's client confirmed it received "
                                     "one of the user's messages (XEP-0184 receipt); message.delivered is true"),
    }
    features = ("urn:xmpp:receipts",)

    def initialize(self) -> None:
        converse = self._converse
        self.ticks = TickStore(converse.platform, "delivered")
        listen = converse.api.listen
        listen.on("createMessageStanza", self.decorate)
        listen.on("parseMessage", self.parse)
        listen.on("incomingMessage", self.on_message)
        listen.on("beforeMessageShown", self.restore_tick)
        listen.on("logout", self.forget_ticks)
        if converse.find(MamState) is not None:  # archive pages exist only with converse-mam
            listen.on("archivedMessage", self.archived)
        converse.provide(self)  # the markers plugin marks <received/> markers through it

    def archived(self, message: ET.Element, _result: ET.Element) -> None:
        """Event ``archivedMessage``: a receipt the contact sent, found in an archive page (Prosody
        keeps receipts), gives the user's message its ✓ when that page is shown."""
        own = own_bare(self._converse.session)
        sender = (message.get("from") or "").partition("/")[0].lower()
        confirmed = received_id(message)
        if own and confirmed and sender and sender != own:
            self.ticks.add(own, sender, [confirmed])

    @staticmethod
    def decorate(box: ChatBox, outgoing: OutgoingMessage) -> None:
        if box.get("type") == "chatroom":  # XEP-0184 §5.3: no receipts in groupchat
            return
        for stanza in outgoing.body_stanzas():
            add_request(stanza)

    @staticmethod
    def parse(_stanza: ET.Element, parsed: ParsedMessage) -> None:
        """Fields: ``receipt_request`` (a live message asks for a receipt), ``receipt_for`` (the id
        this message confirms, or None)."""
        msg = parsed.message
        parsed.fields["receipt_request"] = parsed.kind == "direct" and wants_receipt(msg)
        parsed.fields["receipt_for"] = received_id(msg)

    def on_message(self, parsed: ParsedMessage) -> None:
        if parsed.from_self:
            return
        converse = self._converse
        sender = parsed.sender
        if parsed.get("receipt_request") and converse.settings.get("send_delivery_receipts"):
            converse.session.send_element(receipt(sender.full, parsed.id))
        confirmed = parsed.get("receipt_for")
        if confirmed:
            self.delivered(sender.bare, confirmed)

    def delivered(self, contact: str, msg_id: str) -> None:
        """``contact`` confirmed the user's message ``msg_id``: mark it (unknown ids are ignored)."""
        converse = self._converse
        box = converse.get(ChatsState).boxes.get(contact)
        own = own_bare(converse.session)
        message = box.find_message(msg_id, own) if box is not None else None
        if box is None or message is None or not message.outgoing or message.delivered:
            return
        if own:
            self.ticks.add(own, contact, [message.id])
        converse.trigger("messageDelivered", box, box.update_message(message, delivered=True))

    def restore_tick(self, box: ChatBox, message: ShownMessage) -> ShownMessage | None:
        """Hook ``beforeMessageShown``: a message of the user confirmed before (this page or the
        one before a reload) shows ✓ when it is shown again from the archive."""
        if not message.outgoing or message.delivered:
            return None
        own = own_bare(self._converse.session)
        if own and self.ticks.has(own, box.get("jid"), message.id):
            return replace(message, delivered=True)
        return None

    def forget_ticks(self, *_: Any) -> None:
        own = own_bare(self._converse.session)
        if own:
            self.ticks.drop(own)
