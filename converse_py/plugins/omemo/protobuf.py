"""The protobuf wire formats of OMEMO, hand-written and strict.

OMEMO 0.3 (libsignal's ``WhisperTextProtocol``): a ``WhisperMessage`` is sent as a version byte
(``0x33``), the protobuf and an 8-byte truncated MAC; a ``PreKeyWhisperMessage`` (the key exchange) as
the version byte and its protobuf, whose ``message`` field holds such an authenticated message.
``urn:xmpp:omemo:2`` uses ``OMEMOMessage``, ``OMEMOAuthenticatedMessage`` and ``OMEMOKeyExchange``
(no version byte, 16-byte MAC inside the protobuf).

Only varints (wire type 0) and length-delimited fields (wire type 2) occur; unknown fields of every
wire type are skipped as protobuf requires, but truncated or malformed input, a missing required field or
a number out of the uint32 range raise ``WireFormatError``.

>>> message = WhisperMessage(ratchet_key=bytes([5]) + bytes(32), counter=3, previous_counter=1, ciphertext=b"c")
>>> encoded = encode_whisper_message(message, mac=bytes(8))
>>> encoded[0], len(encoded)
(51, 51)
>>> decode_whisper_message(encoded)[0] == message
True
>>> decode_whisper_message(b"\\x33\\x0a\\x7f" + bytes(8))
Traceback (most recent call last):
...
converse_py.plugins.omemo.errors.WireFormatError: truncated protobuf: a length runs past the end
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .errors import WireFormatError

VERSION_BYTE_03 = 0x33
MAC_LENGTH_03 = 8
MAC_LENGTH_2 = 16
UINT32_MAX = 0xFFFFFFFF
VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5


# ----------------------------------------------------------------------------------------- primitives

def encode_varint(value: int) -> bytes:
    """A non-negative integer as a protobuf varint.

    >>> encode_varint(300).hex()
    'ac02'
    """
    if value < 0:
        raise ValueError("varints here are never negative")
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def decode_varint(data: bytes, offset: int) -> tuple[int, int]:
    """The varint at ``offset`` and the offset after it (at most 10 bytes, as protobuf allows).

    >>> decode_varint(bytes.fromhex("ac02"), 0)
    (300, 2)
    """
    value = 0
    for index in range(10):
        if offset + index >= len(data):
            raise WireFormatError("truncated protobuf: a varint runs past the end")
        byte = data[offset + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if value >> 64:
                raise WireFormatError("protobuf varint larger than 64 bits")
            return value, offset + index + 1
    raise WireFormatError("protobuf varint longer than 10 bytes")


def uint32_field(number: int, value: int) -> bytes:
    """A uint32 field (wire type 0)."""
    if not 0 <= value <= UINT32_MAX:
        raise ValueError("uint32 field out of range")
    return encode_varint(number << 3 | VARINT) + encode_varint(value)


def bytes_field(number: int, value: bytes) -> bytes:
    """A bytes (or embedded message) field (wire type 2)."""
    return encode_varint(number << 3 | LENGTH_DELIMITED) + encode_varint(len(value)) + value


def iter_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Every (field number, value) of a protobuf message; varints as ints, length-delimited fields as
    bytes; fixed32/fixed64 fields are checked and skipped (no OMEMO field uses them)."""
    offset = 0
    while offset < len(data):
        key, offset = decode_varint(data, offset)
        number, wire_type = key >> 3, key & 7
        if number == 0 or number > 0x1FFFFFFF:
            raise WireFormatError("protobuf field number out of range")
        if wire_type == VARINT:
            value, offset = decode_varint(data, offset)
            yield number, value
        elif wire_type == LENGTH_DELIMITED:
            length, offset = decode_varint(data, offset)
            if length > len(data) - offset:
                raise WireFormatError("truncated protobuf: a length runs past the end")
            yield number, data[offset:offset + length]
            offset += length
        elif wire_type in (FIXED64, FIXED32):
            offset += 8 if wire_type == FIXED64 else 4
            if offset > len(data):
                raise WireFormatError("truncated protobuf: a fixed-size field runs past the end")
        else:
            raise WireFormatError(f"unsupported protobuf wire type {wire_type}")


class _Fields:
    """The known fields of one message, read once; later duplicates win, as protobuf has it."""

    def __init__(self, data: bytes, name: str, types: dict[int, type]) -> None:
        self.name = name
        self.values: dict[int, int | bytes] = {}
        for number, value in iter_fields(data):
            expected = types.get(number)
            if expected is None:
                continue
            if not isinstance(value, expected):
                raise WireFormatError(f"{name}: field {number} has the wrong wire type")
            self.values[number] = value

    def uint32(self, number: int, default: int | None = None) -> int:
        value = self.values.get(number, default)
        if value is None:
            raise WireFormatError(f"{self.name}: required field {number} is missing")
        assert isinstance(value, int)
        if value > UINT32_MAX:
            raise WireFormatError(f"{self.name}: field {number} is out of the uint32 range")
        return value

    def bytes(self, number: int) -> bytes:
        value = self.values.get(number)
        if value is None:
            raise WireFormatError(f"{self.name}: required field {number} is missing")
        assert isinstance(value, bytes)
        return value


# ------------------------------------------------------------------------------ OMEMO 0.3 (libsignal)

@dataclass(frozen=True)
class WhisperMessage:
    """libsignal's ``WhisperMessage`` (``SignalMessage``): ratchet key in its 33-byte form (``0x05``
    and the Curve25519 key), the message number, the previous chain's length and the AES-CBC text."""

    ratchet_key: bytes
    counter: int
    previous_counter: int
    ciphertext: bytes


def whisper_message_bytes(message: WhisperMessage) -> bytes:
    """The version byte and the protobuf: what the 0.3 MAC covers (after both identity keys)."""
    return bytes([VERSION_BYTE_03]) + (bytes_field(1, message.ratchet_key) + uint32_field(2, message.counter)
                                       + uint32_field(3, message.previous_counter) + bytes_field(4, message.ciphertext))


def encode_whisper_message(message: WhisperMessage, mac: bytes) -> bytes:
    """The message as sent: version byte, protobuf, truncated MAC."""
    if len(mac) != MAC_LENGTH_03:
        raise ValueError("the 0.3 MAC is 8 bytes")
    return whisper_message_bytes(message) + mac


def decode_whisper_message(data: bytes) -> tuple[WhisperMessage, bytes, bytes]:
    """The message, the bytes its MAC covers (version byte and protobuf) and the MAC."""
    if len(data) < 1 + MAC_LENGTH_03 or data[0] != VERSION_BYTE_03:
        raise WireFormatError("not an OMEMO 0.3 message: version byte or MAC missing")
    covered, mac = data[:-MAC_LENGTH_03], data[-MAC_LENGTH_03:]
    fields = _Fields(covered[1:], "WhisperMessage", {1: bytes, 2: int, 3: int, 4: bytes})
    return WhisperMessage(fields.bytes(1), fields.uint32(2), fields.uint32(3, 0), fields.bytes(4)), covered, mac


@dataclass(frozen=True)
class PreKeyWhisperMessage:
    """libsignal's ``PreKeyWhisperMessage``: the 0.3 key exchange, holding the first authenticated
    ``WhisperMessage`` (version byte, protobuf and MAC) in ``message``. ``registration_id`` is optional
    (Conversations sends it, python-omemo does not; nobody checks it)."""

    pre_key_id: int
    signed_pre_key_id: int
    base_key: bytes
    identity_key: bytes
    message: bytes
    registration_id: int | None = None


def encode_pre_key_whisper_message(message: PreKeyWhisperMessage) -> bytes:
    """The key exchange as sent in a ``<key prekey='true'>``."""
    body = (uint32_field(1, message.pre_key_id) + bytes_field(2, message.base_key) + bytes_field(3, message.identity_key)
            + bytes_field(4, message.message))
    if message.registration_id is not None:
        body += uint32_field(5, message.registration_id)
    return bytes([VERSION_BYTE_03]) + body + uint32_field(6, message.signed_pre_key_id)


def decode_pre_key_whisper_message(data: bytes) -> PreKeyWhisperMessage:
    """The inverse of ``encode_pre_key_whisper_message``."""
    if not data or data[0] != VERSION_BYTE_03:
        raise WireFormatError("not an OMEMO 0.3 key exchange: version byte missing")
    fields = _Fields(data[1:], "PreKeyWhisperMessage", {1: int, 2: bytes, 3: bytes, 4: bytes, 5: int, 6: int})
    registration = fields.uint32(5) if 5 in fields.values else None
    return PreKeyWhisperMessage(fields.uint32(1), fields.uint32(6), fields.bytes(2), fields.bytes(3), fields.bytes(4),
                                registration)


# ------------------------------------------------------------------------------------- urn:xmpp:omemo:2

@dataclass(frozen=True)
class OMEMOMessage:
    """omemo:2's ``OMEMOMessage``: message number, previous chain length, 32-byte ratchet key, text."""

    n: int
    pn: int
    dh_pub: bytes
    ciphertext: bytes


def encode_omemo_message(message: OMEMOMessage) -> bytes:
    """The protobuf (what the omemo:2 MAC covers, after the associated data)."""
    return uint32_field(1, message.n) + uint32_field(2, message.pn) + bytes_field(3, message.dh_pub) + bytes_field(4, message.ciphertext)


def decode_omemo_message(data: bytes) -> OMEMOMessage:
    """The inverse of ``encode_omemo_message``."""
    fields = _Fields(data, "OMEMOMessage", {1: int, 2: int, 3: bytes, 4: bytes})
    return OMEMOMessage(fields.uint32(1), fields.uint32(2), fields.bytes(3), fields.bytes(4))


def encode_authenticated_message(mac: bytes, message: bytes) -> bytes:
    """omemo:2's ``OMEMOAuthenticatedMessage``: the 16-byte MAC and the encoded ``OMEMOMessage``."""
    if len(mac) != MAC_LENGTH_2:
        raise ValueError("the omemo:2 MAC is 16 bytes")
    return bytes_field(1, mac) + bytes_field(2, message)


def decode_authenticated_message(data: bytes) -> tuple[bytes, bytes]:
    """(mac, encoded OMEMOMessage)."""
    fields = _Fields(data, "OMEMOAuthenticatedMessage", {1: bytes, 2: bytes})
    mac = fields.bytes(1)
    if len(mac) != MAC_LENGTH_2:
        raise WireFormatError("OMEMOAuthenticatedMessage: the MAC is not 16 bytes")
    return mac, fields.bytes(2)


@dataclass(frozen=True)
class OMEMOKeyExchange:
    """omemo:2's ``OMEMOKeyExchange``: pre-key ids, the sender's Ed25519 identity key, the ephemeral
    key and the first ``OMEMOAuthenticatedMessage``."""

    pk_id: int
    spk_id: int
    ik: bytes
    ek: bytes
    message: bytes


def encode_key_exchange(exchange: OMEMOKeyExchange) -> bytes:
    """The key exchange as sent in a ``<key kex='true'>``."""
    return (uint32_field(1, exchange.pk_id) + uint32_field(2, exchange.spk_id) + bytes_field(3, exchange.ik)
            + bytes_field(4, exchange.ek) + bytes_field(5, exchange.message))


def decode_key_exchange(data: bytes) -> OMEMOKeyExchange:
    """The inverse of ``encode_key_exchange``."""
    fields = _Fields(data, "OMEMOKeyExchange", {1: int, 2: int, 3: bytes, 4: bytes, 5: bytes})
    return OMEMOKeyExchange(fields.uint32(1), fields.uint32(2), fields.bytes(3), fields.bytes(4), fields.bytes(5))
