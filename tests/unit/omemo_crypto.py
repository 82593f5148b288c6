"""A CPython implementation of the OMEMO core's crypto boundary on the ``cryptography`` package
(test support only: converse_py must not import ``cryptography``; the browser uses WebCrypto)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from converse_py.plugins.omemo.crypto import KeyPair
from converse_py.plugins.omemo.errors import DecryptionError, KeyExchangeError

RAW = serialization.Encoding.Raw


class CryptographyBackend:
    """``OmemoCrypto`` on the ``cryptography`` package."""

    async def random_bytes(self, length: int) -> bytes:
        return secrets.token_bytes(length)

    async def x25519_generate(self) -> KeyPair:
        private = x25519.X25519PrivateKey.generate()
        return KeyPair(private.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
                       private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw))

    async def x25519(self, private: bytes, public: bytes) -> bytes:
        try:
            return x25519.X25519PrivateKey.from_private_bytes(private).exchange(x25519.X25519PublicKey.from_public_bytes(public))
        except ValueError as error:
            raise KeyExchangeError("X25519 with this public key failed") from error

    async def hkdf_sha256(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, hashlib.sha256).digest()

    async def aes_cbc_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()

    async def aes_cbc_decrypt(self, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        if not ciphertext or len(ciphertext) % 16:
            raise DecryptionError("AES-CBC ciphertext is not a whole number of blocks")
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(decryptor.update(ciphertext) + decryptor.finalize()) + unpadder.finalize()
        except ValueError as error:
            raise DecryptionError("bad PKCS#7 padding") from error

    async def aes_gcm_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        return AESGCM(key).encrypt(iv, plaintext, None)

    async def aes_gcm_decrypt(self, key: bytes, iv: bytes, ciphertext_and_tag: bytes) -> bytes:
        try:
            return AESGCM(key).decrypt(iv, ciphertext_and_tag, None)
        except (InvalidTag, ValueError) as error:
            raise DecryptionError("AES-GCM authentication failed") from error
