"""OTR data types, message encodings, TLVs, query messages, whitespace tags and fragments,
checked against the byte layouts of the OTR v3 specification."""

from __future__ import annotations

import base64

import pytest

from converse_py.plugins.otr import framing, wire
from converse_py.plugins.otr.crypto import DSAPublicKey, sha1
from converse_py.plugins.otr.keys import load_private_key, save_private_key
from converse_py.plugins.otr.wire import (TLV, DataMessage, DHCommit, DHKey, Header, OtrFormatError, Plaintext, Reader,
                                          RevealSignature, Signature)


def test_primitive_types() -> None:
    assert wire.pack_byte(0xAB) == b"\xab"
    assert wire.pack_short(0x0102) == b"\x01\x02"
    assert wire.pack_int(0x01020304) == b"\x01\x02\x03\x04"
    # MPIs: 4-byte length then minimal big-endian bytes (no leading zeros; zero is empty).
    assert wire.pack_mpi(0) == b"\x00\x00\x00\x00"
    assert wire.pack_mpi(0x80) == b"\x00\x00\x00\x01\x80"
    assert wire.pack_mpi(0x0100) == b"\x00\x00\x00\x02\x01\x00"
    assert wire.pack_data(b"abc") == b"\x00\x00\x00\x03abc"
    reader = Reader(wire.pack_mpi(0x123456) + wire.pack_data(b"xy") + b"\x00\x07" + bytes(8) + bytes(20))
    assert reader.mpi() == 0x123456 and reader.data() == b"xy" and reader.short() == 7
    assert reader.ctr() == bytes(8) and reader.mac() == bytes(20)
    reader.end()
    with pytest.raises(OtrFormatError):
        Reader(b"\x00\x00\x00\x05abc").data()


def test_pubkey_signature_and_fingerprint_layout() -> None:
    key = DSAPublicKey(p=0x0102, q=0xFF, g=3, y=4)
    packed = wire.pack_pubkey(key)
    assert packed == b"\x00\x00" + b"\x00\x00\x00\x02\x01\x02" + b"\x00\x00\x00\x01\xff" + \
        b"\x00\x00\x00\x01\x03" + b"\x00\x00\x00\x01\x04"
    assert Reader(packed).pubkey() == key
    # The fingerprint hashes the key without its type SHORT.
    assert wire.fingerprint(key) == sha1(packed[2:])
    assert len(wire.human_fingerprint(key).split(" ")) == 5
    assert wire.pack_signature(key, 1, 2) == b"\x01\x02"  # q is one byte long: r and s one byte each
    with pytest.raises(OtrFormatError):
        Reader(b"\x00\x01" + packed[2:]).pubkey()


def test_headers_v3_and_v2() -> None:
    assert Header(3, wire.MSG_DATA, 0x101, 0x202).pack() == b"\x00\x03\x03\x00\x00\x01\x01\x00\x00\x02\x02"
    assert Header(2, wire.MSG_DATA).pack() == b"\x00\x02\x03"


@pytest.mark.parametrize("message, prefix", [
    (DHCommit(Header(3, wire.MSG_DH_COMMIT, 0x100, 0), b"E" * 10, b"H" * 32), "?OTR:AAMC"),
    (DHKey(Header(3, wire.MSG_DH_KEY, 0x100, 0x200), 12345), "?OTR:AAMK"),
    (RevealSignature(Header(3, wire.MSG_REVEAL_SIGNATURE, 0x100, 0x200), b"r" * 16, b"sig", b"m" * 20), "?OTR:AAMR"),
    (Signature(Header(3, wire.MSG_SIGNATURE, 0x100, 0x200), b"sig", b"m" * 20), "?OTR:AAMS"),
    (DataMessage(Header(3, wire.MSG_DATA, 0x100, 0x200), 1, 2, 3, 99, b"c" * 8, b"enc", b"m" * 20, b"k" * 40),
     "?OTR:AAMD"),
    (DHCommit(Header(2, wire.MSG_DH_COMMIT), b"E", b"H" * 32), "?OTR:AAIC"),
    (DataMessage(Header(2, wire.MSG_DATA), 0, 1, 1, 5, bytes(8), b"", b"m" * 20), "?OTR:AAID"),
])
def test_messages_encode_with_the_spec_prefix_and_roundtrip(message: wire.Message, prefix: str) -> None:
    text = wire.encode(message)
    assert text.startswith(prefix) and text.endswith(".")
    assert wire.decode(text) == message


def test_data_message_field_order() -> None:
    msg = DataMessage(Header(3, wire.MSG_DATA, 0x100, 0x200), 1, 5, 6, 0x99, b"\x00" * 7 + b"\x01", b"ENC",
                      b"M" * 20, b"K" * 20)
    raw = wire.encode_binary(msg)
    expected = (b"\x00\x03\x03" + b"\x00\x00\x01\x00" + b"\x00\x00\x02\x00" + b"\x01" + b"\x00\x00\x00\x05"
                + b"\x00\x00\x00\x06" + b"\x00\x00\x00\x01\x99" + b"\x00" * 7 + b"\x01" + b"\x00\x00\x00\x03ENC")
    assert msg.authenticated_part() == expected
    assert raw == expected + b"M" * 20 + b"\x00\x00\x00\x14" + b"K" * 20


def test_decoding_rejects_bad_messages() -> None:
    good = wire.encode_binary(DHKey(Header(3, wire.MSG_DH_KEY, 0x100, 0x200), 7))
    for raw in (good[:-1], good + b"\x00", b"\x00\x04\x0a", b"\x00\x03\x77" + bytes(8), b""):
        with pytest.raises(OtrFormatError):
            wire.decode_binary(raw)
    with pytest.raises(OtrFormatError):
        wire.decode("hello")
    with pytest.raises(OtrFormatError):
        wire.decode("?OTR:" + base64.b64encode(good[:5]).decode() + ".")


def test_tlvs_in_plaintext() -> None:
    plain = Plaintext(b"hi", [TLV(wire.TLV_DISCONNECTED), TLV(wire.TLV_PADDING, b"\x00\x00")])
    assert plain.pack() == b"hi\x00" + b"\x00\x01\x00\x00" + b"\x00\x00\x00\x02\x00\x00"
    assert wire.parse_plaintext(plain.pack()) == plain
    assert wire.parse_plaintext(b"no tlvs") == Plaintext(b"no tlvs")
    with pytest.raises(OtrFormatError):
        wire.parse_plaintext(b"x\x00\x00\x01\x00\x05ab")
    assert wire.unpack_mpis(wire.pack_mpis([1, 2, 3])) == [1, 2, 3]


def test_query_messages() -> None:
    assert framing.query_message({2, 3}, "") == "?OTRv23?"
    assert framing.query_message({1, 2}, "") == "?OTR?v2?"
    assert framing.query_message({3}).startswith("?OTRv3?\n")
    assert framing.parse_query("?OTRv23?") == {2, 3}
    assert framing.parse_query("?OTR?") == {1}
    assert framing.parse_query("?OTR?v2?") == {1, 2}
    assert framing.parse_query("please ?OTRv3? now") == {3}
    for not_query in ("?OTR:AAMC.", "?OTR,1,2,x,", "?OTR|100|0,1,1,x,", "?OTR Error: x", "hello"):
        assert framing.parse_query(not_query) is None


def test_whitespace_tags() -> None:
    tag = framing.whitespace_tag({2, 3})
    assert tag == ("\x20\x09\x20\x20\x09\x09\x09\x09\x20\x09\x20\x09\x20\x09\x20\x20"
                   "\x20\x20\x09\x09\x20\x20\x09\x20" "\x20\x20\x09\x09\x20\x20\x09\x09")
    assert framing.parse_whitespace_tag("hello" + tag) == ("hello", {2, 3})
    assert framing.parse_whitespace_tag("hello") is None


def test_error_messages() -> None:
    assert framing.error_message("oops") == "?OTR Error: oops"
    assert framing.parse_error("?OTR Error: oops") == "oops"
    assert framing.parse_error("?OTR:AAMC.") is None


def test_v3_fragments_format_and_reassembly() -> None:
    message = "?OTR:" + "A" * 300 + "."
    pieces = framing.fragment(message, 100, 3, 0x1234, 0xABCDEF)
    assert all(len(p) <= 100 for p in pieces)
    assert pieces[0].startswith(f"?OTR|00001234|00abcdef,00001,{len(pieces):05d},?OTR:")
    assert all(p.endswith(",") for p in pieces)
    parsed = [framing.parse_fragment(p) for p in pieces]
    assert all(f is not None and f.sender_tag == 0x1234 and f.receiver_tag == 0xABCDEF for f in parsed)
    reassembler = framing.Reassembler()
    results = [reassembler.add(f) for f in parsed if f is not None]
    assert results[:-1] == [None] * (len(pieces) - 1) and results[-1] == message
    assert framing.fragment("short", 100) == ["short"]


def test_v2_fragments_and_out_of_order_discard() -> None:
    pieces = framing.fragment("?OTR:" + "B" * 100 + ".", 40, 2)
    assert pieces[0].startswith("?OTR,00001,")
    frags = [framing.parse_fragment(p) for p in pieces]
    assert all(f is not None for f in frags)
    reassembler = framing.Reassembler()
    assert reassembler.add(frags[0]) is None  # type: ignore[arg-type]
    assert reassembler.add(frags[2]) is None  # type: ignore[arg-type]  # skips 2: buffer dropped
    assert reassembler.add(frags[-1]) is None  # type: ignore[arg-type]
    # A peer cannot make us buffer without end.
    big = framing.Reassembler()
    piece = "x" * 100_000
    results = [big.add(framing.Fragment(2, 0, 0, k, 20, piece)) for k in range(1, 21)]
    assert results == [None] * 20 and big.pieces == []
    # potr's unpadded form parses too.
    frag = framing.parse_fragment("?OTR,1,2,abc,")
    assert frag is not None and (frag.k, frag.n, frag.piece) == (1, 2, "abc")
    with pytest.raises(ValueError):
        framing.fragment("?OTR:" + "C" * 50, 20, 3)


def test_private_key_storage() -> None:
    from converse_py.plugins.otr.crypto import DSAPrivateKey
    key = DSAPrivateKey(23, 11, 4, pow(4, 7, 23), 7)
    text = save_private_key(key)
    assert text.startswith("otr-dsa-1:")
    loaded = load_private_key(text)
    assert (loaded.p, loaded.q, loaded.g, loaded.y, loaded.x) == (23, 11, 4, pow(4, 7, 23), 7)
    for bad in ("nope", "otr-dsa-1:!!", "otr-dsa-1:" + base64.b64encode(b"\x00\x00\x00\x01").decode(),
                save_private_key(DSAPrivateKey(23, 11, 4, 5, 7))):
        with pytest.raises(ValueError):
            load_private_key(bad)


def test_account_keys_are_created_once_and_corrupt_entries_replaced() -> None:
    import json
    import os

    from converse_py.plugins.otr.keys import STORAGE_PREFIX, load_or_create_account_keys
    store: dict[str, str] = {}
    first = load_or_create_account_keys(store.get, store.__setitem__, "juliet@capulet.lit", os.urandom)
    assert list(store) == [STORAGE_PREFIX + "juliet@capulet.lit"] and first.instance_tag >= 0x100
    again = load_or_create_account_keys(store.get, store.__setitem__, "juliet@capulet.lit", os.urandom)
    assert again.key.x == first.key.x and again.instance_tag == first.instance_tag
    other = load_or_create_account_keys(store.get, store.__setitem__, "romeo@montague.lit", os.urandom)
    assert other.key.x != first.key.x
    for corrupt in ("not json", json.dumps({"key": "otr-dsa-1:AAAA", "instance_tag": 300}),
                    json.dumps({"key": save_private_key(first.key), "instance_tag": 5})):
        store[STORAGE_PREFIX + "juliet@capulet.lit"] = corrupt
        fresh = load_or_create_account_keys(store.get, store.__setitem__, "juliet@capulet.lit", os.urandom)
        assert fresh.key.x != first.key.x
        assert json.loads(store[STORAGE_PREFIX + "juliet@capulet.lit"])["instance_tag"] == fresh.instance_tag
