"""Chat box history order and templates: archive pages keep the archive's order, links are safe."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from converse_py.dom import templates
from converse_py.plugins.chats.models import ChatBox, ShownMessage

T = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


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
