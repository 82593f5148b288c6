"""OMEMO's crypto boundary (``plugins/omemo/crypto.OmemoCrypto``) on the browser's WebCrypto.

X25519 keys are imported for each use (a private scalar as PKCS#8, a public key raw) and never
leave Python as anything but bytes: nothing is put on ``window``, and failures are reported
without key material. ``crypto.subtle`` rejects a low-order X25519 public key (an all-zero
shared secret): that becomes ``KeyExchangeError``; a wrong AES-GCM tag or bad CBC padding becomes
``DecryptionError``.

Python (in the page)::

    crypto = WebCrypto()
    pair = await crypto.x25519_generate()
    secret = await crypto.x25519(pair.private, other_public)
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ..plugins.omemo.crypto import KeyPair
from ..plugins.omemo.errors import DecryptionError, KeyExchangeError
from .random import random_bytes

#: DER of a PKCS#8 X25519 private key, before its 32-byte scalar (RFC 8410 §7).
PKCS8_X25519_PREFIX = bytes.fromhex("302e020100300506032b656e04220420")


def _subtle() -> Any:
    return js.crypto.subtle


def _algorithm(**fields: Any) -> Any:
    return js.Object.fromEntries(to_js(list(fields.items())))


def _buffer(data: bytes) -> Any:
    return to_js(bytes(data))


def _bytes(buffer: Any) -> bytes:
    return bytes(js.Uint8Array.new(buffer).to_bytes())


def _usages(*names: str) -> Any:
    return to_js(list(names))


class WebCrypto:
    """``OmemoCrypto`` on ``crypto.subtle`` and ``crypto.getRandomValues``."""

    async def random_bytes(self, length: int) -> bytes:
        return random_bytes(length)

    async def x25519_generate(self) -> KeyPair:
        pair = await _subtle().generateKey(_algorithm(name="X25519"), True, _usages("deriveBits"))
        pkcs8 = _bytes(await _subtle().exportKey("pkcs8", pair.privateKey))
        public = _bytes(await _subtle().exportKey("raw", pair.publicKey))
        return KeyPair(pkcs8[-32:], public)

    async def x25519(self, private: bytes, public: bytes) -> bytes:
        if len(private) != 32 or len(public) != 32:
            raise KeyExchangeError("X25519 keys are 32 bytes")
        subtle = _subtle()
        try:
            own = await subtle.importKey("pkcs8", _buffer(PKCS8_X25519_PREFIX + private), _algorithm(name="X25519"),
                                         False, _usages("deriveBits"))
            their = await subtle.importKey("raw", _buffer(public), _algorithm(name="X25519"), False, _usages())
            secret = _bytes(await subtle.deriveBits(_algorithm(name="X25519", public=their), own, 256))
        except Exception:  # a JsException: its text names no key
            # the JS error's text is dropped (from None): only the kind of failure is reported
            raise KeyExchangeError("X25519 failed (a low-order or invalid public key)") from None
        if secret == bytes(32):
            raise KeyExchangeError("X25519 gave the all-zero secret (a low-order public key)")
        return secret

    async def hkdf_sha256(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        subtle = _subtle()
        key = await subtle.importKey("raw", _buffer(ikm), "HKDF", False, _usages("deriveBits"))
        params = _algorithm(name="HKDF", hash="SHA-256", salt=_buffer(salt), info=_buffer(info))
        return _bytes(await subtle.deriveBits(params, key, length * 8))

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        subtle = _subtle()
        imported = await subtle.importKey("raw", _buffer(key), _algorithm(name="HMAC", hash="SHA-256"), False,
                                          _usages("sign"))
        return _bytes(await subtle.sign("HMAC", imported, _buffer(data)))

    async def _aes(self, name: str, usage: str, key: bytes, params: Any, data: bytes) -> bytes:
        subtle = _subtle()
        imported = await subtle.importKey("raw", _buffer(key), name, False, _usages(usage))
        operation = subtle.encrypt if usage == "encrypt" else subtle.decrypt
        return _bytes(await operation(params, imported, _buffer(data)))

    async def aes_cbc_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        return await self._aes("AES-CBC", "encrypt", key, _algorithm(name="AES-CBC", iv=_buffer(iv)), plaintext)

    async def aes_cbc_decrypt(self, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        try:
            return await self._aes("AES-CBC", "decrypt", key, _algorithm(name="AES-CBC", iv=_buffer(iv)), ciphertext)
        except Exception:
            raise DecryptionError("AES-CBC decryption failed (bad padding or length)") from None

    async def aes_gcm_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        params = _algorithm(name="AES-GCM", iv=_buffer(iv), tagLength=128)
        return await self._aes("AES-GCM", "encrypt", key, params, plaintext)

    async def aes_gcm_decrypt(self, key: bytes, iv: bytes, ciphertext_and_tag: bytes) -> bytes:
        params = _algorithm(name="AES-GCM", iv=_buffer(iv), tagLength=128)
        try:
            return await self._aes("AES-GCM", "decrypt", key, params, ciphertext_and_tag)
        except Exception:
            raise DecryptionError("AES-GCM decryption failed (wrong key or tag)") from None

