"""What differs between OMEMO 0.3 and omemo:2 in the key agreement and the ratchet.

>>> OMEMO_03.namespace, OMEMO_2.mac_length
('eu.siacs.conversations.axolotl', 16)
>>> version_of("urn:xmpp:omemo:2") is OMEMO_2
True
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import WireFormatError

AXOLOTL = "eu.siacs.conversations.axolotl"
TWO = "urn:xmpp:omemo:2"


@dataclass(frozen=True)
class Version:
    """One OMEMO version's constants (HKDF info strings, MAC length)."""

    namespace: str
    x3dh_info: bytes
    root_info: bytes
    message_key_info: bytes
    mac_length: int


#: OMEMO 0.3: libsignal's strings, identity keys as Curve25519 with the 0x05 prefix, 8-byte MACs.
OMEMO_03 = Version(AXOLOTL, b"WhisperText", b"WhisperRatchet", b"WhisperMessageKeys", 8)
#: omemo:2: identity keys in Ed25519 form, 16-byte MACs.
OMEMO_2 = Version(TWO, b"OMEMO X3DH", b"OMEMO Root Chain", b"OMEMO Message Key Material", 16)


def version_of(namespace: str) -> Version:
    """The version with this namespace."""
    for version in (OMEMO_03, OMEMO_2):
        if version.namespace == namespace:
            return version
    raise WireFormatError("not an OMEMO namespace")


def encode_03_key(public: bytes) -> bytes:
    """A Curve25519 public key as 0.3 sends it: 0x05 and the 32 bytes.

    >>> encode_03_key(bytes(32))[:2].hex()
    '0500'
    """
    if len(public) != 32:
        raise ValueError("a Curve25519 public key is 32 bytes")
    return b"\x05" + public


def decode_03_key(data: bytes) -> bytes:
    """The inverse of ``encode_03_key`` (``WireFormatError`` for anything else)."""
    if len(data) != 33 or data[0] != 0x05:
        raise WireFormatError("not a 0.3 public key (0x05 and 32 bytes)")
    return data[1:]
