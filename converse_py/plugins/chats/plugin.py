"""Chats plugin: incoming chat messages open a chat box; boxes send messages.

Events: ``message`` (the stanza, for every incoming message stanza), ``messageSend``
(the sent stanza), ``chatBoxOpened``/``chatBoxClosed``/``chatBoxMinimized``/``chatBoxMaximized``
(the box).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

from ...core.converse import Converse
from ...xmpp.jid import JID
from .api import ChatsAPI
from .models import ChatBox, ShownMessage
from .stanzas import chat_message, parse_message


class ChatsState:
    """Chat boxes of one client, by bare JID."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.boxes: dict[str, ChatBox] = {}

    def open(self, jid: str) -> ChatBox:
        """The box for ``jid``, created or re-opened (and maximized) as needed."""
        box = self.boxes.get(jid)
        if box is None:
            contact = getattr(self.converse, "roster", None)
            fullname = ""
            if contact is not None and jid in contact.contacts:
                fullname = contact.contacts[jid].get("fullname")
            box = self.boxes[jid] = ChatBox(jid, fullname)
            box.sender = self.send
            box.closer = self.close
            box.on_change(self._on_box_change)
            self.converse.trigger("chatBoxOpened", box)
        elif box.get("closed"):
            box.set("closed", False)
            self.converse.trigger("chatBoxOpened", box)
        return box

    def close(self, box: ChatBox) -> None:
        if not box.get("closed"):
            box.set("closed", True)
            self.converse.trigger("chatBoxClosed", box)

    def send(self, box: ChatBox, text: str) -> ShownMessage:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("a message needs some text")
        stanza = chat_message(box.get("jid"), text)
        self.converse.session.send_element(stanza)
        own = self.converse.session.jid or ""
        shown = ShownMessage(stanza.get("id") or "", JID.parse(own).bare if own else "", text,
                             datetime.now(timezone.utc), outgoing=True)
        box.add_messages([shown])
        self.converse.trigger("messageSend", stanza)
        return shown

    def _on_box_change(self, box: Any, changed: dict[str, Any]) -> None:
        if "focus_requests" in changed:
            self.converse.trigger("chatBoxFocused", box)
        if "minimized" in changed:
            self.converse.trigger("chatBoxMinimized" if changed["minimized"] else "chatBoxMaximized", box)


class ChatsPlugin:
    """Registered as the core plugin ``converse-chats``."""

    _converse: Converse

    def initialize(self) -> None:
        converse = self._converse
        self.state = ChatsState(converse)
        converse.chats = self.state  # type: ignore[attr-defined]
        converse.api.chats = ChatsAPI(self.state)  # type: ignore[attr-defined]
        converse.session.add_handler("message", self.on_message)
        converse.trigger("chatBoxesFetched")

    def on_message(self, stanza: ET.Element) -> None:
        converse = self._converse
        converse.trigger("message", stanza)
        parsed = parse_message(stanza)
        if parsed is None:
            return
        box = self.state.open(parsed.sender.bare)
        box.add_messages([ShownMessage(parsed.id, parsed.sender.bare, parsed.body, parsed.time,
                                       outgoing=False, sender_name=box.get("fullname"))])
