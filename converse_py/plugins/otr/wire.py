"""OTR data types (spec "Data types") and the binary messages of protocol versions 2 and 3.

Encoders are pure functions returning bytes; decoding goes through :class:`Reader`, which raises
:class:`OtrFormatError` on truncated or malformed input.

>>> pack_mpi(0x0102).hex()
'000000020102'
>>> Reader(pack_data(b"hi") + pack_int(7)).data()
b'hi'
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from .crypto import DSAPublicKey, sha1


class OtrFormatError(ValueError):
    """Bytes that do not parse as the OTR message they claim to be."""


# --------------------------------------------------------------------------------------------
# Primitive types


def pack_byte(value: int) -> bytes:
    return value.to_bytes(1, "big")


def pack_short(value: int) -> bytes:
    return value.to_bytes(2, "big")


def pack_int(value: int) -> bytes:
    return value.to_bytes(4, "big")


def int_to_bytes(value: int) -> bytes:
    """Minimal big-endian bytes (empty for zero), as MPIs carry them."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def pack_mpi(value: int) -> bytes:
    """MPI: 4-byte length, then big-endian bytes with no leading zeros."""
    if value < 0:
        raise ValueError("MPIs are unsigned")
    raw = int_to_bytes(value)
    return pack_int(len(raw)) + raw


def pack_data(value: bytes) -> bytes:
    return pack_int(len(value)) + value


def pack_pubkey(key: DSAPublicKey) -> bytes:
    """PUBKEY: type 0x0000 (DSA) followed by the MPIs p, q, g, y."""
    return pack_short(0) + b"".join(pack_mpi(v) for v in key.payload())


def pack_signature(key: DSAPublicKey, r: int, s: int) -> bytes:
    """SIG for DSA: r and s, each big-endian in as many bytes as q has (20 for N = 160)."""
    size = (key.q.bit_length() + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def fingerprint(key: DSAPublicKey) -> bytes:
    """SHA-1 of the public key's MPIs (without the type short), as libotr computes it."""
    return sha1(pack_pubkey(key)[2:])


def human_fingerprint(key: DSAPublicKey) -> str:
    """The fingerprint as five groups of eight upper-case hex digits (libotr's display form)."""
    hexed = fingerprint(key).hex().upper()
    return " ".join(hexed[i:i + 8] for i in range(0, 40, 8))


class Reader:
    """Consumes OTR data types from a byte string."""

    def __init__(self, data: bytes) -> None:
        self.data_bytes = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data_bytes):
            raise OtrFormatError("truncated OTR message")
        chunk = self.data_bytes[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def short(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def mpi(self) -> int:
        return int.from_bytes(self.take(self.uint32()), "big")

    def data(self) -> bytes:
        return self.take(self.uint32())

    def ctr(self) -> bytes:
        return self.take(8)

    def mac(self) -> bytes:
        return self.take(20)

    def pubkey(self) -> DSAPublicKey:
        kind = self.short()
        if kind != 0:
            raise OtrFormatError(f"unsupported public key type {kind}")
        p, q, g, y = self.mpi(), self.mpi(), self.mpi(), self.mpi()
        return DSAPublicKey(p, q, g, y)

    def signature(self, key: DSAPublicKey) -> tuple[int, int]:
        size = (key.q.bit_length() + 7) // 8
        return int.from_bytes(self.take(size), "big"), int.from_bytes(self.take(size), "big")

    def rest(self) -> bytes:
        chunk = self.data_bytes[self.pos:]
        self.pos = len(self.data_bytes)
        return chunk

    def at_end(self) -> bool:
        return self.pos == len(self.data_bytes)

    def end(self) -> None:
        if not self.at_end():
            raise OtrFormatError("trailing bytes after OTR message")


# --------------------------------------------------------------------------------------------
# Messages

MSG_DH_COMMIT = 0x02
MSG_DATA = 0x03
MSG_DH_KEY = 0x0A
MSG_REVEAL_SIGNATURE = 0x11
MSG_SIGNATURE = 0x12

FLAG_IGNORE_UNREADABLE = 0x01


@dataclass
class Header:
    """Protocol version, message type and (version 3 only) the instance tags."""

    version: int
    msg_type: int
    sender_tag: int = 0
    receiver_tag: int = 0

    def pack(self) -> bytes:
        out = pack_short(self.version) + pack_byte(self.msg_type)
        if self.version == 3:
            out += pack_int(self.sender_tag) + pack_int(self.receiver_tag)
        return out


@dataclass
class DHCommit:
    header: Header
    encrypted_gx: bytes
    hashed_gx: bytes

    def body(self) -> bytes:
        return pack_data(self.encrypted_gx) + pack_data(self.hashed_gx)


@dataclass
class DHKey:
    header: Header
    gy: int

    def body(self) -> bytes:
        return pack_mpi(self.gy)


@dataclass
class RevealSignature:
    header: Header
    revealed_key: bytes
    encrypted_signature: bytes
    mac: bytes

    def body(self) -> bytes:
        return pack_data(self.revealed_key) + pack_data(self.encrypted_signature) + self.mac


@dataclass
class Signature:
    header: Header
    encrypted_signature: bytes
    mac: bytes

    def body(self) -> bytes:
        return pack_data(self.encrypted_signature) + self.mac


@dataclass
class DataMessage:
    header: Header
    flags: int
    sender_keyid: int
    recipient_keyid: int
    next_dh: int
    ctr: bytes
    encrypted: bytes
    mac: bytes = b""
    old_mac_keys: bytes = b""

    def authenticated_part(self) -> bytes:
        """Everything the data message's MAC covers: header through the encrypted message."""
        return (self.header.pack() + pack_byte(self.flags) + pack_int(self.sender_keyid)
                + pack_int(self.recipient_keyid) + pack_mpi(self.next_dh) + self.ctr + pack_data(self.encrypted))

    def body(self) -> bytes:
        return self.authenticated_part()[len(self.header.pack()):] + self.mac + pack_data(self.old_mac_keys)


Message = DHCommit | DHKey | RevealSignature | Signature | DataMessage


def encode_binary(message: Message) -> bytes:
    return message.header.pack() + message.body()


def encode(message: Message) -> str:
    """The "?OTR:<base64>." form sent over the wire."""
    return "?OTR:" + base64.b64encode(encode_binary(message)).decode("ascii") + "."


def decode_binary(raw: bytes) -> Message:
    reader = Reader(raw)
    version = reader.short()
    msg_type = reader.byte()
    if version not in (2, 3):
        raise OtrFormatError(f"unsupported OTR protocol version {version}")
    header = Header(version, msg_type)
    if version == 3:
        header.sender_tag = reader.uint32()
        header.receiver_tag = reader.uint32()
    message: Message
    if msg_type == MSG_DH_COMMIT:
        message = DHCommit(header, reader.data(), reader.data())
    elif msg_type == MSG_DH_KEY:
        message = DHKey(header, reader.mpi())
    elif msg_type == MSG_REVEAL_SIGNATURE:
        message = RevealSignature(header, reader.data(), reader.data(), reader.mac())
    elif msg_type == MSG_SIGNATURE:
        message = Signature(header, reader.data(), reader.mac())
    elif msg_type == MSG_DATA:
        flags = reader.byte()
        sender_keyid = reader.uint32()
        recipient_keyid = reader.uint32()
        next_dh = reader.mpi()
        ctr = reader.ctr()
        encrypted = reader.data()
        mac = reader.mac()
        old = reader.data()
        message = DataMessage(header, flags, sender_keyid, recipient_keyid, next_dh, ctr, encrypted, mac, old)
    else:
        raise OtrFormatError(f"unknown OTR message type {msg_type:#04x}")
    reader.end()
    return message


def decode(text: str) -> Message:
    """Parse a complete "?OTR:....". message (the trailing dot is optional)."""
    if not text.startswith("?OTR:"):
        raise OtrFormatError("not an encoded OTR message")
    body = text[5:]
    end = body.find(".")
    if end >= 0:
        body = body[:end]
    try:
        raw = base64.b64decode(body.strip(), validate=False)
    except (binascii.Error, ValueError) as error:
        raise OtrFormatError("bad base64 in OTR message") from error
    return decode_binary(raw)


# --------------------------------------------------------------------------------------------
# TLVs (carried after a NUL in a data message's plaintext)

TLV_PADDING = 0
TLV_DISCONNECTED = 1
TLV_SMP1 = 2
TLV_SMP2 = 3
TLV_SMP3 = 4
TLV_SMP4 = 5
TLV_SMP_ABORT = 6
TLV_SMP1Q = 7
TLV_EXTRA_SYMMETRIC_KEY = 8


@dataclass
class TLV:
    type: int
    value: bytes = b""

    def pack(self) -> bytes:
        return pack_short(self.type) + pack_short(len(self.value)) + self.value


@dataclass
class Plaintext:
    """A decrypted data message: the human-readable text and the TLVs after it."""

    message: bytes
    tlvs: list[TLV] = field(default_factory=list)

    def pack(self) -> bytes:
        if not self.tlvs:
            return self.message
        return self.message + b"\x00" + b"".join(t.pack() for t in self.tlvs)


def parse_plaintext(raw: bytes) -> Plaintext:
    nul = raw.find(b"\x00")
    if nul < 0:
        return Plaintext(raw)
    reader = Reader(raw[nul + 1:])
    tlvs = []
    while not reader.at_end():
        kind = reader.short()
        tlvs.append(TLV(kind, reader.take(reader.short())))
    return Plaintext(raw[:nul], tlvs)


def pack_mpis(values: list[int]) -> bytes:
    """SMP TLV payload: an INT count followed by that many MPIs."""
    return pack_int(len(values)) + b"".join(pack_mpi(v) for v in values)


def unpack_mpis(raw: bytes) -> list[int]:
    reader = Reader(raw)
    count = reader.uint32()
    if count > 16:
        raise OtrFormatError("too many MPIs in SMP TLV")
    values = [reader.mpi() for _ in range(count)]
    reader.end()
    return values
