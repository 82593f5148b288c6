"""Chat message stanzas (RFC 6121 §5), pure.

>>> from converse_py.xmpp.stanza import parse
>>> m = parse_message(parse('<message xmlns="jabber:client" from="bob@localhost/phone" type="chat" id="x">'
...                         '<body>&lt;b&gt;hi&lt;/b&gt;</body></message>'))
>>> m.sender.bare, m.body
('bob@localhost', '<b>hi</b>')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, UTC

from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import MAX_STANZA_CHARS, child_text, find, iq, message, sub
from ..corrections.stanzas import replace_id

#: Longest body kept: nothing is cut (a body is never longer than the stanza that carries it, and
#: the stanza parser refuses stanzas over ``MAX_STANZA_CHARS``: those are reported as "a message
#: too large to show" instead). Long bodies are shown collapsed (dom/templates.py ``SOFT_BODY``).
MAX_BODY = MAX_STANZA_CHARS


@dataclass(frozen=True)
class ChatMessage:
    """A chat message as the UI needs it."""

    sender: JID
    to: str
    type: str
    body: str
    id: str
    time: datetime
    delayed: bool
    stanza_id: str = ""  # XEP-0359 stanza-id set by the user's own server (empty when not trusted)
    origin_id: str = ""  # XEP-0359 origin-id set by the sending client
    replace_id: str = ""  # XEP-0308: the id of the message this one corrects


def parse_message(stanza: ET.Element, *, now: datetime | None = None, own: str | None = None) -> ChatMessage | None:
    """A chat/normal message with a body; None for anything else (receipts, states, errors, bad from).

    A ``<stanza-id/>`` counts only when its ``by`` is ``own`` (the user's bare JID): anyone else's
    claim could be forged by the sender to hide a message behind an archived one.
    """
    kind = stanza.get("type") or "normal"
    if kind not in ("chat", "normal"):
        return None
    body = child_text(stanza, ns.CLIENT, "body")
    if body is None or not body.strip():
        return None
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    stamp, delayed = now or datetime.now(UTC), False
    delay = find(stanza, ns.DELAY, "delay")
    if delay is not None:
        parsed = parse_stamp(delay.get("stamp") or "")
        if parsed is not None:
            stamp, delayed = parsed, True
    return ChatMessage(sender, stanza.get("to") or "", kind, body[:MAX_BODY], stanza.get("id") or "",
                       stamp, delayed, stanza_id(stanza, own) if own else "", origin_id(stanza),
                       replace_id(stanza))


def stanza_id(stanza: ET.Element, by: str) -> str:
    """The XEP-0359 stanza-id that ``by`` stamped on ``stanza`` (empty when none)."""
    for sid in stanza.findall(f"{{{ns.SID}}}stanza-id"):
        if (sid.get("by") or "").lower() == by.lower() and sid.get("id"):
            return sid.get("id") or ""
    return ""


def origin_id(stanza: ET.Element) -> str:
    """The XEP-0359 origin-id of ``stanza`` (empty when none)."""
    oid = find(stanza, ns.SID, "origin-id")
    return (oid.get("id") or "") if oid is not None else ""


def parse_stamp(text: str) -> datetime | None:
    """XEP-0082 date-time → aware datetime (None when malformed)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def chat_message(to: str, body: str) -> ET.Element:
    """An outgoing ``<message type="chat">`` with a body, a fresh id, the same id as XEP-0359
    origin-id (so the archived copy is recognised)."""
    msg = message(to=to, type_="chat", body=body)
    sub(msg, "origin-id", {"id": msg.get("id")}, xmlns=ns.SID)
    return msg


CARBONS = "urn:xmpp:carbons:2"
FORWARD = "urn:xmpp:forward:0"


def carbons_enable() -> ET.Element:
    """Ask the server for copies of the user's other clients' chats (XEP-0280 §4)."""
    request = iq("set")
    sub(request, "enable", xmlns=CARBONS)
    return request


def parse_carbon(stanza: ET.Element, own: str) -> tuple[str, ET.Element] | None:
    """``("sent" | "received", forwarded message)`` of a XEP-0280 carbon, or None.

    Only the user's own account may send carbons (§11): any other ``from`` is a forgery.

    >>> from converse_py.xmpp.stanza import parse
    >>> carbon = parse('<message xmlns="jabber:client" from="romeo@montague.example" type="chat">'
    ...     '<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">'
    ...     '<message xmlns="jabber:client" to="juliet@capulet.example/balcony" from="romeo@montague.example/home"'
    ...     ' type="chat"><body>Neither, fair saint</body></message></forwarded></sent></message>')
    >>> kind, inner = parse_carbon(carbon, "romeo@montague.example")
    >>> kind, inner.get("to")
    ('sent', 'juliet@capulet.example/balcony')
    >>> parse_carbon(carbon, "mallory@evil.example") is None
    True
    """
    for kind in ("sent", "received"):
        wrapper = find(stanza, CARBONS, kind)
        if wrapper is None:
            continue
        try:
            sender = JID.parse(stanza.get("from") or "")
        except ValueError:
            return None
        if sender.full != own:
            return None
        forwarded = find(wrapper, FORWARD, "forwarded")
        inner = find(forwarded, ns.CLIENT, "message") if forwarded is not None else None
        return (kind, inner) if inner is not None else None
    return None


def unwrap_carbon(stanza: ET.Element, own: str) -> tuple[str, ET.Element] | None:
    """``("direct", stanza)`` for a message that is no carbon, ``("sent" | "received", inner)`` for a
    carbon of the user's account (see ``parse_carbon``), None for a forged carbon.

    >>> from converse_py.xmpp.stanza import parse
    >>> unwrap_carbon(parse('<message xmlns="jabber:client" from="bob@localhost/x"/>'), "alice@localhost")[0]
    'direct'
    """
    if any(find(stanza, CARBONS, kind) is not None for kind in ("sent", "received")):
        return parse_carbon(stanza, own)
    return ("direct", stanza)
