"""X3DH for OMEMO: this device's keys (identity, signed pre-key, pre-keys), bundles, and the key
agreement that starts a session from a peer's bundle (active) or a peer's key exchange (passive).

One identity serves both versions, as in python-omemo: 0.3 publishes it as a Curve25519 key, omemo:2
in its Ed25519 form (XEdDSA makes the sign bit 0). The signed pre-key is signed per version: 0.3 signs
its 33-byte form, omemo:2 its 32 bytes.

Keys serialize to a JSON-able dict (base64) for IndexedDB; reprs never show private keys.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import xeddsa
from .crypto import KeyPair, OmemoCrypto
from .errors import KeyExchangeError, WireFormatError
from .versions import OMEMO_03, OMEMO_2, Version, encode_03_key

DISCONTINUITY = b"\xff" * 32
MAX_ID = 2 ** 31 - 1


def b64(data: bytes) -> str:
    """Base64 text of bytes (for JSON)."""
    return base64.b64encode(data).decode("ascii")


def unb64(value: Any, length: int | None = None) -> bytes:
    """Bytes from base64 text in stored state; ``WireFormatError`` for anything else."""
    if not isinstance(value, str):
        raise WireFormatError("stored OMEMO state: expected base64 text")
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError as error:
        raise WireFormatError("stored OMEMO state: bad base64") from error
    if length is not None and len(data) != length:
        raise WireFormatError("stored OMEMO state: a key has the wrong length")
    return data


def identity_wire_form(version: Version, identity: KeyPair) -> bytes:
    """This device's identity key as a bundle of ``version`` carries it (without 0.3's 0x05)."""
    return xeddsa.ed25519_public(identity.private) if version is OMEMO_2 else identity.public


def identity_ad_form(version: Version, identity: bytes) -> bytes:
    """An identity key (in its wire form) as the associated data holds it."""
    return encode_03_key(identity) if version is OMEMO_03 else identity


def identity_dh_key(version: Version, identity: bytes) -> bytes:
    """The Curve25519 key to do X25519 with, from an identity key in ``version``'s wire form."""
    return xeddsa.ed25519_to_curve25519(identity) if version is OMEMO_2 else identity


def fingerprint(version: Version, identity: bytes) -> list[str]:
    """The identity key as users compare it: the hex of its Curve25519 form in groups of 8 (as
    Conversations shows 0.3 keys and python-omemo shows both versions' keys).

    >>> fingerprint(OMEMO_03, bytes(range(32)))[:2]
    ['00010203', '04050607']
    """
    text = identity_dh_key(version, identity).hex()
    return [text[i:i + 8] for i in range(0, len(text), 8)]


def signed_text(version: Version, signed_pre_key: bytes) -> bytes:
    """What the signed pre-key signature covers."""
    return encode_03_key(signed_pre_key) if version is OMEMO_03 else signed_pre_key


@dataclass(frozen=True)
class Bundle:
    """A device's published keys, in ``version``'s wire form (all without 0.3's 0x05 prefix)."""

    version: Version
    identity_key: bytes
    signed_pre_key_id: int
    signed_pre_key: bytes
    signature: bytes
    pre_keys: Mapping[int, bytes]

    def verify(self) -> bool:
        """Whether the signed pre-key is signed by the identity key."""
        text = signed_text(self.version, self.signed_pre_key)
        if self.version is OMEMO_2:
            return xeddsa.verify_ed25519(self.identity_key, text, self.signature)
        return xeddsa.verify_libsignal(self.identity_key, text, self.signature)


@dataclass
class DeviceKeys:
    """This device's private keys. ``pre_keys`` maps ids to key pairs; ids are 1..2**31-1."""

    identity: KeyPair
    signed_pre_key_id: int
    signed_pre_key: KeyPair
    signatures: dict[str, bytes]
    pre_keys: dict[int, KeyPair] = field(default_factory=dict)
    #: The signed pre-key before the last rotation (id, pair): key exchanges built from a bundle
    #: fetched before the rotation still work until the next one.
    previous_signed_pre_key: tuple[int, KeyPair] | None = None
    _ed25519_identity: bytes = field(default=b"", repr=False, compare=False)

    def identity_key(self, version: Version) -> bytes:
        """This device's identity key in ``version``'s wire form (the Ed25519 form is computed once)."""
        if version is OMEMO_2:
            if not self._ed25519_identity:
                self._ed25519_identity = identity_wire_form(version, self.identity)
            return self._ed25519_identity
        return self.identity.public

    def __repr__(self) -> str:
        return (f"DeviceKeys(identity={self.identity.public.hex()}, signed_pre_key_id={self.signed_pre_key_id}, "
                f"pre_keys={len(self.pre_keys)})")

    @classmethod
    async def generate(cls, crypto: OmemoCrypto, pre_key_count: int = 100) -> DeviceKeys:
        """New keys: an identity, a signed pre-key (id 1) and ``pre_key_count`` pre-keys."""
        keys = cls(await crypto.x25519_generate(), 0, KeyPair(b"", b""), {})
        await keys.rotate_signed_pre_key(crypto)
        await keys.add_pre_keys(crypto, pre_key_count)
        return keys

    async def rotate_signed_pre_key(self, crypto: OmemoCrypto) -> None:
        """A new signed pre-key with the next id, signed for both versions."""
        pair = await crypto.x25519_generate()
        signatures = {version.namespace: xeddsa.sign(self.identity.private, signed_text(version, pair.public),
                                                     await crypto.random_bytes(64))
                      for version in (OMEMO_03, OMEMO_2)}
        if self.signed_pre_key.private:
            self.previous_signed_pre_key = (self.signed_pre_key_id, self.signed_pre_key)
        self.signed_pre_key_id = self.signed_pre_key_id % MAX_ID + 1
        self.signed_pre_key, self.signatures = pair, signatures

    def signed_pre_key_pair(self, key_id: int) -> KeyPair | None:
        """The signed pre-key (current or previous) with this id."""
        if key_id == self.signed_pre_key_id:
            return self.signed_pre_key
        previous = self.previous_signed_pre_key
        return previous[1] if previous is not None and previous[0] == key_id else None

    async def add_pre_keys(self, crypto: OmemoCrypto, count: int, *, after: int = 0) -> None:
        """``count`` more pre-keys with ids after the highest one (and after ``after``: pass a used
        pre-key's id, so that it is never given to a new key a peer could confuse with it)."""
        next_id = max(max(self.pre_keys, default=0), after)
        for _ in range(count):
            next_id = next_id % MAX_ID + 1
            self.pre_keys[next_id] = await crypto.x25519_generate()

    def bundle(self, version: Version) -> Bundle:
        """The public part to publish for ``version``."""
        return Bundle(version, self.identity_key(version), self.signed_pre_key_id,
                      self.signed_pre_key.public, self.signatures[version.namespace],
                      {key_id: pair.public for key_id, pair in self.pre_keys.items()})

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (base64 keys)."""
        return {"identity": [b64(self.identity.private), b64(self.identity.public)],
                "signed_pre_key_id": self.signed_pre_key_id,
                "signed_pre_key": [b64(self.signed_pre_key.private), b64(self.signed_pre_key.public)],
                "signatures": {namespace: b64(signature) for namespace, signature in self.signatures.items()},
                "pre_keys": {str(key_id): [b64(pair.private), b64(pair.public)] for key_id, pair in self.pre_keys.items()},
                "previous_signed_pre_key": None if self.previous_signed_pre_key is None else [
                    self.previous_signed_pre_key[0], b64(self.previous_signed_pre_key[1].private), b64(self.previous_signed_pre_key[1].public)]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeviceKeys:
        """The inverse of ``to_json``; ``WireFormatError`` for a damaged dict."""
        try:
            signatures = {str(namespace): unb64(signature, 64) for namespace, signature in data["signatures"].items()}
            pre_keys = {int(key_id): _pair(pair) for key_id, pair in data["pre_keys"].items()}
            spk_id = data["signed_pre_key_id"]
            if not isinstance(spk_id, int):
                raise WireFormatError("stored OMEMO keys: the signed pre-key id is not a number")
            raw = data.get("previous_signed_pre_key")
            previous = None if raw is None else (int(raw[0]), _pair(raw[1:]))
            return cls(_pair(data["identity"]), spk_id, _pair(data["signed_pre_key"]), signatures, pre_keys, previous)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as error:
            raise WireFormatError("stored OMEMO keys are damaged") from error


async def new_device_id(crypto: OmemoCrypto, taken: Collection[int] = ()) -> int:
    """A random device id in 1..2**31-1 that is not in ``taken`` (the account's device lists)."""
    while True:
        device_id = int.from_bytes(await crypto.random_bytes(4), "big") & MAX_ID
        if device_id and device_id not in taken:
            return device_id


def _pair(value: Any) -> KeyPair:
    if not isinstance(value, list) or len(value) != 2:
        raise WireFormatError("stored OMEMO keys: a key pair is damaged")
    return KeyPair(unb64(value[0], 32), unb64(value[1], 32))


@dataclass(frozen=True)
class Agreement:
    """The result of X3DH: the shared secret, the associated data (initiator's identity first), and
    for the active side what the key exchange carries."""

    shared_secret: bytes = field(repr=False)
    associated_data: bytes
    ephemeral_key: bytes = b""
    pre_key_id: int = 0
    signed_pre_key_id: int = 0


async def _shared_secret(crypto: OmemoCrypto, version: Version, secrets: list[bytes]) -> bytes:
    return await crypto.hkdf_sha256(DISCONTINUITY + b"".join(secrets), salt=bytes(32), info=version.x3dh_info, length=32)


async def agree_active(crypto: OmemoCrypto, own: DeviceKeys, bundle: Bundle) -> tuple[Agreement, KeyPair]:
    """X3DH from a peer's bundle: the agreement and the ephemeral key pair (whose private half the
    caller drops). Picks one of the bundle's pre-keys at random."""
    version = bundle.version
    if not bundle.verify():
        raise KeyExchangeError("the bundle's signed pre-key signature does not verify")
    if not bundle.pre_keys:
        raise KeyExchangeError("the bundle has no pre-keys")
    ids = sorted(bundle.pre_keys)
    pre_key_id = ids[int.from_bytes(await crypto.random_bytes(4), "big") % len(ids)]
    ephemeral = await crypto.x25519_generate()
    their_identity = identity_dh_key(version, bundle.identity_key)
    secrets = [await crypto.x25519(own.identity.private, bundle.signed_pre_key),
               await crypto.x25519(ephemeral.private, their_identity),
               await crypto.x25519(ephemeral.private, bundle.signed_pre_key),
               await crypto.x25519(ephemeral.private, bundle.pre_keys[pre_key_id])]
    associated = identity_ad_form(version, own.identity_key(version)) + identity_ad_form(version, bundle.identity_key)
    agreement = Agreement(await _shared_secret(crypto, version, secrets), associated, ephemeral.public, pre_key_id,
                          bundle.signed_pre_key_id)
    return agreement, ephemeral


async def agree_passive(crypto: OmemoCrypto, version: Version, own: DeviceKeys, their_identity: bytes, ephemeral_key: bytes,
                        pre_key_id: int, signed_pre_key_id: int) -> Agreement:
    """X3DH from a peer's key exchange (their identity in ``version``'s wire form)."""
    signed_pre_key = own.signed_pre_key_pair(signed_pre_key_id)
    if signed_pre_key is None:
        raise KeyExchangeError("the key exchange names a signed pre-key this device does not have")
    pre_key = own.pre_keys.get(pre_key_id)
    if pre_key is None:
        raise KeyExchangeError("the key exchange names a pre-key this device does not have (used already?)")
    their_dh = identity_dh_key(version, their_identity)
    secrets = [await crypto.x25519(signed_pre_key.private, their_dh),
               await crypto.x25519(own.identity.private, ephemeral_key),
               await crypto.x25519(signed_pre_key.private, ephemeral_key),
               await crypto.x25519(pre_key.private, ephemeral_key)]
    associated = identity_ad_form(version, their_identity) + identity_ad_form(version, own.identity_key(version))
    return Agreement(await _shared_secret(crypto, version, secrets), associated, ephemeral_key, pre_key_id, signed_pre_key_id)
