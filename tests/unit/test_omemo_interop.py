"""OMEMO interop on CPython: converse-py's OMEMO core against python-omemo (the maintained stack
slixmpp-omemo runs) with its oldmemo (OMEMO 0.3) and twomemo (omemo:2) backends. Bundles, device lists
and messages travel as the XML each side writes (python-omemo's own etree modules on its side)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from converse_py.plugins.omemo.elements import parse_bundle, parse_device_list, parse_encrypted
from converse_py.plugins.omemo.errors import DecryptionError
from converse_py.plugins.omemo.versions import OMEMO_03, OMEMO_2, Version

from .conftest import arun
from .omemo_peer import Network, OurDevice, etree_of, peer_receives, peer_sends, python_omemo_peer

ALICE, BOB = "alice@example.org", "bob@example.net"
VERSIONS = pytest.mark.parametrize("version", [OMEMO_03, OMEMO_2], ids=["0.3", "omemo2"])


@VERSIONS
def test_a_python_omemo_peer_starts_a_session_from_our_bundle_and_we_talk_both_ways_out_of_order(version: Version) -> None:
    async def scenario() -> None:
        network = Network()
        alice = await OurDevice.create(ALICE, 1001)
        alice.publish(network, version)
        bob = await python_omemo_peer(network, BOB, [version.namespace])
        try:
            first = await peer_sends(bob, version.namespace, b"Hello, Alice", ALICE)
            pre_keys = set(alice.keys.pre_keys)
            assert await alice.receive(first, BOB) == b"Hello, Alice"
            assert len(pre_keys - set(alice.keys.pre_keys)) == 1, "the used pre-key is gone"
            [bob_device] = parse_device_list(network.device_lists[(version.namespace, BOB)])
            session = alice.session(version, BOB, bob_device)
            assert session is not None
            assert session.their_identity == parse_bundle(network.bundles[(version.namespace, BOB, bob_device)]).identity_key
            # Bob goes on before hearing back (his messages still carry the key exchange); they arrive
            # out of order, and one of them never does.
            later = [await peer_sends(bob, version.namespace, f"message {n}".encode(), ALICE) for n in range(4)]
            assert await alice.receive(later[2], BOB) == b"message 2"
            assert await alice.receive(later[0], BOB) == b"message 0"
            assert await alice.receive(later[3], BOB) == b"message 3"
            # Alice answers: Bob's ratchet turns; then both write several messages, again out of order.
            assert await peer_receives(bob, await alice.send(version, b"Hi Bob", network, BOB), ALICE, BOB) == b"Hi Bob"
            ours = [await alice.send(version, f"ours {n}".encode(), network, BOB) for n in range(3)]
            for n in (1, 2, 0):
                assert await peer_receives(bob, ours[n], ALICE, BOB) == f"ours {n}".encode()
            theirs = [await peer_sends(bob, version.namespace, f"theirs {n}".encode(), ALICE) for n in range(5)]
            for n in (4, 0, 2, 3):  # theirs[1] is lost
                assert await alice.receive(theirs[n], BOB) == f"theirs {n}".encode()
            assert await alice.receive(later[1], BOB) == b"message 1", "a key skipped two ratchet steps ago is still kept"
            with pytest.raises(DecryptionError):
                await alice.receive(theirs[0], BOB)  # a replay
            assert await peer_receives(bob, await alice.send(version, b"last", network, BOB), ALICE, BOB) == b"last"
        finally:
            await bob.shutdown()

    arun(scenario())


@VERSIONS
def test_we_start_a_session_from_a_python_omemo_bundle_and_it_answers(version: Version) -> None:
    async def scenario() -> None:
        network = Network()
        bob = await python_omemo_peer(network, BOB, [version.namespace])
        alice = await OurDevice.create(ALICE, 2002)
        alice.publish(network, version)
        try:
            for n in range(3):  # unanswered: every one carries the key exchange
                element = await alice.send(version, f"hello {n}".encode(), network, BOB)
                assert await peer_receives(bob, element, ALICE, BOB) == f"hello {n}".encode()
            [bob_device] = parse_device_list(network.device_lists[(version.namespace, BOB)])
            assert alice.session(version, BOB, bob_device).pending is not None  # type: ignore[union-attr]
            answers = [await peer_sends(bob, version.namespace, f"answer {n}".encode(), ALICE) for n in range(3)]
            assert await alice.receive(answers[1], BOB) == b"answer 1"
            assert await alice.receive(answers[0], BOB) == b"answer 0"
            session = alice.session(version, BOB, bob_device)
            assert session is not None and session.pending is None, "an answer ends the key exchange"
            element = await alice.send(version, b"no key exchange now", network, BOB)
            assert not any(key.key_exchange for key in parse_encrypted(element).keys)
            assert await peer_receives(bob, element, ALICE, BOB) == b"no key exchange now"
            assert await alice.receive(answers[2], BOB) == b"answer 2"
            assert await peer_receives(bob, await alice.send(version, None, network, BOB), ALICE, BOB) is None  # our empty message
            assert await peer_receives(bob, await alice.send(version, b"still fine", network, BOB), ALICE, BOB) == b"still fine"
        finally:
            await bob.shutdown()

    arun(scenario())


@VERSIONS
def test_python_omemos_empty_messages_confirm_our_key_exchange_and_turn_our_ratchet(version: Version) -> None:
    async def scenario() -> None:
        network = Network()
        bob = await python_omemo_peer(network, BOB, [version.namespace])
        alice = await OurDevice.create(ALICE, 3003)
        alice.publish(network, version)
        [bob_device] = parse_device_list(network.device_lists[(version.namespace, BOB)])

        async def empty_message_from_bob() -> ET.Element:
            [(message, to)] = network.sent
            network.sent.clear()
            assert to == ALICE
            element = etree_of(version.namespace).serialize_message(message)
            assert parse_encrypted(element).payload is None
            return element

        try:
            assert await peer_receives(bob, await alice.send(version, b"hello", network, BOB), ALICE, BOB) == b"hello"
            assert await alice.receive(await empty_message_from_bob(), BOB) is None  # python-omemo completes the handshake
            assert alice.session(version, BOB, bob_device).pending is None  # type: ignore[union-attr]
            sent = 0
            while not network.sent:  # a long one-sided run: python-omemo sends an empty message against staleness
                assert await peer_receives(bob, await alice.send(version, f"{sent}".encode(), network, BOB), ALICE, BOB) == f"{sent}".encode()
                sent += 1
                assert sent <= 60
            assert sent > 50
            before = alice.sessions[(version.namespace, BOB, bob_device)]["their_ratchet"]
            assert await alice.receive(await empty_message_from_bob(), BOB) is None
            assert alice.sessions[(version.namespace, BOB, bob_device)]["their_ratchet"] != before
            assert await peer_receives(bob, await alice.send(version, b"after", network, BOB), ALICE, BOB) == b"after"
        finally:
            await bob.shutdown()

    arun(scenario())
