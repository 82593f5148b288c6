"""OMEMO media sharing (XEP-0454) in a real page against the real server's HTTP upload: alice is
converse-py in Chromium; bob is a slixmpp-omemo peer (tests/browser/omemo_bot.py) that encrypts
and decrypts files with ``cryptography``'s AES-GCM, as the XEP says, not with converse-py's code.
bob shares an image: the page decrypts it and shows its pixels; a link to a missing file says so
with a retry; a link with a bad key says so. alice sends a file with OMEMO on: bob decrypts the
link, downloads the ciphertext and gets the original bytes, and the server never carried a URL
in the clear nor an OOB element. One login for the module.
"""

from __future__ import annotations

import re
import struct
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .omemo_bot import OmemoBot
from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

#: XEP-0454's link: aesgcm, the GET URL's host and path, the 12-byte IV and 32-byte key in hex.
LINK = re.compile(r"^aesgcm://(?P<rest>[^#\s]+)#(?P<iv>[0-9a-f]{24})(?P<key>[0-9a-f]{64})$")


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """A truecolour PNG (no library: zlib and the chunk layout of the PNG spec)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def red_then_blue(x: int, y: int) -> tuple[int, int, int]:
    return (200, 30, 10) if x < 4 else (10, 40, 220)


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    # the test servers have no TLS: their files are fetched with http (omemo_files_http_hosts)
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "omemo_files_http_hosts": ["localhost"]}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('js-omemo-files', {
        initialize() {
            window.cpyApi = this._converse.api;
            window.omemoReady = [];
            window.cpyApi.listen.on('omemoReady', (id) => window.omemoReady.push(id));
            window.cpyApi.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Iterator[tuple[OmemoBot, str]]:
    account = unique_account(prosody, "bob")
    peer = OmemoBot(account.jid, account.password, "127.0.0.1", prosody.c2s_port, "omemo")
    peer.start()
    peer.start_omemo()
    yield peer, account.jid
    peer.stop()


@pytest.fixture(scope="module")
def chat(page: ClientPage, bob: tuple[OmemoBot, str]) -> tuple[OmemoBot, str]:
    """bob's chat open with OMEMO on: alice's device is made and announced (bob can write to it)."""
    page.js("async (jid) => { const box = await window.cpyApi.chats.open(jid); box.model.set('omemo_active', true); }",
            bob[1])
    page.wait_for("() => window.omemoReady.length === 1", timeout=60_000)
    return bob


def box_sel(jid: str) -> str:
    return f'section.cpy-chatbox[data-jid="{jid}"]'


def scroll_down(page: ClientPage, jid: str) -> None:
    """Scroll the chat to its newest row, as the user does (an image loaded above may have grown the
    list since it followed the newest rows)."""
    page.wait_for("(sel) => { const rows = document.querySelectorAll(sel + ' li.cpy-msg');"
                  " if (rows.length) rows[rows.length - 1].scrollIntoView(); return true; }", arg=box_sel(jid))


def file_part(page: ClientPage, jid: str, name: str, state: str) -> str:
    """The selector of the row part showing the file ``name`` in ``state``, once there is one."""
    selector = f'{box_sel(jid)} li.cpy-msg .cpy-omemo-file[data-state="{state}"]'
    page.wait_for("""([sel, name, box, scroll]) => {
        const rows = document.querySelectorAll(box + ' li.cpy-msg');
        if (scroll && rows.length) rows[rows.length - 1].scrollIntoView();  // as the user scrolls down
        return Array.from(document.querySelectorAll(sel)).some(
            e => e.textContent.includes(name) || e.querySelector(`[alt="${name}"]`)); }""",
                  arg=[selector, name, box_sel(jid), state != "idle"], timeout=30_000)
    return selector


IMAGE_FACTS = """(sel) => { const img = document.querySelector(sel + ' img.cpy-omemo-media');
    const canvas = document.createElement('canvas'); canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d'); context.drawImage(img, 0, 0);
    return {src: img.getAttribute('src'), width: img.naturalWidth, height: img.naturalHeight,
            left: Array.from(context.getImageData(0, 0, 1, 1).data), right: Array.from(context.getImageData(7, 4, 1, 1).data),
            body: img.closest('li').querySelector('.cpy-body').textContent,
            lock: !!img.closest('li').querySelector('.cpy-omemo-lock')}; }"""


def test_an_image_bob_encrypted_and_uploaded_is_decrypted_and_shown_in_the_page(
        page: ClientPage, alice: Account, chat: tuple[OmemoBot, str]) -> None:
    peer, jid = chat
    image = png(8, 5, red_then_blue)
    link = peer.upload_encrypted(image, "sunset.png")
    assert LINK.match(link) and link.startswith("aesgcm://localhost:")
    http_url = "http://" + link.split("://", 1)[1].split("#", 1)[0]
    # lazily: while the chat is minimized its row only names the file; nothing is downloaded
    page.js("async (jid) => (await window.cpyApi.chats.get(jid)).model.minimize()", jid)
    peer.send_encrypted(alice.jid, link)
    file_part(page, jid, "sunset.png", "idle")
    page.page.wait_for_timeout(1000)
    assert http_url not in page.requests
    page.js("async (jid) => (await window.cpyApi.chats.get(jid)).model.maximize()", jid)
    selector = file_part(page, jid, "sunset.png", "ready")
    page.wait_for("(sel) => { const i = document.querySelector(sel + ' img'); return i && i.complete && i.naturalWidth > 0; }",
                  arg=selector)
    facts = page.js(IMAGE_FACTS, selector)
    assert facts["src"].startswith("blob:") and (facts["width"], facts["height"]) == (8, 5)
    assert facts["left"][:3] == [200, 30, 10] and facts["right"][:3] == [10, 40, 220]
    assert "aesgcm://" not in facts["body"] and facts["lock"]
    assert page.requests.count(http_url) == 1  # the encrypted bytes, fetched once the row was on screen


def test_a_missing_file_or_a_wrong_key_says_why_with_a_retry_and_a_bad_link_says_so(
        page: ClientPage, alice: Account, chat: tuple[OmemoBot, str]) -> None:
    peer, jid = chat
    good = peer.upload_encrypted(b"%PDF-1.4 not really", "notes.pdf")
    location, secret = good.split("#", 1)
    folders = location.rsplit("/", 2)[0]
    missing = f"{folders}/0000missing/gone.pdf#{secret}"  # the slot's folder changed: no such file
    peer.send_encrypted(alice.jid, missing)
    selector = file_part(page, jid, "gone.pdf", "failed")
    text = page.page.inner_text(selector)
    assert text.startswith("The encrypted file gone.pdf could not be shown: the file server "), text
    assert "answered HTTP 404" in text or "could not be reached" in text, text
    fetched = "http://" + missing.split("://", 1)[1].split("#", 1)[0]
    assert page.requests.count(fetched) == 1
    page.page.click(f"{selector} button[data-name=omemo-file-retry]")
    for _ in range(100):  # Retry downloads it again (and fails again: the file is still missing)
        if page.requests.count(fetched) == 2:
            break
        page.page.wait_for_timeout(100)
    assert page.requests.count(fetched) == 2
    file_part(page, jid, "gone.pdf", "failed")

    # the right file with a wrong key: GCM's tag does not match
    wrong_key = good[:-64] + ("0" if good[-64] != "0" else "1") + good[-63:]
    peer.send_encrypted(alice.jid, wrong_key)
    scroll_down(page, jid)
    page.wait_for("(sel) => Array.from(document.querySelectorAll(sel)).some(e => e.textContent.startsWith("
                  "'The encrypted file notes.pdf could not be shown: it could not be decrypted (a wrong key, or the file "
                  "was changed).') && e.querySelector('button[data-name=omemo-file-retry]'))",
                  arg=f'{box_sel(jid)} li.cpy-msg .cpy-omemo-file[data-state="failed"]', timeout=30_000)

    peer.send_encrypted(alice.jid, good.split("#", 1)[0] + "#abcdef")
    page.wait_for("(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))"
                  ".some(e => e.textContent.startsWith('This encrypted file link cannot be used (the key must be'))",
                  arg=box_sel(jid), timeout=30_000)

    # a file that is not a medium: a download link named as the file, its bytes decrypted
    peer.send_encrypted(alice.jid, good)
    selector = file_part(page, jid, "notes.pdf", "ready")
    link = page.js("""(sel) => { const a = document.querySelector(sel + ' a[download]');
        return fetch(a.href).then(r => r.text()).then(t => [a.getAttribute('download'), a.href.slice(0, 5), t]); }""",
                   selector)
    assert link == ["notes.pdf", "blob:", "%PDF-1.4 not really"]


def test_a_file_alice_sends_with_omemo_on_reaches_bob_encrypted_and_never_in_the_clear(
        page: ClientPage, alice: Account, chat: tuple[OmemoBot, str]) -> None:
    peer, jid = chat
    image = png(8, 5, red_then_blue)
    with peer._cond:
        peer.stanzas.clear()
    url = page.js("""async ([jid, bytes]) => { const box = await window.cpyApi.chats.open(jid);
        box.model.set('omemo_active', true);
        const file = new File([new Uint8Array(bytes)], 'photo.png', {type: 'image/png'});
        return await window.cpyApi.upload.send(jid, file); }""", [jid, list(image)])
    match = LINK.match(url)
    assert match, url
    got = peer._wait(lambda: next((t for t in peer.plaintexts if t.startswith("aesgcm://")
                                   and t.endswith(match["key"])), None), 30)
    assert got == url, peer.decrypt_errors
    # bob: the GET URL from the link (http on this test server), the key from the fragment
    with urllib.request.urlopen("http://" + match["rest"], timeout=20) as response:
        sealed = response.read()
    assert len(sealed) == len(image) + 16
    assert AESGCM(bytes.fromhex(match["key"])).decrypt(bytes.fromhex(match["iv"]), sealed, None) == image
    # what the server carried: the OMEMO element, no URL in the clear, no OOB element
    with peer._cond:
        carried = [xml for xml in peer.stanzas if "<message" in xml and "encrypted" in xml]
    assert carried
    for xml in carried:
        assert "jabber:x:oob" not in xml and "http://" not in xml.replace("http://jabber.org", "") \
            and "https://" not in xml and match["rest"] not in xml
    # the page shows its own file from the plaintext it had
    selector = file_part(page, jid, "photo.png", "ready")
    page.wait_for("(sel) => { const i = document.querySelector(sel + ' img'); return i && i.complete && i.naturalWidth > 0; }",
                  arg=selector)
    facts = page.js(IMAGE_FACTS, selector)
    assert (facts["width"], facts["height"]) == (8, 5) and facts["right"][:3] == [10, 40, 220]


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
