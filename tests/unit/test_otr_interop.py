"""converse-py's OTR engine against python-potr (an independent implementation), in-process.

python-potr 1.0.2 speaks OTR version 2 and was written for PyCrypto, which no longer builds on
Python 3.10+; its crypto shim is pointed at pycryptodome below (AES-CTR and raw DSA only: potr's
protocol code — AKE, data messages, key rotation, fragments, TLVs, SMP — runs unchanged).
Install for the tests: ``pip install pycryptodome && pip install --no-deps python-potr==1.0.2``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

potr = pytest.importorskip("potr", reason="python-potr is not installed")
AES = pytest.importorskip("Crypto.Cipher.AES", reason="pycryptodome is not installed")

from Crypto.PublicKey import DSA  # noqa: E402
from potr import crypt as potr_crypt  # noqa: E402
from potr.compatcrypto import pycrypto as potr_pycrypto  # noqa: E402
from potr.utils import bytes_to_long, long_to_bytes  # noqa: E402

from converse_py.plugins.otr import OtrSession, OtrState, Policy  # noqa: E402
from converse_py.plugins.otr.crypto import DSAPrivateKey  # noqa: E402
from converse_py.plugins.otr.wire import fingerprint  # noqa: E402


def _aesctr(key: bytes, counter: Any = 0) -> Any:
    if isinstance(counter, int):
        counter = potr_pycrypto.Counter(counter)
    return AES.new(key, AES.MODE_CTR, nonce=counter.byteprefix(), initial_value=counter.val)


def _sign(self: Any, data: bytes) -> bytes:
    k = potr_pycrypto.randrange(2, self.priv.q)
    r, s = self.priv._sign(bytes_to_long(data), k)
    return long_to_bytes(r, 20) + long_to_bytes(s, 20)


def _verify(self: Any, data: bytes, sig: bytes) -> bool:
    return bool(self.pub._verify(bytes_to_long(data), (bytes_to_long(sig[:20]), bytes_to_long(sig[20:]))))


potr_crypt.AESCTR = _aesctr
potr_pycrypto.AESCTR = _aesctr
potr_pycrypto.DSAKey.sign = _sign
potr_pycrypto.DSAKey.verify = _verify


class PotrContext(potr.context.Context):  # type: ignore[misc]
    policy_flags = {"ALLOW_V1": False, "ALLOW_V2": True, "REQUIRE_ENCRYPTION": False, "SEND_TAG": False,
                    "WHITESPACE_START_AKE": True, "ERROR_START_AKE": True}

    def __init__(self, account: Any, peer: str) -> None:
        super().__init__(account, peer)
        self.outbox: list[str] = []

    def getPolicy(self, key: str) -> bool:
        return self.policy_flags.get(key, False)

    def inject(self, msg: bytes, appdata: Any = None) -> None:
        self.outbox.append(msg.decode("ascii"))


class PotrAccount(potr.context.Account):  # type: ignore[misc]
    contextclass = PotrContext

    def loadPrivkey(self) -> None:
        return None

    def savePrivkey(self) -> None:
        pass

    def saveTrusts(self) -> None:
        pass


_BOB_KEY = DSA.generate(1024)


def make_potr(max_size: int = 0) -> PotrContext:
    key = potr_pycrypto.DSAKey((_BOB_KEY.y, _BOB_KEY.g, _BOB_KEY.p, _BOB_KEY.q, _BOB_KEY.x), private=True)
    account = PotrAccount("bob@localhost", "xmpp", max_size, privkey=key)
    ctx: PotrContext = account.getContext("alice@localhost")
    return ctx


_ALICE_KEY = DSAPrivateKey.generate(os.urandom)


class Pair:
    """alice (converse-py) and bob (potr); ``to_bob``/``to_alice`` carry message bodies."""

    def __init__(self, alice_max: int = 0, bob_max: int = 0) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.alice = OtrSession(_ALICE_KEY, os.urandom, max_message_size=alice_max,
                                on_event=lambda name, data: self.events.append((name, data)))
        self.bob = make_potr(bob_max)
        self.alice_got: list[str] = []
        self.bob_got: list[bytes] = []
        self.bob_tlvs: list[Any] = []
        self.bob_unreadable = 0

    def to_bob(self, messages: list[str]) -> None:
        for text in messages:
            try:
                plain, tlvs = self.bob.receiveMessage(text.encode("utf-8"))
            except potr.context.NotOTRMessage:
                continue
            except potr.context.NotEncryptedError:
                self.bob_unreadable += 1  # potr has already queued its "?OTR Error:" reply
                continue
            if plain:
                self.bob_got.append(plain)
            self.bob_tlvs.extend(tlvs)

    def to_alice(self, messages: list[str]) -> list[str]:
        replies: list[str] = []
        for text in messages:
            got = self.alice.handle_incoming(text)
            if got.plaintext is not None:
                self.alice_got.append(got.plaintext)
            replies.extend(got.replies)
        return replies

    def pump(self, alice_out: list[str] | None = None) -> None:
        """Deliver messages both ways until nobody has anything to send."""
        pending = list(alice_out or [])
        for _ in range(50):
            self.to_bob(pending)
            bob_out, self.bob.outbox = self.bob.outbox, []
            pending = self.to_alice(bob_out)
            if not pending and not self.bob.outbox:
                return
        raise AssertionError("conversation did not settle")

    def bob_says(self, text: str) -> None:
        out = self.bob.sendMessage(potr.context.FRAGMENT_SEND_ALL, text.encode("utf-8"))
        if out:
            self.bob.outbox.append(out.decode("ascii"))
        self.pump()


def encrypted(pair: Pair) -> bool:
    return pair.alice.state == OtrState.UNVERIFIED and pair.bob.state == potr.context.STATE_ENCRYPTED


def test_alice_starts_with_a_query_and_potr_answers_in_version_2() -> None:
    pair = Pair()
    pair.pump([pair.alice.start()])
    assert encrypted(pair)
    assert pair.alice.version == 2
    assert pair.alice.ssid == pair.bob.crypto.sessionId
    # Each side sees the other's real long-term key.
    assert fingerprint(pair.alice.their_public_key) == pair.bob.user.getPrivkey().fingerprint()
    assert pair.bob.crypto.theirPubkey.fingerprint() == fingerprint(_ALICE_KEY)
    assert ("state-changed", {"state": "unverified", "previous": "not-private"}) in pair.events


def test_potr_starts_and_converse_answers_the_dh_commit() -> None:
    pair = Pair()
    pair.bob_says("?OTRv2?")  # potr turns this into its query message; alice answers with a DH commit
    assert encrypted(pair)
    pair2 = Pair()
    pair2.bob.authStartV2()  # potr sends a D-H commit directly
    pair2.pump()
    assert encrypted(pair2)


def test_messages_both_ways_with_key_rotation() -> None:
    pair = Pair()
    pair.pump([pair.alice.start()])
    for i in range(12):
        pair.pump(pair.alice.encrypt(f"from alice {i} ☺"))
        pair.bob_says(f"from bob {i} ✓")
        if i % 3 == 0:  # several in a row from the same side too
            pair.pump(pair.alice.encrypt(f"again {i}"))
    assert [b.decode("utf-8") for b in pair.bob_got if not b.startswith(b"again")] == \
        [f"from alice {i} ☺" for i in range(12)]
    assert pair.alice_got == [f"from bob {i} ✓" for i in range(12)]
    # Keys rotated on both sides, and old MAC keys were revealed to potr.
    assert pair.alice._keys.our_keyid > 5 and pair.alice._keys.their_keyid > 5
    assert pair.bob.crypto.ourKeyid > 5


def test_fragmented_long_messages_both_ways() -> None:
    pair = Pair(alice_max=140, bob_max=140)
    pair.pump([pair.alice.start()])  # the AKE itself is fragmented (reveal-sig is ~1 KB)
    assert encrypted(pair)
    long_text = "Lorem ipsum dolor sit amet " * 40
    fragments = pair.alice.encrypt(long_text)
    assert len(fragments) > 5 and all(len(f) <= 140 for f in fragments)
    assert all(f.startswith("?OTR,") for f in fragments)  # version 2 fragment format for potr
    pair.pump(fragments)
    pair.bob_says(long_text.upper())
    assert pair.bob_got[-1].decode() == long_text
    assert pair.alice_got[-1] == long_text.upper()


def test_alice_ends_the_session_and_potr_goes_finished() -> None:
    pair = Pair()
    pair.pump([pair.alice.start()])
    pair.pump(pair.alice.end())
    assert pair.alice.state == OtrState.NOT_PRIVATE
    assert pair.bob.state == potr.context.STATE_FINISHED


def test_potr_ends_the_session_and_alice_refuses_to_send_in_the_clear() -> None:
    from converse_py.plugins.otr import OtrSendRefused
    pair = Pair()
    pair.pump([pair.alice.start()])
    pair.bob.disconnect()
    pair.pump()
    assert pair.alice.state == OtrState.FINISHED
    with pytest.raises(OtrSendRefused):
        pair.alice.encrypt("must not leak")
    assert pair.alice.end() == []
    assert pair.alice.state == OtrState.NOT_PRIVATE


def test_smp_with_potr_both_directions() -> None:
    pair = Pair()
    pair.pump([pair.alice.start()])
    # alice asks, bob answers with the same secret
    pair.pump(pair.alice.smp_start("our first pet", question="First pet?"))
    pair.bob.smpGotSecret(b"our first pet")
    pair.pump()
    assert pair.alice.state == OtrState.VERIFIED
    assert pair.bob.smpIsSuccess()
    # bob asks, alice answers
    pair.bob.smpInit(b"blue", question=b"colour?")
    pair.pump()
    assert ("smp", {"status": "asked", "question": "colour?"}) in pair.events
    pair.pump(pair.alice.smp_respond("blue"))
    assert pair.bob.smpIsSuccess()
    assert ("smp", {"status": "succeeded"}) in pair.events


def test_smp_with_wrong_secret_does_not_verify() -> None:
    pair = Pair()
    pair.pump([pair.alice.start()])
    pair.pump(pair.alice.smp_start("right"))
    pair.bob.smpGotSecret(b"wrong")
    pair.pump()
    assert pair.alice.state == OtrState.UNVERIFIED
    assert not pair.bob.smpIsSuccess()
    pair.bob.smpInit(b"right")
    pair.pump()
    pair.pump(pair.alice.smp_respond("wrong"))
    assert pair.alice.state == OtrState.UNVERIFIED
    assert ("smp", {"status": "failed"}) in pair.events
    # The session still works afterwards.
    pair.pump(pair.alice.encrypt("still private"))
    assert pair.bob_got[-1] == b"still private"


def test_v3_only_policy_cannot_talk_to_potr() -> None:
    pair = Pair()
    pair.alice.policy = Policy(allow_v2=False)
    pair.pump([pair.alice.start()])
    assert pair.alice.state == OtrState.NOT_PRIVATE


def test_whitespace_tag_from_alice_makes_potr_start() -> None:
    pair = Pair()
    pair.alice.policy = Policy(send_whitespace_tag=True)
    pair.pump(pair.alice.encrypt("hello, do you speak OTR?"))
    assert encrypted(pair)


def test_whitespace_tag_from_potr_makes_alice_start() -> None:
    pair = Pair()
    pair.bob.policy_flags = dict(PotrContext.policy_flags, SEND_TAG=True)
    out = pair.bob.sendMessage(potr.context.FRAGMENT_SEND_ALL, b"plain hello")
    assert out != b"plain hello" and out.startswith(b"plain hello")  # tagged
    replies = pair.to_alice([out.decode("ascii")])
    assert pair.alice_got == ["plain hello"] and replies[0].startswith("?OTR:AAIC")  # a v2 D-H commit
    pair.pump(replies)
    assert encrypted(pair)


def test_potr_error_message_makes_alice_restart_the_session() -> None:
    pair = Pair()
    pair.pump([pair.alice.start()])
    pair.bob.disconnect()
    pair.bob.outbox.clear()  # the disconnect never reaches alice: she still thinks it is private
    assert pair.bob.state == potr.context.STATE_PLAINTEXT
    pair.pump(pair.alice.encrypt("are you there?"))  # potr answers "?OTR Error: ..."; alice re-queries
    assert pair.bob_unreadable == 1
    assert any(name == "error" for name, _ in pair.events)
    assert encrypted(pair)
    pair.pump(pair.alice.encrypt("now you are"))
    assert pair.bob_got[-1] == b"now you are"
