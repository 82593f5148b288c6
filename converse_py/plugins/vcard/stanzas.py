"""XEP-0054 vcard-temp requests and results, pure.

>>> from converse_py.xmpp.stanza import parse
>>> card = parse_vcard(parse('<iq xmlns="jabber:client" type="result"><vCard xmlns="vcard-temp">'
...     '<FN>Peter Saint-Andre</FN><URL>http://www.xmpp.org/xsf/people/stpeter.shtml</URL>'
...     '<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard></iq>'))
>>> card.fullname, card.image_type, card.image
('Peter Saint-Andre', 'image/png', 'iVBORw0KGgo=')
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...xmpp.stanza import iq, qname, sub

VCARD = "vcard-temp"
#: Image types the UI will show (others are dropped: an avatar must never be, say, SVG with script).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
#: Largest avatar kept (base64 characters).
MAX_IMAGE = 512 * 1024


@dataclass(frozen=True)
class VCard:
    """What the client uses of a vCard."""

    fullname: str
    nickname: str
    url: str
    image_type: str | None
    image: str | None  # base64


def vcard_get(to: str | None = None) -> ET.Element:
    """``<iq type="get"><vCard xmlns="vcard-temp"/></iq>`` (XEP-0054 §3.1 / §3.2)."""
    stanza = iq("get", to=to)
    sub(stanza, "vCard", xmlns=VCARD)
    return stanza


def parse_vcard(stanza: ET.Element) -> VCard:
    """Read a vCard result; missing fields are empty, a bad or unsafe photo is dropped."""
    card = stanza.find(qname(VCARD, "vCard"))
    if card is None:
        return VCard("", "", "", None, None)

    def text(*path: str) -> str:
        el = card.find("/".join(qname(VCARD, p) for p in path))
        return ((el.text or "") if el is not None else "").strip()[:1000]

    image_type: str | None = text("PHOTO", "TYPE").lower()
    binval = card.findtext(f"{qname(VCARD, 'PHOTO')}/{qname(VCARD, 'BINVAL')}") or ""
    image: str | None = "".join(binval.split())  # base64 may be wrapped over lines
    if not image or image_type not in IMAGE_TYPES or len(image) > MAX_IMAGE or not _is_base64(image):
        image_type, image = None, None
    url = text("URL")
    if url and not url.lower().startswith(("http://", "https://")):
        url = ""  # only web links are shown as links
    return VCard(text("FN"), text("NICKNAME"), url, image_type, image)


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
