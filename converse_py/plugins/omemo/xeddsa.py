"""XEdDSA (Signal's specification): Ed25519-compatible signatures made and checked with Curve25519
keys, and the conversions between the two key forms. OMEMO signs the signed pre-key with it (both
versions) and omemo:2 publishes the identity key in its Ed25519 form.

>>> private = clamp(bytes(range(32)))
>>> public = curve25519_public(private)
>>> signature = sign(private, b"signed pre-key", nonce=bytes(64))
>>> verify(public, b"signed pre-key", signature), verify(public, b"another text", signature)
(True, False)
>>> ed25519_to_curve25519(curve25519_to_ed25519(public)) == public
True
"""

from __future__ import annotations

import hashlib

from . import curve
from .errors import WireFormatError

#: hash_1's prefix: the 32-byte little-endian encoding of 2**256 - 1 - 1.
HASH1_PREFIX = b"\xfe" + b"\xff" * 31


def clamp(private: bytes) -> bytes:
    """A Curve25519 private key as X25519 uses it (RFC 7748 clamping).

    >>> clamp(b"\\xff" * 32).hex()[:2], clamp(b"\\xff" * 32).hex()[-2:]
    ('f8', '7f')
    """
    if len(private) != 32:
        raise ValueError("a Curve25519 private key is 32 bytes")
    scalar = bytearray(private)
    scalar[0] &= 248
    scalar[31] = (scalar[31] & 127) | 64
    return bytes(scalar)


def _scalar(private: bytes) -> int:
    return int.from_bytes(clamp(private), "little")


def _hash_mod_q(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % curve.Q


def key_pair(private: bytes) -> tuple[bytes, int]:
    """XEdDSA's calculate_key_pair: the Ed25519 public key with the sign bit 0 and the private scalar
    that goes with it (negated mod q when kB's x is odd; otherwise the clamped scalar itself, unreduced,
    as libsignal and libxeddsa hash it into the nonce)."""
    k = _scalar(private)
    encoded = bytearray(curve.encode_point(curve.multiply_base(k)))
    negative = encoded[31] >> 7
    encoded[31] &= 0x7F
    return bytes(encoded), (-k % curve.Q if negative else k)


def curve25519_public(private: bytes) -> bytes:
    """The X25519 public key of a private key (via Edwards: u = (1 + y) / (1 - y))."""
    return curve.montgomery_u(key_pair(private)[0]).to_bytes(32, "little")


def ed25519_public(private: bytes) -> bytes:
    """The Ed25519 form (sign bit 0) of the identity a Curve25519 private key makes."""
    return key_pair(private)[0]


def curve25519_to_ed25519(public: bytes) -> bytes:
    """A Curve25519 public key's Ed25519 form with the sign bit 0 (XEdDSA's convert_mont)."""
    return curve.edwards_y(public).to_bytes(32, "little")


def ed25519_to_curve25519(public: bytes) -> bytes:
    """An Ed25519 public key's Curve25519 form (the sign of x is lost)."""
    if len(public) != 32:
        raise WireFormatError("an Ed25519 public key is 32 bytes")
    return curve.montgomery_u(public).to_bytes(32, "little")


def sign(private: bytes, message: bytes, nonce: bytes) -> bytes:
    """The XEdDSA signature of ``message`` with a Curve25519 private key; ``nonce`` is 64 fresh random
    bytes (XEdDSA's Z)."""
    if len(nonce) != 64:
        raise ValueError("the XEdDSA nonce is 64 random bytes")
    public, a = key_pair(private)
    secret = a.to_bytes(32, "little")
    r = _hash_mod_q(HASH1_PREFIX, secret, message, nonce)
    big_r = curve.encode_point(curve.multiply_base(r))
    h = _hash_mod_q(big_r, public, message)
    s = (r + h * a) % curve.Q  # a is reduced here; only the nonce hash saw it unreduced
    return big_r + s.to_bytes(32, "little")


def verify_ed25519(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature (cofactorless check) by this Ed25519 key."""
    if len(signature) != 64 or len(public) != 32:
        return False
    big_r, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= curve.Q:
        return False
    try:
        point = curve.decode_point(public)
    except WireFormatError:
        return False
    h = _hash_mod_q(big_r, public, message)
    check = curve.add(curve.multiply_base(s), curve.negate(curve.multiply(h, point)))
    return curve.encode_point(check) == big_r


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid XEdDSA signature by this Curve25519 public key."""
    if len(public) != 32 or int.from_bytes(public, "little") >= curve.P:
        return False
    try:
        edwards = curve25519_to_ed25519(public)
    except WireFormatError:
        return False
    return verify_ed25519(edwards, message, signature)


def verify_libsignal(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is valid for this Curve25519 key as libsignal (OMEMO 0.3, Conversations)
    checks it: the top bit of the last byte carries the sign of the Ed25519 key, so that a signature
    made with the key's own Edwards form (either sign) verifies; XEdDSA signatures have that bit 0."""
    if len(signature) != 64 or len(public) != 32 or int.from_bytes(public, "little") >= curve.P:
        return False
    sign_bit = signature[63] >> 7
    try:
        edwards = bytearray(curve25519_to_ed25519(public))
    except WireFormatError:
        return False
    edwards[31] |= sign_bit << 7
    return verify_ed25519(bytes(edwards), message, signature[:63] + bytes([signature[63] & 0x7F]))
