"""A whole OMEMO message: encrypt once for a set of recipient devices, decrypt the ``<encrypted/>``
addressed to this device. Sans-IO: the caller looks sessions and bundles up, stores the sessions
returned (``to_json``), and removes a pre-key reported as used.

For omemo:2 the plaintext is a serialized XEP-0420 envelope (``sce.envelope_bytes``); for 0.3 it is
the body's UTF-8. ``plaintext=None`` makes a message without payload (an empty message: it completes
a key exchange or turns the ratchet, as XEP-0384 asks after many one-sided messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import payload as payloads
from .crypto import OmemoCrypto
from .elements import Encrypted, EncryptedKey
from .errors import DecryptionError, KeyExchangeError, OmemoError
from .ratchet import RatchetSession
from .session import decrypt_key, start_session
from .versions import OMEMO_03, OMEMO_2, Version
from .x3dh import Bundle, DeviceKeys


@dataclass(frozen=True)
class Recipient:
    """A device to encrypt for: its session, or the bundle to start one from."""

    jid: str
    device_id: int
    session: RatchetSession | None = None
    bundle: Bundle | None = None


@dataclass(frozen=True)
class Outgoing:
    """The ``<encrypted/>`` to send, the sessions to store by (jid, device id), and the devices that got
    no key with the reason. Send nothing when ``encrypted.keys`` is empty: no device could read it."""

    encrypted: Encrypted
    sessions: dict[tuple[str, int], RatchetSession]
    failures: dict[tuple[str, int], OmemoError]


async def encrypt_message(crypto: OmemoCrypto, version: Version, own: DeviceKeys, own_device_id: int, plaintext: bytes | None,
                          recipients: Iterable[Recipient]) -> Outgoing:
    """Encrypt ``plaintext`` (or nothing) once, and its key material for every recipient device."""
    if plaintext is None:
        body, iv, key_material = None, await crypto.random_bytes(12) if version is OMEMO_03 else b"", await crypto.random_bytes(32)
    else:
        sealed = await (payloads.encrypt_03(crypto, plaintext) if version is OMEMO_03 else payloads.encrypt_2(crypto, plaintext))
        body, iv, key_material = sealed.payload, sealed.iv, sealed.key_material
    keys: list[EncryptedKey] = []
    sessions: dict[tuple[str, int], RatchetSession] = {}
    failures: dict[tuple[str, int], OmemoError] = {}
    for recipient in recipients:
        address = (recipient.jid, recipient.device_id)
        try:
            session = recipient.session
            if session is None:
                if recipient.bundle is None:
                    raise KeyExchangeError("no session with this device and no bundle to start one")
                session = await start_session(crypto, own, recipient.bundle)
            data, key_exchange = await session.encrypt(crypto, key_material)
        except OmemoError as error:
            failures[address] = error
            continue
        sessions[address] = session
        keys.append(EncryptedKey(recipient.device_id, data, key_exchange, recipient.jid if version is OMEMO_2 else None))
    return Outgoing(Encrypted(version, own_device_id, tuple(keys), body, iv), sessions, failures)


@dataclass(frozen=True)
class Incoming:
    """A decrypted message: its plaintext (None for an empty message), the session to store for the
    sending device (``encrypted.sid``), and the pre-key a new session used up, if any."""

    plaintext: bytes | None = field(repr=False)
    session: RatchetSession
    used_pre_key_id: int | None = None


async def decrypt_message(crypto: OmemoCrypto, own: DeviceKeys, own_jid: str, own_device_id: int, encrypted: Encrypted,
                          session: RatchetSession | None) -> Incoming:
    """Decrypt the key addressed to this device and the payload. ``session`` is the stored one for the
    sender's device. Raises ``DecryptionError`` (``KeyExchangeError`` for an unusable key exchange);
    then store nothing."""
    version = encrypted.version
    keys = encrypted.keys_for(own_device_id, own_jid if version is OMEMO_2 else None)
    if not keys:
        raise DecryptionError("the message is not encrypted for this device")
    result = await decrypt_key(crypto, version, own, session, keys[0].data, keys[0].key_exchange)
    if encrypted.payload is None:
        return Incoming(None, result.session, result.used_pre_key_id)
    if version is OMEMO_03:
        plaintext = await payloads.decrypt_03(crypto, result.key_material, encrypted.iv, encrypted.payload)
    else:
        plaintext = await payloads.decrypt_2(crypto, result.key_material, encrypted.payload)
    return Incoming(plaintext, result.session, result.used_pre_key_id)
