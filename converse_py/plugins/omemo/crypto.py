"""The cryptographic primitives the OMEMO core needs, as an async boundary.

In the browser the implementation is WebCrypto (X25519, HKDF, HMAC, AES-CBC, AES-GCM and
``getRandomValues`` are all asynchronous there); on CPython the unit tests use one built on the
``cryptography`` package (tests/unit/omemo_crypto.py). Only XEdDSA and the Curve25519/Ed25519
conversions, which WebCrypto lacks, are pure Python (``xeddsa``, ``curve``).

Keys cross the boundary as raw bytes: an X25519 private key is its 32-byte scalar, a public key its
32-byte u-coordinate. A failed check (AES-GCM tag, PKCS#7 padding) raises ``DecryptionError``.

>>> KeyPair(private=bytes(32), public=bytes.fromhex("09" + "00" * 31))  # the private half is never shown
KeyPair(public=0900000000000000000000000000000000000000000000000000000000000000)
"""

from __future__ import annotations

from typing import NamedTuple, Protocol


class KeyPair(NamedTuple):
    """An X25519 key pair: raw 32-byte private scalar and public u-coordinate."""

    private: bytes
    public: bytes

    def __repr__(self) -> str:  # never show the private key
        return f"KeyPair(public={self.public.hex()})"


class OmemoCrypto(Protocol):
    """Async primitives; every method may be implemented with WebCrypto."""

    async def random_bytes(self, length: int) -> bytes:
        """``length`` bytes from a cryptographically secure generator."""
        ...

    async def x25519_generate(self) -> KeyPair:
        """A new X25519 key pair."""
        ...

    async def x25519(self, private: bytes, public: bytes) -> bytes:
        """The X25519 shared secret of ``private`` and ``public`` (raises ``KeyExchangeError`` for a
        low-order public key)."""
        ...

    async def hkdf_sha256(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        """HKDF (RFC 5869) with SHA-256."""
        ...

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        """HMAC-SHA-256 of ``data`` (32 bytes)."""
        ...

    async def aes_cbc_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        """AES-CBC with PKCS#7 padding (the key length selects AES-128 or AES-256)."""
        ...

    async def aes_cbc_decrypt(self, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        """The inverse of ``aes_cbc_encrypt``; bad padding raises ``DecryptionError``."""
        ...

    async def aes_gcm_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        """AES-GCM: the ciphertext followed by the 16-byte tag."""
        ...

    async def aes_gcm_decrypt(self, key: bytes, iv: bytes, ciphertext_and_tag: bytes) -> bytes:
        """The inverse of ``aes_gcm_encrypt``; a wrong tag raises ``DecryptionError``."""
        ...
