"""The converse-otr plugin: OTR in chat boxes over the FakeTransport, with the engine (and python-potr,
when installed) as the contact, in-process."""

from __future__ import annotations

import json
import os
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest

from converse_py.plugins.otr.plugin import OtrChats
from converse_py.core.errors import ConverseError
from converse_py.plugins.chats.models import ShownMessage
from converse_py.plugins.otr import DSAPrivateKey, OtrSession, save_private_key
from converse_py.plugins.otr.keys import STORAGE_PREFIX
from converse_py.plugins.otr.plugin import OtrDisabledError
from converse_py.plugins.otr.session import OtrSendRefused
from converse_py.xmpp.stanza import parse

from .conftest import Client, arun, settle

ALICE_KEY = DSAPrivateKey.generate(os.urandom)
BOB_KEY = DSAPrivateKey.generate(os.urandom)
BOB = "bob@localhost"


class Peer:
    """Bob: something that takes a body and returns (plaintext, replies)."""

    def __init__(self, handle: Callable[[str], tuple[str | None, list[str]]]) -> None:
        self.handle = handle
        self.plaintexts: list[str] = []


def engine_peer() -> tuple[Peer, OtrSession]:
    session = OtrSession(BOB_KEY, os.urandom, instance_tag=0x1234)

    def handle(body: str) -> tuple[str | None, list[str]]:
        received = session.handle_incoming(body)
        return received.plaintext, received.replies
    return Peer(handle), session


async def login(settings: dict[str, Any] | None = None) -> Client:
    client = Client()
    client.platform.persistent_storage[STORAGE_PREFIX + "alice@localhost"] = json.dumps(
        {"key": save_private_key(ALICE_KEY), "instance_tag": 0x5678})
    await client.converse.initialize(settings or {})
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    await settle()
    client.transport.sent.clear()
    return client


def deliver(client: Client, body: str) -> None:
    client.transport.receive(f'<message xmlns="jabber:client" from="{BOB}/pc" to="alice@localhost/web" '
                             f'type="chat" id="b{len(body)}x{hash(body) & 0xffff}"><body>{escape(body)}</body>'
                             '</message>')


def outgoing_bodies(client: Client) -> list[str]:
    """Alice's chat messages to bob since the last call (their bodies), checking the OTR hints."""
    bodies = []
    for xml in client.sent("message"):
        stanza = parse(xml)
        body = stanza.findtext("{jabber:client}body")
        if stanza.get("to") == BOB and body is not None:
            if body.startswith("?OTR:"):
                assert stanza.find("{urn:xmpp:carbons:2}private") is not None
                assert stanza.find("{urn:xmpp:hints}no-copy") is not None
            bodies.append(body)
    client.transport.sent.clear()
    return bodies


def pump(client: Client, peer: Peer, first: list[str] | None = None) -> None:
    """Carry messages both ways until both sides are quiet."""
    to_alice = list(first or [])
    for _ in range(20):
        for body in to_alice:
            deliver(client, body)
        to_alice = []
        for body in outgoing_bodies(client):
            plaintext, replies = peer.handle(body)
            if plaintext:
                peer.plaintexts.append(plaintext)
            to_alice.extend(replies)
        if not to_alice:
            return
    raise AssertionError("the AKE did not settle")


def shown(box: Any) -> list[tuple[bool, str]]:
    return [(m.outgoing, m.body) for m in box.messages]


def test_alice_initiates_exchanges_both_ways_then_ends() -> None:
    async def body() -> None:
        client = await login()
        events: list[tuple[str, str]] = []
        client.api.listen.on("otrStateChanged", lambda box, state: events.append((box.get("jid"), state)))
        box = client.api.chats.open(BOB)
        assert box.get("otr_state") == "not-private"
        peer, bob = engine_peer()
        box.initiate_otr()
        query = outgoing_bodies(client)
        assert len(query) == 1 and query[0].startswith("?OTRv23?")
        pump(client, peer, peer.handle(query[0])[1])
        assert box.get("otr_state") == "unverified"
        assert events == [(BOB, "unverified")]
        assert box.get("otr_their_fingerprint") == bob.our_fingerprint
        assert box.get("otr_fingerprint") == bob.their_fingerprint
        assert client.converse.get(OtrChats).our_fingerprint() == bob.their_fingerprint
        # alice → bob: only ciphertext leaves, bob reads the text, alice's box shows her text
        box.send_message("secret plans")
        sent = outgoing_bodies(client)
        assert len(sent) == 1 and sent[0].startswith("?OTR:") and "secret" not in sent[0]
        assert bob.handle_incoming(sent[0]).plaintext == "secret plans"
        # bob → alice: alice's box shows the plaintext
        for reply in bob.encrypt("a reply <b>bold</b>"):
            deliver(client, reply)
        await settle()
        assert shown(box)[-2:] == [(True, "secret plans"), (False, "a reply <b>bold</b>")]
        assert not any(b.startswith("?OTR") for _, b in shown(box))
        # bob ends: finished, sending refused (text kept by the caller), then alice ends
        for reply in bob.end():
            deliver(client, reply)
        assert box.get("otr_state") == "finished"
        with pytest.raises(OtrSendRefused, match="ended"):
            box.send_message("not in the clear")
        assert outgoing_bodies(client) == []
        assert "not in the clear" not in [b for _, b in shown(box)]
        assert "ended" in box.get("otr_notice")
        box.end_otr()
        assert box.get("otr_state") == "not-private"
        assert [s for _, s in events] == ["unverified", "finished", "not-private"]
        box.send_message("plain again")
        assert outgoing_bodies(client) == ["plain again"]
    arun(body())


def test_bob_initiates_and_alice_accepts() -> None:
    async def body() -> None:
        client = await login()
        peer, bob = engine_peer()
        pump(client, peer, [bob.start()])
        box = client.api.chats.get(BOB)
        assert box is not None and box.get("otr_state") == "unverified"
        assert box.messages == []  # the query and the AKE are not shown
        for reply in bob.encrypt("hello alice"):
            deliver(client, reply)
        assert shown(box) == [(False, "hello alice")]
        box.send_message("hi bob")
        assert bob.handle_incoming(outgoing_bodies(client)[0]).plaintext == "hi bob"
    arun(body())


def test_require_otr_refuses_plaintext_and_starts_the_ake() -> None:
    async def body() -> None:
        client = await login({"require_otr": True})
        refused: list[str] = []
        client.api.listen.on("otrSendRefused", lambda box, reason: refused.append(reason))
        box = client.api.chats.open(BOB)
        with pytest.raises(OtrSendRefused, match="being started"):
            box.send_message("typed too early")
        sent = outgoing_bodies(client)
        assert len(sent) == 1 and sent[0].startswith("?OTRv23?") and "typed too early" not in sent[0]
        assert box.messages == [] and refused and "Not sent" in box.get("otr_notice")
        peer, bob = engine_peer()
        pump(client, peer, bob.handle_incoming(sent[0]).replies)
        assert box.get("otr_state") == "unverified" and box.get("otr_notice") is None
        box.send_message("typed too early")
        assert bob.handle_incoming(outgoing_bodies(client)[0]).plaintext == "typed too early"
    arun(body())


def test_smp_verifies_and_is_remembered() -> None:
    async def body() -> None:
        client = await login()
        results: list[str] = []
        client.api.listen.on("otrSmpResult", lambda box, result: results.append(result))
        peer, bob = engine_peer()
        pump(client, peer, [bob.start()])
        box = client.api.chats.get(BOB)
        client.converse.get(OtrChats).smp_start(box, "blue", "favourite colour?")
        sent = outgoing_bodies(client)
        assert len(sent) == 1 and bob.handle_incoming(sent[0]).plaintext is None
        replies = bob.smp_respond("blue")
        pump(client, peer, replies)
        assert results == ["succeeded"] and box.get("otr_state") == "verified"
        trust = json.loads(client.platform.persistent_storage["converse-py-otr-trust:alice@localhost"])
        assert trust == {BOB: [bob.our_fingerprint]}
        # a new AKE with the same key is verified at once
        box.end_otr()
        outgoing_bodies(client)
        bob.end()
        pump(client, peer, [bob.start()])
        assert box.get("otr_state") == "verified"
    arun(body())


def test_key_is_made_once_and_kept_in_persistent_storage() -> None:
    async def body() -> None:
        client = Client()
        await client.converse.initialize({})
        with pytest.raises(ConverseError, match="logged-in"):
            client.converse.get(OtrChats).our_fingerprint()
        await client.api.user.login({"jid": "carol@localhost", "password": "secret"})
        await settle()
        first = client.converse.get(OtrChats).our_fingerprint()
        assert list(client.platform.persistent_storage) == [STORAGE_PREFIX + "carol@localhost"]
        assert "secret" not in json.dumps(client.platform.persistent_storage)
        assert client.platform.storage.get(STORAGE_PREFIX + "carol@localhost") is None
        client.converse.get(OtrChats)._keys = None  # forget the cached key: it is read back, not remade
        assert client.converse.get(OtrChats).our_fingerprint() == first
    arun(body())


def test_allow_otr_false_disables_everything() -> None:
    async def body() -> None:
        client = await login({"allow_otr": False})
        box = client.api.chats.open(BOB)
        with pytest.raises(OtrDisabledError, match="allow_otr"):
            box.initiate_otr()
        with pytest.raises(OtrDisabledError, match="allow_otr"):
            box.end_otr()
        peer, bob = engine_peer()
        deliver(client, bob.start())
        assert outgoing_bodies(client) == []  # no AKE answer
        assert shown(box)[0][1].startswith("?OTRv23?")  # an ordinary message, shown as text
        box.send_message("hello")
        assert outgoing_bodies(client) == ["hello"]  # no whitespace tag
        assert client.converse.get(OtrChats).sessions == {} and client.converse.get(OtrChats)._keys is None  # no key even loaded
    arun(body())


def test_with_python_potr_as_the_contact() -> None:
    interop = pytest.importorskip("tests.unit.test_otr_interop", reason="python-potr is not installed")

    async def body() -> None:
        client = await login()
        context = interop.make_potr()

        def handle(body: str) -> tuple[str | None, list[str]]:
            try:
                text, _tlvs = context.receiveMessage(body.encode())
            except (interop.potr.context.NotEncryptedError, interop.potr.context.NotOTRMessage):
                text = None
            replies, context.outbox[:] = list(context.outbox), []
            return (text.decode() if isinstance(text, bytes) else text), replies

        peer = Peer(handle)
        box = client.api.chats.open(BOB)
        box.initiate_otr()
        pump(client, peer)
        assert box.get("otr_state") == "unverified"
        box.send_message("to potr")
        pump(client, peer)
        assert peer.plaintexts == ["to potr"]
        out = context.sendMessage(interop.potr.context.FRAGMENT_SEND_ALL, b"from potr")
        for body in ([out.decode()] if out else []) + context.outbox:
            assert body.startswith("?OTR:")
            deliver(client, body)
        assert shown(box)[-1] == (False, "from potr")
    arun(body())


def test_archived_otr_traffic_is_not_shown() -> None:
    async def body() -> None:
        client = await login()
        box = client.api.chats.open(BOB)
        def keep_all(messages: list[ShownMessage]) -> list[str]:  # what the MAM plugin's hook run keeps
            return [m.id for m in messages if client.converse.hook("beforeMessageShown", box, m) is not False]
        when = datetime(2026, 1, 1, tzinfo=UTC)
        messages = [ShownMessage("a1", BOB, "?OTR:AAMDxyz.", when, False, archived=True),
                    ShownMessage("a2", BOB, "?OTRv23? query", when, False, archived=True),
                    ShownMessage("a3", BOB, "what is ?OTR anyway", when, False, archived=True)]
        assert keep_all(messages) == ["a3"]
        client.converse.settings.set("allow_otr", False)
        assert keep_all(messages) == ["a1", "a2", "a3"]
    arun(body())
