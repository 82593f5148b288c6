"""XEP-0461 message replies with the XEP-0428 fallback, pure.

A reply names the message it answers (``<reply to=… id=…/>``; the id is the room's stanza-id in a
room, the origin-id or id in a one-to-one chat) and starts its body with a quote of it for clients
without XEP-0461, marked as a fallback by character range (counted in Unicode code points, as
Python counts a ``str``).

>>> from converse_py.xmpp.stanza import parse
>>> reply = parse('<message xmlns="jabber:client" to="anna@example.com" id="message-id2" type="chat">'
...               '<body>&gt; Anna wrote:\\n&gt; We should bake a cake\\nGreat idea!</body>'
...               '<reply to="anna@example.com/tablet" id="message-id1" xmlns="urn:xmpp:reply:0"/>'
...               '<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0">'
...               '<body start="0" end="38"/></fallback></message>')
>>> parse_reply(reply)
Reply(to='anna@example.com/tablet', id='message-id1')
>>> strip_fallback(reply.findtext("{jabber:client}body"), fallback_ranges(reply, REPLY))
'Great idea!'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import NamedTuple

from ...xmpp.stanza import find_all, find_child, sub

REPLY = "urn:xmpp:reply:0"
FALLBACK = "urn:xmpp:fallback:0"
#: How much of the original a sent fallback quotes (code points; longer is cut with "…").
QUOTE_CHARS = 200


class Reply(NamedTuple):
    """What a reply names: ``to`` (the original's author, a JID or occupant JID; may be empty)
    and ``id`` (the original's id)."""

    to: str
    id: str


def parse_reply(stanza: ET.Element) -> Reply | None:
    """The ``<reply/>`` of ``stanza`` (None when there is none or it names no id)."""
    element = find_child(stanza, REPLY, "reply")
    if element is None or not element.get("id"):
        return None
    return Reply(element.get("to") or "", element.get("id") or "")


def fallback_ranges(stanza: ET.Element, for_ns: str) -> list[tuple[int, int]] | None:
    """The body ranges (start, end: code points, end excluded) that ``stanza``'s XEP-0428
    fallback for ``for_ns`` covers; None when there is no such fallback or any of its ranges is
    malformed (not numbers, end before start). A ``<body/>`` without a range covers all of it:
    ``(0, -1)``."""
    ranges: list[tuple[int, int]] = []
    seen = False
    for fallback in find_all(stanza, FALLBACK, "fallback"):
        if fallback.get("for") != for_ns:
            continue
        seen = True
        for body in find_all(fallback, FALLBACK, "body"):
            start, end = body.get("start"), body.get("end")
            if start is None and end is None:
                ranges.append((0, -1))
                continue
            try:
                first, last = int(start or ""), int(end or "")
            except ValueError:
                return None
            if first < 0 or last < first:
                return None
            ranges.append((first, last))
    return ranges if seen else None


def strip_fallback(body: str | None, ranges: list[tuple[int, int]] | None) -> str | None:
    """``body`` without the fallback ``ranges``; ``body`` whole when the ranges are absent, out
    of bounds or overlapping (a hostile or broken range hides nothing).

    >>> strip_fallback("> 🎂 cake\\nyes", [(0, 9)]), strip_fallback("short", [(0, 99)])
    ('yes', 'short')
    >>> strip_fallback("abcdef", [(0, 3), (2, 4)]), strip_fallback("abc", [(0, -1)])
    ('abcdef', '')
    """
    if body is None or not ranges:
        return body
    spans = sorted((0, len(body)) if end == -1 else (start, end) for start, end in ranges)
    kept, position = [], 0
    for start, end in spans:
        if start < position or end > len(body):
            return body
        kept.append(body[position:start])
        position = end
    kept.append(body[position:])
    return "".join(kept)


def quote_fallback(author: str, text: str) -> str:
    """The fallback a reply's body starts with: ``> author:`` and the original's lines quoted.

    >>> quote_fallback("Anna", "We should\\nbake a cake")
    '> Anna:\\n> We should\\n> bake a cake\\n'
    """
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS] + "…"
    lines = [f"> {author}:"] if author else []
    lines += ["> " + line for line in text.splitlines() or [""]]
    return "\n".join(lines) + "\n"


def add_reply(stanza: ET.Element, reply: Reply, fallback: str) -> ET.Element:
    """Mark ``stanza`` (a message with a body) as a reply to ``reply``: its body gets
    ``fallback`` in front, and the fallback element names its range (XEP-0461 Example 1)."""
    if not reply.id:
        raise ValueError("a reply needs the id of the message it answers")
    body = find_child(stanza, "jabber:client", "body")
    if body is None:
        raise ValueError("a reply needs a body")
    body.text = fallback + (body.text or "")
    sub(stanza, "reply", {"to": reply.to or None, "id": reply.id}, xmlns=REPLY)
    if fallback:
        marker = sub(stanza, "fallback", {"for": REPLY}, xmlns=FALLBACK)
        sub(marker, "body", {"start": "0", "end": str(len(fallback))}, xmlns=FALLBACK)
    return stanza
