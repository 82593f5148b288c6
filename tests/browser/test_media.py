"""Inline media in a real page (issue 22), with slixmpp playing bob as Conversations does after an
HTTP upload (the URL as the body plus a XEP-0066 OOB element): the image loads inside its link,
an image that fails falls back to its link, audio and video get controls and never play by
themselves, hostile URLs stay text, ``render_media`` off leaves links, and an archive page
renders the same rows."""

from __future__ import annotations

import struct
import zlib
from typing import Any
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

import pytest

from tools.bot import Bot

from .support import Account, ClientPage, auto_login_page, unique_account


def png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` x ``height`` grey pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def media_base(web_server: Any) -> str:
    image = png(40, 20)
    web_server.add_route("/test/media/cat.png", lambda handler: (200, "image/png", image))
    return web_server.url + "/test/media"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('js-media-test', {
        initialize() { window.mediaApi = this._converse.api; this._converse.api.waitUntil('chatBoxesFetched').then(resolve); }
    }))""")
    yield handle
    assert not handle.page_errors
    handle.close()


@pytest.fixture(scope="module")
def bob(prosody: Any, bot: Callable[..., Bot]) -> tuple[Account, Bot]:
    account = unique_account(prosody, "bob")
    return account, bot(account)


def send_oob(peer: Bot, to: str, url: str, body: str | None = None) -> None:
    """What Conversations sends after an upload: the URL as the body and in an OOB element."""
    peer.send_raw(f"<message xmlns='jabber:client' to='{to}' type='chat'><body>{escape(body or url)}</body>"
                  f"<x xmlns='jabber:x:oob'><url>{escape(url)}</url></x></message>")


def media_rows(page: ClientPage, jid: str) -> list[dict[str, Any]]:
    return page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg')).map(li => {
        const img = li.querySelector('img.cpy-image'), player = li.querySelector('audio, video');
        return {body: li.querySelector('.cpy-body').textContent,
                img: img ? {src: img.getAttribute('src'), width: img.naturalWidth, loading: img.loading,
                            link: img.closest('a') ? img.closest('a').getAttribute('href') : null} : null,
                player: player ? {tag: player.tagName.toLowerCase(), controls: player.controls,
                                  autoplay: player.autoplay, paused: player.paused} : null,
                failed: Array.from(li.querySelectorAll('a.cpy-media-failed')).map(a => a.getAttribute('href')),
                srcs: Array.from(li.querySelectorAll('[src]')).map(e => e.getAttribute('src')),
                hrefs: Array.from(li.querySelectorAll('[href]')).map(e => e.getAttribute('href'))};
    })""", f'section[data-jid="{jid}"]')


def test_a_peer_upload_shows_as_a_loaded_image_and_a_missing_one_falls_back_to_its_link(
        page: ClientPage, alice: Account, bob: tuple[Account, Bot], media_base: str) -> None:
    account, peer = bob
    send_oob(peer, alice.jid, f"{media_base}/cat.png")
    send_oob(peer, alice.jid, f"{media_base}/missing.png")
    peer.send_message(alice.jid, f"listen {media_base}/tone.ogg and watch {media_base}/clip.mp4")
    sel = f'section[data-jid="{account.jid}"]'
    page.wait_for("""(sel) => { const rows = document.querySelectorAll(sel + ' li.cpy-msg');
        return rows.length === 3 && rows[0].querySelector('img.cpy-image') && rows[0].querySelector('img').naturalWidth > 0
            && rows[1].querySelector('a.cpy-media-failed'); }""", arg=sel, timeout=30_000)
    rows = media_rows(page, account.jid)
    assert rows[0]["img"] == {"src": f"{media_base}/cat.png", "width": 40, "loading": "lazy",
                              "link": f"{media_base}/cat.png"}
    assert rows[0]["body"] == ""  # the bare URL is not repeated under its image
    assert rows[1]["img"] is None and rows[1]["failed"] == [f"{media_base}/missing.png"]
    assert rows[2]["player"] is not None and rows[2]["player"]["controls"] and not rows[2]["player"]["autoplay"]
    assert rows[2]["body"].startswith("listen ")  # text with URLs keeps its text
    assert page.js("(sel) => Array.from(document.querySelectorAll(sel + ' audio, ' + sel + ' video'))"
                   ".every(e => e.paused)", f'section[data-jid="{account.jid}"]')


def test_hostile_urls_stay_text_and_render_media_off_leaves_links(
        page: ClientPage, alice: Account, prosody: Any, bot: Callable[..., Bot], media_base: str) -> None:
    account = unique_account(prosody, "eve")
    peer = bot(account)
    send_oob(peer, alice.jid, "javascript:alert(1)//x.png", body="data:image/png;base64,iVBORw0KGgo= "
             "javascript:alert(document.domain)//a.png <img src=x onerror=alert(1)>.png")
    send_oob(peer, alice.jid, f'{media_base}/cat.png?"><img src=x onerror=alert(2)>')
    sel = f'section[data-jid="{account.jid}"]'
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length === 2", arg=sel, timeout=30_000)
    rows = media_rows(page, account.jid)
    assert rows[0]["srcs"] == [] and rows[0]["hrefs"] == []
    assert "<img src=x onerror=alert(1)>.png" in rows[0]["body"]
    # the OOB "URL" with quotes and brackets is no URL; the body's URL ends at the quote
    assert rows[1]["srcs"] == [f"{media_base}/cat.png"]
    assert page.js("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    page.js("() => window.mediaApi.settings.set('render_media', false)")
    send_oob(peer, alice.jid, f"{media_base}/cat.png")
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length === 3", arg=sel, timeout=30_000)
    last = media_rows(page, account.jid)[-1]
    page.js("() => window.mediaApi.settings.set('render_media', true)")
    assert last["img"] is None and last["hrefs"] == [f"{media_base}/cat.png"]


def test_an_archive_page_renders_media_as_live_messages_do(
        browser: Any, web_server: Any, prosody: Any, page: ClientPage, alice: Account,
        bob: tuple[Account, Bot], media_base: str) -> None:
    account, peer = bob
    sel = f'section[data-jid="{account.jid}"]'
    page.wait_for("(sel) => document.querySelectorAll(sel + ' img.cpy-image').length >= 1", arg=sel)
    # a second device of alice's opens the chat: its history comes from the archive
    other = auto_login_page(browser, web_server.url, prosody, alice)
    try:
        other.js(f"() => converse.plugins.add('js-media-archive', {{ initialize() {{ "
                 f"this._converse.api.waitUntil('chatBoxesFetched').then(() => this._converse.api.chats.open('{account.jid}')); }} }})")
        other.wait_for("""(sel) => { const img = document.querySelector(sel + ' img.cpy-image');
            return img && img.naturalWidth > 0 && document.querySelector(sel + ' a.cpy-media-failed'); }""",
                       arg=sel, timeout=30_000)
        rows = media_rows(other, account.jid)
        assert rows[0]["img"] is not None and rows[0]["img"]["src"] == f"{media_base}/cat.png"
        assert not other.page_errors
    finally:
        other.close()
