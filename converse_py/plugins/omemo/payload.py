"""The encryption of a message's content, whose key material each device's ``<key>`` carries.

OMEMO 0.3: AES-128-GCM with a 12-byte IV; the key material is the 16-byte key and the 16-byte tag
(older senders put the tag after the payload and send a 16-byte key; both are read).
omemo:2: a 32-byte key gives, by HKDF-SHA-256 (zero salt, info "OMEMO Payload", 80 bytes), the
AES-256-CBC key, the HMAC key and the IV; the key material is the key and the HMAC truncated to 16 bytes;
what is encrypted is an XEP-0420 envelope (``sce``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from .crypto import OmemoCrypto
from .errors import DecryptionError


@dataclass(frozen=True)
class EncryptedPayload:
    """The ``<payload>`` bytes, the IV (0.3 only; empty for omemo:2) and the key material to encrypt
    for every device."""

    payload: bytes
    iv: bytes
    key_material: bytes = field(repr=False)


async def encrypt_03(crypto: OmemoCrypto, plaintext: bytes) -> EncryptedPayload:
    """A 0.3 message body."""
    key, iv = await crypto.random_bytes(16), await crypto.random_bytes(12)
    sealed = await crypto.aes_gcm_encrypt(key, iv, plaintext)
    return EncryptedPayload(sealed[:-16], iv, key + sealed[-16:])


async def decrypt_03(crypto: OmemoCrypto, key_material: bytes, iv: bytes, payload: bytes) -> bytes:
    """The body of a 0.3 message."""
    if len(key_material) == 32:
        key, sealed = key_material[:16], payload + key_material[16:]
    elif len(key_material) == 16:
        key, sealed = key_material, payload
    else:
        raise DecryptionError("0.3 key material is 16 or 32 bytes")
    if not iv:
        raise DecryptionError("the 0.3 message has no IV")
    return await crypto.aes_gcm_decrypt(key, iv, sealed)


async def _payload_keys(crypto: OmemoCrypto, key: bytes) -> tuple[bytes, bytes, bytes]:
    derived = await crypto.hkdf_sha256(key, salt=bytes(32), info=b"OMEMO Payload", length=80)
    return derived[:32], derived[32:64], derived[64:]


async def encrypt_2(crypto: OmemoCrypto, plaintext: bytes) -> EncryptedPayload:
    """An omemo:2 payload (``plaintext`` is the serialized SCE envelope)."""
    key = await crypto.random_bytes(32)
    enc_key, auth_key, iv = await _payload_keys(crypto, key)
    ciphertext = await crypto.aes_cbc_encrypt(enc_key, iv, plaintext)
    mac = (await crypto.hmac_sha256(auth_key, ciphertext))[:16]
    return EncryptedPayload(ciphertext, b"", key + mac)


async def decrypt_2(crypto: OmemoCrypto, key_material: bytes, payload: bytes) -> bytes:
    """The SCE envelope of an omemo:2 message."""
    if len(key_material) != 48:
        raise DecryptionError("omemo:2 key material is 48 bytes")
    enc_key, auth_key, iv = await _payload_keys(crypto, key_material[:32])
    if not hmac.compare_digest((await crypto.hmac_sha256(auth_key, payload))[:16], key_material[32:]):
        raise DecryptionError("the payload's authentication code does not match")
    return await crypto.aes_cbc_decrypt(enc_key, iv, payload)
