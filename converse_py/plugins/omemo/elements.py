"""OMEMO's stanza elements, sans-IO, for both namespaces: device lists, bundles and ``<encrypted/>``.

Builders return elements made with ``xmpp.stanza.element`` (serialize them with ``serialize``);
parsers take parsed elements (Clark names) or built ones, and raise ``WireFormatError`` for what is
not well-formed (bad base64, missing ids, wrong key sizes). Base64 text may hold line breaks, as
Conversations writes it.

XEP-0384 (0.3) device list, as Conversations publishes it:

>>> from converse_py.xmpp.stanza import parse, serialize
>>> parse_device_list(parse("<list xmlns='eu.siacs.conversations.axolotl'><device id='12345'/>"
...                         "<device id='4223'/></list>"))
{12345: None, 4223: None}
>>> serialize(device_list_element(OMEMO_2, {31415: "Gajim on Ubuntu Linux"}))
'<devices xmlns="urn:xmpp:omemo:2"><device id="31415" label="Gajim on Ubuntu Linux" /></devices>'
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ...xmpp.stanza import element, sub
from .errors import WireFormatError
from .versions import AXOLOTL, OMEMO_03, OMEMO_2, TWO, Version, decode_03_key, encode_03_key, version_of
from .x3dh import Bundle

#: PEP nodes: 0.3 has one bundle node per device (``…bundles:<id>``); omemo:2 one node, item id = device id.
AXOLOTL_DEVICELIST_NODE = AXOLOTL + ".devicelist"
AXOLOTL_BUNDLES_NODE = AXOLOTL + ".bundles:"
TWO_DEVICES_NODE = TWO + ":devices"
TWO_BUNDLES_NODE = TWO + ":bundles"
#: A device id is a uint32 other than 0 (0.3 clients use 1..2**31-1).
MAX_DEVICE_ID = 2 ** 32 - 1
#: More than this many devices or keys in one element are refused (hostile input).
MAX_ENTRIES = 10_000


def bundle_node(version: Version, device_id: int) -> str:
    """The PEP node a device's bundle is published on.

    >>> bundle_node(OMEMO_03, 31415), bundle_node(OMEMO_2, 31415)
    ('eu.siacs.conversations.axolotl.bundles:31415', 'urn:xmpp:omemo:2:bundles')
    """
    return f"{AXOLOTL_BUNDLES_NODE}{device_id}" if version is OMEMO_03 else TWO_BUNDLES_NODE


def devices_node(version: Version) -> str:
    """The PEP node of the device list."""
    return AXOLOTL_DEVICELIST_NODE if version is OMEMO_03 else TWO_DEVICES_NODE


# ------------------------------------------------------------------------------------------ helpers

def _children(parent: ET.Element, namespace: str, name: str) -> Iterator[ET.Element]:
    """Direct children ``{namespace}name`` (parsed) or ``name`` (built here, same namespace)."""
    for child in parent:
        if child.tag == f"{{{namespace}}}{name}" or child.tag == name:
            yield child


def _child(parent: ET.Element, namespace: str, name: str) -> ET.Element:
    found = next(_children(parent, namespace, name), None)
    if found is None:
        raise WireFormatError(f"<{name}/> is missing")
    return found


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise WireFormatError(f"{what}: not base64") from error


def _id(value: str | None, what: str, low: int = 1) -> int:
    digits = (value or "").strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:  # "²".isdigit() is True
        raise WireFormatError(f"{what}: not a number")
    number = int(digits)
    if not low <= number <= MAX_DEVICE_ID:
        raise WireFormatError(f"{what}: out of range")
    return number


def _namespace_of(el: ET.Element) -> Version:
    tag = el.tag
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else (el.get("xmlns") or "")
    return version_of(namespace)


def _key32(version: Version, data: bytes, what: str) -> bytes:
    if version is OMEMO_03:
        try:
            return decode_03_key(data)
        except WireFormatError as error:
            raise WireFormatError(f"{what}: {error}") from error
    if len(data) != 32:
        raise WireFormatError(f"{what}: not a 32-byte key")
    return data


def _wire_key(version: Version, key: bytes) -> bytes:
    return encode_03_key(key) if version is OMEMO_03 else key


# -------------------------------------------------------------------------------------- device lists

def device_list_element(version: Version, devices: Mapping[int, str | None]) -> ET.Element:
    """``<list/>`` (0.3) or ``<devices/>`` (omemo:2, with labels) of these device ids."""
    root = element("list" if version is OMEMO_03 else "devices", xmlns=version.namespace)
    for device_id, label in devices.items():
        sub(root, "device", {"id": str(device_id), "label": label if version is OMEMO_2 and label else None})
    return root


def parse_device_list(el: ET.Element) -> dict[int, str | None]:
    """Device id -> label (None for 0.3 or when absent). Entries with a bad id are skipped."""
    version = _namespace_of(el)
    found: dict[int, str | None] = {}
    for device in _children(el, version.namespace, "device"):
        if len(found) >= MAX_ENTRIES:
            raise WireFormatError("the device list is too long")
        try:
            device_id = _id(device.get("id"), "device id")
        except WireFormatError:
            continue
        found[device_id] = device.get("label") if version is OMEMO_2 else None
    return found


# -------------------------------------------------------------------------------------------- bundles

def bundle_element(bundle: Bundle) -> ET.Element:
    """The ``<bundle/>`` to publish."""
    version = bundle.version
    root = element("bundle", xmlns=version.namespace)
    if version is OMEMO_03:
        sub(root, "signedPreKeyPublic", {"signedPreKeyId": str(bundle.signed_pre_key_id)}, text=_b64(encode_03_key(bundle.signed_pre_key)))
        sub(root, "signedPreKeySignature", text=_b64(bundle.signature))
        sub(root, "identityKey", text=_b64(encode_03_key(bundle.identity_key)))
        keys = sub(root, "prekeys")
        for key_id, key in bundle.pre_keys.items():
            sub(keys, "preKeyPublic", {"preKeyId": str(key_id)}, text=_b64(encode_03_key(key)))
    else:
        sub(root, "spk", {"id": str(bundle.signed_pre_key_id)}, text=_b64(bundle.signed_pre_key))
        sub(root, "spks", text=_b64(bundle.signature))
        sub(root, "ik", text=_b64(bundle.identity_key))
        keys = sub(root, "prekeys")
        for key_id, key in bundle.pre_keys.items():
            sub(keys, "pk", {"id": str(key_id)}, text=_b64(key))
    return root


def parse_bundle(el: ET.Element) -> Bundle:
    """A published ``<bundle/>`` (its signature is checked by ``Bundle.verify`` when a session starts)."""
    version = _namespace_of(el)
    namespace = version.namespace
    names = ("signedPreKeyPublic", "signedPreKeyId", "signedPreKeySignature", "identityKey", "preKeyPublic", "preKeyId")
    if version is OMEMO_2:
        names = ("spk", "id", "spks", "ik", "pk", "id")
    spk, spk_id_attr, sig, ik, pk, pk_id_attr = names
    spk_el = _child(el, namespace, spk)
    signature = _unb64(_child(el, namespace, sig).text, "signed pre-key signature")
    if len(signature) != 64:
        raise WireFormatError("signed pre-key signature: not 64 bytes")
    identity = _unb64(_child(el, namespace, ik).text, "identity key")
    pre_keys: dict[int, bytes] = {}
    for key in _children(_child(el, namespace, "prekeys"), namespace, pk):
        if len(pre_keys) >= MAX_ENTRIES:
            raise WireFormatError("the bundle has too many pre-keys")
        pre_keys[_id(key.get(pk_id_attr), "pre-key id", 0)] = _key32(version, _unb64(key.text, "pre-key"), "pre-key")
    return Bundle(version, _key32(version, identity, "identity key"), _id(spk_el.get(spk_id_attr), "signed pre-key id", 0),
                  _key32(version, _unb64(spk_el.text, "signed pre-key"), "signed pre-key"), signature, pre_keys)


# ------------------------------------------------------------------------------------------ messages

@dataclass(frozen=True)
class EncryptedKey:
    """One ``<key/>``: the recipient device, its bytes, whether they are a key exchange (0.3
    ``prekey``, omemo:2 ``kex``), and for omemo:2 the JID of the ``<keys/>`` it is in."""

    rid: int
    data: bytes = field(repr=False)
    key_exchange: bool = False
    jid: str | None = None


@dataclass(frozen=True)
class Encrypted:
    """An ``<encrypted/>`` element: sender device, keys, 0.3's IV and the payload (None for a message
    that only carries keys, e.g. a key transport or a session heartbeat)."""

    version: Version
    sid: int
    keys: tuple[EncryptedKey, ...]
    payload: bytes | None = field(default=None, repr=False)
    iv: bytes = b""

    def keys_for(self, device_id: int, jid: str | None = None) -> list[EncryptedKey]:
        """The keys addressed to this device (for omemo:2 also to this bare JID when given)."""
        return [key for key in self.keys if key.rid == device_id and (jid is None or key.jid in (None, jid))]


def encrypted_element(encrypted: Encrypted) -> ET.Element:
    """The ``<encrypted/>`` element to put in a message."""
    version = encrypted.version
    root = element("encrypted", xmlns=version.namespace)
    header = sub(root, "header", {"sid": str(encrypted.sid)})
    flag = "prekey" if version is OMEMO_03 else "kex"
    if version is OMEMO_03:
        for key in encrypted.keys:
            sub(header, "key", {"rid": str(key.rid), flag: "true" if key.key_exchange else None}, text=_b64(key.data))
        sub(header, "iv", text=_b64(encrypted.iv))
    else:
        by_jid: dict[str, ET.Element] = {}
        for key in encrypted.keys:
            if not key.jid:
                raise ValueError("an omemo:2 key needs the JID of its recipient")
            keys = by_jid.get(key.jid)
            if keys is None:
                keys = by_jid[key.jid] = sub(header, "keys", {"jid": key.jid})
            sub(keys, "key", {"rid": str(key.rid), flag: "true" if key.key_exchange else None}, text=_b64(key.data))
    if encrypted.payload is not None:
        sub(root, "payload", text=_b64(encrypted.payload))
    return root


def _flag(value: str | None) -> bool:
    return value in ("true", "1")


def parse_encrypted(el: ET.Element) -> Encrypted:
    """An ``<encrypted/>`` element of either namespace."""
    version = _namespace_of(el)
    namespace = version.namespace
    header = _child(el, namespace, "header")
    sid = _id(header.get("sid"), "sender device id")
    keys: list[EncryptedKey] = []

    def add(key: ET.Element, flag: str, jid: str | None) -> None:
        if len(keys) >= MAX_ENTRIES:
            raise WireFormatError("the message has too many keys")
        keys.append(EncryptedKey(_id(key.get("rid"), "recipient device id"), _unb64(key.text, "key"), _flag(key.get(flag)), jid))

    iv = b""
    if version is OMEMO_03:
        for key in _children(header, namespace, "key"):
            add(key, "prekey", None)
        iv = _unb64(_child(header, namespace, "iv").text, "iv")
    else:
        for group in _children(header, namespace, "keys"):
            jid = group.get("jid")
            if not jid:
                raise WireFormatError("<keys/> without a jid")
            for key in _children(group, namespace, "key"):
                add(key, "kex", jid)
    payload_el = next(_children(el, namespace, "payload"), None)
    payload = None if payload_el is None else _unb64(payload_el.text, "payload")
    return Encrypted(version, sid, tuple(keys), payload, iv)


__all__ = ["AXOLOTL", "TWO", "Encrypted", "EncryptedKey", "bundle_element", "device_list_element", "encrypted_element",
           "parse_bundle", "parse_device_list", "parse_encrypted"]
