"""Chat box history order and templates: archive pages keep the archive's order, links are safe."""

from __future__ import annotations

from datetime import datetime, UTC

import pytest

from converse_py.dom import templates
from converse_py.plugins.chats.models import ChatBox, ShownMessage

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _msg(n: int, when: datetime = T) -> ShownMessage:
    return ShownMessage(f"m{n}", "bob@localhost", f"body {n}", when, False, stanza_id=f"A{n}", archived=True)


def test_archive_pages_with_tied_timestamps_keep_the_archive_order() -> None:
    box = ChatBox("bob@localhost")
    where: list[str] = []
    box.on_messages(lambda _b, _m, w: where.append(w))
    box.add_messages([_msg(n) for n in range(5, 10)], older=True)
    box.add_messages([_msg(n) for n in range(0, 6)], older=True)  # overlaps by one: A5 is not shown twice
    assert [m.body for m in box.messages] == [f"body {n}" for n in range(10)]
    assert where == ["append", "prepend"]


def test_unread_counts_only_live_incoming_messages_while_minimized() -> None:
    box = ChatBox("bob@localhost")
    box.minimize()
    box.add_messages([_msg(1)], older=True)
    box.add_messages([ShownMessage("x", "bob@localhost", "live", T, False)])
    box.add_messages([ShownMessage("y", "alice@localhost", "mine", T, True)])
    assert box.get("num_unread") == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "//evil.org"])
def test_only_http_https_and_xmpp_links_are_made(url: str) -> None:
    html = templates.linkify(f"go {url} now")
    assert "<a" not in html
    box = ChatBox("bob@localhost")
    box.set("url", url)
    assert "href" not in templates.chatbox(box)


def test_links_keep_their_text_as_text_and_trailing_punctuation_out() -> None:
    html = templates.linkify('(see https://example.org/a"onmouseover="x) and xmpp:bob@localhost.')
    assert '<a href="https://example.org/a"' in html and "onmouseover=" not in html.split("</a>")[0][:60]
    assert '<a href="xmpp:bob@localhost" rel="noopener noreferrer" target="_blank">xmpp:bob@localhost</a>.' in html
    assert html.startswith("(see ")


def test_chatbox_frame_has_the_stable_hooks_and_the_box_attributes() -> None:
    box = ChatBox("bob@localhost", "<b>Bob</b>")
    box.set({"height": 300, "url": "https://example.org/bob", "num_unread": 3})
    html = templates.chatbox(box)
    assert '<section class="cpy-chatbox" data-jid="bob@localhost"' in html and "height: 300px" in html
    assert "&lt;b&gt;Bob&lt;/b&gt;" in html and "<b>" not in html
    assert '<a href="https://example.org/bob"' in html and ">3</span>" in html
    row = templates.message_item(ShownMessage("", "bob@localhost", "x", T, False, stanza_id="A9"))
    assert row.startswith('<li class="cpy-msg cpy-in" data-id="A9"')


# -- carbons (XEP-0280) ------------------------------------------------------------------------

def test_carbons_enable_matches_xep0280_example() -> None:
    from converse_py.plugins.chats.stanzas import carbons_enable
    from converse_py.xmpp.stanza import canonical, serialize
    built = carbons_enable()
    built.set("id", "enable1")
    assert canonical(serialize(built)) == canonical(
        '<iq xmlns="jabber:client" type="set" id="enable1"><enable xmlns="urn:xmpp:carbons:2"/></iq>')


RECEIVED = ('<message xmlns="jabber:client" from="{frm}" to="alice@localhost/web" type="chat">'
            '<received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">'
            '<message xmlns="jabber:client" from="bob@localhost/phone" to="alice@localhost/phone" type="chat" id="r1">'
            '<body>{body}</body></message></forwarded></received></message>')
SENT = ('<message xmlns="jabber:client" from="alice@localhost" to="alice@localhost/web" type="chat">'
        '<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">'
        '<message xmlns="jabber:client" from="alice@localhost/phone" to="bob@localhost/phone" type="chat" id="s1">'
        '<body>sent from my phone</body></message></forwarded></sent></message>')


def test_carbons_show_the_other_clients_messages_and_forged_ones_are_dropped() -> None:
    from .conftest import Client, arun, settle

    async def body() -> tuple[list[tuple[str, bool]], bool]:
        client = Client()
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        client.transport.receive(RECEIVED.format(frm="alice@localhost", body="to my phone"))
        client.transport.receive(SENT)
        client.transport.receive(RECEIVED.format(frm="mallory@evil.com", body="forged"))
        box = client.api.chats.get("bob@localhost")
        return [(m.body, m.outgoing) for m in box.messages], client.api.chats.get("mallory@evil.com") is None
    shown, no_mallory = arun(body())
    assert shown == [("to my phone", False), ("sent from my phone", True)]
    assert no_mallory


def test_parse_incoming_unwraps_carbons_and_refuses_forgeries_and_anonymous_sessions() -> None:
    from converse_py.plugins.chats.hooks import parse_incoming
    from converse_py.xmpp.stanza import parse
    carbon = parse(SENT)
    sent = parse_incoming(carbon, "alice@localhost")
    assert sent is not None and sent.kind == "sent" and sent.sender.full == "alice@localhost/phone"
    assert sent.stanza is carbon and sent.message.get("id") == "s1" and sent.from_self
    assert sent.chat is not None and sent.chat.body == "sent from my phone"
    assert parse_incoming(carbon, "bob@localhost") is None  # someone else's carbon: forged
    assert parse_incoming(carbon, None) is None
    inner = parse(RECEIVED.format(frm="alice@localhost", body="x"))[0][0][0]
    direct = parse_incoming(inner, "alice@localhost")
    assert direct is not None and direct.kind == "direct" and direct.sender.full == "bob@localhost/phone"
    assert not direct.from_self and direct.type == "chat" and direct.id == "r1"
