"""XEP-0420 Stanza Content Encryption envelopes, as omemo:2 encrypts them (XEP-0384's SCE profile:
``<rpad/>`` always, ``<from/>`` always here, ``<to/>`` for group chats, ``<time/>`` optional).

>>> from converse_py.xmpp.stanza import element, serialize
>>> body = element("body", xmlns="jabber:client", text="Hello World!")
>>> data = envelope_bytes([body], rpad="7He4o3Xbgy9CUR1w1lDs", from_jid="romeo@montague.lit")
>>> data.decode()
'<envelope xmlns="urn:xmpp:sce:1"><content><body xmlns="jabber:client">Hello World!</body></content>\
<rpad>7He4o3Xbgy9CUR1w1lDs</rpad><from jid="romeo@montague.lit" /></envelope>'
>>> envelope = parse_envelope(data)
>>> envelope.from_jid, [serialize(el) for el in envelope.content]
('romeo@montague.lit', ['<body xmlns="jabber:client">Hello World!</body>'])
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ...xmpp.stanza import StanzaParseError, element, parse, serialize, sub
from .crypto import OmemoCrypto
from .errors import WireFormatError

SCE = "urn:xmpp:sce:1"
#: XEP-0384 asks for 0 to 200 characters of random padding.
MAX_PADDING = 200
PADDING_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


async def random_padding(crypto: OmemoCrypto) -> str:
    """0 to 200 random letters and digits for ``<rpad/>``."""
    length, *chars = await crypto.random_bytes(1 + MAX_PADDING)
    return "".join(PADDING_ALPHABET[c % len(PADDING_ALPHABET)] for c in chars[:length % (MAX_PADDING + 1)])


def envelope_element(content: Sequence[ET.Element], *, rpad: str, from_jid: str, to_jid: str | None = None,
                     time: str | None = None) -> ET.Element:
    """An ``<envelope/>`` with these content elements and affix elements."""
    root = element("envelope", xmlns=SCE)
    holder = sub(root, "content")
    for child in content:
        holder.append(child)
    sub(root, "rpad", text=rpad)
    if time is not None:
        sub(root, "time", {"stamp": time})
    if to_jid is not None:
        sub(root, "to", {"jid": to_jid})
    sub(root, "from", {"jid": from_jid})
    return root


def envelope_bytes(content: Sequence[ET.Element], *, rpad: str, from_jid: str, to_jid: str | None = None,
                   time: str | None = None) -> bytes:
    """The UTF-8 XML omemo:2 encrypts as the payload."""
    return serialize(envelope_element(content, rpad=rpad, from_jid=from_jid, to_jid=to_jid, time=time)).encode("utf-8")


@dataclass(frozen=True)
class Envelope:
    """A decrypted envelope: its content elements and affix values (None when absent)."""

    content: tuple[ET.Element, ...]
    from_jid: str | None
    to_jid: str | None
    time: str | None


def parse_envelope(data: bytes) -> Envelope:
    """The envelope in a decrypted omemo:2 payload (``WireFormatError`` when it is none)."""
    try:
        root = parse(data.decode("utf-8"))
    except (UnicodeDecodeError, StanzaParseError) as error:
        raise WireFormatError("the decrypted payload is not an SCE envelope") from error
    if root.tag != f"{{{SCE}}}envelope":
        raise WireFormatError("the decrypted payload is not an SCE envelope")
    content = root.find(f"{{{SCE}}}content")
    if content is None:
        raise WireFormatError("the SCE envelope has no <content/>")

    def affix(name: str, attribute: str) -> str | None:
        found = root.find(f"{{{SCE}}}{name}")
        return None if found is None else found.get(attribute)

    return Envelope(tuple(content), affix("from", "jid"), affix("to", "jid"), affix("time", "stamp"))
