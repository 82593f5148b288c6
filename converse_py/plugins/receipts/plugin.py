"""XEP-0184 delivery receipts in one-to-one chats.

Outgoing chat messages ask for a receipt; an incoming message asking for one is answered with
``<received/>`` to the sender's full JID (setting ``send_delivery_receipts``), except a groupchat
or error message, a carbon (the user's client that received it answers) or an archived one (not
delivered now). An incoming receipt from the contact marks the matching outgoing message
``delivered`` (the view shows ✓).

Declares ``messageDelivered`` and ``send_delivery_receipts`` in ``ReceiptsPlugin``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...core.settings import Setting
from ..chats.models import ChatBox
from ..chats.plugin import ChatsState
from ..chats.stanzas import unwrap_message
from .stanzas import add_request, receipt, received_id, wants_receipt

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
        converse.get(ChatsState).stanza_decorators.append(self.decorate)
        converse.session.add_handler("message", self.on_message)

    @staticmethod
    def decorate(_box: ChatBox, stanza: ET.Element) -> None:
        add_request(stanza)

    def on_message(self, stanza: ET.Element) -> None:
        converse = self._converse
        own = own_bare(converse.session)
        unwrapped = unwrap_message(stanza, own)
        if unwrapped is None:
            return
        kind, msg, sender = unwrapped
        if sender.bare == own:
            return
        if kind == "direct" and wants_receipt(msg) and converse.settings.get("send_delivery_receipts"):
            converse.session.send_element(receipt(sender.full, msg.get("id") or ""))
        confirmed = received_id(msg)
        if confirmed and kind != "sent":
            self.delivered(sender.bare, confirmed)

    def delivered(self, contact: str, msg_id: str) -> None:
        """``contact`` confirmed the user's message ``msg_id``: mark it (unknown ids are ignored)."""
        converse = self._converse
        box = converse.get(ChatsState).boxes.get(contact)
        own = own_bare(converse.session)
        message = box.find_message(msg_id, own) if box is not None else None
        if box is None or message is None or not message.outgoing or message.delivered:
            return
        converse.trigger("messageDelivered", box, box.update_message(message, delivered=True))
