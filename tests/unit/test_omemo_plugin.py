"""The converse-omemo plugin on CPython: its stanzas against XEP-0384 (0.3.0) and XEP-0060, and a
logged-in client talking OMEMO 0.3 with python-omemo (tests/unit/omemo_peer.py) through a fake PEP
service that answers the IQs the client sends.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import oldmemo
import twomemo
import pytest

from converse_py.plugins.chats.hooks import OutgoingMessage
from converse_py.plugins.chats.message_stanza import MessageStanza
from converse_py.plugins.chats.models import ShownMessage
from converse_py.plugins.chats.plugin import ChatsState
from converse_py.plugins.chats.stanzas import chat_message
from converse_py.plugins.omemo import pep
from converse_py.plugins.omemo import plugin as omemo_plugin
from converse_py.plugins.omemo.plugin import FALLBACK_BODY, OmemoChats, encrypt_stanza
from converse_py.plugins.omemo.store import MemoryStore
from converse_py.xmpp.stanza import canonical, element, find, parse, serialize

from .conftest import Client, arun, logged_in, settle
from .omemo_crypto import CryptographyBackend
from .omemo_peer import Network, peer_receives, peer_sends, python_omemo_peer

NS = oldmemo.oldmemo.NAMESPACE
TWO = twomemo.twomemo.NAMESPACE
PUBSUB = "http://jabber.org/protocol/pubsub"


@pytest.fixture(autouse=True)
def crypto_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(omemo_plugin.BACKEND, "factory", lambda owner: (CryptographyBackend(), MemoryStore()))


# -- stanzas ---------------------------------------------------------------------------------
def test_an_encrypted_chat_message_has_the_fallback_body_the_eme_element_and_a_store_hint() -> None:
    # XEP-0384 0.3.0 §4.5 (the message), XEP-0380 §3 (EME), XEP-0334 (store): the body is the fallback
    stanza = chat_message("juliet@capulet.lit", "secret words")
    encrypted = element("encrypted", xmlns=NS)
    encrypt_stanza(stanza, encrypted)
    xml = serialize(stanza)
    assert "secret words" not in xml
    assert stanza.findtext("body") == FALLBACK_BODY
    assert '<encrypted xmlns="eu.siacs.conversations.axolotl" />' in xml
    assert '<encryption xmlns="urn:xmpp:eme:0" namespace="eu.siacs.conversations.axolotl" name="OMEMO" />' in xml
    assert '<store xmlns="urn:xmpp:hints" />' in xml


def test_publishing_asks_for_the_open_access_model_with_publish_options() -> None:
    # XEP-0060 §7.1.5 publish-options; XEP-0384 0.3.0 §4.3: the bundle node of device 31415
    stanza = pep.publish(pep.bundle_node(31415), element("bundle", xmlns=NS))
    stanza.set("id", "p1")
    assert canonical(serialize(stanza)) == canonical(
        "<iq xmlns='jabber:client' type='set' id='p1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        "<publish node='eu.siacs.conversations.axolotl.bundles:31415'><item id='current'>"
        "<bundle xmlns='eu.siacs.conversations.axolotl'/></item></publish>"
        "<publish-options><x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
        "<field var='pubsub#access_model'><value>open</value></field></x></publish-options></pubsub></iq>")


def test_device_list_notifications_are_read_and_hostile_ids_skipped() -> None:
    event = parse("<message xmlns='jabber:client' from='juliet@capulet.lit/balcony'>"
                  "<event xmlns='http://jabber.org/protocol/pubsub#event'>"
                  "<items node='eu.siacs.conversations.axolotl.devicelist'><item id='current'>"
                  "<list xmlns='eu.siacs.conversations.axolotl'><device id='12345'/><device id='x'/>"
                  "<device id='0'/><device id='99999999999'/><device id='²'/><device id='4223'/><device id='12345'/>"
                  "</list></item></items></event></message>")
    assert pep.device_list_event(event) == ("juliet@capulet.lit", [12345, 4223], NS)
    # XEP-0384 0.8 §5.3.1: the omemo:2 device list
    two = parse("<message xmlns='jabber:client' from='juliet@capulet.lit'>"
                "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:omemo:2:devices'>"
                "<item id='current'><devices xmlns='urn:xmpp:omemo:2'><device id='12345'/>"
                "<device id='4223' label='Gajim on Ubuntu Linux'/></devices></item></items></event></message>")
    assert pep.device_list_event(two) == ("juliet@capulet.lit", [12345, 4223], TWO)


def test_the_plugin_announces_device_list_notifications_in_its_features() -> None:
    assert pep.DEVICELIST_NODE + "+notify" in omemo_plugin.OmemoPlugin.features
    assert "urn:xmpp:omemo:2:devices+notify" in omemo_plugin.OmemoPlugin.features


# -- a client and a python-omemo peer ----------------------------------------------------------
class FakePep:
    """Answers the client's PEP IQs from ``network`` (python-omemo's in-process PEP) and records
    what the client publishes there (as the other side will read it)."""

    def __init__(self, client: Client, network: Network, own: str = "alice@localhost") -> None:
        self.client, self.network, self.own = client, network, own
        self.seen = 0
        self.published: list[ET.Element] = []
        self.task = asyncio.ensure_future(self.run())

    async def run(self) -> None:
        while True:
            sent = self.client.transport.sent
            while self.seen < len(sent):
                xml = sent[self.seen]
                self.seen += 1
                if xml.startswith("<iq") and PUBSUB in xml:
                    self.answer(parse(xml))
            await asyncio.sleep(0)

    def answer(self, stanza: ET.Element) -> None:
        to = stanza.get("to") or self.own
        pubsub = find(stanza, PUBSUB, "pubsub")
        assert pubsub is not None
        reply_from = f" from='{to}'" if stanza.get("to") else ""
        head = f"<iq xmlns='jabber:client' type='{{type}}' id='{stanza.get('id')}'{reply_from}>"
        items = pubsub.find(f"{{{PUBSUB}}}items")
        published = pubsub.find(f"{{{PUBSUB}}}publish")
        if published is not None:
            node = published.get("node") or ""
            item = published[0]
            payload = item[0]
            self.published.append(stanza)
            if node == pep.DEVICELIST_NODE:
                self.network.device_lists[(NS, self.own)] = parse(serialize(payload))
            elif node == pep.TWO_DEVICES_NODE:
                self.network.device_lists[(TWO, self.own)] = parse(serialize(payload))
            elif node == pep.TWO_BUNDLES_NODE:
                self.network.bundles[(TWO, self.own, int(item.get("id") or 0))] = parse(serialize(payload))
            else:
                self.network.bundles[(NS, self.own, int(node.rsplit(":", 1)[1]))] = parse(serialize(payload))
            self.client.transport.receive(head.format(type="result") + "</iq>")
            return
        assert items is not None
        node = items.get("node") or ""
        wanted = items.find(f"{{{PUBSUB}}}item")
        item_id = "current"
        if node == pep.DEVICELIST_NODE:
            found = self.network.device_lists.get((NS, to))
        elif node == pep.TWO_DEVICES_NODE:
            found = self.network.device_lists.get((TWO, to))
        elif node == pep.TWO_BUNDLES_NODE:
            assert wanted is not None  # one device's bundle, not the whole node
            item_id = wanted.get("id") or ""
            found = self.network.bundles.get((TWO, to, int(item_id)))
        else:
            found = self.network.bundles.get((NS, to, int(node.rsplit(":", 1)[1])))
        if found is None:
            self.client.transport.receive(head.format(type="error") + "<error type='cancel'><item-not-found "
                                          "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
            return
        self.client.transport.receive(head.format(type="result") + f"<pubsub xmlns='{PUBSUB}'><items node='{node}'>"
                                      f"<item id='{item_id}'>{serialize(found)}</item></items></pubsub></iq>")


async def until(condition: Any, what: str) -> None:
    for _ in range(5000):  # at most ~5 s
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never: {what}")


async def omemo_client(network: Network, **settings: Any) -> tuple[Client, FakePep, OmemoChats]:
    client = await logged_in({"omemo_default": True, **settings})
    fake = FakePep(client, network)
    omemo = client.converse.get(OmemoChats)
    await omemo.ensure_service()
    return client, fake, omemo


def encrypted_message(sender: str, element_: ET.Element, msg_id: str) -> str:
    return (f"<message xmlns='jabber:client' from='{sender}/phone' to='alice@localhost/web' type='chat' id='{msg_id}'>"
            f"<body>{FALLBACK_BODY}</body>{serialize(element_)}</message>")


def test_a_python_omemo_peer_and_the_client_exchange_messages_both_ways() -> None:
    async def body() -> None:
        network = Network()
        network.device_lists[(NS, "alice@localhost")] = parse(
            "<list xmlns='eu.siacs.conversations.axolotl'><device id='1111'/></list>")  # another device of alice's
        client, fake, omemo = await omemo_client(network)
        service = omemo.service
        # the device list is merged: alice's other device stays; the bundle is readable by anyone
        assert pep.device_ids(network.device_lists[(NS, "alice@localhost")]) == [1111, service.device_id]
        assert all("pubsub#access_model" in serialize(p) for p in fake.published)
        network.device_lists.pop((NS, "alice@localhost"))
        network.device_lists[(NS, "alice@localhost")] = parse(
            f"<list xmlns='eu.siacs.conversations.axolotl'><device id='{service.device_id}'/></list>")

        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        encrypted = await peer_sends(juliet, NS, b"Wherefore art thou?", "alice@localhost")
        pre_keys_before = set(service.keys.pre_keys)
        client.transport.receive(encrypted_message("juliet@capulet.lit", encrypted, "m1"))
        box = client.converse.get(ChatsState).boxes["juliet@capulet.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        shown = box.messages[-1]
        assert shown.body == "Wherefore art thou?" and FALLBACK_BODY not in [m.body for m in box.messages]
        # the pre-key juliet used is gone, another one took its place, the bundle was published again
        used = pre_keys_before - set(service.keys.pre_keys)
        assert len(used) == 1 and len(service.keys.pre_keys) == len(pre_keys_before)
        await until(lambda: f'preKeyId="{list(used)[0]}"' not in serialize(
            network.bundles[(NS, "alice@localhost", service.device_id)]) and len(fake.published) >= 3, "republished")
        assert max(service.keys.pre_keys) > list(used)[0]  # a used id is never given to a new key

        client.transport.sent.clear()
        fake.seen = 0
        assert box.get("omemo_active") is True
        assert box.send_message("By any other name") is None  # sent once encrypted
        await until(lambda: any(x.startswith("<message") and "<body>" in x for x in client.transport.sent), "sent")
        [xml] = [x for x in client.transport.sent if x.startswith("<message") and "<body>" in x]
        assert "By any other name" not in xml and FALLBACK_BODY in xml
        sent = parse(xml)
        encrypted_el = find(sent, NS, "encrypted")
        assert encrypted_el is not None
        assert await peer_receives(juliet, encrypted_el, "alice@localhost", "juliet@capulet.lit") == b"By any other name"
        row = box.messages[-1]
        assert row.body == "By any other name" and row.outgoing and row.extras.get("omemo") == "sent"
        fake.task.cancel()
    arun(body())


def test_with_omemo_on_nothing_goes_in_the_clear_and_the_user_sees_why() -> None:
    async def body() -> None:
        client, fake, omemo = await omemo_client(Network())
        box = client.converse.get(ChatsState).open("romeo@montague.lit")
        assert box.get("omemo_active") is True  # omemo_default
        client.transport.sent.clear()
        fake.seen = 0
        box.send_message("only for romeo")
        await until(lambda: box.messages and box.messages[-1].error, "the failure shown")
        failed = box.messages[-1]
        assert failed.body == "only for romeo" and failed.outgoing and "no OMEMO device" in failed.error
        assert not any(x.startswith("<message") for x in client.transport.sent)
        # the last guard: stanzas built for the box without the encryption step are refused
        outgoing = OutgoingMessage(box, "sneaky", stanzas=[chat_message("romeo@montague.lit", "sneaky")])
        outgoing = client.converse.hook("createMessageStanza", box, outgoing)
        assert isinstance(outgoing.refusal, ConnectionRefusedError) and outgoing.cancelled
        fake.task.cancel()
    arun(body())


def test_an_undecryptable_message_says_so_and_never_shows_the_fallback_as_the_message() -> None:
    async def body() -> None:
        client, fake, _omemo = await omemo_client(Network())
        stranger = parse("<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='777'>"
                         "<key rid='4242'>AAAA</key><iv>AAAAAAAAAAAAAAAA</iv></header><payload>AAAA</payload></encrypted>")
        client.transport.receive(encrypted_message("mercutio@verona.lit", stranger, "x1"))
        box = client.converse.get(ChatsState).boxes["mercutio@verona.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "failed", "failure shown")
        assert "could not be decrypted" in box.messages[-1].body
        assert FALLBACK_BODY not in box.messages[-1].body
        fake.task.cancel()
    arun(body())


def test_without_omemo_the_core_is_not_started() -> None:
    async def body() -> None:
        client = await logged_in()
        omemo = client.converse.get(OmemoChats)
        box = client.converse.get(ChatsState).open("romeo@montague.lit")
        assert box.get("omemo_active") is False
        box.send_message("plain")
        await settle()
        assert omemo.service is None
        assert any("<body>plain</body>" in x for x in client.transport.sent)
    arun(body())


def test_a_decrypted_message_turns_omemo_on_for_the_answer() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network, omemo_default=False)
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        encrypted = await peer_sends(juliet, NS, b"Are you there?", "alice@localhost")
        client.transport.receive(encrypted_message("juliet@capulet.lit", encrypted, "m7"))
        box = client.converse.get(ChatsState).boxes["juliet@capulet.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        assert box.messages[-1].body == "Are you there?" and box.get("omemo_active") is True
        fake.task.cancel()
    arun(body())


def test_a_used_pre_key_id_is_never_given_to_a_new_key() -> None:
    async def body() -> None:
        from converse_py.plugins.omemo.x3dh import DeviceKeys
        keys = await DeviceKeys.generate(CryptographyBackend(), pre_key_count=3)
        del keys.pre_keys[3]  # the highest one was used
        await keys.add_pre_keys(CryptographyBackend(), 1, after=3)
        assert sorted(keys.pre_keys) == [1, 2, 4]
    arun(body())


def test_a_chats_omemo_switch_is_remembered_for_the_account() -> None:
    async def body() -> None:
        client = await logged_in()
        chats = client.converse.get(ChatsState)
        box = chats.open("romeo@montague.lit")
        box.set("omemo_active", True)
        chats.close(box)
        chats.boxes.pop("romeo@montague.lit")
        assert chats.open("romeo@montague.lit").get("omemo_active") is True
        assert chats.open("tybalt@capulet.lit").get("omemo_active") is False  # omemo_default
        omemo = client.converse.get(OmemoChats)
        if omemo._starting is not None:
            omemo._starting.cancel()
    arun(body())


def test_a_distrusted_device_is_never_encrypted_for_and_its_messages_are_flagged() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        encrypted = await peer_sends(juliet, NS, b"first", "alice@localhost")
        client.transport.receive(encrypted_message("juliet@capulet.lit", encrypted, "t1"))
        box = client.converse.get(ChatsState).boxes["juliet@capulet.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        [(device, info)] = (await omemo.fingerprints("juliet@capulet.lit"))["contact"].items()
        assert info["trust"] == "blind" and len(info["fingerprint"].split()) == 8
        await omemo.set_trust("juliet@capulet.lit", device, "distrusted")
        with pytest.raises(ValueError):
            await omemo.set_trust("juliet@capulet.lit", device, "maybe")

        mark = len(client.transport.sent)
        box.send_message("not for a distrusted device")
        await until(lambda: box.messages[-1].error, "refused")
        assert "no trusted OMEMO device" in box.messages[-1].error
        assert not any(x.startswith("<message") and "<body>" in x for x in client.transport.sent[mark:])

        encrypted = await peer_sends(juliet, NS, b"second", "alice@localhost")
        client.transport.receive(encrypted_message("juliet@capulet.lit", encrypted, "t2"))
        await until(lambda: box.messages[-1].body == "second", "second shown")
        assert box.messages[-1].extras.get("omemo") == "untrusted"

        await omemo.set_trust("juliet@capulet.lit", device, "verified")
        assert (await omemo.fingerprints("juliet@capulet.lit"))["contact"][device]["trust"] == "verified"
        fake.task.cancel()
    arun(body())


def test_archived_copies_show_the_kept_plaintext_or_are_decrypted_when_never_read() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        first = await peer_sends(juliet, NS, b"read live", "alice@localhost")
        client.transport.receive(encrypted_message("juliet@capulet.lit", first, "m1").replace(
            "</message>", "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='A1'/></message>"))
        box = client.converse.get(ChatsState).boxes["juliet@capulet.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        # its archived copy cannot be decrypted again (the key is used up): the kept text is found
        assert await omemo.service.recall("juliet@capulet.lit", ["s:A1"]) == "read live"
        # one never read live (e.g. sent while offline) is decrypted from the archive
        second = await peer_sends(juliet, NS, b"only in the archive", "alice@localhost")
        stanza = parse(encrypted_message("juliet@capulet.lit", second, "m2"))
        shown = ShownMessage("m2", "juliet@capulet.lit", FALLBACK_BODY, datetime.now(UTC), False, stanza_id="A2",
                             archived=True)
        context = MessageStanza(box, stanza, "archive", False, "juliet@capulet.lit", stanza_id="A2")
        pending = omemo.on_stanza(context, shown)
        assert pending is not None and pending.extras["omemo"] == "pending" and FALLBACK_BODY not in pending.body
        box.add_messages([pending], older=True)
        await until(lambda: box.find_message("m2") is not None and box.find_message("m2").extras["omemo"] != "pending",
                    "archived decrypted")
        assert box.find_message("m2").body == "only in the archive"
        # the user's own message: kept when sent (it is not encrypted for the sending device)
        box.send_message("my own words")
        await until(lambda: box.messages[-1].body == "my own words", "sent")
        await settle()
        assert await omemo.service.recall("juliet@capulet.lit", [f"i:{box.messages[-1].id}"]) == "my own words"
        fake.task.cancel()
    arun(body())


def test_the_signed_pre_key_is_rotated_weekly_at_start_and_the_previous_one_kept() -> None:
    async def body() -> None:
        from converse_py.core.errors import IQError
        from converse_py.plugins.omemo.service import SIGNED_PRE_KEY_LIFETIME, OmemoService
        published: list[str] = []

        async def send_iq(stanza: ET.Element) -> ET.Element:
            if stanza.get("type") == "get":
                raise IQError("item-not-found")
            published.append(serialize(stanza))
            return parse("<iq xmlns='jabber:client' type='result'/>")

        store, clock = MemoryStore(), [1_000_000.0]
        first = OmemoService(CryptographyBackend(), store, send_iq, "alice@localhost", now=lambda: clock[0])
        await first.start()
        assert first.keys is not None and first.keys.signed_pre_key_id == 1
        clock[0] += SIGNED_PRE_KEY_LIFETIME - 60
        again = OmemoService(CryptographyBackend(), store, send_iq, "alice@localhost", now=lambda: clock[0])
        await again.start()
        assert again.keys is not None and again.keys.signed_pre_key_id == 1 and again.device_id == first.device_id
        clock[0] += 120
        published.clear()
        later = OmemoService(CryptographyBackend(), store, send_iq, "alice@localhost", now=lambda: clock[0])
        await later.start()
        assert later.keys is not None and later.keys.signed_pre_key_id == 2
        assert later.keys.previous_signed_pre_key is not None and later.keys.previous_signed_pre_key[0] == 1
        assert any('signedPreKeyId="2"' in xml for xml in published)
    arun(body())


def test_an_omemo_2_only_peer_and_the_client_exchange_sce_envelopes_both_ways() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        service = omemo.service
        # both versions are published: one device id, one identity
        assert pep.device_ids(network.device_lists[(TWO, "alice@localhost")]) == [service.device_id]
        assert (TWO, "alice@localhost", service.device_id) in network.bundles
        assert any("pubsub#max_items" in serialize(p) for p in fake.published)
        romeo = await python_omemo_peer(network, "romeo@montague.lit", [TWO])  # no 0.3 at all
        # XEP-0420 §4 envelope, as an omemo:2 client writes it
        envelope = ("<envelope xmlns='urn:xmpp:sce:1'><content><body xmlns='jabber:client'>Art thou not Romeo?</body>"
                    "</content><rpad>r4nd0m</rpad><from jid='romeo@montague.lit'/><to jid='alice@localhost'/></envelope>")
        encrypted = await peer_sends(romeo, TWO, envelope.encode(), "alice@localhost")
        client.transport.receive(encrypted_message("romeo@montague.lit", encrypted, "r1"))
        box = client.converse.get(ChatsState).boxes["romeo@montague.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        assert box.messages[-1].body == "Art thou not Romeo?"
        # an envelope naming another sender is refused
        forged = envelope.replace("from jid='romeo@montague.lit'", "from jid='tybalt@capulet.lit'")
        encrypted = await peer_sends(romeo, TWO, forged.encode(), "alice@localhost")
        client.transport.receive(encrypted_message("romeo@montague.lit", encrypted, "r2"))
        await until(lambda: box.messages[-1].extras.get("omemo") == "failed", "refused")
        assert "another sender" in box.messages[-1].body

        mark = len(client.transport.sent)
        box.send_message("Neither, fair saint")
        await until(lambda: any(x.startswith("<message") and "<body>" in x for x in client.transport.sent[mark:]),
                    "sent")
        [xml] = [x for x in client.transport.sent[mark:] if x.startswith("<message") and "<body>" in x]
        assert "fair saint" not in xml and 'namespace="urn:xmpp:omemo:2"' in xml
        sent = find(parse(xml), TWO, "encrypted")
        assert sent is not None
        plaintext = await peer_receives(romeo, sent, "alice@localhost", "romeo@montague.lit")
        received = ET.fromstring(plaintext)
        assert received.tag == "{urn:xmpp:sce:1}envelope"
        assert received.findtext("{urn:xmpp:sce:1}content/{jabber:client}body") == "Neither, fair saint"
        assert received.find("{urn:xmpp:sce:1}from").get("jid") == "alice@localhost"
        assert received.find("{urn:xmpp:sce:1}to").get("jid") == "romeo@montague.lit"
        fake.task.cancel()
    arun(body())


def test_a_refused_publish_option_is_dropped_and_the_publish_retried() -> None:
    async def body() -> None:
        from converse_py.core.errors import IQError
        from converse_py.plugins.omemo.service import OmemoService
        published: list[str] = []

        async def send_iq(stanza: ET.Element) -> ET.Element:  # ejabberd 24: no pubsub#max_items option
            xml = serialize(stanza)
            if stanza.get("type") == "get":
                raise IQError("item-not-found")
            if "pubsub#max_items" in xml:
                raise IQError("resource-constraint (wait): Unknown field 'pubsub#max_items'")
            published.append(xml)
            return parse("<iq xmlns='jabber:client' type='result'/>")

        service = OmemoService(CryptographyBackend(), MemoryStore(), send_iq, "alice@localhost")
        await service.start()
        two = [xml for xml in published if pep.TWO_BUNDLES_NODE in xml]
        assert len(two) == 1 and "pubsub#access_model" in two[0] and f'id="{service.device_id}"' in two[0]
        assert sum(pep.DEVICELIST_NODE in xml or pep.TWO_DEVICES_NODE in xml for xml in published) == 2
    arun(body())
