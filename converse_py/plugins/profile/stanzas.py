"""The user's own vCard fields (XEP-0054) and XEP-0172 nickname, pure.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> fetched = parse('<iq xmlns="jabber:client" type="result"><vCard xmlns="vcard-temp"><FN>Old</FN>'
...     '<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard></iq>')
>>> stored = vcard_with_profile(fetched, {"fullname": "Juliet Capulet", "email": "juliet@capulet.lit"})
>>> read_profile(stored)["fullname"], "<BINVAL>iVBORw0KGgo=</BINVAL>" in serialize(stored)
('Juliet Capulet', True)
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from ...xmpp.stanza import find, iq, qname, sub
from ..vcard.stanzas import VCARD

NICK = "http://jabber.org/protocol/nick"
PUBSUB = "http://jabber.org/protocol/pubsub"
#: Profile field → its vCard element path (XEP-0054: EMAIL holds USERID).
PROFILE_FIELDS = {"fullname": ("FN",), "nickname": ("NICKNAME",), "url": ("URL",), "email": ("EMAIL", "USERID")}
#: Longest value kept for a field.
MAX_FIELD = 1000


def read_profile(stanza: ET.Element | None) -> dict[str, str]:
    """The profile fields of a vCard (result or set); missing ones are empty strings."""
    card = find(stanza, VCARD, "vCard") if stanza is not None else None
    out = {}
    for name, path in PROFILE_FIELDS.items():
        el = card.find("/".join(qname(VCARD, p) for p in path)) if card is not None else None
        out[name] = ((el.text or "") if el is not None else "").strip()[:MAX_FIELD]
    return out


def vcard_with_profile(result: ET.Element | None, changes: Mapping[str, str]) -> ET.Element:
    """An ``<iq type='set'>`` storing our vCard (XEP-0054 §3.2) with the profile ``changes``
    applied (an empty value removes the field); every other field (PHOTO...) is kept as ``result``
    (our vCard as fetched) had it."""
    stanza = iq("set")
    old = find(result, VCARD, "vCard") if result is not None else None
    card = copy.deepcopy(old) if old is not None else ET.Element(qname(VCARD, "vCard"))
    for name, value in changes.items():
        top, *rest = PROFILE_FIELDS[name]
        for el in card.findall(qname(VCARD, top)):
            card.remove(el)
        if value:
            el = ET.SubElement(card, qname(VCARD, top))
            if rest:
                if name == "email":
                    ET.SubElement(el, qname(VCARD, "INTERNET"))
                ET.SubElement(el, qname(VCARD, rest[0])).text = value
            else:
                el.text = value
    stanza.append(card)
    return stanza


def nick_publish(nick: str) -> ET.Element:
    """Publish the user's nickname to PEP (XEP-0172 §4.5, Example 2); an empty nick publishes an
    empty ``<nick/>`` (the nickname is gone)."""
    stanza = iq("set")
    publish = sub(sub(stanza, "pubsub", xmlns=PUBSUB), "publish", {"node": NICK})
    sub(sub(publish, "item"), "nick", xmlns=NICK, text=nick or None)
    return stanza


__all__ = ["NICK", "PROFILE_FIELDS", "nick_publish", "read_profile", "vcard_with_profile"]
