"""XEP-0184 delivery receipts in one-to-one chats.

Outgoing chat messages ask for a receipt; an incoming message asking for one is answered with
``<received/>`` to the sender's full JID (setting ``send_delivery_receipts``), except a groupchat
or error message, a carbon (the user's client that received it answers) or an archived one (not
delivered now). An incoming receipt from the contact marks the matching outgoing message
``delivered`` (the view shows ✓).

Events: ``messageDelivered`` (the chat box, the message).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...core.converse import Converse
from ...core.session import own_bare
from ...core.settings import Setting
from ..chats.hooks import OutgoingMessage, ParsedMessage
from ..chats.models import ChatBox
from .stanzas import add_request, receipt, received_id, wants_receipt

SETTINGS = {
    "send_delivery_receipts": Setting(True, (bool,), "XEP-0184: confirm a contact's message when it "
                                      "arrives, if they asked for a receipt (receipts for the user's own "
                                      "messages are always asked for and shown)."),
}


class ReceiptsPlugin:
    """Registered as the core plugin ``converse-receipts``."""

    _converse: Converse

    def initialize(self) -> None:
        converse = self._converse
        converse.settings.extend(SETTINGS)
        listen = converse.api.listen
        listen.on("createMessageStanza", self.decorate)
        listen.on("parseMessage", self.parse)
        listen.on("incomingMessage", self.on_message)

    @staticmethod
    def decorate(_box: ChatBox, outgoing: OutgoingMessage) -> None:
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
        box = converse.chats.boxes.get(contact)  # type: ignore[attr-defined]
        own = own_bare(converse.session)
        message = box.find_message(msg_id, own) if box is not None else None
        if message is None or not message.outgoing or message.delivered:
            return
        converse.trigger("messageDelivered", box, box.update_message(message, delivered=True))
