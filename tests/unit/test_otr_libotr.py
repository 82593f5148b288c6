"""converse-py's version-3 messages checked with libotr's own toolkit (Debian ``libotr5-bin``:
otr_parse, otr_sesskeys, otr_remac, otr_readforge) — the reference implementation of OTR v3.

Skipped when the toolkit is not installed (scripts/setup installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from converse_py.plugins.otr import OtrSession, wire
from converse_py.plugins.otr.crypto import DSAPrivateKey, dh_public
from converse_py.plugins.otr.wire import DataMessage, DHCommit, DHKey, RevealSignature, Signature

pytestmark = pytest.mark.skipif(shutil.which("otr_parse") is None, reason="libotr5-bin (otr_parse) not installed")

ALICE_KEY = DSAPrivateKey.generate(os.urandom)
BOB_KEY = DSAPrivateKey.generate(os.urandom)


def run(*args: str, stdin: str = "") -> str:
    return subprocess.run(list(args), input=stdin, capture_output=True, text=True, check=True, timeout=30).stdout


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


def test_libotr_derives_the_same_data_keys(convo: Conversation) -> None:
    keys = convo.alice._keys
    our_private = keys.our_private[keys.our_keyid - 1]
    their_public = keys.their_public[keys.their_keyid]
    out = run("otr_sesskeys", format(our_private, "x"), format(their_public, "x"))
    ours = keys.session(keys.our_keyid - 1, keys.their_keyid)
    assert re.search(r"Our public key: ([0-9a-f]+)", out).group(1) == format(dh_public(our_private), "x")  # type: ignore[union-attr]
    assert f"Sending   AES key: {ours.send_aes.hex()}" in out
    assert f"Sending   MAC key: {ours.send_mac.hex()}" in out
    assert f"Receiving AES key: {ours.recv_aes.hex()}" in out
    assert f"Receiving MAC key: {ours.recv_mac.hex()}" in out


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
                  str(msg.flags), str(msg.sender_keyid), str(msg.recipient_keyid), format(msg.next_dh, "x"),
                  msg.ctr.hex(), msg.encrypted.hex(), msg.old_mac_keys.hex())
    assert rebuilt.strip() == text
    # libotr verifies the MAC and decrypts it.
    assert run("otr_readforge", sess.send_aes.hex(), stdin=text + "\n").splitlines()[0] == \
        "Plaintext: ``hello libotr ✓''"


def test_a_message_forged_by_libotr_is_read_by_converse(convo: Conversation) -> None:
    [text] = convo.alice.encrypt("original")
    msg = wire.decode(text)
    assert isinstance(msg, DataMessage)
    sess = convo.alice._keys.session(msg.sender_keyid, msg.recipient_keyid)
    forged = run("otr_readforge", sess.send_aes.hex(), "forged by libotr", stdin=text + "\n").splitlines()[1]
    assert forged.startswith("?OTR:AAMD") and forged != text
    assert convo.deliver(convo.alice, [forged]) == ["forged by libotr"]
