"""converse-py against libotr 4.1, the reference implementation of OTR version 3 (Debian
``libotr5-bin``, which brings ``libotr5``): its toolkit (otr_parse, otr_sesskeys, otr_remac,
otr_readforge) checks our messages and keys, and libotr itself, driven through ctypes, holds
whole conversations with our engine.

Skipped when libotr is not installed (scripts/setup installs it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
import tempfile
from ctypes import CFUNCTYPE, POINTER, byref, c_char_p, c_int, c_size_t, c_uint, c_ushort, c_void_p
from typing import Any

import pytest

from converse_py.plugins.otr import OtrSession, OtrState, wire
from converse_py.plugins.otr.crypto import DSAPrivateKey, dh_public
from converse_py.plugins.otr.wire import DataMessage, DHCommit, DHKey, RevealSignature, Signature

needs_toolkit = pytest.mark.skipif(shutil.which("otr_parse") is None, reason="libotr5-bin (otr_parse) not installed")

ALICE_KEY = DSAPrivateKey.generate(os.urandom)
BOB_KEY = DSAPrivateKey.generate(os.urandom)


def run(*args: str, stdin: str = "") -> str:
    return subprocess.run(list(args), input=stdin, capture_output=True, text=True, check=True, timeout=30).stdout


def hexed(value: int) -> str:
    """An integer as whole bytes of hex (the toolkit reads byte strings)."""
    return wire.int_to_bytes(value).hex()


def parse(text: str) -> dict[str, str]:
    """otr_parse's "Field: value" lines as a dict (first occurrence wins)."""
    fields: dict[str, str] = {}
    for line in run("otr_parse", stdin=text + "\n").splitlines():
        match = re.match(r"^\s+([A-Za-z .-]+?):\s*(\S*)$", line)
        if match:
            fields.setdefault(match.group(1).strip(), match.group(2))
    return fields


class Conversation:
    def __init__(self) -> None:
        self.alice = OtrSession(ALICE_KEY, os.urandom)
        self.bob = OtrSession(BOB_KEY, os.urandom)
        self.wire_log: list[str] = []

    def deliver(self, sender: OtrSession, texts: list[str]) -> list[str]:
        got: list[str] = []
        while texts:
            receiver = self.bob if sender is self.alice else self.alice
            replies: list[str] = []
            for text in texts:
                self.wire_log.append(text)
                result = receiver.handle_incoming(text)
                if result.plaintext is not None:
                    got.append(result.plaintext)
                replies += result.replies
            texts, sender = replies, receiver
        return got


@pytest.fixture
def convo() -> Conversation:
    c = Conversation()
    c.deliver(c.alice, [c.alice.start()])
    return c


@needs_toolkit
def test_libotr_parses_every_ake_message(convo: Conversation) -> None:
    messages = [wire.decode(t) for t in convo.wire_log[1:]]
    assert [type(m) for m in messages] == [DHCommit, DHKey, RevealSignature, Signature]
    for text, msg in zip(convo.wire_log[1:], messages):
        fields = parse(text)
        assert fields["Version"] == "03"
        assert int(fields["Sender instance"]) == msg.header.sender_tag
        assert int(fields["Receiver instance"]) == msg.header.receiver_tag
        if isinstance(msg, DHCommit):
            assert fields["Encrypted Key"] == msg.encrypted_gx.hex() and fields["Hashed Key"] == msg.hashed_gx.hex()
        elif isinstance(msg, DHKey):
            assert int(fields["D-H Key"], 16) == msg.gy
        elif isinstance(msg, RevealSignature):
            assert fields["Key"] == msg.revealed_key.hex()
            assert fields["Encrypted Signature"] == msg.encrypted_signature.hex()
            assert fields["MAC"] == msg.mac.hex()
        elif isinstance(msg, Signature):
            assert fields["Encrypted Signature"] == msg.encrypted_signature.hex() and fields["MAC"] == msg.mac.hex()


@needs_toolkit
def test_libotr_derives_the_same_data_keys(convo: Conversation) -> None:
    keys = convo.alice._keys
    our_private = keys.our_private[keys.our_keyid - 1]
    their_public = keys.their_public[keys.their_keyid]
    out = run("otr_sesskeys", hexed(our_private), hexed(their_public))
    ours = keys.session(keys.our_keyid - 1, keys.their_keyid)
    assert int(re.search(r"Our public key: ([0-9a-f]+)", out).group(1), 16) == dh_public(our_private)  # type: ignore[union-attr]
    assert f"Sending   AES key: {ours.send_aes.hex()}" in out
    assert f"Sending   MAC key: {ours.send_mac.hex()}" in out
    assert f"Receiving AES key: {ours.recv_aes.hex()}" in out
    assert f"Receiving MAC key: {ours.recv_mac.hex()}" in out


@needs_toolkit
def test_data_message_with_revealed_keys_is_byte_identical_to_libotrs(convo: Conversation) -> None:
    for i in range(3):  # rotate keys so that MAC keys get revealed
        convo.deliver(convo.alice, convo.alice.encrypt(f"a{i}"))
        convo.deliver(convo.bob, convo.bob.encrypt(f"b{i}"))
    [text] = convo.alice.encrypt("hello libotr ✓")
    msg = wire.decode(text)
    assert isinstance(msg, DataMessage) and msg.old_mac_keys
    fields = parse(text)
    assert (fields["Flags"], int(fields["Sender keyid"]), int(fields["Rcpt keyid"])) == \
        ("0", msg.sender_keyid, msg.recipient_keyid)
    assert fields["Counter"] == msg.ctr.hex() and fields["Encrypted message"] == msg.encrypted.hex()
    assert fields["MAC"] == msg.mac.hex() and int(fields["DH y"], 16) == msg.next_dh
    sess = convo.alice._keys.session(msg.sender_keyid, msg.recipient_keyid)
    rebuilt = run("otr_remac", sess.send_mac.hex(), str(msg.header.sender_tag), str(msg.header.receiver_tag),
                  str(msg.flags), str(msg.sender_keyid), str(msg.recipient_keyid), hexed(msg.next_dh),
                  msg.ctr.hex(), msg.encrypted.hex(), msg.old_mac_keys.hex())
    assert rebuilt.strip() == text
    # libotr verifies the MAC and decrypts it.
    assert run("otr_readforge", sess.send_aes.hex(), stdin=text + "\n").splitlines()[0] == \
        "Plaintext: ``hello libotr ✓''"


@needs_toolkit
def test_a_message_forged_by_libotr_is_read_by_converse(convo: Conversation) -> None:
    [text] = convo.alice.encrypt("original")
    msg = wire.decode(text)
    assert isinstance(msg, DataMessage)
    sess = convo.alice._keys.session(msg.sender_keyid, msg.recipient_keyid)
    forged = run("otr_readforge", sess.send_aes.hex(), "forged by libotr", stdin=text + "\n").splitlines()[1]
    assert forged.startswith("?OTR:AAMD") and forged != text
    assert convo.deliver(convo.alice, [forged]) == ["forged by libotr"]


# --------------------------------------------------------------------------------------------
# Whole conversations with libotr itself (libotr.so.5 through ctypes): converse-py is alice,
# libotr is bob — version 3 with instance tags, fragments both ways, SMP both ways, disconnect.

_LIBOTR_PATH = ctypes.util.find_library("otr")
needs_libotr = pytest.mark.skipif(_LIBOTR_PATH is None, reason="libotr (libotr5) not installed")
POLICY_V2_V3_AKE = 0x02 | 0x04 | 0x20 | 0x40  # ALLOW_V2 | ALLOW_V3 | WHITESPACE_START_AKE | ERROR_START_AKE
SMP_ASK_FOR_ANSWER, SMP_ASK_FOR_SECRET, SMP_SUCCESS, SMP_FAILURE = 4, 5, 7, 8  # OtrlSMPEvent
MSGEVENT_CONNECTION_ENDED = 3  # OtrlMessageEvent
FRAGMENT_SEND_ALL = 1
INSTAG_BEST = 1
OPS = ["policy", "create_privkey", "is_logged_in", "inject_message", "update_context_list", "new_fingerprint",
       "write_fingerprints", "gone_secure", "gone_insecure", "still_secure", "max_message_size", "account_name",
       "account_name_free", "received_symkey", "otr_error_message", "otr_error_message_free", "resent_msg_prefix",
       "resent_msg_prefix_free", "handle_smp_event", "handle_msg_event", "create_instag", "convert_msg",
       "convert_free", "timer_control"]  # OtrlMessageAppOps, in libotr 4.1's order


class AppOps(ctypes.Structure):
    _fields_ = [(name, c_void_p) for name in OPS]


_lib: Any = None


def libotr() -> Any:
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(_LIBOTR_PATH)
        lib.otrl_init.argtypes = [c_uint, c_uint, c_uint]
        lib.otrl_init.restype = c_uint
        assert lib.otrl_init(4, 1, 1) == 0
        lib.otrl_userstate_create.restype = c_void_p
        for name in ("otrl_privkey_generate", "otrl_instag_generate"):
            getattr(lib, name).argtypes = [c_void_p, c_char_p, c_char_p, c_char_p]
            getattr(lib, name).restype = c_uint
        lib.otrl_message_sending.argtypes = [c_void_p, c_void_p, c_void_p, c_char_p, c_char_p, c_char_p, c_uint,
                                             c_char_p, c_void_p, POINTER(c_void_p), c_int, c_void_p, c_void_p,
                                             c_void_p]
        lib.otrl_message_sending.restype = c_uint
        lib.otrl_message_receiving.argtypes = [c_void_p, c_void_p, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p,
                                               POINTER(c_void_p), POINTER(c_void_p), c_void_p, c_void_p, c_void_p]
        lib.otrl_message_receiving.restype = c_int
        lib.otrl_message_free.argtypes = [c_void_p]
        lib.otrl_tlv_free.argtypes = [c_void_p]
        lib.otrl_message_initiate_smp_q.argtypes = [c_void_p, c_void_p, c_void_p, c_void_p, c_char_p, c_char_p,
                                                    c_size_t]
        lib.otrl_message_respond_smp.argtypes = [c_void_p, c_void_p, c_void_p, c_void_p, c_char_p, c_size_t]
        lib.otrl_message_disconnect_all_instances.argtypes = [c_void_p, c_void_p, c_void_p, c_char_p, c_char_p,
                                                              c_char_p]
        _lib = lib
    return _lib


class LibotrBob:
    """One libotr account ("bob") talking to "alice"; ``outbox`` collects what libotr injects."""

    def __init__(self, max_size: int = 0) -> None:
        lib = libotr()
        self.account, self.peer, self.protocol = b"bob@localhost", b"alice@localhost", b"xmpp"
        self.us = lib.otrl_userstate_create()
        with tempfile.TemporaryDirectory(prefix="libotr-") as folder:  # libotr keeps both in memory
            assert lib.otrl_privkey_generate(self.us, os.path.join(folder, "key").encode(), self.account,
                                             self.protocol) == 0
            assert lib.otrl_instag_generate(self.us, os.path.join(folder, "tag").encode(), self.account,
                                            self.protocol) == 0
        self.max_size = max_size
        self.outbox: list[str] = []
        self.events: list[Any] = []
        self.context: int | None = None
        self.secure = False
        self._callbacks: list[Any] = []
        self.ops = AppOps()
        self._hook("policy", c_uint, [c_void_p, c_void_p], lambda op, ctx: POLICY_V2_V3_AKE)
        self._hook("is_logged_in", c_int, [c_void_p, c_char_p, c_char_p, c_char_p], lambda op, a, p, r: 1)
        self._hook("inject_message", None, [c_void_p, c_char_p, c_char_p, c_char_p, c_char_p],
                   lambda op, a, p, r, message: self.outbox.append(message.decode()))
        self._hook("gone_secure", None, [c_void_p, c_void_p], self._gone_secure)
        self._hook("gone_insecure", None, [c_void_p, c_void_p], self._gone_insecure)
        self._hook("max_message_size", c_int, [c_void_p, c_void_p], lambda op, ctx: self.max_size)
        self._hook("handle_smp_event", None, [c_void_p, c_int, c_void_p, c_ushort, c_char_p], self._smp_event)
        self._hook("handle_msg_event", None, [c_void_p, c_int, c_void_p, c_char_p, c_uint],
                   lambda op, event, ctx, message, err: self.events.append(("msg", event)))

    def _hook(self, name: str, restype: Any, argtypes: list[Any], fn: Any) -> None:
        callback = CFUNCTYPE(restype, *argtypes)(fn)
        self._callbacks.append(callback)  # ctypes callbacks must outlive the C side's use
        setattr(self.ops, name, ctypes.cast(callback, c_void_p))

    def _gone_secure(self, op: Any, ctx: int) -> None:
        self.context, self.secure = ctx, True

    def _gone_insecure(self, op: Any, ctx: int) -> None:
        self.secure = False

    def _smp_event(self, op: Any, event: int, ctx: int, progress: int, question: bytes | None) -> None:
        self.context = ctx
        self.events.append(("smp", event, question.decode() if question else None))

    def send(self, text: str) -> None:
        """Send ``text`` to alice: libotr injects the OTR form (fragmented if needed); plain text as is."""
        out = c_void_p()
        err = libotr().otrl_message_sending(self.us, byref(self.ops), None, self.account, self.protocol, self.peer,
                                            INSTAG_BEST, text.encode(), None, byref(out), FRAGMENT_SEND_ALL, None,
                                            None, None)
        assert err == 0
        if out.value:
            libotr().otrl_message_free(out)  # already injected (SEND_ALL)
        else:
            self.outbox.append(text)

    def receive(self, text: str) -> str | None:
        """What bob's user sees for a received body (None for protocol messages)."""
        new, tlvs = c_void_p(), c_void_p()
        internal = libotr().otrl_message_receiving(self.us, byref(self.ops), None, self.account, self.protocol,
                                                   self.peer, text.encode(), byref(new), byref(tlvs), None, None,
                                                   None)
        shown = ctypes.string_at(new.value).decode() if new.value else text
        if new.value:
            libotr().otrl_message_free(new)
        if tlvs.value:
            libotr().otrl_tlv_free(tlvs)
        return None if internal else shown

    def smp_start(self, question: str, secret: str) -> None:
        libotr().otrl_message_initiate_smp_q(self.us, byref(self.ops), None, self.context, question.encode(),
                                             secret.encode(), len(secret.encode()))

    def smp_respond(self, secret: str) -> None:
        libotr().otrl_message_respond_smp(self.us, byref(self.ops), None, self.context, secret.encode(),
                                          len(secret.encode()))

    def disconnect(self) -> None:
        self.secure = False  # libotr calls no gone_insecure for a local disconnect
        libotr().otrl_message_disconnect_all_instances(self.us, byref(self.ops), None, self.account, self.protocol,
                                                       self.peer)


class WithLibotr:
    def __init__(self, max_size: int = 0) -> None:
        self.alice_events: list[tuple[str, dict[str, Any]]] = []
        self.alice = OtrSession(ALICE_KEY, os.urandom, max_message_size=max_size,
                                on_event=lambda name, data: self.alice_events.append((name, data)))
        self.bob = LibotrBob(max_size)
        self.alice_got: list[tuple[str, bool]] = []
        self.bob_got: list[str] = []
        self.wire: list[str] = []

    def pump(self, from_alice: list[str] | None = None) -> None:
        pending = list(from_alice or [])
        for _ in range(60):
            for text in pending:
                self.wire.append(text)
                shown = self.bob.receive(text)
                if shown is not None:
                    self.bob_got.append(shown)
            from_bob, self.bob.outbox = self.bob.outbox, []
            pending = []
            for text in from_bob:
                self.wire.append(text)
                got = self.alice.handle_incoming(text)
                if got.plaintext is not None:
                    self.alice_got.append((got.plaintext, got.encrypted))
                pending += got.replies
            if not pending and not self.bob.outbox:
                return
        raise AssertionError("conversation did not settle")


@needs_libotr
def test_libotr_v3_session_started_by_converse() -> None:
    chat = WithLibotr()
    chat.pump([chat.alice.start()])
    assert chat.bob.secure and chat.alice.state == OtrState.UNVERIFIED and chat.alice.version == 3
    for i in range(8):  # key rotation over many messages both ways
        chat.pump(chat.alice.encrypt(f"alice {i} ✓"))
        chat.bob.send(f"bob {i} ☺")
        chat.pump()
    assert chat.bob_got == [f"alice {i} ✓" for i in range(8)]
    assert chat.alice_got == [(f"bob {i} ☺", True) for i in range(8)]
    assert chat.alice._keys.our_keyid > 5


@needs_libotr
def test_libotr_v3_session_started_by_libotr_with_fragments_both_ways() -> None:
    chat = WithLibotr(max_size=200)
    chat.bob.send("?OTRv3?")  # libotr turns an explicit query into its query message
    chat.pump()
    assert chat.bob.secure and chat.alice.state == OtrState.UNVERIFIED and chat.alice.version == 3
    assert any(text.startswith("?OTR|") for text in chat.wire)  # the AKE went in v3 fragments
    long_text = "Fragments are fine. " * 60
    pieces = chat.alice.encrypt(long_text)
    assert len(pieces) > 5
    chat.pump(pieces)
    chat.bob.send(long_text.upper())
    chat.pump()
    assert chat.bob_got[-1] == long_text and chat.alice_got[-1] == (long_text.upper(), True)


@needs_libotr
def test_libotr_smp_both_directions() -> None:
    chat = WithLibotr()
    chat.pump([chat.alice.start()])
    chat.pump(chat.alice.smp_start("correct horse", question="Which horse?"))
    assert ("smp", SMP_ASK_FOR_ANSWER, "Which horse?") in chat.bob.events
    chat.bob.smp_respond("correct horse")
    chat.pump()
    assert chat.alice.state == OtrState.VERIFIED
    assert ("smp", SMP_SUCCESS, None) in chat.bob.events
    chat.bob.smp_start("Colour?", "blue")
    chat.pump()
    assert ("smp", {"status": "asked", "question": "Colour?"}) in chat.alice_events
    chat.pump(chat.alice.smp_respond("green"))
    assert ("smp", SMP_FAILURE, None) in chat.bob.events
    assert ("smp", {"status": "failed"}) in chat.alice_events and chat.alice.state == OtrState.UNVERIFIED


@needs_libotr
def test_libotr_disconnect_both_ways() -> None:
    chat = WithLibotr()
    chat.pump([chat.alice.start()])
    chat.bob.disconnect()
    chat.pump()
    assert chat.alice.state == OtrState.FINISHED and not chat.bob.secure
    chat.alice.end()
    chat.pump([chat.alice.start()])
    assert chat.bob.secure and chat.alice.state == OtrState.UNVERIFIED
    chat.pump(chat.alice.end())
    assert chat.alice.state == OtrState.NOT_PRIVATE
    chat.bob.send("are you there?")  # libotr refuses: its side is finished
    assert ("msg", MSGEVENT_CONNECTION_ENDED) in chat.bob.events
    assert [text for text in chat.bob.outbox if text] == []  # nothing leaves in the clear
