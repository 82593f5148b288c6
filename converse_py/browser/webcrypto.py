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

from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]

from ..plugins.omemo.crypto import KeyPair
from ..plugins.omemo.errors import DecryptionError, KeyExchangeError
from .random import random_bytes

#: DER of a PKCS#8 X25519 private key, before its 32-byte scalar (RFC 8410 §7).
PKCS8_X25519_PREFIX = bytes.fromhex("302e020100300506032b656e04220420")


# The conversions between Python and WebCrypto, shared with browser/idb.py (its sealed records).
def subtle_api() -> Any:
    return js.crypto.subtle


def algorithm(**fields: Any) -> Any:
    return js.Object.fromEntries(to_js(list(fields.items())))


def js_bytes(data: bytes) -> Any:
    return to_js(bytes(data))


def py_bytes(buffer: Any) -> bytes:
    return bytes(js.Uint8Array.new(buffer).to_bytes())


def usages(*names: str) -> Any:
    return to_js(list(names))


async def _with_imported(key_data: bytes, import_as: Any, usage: str, use: Callable[[Any], Any]) -> bytes:
    """Import raw ``key_data`` (not extractable) and run ``use(key)`` (a promise) on it, chained in
    JS: the page's Python waits once for both, not once for each (an encrypted burst made some
    ten such pairs a message, each wait a task of its own)."""
    then = create_proxy(use)
    try:
        return py_bytes(await subtle_api().importKey("raw", js_bytes(key_data), import_as, False,
                                                     usages(usage)).then(then))
    finally:
        then.destroy()


class WebCrypto:
    """``OmemoCrypto`` on ``crypto.subtle`` and ``crypto.getRandomValues``."""

    async def random_bytes(self, length: int) -> bytes:
        return random_bytes(length)

    async def x25519_generate(self) -> KeyPair:
        pair = await subtle_api().generateKey(algorithm(name="X25519"), True, usages("deriveBits"))
        pkcs8 = py_bytes(await subtle_api().exportKey("pkcs8", pair.privateKey))
        public = py_bytes(await subtle_api().exportKey("raw", pair.publicKey))
        return KeyPair(pkcs8[-32:], public)

    async def x25519(self, private: bytes, public: bytes) -> bytes:
        if len(private) != 32 or len(public) != 32:
            raise KeyExchangeError("X25519 keys are 32 bytes")
        subtle = subtle_api()
        try:
            own = await subtle.importKey("pkcs8", js_bytes(PKCS8_X25519_PREFIX + private), algorithm(name="X25519"),
                                         False, usages("deriveBits"))
            their = await subtle.importKey("raw", js_bytes(public), algorithm(name="X25519"), False, usages())
            secret = py_bytes(await subtle.deriveBits(algorithm(name="X25519", public=their), own, 256))
        except Exception:  # a JsException: its text names no key
            # the JS error's text is dropped (from None): only the kind of failure is reported
            raise KeyExchangeError("X25519 failed (a low-order or invalid public key)") from None
        if secret == bytes(32):
            raise KeyExchangeError("X25519 gave the all-zero secret (a low-order public key)")
        return secret

    async def hkdf_sha256(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        params = algorithm(name="HKDF", hash="SHA-256", salt=js_bytes(salt), info=js_bytes(info))
        return await _with_imported(ikm, "HKDF", "deriveBits", lambda key: subtle_api().deriveBits(params, key, length * 8))

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        message = js_bytes(data)
        return await _with_imported(key, algorithm(name="HMAC", hash="SHA-256"), "sign",
                                    lambda imported: subtle_api().sign("HMAC", imported, message))

    async def _aes(self, name: str, usage: str, key: bytes, params: Any, data: bytes) -> bytes:
        subtle = subtle_api()
        operation = subtle.encrypt if usage == "encrypt" else subtle.decrypt
        payload = js_bytes(data)
        return await _with_imported(key, name, usage, lambda imported: operation(params, imported, payload))

    async def aes_cbc_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        return await self._aes("AES-CBC", "encrypt", key, algorithm(name="AES-CBC", iv=js_bytes(iv)), plaintext)

    async def aes_cbc_decrypt(self, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        try:
            return await self._aes("AES-CBC", "decrypt", key, algorithm(name="AES-CBC", iv=js_bytes(iv)), ciphertext)
        except Exception:
            raise DecryptionError("AES-CBC decryption failed (bad padding or length)") from None

    async def aes_gcm_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        params = algorithm(name="AES-GCM", iv=js_bytes(iv), tagLength=128)
        return await self._aes("AES-GCM", "encrypt", key, params, plaintext)

    async def aes_gcm_decrypt(self, key: bytes, iv: bytes, ciphertext_and_tag: bytes) -> bytes:
        params = algorithm(name="AES-GCM", iv=js_bytes(iv), tagLength=128)
        try:
            return await self._aes("AES-GCM", "decrypt", key, params, ciphertext_and_tag)
        except Exception:
            raise DecryptionError("AES-GCM decryption failed (wrong key or tag)") from None

