"""The Double Ratchet of OMEMO (both versions): a session's state, encrypting the key material of a
message for one device and decrypting what that device sent.

KDFs as libsignal has them: the root chain is HKDF-SHA-256 (salt the root key, input the X25519
output, 64 bytes: new root key, chain key); a chain step is HMAC(chain key, 0x01) for the message key
and HMAC(chain key, 0x02) for the next chain key; a message key gives, by HKDF (zero salt, the
version's info, 80 bytes), the AES-256-CBC key, the HMAC key and the IV.

0.3 sends ``0x33 || WhisperMessage || MAC[:8]``, the MAC over sender identity, recipient identity (33
bytes each) and the message; omemo:2 sends an ``OMEMOAuthenticatedMessage`` whose MAC (16 bytes)
covers the X3DH associated data (initiator first) and the ``OMEMOMessage``.

Skipped message keys are bounded: one message may skip at most ``MAX_SKIP`` keys, and a session keeps
at most ``MAX_SKIPPED_KEYS`` (the oldest go first), so a hostile peer cannot make the state grow. A
failed decryption leaves the session as it was. The state is a JSON-able dict (``to_json``); the
repr shows no key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import protobuf as pb
from .crypto import KeyPair, OmemoCrypto
from .errors import DecryptionError, KeyExchangeError, OmemoError, WireFormatError
from .versions import OMEMO_03, OMEMO_2, Version, decode_03_key, encode_03_key, version_of
from .x3dh import Agreement, b64, unb64

#: At most this many message keys are derived to reach one message.
MAX_SKIP = 1000
#: At most this many skipped message keys are kept per session (oldest dropped first).
MAX_SKIPPED_KEYS = 1000


@dataclass(frozen=True)
class PendingKeyExchange:
    """What an active session repeats in every message until the peer answers."""

    pre_key_id: int
    signed_pre_key_id: int
    ephemeral_key: bytes
    identity_key: bytes  # this device's identity in the version's wire form


@dataclass
class RatchetState:
    """The mutable state; copied for a decryption attempt and committed only on success."""

    root_key: bytes
    own_ratchet: KeyPair
    their_ratchet: bytes | None = None
    sending_chain: bytes | None = None
    receiving_chain: bytes | None = None
    sent: int = 0
    received: int = 0
    previous_sent: int = 0
    #: (their ratchet key, message number) -> message key, oldest first.
    skipped: dict[tuple[bytes, int], bytes] = field(default_factory=dict)


class RatchetSession:
    """A Double Ratchet session with one device of a peer."""

    def __init__(self, version: Version, associated_data: bytes, initiator: bool, state: RatchetState,
                 pending: PendingKeyExchange | None = None, origin: bytes = b"") -> None:
        self.version = version
        #: The X3DH ephemeral key that built the session (repeated key exchanges name it).
        self.origin = origin
        self.associated_data = associated_data
        self.initiator = initiator
        self._state = state
        self.pending = pending
        #: Calls overlap in the browser (every crypto step awaits): one at a time per session, or two
        #: messages could take the same message key, or a decryption could undo an encryption.
        self._busy = asyncio.Lock()

    def __repr__(self) -> str:
        return f"RatchetSession({self.version.namespace}, initiator={self.initiator}, sent={self._state.sent}, received={self._state.received})"

    @property
    def their_identity(self) -> bytes:
        """The peer's identity key in the version's wire form (what trust decisions are about)."""
        size = len(self.associated_data) // 2
        theirs = self.associated_data[size:] if self.initiator else self.associated_data[:size]
        return decode_03_key(theirs) if self.version is OMEMO_03 else theirs

    @property
    def skipped_key_count(self) -> int:
        """How many skipped message keys the session holds."""
        return len(self._state.skipped)

    # ------------------------------------------------------------------------------------- creation

    @classmethod
    async def active(cls, crypto: OmemoCrypto, version: Version, agreement: Agreement, their_signed_pre_key: bytes,
                     own_identity: bytes) -> RatchetSession:
        """The initiator's session: a first sending chain against the peer's signed pre-key."""
        own = await crypto.x25519_generate()
        root, sending = await _root_step(crypto, version, agreement.shared_secret, await crypto.x25519(own.private, their_signed_pre_key))
        state = RatchetState(root, own, their_ratchet=their_signed_pre_key, sending_chain=sending)
        pending = PendingKeyExchange(agreement.pre_key_id, agreement.signed_pre_key_id, agreement.ephemeral_key, own_identity)
        return cls(version, agreement.associated_data, True, state, pending, agreement.ephemeral_key)

    @classmethod
    def passive(cls, version: Version, agreement: Agreement, signed_pre_key: KeyPair) -> RatchetSession:
        """The responder's session: its first ratchet key is the signed pre-key; the first message from
        the initiator (``decrypt``) makes the chains."""
        return cls(version, agreement.associated_data, False, RatchetState(agreement.shared_secret, signed_pre_key),
                   origin=agreement.ephemeral_key)

    # ------------------------------------------------------------------------------------ encryption

    async def encrypt(self, crypto: OmemoCrypto, plaintext: bytes) -> tuple[bytes, bool]:
        """The bytes for this device's ``<key>`` and whether they are a key exchange (``prekey``/``kex``)."""
        async with self._busy:
            return await self._encrypt(crypto, plaintext)

    async def _encrypt(self, crypto: OmemoCrypto, plaintext: bytes) -> tuple[bytes, bool]:
        state = self._state
        if state.sending_chain is None:
            raise OmemoError("this session cannot send before it has received a message")
        message_key, state.sending_chain = await _chain_step(crypto, state.sending_chain)
        enc_key, auth_key, iv = await _message_keys(crypto, self.version, message_key)
        ciphertext = await crypto.aes_cbc_encrypt(enc_key, iv, plaintext)
        number = state.sent
        state.sent += 1
        if self.version is OMEMO_03:
            covered = pb.whisper_message_bytes(pb.WhisperMessage(encode_03_key(state.own_ratchet.public), number, state.previous_sent, ciphertext))
            mac = (await crypto.hmac_sha256(auth_key, self._identities_03(sending=True) + covered))[:pb.MAC_LENGTH_03]
            data = covered + mac
        else:
            message = pb.encode_omemo_message(pb.OMEMOMessage(number, state.previous_sent, state.own_ratchet.public, ciphertext))
            mac = (await crypto.hmac_sha256(auth_key, self.associated_data + message))[:pb.MAC_LENGTH_2]
            data = pb.encode_authenticated_message(mac, message)
        if self.pending is None:
            return data, False
        return self._wrap_key_exchange(self.pending, data), True

    def _wrap_key_exchange(self, pending: PendingKeyExchange, data: bytes) -> bytes:
        if self.version is OMEMO_03:
            return pb.encode_pre_key_whisper_message(pb.PreKeyWhisperMessage(
                pending.pre_key_id, pending.signed_pre_key_id, encode_03_key(pending.ephemeral_key),
                encode_03_key(pending.identity_key), data))
        return pb.encode_key_exchange(pb.OMEMOKeyExchange(pending.pre_key_id, pending.signed_pre_key_id, pending.identity_key,
                                                          pending.ephemeral_key, data))

    def _identities_03(self, sending: bool) -> bytes:
        """0.3's MAC input: sender identity, then recipient identity (libsignal's order)."""
        first, second = self.associated_data[:33], self.associated_data[33:]
        return first + second if sending == self.initiator else second + first

    # ------------------------------------------------------------------------------------ decryption

    async def decrypt(self, crypto: OmemoCrypto, data: bytes) -> bytes:
        """The plaintext of a message (not a key exchange: unwrap that first). Raises
        ``DecryptionError`` and leaves the session unchanged when the message does not authenticate."""
        async with self._busy:
            return await self._decrypt(crypto, data)

    async def _decrypt(self, crypto: OmemoCrypto, data: bytes) -> bytes:
        try:
            if self.version is OMEMO_03:
                whisper, covered, mac = pb.decode_whisper_message(data)
                header = (decode_03_key(whisper.ratchet_key), whisper.counter, whisper.previous_counter)
                ciphertext = whisper.ciphertext
            else:
                mac, covered = pb.decode_authenticated_message(data)
                message = pb.decode_omemo_message(covered)
                if len(message.dh_pub) != 32:
                    raise WireFormatError("an omemo:2 ratchet key is 32 bytes")
                header = (message.dh_pub, message.n, message.pn)
                ciphertext = message.ciphertext
        except WireFormatError as error:
            raise DecryptionError(f"malformed message: {error}") from error
        state = dataclasses.replace(self._state, skipped=dict(self._state.skipped))  # the rest is immutable
        try:
            message_key = await self._message_key(crypto, state, *header)
        except KeyExchangeError as error:  # a low-order ratchet key
            raise DecryptionError("the message's ratchet key is unusable") from error
        enc_key, auth_key, iv = await _message_keys(crypto, self.version, message_key)
        if self.version is OMEMO_03:
            expected = (await crypto.hmac_sha256(auth_key, self._identities_03(sending=False) + covered))[:pb.MAC_LENGTH_03]
        else:
            expected = (await crypto.hmac_sha256(auth_key, self.associated_data + covered))[:pb.MAC_LENGTH_2]
        if not hmac.compare_digest(expected, mac):
            raise DecryptionError("the message authentication code does not match")
        plaintext = await crypto.aes_cbc_decrypt(enc_key, iv, ciphertext)
        self._state = state
        self.pending = None
        return plaintext

    async def _message_key(self, crypto: OmemoCrypto, state: RatchetState, ratchet: bytes, number: int, previous: int) -> bytes:
        skipped = state.skipped.pop((ratchet, number), None)
        if skipped is not None:
            return skipped
        if ratchet != state.their_ratchet or state.receiving_chain is None:
            if state.receiving_chain is not None:
                await self._skip(crypto, state, previous)
            await self._dh_step(crypto, state, ratchet)
        if number < state.received:
            raise DecryptionError("a message that was already decrypted (or its key was dropped)")
        await self._skip(crypto, state, number)
        assert state.receiving_chain is not None
        message_key, state.receiving_chain = await _chain_step(crypto, state.receiving_chain)
        state.received += 1
        return message_key

    async def _skip(self, crypto: OmemoCrypto, state: RatchetState, until: int) -> None:
        if until - state.received > MAX_SKIP:
            raise DecryptionError(f"the message skips more than {MAX_SKIP} messages")
        assert state.their_ratchet is not None
        while state.received < until:
            assert state.receiving_chain is not None
            message_key, state.receiving_chain = await _chain_step(crypto, state.receiving_chain)
            state.skipped[(state.their_ratchet, state.received)] = message_key
            state.received += 1
            while len(state.skipped) > MAX_SKIPPED_KEYS:
                del state.skipped[next(iter(state.skipped))]

    async def _dh_step(self, crypto: OmemoCrypto, state: RatchetState, ratchet: bytes) -> None:
        state.previous_sent, state.sent, state.received = state.sent, 0, 0
        state.their_ratchet = ratchet
        state.root_key, state.receiving_chain = await _root_step(
            crypto, self.version, state.root_key, await crypto.x25519(state.own_ratchet.private, ratchet))
        state.own_ratchet = await crypto.x25519_generate()
        state.root_key, state.sending_chain = await _root_step(
            crypto, self.version, state.root_key, await crypto.x25519(state.own_ratchet.private, ratchet))

    # ---------------------------------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of the whole session."""
        state = self._state
        pending = self.pending
        return {
            "version": self.version.namespace, "associated_data": b64(self.associated_data), "initiator": self.initiator,
            "origin": b64(self.origin),
            "root_key": b64(state.root_key), "own_ratchet": [b64(state.own_ratchet.private), b64(state.own_ratchet.public)],
            "their_ratchet": None if state.their_ratchet is None else b64(state.their_ratchet),
            "sending_chain": None if state.sending_chain is None else b64(state.sending_chain),
            "receiving_chain": None if state.receiving_chain is None else b64(state.receiving_chain),
            "sent": state.sent, "received": state.received, "previous_sent": state.previous_sent,
            "skipped": [[b64(ratchet), number, b64(key)] for (ratchet, number), key in state.skipped.items()],
            "pending": None if pending is None else [pending.pre_key_id, pending.signed_pre_key_id, b64(pending.ephemeral_key),
                                                     b64(pending.identity_key)],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RatchetSession:
        """The inverse of ``to_json``; ``WireFormatError`` for a damaged dict."""
        try:
            def optional(name: str) -> bytes | None:
                return None if data[name] is None else unb64(data[name], 32)

            def count(value: Any) -> int:
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= pb.UINT32_MAX:
                    raise WireFormatError("stored OMEMO session: a counter is damaged")
                return value

            skipped = {(unb64(ratchet, 32), count(number)): unb64(key, 32) for ratchet, number, key in data["skipped"][-MAX_SKIPPED_KEYS:]}
            own = data["own_ratchet"]
            state = RatchetState(unb64(data["root_key"], 32), KeyPair(unb64(own[0], 32), unb64(own[1], 32)), optional("their_ratchet"),
                                 optional("sending_chain"), optional("receiving_chain"), count(data["sent"]), count(data["received"]),
                                 count(data["previous_sent"]), skipped)
            raw = data["pending"]
            pending = None if raw is None else PendingKeyExchange(count(raw[0]), count(raw[1]), unb64(raw[2], 32), unb64(raw[3], 32))
            initiator = data["initiator"]
            if not isinstance(initiator, bool):
                raise WireFormatError("stored OMEMO session: initiator is not a boolean")
            version = version_of(data["version"])
            return cls(version, unb64(data["associated_data"], 66 if version is OMEMO_03 else 64), initiator, state, pending,
                       unb64(data["origin"], 32))
        except (KeyError, TypeError, IndexError, ValueError) as error:
            raise WireFormatError("stored OMEMO session is damaged") from error


async def _root_step(crypto: OmemoCrypto, version: Version, root_key: bytes, dh_output: bytes) -> tuple[bytes, bytes]:
    derived = await crypto.hkdf_sha256(dh_output, salt=root_key, info=version.root_info, length=64)
    return derived[:32], derived[32:]


async def _chain_step(crypto: OmemoCrypto, chain_key: bytes) -> tuple[bytes, bytes]:
    """(message key, next chain key)."""
    return await crypto.hmac_sha256(chain_key, b"\x01"), await crypto.hmac_sha256(chain_key, b"\x02")


async def _message_keys(crypto: OmemoCrypto, version: Version, message_key: bytes) -> tuple[bytes, bytes, bytes]:
    derived = await crypto.hkdf_sha256(message_key, salt=bytes(32), info=version.message_key_info, length=80)
    return derived[:32], derived[32:64], derived[64:]


__all__ = ["MAX_SKIP", "MAX_SKIPPED_KEYS", "OMEMO_2", "OMEMO_03", "PendingKeyExchange", "RatchetSession", "RatchetState"]
