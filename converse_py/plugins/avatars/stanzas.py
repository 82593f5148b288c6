"""XEP-0084 (User Avatar, over PEP) and XEP-0153 (vCard-Based Avatars) stanzas, pure.

>>> from converse_py.xmpp.stanza import parse
>>> event = parse_metadata_event(parse(
...     "<message xmlns='jabber:client' from='juliet@capulet.lit'>"
...     "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>"
...     "<item id='111f4b3c50d7b0df729d299bc6f8e9ef9066971f'><metadata xmlns='urn:xmpp:avatar:metadata'>"
...     "<info bytes='12345' height='64' id='111f4b3c50d7b0df729d299bc6f8e9ef9066971f' type='image/png' width='64'/>"
...     "</metadata></item></items></event></message>"))
>>> event.jid, event.info.id, event.info.type
('juliet@capulet.lit', '111f4b3c50d7b0df729d299bc6f8e9ef9066971f', 'image/png')
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...xmpp.jid import JID
from ...xmpp.stanza import find, iq, qname, sub
from ..vcard.stanzas import VCARD

PUBSUB = "http://jabber.org/protocol/pubsub"
PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event"
DATA_FORMS = "jabber:x:data"
AVATAR_DATA = "urn:xmpp:avatar:data"
AVATAR_METADATA = "urn:xmpp:avatar:metadata"
VCARD_UPDATE = "vcard-temp:x:update"
#: The image types shown (an avatar is never, say, SVG: it could carry script).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
#: Largest avatar accepted, in base64 characters (about 190 KB of image).
MAX_BASE64 = 256 * 1024


def sha1_hex(data: bytes) -> str:
    """The avatar hash both XEPs use: SHA-1 of the image bytes, lower-case hex.

    >>> sha1_hex(b"")
    'da39a3ee5e6b4b0d3255bfef95601890afd80709'
    """
    return hashlib.sha1(data).hexdigest()


def decode_base64(text: str | None) -> bytes | None:
    """Image bytes from base64 (line breaks and spaces allowed, as both XEPs require); None when the
    text is missing, too long for an avatar or not base64.

    >>> decode_base64(" aGk=\\n"), decode_base64("not base64!"), decode_base64("x" * (MAX_BASE64 + 4))
    (b'hi', None, None)
    """
    if not text:
        return None
    compact = "".join(text.split())
    if not compact or len(compact) > MAX_BASE64:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def sniff_type(data: bytes) -> str | None:
    """The image type the bytes' signature says (png, jpeg, gif, webp), else None: what a sender
    declares is only believed when the bytes agree.

    >>> sniff_type(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff_type(b"<svg onload=alert(1)>")
    ('image/png', None)
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# -- XEP-0084 -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AvatarInfo:
    """One ``<info/>`` of an avatar's metadata."""

    id: str
    type: str
    bytes: int
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class MetadataEvent:
    """A metadata notification: ``info`` None means the contact has no avatar (any more)."""

    jid: str
    info: AvatarInfo | None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 10 else None


def parse_metadata(metadata: ET.Element) -> AvatarInfo | None:
    """The ``<info/>`` to fetch: one held at the data node (no ``url``: a remote URL is never
    fetched) of a type that is shown, PNG first; None for ``<stop/>``, an empty element, or none usable."""
    usable = []
    for info in metadata.findall(qname(AVATAR_METADATA, "info")):
        id_, type_ = (info.get("id") or "").lower(), (info.get("type") or "").lower()
        if info.get("url") is not None or type_ not in IMAGE_TYPES:
            continue
        if len(id_) != 40 or any(c not in "0123456789abcdef" for c in id_):
            continue
        usable.append(AvatarInfo(id_, type_, _int(info.get("bytes")) or 0, _int(info.get("width")),
                                 _int(info.get("height"))))
    usable.sort(key=lambda info: info.type != "image/png")
    return usable[0] if usable else None


def parse_metadata_event(stanza: ET.Element) -> MetadataEvent | None:
    """A PEP notification of the metadata node (XEP-0084 §4.3), else None. The sender is the
    publisher's bare JID (the last item of several counts)."""
    event = find(stanza, PUBSUB_EVENT, "event")
    if event is None:
        return None
    items = event.find(qname(PUBSUB_EVENT, "items"))
    if items is None or items.get("node") != AVATAR_METADATA:
        return None
    try:
        jid = JID.parse(stanza.get("from") or "").bare
    except ValueError:
        return None
    entries = items.findall(qname(PUBSUB_EVENT, "item"))
    if not entries:
        return None
    metadata = entries[-1].find(qname(AVATAR_METADATA, "metadata"))
    return MetadataEvent(jid, parse_metadata(metadata) if metadata is not None else None)


def data_request(jid: str, item_id: str) -> ET.Element:
    """Retrieve one item of ``jid``'s data node by its id (XEP-0084 §4.4)."""
    stanza = iq("get", to=jid)
    items = sub(sub(stanza, "pubsub", xmlns=PUBSUB), "items", {"node": AVATAR_DATA})
    sub(items, "item", {"id": item_id})
    return stanza


def parse_data_result(result: ET.Element, item_id: str) -> bytes | None:
    """The image bytes of the data item ``item_id`` whose SHA-1 is that id, else None."""
    pubsub = find(result, PUBSUB, "pubsub")
    items = pubsub.find(qname(PUBSUB, "items")) if pubsub is not None else None
    if items is None:
        return None
    for item in items.findall(qname(PUBSUB, "item")):
        if (item.get("id") or "").lower() != item_id:
            continue
        data = decode_base64(item.findtext(qname(AVATAR_DATA, "data")))
        if data is not None and sha1_hex(data) == item_id:
            return data
    return None


def _publish_options(publish: ET.Element, pubsub: ET.Element) -> None:
    form = sub(sub(pubsub, "publish-options"), "x", {"type": "submit"}, xmlns=DATA_FORMS)
    field = sub(form, "field", {"var": "FORM_TYPE", "type": "hidden"})
    sub(field, "value", text="http://jabber.org/protocol/pubsub#publish-options")
    sub(sub(form, "field", {"var": "pubsub#access_model"}), "value", text="open")


def publish_data(data: bytes, *, options: bool = True) -> ET.Element:
    """Publish the image to our data node, item id = its SHA-1 (XEP-0084 §4.1), readable by anyone
    (``publish-options``: access model open) unless ``options`` is False."""
    stanza = iq("set")
    pubsub = sub(stanza, "pubsub", xmlns=PUBSUB)
    publish = sub(pubsub, "publish", {"node": AVATAR_DATA})
    item = sub(publish, "item", {"id": sha1_hex(data)})
    sub(item, "data", xmlns=AVATAR_DATA, text=base64.b64encode(data).decode("ascii"))
    if options:
        _publish_options(publish, pubsub)
    return stanza


def publish_metadata(info: AvatarInfo | None, *, options: bool = True) -> ET.Element:
    """Publish our metadata (XEP-0084 §4.2); ``info`` None disables the avatar (§4.5: ``<stop/>``-less
    empty metadata is what most clients send and read; both mean "no avatar")."""
    stanza = iq("set")
    pubsub = sub(stanza, "pubsub", xmlns=PUBSUB)
    publish = sub(pubsub, "publish", {"node": AVATAR_METADATA})
    item = sub(publish, "item", {"id": info.id if info is not None else None})
    metadata = sub(item, "metadata", xmlns=AVATAR_METADATA)
    if info is not None:
        sub(metadata, "info", {"bytes": str(info.bytes), "id": info.id, "type": info.type,
                               "width": str(info.width) if info.width else None,
                               "height": str(info.height) if info.height else None})
    if options:
        _publish_options(publish, pubsub)
    return stanza


# -- XEP-0153 -------------------------------------------------------------------------------
def presence_photo(stanza: ET.Element) -> str | None:
    """The photo hash a presence advertises (XEP-0153 §3.2): the lower-case hash; ``""`` for "no
    avatar" (an empty ``<photo/>``); None when it says nothing (no element, or not ready yet)."""
    update = find(stanza, VCARD_UPDATE, "x")
    if update is None:
        return None
    photo = update.find(qname(VCARD_UPDATE, "photo"))
    if photo is None:
        return None
    value = (photo.text or "").strip().lower()
    if value and (len(value) != 40 or any(c not in "0123456789abcdef" for c in value)):
        return None
    return value


def add_photo(stanza: ET.Element, photo: str | None) -> ET.Element:
    """Put our ``<x xmlns='vcard-temp:x:update'>`` in an outgoing presence (replacing any): the hash,
    ``""`` for no avatar, None while our vCard is not known yet (no ``<photo/>``, XEP-0153 §4.1)."""
    for old in [c for c in stanza if c.tag == qname(VCARD_UPDATE, "x") or
                (c.tag == "x" and c.get("xmlns") == VCARD_UPDATE)]:
        stanza.remove(old)
    update = sub(stanza, "x", xmlns=VCARD_UPDATE)
    if photo is not None:
        sub(update, "photo", text=photo or None)
    return stanza


@dataclass(frozen=True)
class VCardPhoto:
    """A vCard's PHOTO: its declared TYPE and the decoded BINVAL (None when absent or unusable)."""

    type: str
    data: bytes | None


def vcard_photo(result: ET.Element) -> VCardPhoto:
    """PHOTO/TYPE and PHOTO/BINVAL of a vCard result (XEP-0153 §3.1); an EXTVAL (a URL) is ignored."""
    card = find(result, VCARD, "vCard")
    photo = card.find(qname(VCARD, "PHOTO")) if card is not None else None
    if photo is None:
        return VCardPhoto("", None)
    type_ = (photo.findtext(qname(VCARD, "TYPE")) or "").strip().lower()
    return VCardPhoto(type_, decode_base64(photo.findtext(qname(VCARD, "BINVAL"))))


def vcard_with_photo(result: ET.Element | None, data: bytes | None, type_: str = "image/png") -> ET.Element:
    """An ``<iq type='set'>`` storing our vCard (XEP-0054 §3.2) with its PHOTO replaced by ``data``
    (or removed, for None), every other field kept as ``result`` (our vCard as fetched) had it."""
    stanza = iq("set")
    old = find(result, VCARD, "vCard") if result is not None else None
    card = copy.deepcopy(old) if old is not None else ET.Element(qname(VCARD, "vCard"))
    for photo in card.findall(qname(VCARD, "PHOTO")):
        card.remove(photo)
    if data is not None:
        photo = ET.SubElement(card, qname(VCARD, "PHOTO"))
        ET.SubElement(photo, qname(VCARD, "TYPE")).text = type_
        ET.SubElement(photo, qname(VCARD, "BINVAL")).text = base64.b64encode(data).decode("ascii")
    stanza.append(card)
    return stanza
