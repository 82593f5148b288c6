"""XEP-0444 message reactions, pure: the ``<reactions/>`` element, what counts as one reaction (a
single emoji), and the restrictions an entity may advertise.

XEP-0444 Example 2 (Juliet reacts to Romeo's message with 👋 and 🐢):

>>> from converse_py.xmpp.stanza import parse, serialize
>>> stanza = parse("<message xmlns='jabber:client' to='romeo@capulet.net/orchard' "
...                "id='96d73204-a57a-11e9-88b8-4889e7820c76' type='chat'>"
...                "<reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'>"
...                "<reaction>👋</reaction><reaction>🐢</reaction></reactions>"
...                "<store xmlns='urn:xmpp:hints'/></message>")
>>> parse_reactions(stanza)
Reactions(target='744f6e18-a57a-11e9-a656-4889e7820c76', emojis=('👋', '🐢'))
>>> serialize(reactions_message("romeo@capulet.net", "chat", "744f6e18-a57a-11e9-a656-4889e7820c76",
...                             ["👋", "🐢"], msg_id="96d73204"))  # doctest: +NORMALIZE_WHITESPACE
'<message xmlns="jabber:client" to="romeo@capulet.net" type="chat" id="96d73204"><reactions \
xmlns="urn:xmpp:reactions:0" id="744f6e18-a57a-11e9-a656-4889e7820c76"><reaction>👋</reaction><reaction>🐢\
</reaction></reactions><store xmlns="urn:xmpp:hints" /></message>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ...xmpp import ns
from ...xmpp.stanza import element, find, find_all, new_id, sub

REACTIONS = "urn:xmpp:reactions:0"
RESTRICTIONS = "urn:xmpp:reactions:0:restrictions"
DATA = "jabber:x:data"
#: At most this many distinct reactions count per sender and message (the rest are ignored).
MAX_PER_SENDER = 20
#: A single emoji is at most this many code points (a family with skin tones is 10, a tag flag 7).
MAX_EMOJI_CODEPOINTS = 16

ZWJ = 0x200D
VARIATION_SELECTORS = (0xFE0E, 0xFE0F)
KEYCAP = 0x20E3
SKIN_TONES = range(0x1F3FB, 0x1F400)
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
TAGS = range(0xE0020, 0xE0080)
#: Code points that are pictographs (emoji bases) in Unicode's Extended_Pictographic ranges.
PICTOGRAPHIC = (range(0x1F000, 0x1FB00), range(0x1FC00, 0x1FFFE), range(0x2600, 0x27C0), range(0x2300, 0x2400),
                range(0x2B00, 0x2C00), range(0x2190, 0x2200), range(0x25A0, 0x2600), range(0x2900, 0x2980),
                range(0x3030, 0x3031), range(0x303D, 0x303E), range(0x3297, 0x3298), range(0x3299, 0x329A),
                range(0xA9, 0xAA), range(0xAE, 0xAF), range(0x203C, 0x203D), range(0x2049, 0x204A),
                range(0x2122, 0x2123), range(0x2139, 0x213A), range(0x24C2, 0x24C3))


class Reactions(NamedTuple):
    """A ``<reactions/>`` element: the id of the message it names and the sender's full set."""

    target: str
    emojis: tuple[str, ...]


class Restrictions(NamedTuple):
    """What an entity allows (XEP-0444 §2.2): at most ``max_per_user`` reactions per user and
    message (None: no limit), only the ``allowlist`` emoji (empty: any)."""

    max_per_user: int | None = None
    allowlist: tuple[str, ...] = ()

    def allows(self, emoji: str) -> bool:
        return not self.allowlist or emoji in self.allowlist


def _pictographic(cp: int) -> bool:
    return any(cp in r for r in PICTOGRAPHIC) and cp not in SKIN_TONES and cp not in REGIONAL_INDICATORS


def is_single_emoji(text: str) -> bool:
    """Whether ``text`` is one emoji as displayed (XEP-0444 §3: a reaction SHOULD be one emoji):
    a pictograph with its variation selector, skin tone or tags, several joined by zero-width
    joiners, a flag (two regional indicators) or a keycap.

    >>> [is_single_emoji(t) for t in ("👍", "👍🏽", "❤️", "👩‍👩‍👧", "🇰🇷", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿")]
    [True, True, True, True, True, True, True]
    >>> [is_single_emoji(t) for t in ("", "a", "<img>", "👍👍", "👍 ", "🇰", "🏽", "👍" * 30, "‍👍")]
    [False, False, False, False, False, False, False, False, False]
    """
    if not isinstance(text, str) or not text:
        return False
    cps = [ord(c) for c in text]
    if len(cps) > MAX_EMOJI_CODEPOINTS:
        return False
    if len(cps) == 2 and all(cp in REGIONAL_INDICATORS for cp in cps):
        return True
    if cps[-1] == KEYCAP and text[0] in "0123456789#*" and cps[1:-1] in ([], [0xFE0F]):
        return True
    component: list[int] = []
    for part in _split(cps, ZWJ):
        component = part
        if not component or not _pictographic(component[0]):
            return False
        rest = component[1:]
        while rest and rest[0] in VARIATION_SELECTORS:
            rest = rest[1:]
        if rest and rest[0] in SKIN_TONES:
            rest = rest[1:]
        if rest and component[0] == 0x1F3F4 and rest[-1] == 0xE007F and all(cp in TAGS for cp in rest):
            rest = []
        while rest and rest[0] in VARIATION_SELECTORS:
            rest = rest[1:]
        if rest:
            return False
    return True


def _split(cps: list[int], separator: int) -> list[list[int]]:
    parts: list[list[int]] = [[]]
    for cp in cps:
        if cp == separator:
            parts.append([])
        else:
            parts[-1].append(cp)
    return parts


def clean_emojis(values: Iterable[str], limit: int = MAX_PER_SENDER) -> tuple[str, ...]:
    """The distinct single emoji of ``values``, in order, at most ``limit`` (anything else left out).

    >>> clean_emojis(["👍", "<img src=x>", "👍", "🐢", "text", "❤️"], limit=2)
    ('👍', '🐢')
    """
    out: list[str] = []
    for value in values:
        if len(out) >= limit:
            break
        if is_single_emoji(value) and value not in out:
            out.append(value)
    return tuple(out)


def parse_reactions(stanza: ET.Element) -> Reactions | None:
    """The ``<reactions/>`` of a message (None when it has none, or names no message). Its
    reactions are cleaned: single emoji only, distinct, at most ``MAX_PER_SENDER``; an empty
    set (all reactions removed) is ``()``."""
    reactions = find(stanza, REACTIONS, "reactions")
    if reactions is None:
        return None
    target = (reactions.get("id") or "").strip()
    if not target or len(target) > 1024:
        return None
    texts: list[str] = []
    for reaction in find_all(reactions, REACTIONS, "reaction"):
        texts.append((reaction.text or "").strip())
        if len(texts) >= MAX_PER_SENDER * 5:
            break  # a thousand reactions are not read one by one
    return Reactions(target, clean_emojis(texts))


def reactions_message(to: str, type_: str, target: str, emojis: Sequence[str], *,
                      msg_id: str | None = None) -> ET.Element:
    """A message carrying the user's full set of reactions ``emojis`` to the message ``target``
    (its id in a chat, the room's stanza-id in a room); an empty set removes them all. It asks to
    be archived (XEP-0334 ``<store/>``: it has no body)."""
    if not target:
        raise ValueError("a reaction needs the id of the message it reacts to")
    msg = element("message", {"to": to, "type": type_, "id": msg_id or new_id()}, xmlns=ns.CLIENT)
    reactions = sub(msg, "reactions", {"id": target}, xmlns=REACTIONS)
    for emoji in emojis:
        sub(reactions, "reaction", text=emoji)
    sub(msg, "store", xmlns=ns.HINTS)
    return msg


def parse_restrictions(info: ET.Element) -> Restrictions:
    """The restrictions a disco#info result advertises (its ``urn:xmpp:reactions:0:restrictions``
    form), or none.

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_restrictions(parse(
    ...     "<iq xmlns='jabber:client' type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
    ...     "<feature var='urn:xmpp:reactions:0'/><x xmlns='jabber:x:data' type='result'>"
    ...     "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:reactions:0:restrictions</value></field>"
    ...     "<field var='max_reactions_per_user'><value>1</value></field>"
    ...     "<field var='allowlist'><value>💘</value><value>❤️</value><value>junk</value></field>"
    ...     "</x></query></iq>"))
    Restrictions(max_per_user=1, allowlist=('💘', '❤️'))
    """
    for form in info.iter(f"{{{DATA}}}x"):
        fields = {f.get("var") or "": [v.text or "" for v in find_all(f, DATA, "value")]
                  for f in find_all(form, DATA, "field")}
        if RESTRICTIONS not in fields.get("FORM_TYPE", []):
            continue
        max_values = fields.get("max_reactions_per_user") or []
        max_per_user: int | None = None
        if max_values and max_values[0].strip().isdigit():
            max_per_user = max(1, int(max_values[0].strip()))
        return Restrictions(max_per_user, clean_emojis(fields.get("allowlist") or [], limit=200))
    return Restrictions()


__all__ = ["MAX_PER_SENDER", "REACTIONS", "RESTRICTIONS", "Reactions", "Restrictions", "clean_emojis",
           "is_single_emoji", "parse_reactions", "parse_restrictions", "reactions_message"]
