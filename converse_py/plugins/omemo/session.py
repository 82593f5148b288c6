"""Sessions with a peer's device: start one from their bundle, and decrypt the bytes of a ``<key>``
addressed to this device (a key exchange builds a session, or continues the one it built).

The caller keeps one ``RatchetSession`` per (namespace, JID, device), stores ``to_json()`` after every
call that returns one, and removes a pre-key this module reports as used (then republishes the bundle).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import protobuf as pb
from .crypto import OmemoCrypto
from .errors import DecryptionError, KeyExchangeError, WireFormatError
from .ratchet import RatchetSession
from .versions import OMEMO_03, Version, decode_03_key
from .x3dh import Bundle, DeviceKeys, agree_active, agree_passive


async def start_session(crypto: OmemoCrypto, own: DeviceKeys, bundle: Bundle) -> RatchetSession:
    """An active session with the device that published ``bundle`` (raises ``KeyExchangeError`` when
    its signature does not verify). Its messages carry the key exchange until the peer answers."""
    agreement, _ephemeral = await agree_active(crypto, own, bundle)
    return await RatchetSession.active(crypto, bundle.version, agreement, bundle.signed_pre_key,
                                       own.identity_key(bundle.version))


@dataclass(frozen=True)
class KeyExchange:
    """A parsed key exchange: the sender's identity (``version``'s wire form), their ephemeral key, the
    pre-key ids it used and the first message inside."""

    identity_key: bytes
    ephemeral_key: bytes
    pre_key_id: int
    signed_pre_key_id: int
    message: bytes


def parse_key_exchange(version: Version, data: bytes) -> KeyExchange:
    """A ``<key prekey='true'>`` (0.3) or ``<key kex='true'>`` (omemo:2) payload."""
    if version is OMEMO_03:
        exchange = pb.decode_pre_key_whisper_message(data)
        return KeyExchange(decode_03_key(exchange.identity_key), decode_03_key(exchange.base_key), exchange.pre_key_id,
                           exchange.signed_pre_key_id, exchange.message)
    two = pb.decode_key_exchange(data)
    if len(two.ik) != 32 or len(two.ek) != 32:
        raise WireFormatError("an omemo:2 key exchange holds 32-byte keys")
    return KeyExchange(two.ik, two.ek, two.pk_id, two.spk_id, two.message)


@dataclass(frozen=True)
class Decrypted:
    """What a ``<key>`` held: the key material, the session to store from now on, and the pre-key id
    that a new session used up (remove it and republish the bundle), if any."""

    key_material: bytes
    session: RatchetSession
    used_pre_key_id: int | None = None


async def decrypt_key(crypto: OmemoCrypto, version: Version, own: DeviceKeys, session: RatchetSession | None,
                      data: bytes, key_exchange: bool) -> Decrypted:
    """Decrypt the bytes of this device's ``<key>``; ``session`` is the one stored for the sender's
    device (or None). Raises ``DecryptionError`` (or ``KeyExchangeError`` for an unusable key exchange);
    a stored session is never changed by a failure."""
    if not key_exchange:
        if session is None:
            raise DecryptionError("no session with the sending device")
        return Decrypted(await session.decrypt(crypto, data), session)
    try:
        exchange = parse_key_exchange(version, data)
    except WireFormatError as error:
        raise DecryptionError(f"malformed key exchange: {error}") from error
    if session is not None and session.origin == exchange.ephemeral_key:
        return Decrypted(await session.decrypt(crypto, exchange.message), session)
    agreement = await agree_passive(crypto, version, own, exchange.identity_key, exchange.ephemeral_key,
                                    exchange.pre_key_id, exchange.signed_pre_key_id)
    signed_pre_key = own.signed_pre_key_pair(exchange.signed_pre_key_id)
    assert signed_pre_key is not None  # agree_passive checked it
    fresh = RatchetSession.passive(version, agreement, signed_pre_key)
    try:
        key_material = await fresh.decrypt(crypto, exchange.message)
    except KeyExchangeError as error:
        raise DecryptionError("the key exchange's first message is unusable") from error
    return Decrypted(key_material, fresh, exchange.pre_key_id)
