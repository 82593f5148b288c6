"""Each AKE step checked against the spec's definitions, recomputed independently here."""

from __future__ import annotations

import os

import pytest

from converse_py.plugins.otr import crypto, wire
from converse_py.plugins.otr.ake import Ake, AkeKeys, AuthState
from converse_py.plugins.otr.crypto import DSAPrivateKey
from converse_py.plugins.otr.wire import DHCommit, DHKey, Reader, RevealSignature, Signature

BOB_KEY = DSAPrivateKey.generate(os.urandom)
ALICE_KEY = DSAPrivateKey.generate(os.urandom)
BOB_TAG, ALICE_TAG = 0x1111_1111, 0x2222_2222
ZERO = bytes(16)


def h2(b: int, s: int) -> bytes:
    return crypto.sha256(bytes([b]) + wire.pack_mpi(s))


def make() -> tuple[Ake, Ake]:
    return Ake(BOB_KEY, os.urandom, BOB_TAG), Ake(ALICE_KEY, os.urandom, ALICE_TAG)


def test_key_derivation_matches_the_spec() -> None:
    s = 0x1234567890ABCDEF
    keys = AkeKeys.derive(s)
    assert keys.ssid == h2(0, s)[:8]
    assert keys.c == h2(1, s)[:16] and keys.c_prime == h2(1, s)[16:]
    assert (keys.m1, keys.m2, keys.m1_prime, keys.m2_prime) == (h2(2, s), h2(3, s), h2(4, s), h2(5, s))


def test_full_ake_step_by_step() -> None:
    bob, alice = make()
    # 1. Bob: D-H Commit = AES_r(g^x), SHA256(g^x), receiver tag still unknown (0).
    commit = bob.start(3)
    assert isinstance(commit, DHCommit)
    assert commit.header == wire.Header(3, wire.MSG_DH_COMMIT, BOB_TAG, 0)
    assert bob.state == AuthState.AWAITING_DHKEY
    gx_mpi = wire.pack_mpi(bob.gx)
    assert commit.encrypted_gx == crypto.aes128_ctr(bob.r, ZERO, gx_mpi)
    assert commit.hashed_gx == crypto.sha256(gx_mpi)
    assert len(bob.r) == 16

    # 2. Alice: D-H Key = g^y.
    dh_key, result = alice.handle(wire.decode(wire.encode(commit)))
    assert result is None and isinstance(dh_key, DHKey)
    assert dh_key.header == wire.Header(3, wire.MSG_DH_KEY, ALICE_TAG, BOB_TAG)
    assert crypto.dh_public_is_valid(dh_key.gy) and alice.state == AuthState.AWAITING_REVEALSIG

    # 3. Bob: Reveal Signature = r, AES_c(X_B), MAC_m2(AES_c(X_B)).
    reveal, result = bob.handle(wire.decode(wire.encode(dh_key)))
    assert result is None and isinstance(reveal, RevealSignature)
    assert reveal.revealed_key == bob.r and bob.state == AuthState.AWAITING_SIG
    s = crypto.dh_shared(bob.x, dh_key.gy)
    keys = AkeKeys.derive(s)
    assert reveal.mac == crypto.hmac_sha256(keys.m2, wire.pack_data(reveal.encrypted_signature))[:20]
    xb = Reader(crypto.aes128_ctr(keys.c, ZERO, reveal.encrypted_signature))
    pub_b = xb.pubkey()
    keyid_b = xb.uint32()
    r, sig_s = xb.signature(pub_b)
    xb.end()
    assert pub_b == BOB_KEY.public_key() and keyid_b == 1
    mb = crypto.hmac_sha256(keys.m1, wire.pack_mpi(bob.gx) + wire.pack_mpi(dh_key.gy) + wire.pack_pubkey(pub_b)
                            + wire.pack_int(keyid_b))
    assert pub_b.verify(mb, r, sig_s)

    # 4. Alice: Signature = AES_c'(X_A), MAC_m2'(AES_c'(X_A)); Alice is done.
    sig_msg, alice_result = alice.handle(wire.decode(wire.encode(reveal)))
    assert isinstance(sig_msg, Signature) and alice_result is not None
    assert alice.state == AuthState.NONE
    assert sig_msg.mac == crypto.hmac_sha256(keys.m2_prime, wire.pack_data(sig_msg.encrypted_signature))[:20]
    xa = Reader(crypto.aes128_ctr(keys.c_prime, ZERO, sig_msg.encrypted_signature))
    pub_a, keyid_a = xa.pubkey(), xa.uint32()
    r, sig_s = xa.signature(pub_a)
    ma = crypto.hmac_sha256(keys.m1_prime, wire.pack_mpi(dh_key.gy) + wire.pack_mpi(bob.gx)
                            + wire.pack_pubkey(pub_a) + wire.pack_int(keyid_a))
    assert pub_a == ALICE_KEY.public_key() and pub_a.verify(ma, r, sig_s)

    # 5. Bob verifies; both sides agree.
    reply, bob_result = bob.handle(wire.decode(wire.encode(sig_msg)))
    assert reply is None and bob_result is not None and bob.state == AuthState.NONE
    assert bob_result.ssid == alice_result.ssid == keys.ssid
    assert bob_result.their_public_key == ALICE_KEY.public_key()
    assert alice_result.their_public_key == BOB_KEY.public_key()
    assert bob_result.their_dh_public == dh_key.gy and alice_result.their_dh_public == bob.gx
    assert bob_result.we_started and not alice_result.we_started
    assert bob_result.their_tag == ALICE_TAG and alice_result.their_tag == BOB_TAG


def test_tampered_reveal_signature_is_ignored() -> None:
    bob, alice = make()
    dh_key, _ = alice.handle(bob.start(3))
    assert dh_key is not None
    reveal, _ = bob.handle(dh_key)
    assert isinstance(reveal, RevealSignature)
    for bad in (RevealSignature(reveal.header, reveal.revealed_key, reveal.encrypted_signature, bytes(20)),
                RevealSignature(reveal.header, os.urandom(16), reveal.encrypted_signature, reveal.mac),
                RevealSignature(reveal.header, reveal.revealed_key,
                                reveal.encrypted_signature[:-1] + bytes([reveal.encrypted_signature[-1] ^ 1]),
                                reveal.mac)):
        assert alice.handle(bad) == (None, None)
        assert alice.state == AuthState.AWAITING_REVEALSIG
    reply, result = alice.handle(reveal)
    assert isinstance(reply, Signature) and result is not None


def test_signature_with_wrong_mac_is_ignored() -> None:
    bob, alice = make()
    dh_key, _ = alice.handle(bob.start(3))
    reveal, _ = bob.handle(dh_key)  # type: ignore[arg-type]
    sig, _ = alice.handle(reveal)  # type: ignore[arg-type]
    assert isinstance(sig, Signature)
    assert bob.handle(Signature(sig.header, sig.encrypted_signature, bytes(20))) == (None, None)
    assert bob.state == AuthState.AWAITING_SIG


def test_retransmissions_follow_the_spec() -> None:
    bob, alice = make()
    commit = bob.start(3)
    dh_key, _ = alice.handle(commit)
    # A repeated D-H Commit in AWAITING_REVEALSIG gets the same D-H Key again.
    again, _ = alice.handle(commit)
    assert again == dh_key
    reveal, _ = bob.handle(dh_key)  # type: ignore[arg-type]
    # A repeated D-H Key with the same g^y in AWAITING_SIG re-sends the Reveal Signature; another is ignored.
    assert bob.handle(dh_key) == (reveal, None)  # type: ignore[arg-type]
    assert bob.handle(DHKey(dh_key.header, crypto.dh_public(5))) == (None, None)  # type: ignore[union-attr]


def test_simultaneous_commits_resolve_by_hash() -> None:
    bob, alice = make()
    commit_b, commit_a = bob.start(3), alice.start(3)
    reply_b, _ = bob.handle(commit_a)
    reply_a, _ = alice.handle(commit_b)
    bob_wins = int.from_bytes(commit_b.hashed_gx, "big") > int.from_bytes(commit_a.hashed_gx, "big")
    winner, loser = (bob, alice) if bob_wins else (alice, bob)
    winner_reply, loser_reply = (reply_b, reply_a) if bob_wins else (reply_a, reply_b)
    assert isinstance(winner_reply, DHCommit) and winner.state == AuthState.AWAITING_DHKEY  # resent
    assert isinstance(loser_reply, DHKey) and loser.state == AuthState.AWAITING_REVEALSIG
    # Finish the exchange from there.
    reveal, _ = winner.handle(loser_reply)
    sig, loser_result = loser.handle(reveal)  # type: ignore[arg-type]
    _, winner_result = winner.handle(sig)  # type: ignore[arg-type]
    assert loser_result is not None and winner_result is not None
    assert loser_result.ssid == winner_result.ssid


def test_messages_out_of_state_are_ignored() -> None:
    bob, alice = make()
    assert alice.handle(DHKey(wire.Header(3, wire.MSG_DH_KEY, BOB_TAG, ALICE_TAG), 12345)) == (None, None)
    assert alice.handle(Signature(wire.Header(3, wire.MSG_SIGNATURE, BOB_TAG, ALICE_TAG), b"x", bytes(20))) == \
        (None, None)
    assert alice.handle(RevealSignature(wire.Header(3, wire.MSG_REVEAL_SIGNATURE, BOB_TAG, ALICE_TAG), bytes(16),
                                        b"x", bytes(20))) == (None, None)
    assert alice.state == AuthState.NONE


@pytest.mark.parametrize("gy", [0, 1, crypto.DH_MODULUS - 1, crypto.DH_MODULUS])
def test_illegal_dh_values_are_rejected(gy: int) -> None:
    bob, _ = make()
    bob.start(3)
    assert bob.handle(DHKey(wire.Header(3, wire.MSG_DH_KEY, ALICE_TAG, BOB_TAG), gy)) == (None, None)
    assert bob.state == AuthState.AWAITING_DHKEY


def test_version_2_ake_has_no_instance_tags() -> None:
    bob, alice = make()
    commit = bob.start(2)
    assert wire.encode_binary(commit)[:3] == b"\x00\x02\x02"
    dh_key, _ = alice.handle(wire.decode(wire.encode(commit)))
    assert dh_key is not None and dh_key.header.version == 2
    assert wire.encode_binary(dh_key)[:3] == b"\x00\x02\x0a"
