"""What the chats plugin's hooks hand to listeners: the message being sent, the message received.

Python and JS listeners get the same things (``api.listen.on(name, fn)``; ``fn(context, data)``):

- ``beforeMessageSend`` (the chat box or room, an ``OutgoingMessage``): rewrite ``data.text``,
  ``data.cancel()`` the send, or ``data.reply(text)`` (show ``text`` as a local info line in the box
  instead of sending);
- ``createMessageStanza`` (the chat box, an ``OutgoingMessage``): ``data.stanzas`` are what will be
  sent; add elements to them (receipt requests, markers) or replace them (OTR ciphertext);
- ``parseMessage`` (the stanza as received, a ``ParsedMessage``): add fields (``data.fields``; JS:
  properties of the data) that later listeners and the ``incomingMessage`` event read.

>>> from converse_py.plugins.chats.models import ChatBox
>>> out = OutgoingMessage(ChatBox("bob@localhost"), "hi")
>>> out.text = out.text.upper(); out.reply("not sent")
>>> out.text, out.cancelled, out.replies
('HI', True, ['not sent'])
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from ...xmpp.jid import JID
from ...xmpp.stanza import local_name
from .models import ShownMessage
from .stanzas import ChatMessage, parse_message, unwrap_carbon


@dataclass(eq=False)
class OutgoingMessage:
    """A message the user is about to send: ``text`` (rewritable), ``box`` (the chat box or room),
    ``cancelled`` (``cancel()``), ``replies`` (local info lines ``reply(text)`` asked for: the text
    is then not sent), ``stanzas`` (what ``createMessageStanza`` listeners build and send) and
    ``correcting`` (the id of the message this one corrects, XEP-0308, or empty)."""

    box: Any
    text: str
    cancelled: bool = False
    replies: list[str] = field(default_factory=list)
    stanzas: list[ET.Element] = field(default_factory=list)
    correcting: str = ""
    refusal: Exception | None = None

    def refuse(self, error: Exception) -> None:
        """Do not send, and raise ``error`` to whoever asked to send (a ``createMessageStanza``
        listener's way to refuse, e.g. OTR when the text would go in the clear)."""
        self.refusal = error
        self.cancelled = True

    def cancel(self) -> None:
        """Do not send this message (nothing is shown)."""
        self.cancelled = True

    def reply(self, text: str) -> None:
        """Show ``text`` in the box as a local info line (never sent) and do not send the message."""
        if not isinstance(text, str):
            raise TypeError(f"reply: expected the text to show, got {type(text).__name__}")
        self.replies.append(text)
        self.cancelled = True

    def body_stanzas(self) -> list[ET.Element]:
        """The stanzas that carry a ``<body/>`` (the ones a message decoration belongs on)."""
        return [s for s in self.stanzas if any(local_name(child.tag) == "body" for child in s)]

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: ``{text, box, cancelled, cancel(), reply(text)}``; a changed ``text`` is
        read back after the listener returns (``js_read_back``)."""
        obj = bridge.to_js({"text": self.text})
        obj.box = bridge.to_js(self.box)
        obj.cancel = bridge.method(self.cancel)
        obj.reply = bridge.method(self.reply)
        bridge.helpers.getter(obj, "cancelled", bridge.proxies.keep(lambda: self.cancelled))
        return obj

    def js_read_back(self, values: dict[str, Any]) -> None:
        """Take what a JS listener changed on the facade (its ``text``)."""
        text = values.get("text")
        if isinstance(text, str):
            self.text = text


@dataclass(eq=False)
class ParsedMessage:
    """An incoming message stanza, parsed once for every plugin.

    ``stanza`` is the stanza as received; ``message`` the message it carries (the forwarded one of
    a carbon, else ``stanza``); ``kind`` is ``"direct"``, or ``"sent"`` / ``"received"`` for a
    XEP-0280 carbon of the user's account; ``sender`` the JID the message is from; ``own`` the
    user's bare JID; ``chat`` the chat message as shown (None when it is no chat/normal message
    with a body); ``fields``: what ``parseMessage`` listeners added (e.g. ``chat_state``,
    ``receipt_for``, ``displayed_id``)."""

    stanza: ET.Element
    message: ET.Element
    kind: str
    sender: JID
    own: str
    chat: ChatMessage | None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        """The message's type attribute (``normal`` when absent)."""
        return self.message.get("type") or "normal"

    @property
    def id(self) -> str:
        return self.message.get("id") or ""

    @property
    def from_self(self) -> bool:
        """Sent by one of the user's own clients (a sent carbon, or a message to oneself)."""
        return self.kind == "sent" or self.sender.bare == self.own

    def get(self, name: str, default: Any = None) -> Any:
        """A field a ``parseMessage`` listener added (``default`` when none did)."""
        return self.fields.get(name, default)

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: the message's attributes as a plain object (``stanza`` and ``message``
        as DOM elements, ``body`` the text or null) plus the fields listeners added; new or
        changed properties are read back into ``fields`` (``js_read_back``)."""
        chat = self.chat
        return bridge.to_js({
            "kind": self.kind, "from": self.sender.full, "sender": self.sender.bare, "type": self.type,
            "id": self.id, "body": chat.body if chat is not None else None,
            "time": chat.time.isoformat() if chat is not None else None,
            "stanza": self.stanza, "message": self.message, **self.fields})

    CORE_KEYS: ClassVar[frozenset[str]] = frozenset({"kind", "from", "sender", "type", "id", "body", "time", "stanza", "message"})

    def js_read_back(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key not in self.CORE_KEYS:
                self.fields[key] = value


def before_send(converse: Any, box: Any, text: Any, correcting: str = "") -> OutgoingMessage | None:
    """Run ``beforeMessageSend`` over what the user wants to send to ``box``; the message to send,
    or None when a listener cancelled it (its local replies are shown in the box then)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a message needs some text")
    outgoing = OutgoingMessage(box, text, correcting=correcting)
    result = converse.hook("beforeMessageSend", box, outgoing)
    if isinstance(result, OutgoingMessage):
        outgoing = result
    for reply in outgoing.replies:
        box.add_info(reply)
    if outgoing.cancelled:
        return None
    if not isinstance(outgoing.text, str) or not outgoing.text.strip():
        raise ValueError("a message needs some text (a beforeMessageSend listener left none)")
    return outgoing


def shown_or_none(original: ShownMessage, result: Any) -> ShownMessage | None:
    """What a ``beforeMessageShown`` hook run decided: the message to show, or None (a listener
    returned false). A JS listener's plain object counts by its ``body``.

    >>> from datetime import datetime, UTC
    >>> m = ShownMessage("m1", "bob@localhost", "?OTR:x", datetime.now(UTC), False)
    >>> shown_or_none(m, {"body": "hi"}).body, shown_or_none(m, False), shown_or_none(m, m) is m
    ('hi', None, True)
    """
    if result is False:
        return None
    if isinstance(result, ShownMessage):
        return result
    if isinstance(result, dict) and isinstance(result.get("body"), str):
        return replace(original, body=result["body"])
    return original


def parse_incoming(stanza: ET.Element, own: str | None) -> ParsedMessage | None:
    """Parse an incoming message stanza once (pure): unwrap a carbon, read the sender and, for a
    chat/normal message with a body, the chat message. None before log-in (``own`` None), for a
    forged carbon, or when the sender is no JID.

    >>> from converse_py.xmpp.stanza import parse
    >>> parsed = parse_incoming(parse('<message xmlns="jabber:client" from="bob@localhost/x" type="chat">'
    ...                               '<body>hi</body></message>'), "alice@localhost")
    >>> parsed.kind, parsed.sender.bare, parsed.chat.body, parsed.from_self
    ('direct', 'bob@localhost', 'hi', False)
    """
    if not own:
        return None
    unwrapped = unwrap_carbon(stanza, own)
    if unwrapped is None:
        return None
    kind, msg = unwrapped
    try:
        sender = JID.parse(msg.get("from") or "")
    except ValueError:
        return None
    return ParsedMessage(stanza, msg, kind, sender, own, parse_message(msg, own=own))


__all__ = ["OutgoingMessage", "ParsedMessage", "before_send", "parse_incoming", "shown_or_none"]
