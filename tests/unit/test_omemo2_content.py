"""omemo:2 puts the whole message in its XEP-0420 envelope: what the client would send in the clear
(the body, a XEP-0461 reply and its XEP-0428 fallback, a XEP-0382 spoiler, a XEP-0066 link ...)
goes inside, and what a received envelope holds is the message's own (a reply, a link and a
spoiler show as they do in the clear). The peer is python-omemo with only the twomemo backend
(tests/unit/omemo_peer.py); envelopes are written and read here from XEP-0420 as written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from converse_py.plugins.chats.message_stanza import MessageStanza
from converse_py.plugins.chats.models import ShownMessage

from converse_py.plugins.chats.plugin import ChatsState
from converse_py.plugins.omemo import sce_content
from converse_py.plugins.omemo.plugin import FALLBACK_BODY
from converse_py.xmpp.stanza import find, parse

from .conftest import arun, settle
from .omemo_peer import Network, peer_receives, peer_sends, python_omemo_peer
from .test_omemo_plugin import NS, TWO, crypto_backend, encrypted_message, omemo_client, until

__all__ = ["crypto_backend"]  # its autouse fixture: the CPython crypto backend and an in-memory store

SCE = "urn:xmpp:sce:1"
ROMEO = "romeo@montague.lit"


def envelope(content: str, from_jid: str = ROMEO) -> bytes:
    """XEP-0420 §4 (Example 1's shape) with omemo:2's affix elements."""
    return (f"<envelope xmlns='{SCE}'><content>{content}</content><rpad>Xq9</rpad>"
            f"<time stamp='2026-12-06T18:00:00Z'/><to jid='alice@localhost'/><from jid='{from_jid}'/></envelope>").encode()


def sent_messages(client: object, mark: int) -> list[str]:
    sent: list[str] = client.transport.sent[mark:]  # type: ignore[attr-defined]
    return [x for x in sent if x.startswith("<message") and "<body>" in x]


def test_a_reply_and_a_spoiler_go_in_the_envelope_and_nothing_of_them_in_the_clear() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        romeo = await python_omemo_peer(network, ROMEO, [TWO])
        first = await peer_sends(romeo, TWO, envelope("<body xmlns='jabber:client'>Shall I hear more?</body>"), "alice@localhost")
        client.transport.receive(encrypted_message(ROMEO, first, "r1"))
        box = client.converse.get(ChatsState).boxes[ROMEO]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")

        mark = len(client.transport.sent)
        box.set("spoiler", {"hint": "the balcony"})
        box.reply("r1", "Or shall I speak at this?")
        await until(lambda: sent_messages(client, mark), "sent")
        [xml] = sent_messages(client, mark)
        wire = parse(xml)
        assert "speak at this" not in xml and "Shall I hear more" not in xml and "balcony" not in xml
        for namespace in ("urn:xmpp:reply:0", "urn:xmpp:fallback:0", "urn:xmpp:spoiler:0"):
            assert namespace not in xml
        encrypted = find(wire, TWO, "encrypted")
        assert encrypted is not None
        plaintext = await peer_receives(romeo, encrypted, "alice@localhost", ROMEO)
        assert plaintext is not None
        received = ET.fromstring(plaintext)
        content = received.find(f"{{{SCE}}}content")
        assert content is not None
        tags = [child.tag for child in content]
        assert "{urn:xmpp:reply:0}reply" in tags and "{urn:xmpp:fallback:0}fallback" in tags
        assert content.find("{urn:xmpp:reply:0}reply").get("id") == "r1"  # type: ignore[union-attr]
        assert content.findtext("{urn:xmpp:spoiler:0}spoiler") == "the balcony"
        assert "Or shall I speak at this?" in (content.findtext("{jabber:client}body") or "")
        # the server-side elements stay outside (XEP-0420 §5)
        assert find(wire, "urn:xmpp:sid:0", "origin-id") is not None and find(wire, "urn:xmpp:hints", "store") is not None
        assert received.find(f"{{{SCE}}}from").get("jid") == "alice@localhost"  # type: ignore[union-attr]
        assert received.find(f"{{{SCE}}}rpad") is not None
        # the sent row is the reply and the spoiler it was, locked
        row = box.messages[-1]
        assert row.extras.get("omemo") == "sent" and row.extras.get("reply", {}).get("id") == "r1"
        assert row.extras.get("spoiler", {}).get("hint") == "the balcony"
        fake.task.cancel()
    arun(body())


def test_an_envelopes_link_reply_and_spoiler_show_as_they_do_in_the_clear() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        romeo = await python_omemo_peer(network, ROMEO, [TWO])
        first = await peer_sends(romeo, TWO, envelope("<body xmlns='jabber:client'>the orchard walls</body>"), "alice@localhost")
        client.transport.receive(encrypted_message(ROMEO, first, "r1"))
        box = client.converse.get(ChatsState).boxes[ROMEO]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "first")

        url = "https://h.example/balcony.jpg"
        second = await peer_sends(romeo, TWO, envelope(
            f"<body xmlns='jabber:client'>{url}</body><x xmlns='jabber:x:oob'><url>{url}</url></x>"
            "<spoiler xmlns='urn:xmpp:spoiler:0'>night</spoiler>"
            "<reply xmlns='urn:xmpp:reply:0' to='alice@localhost' id='r1'/>"), "alice@localhost")
        client.transport.receive(encrypted_message(ROMEO, second, "r2"))
        await until(lambda: box.messages[-1].id == "r2" and box.messages[-1].extras.get("omemo") == "decrypted", "second")
        row = box.messages[-1]
        assert row.body == url
        assert ("image", url) in row.extras.get("media", ())
        assert row.extras.get("spoiler", {}).get("hint") == "night"
        assert row.extras.get("reply", {}).get("id") == "r1"
        fake.task.cancel()
    arun(body())


def test_an_envelope_cannot_put_server_side_elements_in_the_message() -> None:
    wire = parse("<message xmlns='jabber:client' from='romeo@montague.lit/a' type='chat' id='m1'>"
                 "<body>fallback</body><encrypted xmlns='urn:xmpp:omemo:2'/>"
                 "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='real'/></message>")
    smuggled = [parse("<stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='forged'/>"),
                parse("<encrypted xmlns='eu.siacs.conversations.axolotl'/>"), parse("<subject xmlns='jabber:client'>x</subject>"),
                parse("<body xmlns='jabber:client'>second body</body>")] + [parse("<x xmlns='jabber:x:oob'/>")] * 100
    plain = sce_content.plain_stanza(wire, "the text", smuggled)
    ids = [el.get("id") for el in plain.iter("{urn:xmpp:sid:0}stanza-id")]
    assert ids == ["real"]
    assert [el.text for el in plain.iter("{jabber:client}body")] == ["the text"]
    assert plain.find("{eu.siacs.conversations.axolotl}encrypted") is None and plain.find("{urn:xmpp:omemo:2}encrypted") is None
    assert plain.find("{jabber:client}subject") is None
    assert len(plain.findall("{jabber:x:oob}x")) == sce_content.MAX_CONTENT


def test_only_what_the_server_needs_stays_outside_the_envelope() -> None:
    stanza = parse("<message xmlns='jabber:client' to='juliet@capulet.lit' type='chat' id='m1'><body>hi</body>"
                   "<thread>t1</thread><active xmlns='http://jabber.org/protocol/chatstates'/>"
                   "<request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/>"
                   "<origin-id xmlns='urn:xmpp:sid:0' id='m1'/><store xmlns='urn:xmpp:hints'/>"
                   "<reference xmlns='urn:xmpp:reference:0' type='mention' uri='xmpp:juliet@capulet.lit'/>"
                   "<x xmlns='jabber:x:oob'><url>https://h.example/a</url></x></message>")
    assert [el.tag for el in sce_content.content_elements(stanza)] == [
        "{jabber:client}body", "{urn:xmpp:reference:0}reference", "{jabber:x:oob}x"]
    sce_content.remove_content(stanza, keep_body=False)
    assert stanza.find("{jabber:client}body") is None and stanza.find("{jabber:x:oob}x") is None
    assert stanza.find("{urn:xmpp:receipts}request") is not None and stanza.findtext("{jabber:client}thread") == "t1"


def test_a_link_in_a_decrypted_0_3_message_shows_as_media_too() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        url = "https://h.example/nurse.png"
        sent = await peer_sends(juliet, NS, f"look: {url}".encode(), "alice@localhost")
        client.transport.receive(encrypted_message("juliet@capulet.lit", sent, "j1"))
        box = client.converse.get(ChatsState).boxes["juliet@capulet.lit"]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        assert box.messages[-1].body == f"look: {url}"
        assert ("image", url) in box.messages[-1].extras.get("media", ())
        fake.task.cancel()
    arun(body())


def test_an_envelope_without_from_is_refused_and_the_next_one_read() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        romeo = await python_omemo_peer(network, ROMEO, [TWO])
        # XEP-0384 0.8's SCE profile: <from/> is required in omemo:2's envelope
        anonymous = (f"<envelope xmlns='{SCE}'><content><body xmlns='jabber:client'>guess who</body></content>"
                     "<rpad>a</rpad><to jid='alice@localhost'/></envelope>").encode()
        client.transport.receive(encrypted_message(ROMEO, await peer_sends(romeo, TWO, anonymous, "alice@localhost"), "r1"))
        box = client.converse.get(ChatsState).boxes[ROMEO]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "failed", "refused")
        assert "guess who" not in box.messages[-1].body
        client.transport.receive(encrypted_message(ROMEO, await peer_sends(
            romeo, TWO, envelope("<body xmlns='jabber:client'>it is I</body>"), "alice@localhost"), "r2"))
        await until(lambda: box.messages[-1].id == "r2" and box.messages[-1].extras.get("omemo") == "decrypted", "read")
        assert box.messages[-1].body == "it is I"
        fake.task.cancel()
    arun(body())


def test_the_archived_copy_of_an_omemo_2_reply_shows_its_quote_from_what_was_kept() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        romeo = await python_omemo_peer(network, ROMEO, [TWO])
        client.transport.receive(encrypted_message(ROMEO, await peer_sends(
            romeo, TWO, envelope("<body xmlns='jabber:client'>Shall I hear more?</body>"), "alice@localhost"), "r1"))
        box = client.converse.get(ChatsState).boxes[ROMEO]
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        mark = len(client.transport.sent)
        box.reply("r1", "Or shall I speak at this?")
        await until(lambda: sent_messages(client, mark) and box.messages[-1].extras.get("omemo") == "sent", "sent")
        await settle()
        mine = box.messages[-1]
        keys = [f"i:{mine.id}"]
        # what the archive's copy will be shown from: the envelope's body (quote and all) and its reply
        text = await omemo.service.recall(ROMEO, keys)
        content = await omemo.service.recall_content(ROMEO, keys)
        assert text is not None and text.endswith("Or shall I speak at this?") and text != "Or shall I speak at this?"
        assert [el.tag for el in content] == ["{urn:xmpp:reply:0}reply", "{urn:xmpp:fallback:0}fallback"]
        wire = parse(sent_messages(client, mark)[0])
        archived = ShownMessage(mine.id, "alice@localhost", FALLBACK_BODY, datetime.now(UTC), True, archived=True)
        context = MessageStanza(box, wire, "archive", True, "alice@localhost", stanza_id="A9")
        shown_body, extras = omemo._as_in_clear(context, archived, text, content)
        assert shown_body == "Or shall I speak at this?"  # the fallback quote is not shown as text
        assert extras.get("reply", {}).get("id") == "r1"
        fake.task.cancel()
    arun(body())


def test_content_added_in_the_clear_to_an_omemo_2_message_is_not_shown_as_the_senders() -> None:
    async def body() -> None:
        network = Network()
        client, fake, omemo = await omemo_client(network)
        romeo = await python_omemo_peer(network, ROMEO, [TWO])
        sent = await peer_sends(romeo, TWO, envelope("<body xmlns='jabber:client'>see you anon</body>"), "alice@localhost")
        # someone on the way adds a link and a spoiler outside the <encrypted/>
        injected = ("<x xmlns='jabber:x:oob'><url>https://evil.example/fake.png</url></x>"
                    "<spoiler xmlns='urn:xmpp:spoiler:0'>gotcha</spoiler></message>")
        client.transport.receive(encrypted_message(ROMEO, sent, "r1").replace("</message>", injected))
        box = client.converse.get(ChatsState).boxes[ROMEO]
        assert box.messages[-1].extras == {"omemo": "pending", "hold": True}  # not even while it is decrypted
        await until(lambda: box.messages and box.messages[-1].extras.get("omemo") == "decrypted", "decrypted")
        row = box.messages[-1]
        assert row.body == "see you anon"
        assert "media" not in row.extras and "spoiler" not in row.extras
        fake.task.cancel()
    arun(body())


def test_with_0_3_the_elements_only_the_clear_can_carry_still_count() -> None:
    wire = parse("<message xmlns='jabber:client' from='juliet@capulet.lit/a' type='chat'><body>fallback</body>"
                 "<encrypted xmlns='eu.siacs.conversations.axolotl'/><reply xmlns='urn:xmpp:reply:0' id='m0'/></message>")
    plain = sce_content.plain_stanza(wire, "yes", clear_content=True)
    assert [el.tag for el in plain] == ["{urn:xmpp:reply:0}reply", "{jabber:client}body"]
    assert [el.tag for el in sce_content.plain_stanza(wire, "yes")] == ["{jabber:client}body"]
