"""The OMEMO core's X3DH and Double Ratchet between two of our own devices: bounded skipped keys,
failures that leave a session as it was, JSON state, and no key material in reprs or errors."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converse_py.plugins.omemo import protobuf as pb
from converse_py.plugins.omemo import ratchet
from converse_py.plugins.omemo.elements import Encrypted, EncryptedKey, encrypted_element, parse_encrypted
from converse_py.plugins.omemo.errors import DecryptionError, KeyExchangeError, OmemoError, WireFormatError
from converse_py.plugins.omemo.ratchet import RatchetSession
from converse_py.plugins.omemo.session import decrypt_key, start_session
from converse_py.plugins.omemo.versions import OMEMO_03, OMEMO_2, Version
from converse_py.plugins.omemo.x3dh import Bundle, DeviceKeys, new_device_id

from .conftest import arun
from .omemo_crypto import CryptographyBackend
from .omemo_peer import Network, OurDevice

ALICE, BOB = "alice@example.org", "bob@example.net"
VERSIONS = pytest.mark.parametrize("version", [OMEMO_03, OMEMO_2], ids=["0.3", "omemo2"])
crypto = CryptographyBackend()


async def pair(version: Version) -> tuple[Network, OurDevice, OurDevice]:
    network = Network()
    alice, bob = await OurDevice.create(ALICE, 1), await OurDevice.create(BOB, 2)
    alice.publish(network, version)
    bob.publish(network, version)
    return network, alice, bob


def with_key(element: Encrypted, change: int) -> Encrypted:
    """The element with one byte of its (single) key flipped."""
    [key] = element.keys
    data = bytearray(key.data)
    data[change] ^= 0x01
    return Encrypted(element.version, element.sid, (EncryptedKey(key.rid, bytes(data), key.key_exchange, key.jid),), element.payload, element.iv)


@VERSIONS
def test_two_of_our_devices_talk_with_state_through_json_at_every_step(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        for turn in range(3):
            for n in range(3):
                assert await bob.receive(await alice.send(version, f"a{turn}{n}".encode(), network, BOB), ALICE) == f"a{turn}{n}".encode()
            assert await alice.receive(await bob.send(version, f"b{turn}".encode(), network, ALICE), BOB) == f"b{turn}".encode()
        stored = alice.sessions[(version.namespace, BOB, 2)]
        assert json.loads(json.dumps(stored)) == stored
        assert RatchetSession.from_json(stored).their_identity == bob.keys.identity_key(version) == bob.keys.bundle(version).identity_key
        assert bob.session(version, ALICE, 1).their_identity == alice.keys.identity_key(version)  # type: ignore[union-attr]
        assert RatchetSession.from_json(stored).to_json() == stored

    arun(scenario())


@VERSIONS
def test_an_altered_message_fails_and_leaves_the_session_as_it_was(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        await bob.receive(await alice.send(version, b"hello", network, BOB), ALICE)
        await alice.receive(await bob.send(version, b"answer", network, ALICE), BOB)
        element = parse_encrypted(await alice.send(version, b"secret", network, BOB))
        session = bob.session(version, ALICE, 1)
        assert session is not None
        before = session.to_json()
        for position in (3, len(element.keys[0].data) // 2, len(element.keys[0].data) - 1):
            with pytest.raises(DecryptionError):
                await decrypt_key(crypto, version, bob.keys, session, with_key(element, position).keys[0].data, False)
            assert session.to_json() == before
        decrypted = await decrypt_key(crypto, version, bob.keys, session, element.keys[0].data, False)
        assert decrypted.session is session and session.to_json() != before
        assert await bob.receive(encrypted_element(element), ALICE) == b"secret"

    arun(scenario())


@VERSIONS
def test_skipped_message_keys_are_bounded_per_message_and_per_session(version: Version, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratchet, "MAX_SKIP", 5)
    monkeypatch.setattr(ratchet, "MAX_SKIPPED_KEYS", 8)

    async def scenario() -> None:
        network, alice, bob = await pair(version)
        await bob.receive(await alice.send(version, b"first", network, BOB), ALICE)
        sent = [await alice.send(version, f"m{n}".encode(), network, BOB) for n in range(8)]
        with pytest.raises(DecryptionError, match="skips more than 5"):
            await bob.receive(sent[6], ALICE)  # 6 keys to skip
        assert await bob.receive(sent[5], ALICE) == b"m5"  # skips 5: kept
        assert bob.session(version, ALICE, 1).skipped_key_count == 5  # type: ignore[union-attr]
        # Bob answers; Alice's next chain makes Bob skip the rest of this one and more of the next.
        await alice.receive(await bob.send(version, b"answer", network, ALICE), BOB)
        later = [await alice.send(version, f"n{n}".encode(), network, BOB) for n in range(6)]
        assert await bob.receive(later[5], ALICE) == b"n5"  # skips m6, m7 and n0..n4: 5 + 2 + 5 = 12 > 8
        assert bob.session(version, ALICE, 1).skipped_key_count == 8  # type: ignore[union-attr]
        with pytest.raises(DecryptionError):
            await bob.receive(sent[0], ALICE)  # the oldest keys went first
        for n in range(5):
            assert await bob.receive(later[n], ALICE) == f"n{n}".encode()

    arun(scenario())


@VERSIONS
def test_a_bundle_whose_signature_does_not_verify_starts_no_session(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        good = bob.keys.bundle(version)
        forged = Bundle(version, good.identity_key, good.signed_pre_key_id, (await crypto.x25519_generate()).public, good.signature, good.pre_keys)
        assert good.verify() and not forged.verify()
        with pytest.raises(KeyExchangeError, match="signature"):
            await start_session(crypto, alice.keys, forged)

    arun(scenario())


@VERSIONS
def test_a_key_exchange_for_a_used_or_unknown_pre_key_is_refused(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        first = await alice.send(version, b"hello", network, BOB)
        assert await bob.receive(first, ALICE) == b"hello"
        bob.sessions.clear()  # a fresh start: the pre-key that session used is gone
        with pytest.raises(KeyExchangeError, match="pre-key"):
            await bob.receive(first, ALICE)
        bob.keys.signed_pre_key_id += 1  # rotated since
        with pytest.raises(KeyExchangeError, match="signed pre-key this device does not have"):
            await bob.receive(first, ALICE)

    arun(scenario())


@VERSIONS
def test_a_repeated_key_exchange_continues_its_session_and_a_replay_fails(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        first, second = (await alice.send(version, b"one", network, BOB), await alice.send(version, b"two", network, BOB))
        assert all(key.key_exchange for key in parse_encrypted(second).keys)
        assert await bob.receive(first, ALICE) == b"one"
        assert await bob.receive(second, ALICE) == b"two"  # the same key exchange: the same session
        with pytest.raises(DecryptionError):
            await bob.receive(second, ALICE)

    arun(scenario())


def secrets_of(keys: DeviceKeys, session: dict[str, object]) -> list[str]:
    """Every private key and chain key, as hex and base64."""
    raw = [keys.identity.private, keys.signed_pre_key.private, *(pair.private for pair in keys.pre_keys.values())]
    for name in ("root_key", "sending_chain", "receiving_chain"):
        value = session.get(name)
        if isinstance(value, str):
            raw.append(base64.b64decode(value))
    return [form for data in raw for form in (data.hex(), base64.b64encode(data).decode(), repr(data))]


@VERSIONS
def test_reprs_and_error_messages_hold_no_key_material(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        element = parse_encrypted(await alice.send(version, b"hello", network, BOB))
        texts = [repr(alice.keys), repr(alice.keys.identity), repr(alice.session(version, BOB, 2)), repr(element)]
        for position in (1, 5, 40):
            try:
                await bob.receive(encrypted_element(with_key(element, position)), ALICE)
            except OmemoError as error:
                texts.append(str(error))
        session = alice.sessions[(version.namespace, BOB, 2)]
        leaked = [secret for secret in secrets_of(alice.keys, session) + secrets_of(bob.keys, {}) for text in texts if secret in text]
        assert leaked == []
        assert len(texts) == 7

    arun(scenario())


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200), st.booleans(), st.sampled_from([OMEMO_03, OMEMO_2]))
def test_hostile_key_bytes_only_raise_omemo_errors(data: bytes, key_exchange: bool, version: Version) -> None:
    async def attempt() -> None:
        network, alice, bob = await pair(version)
        await bob.receive(await alice.send(version, b"hello", network, BOB), ALICE)
        try:
            await decrypt_key(crypto, version, bob.keys, bob.session(version, ALICE, 1), data, key_exchange)
        except OmemoError:
            pass

    arun(attempt())


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(0, 2 ** 32 - 1), st.integers(0, 2 ** 32 - 1), st.binary(max_size=64),
       st.binary(min_size=16, max_size=16))
def test_well_formed_forged_messages_with_any_header_only_raise_decryption_errors(
        ratchet_key: bytes, n: int, pn: int, ciphertext: bytes, mac: bytes) -> None:
    async def attempt() -> None:
        for version in (OMEMO_03, OMEMO_2):
            network, alice, bob = await pair(version)
            await bob.receive(await alice.send(version, b"hello", network, BOB), ALICE)
            if version is OMEMO_03:
                data = pb.encode_whisper_message(pb.WhisperMessage(b"\x05" + ratchet_key, n, pn, ciphertext), mac[:8])
            else:
                data = pb.encode_authenticated_message(mac, pb.encode_omemo_message(pb.OMEMOMessage(n, pn, ratchet_key, ciphertext)))
            session = bob.session(version, ALICE, 1)
            assert session is not None
            before = session.to_json()
            with pytest.raises(DecryptionError):
                await decrypt_key(crypto, version, bob.keys, session, data, False)
            assert session.to_json() == before

    arun(attempt())


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("root_key"),
    lambda d: d.update(root_key="%%%"),
    lambda d: d.update(sent=-1),
    lambda d: d.update(initiator="yes"),
    lambda d: d.update(version="urn:xmpp:omemo:1"),
    lambda d: d.update(skipped=[["x"]]),
    lambda d: d.update(own_ratchet=[base64.b64encode(bytes(31)).decode(), base64.b64encode(bytes(32)).decode()]),
])
def test_damaged_stored_state_raises_the_wire_format_error(damage: object) -> None:
    async def stored() -> dict[str, object]:
        network, alice, bob = await pair(OMEMO_2)
        await alice.send(OMEMO_2, b"hello", network, BOB)
        return dict(alice.sessions[(OMEMO_2.namespace, BOB, 2)])

    data = arun(stored())
    damage(data)  # type: ignore[operator]
    with pytest.raises(WireFormatError):
        RatchetSession.from_json(data)
    with pytest.raises(WireFormatError):
        DeviceKeys.from_json({"identity": ["x", "y"], "signed_pre_key_id": 1, "signed_pre_key": [], "signatures": {}, "pre_keys": {}})


@VERSIONS
def test_a_key_exchange_from_a_bundle_fetched_before_one_rotation_still_works_but_not_two(version: Version) -> None:
    async def scenario() -> None:
        network, alice, bob = await pair(version)
        first = await alice.send(version, b"built on the old bundle", network, BOB)
        await bob.keys.rotate_signed_pre_key(crypto)
        bob.keys = DeviceKeys.from_json(json.loads(json.dumps(bob.keys.to_json())))
        assert await bob.receive(first, ALICE) == b"built on the old bundle"
        carol = await OurDevice.create("carol@example.org", 3)
        late = await carol.send(version, b"too late", network, BOB)
        await bob.keys.rotate_signed_pre_key(crypto)
        await bob.keys.rotate_signed_pre_key(crypto)
        with pytest.raises(KeyExchangeError, match="signed pre-key"):
            await bob.receive(late, "carol@example.org")

    arun(scenario())


def test_a_new_device_id_is_in_range_and_not_taken() -> None:
    class FewValues(CryptographyBackend):
        values = [b"\x00\x00\x00\x00", b"\x80\x00\x00\x07", b"\xff\xff\xff\xff"]

        async def random_bytes(self, length: int) -> bytes:
            return self.values.pop(0)

    assert arun(new_device_id(FewValues(), taken={7})) == 2 ** 31 - 1  # 0 is no id, 7 is taken
    assert 1 <= arun(new_device_id(crypto)) < 2 ** 31


class YieldingBackend(CryptographyBackend):
    """Gives the event loop a turn in every HMAC, as WebCrypto's promises do."""

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        await asyncio.sleep(0)
        return await super().hmac_sha256(key, data)


@VERSIONS
def test_overlapping_calls_on_one_session_never_share_a_message_key(version: Version) -> None:
    async def scenario() -> None:
        yielding = YieldingBackend()
        alice, bob = await DeviceKeys.generate(yielding, 2), await DeviceKeys.generate(yielding, 2)
        session = await start_session(yielding, alice, bob.bundle(version))
        first, _ = await session.encrypt(yielding, b"k" * 32)
        received = await decrypt_key(yielding, version, bob, None, first, True)
        answer, _ = await received.session.encrypt(yielding, b"a" * 32)
        sent = await asyncio.gather(*(session.encrypt(yielding, bytes([n]) * 32) for n in range(5)),
                                    session.decrypt(yielding, answer))
        outgoing = sent[:5]
        assert len({data for data, _ in outgoing}) == 5  # type: ignore[misc]
        for n, (data, key_exchange) in enumerate(outgoing):  # type: ignore[misc]
            decrypted = await decrypt_key(yielding, version, bob, received.session, data, key_exchange)
            assert decrypted.key_material == bytes([n]) * 32 and decrypted.session is received.session

    arun(scenario())
