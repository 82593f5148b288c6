"""One OTR conversation with one contact: the message state machine, data messages with key
rotation and revealed MAC keys, TLVs, fragmentation, query messages and whitespace tags.

The session does no I/O: ``handle_incoming`` and ``encrypt`` return the texts to send, and the
caller (the chats plugin) puts them in ``<message><body>`` stanzas.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from collections.abc import Callable

from ...core.errors import ConverseError
from . import crypto
from .ake import Ake, AkeResult
from .crypto import DSAPrivateKey, DSAPublicKey, RandomBytes
from .framing import (Reassembler, error_message, fragment, parse_error, parse_fragment, parse_query,
                      parse_whitespace_tag, query_message, whitespace_tag)
from .smp import Smp, SmpEvent
from .wire import (FLAG_IGNORE_UNREADABLE, MSG_DATA, TLV, TLV_DISCONNECTED, TLV_SMP1, TLV_SMP1Q, TLV_SMP2, TLV_SMP3,
                   TLV_SMP4, TLV_SMP_ABORT, DataMessage, Header, Message, OtrFormatError, Plaintext, decode, encode,
                   fingerprint, human_fingerprint, pack_mpi, parse_plaintext)

log = logging.getLogger(__name__)

SMP_TLVS = {TLV_SMP1, TLV_SMP1Q, TLV_SMP2, TLV_SMP3, TLV_SMP4, TLV_SMP_ABORT}
MIN_INSTANCE_TAG = 0x100


class MessageState(enum.Enum):
    """The spec's message states."""

    PLAINTEXT = "plaintext"
    ENCRYPTED = "encrypted"
    FINISHED = "finished"


class OtrState(enum.Enum):
    """The padlock shown on a chat box."""

    NOT_PRIVATE = "not-private"
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    FINISHED = "finished"


class OtrSendRefused(ConverseError):
    """``encrypt`` (or an SMP call) was asked to send while the session must not: the contact
    ended the private conversation, encryption is required but not established, or SMP was
    asked for outside an encrypted session."""


class OtrArgumentError(ConverseError, ValueError):
    """An ``OtrSession`` argument is unusable; the message names it."""


@dataclass
class Policy:
    """What the session may do (libotr's policy flags, as booleans)."""

    allow_v2: bool = True  # python-potr and older clients speak version 2 only
    allow_v3: bool = True
    require_encryption: bool = False  # refuse to send plaintext; start the AKE instead
    send_whitespace_tag: bool = False  # advertise OTR on plaintext messages
    whitespace_start_ake: bool = True  # a received whitespace tag starts the AKE
    error_start_ake: bool = True  # a received OTR error answers with a query message

    def versions(self) -> set[int]:
        return {v for v, ok in ((2, self.allow_v2), (3, self.allow_v3)) if ok}


class Received(NamedTuple):
    """What ``handle_incoming`` found: text to show (or None), texts to send back, and whether the
    shown text arrived encrypted."""

    plaintext: str | None
    replies: list[str]
    encrypted: bool


@dataclass
class _SessionKeys:
    send_aes: bytes
    send_mac: bytes
    recv_aes: bytes
    recv_mac: bytes
    send_ctr: int = 0
    recv_ctr: int = 0
    recv_used: bool = False

    @classmethod
    def derive(cls, our_private: int, our_public: int, their_public: int) -> _SessionKeys:
        secbytes = pack_mpi(crypto.dh_shared(our_private, their_public))
        send_byte, recv_byte = (0x01, 0x02) if our_public > their_public else (0x02, 0x01)
        send_aes = crypto.sha1(bytes([send_byte]) + secbytes)[:16]
        recv_aes = crypto.sha1(bytes([recv_byte]) + secbytes)[:16]
        return cls(send_aes, crypto.sha1(send_aes), recv_aes, crypto.sha1(recv_aes))


@dataclass
class _Keys:
    """The D-H key pairs of a running encrypted session (spec "Data exchange")."""

    our_private: dict[int, int] = field(default_factory=dict)
    our_keyid: int = 0
    their_public: dict[int, int] = field(default_factory=dict)
    their_keyid: int = 0
    sessions: dict[tuple[int, int], _SessionKeys] = field(default_factory=dict)
    macs_to_reveal: bytes = b""

    def session(self, our_id: int, their_id: int) -> _SessionKeys:
        keys = self.sessions.get((our_id, their_id))
        if keys is None:
            private = self.our_private[our_id]
            keys = _SessionKeys.derive(private, crypto.dh_public(private), self.their_public[their_id])
            self.sessions[(our_id, their_id)] = keys
        return keys

    def forget(self, predicate: Callable[[int, int], bool]) -> None:
        for pair in [p for p in self.sessions if predicate(*p)]:
            keys = self.sessions.pop(pair)
            if keys.recv_used:
                self.macs_to_reveal += keys.recv_mac


EventListener = Callable[[str, dict[str, Any]], None]


class OtrSession:
    """An OTR conversation with one contact.

    ``key`` is the account's long-term DSA key, ``random_bytes(n)`` the only randomness source.
    ``on_event(name, data)`` receives "state-changed", "smp", "error" and "unreadable" events
    (see docs/otr.md). ``max_message_size`` (characters, 0 for no limit) fragments long messages.
    """

    def __init__(self, key: DSAPrivateKey, random_bytes: RandomBytes, *, policy: Policy | None = None,
                 instance_tag: int | None = None, max_message_size: int = 0,
                 on_event: EventListener | None = None) -> None:
        self.key = key
        self.random_bytes = random_bytes
        self.policy = policy or Policy()
        if not self.policy.versions():
            raise OtrArgumentError("policy: allows no OTR version")
        self.instance_tag = instance_tag if instance_tag is not None else self._new_instance_tag()
        if self.instance_tag < MIN_INSTANCE_TAG:
            raise OtrArgumentError("instance_tag: must be at least 0x100")
        self.max_message_size = max_message_size
        self.on_event = on_event
        self.msg_state = MessageState.PLAINTEXT
        self.version = 0
        self.their_tag = 0
        self.ssid = b""
        self.their_public_key: DSAPublicKey | None = None
        self.verified = False
        self.ake = Ake(key, random_bytes, self.instance_tag)
        self.smp: Smp | None = None
        self._keys = _Keys()
        self._reassembler = Reassembler()
        self._tag_sent = False

    def _new_instance_tag(self) -> int:
        while True:
            tag = int.from_bytes(self.random_bytes(4), "big")
            if tag >= MIN_INSTANCE_TAG:
                return tag

    # -- state --------------------------------------------------------------------------------

    @property
    def state(self) -> OtrState:
        if self.msg_state == MessageState.FINISHED:
            return OtrState.FINISHED
        if self.msg_state == MessageState.PLAINTEXT:
            return OtrState.NOT_PRIVATE
        return OtrState.VERIFIED if self.verified else OtrState.UNVERIFIED

    @property
    def our_fingerprint(self) -> str:
        return human_fingerprint(self.key)

    @property
    def their_fingerprint(self) -> str | None:
        """The contact's key fingerprint once an AKE completed (five groups of 8 hex digits)."""
        return human_fingerprint(self.their_public_key) if self.their_public_key else None

    def set_verified(self, verified: bool) -> None:
        """Mark the contact's current key as (un)verified by the user, e.g. because
        ``their_fingerprint`` was verified before; only meaningful while encrypted."""
        if self.msg_state == MessageState.ENCRYPTED:
            self._set_state(self.msg_state, verified=verified)

    def _emit(self, name: str, **data: Any) -> None:
        if self.on_event is not None:
            self.on_event(name, data)

    def _set_state(self, msg_state: MessageState, verified: bool | None = None) -> None:
        before = self.state
        self.msg_state = msg_state
        if verified is not None:
            self.verified = verified
        if self.state != before:
            self._emit("state-changed", state=self.state.value, previous=before.value)

    # -- outgoing -----------------------------------------------------------------------------

    def start(self) -> str:
        """The query message that asks the contact to start an AKE (send it as a chat message)."""
        return query_message(self.policy.versions())

    def encrypt(self, text: str) -> list[str]:
        """The message bodies to send for ``text``: one or more data-message fragments when the
        session is encrypted, ``text`` itself in plaintext (with a whitespace tag if the policy
        asks). Raises :class:`OtrSendRefused` when the session is finished, or in plaintext when
        the policy requires encryption."""
        if self.msg_state == MessageState.FINISHED:
            raise OtrSendRefused("the contact ended the private conversation; end or restart it")
        if self.msg_state == MessageState.PLAINTEXT:
            if self.policy.require_encryption:
                raise OtrSendRefused("a private conversation is required but not established")
            if self.policy.send_whitespace_tag and not self._tag_sent:
                self._tag_sent = True
                return [text + whitespace_tag(self.policy.versions())]
            return [text]
        return self._send_data(Plaintext(text.replace("\x00", "").encode("utf-8")))

    def end(self) -> list[str]:
        """End the private conversation: a disconnect TLV if encrypted; back to plaintext."""
        replies: list[str] = []
        if self.msg_state == MessageState.ENCRYPTED:
            replies = self._send_data(Plaintext(b"", [TLV(TLV_DISCONNECTED)]), FLAG_IGNORE_UNREADABLE)
        self._reset_crypto()
        self._set_state(MessageState.PLAINTEXT, verified=False)
        return replies

    def _reset_crypto(self) -> None:
        self._keys = _Keys()
        self.smp = None
        self.ssid = b""

    def _send_data(self, plaintext: Plaintext, flags: int = 0) -> list[str]:
        keys = self._keys
        our_id = keys.our_keyid - 1
        their_id = keys.their_keyid
        sess = keys.session(our_id, their_id)
        sess.send_ctr += 1
        ctr = sess.send_ctr.to_bytes(8, "big")
        encrypted = crypto.aes128_ctr(sess.send_aes, ctr + bytes(8), plaintext.pack())
        next_dh = crypto.dh_public(keys.our_private[keys.our_keyid])
        msg = DataMessage(Header(self.version, MSG_DATA, self.instance_tag, self.their_tag), flags, our_id, their_id,
                          next_dh, ctr, encrypted)
        msg.mac = crypto.hmac_sha1(sess.send_mac, msg.authenticated_part())
        msg.old_mac_keys, keys.macs_to_reveal = keys.macs_to_reveal, b""
        return self._fragment(msg)

    def _fragment(self, msg: Message) -> list[str]:
        text = encode(msg)
        if not self.max_message_size:
            return [text]
        header = msg.header
        return fragment(text, self.max_message_size, header.version, header.sender_tag, header.receiver_tag)

    def _encode_all(self, message: Message | None) -> list[str]:
        return [] if message is None else self._fragment(message)

    # -- incoming -----------------------------------------------------------------------------

    def handle_incoming(self, text: str) -> Received:
        """Process one received message body. Never raises on bad network data."""
        try:
            return self._handle(text)
        except (OtrFormatError, ValueError, KeyError) as error:
            log.warning("dropping malformed OTR message: %s", error)
            return Received(None, [], False)

    def _handle(self, text: str) -> Received:
        frag = parse_fragment(text)
        if frag is not None:
            if frag.version == 3 and (frag.sender_tag < MIN_INSTANCE_TAG
                                      or frag.receiver_tag not in (0, self.instance_tag)):
                return Received(None, [], False)
            whole = self._reassembler.add(frag)
            if whole is None:
                return Received(None, [], False)
            text = whole
        if text.startswith("?OTR:"):
            return self._handle_encoded(decode(text))
        error = parse_error(text)
        if error is not None:
            self._emit("error", message=error)
            return Received(None, [self.start()] if self.policy.error_start_ake else [], False)
        versions = parse_query(text)
        if versions is not None:
            return Received(None, self._start_ake(versions), False)
        tagged = parse_whitespace_tag(text)
        replies: list[str] = []
        if tagged is not None:
            text, versions = tagged
            if self.policy.whitespace_start_ake and self.msg_state != MessageState.ENCRYPTED:
                replies = self._start_ake(versions)
        return Received(text, replies, False)

    def _start_ake(self, offered: set[int]) -> list[str]:
        common = offered & self.policy.versions()
        if not common:
            return []
        return self._encode_all(self.ake.start(max(common)))

    def _handle_encoded(self, msg: Message) -> Received:
        version = msg.header.version
        if version not in self.policy.versions():
            return Received(None, [], False)
        if version == 3:
            if msg.header.sender_tag < MIN_INSTANCE_TAG:
                return Received(None, [], False)
            if msg.header.receiver_tag not in (0, self.instance_tag):
                return Received(None, [], False)  # for another instance of our account
        if isinstance(msg, DataMessage):
            return self._handle_data(msg)
        reply, result = self.ake.handle(msg)
        replies = self._encode_all(reply)
        if result is not None:
            self._go_encrypted(result)
        return Received(None, replies, False)

    def _go_encrypted(self, result: AkeResult) -> None:
        same_key = self.their_public_key == result.their_public_key
        self.version = result.version
        self.their_tag = result.their_tag
        self.ssid = result.ssid
        self.their_public_key = result.their_public_key
        keys = _Keys()
        keys.our_private[result.our_keyid] = result.our_dh_private
        keys.our_keyid = result.our_keyid + 1
        keys.our_private[keys.our_keyid] = crypto.dh_generate_private(self.random_bytes)
        keys.their_public[result.their_keyid] = result.their_dh_public
        keys.their_keyid = result.their_keyid
        self._keys = keys
        self.smp = Smp(self.random_bytes)
        verified = self.verified and same_key
        self._set_state(MessageState.ENCRYPTED, verified=verified)
        self._emit("session-started", fingerprint=self.their_fingerprint, version=self.version,
                   ssid=self.ssid.hex())

    def _unreadable(self, msg: DataMessage, reason: str) -> Received:
        log.info("unreadable OTR data message: %s", reason)
        if msg.flags & FLAG_IGNORE_UNREADABLE:
            return Received(None, [], False)
        self._emit("unreadable", reason=reason)
        return Received(None, [error_message("You transmitted an unreadable encrypted message.")], False)

    def _handle_data(self, msg: DataMessage) -> Received:
        if self.msg_state != MessageState.ENCRYPTED:
            return self._unreadable(msg, "not in an encrypted session")
        if msg.header.version != self.version or (self.version == 3 and msg.header.sender_tag != self.their_tag):
            return self._unreadable(msg, "from another session")
        keys = self._keys
        if msg.recipient_keyid not in keys.our_private or msg.sender_keyid not in keys.their_public:
            return self._unreadable(msg, "unknown key ids")
        sess = keys.session(msg.recipient_keyid, msg.sender_keyid)
        if not crypto.constant_time_equal(crypto.hmac_sha1(sess.recv_mac, msg.authenticated_part()), msg.mac):
            return self._unreadable(msg, "bad MAC")
        ctr = int.from_bytes(msg.ctr, "big")
        if ctr <= sess.recv_ctr:
            return self._unreadable(msg, "counter not increasing (replay?)")
        sess.recv_ctr = ctr
        sess.recv_used = True
        plain = parse_plaintext(crypto.aes128_ctr(sess.recv_aes, msg.ctr + bytes(8), msg.encrypted))
        self._rotate(msg)
        replies: list[str] = []
        text: str | None = plain.message.decode("utf-8", "replace") if plain.message else None
        for tlv in plain.tlvs:
            if tlv.type == TLV_DISCONNECTED:
                self._reset_crypto()
                self._set_state(MessageState.FINISHED)
                return Received(text, [], True)
            if tlv.type in SMP_TLVS and self.smp is not None:
                replies.extend(self._smp_handle(tlv))
        return Received(text, replies, True)

    def _rotate(self, msg: DataMessage) -> None:
        keys = self._keys
        if msg.recipient_keyid == keys.our_keyid:
            old = keys.our_keyid - 1
            keys.forget(lambda o, t: o == old)
            keys.our_private.pop(old, None)
            keys.our_keyid += 1
            keys.our_private[keys.our_keyid] = crypto.dh_generate_private(self.random_bytes)
        if msg.sender_keyid == keys.their_keyid and crypto.dh_public_is_valid(msg.next_dh):
            old = keys.their_keyid - 1
            keys.forget(lambda o, t: t == old)
            keys.their_public.pop(old, None)
            keys.their_keyid += 1
            keys.their_public[keys.their_keyid] = msg.next_dh

    # -- SMP ----------------------------------------------------------------------------------

    def _smp_secret(self, secret: str, initiating: bool) -> int:
        assert self.their_public_key is not None
        ours, theirs = fingerprint(self.key), fingerprint(self.their_public_key)
        first, second = (ours, theirs) if initiating else (theirs, ours)
        return int.from_bytes(crypto.sha256(b"\x01" + first + second + self.ssid + secret.encode("utf-8")), "big")

    def smp_start(self, secret: str, question: str | None = None) -> list[str]:
        """Ask the contact to prove they know ``secret`` (optionally showing ``question``)."""
        if self.msg_state != MessageState.ENCRYPTED or self.smp is None:
            raise OtrSendRefused("verification needs an encrypted session")
        tlv = self.smp.start(self._smp_secret(secret, True), question)
        self._emit("smp", status="started")
        return self._send_data(Plaintext(b"", [tlv]), FLAG_IGNORE_UNREADABLE)

    def smp_respond(self, secret: str) -> list[str]:
        """Answer the contact's verification request with our ``secret``."""
        if self.msg_state != MessageState.ENCRYPTED or self.smp is None:
            raise OtrSendRefused("verification needs an encrypted session")
        tlv = self.smp.respond(self._smp_secret(secret, False))
        if tlv is None:
            return []
        return self._send_data(Plaintext(b"", [tlv]), FLAG_IGNORE_UNREADABLE)

    def smp_abort(self) -> list[str]:
        if self.msg_state != MessageState.ENCRYPTED or self.smp is None:
            return []
        tlv = self.smp.abort()
        self._emit("smp", status="aborted")
        return self._send_data(Plaintext(b"", [tlv]), FLAG_IGNORE_UNREADABLE)

    def _smp_handle(self, tlv: TLV) -> list[str]:
        assert self.smp is not None
        reply, event = self.smp.handle(tlv)
        out = [] if reply is None else self._send_data(Plaintext(b"", [reply]), FLAG_IGNORE_UNREADABLE)
        if event is not None:
            self._smp_event(event)
        return out

    def _smp_event(self, event: SmpEvent) -> None:
        if event.status == "succeeded":
            self._set_state(MessageState.ENCRYPTED, verified=True)
        elif event.status == "failed":
            self._set_state(MessageState.ENCRYPTED, verified=False)
        data: dict[str, Any] = {"status": event.status}
        if event.question is not None:
            data["question"] = event.question
        self._emit("smp", **data)
