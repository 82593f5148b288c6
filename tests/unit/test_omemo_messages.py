"""Whole OMEMO messages (converse_py/plugins/omemo/messages.py): one payload, a key per device
(the recipient's devices and the sender's own other ones), failures per device, empty messages."""

from __future__ import annotations

import omemo
import pytest

from converse_py.plugins.omemo.elements import encrypted_element, parse_encrypted
from converse_py.plugins.omemo.errors import DecryptionError, KeyExchangeError
from converse_py.plugins.omemo.messages import Recipient, decrypt_message, encrypt_message
from converse_py.plugins.omemo.versions import OMEMO_03, OMEMO_2, Version
from converse_py.plugins.omemo.x3dh import Bundle, DeviceKeys, fingerprint

from .conftest import arun
from .omemo_crypto import CryptographyBackend
from .omemo_peer import reparse

VERSIONS = pytest.mark.parametrize("version", [OMEMO_03, OMEMO_2], ids=["0.3", "omemo2"])
crypto = CryptographyBackend()
ALICE, BOB = "alice@example.org", "bob@example.net"


@VERSIONS
def test_one_message_carries_a_key_for_each_device_of_the_recipient_and_of_the_sender(version: Version) -> None:
    async def scenario() -> None:
        alice, alice_phone, bob_laptop, bob_phone = [await DeviceKeys.generate(crypto, 3) for _ in range(4)]
        recipients = [Recipient(BOB, 11, bundle=bob_laptop.bundle(version)), Recipient(BOB, 12, bundle=bob_phone.bundle(version)),
                      Recipient(ALICE, 2, bundle=alice_phone.bundle(version))]
        outgoing = await encrypt_message(crypto, version, alice, 1, "Hello ✓".encode(), recipients)
        assert outgoing.failures == {} and set(outgoing.sessions) == {(BOB, 11), (BOB, 12), (ALICE, 2)}
        received = parse_encrypted(reparse(encrypted_element(outgoing.encrypted)))
        assert [key.rid for key in received.keys] == [11, 12, 2] and all(key.key_exchange for key in received.keys)
        for keys, jid, device_id in ((bob_laptop, BOB, 11), (bob_phone, BOB, 12), (alice_phone, ALICE, 2)):
            incoming = await decrypt_message(crypto, keys, jid, device_id, received, None)
            assert incoming.plaintext == "Hello ✓".encode() and incoming.used_pre_key_id in keys.pre_keys
        with pytest.raises(DecryptionError, match="not encrypted for this device"):
            await decrypt_message(crypto, bob_laptop, BOB, 13, received, None)

    arun(scenario())


@VERSIONS
def test_a_device_without_session_or_usable_bundle_fails_alone(version: Version) -> None:
    async def scenario() -> None:
        alice, bob = await DeviceKeys.generate(crypto, 3), await DeviceKeys.generate(crypto, 3)
        good = bob.bundle(version)
        forged = Bundle(version, good.identity_key, good.signed_pre_key_id, good.pre_keys[1], good.signature, good.pre_keys)
        outgoing = await encrypt_message(crypto, version, alice, 1, b"hi", [
            Recipient(BOB, 11, bundle=good), Recipient(BOB, 12), Recipient(BOB, 13, bundle=forged)])
        assert [key.rid for key in outgoing.encrypted.keys] == [11]
        assert set(outgoing.failures) == {(BOB, 12), (BOB, 13)}
        assert all(isinstance(error, KeyExchangeError) for error in outgoing.failures.values())
        nobody = await encrypt_message(crypto, version, alice, 1, b"hi", [Recipient(BOB, 12)])
        assert nobody.encrypted.keys == () and nobody.sessions == {}

    arun(scenario())


@VERSIONS
def test_an_empty_message_has_no_payload_and_still_advances_the_session(version: Version) -> None:
    async def scenario() -> None:
        alice, bob = await DeviceKeys.generate(crypto, 3), await DeviceKeys.generate(crypto, 3)
        first = await encrypt_message(crypto, version, alice, 1, b"hello", [Recipient(BOB, 2, bundle=bob.bundle(version))])
        at_bob = await decrypt_message(crypto, bob, BOB, 2, first.encrypted, None)
        empty = await encrypt_message(crypto, version, bob, 2, None, [Recipient(ALICE, 1, session=at_bob.session)])
        assert empty.encrypted.payload is None
        assert [child.tag for child in encrypted_element(empty.encrypted)] == ["header"]
        session = first.sessions[(BOB, 2)]
        assert session.pending is not None
        incoming = await decrypt_message(crypto, alice, ALICE, 1, parse_encrypted(reparse(encrypted_element(empty.encrypted))), session)
        assert incoming.plaintext is None and incoming.session.pending is None

    arun(scenario())


@VERSIONS
def test_fingerprints_are_the_ones_python_omemo_shows_for_the_same_identity(version: Version) -> None:
    keys = arun(DeviceKeys.generate(crypto, 1))
    ed25519 = keys.identity_key(OMEMO_2)
    assert fingerprint(version, keys.identity_key(version)) == omemo.SessionManager.format_identity_key(ed25519)
    assert len(fingerprint(version, keys.identity_key(version))) == 8
