"""XEP-0372 mention references: reading them from a message, writing them for the nicks named in
a text, and telling whether a message mentions the user. Pure functions (no page, no network).

Offsets count Unicode code points (XEP-0426), as Python's ``str`` indexes do; ``begin`` is
inclusive and ``end`` exclusive (the XEP's Dijkstra convention).

>>> from converse_py.xmpp.stanza import parse
>>> stanza = parse('<message xmlns="jabber:client"><body>Hello Juliet</body>'
...                '<reference xmlns="urn:xmpp:reference:0" begin="6" end="12" type="mention" '
...                'uri="xmpp:juliet@capulet.lit"/></message>')
>>> [(m.begin, m.end, m.jid) for m in read_mentions(stanza, "Hello Juliet")]
[(6, 12, 'juliet@capulet.lit')]
>>> [(m.begin, m.end, m.jid) for m in find_mentions("@bob 👋 and @Al Cat, hi", ["Al Cat", "bob"], "r@muc.localhost")]
[(1, 4, 'r@muc.localhost/bob'), (12, 18, 'r@muc.localhost/Al Cat')]
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REFERENCE = "urn:xmpp:reference:0"
#: At most this many references of a message are read (a hostile one may carry thousands).
MAX_REFERENCES = 50


@dataclass(frozen=True)
class Mention:
    """A mention in a message body: ``body[begin:end]`` (code points) names ``jid`` (an occupant
    JID ``room@service/nick`` or a bare JID); ``me`` when that is the user."""

    begin: int
    end: int
    jid: str
    me: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"begin": self.begin, "end": self.end, "jid": self.jid, "uri": "xmpp:" + self.jid, "me": self.me}


def _jid_of(uri: str) -> str:
    """The JID of an ``xmpp:`` URI ('' for any other scheme or a query part)."""
    if not uri.startswith("xmpp:"):
        return ""
    jid = uri[5:].split("?", 1)[0]
    bare = jid.partition("/")[0]
    if not bare or "@" not in bare or any(c.isspace() or not c.isprintable() for c in bare):
        return ""
    return jid


def read_mentions(stanza: ET.Element, body: str) -> list[Mention]:
    """The mention references of ``stanza`` that fit ``body``: a reference with a missing, negative,
    out-of-range or empty span, one overlapping an earlier one, or a uri that is not ``xmpp:``
    is ignored. Sorted by ``begin``.

    >>> from converse_py.xmpp.stanza import parse
    >>> bad = parse('<message xmlns="jabber:client"><reference xmlns="urn:xmpp:reference:0" type="mention" '
    ...             'begin="0" end="99" uri="xmpp:a@b"/><reference xmlns="urn:xmpp:reference:0" type="mention" '
    ...             'begin="0" end="2" uri="https://evil.example/"/></message>')
    >>> read_mentions(bad, "hi there")
    []
    """
    found: list[Mention] = []
    for child in list(stanza)[:500]:
        if child.tag != f"{{{REFERENCE}}}reference" or child.get("type") != "mention":
            continue
        if len(found) >= MAX_REFERENCES:
            break
        jid = _jid_of(child.get("uri") or "")
        try:
            begin, end = int(child.get("begin") or ""), int(child.get("end") or "")
        except ValueError:
            continue
        if not jid or not 0 <= begin < end <= len(body):
            continue
        if any(begin < m.end and m.begin < end for m in found):
            continue
        found.append(Mention(begin, end, jid))
    return sorted(found, key=lambda m: m.begin)


def find_mentions(text: str, nicks: Iterable[str], room: str) -> list[Mention]:
    """The ``@nick`` mentions in ``text`` of the given ``nicks`` (an ``@`` at the start or after a
    space or punctuation; the nick not followed by a letter or digit), longest nick first where
    two could match; the span covers the nick (not the ``@``) and names ``room/nick``."""
    ordered = sorted({n for n in nicks if n}, key=len, reverse=True)
    if "@" not in text or not ordered:
        return []
    found: list[Mention] = []
    for at in (i for i, c in enumerate(text) if c == "@"):
        if at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_"):
            continue  # an e-mail address, not a mention
        rest = text[at + 1:]
        for nick in ordered:
            if rest.startswith(nick) and not (len(rest) > len(nick) and (rest[len(nick)].isalnum()
                                                                          or rest[len(nick)] == "_")):
                found.append(Mention(at + 1, at + 1 + len(nick), f"{room}/{nick}"))
                break
    return found


def reference_element(mention: Mention) -> ET.Element:
    """``<reference xmlns='urn:xmpp:reference:0' type='mention' begin end uri/>`` for ``mention``."""
    return ET.Element(f"{{{REFERENCE}}}reference", {"type": "mention", "begin": str(mention.begin),
                                                    "end": str(mention.end), "uri": "xmpp:" + mention.jid})


def is_own(jid: str, room: str, nick: str, own_bare: str) -> bool:
    """Whether ``jid`` names the user: their occupant JID in ``room`` (room part in any case) or
    their bare JID.

    >>> is_own("R@muc.localhost/alice", "r@muc.localhost", "alice", "alice@localhost")
    True
    """
    bare, _, resource = jid.partition("/")
    if resource:
        return bool(nick) and bare.lower() == room.lower() and resource == nick
    return bool(own_bare) and bare.lower() == own_bare.lower()


def names_nick(body: str, nick: str) -> list[tuple[int, int]]:
    """Where ``body`` names ``nick`` as a word (not inside another word), ignoring case.

    >>> names_nick("@Alice: look, alice", "alice"), names_nick("malice", "alice"), names_nick("hi", "")
    ([(1, 6), (14, 19)], [], [])
    """
    if not nick or not body:
        return []
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(nick)}(?!\w)", body, re.IGNORECASE)]


def mentions_user(body: str, nick: str, mentions: Sequence[Mention | Mapping[str, Any]] | None = None) -> bool:
    """THE mention detection of converse-py: whether a room message mentions the user.

    ``mentions`` are the message's parsed references (``message.extras["mentions"]``, set by the
    mentions plugin, each marked ``me``): when it has references, they decide; without any (None,
    or the mentions plugin not loaded) the user's ``nick`` named as a word in ``body`` counts.

    >>> mentions_user("hi alice", "alice"), mentions_user("hi alice", "alice", [Mention(3, 8, "r@m/bob")])
    (True, False)
    """
    if mentions:
        return any((m.me if isinstance(m, Mention) else bool(m.get("me"))) for m in mentions)
    return bool(names_nick(body, nick))


def message_mentions_user(message: Any, nick: str) -> bool:
    """``mentions_user`` for a shown message (its body and ``extras["mentions"]``)."""
    extras = getattr(message, "extras", None) or {}
    found = extras.get("mentions") if isinstance(extras, Mapping) else None
    return mentions_user(getattr(message, "body", "") or "", nick or "",
                         found if isinstance(found, (list, tuple)) else None)
