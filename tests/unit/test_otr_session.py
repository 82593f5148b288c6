"""Two converse-py OTR sessions talking version 3: data messages, key rotation, revealed MAC keys,
TLVs, policies, fragments, SMP and robustness against bad input."""

from __future__ import annotations

import os
from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.plugins.otr import OtrArgumentError, OtrSendRefused, OtrSession, OtrState, Policy, crypto, wire
from converse_py.plugins.otr.crypto import DSAPrivateKey
from converse_py.plugins.otr.framing import whitespace_tag
from converse_py.plugins.otr.wire import DataMessage

ALICE_KEY = DSAPrivateKey.generate(os.urandom)
BOB_KEY = DSAPrivateKey.generate(os.urandom)


class Chat:
    def __init__(self, alice_policy: Policy | None = None, bob_policy: Policy | None = None, max_size: int = 0) -> None:
        self.events: dict[str, list[tuple[str, dict[str, Any]]]] = {"alice": [], "bob": []}
        self.alice = OtrSession(ALICE_KEY, os.urandom, policy=alice_policy, max_message_size=max_size,
                                on_event=lambda n, d: self.events["alice"].append((n, d)))
        self.bob = OtrSession(BOB_KEY, os.urandom, policy=bob_policy, max_message_size=max_size,
                              on_event=lambda n, d: self.events["bob"].append((n, d)))
        self.got: dict[str, list[tuple[str, bool]]] = {"alice": [], "bob": []}

    def send(self, sender: str, messages: list[str]) -> None:
        """Deliver ``messages`` from ``sender`` and every reply they cause, until quiet."""
        for _ in range(40):
            if not messages:
                return
            receiver = "bob" if sender == "alice" else "alice"
            session = self.bob if receiver == "bob" else self.alice
            replies: list[str] = []
            for text in messages:
                got = session.handle_incoming(text)
                if got.plaintext is not None:
                    self.got[receiver].append((got.plaintext, got.encrypted))
                replies.extend(got.replies)
            messages, sender = replies, receiver
        raise AssertionError("did not settle")

    def start(self) -> None:
        self.send("alice", [self.alice.start()])
        assert self.alice.state == self.bob.state == OtrState.UNVERIFIED


def test_ake_from_query_uses_version_3_and_instance_tags() -> None:
    chat = Chat()
    chat.start()
    assert chat.alice.version == chat.bob.version == 3
    assert chat.alice.their_tag == chat.bob.instance_tag and chat.bob.their_tag == chat.alice.instance_tag
    assert chat.alice.ssid == chat.bob.ssid and len(chat.alice.ssid) == 8
    assert chat.alice.their_fingerprint == chat.bob.our_fingerprint
    assert chat.bob.their_fingerprint == wire.human_fingerprint(ALICE_KEY)
    assert ("state-changed", {"state": "unverified", "previous": "not-private"}) in chat.events["alice"]
    assert any(name == "session-started" for name, _ in chat.events["bob"])


def test_first_data_message_matches_the_spec() -> None:
    chat = Chat()
    chat.start()
    [text] = chat.alice.encrypt("hello")
    msg = wire.decode(text)
    assert isinstance(msg, DataMessage)
    assert (msg.header.version, msg.header.sender_tag, msg.header.receiver_tag) == \
        (3, chat.alice.instance_tag, chat.bob.instance_tag)
    assert (msg.sender_keyid, msg.recipient_keyid) == (1, 1) and msg.ctr == b"\x00" * 7 + b"\x01"
    assert msg.flags == 0 and msg.old_mac_keys == b""
    # Recompute the data keys from the D-H values (spec "Computing AES keys and MAC keys").
    a_priv = chat.alice._keys.our_private[1]
    b_pub = chat.alice._keys.their_public[1]
    a_pub = crypto.dh_public(a_priv)
    secbytes = wire.pack_mpi(crypto.dh_shared(a_priv, b_pub))
    sendbyte = b"\x01" if a_pub > b_pub else b"\x02"
    send_aes = crypto.sha1(sendbyte + secbytes)[:16]
    assert msg.mac == crypto.hmac_sha1(crypto.sha1(send_aes), msg.authenticated_part())
    assert crypto.aes128_ctr(send_aes, msg.ctr + bytes(8), msg.encrypted) == b"hello"
    # next_dh is alice's newest key (keyid 2).
    assert msg.next_dh == crypto.dh_public(chat.alice._keys.our_private[2])
    chat.send("alice", [text])
    assert chat.got["bob"] == [("hello", True)]


def test_key_rotation_and_revealed_mac_keys() -> None:
    chat = Chat()
    chat.start()
    used_recv_macs: set[bytes] = set()
    revealed: set[bytes] = set()
    for i in range(6):
        for sender, session, peer in (("alice", chat.alice, chat.bob), ("bob", chat.bob, chat.alice)):
            [text] = session.encrypt(f"{sender} {i}")
            msg = wire.decode(text)
            assert isinstance(msg, DataMessage)
            keys = peer._keys.session(msg.recipient_keyid, msg.sender_keyid)
            used_recv_macs.add(keys.recv_mac)
            assert len(msg.old_mac_keys) % 20 == 0
            revealed.update(msg.old_mac_keys[j:j + 20] for j in range(0, len(msg.old_mac_keys), 20))
            chat.send(sender, [text])
    assert chat.got["bob"] == [(f"alice {i}", True) for i in range(6)]
    assert chat.got["alice"] == [(f"bob {i}", True) for i in range(6)]
    # Keys advance with each exchange; only MAC keys that were used to receive are revealed.
    assert chat.alice._keys.our_keyid >= 6 and chat.bob._keys.our_keyid >= 6
    assert len(chat.alice._keys.our_private) == 2 and len(chat.alice._keys.their_public) == 2
    assert revealed and revealed <= used_recv_macs


def test_counter_increases_for_consecutive_messages_with_the_same_keys() -> None:
    chat = Chat()
    chat.start()
    texts = [chat.alice.encrypt(f"m{i}")[0] for i in range(3)]
    ctrs = [wire.decode(t).ctr for t in texts]  # type: ignore[union-attr]
    assert [int.from_bytes(c, "big") for c in ctrs] == [1, 2, 3]
    chat.send("alice", texts)
    assert [t for t, _ in chat.got["bob"]] == ["m0", "m1", "m2"]


def test_replayed_and_tampered_messages_are_unreadable() -> None:
    chat = Chat()
    chat.start()
    [text] = chat.alice.encrypt("once")
    assert chat.bob.handle_incoming(text).plaintext == "once"
    replay = chat.bob.handle_incoming(text)
    assert replay.plaintext is None and replay.replies[0].startswith("?OTR Error:")
    [text2] = chat.alice.encrypt("tamper me")
    msg = wire.decode(text2)
    assert isinstance(msg, DataMessage)
    msg.encrypted = bytes([msg.encrypted[0] ^ 1]) + msg.encrypted[1:]
    bad = chat.bob.handle_incoming(wire.encode(msg))
    assert bad.plaintext is None and bad.replies and ("unreadable", {"reason": "bad MAC"}) in chat.events["bob"]


def test_data_message_without_session_gets_an_error_unless_ignorable() -> None:
    chat = Chat()
    chat.start()
    [text] = chat.alice.encrypt("hi")
    stranger = OtrSession(BOB_KEY, os.urandom, instance_tag=chat.bob.instance_tag)
    got = stranger.handle_incoming(text)
    assert got.plaintext is None and got.replies[0].startswith("?OTR Error:")
    [disconnect] = chat.alice.end()
    assert stranger.handle_incoming(disconnect) == (None, [], False)  # IGNORE_UNREADABLE set


def test_messages_for_another_instance_are_ignored() -> None:
    chat = Chat()
    chat.start()
    [text] = chat.alice.encrypt("for bob's other device")
    other = OtrSession(BOB_KEY, os.urandom)
    other_state_before = other.state
    assert other.handle_incoming(text) == (None, [], False)
    assert other.state == other_state_before


def test_disconnect_tlv_finishes_and_end_returns_to_plaintext() -> None:
    chat = Chat()
    chat.start()
    [bye] = chat.alice.end()
    msg = wire.decode(bye)
    assert isinstance(msg, DataMessage) and msg.flags & wire.FLAG_IGNORE_UNREADABLE
    assert chat.alice.state == OtrState.NOT_PRIVATE
    chat.send("alice", [bye])
    assert chat.bob.state == OtrState.FINISHED
    assert ("state-changed", {"state": "finished", "previous": "unverified"}) in chat.events["bob"]
    with pytest.raises(OtrSendRefused):
        chat.bob.encrypt("nope")
    assert chat.bob.end() == [] and chat.bob.state == OtrState.NOT_PRIVATE
    assert chat.bob.encrypt("plain again") == ["plain again"]
    # A new AKE after finishing works.
    chat.start()


def test_plaintext_while_encrypted_is_flagged_unencrypted() -> None:
    chat = Chat()
    chat.start()
    got = chat.bob.handle_incoming("sneaky plaintext")
    assert got == ("sneaky plaintext", [], False)


def test_require_encryption_refuses_plaintext() -> None:
    chat = Chat(alice_policy=Policy(require_encryption=True))
    assert issubclass(OtrSendRefused, ConverseError)
    with pytest.raises(OtrSendRefused):
        chat.alice.encrypt("secret")
    chat.start()
    assert chat.alice.encrypt("secret")[0].startswith("?OTR:AAMD")


def test_whitespace_tag_starts_the_ake() -> None:
    chat = Chat(alice_policy=Policy(send_whitespace_tag=True))
    [first] = chat.alice.encrypt("hi there")
    assert first == "hi there" + whitespace_tag({2, 3})
    assert chat.alice.encrypt("second") == ["second"]  # the tag is sent once
    chat.send("alice", [first])
    assert chat.got["bob"][0] == ("hi there", False)
    assert chat.alice.state == chat.bob.state == OtrState.UNVERIFIED
    no_ake = Chat(bob_policy=Policy(whitespace_start_ake=False))
    assert no_ake.bob.handle_incoming("x" + whitespace_tag({3})) == ("x", [], False)


def test_error_message_is_reported_and_answered_with_a_query() -> None:
    chat = Chat()
    got = chat.alice.handle_incoming("?OTR Error: something broke")
    assert got.plaintext is None and got.replies[0].startswith("?OTRv23?")
    assert ("error", {"message": "something broke"}) in chat.events["alice"]


def test_query_with_no_common_version_is_ignored() -> None:
    chat = Chat(bob_policy=Policy(allow_v2=False))
    assert chat.bob.handle_incoming("?OTRv2?") == (None, [], False)
    assert chat.bob.start().startswith("?OTRv3?")
    with pytest.raises(OtrArgumentError, match="^policy"):
        OtrSession(BOB_KEY, os.urandom, policy=Policy(allow_v2=False, allow_v3=False))


def test_fragmented_ake_and_messages_in_v3_format() -> None:
    chat = Chat(max_size=200)
    chat.start()
    long_text = "ünïcödé " * 200
    pieces = chat.alice.encrypt(long_text)
    assert len(pieces) > 5 and all(len(p) <= 200 and p.startswith("?OTR|") for p in pieces)
    chat.send("alice", pieces)
    assert chat.got["bob"] == [(long_text, True)]


def test_smp_success_failure_question_and_abort() -> None:
    chat = Chat()
    chat.start()
    chat.send("alice", chat.alice.smp_start("sesame", question="Password?"))
    assert ("smp", {"status": "asked", "question": "Password?"}) in chat.events["bob"]
    chat.send("bob", chat.bob.smp_respond("sesame"))
    assert chat.alice.state == chat.bob.state == OtrState.VERIFIED
    assert ("state-changed", {"state": "verified", "previous": "unverified"}) in chat.events["alice"]
    # A wrong answer un-verifies.
    chat.send("bob", chat.bob.smp_start("one"))
    chat.send("alice", chat.alice.smp_respond("two"))
    assert chat.alice.state == chat.bob.state == OtrState.UNVERIFIED
    assert ("smp", {"status": "failed"}) in chat.events["alice"]
    assert ("smp", {"status": "failed"}) in chat.events["bob"]
    # Abort mid-way resets both sides.
    chat.send("alice", chat.alice.smp_start("x"))
    chat.send("bob", chat.bob.smp_abort())
    assert ("smp", {"status": "aborted"}) in chat.events["alice"]
    assert chat.bob.smp_respond("x") == []  # nothing pending any more
    # Messages still flow.
    chat.send("alice", chat.alice.encrypt("still here"))
    assert chat.got["bob"][-1] == ("still here", True)


def test_smp_needs_an_encrypted_session() -> None:
    chat = Chat()
    with pytest.raises(OtrSendRefused):
        chat.alice.smp_start("x")
    assert chat.alice.smp_abort() == []


def test_smp_proofs_are_checked() -> None:
    from converse_py.plugins.otr.smp import Smp, SmpState
    from converse_py.plugins.otr.wire import TLV, TLV_SMP1, pack_mpis, unpack_mpis
    alice, bob = Smp(os.urandom), Smp(os.urandom)
    tlv = alice.start(42)
    values = unpack_mpis(tlv.value)
    values[1] ^= 1  # break the proof of knowledge of a2
    reply, event = bob.handle(TLV(TLV_SMP1, pack_mpis(values)))
    assert reply is not None and reply.type == wire.TLV_SMP_ABORT and event is not None and event.status == "aborted"
    assert bob.state == SmpState.EXPECT1


def test_garbage_never_raises() -> None:
    chat = Chat()
    chat.start()
    for junk in ("?OTR:!!!!.", "?OTR:AAMD.", "?OTR:" + "A" * 7 + ".", "?OTR|zz|00,1,2,x,", "?OTR,00001,00002,abc,",
                 "?OTR,00002,00002,def,", "?OTR:AAQDAAAAAQ==.", "?OTR", "\x00\x01"):
        got = chat.bob.handle_incoming(junk)
        assert isinstance(got.replies, list)
    chat.send("alice", chat.alice.encrypt("after junk"))
    assert chat.got["bob"][-1] == ("after junk", True)


def test_instance_tag_validation() -> None:
    with pytest.raises(OtrArgumentError, match="^instance_tag"):
        OtrSession(ALICE_KEY, os.urandom, instance_tag=0xFF)
    assert OtrSession(ALICE_KEY, os.urandom).instance_tag >= 0x100


def test_set_verified_from_a_remembered_fingerprint() -> None:
    chat = Chat()
    chat.alice.set_verified(True)  # not encrypted yet: no effect
    assert chat.alice.state == OtrState.NOT_PRIVATE
    chat.start()
    chat.alice.set_verified(True)
    assert chat.alice.state == OtrState.VERIFIED
    assert ("state-changed", {"state": "verified", "previous": "unverified"}) in chat.events["alice"]
    chat.send("alice", [chat.alice.start()])  # re-keying with the same long-term key keeps it
    assert chat.alice.state == OtrState.VERIFIED and chat.bob.state == OtrState.UNVERIFIED
    chat.alice.set_verified(False)
    assert chat.alice.state == OtrState.UNVERIFIED
