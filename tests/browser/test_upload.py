"""HTTP File Upload (XEP-0363) in a real page against the real server's upload service (Prosody's
mod_http_file_share, ejabberd's mod_http_upload): files sent with the paperclip, by drag and
drop, by pasting, and through the JS and Python API, to a chat and a room. A slixmpp peer gets
the URL and its XEP-0066 element and downloads the same bytes over HTTP. One page (alice) is
shared by the module.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from html import escape
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

OOB_URL = "{jabber:x:oob}x/{jabber:x:oob}url"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def bob_bot(bot: Any, bob: Account) -> Any:
    return bot(bob, "phone")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('grab-upload', { initialize() {
        window.capi = this._converse.api;
        window.uploadEvents = [];
        for (const name of ['uploadStarted', 'uploadProgress', 'uploadFinished', 'uploadFailed']) {
            window.capi.listen.on(name, (u) => window.uploadEvents.push([name, u.filename, u.loaded, u.size]));
        }
        window.capi.waitUntil('statusInitialized').then(resolve);
    }}))""")
    handle.puts = []  # type: ignore[attr-defined]
    handle.page.on("request", lambda r: handle.puts.append(r.url) if r.method == "PUT" else None)  # type: ignore[attr-defined]
    yield handle
    handle.close()


def box(jid: str) -> str:
    return f'#conversejs section[data-jid="{jid}"]'


def open_chat(page: ClientPage, jid: str) -> None:
    page.js("(jid) => window.capi.chats.open(jid)", jid)
    page.page.wait_for_selector(f'{box(jid)} [data-role="toolbar"] [data-name="upload-file"]')


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=20) as response:
        return bytes(response.read())


def received_files(bot: Any, count: int, *, kind: str = "chat") -> list[tuple[str, str]]:
    """(body, OOB url) of the first ``count`` file messages the bot got (bodies that are URLs)."""
    def files() -> list[tuple[str, str]]:
        out = []
        for xml in list(bot.stanzas):
            stanza = ET.fromstring(xml)
            url = stanza.findtext(OOB_URL)
            if url and stanza.get("type") == kind:
                out.append((stanza.findtext("{jabber:client}body") or "", url))
        return out
    bot._wait(lambda: files() if len(files()) >= count else None, 20)
    got = files()
    assert len(got) >= count, f"the bot got {got!r}"
    return got


def info_lines(page: ClientPage, jid: str) -> list[str]:
    return page.js("""(sel) => Array.from(document.querySelectorAll(`${sel} li.cpy-info`)).map(e => e.textContent)""",
                   box(jid))


def wait_info(page: ClientPage, jid: str, text: str) -> None:
    page.wait_for("""([sel, text]) => Array.from(document.querySelectorAll(`${sel} li.cpy-info`))
        .some(e => e.textContent.includes(text))""", arg=[box(jid), text], timeout=20_000)


#: Builds a File in the page from [name, type, text or null, size]: text, or size zero bytes.
MAKE_FILE = "([name, type, text, size]) => new File([text !== null ? text : new Uint8Array(size)], name, {type})"


def test_files_chosen_with_the_paperclip_reach_bob_who_downloads_the_same_bytes(
        page: ClientPage, bob: Account, bob_bot: Any) -> None:
    bob_bot.stanzas.clear()
    open_chat(page, bob.jid)
    first, second = b"first file \x00\x01\x02" * 1000, "second file, ünïcode ✓".encode()
    with page.page.expect_file_chooser() as chooser:
        page.page.click(f'{box(bob.jid)} [data-name="upload-file"]')
    assert chooser.value.is_multiple()
    chooser.value.set_files([{"name": "first.bin", "mimeType": "application/octet-stream", "buffer": first},
                             {"name": "second file.txt", "mimeType": "text/plain", "buffer": second}])
    files = received_files(bob_bot, 2)
    by_name = {url.rsplit("/", 1)[-1]: (body, url) for body, url in files}
    assert len(by_name) == 2
    for (body, url) in files:
        assert body == url and url.startswith("http://localhost:")
    downloads = sorted(fetch(url) for _, url in files)
    assert downloads == sorted([first, second])
    # alice's box shows both URLs as her messages; no progress row is left; the file input is reset
    page.wait_for("(sel) => document.querySelectorAll(`${sel} li.cpy-msg:not(.cpy-info)`).length >= 2",
                  arg=box(bob.jid))
    assert page.page.locator(f"{box(bob.jid)} .cpy-upload").count() == 0
    assert page.js("(sel) => document.querySelector(`${sel} input[data-action=upload-files]`).value",
                   box(bob.jid)) == ""
    events = page.js("window.uploadEvents")
    assert [e[0] for e in events].count("uploadFinished") == 2 and ["uploadStarted", "first.bin", 0, len(first)] in events


def test_a_file_dropped_on_the_box_is_sent_and_the_typed_text_stays(page: ClientPage, bob: Account,
                                                                      bob_bot: Any) -> None:
    bob_bot.stanzas.clear()
    open_chat(page, bob.jid)
    page.page.fill(f"{box(bob.jid)} textarea", "half-typed message")
    content = f"dropped {uuid.uuid4().hex}"
    page.js("""([sel, spec]) => {
        const make = """ + MAKE_FILE + """;
        const data = new DataTransfer();
        data.items.add(make(spec));
        const target = document.querySelector(`${sel} ol.cpy-messages`);
        const over = new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: data});
        target.dispatchEvent(over);
        window.dropAccepted = over.defaultPrevented;
        target.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));
    }""", [box(bob.jid), ["dropped.txt", "text/plain", content, 0]])
    [(body, url)] = received_files(bob_bot, 1)
    assert page.js("window.dropAccepted") is True
    assert body == url and fetch(url) == content.encode()
    assert page.page.input_value(f"{box(bob.jid)} textarea") == "half-typed message"
    page.page.fill(f"{box(bob.jid)} textarea", "")


def test_an_image_pasted_into_the_composer_is_sent_and_pasted_text_is_left_alone(
        page: ClientPage, bob: Account, bob_bot: Any) -> None:
    bob_bot.stanzas.clear()
    open_chat(page, bob.jid)
    page.page.fill(f"{box(bob.jid)} textarea", "look:")
    page.js("""(sel) => {
        const textarea = document.querySelector(`${sel} textarea`);
        const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE'
                                         + 'hQGAhKmMIQAAAABJRU5ErkJggg=='), c => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([png], 'image.png', {type: 'image/png'}));
        const paste = new ClipboardEvent('paste', {bubbles: true, cancelable: true, clipboardData: data});
        textarea.dispatchEvent(paste);
        window.imagePasteTaken = paste.defaultPrevented;
        const text = new DataTransfer();
        text.setData('text/plain', 'words');
        const textPaste = new ClipboardEvent('paste', {bubbles: true, cancelable: true, clipboardData: text});
        textarea.dispatchEvent(textPaste);
        window.textPasteTaken = textPaste.defaultPrevented;
    }""", box(bob.jid))
    [(body, url)] = received_files(bob_bot, 1)
    assert page.js("[window.imagePasteTaken, window.textPasteTaken]") == [True, False]
    assert fetch(url)[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.page.input_value(f"{box(bob.jid)} textarea") == "look:"
    page.page.fill(f"{box(bob.jid)} textarea", "")


def test_a_file_over_the_servers_limit_is_refused_before_any_put(page: ClientPage, bob: Account) -> None:
    open_chat(page, bob.jid)
    service = page.js("() => window.capi.upload.service()")
    assert service["jid"] == "upload.localhost" and service["max_file_size"] == 20 * 1024 * 1024
    before = len(page.puts)  # type: ignore[attr-defined]
    page.js("""([sel, spec]) => {
        const data = new DataTransfer();
        data.items.add((""" + MAKE_FILE + """)(spec));
        document.querySelector(`${sel} ol.cpy-messages`).dispatchEvent(
            new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));
    }""", [box(bob.jid), ["huge.bin", "application/octet-stream", None, 21 * 1024 * 1024]])
    wait_info(page, bob.jid, "huge.bin was not sent")
    assert "huge.bin was not sent: it is 22.0 MB and the server accepts files up to 21.0 MB." in info_lines(page, bob.jid)
    assert len(page.puts) == before  # type: ignore[attr-defined]


def test_without_an_upload_service_the_box_says_so_and_nothing_is_sent(page: ClientPage, bob: Account,
                                                                        bob_bot: Any, prosody: Any) -> None:
    """The client is pointed at the MUC service, a real entity without the upload feature."""
    bob_bot.stanzas.clear()
    open_chat(page, bob.jid)
    page.js("(service) => window.capi.settings.set('upload_service', service)", prosody.muc_domain)
    try:
        error = page.js("""async ([jid, spec]) => {
            try { await window.capi.upload.send(jid, (""" + MAKE_FILE + """)(spec)); return null; }
            catch (e) { return [e.name, e.message]; }
        }""", [bob.jid, ["orphan.txt", "text/plain", "nobody takes me", 0]])
        assert page.js("() => window.capi.upload.service()") is None
    finally:
        page.js("() => window.capi.settings.set('upload_service', '')")
    assert error == ["UploadFailed", "orphan.txt was not sent: your server offers no file upload service."]
    wait_info(page, bob.jid, "orphan.txt was not sent: your server offers no file upload service.")
    assert not any("orphan" in x for x in bob_bot.stanzas)


def test_cancel_in_the_progress_row_stops_the_upload_and_sends_nothing(page: ClientPage, bob: Account,
                                                                         bob_bot: Any) -> None:
    bob_bot.stanzas.clear()
    open_chat(page, bob.jid)
    # Loopback is too fast to click during a PUT: the browser sends at 500 kB/s for this test.
    cdp = page.context.new_cdp_session(page.page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": 500_000})
    page.js("""([jid, spec]) => {
        window.cancelled = window.capi.upload.send(jid, (""" + MAKE_FILE + """)(spec)).then(
            () => 'sent', (e) => e.message);
    }""", [bob.jid, ["slow.bin", "application/octet-stream", None, 4 * 1024 * 1024]])
    try:
        page.wait_for("(sel) => document.querySelector(`${sel} .cpy-upload progress`)?.value > 0", arg=box(bob.jid))
        page.page.click(f'{box(bob.jid)} .cpy-upload button[data-action="cancel-upload"]')
        assert page.js("() => window.cancelled") == "The upload of slow.bin was cancelled."
    finally:
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                      "uploadThroughput": -1})
        cdp.detach()
    wait_info(page, bob.jid, "The upload of slow.bin was cancelled.")
    assert page.page.locator(f"{box(bob.jid)} .cpy-upload").count() == 0
    bob_bot.send_message(page.js("() => window.capi.user.jid()"), "ping after the cancel")
    page.wait_for("(sel) => Array.from(document.querySelectorAll(`${sel} li.cpy-msg`))"
                  ".some(e => e.textContent.includes('ping after the cancel'))", arg=box(bob.jid))
    assert not any("slow.bin" in x for x in bob_bot.stanzas)


def test_the_js_api_sends_a_file_to_a_room_with_its_oob_element(page: ClientPage, bob: Account, bob_bot: Any,
                                                               prosody: Any) -> None:
    room = f"files-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    page.js("(room) => window.capi.rooms.open(room, {nick: 'alice'})", room)
    page.wait_for("(room) => window.capi.rooms.get(room)?.model.get('connection_status') === 'entered'", arg=room)
    bob_bot.send_raw(f"<presence to='{room}/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    bob_bot.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/bob" and kind == "available")
    bob_bot.stanzas.clear()
    content = hashlib.sha256(room.encode()).hexdigest()
    url = page.js("""([room, spec]) => window.capi.upload.send(room, (""" + MAKE_FILE + """)(spec))""",
                  [room, ["room file.txt", "text/plain", content, 0]])
    [(body, oob_url)] = received_files(bob_bot, 1, kind="groupchat")
    assert body == oob_url == url and fetch(url) == content.encode()


def test_the_python_api_uploads_bytes_and_reports_the_service(page: ClientPage, bob: Account, bob_bot: Any) -> None:
    bob_bot.stanzas.clear()
    name = f"py-upload-{next(_names)}"
    data = bytes(range(256)) * 40
    page.js("code => window.runPython(code)", f"""
import json

class Snippet:
    def initialize(self):
        api = self._converse.api

        async def run():
            service = await api.upload.service()
            url = await api.upload.send({bob.jid!r}, bytes(range(256)) * 40, "py bytes.bin", "application/octet-stream")
            window.pyUpload = json.dumps([service, url])

        asyncio.ensure_future(run())

converse.plugins.add({name!r}, Snippet)
""")
    page.wait_for("window.pyUpload !== undefined", timeout=30_000)
    service, url = json.loads(page.js("window.pyUpload"))
    assert service == {"jid": "upload.localhost", "max_file_size": 20 * 1024 * 1024}
    [(body, oob_url)] = received_files(bob_bot, 1)
    assert body == oob_url == url and fetch(url) == data


def test_hostile_file_names_are_shown_as_text(page: ClientPage, bob: Account) -> None:
    open_chat(page, bob.jid)
    name = '<img src=x onerror="window.pwned=1">.bin'
    page.js("""([jid, spec]) => window.capi.upload.send(jid, (""" + MAKE_FILE + """)(spec)).catch(() => null)""",
            [bob.jid, [name, "application/octet-stream", None, 21 * 1024 * 1024]])
    wait_info(page, bob.jid, name)
    assert page.js("window.pwned") is None
    assert page.page.locator(f"{box(bob.jid)} li.cpy-info img").count() == 0
    assert escape(name) not in info_lines(page, bob.jid)
