"""OMEMO's protobuf wire formats (converse_py/plugins/omemo/protobuf.py) against the bytes the
python-omemo backends' own generated protobuf modules produce and parse, and hostile bytes."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oldmemo import oldmemo_pb2
from twomemo import twomemo_pb2

from converse_py.plugins.omemo import protobuf as pb
from converse_py.plugins.omemo.errors import WireFormatError

uint32 = st.integers(min_value=0, max_value=pb.UINT32_MAX)
key33 = st.binary(min_size=32, max_size=32).map(lambda key: b"\x05" + key)
key32 = st.binary(min_size=32, max_size=32)
blob = st.binary(max_size=300)


@settings(deadline=None)  # the machine is shared: time is no property here
@given(key33, uint32, uint32, blob, st.binary(min_size=8, max_size=8))
def test_a_whisper_message_is_byte_for_byte_what_oldmemos_protobuf_writes_and_reads(
        ratchet_key: bytes, n: int, pn: int, ciphertext: bytes, mac: bytes) -> None:
    theirs = b"\x33" + oldmemo_pb2.OMEMOMessage(n=n, pn=pn, dh_pub=ratchet_key, ciphertext=ciphertext).SerializeToString() + mac
    ours = pb.encode_whisper_message(pb.WhisperMessage(ratchet_key, n, pn, ciphertext), mac)
    assert ours == theirs
    message, covered, parsed_mac = pb.decode_whisper_message(theirs)
    assert message == pb.WhisperMessage(ratchet_key, n, pn, ciphertext)
    assert (covered, parsed_mac) == (theirs[:-8], mac)


@settings(deadline=None)  # the machine is shared: time is no property here
@given(uint32, uint32, key33, key33, blob, st.none() | uint32)
def test_a_pre_key_whisper_message_round_trips_through_oldmemos_protobuf(
        pk_id: int, spk_id: int, base_key: bytes, identity_key: bytes, message: bytes, registration: int | None) -> None:
    ours = pb.PreKeyWhisperMessage(pk_id, spk_id, base_key, identity_key, message, registration)
    theirs = oldmemo_pb2.OMEMOKeyExchange(pk_id=pk_id, spk_id=spk_id, ik=identity_key, ek=base_key, message=message)
    if registration is not None:
        theirs.unused = registration
    assert pb.encode_pre_key_whisper_message(ours) == b"\x33" + theirs.SerializeToString()
    assert pb.decode_pre_key_whisper_message(b"\x33" + theirs.SerializeToString()) == ours
    parsed = oldmemo_pb2.OMEMOKeyExchange.FromString(pb.encode_pre_key_whisper_message(ours)[1:])
    assert (parsed.pk_id, parsed.spk_id, parsed.ek, parsed.ik, parsed.message) == (pk_id, spk_id, base_key, identity_key, message)


@settings(deadline=None)  # the machine is shared: time is no property here
@given(uint32, uint32, key32, blob, st.binary(min_size=16, max_size=16))
def test_omemo_2_messages_round_trip_through_twomemos_protobuf(n: int, pn: int, dh_pub: bytes, ciphertext: bytes, mac: bytes) -> None:
    theirs = twomemo_pb2.OMEMOMessage(n=n, pn=pn, dh_pub=dh_pub, ciphertext=ciphertext).SerializeToString()
    assert pb.encode_omemo_message(pb.OMEMOMessage(n, pn, dh_pub, ciphertext)) == theirs
    assert pb.decode_omemo_message(theirs) == pb.OMEMOMessage(n, pn, dh_pub, ciphertext)
    authenticated = twomemo_pb2.OMEMOAuthenticatedMessage(mac=mac, message=theirs).SerializeToString()
    assert pb.encode_authenticated_message(mac, theirs) == authenticated
    assert pb.decode_authenticated_message(authenticated) == (mac, theirs)


@settings(deadline=None)  # the machine is shared: time is no property here
@given(uint32, uint32, key32, key32, blob)
def test_an_omemo_2_key_exchange_round_trips_through_twomemos_protobuf(pk_id: int, spk_id: int, ik: bytes, ek: bytes, inner: bytes) -> None:
    authenticated = twomemo_pb2.OMEMOAuthenticatedMessage(mac=bytes(16), message=inner)
    theirs = twomemo_pb2.OMEMOKeyExchange(pk_id=pk_id, spk_id=spk_id, ik=ik, ek=ek, message=authenticated).SerializeToString()
    ours = pb.OMEMOKeyExchange(pk_id, spk_id, ik, ek, authenticated.SerializeToString())
    assert pb.encode_key_exchange(ours) == theirs
    assert pb.decode_key_exchange(theirs) == ours


def test_unknown_fields_are_skipped_as_protobuf_requires() -> None:
    message = pb.OMEMOMessage(1, 2, bytes(32), b"text")
    extra = pb.uint32_field(9, 7) + pb.bytes_field(10, b"x") + bytes([11 << 3 | 5]) + bytes(4) + bytes([12 << 3 | 1]) + bytes(8)
    assert pb.decode_omemo_message(pb.encode_omemo_message(message) + extra) == message


@pytest.mark.parametrize("data, reason", [
    (b"", "required field 1 is missing"),
    (pb.uint32_field(1, 1) + pb.uint32_field(2, 1) + pb.bytes_field(3, bytes(32)), "required field 4 is missing"),
    (pb.encode_varint(1 << 3 | 0) + pb.encode_varint(1 << 32) + pb.uint32_field(2, 0) + pb.bytes_field(3, b"") + pb.bytes_field(4, b""),
     "out of the uint32 range"),
    (pb.bytes_field(1, b"x"), "wrong wire type"),
    (b"\x08" + b"\xff" * 11, "longer than 10 bytes"),
    (b"\x0b", "unsupported protobuf wire type 3"),
    (b"\x00\x01", "field number out of range"),
    (b"\x22\x05ab", "a length runs past the end"),
])
def test_malformed_omemo_messages_raise_a_clear_wire_format_error(data: bytes, reason: str) -> None:
    with pytest.raises(WireFormatError, match=reason):
        pb.decode_omemo_message(data)


def test_a_0_3_message_without_its_version_byte_is_refused() -> None:
    with pytest.raises(WireFormatError, match="version byte"):
        pb.decode_whisper_message(b"\x32" + bytes(20))
    with pytest.raises(WireFormatError, match="version byte"):
        pb.decode_pre_key_whisper_message(b"")


DECODERS = [pb.decode_omemo_message, pb.decode_authenticated_message, pb.decode_key_exchange,
            pb.decode_whisper_message, pb.decode_pre_key_whisper_message]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.builds(lambda tail: b"\x33" + tail, st.binary(max_size=200)))
def test_hostile_bytes_only_ever_raise_the_wire_format_error(data: bytes) -> None:
    for decode in DECODERS:
        try:
            decode(data)
        except WireFormatError:
            pass


def test_a_huge_declared_length_fails_at_once_without_allocating() -> None:
    with pytest.raises(WireFormatError, match="runs past the end"):
        pb.decode_omemo_message(b"\x22" + pb.encode_varint(2 ** 62) + os.urandom(4))
