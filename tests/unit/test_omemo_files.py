"""OMEMO media sharing (XEP-0454): ``aesgcm://`` links parsed and built as the XEP writes them,
hostile links refused with a reason, the extension → MIME allow-list, the rows of file links, and
an upload with OMEMO on encrypted (checked with ``cryptography``'s AES-GCM, not our code) and
sent as a link only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from converse_py.dom.templates import MessageParts
from converse_py.plugins.chats.models import ShownMessage
from converse_py.plugins.chats.plugin import ChatsState
from converse_py.plugins.omemo.file_sharing import RETRY, FileFetchError, OmemoFiles, file_key
from converse_py.plugins.omemo.files import (INLINE_TYPES, AesgcmError, build_aesgcm, file_type, looks_like_aesgcm,
                                             parse_aesgcm)
from converse_py.plugins.upload.plugin import UploadState

from .conftest import arun, settle
from .test_upload import EXAMPLE_5_SLOT, answer, discover, last_iq, sent_messages, upload_client

IV = bytes.fromhex("8c3d050e9386ec173861778f")
KEY = bytes.fromhex("68e9af38a97aaf2a3b6e7e5f4b1c9c5e0b2a1d3c4e5f60718293a4b5c6d7e8f9")
#: XEP-0454 §2's example link's shape (its host and path, percent-encoded file name), our IV and key.
XEP_LINK = ("aesgcm://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg#"
            + IV.hex() + KEY.hex())


# -- links -----------------------------------------------------------------------------------------
def test_the_xeps_link_gives_the_https_url_the_12_byte_iv_the_key_and_the_decoded_file_name() -> None:
    link = parse_aesgcm(XEP_LINK)
    assert link.download_url() == "https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg"
    assert (link.iv, link.key) == (IV, KEY)
    assert link.filename == "très cool.jpg"
    assert KEY.hex() not in repr(link) and IV.hex() not in repr(link)  # no key material in logs


def test_a_legacy_16_byte_iv_is_read_and_upper_case_hex_and_ports_and_queries_are_kept() -> None:
    iv16 = bytes(range(16))
    link = parse_aesgcm(f"AESGCM://up.example:5443/a/b.PNG?x=1#{iv16.hex().upper()}{KEY.hex().upper()}")
    assert (link.iv, link.key) == (iv16, KEY)
    assert link.download_url() == "https://up.example:5443/a/b.PNG?x=1"
    assert link.download_url(["UP.example"]) == "http://up.example:5443/a/b.PNG?x=1"
    assert link.download_url(["other.example"]).startswith("https://")


def test_a_link_is_built_from_the_get_url_as_the_xep_writes_it_and_parses_back() -> None:
    get_url = "https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg"
    assert build_aesgcm(get_url, IV, KEY) == XEP_LINK
    built = build_aesgcm("http://localhost:5280/file_share/x/cat.png", IV, KEY)
    assert built == "aesgcm://localhost:5280/file_share/x/cat.png#" + IV.hex() + KEY.hex()
    assert parse_aesgcm(built).download_url(["localhost"]) == "http://localhost:5280/file_share/x/cat.png"
    for bad in [("ftp://h.example/a", IV, KEY), ("https://h.example/a#frag", IV, KEY), ("https:///a", IV, KEY),
                ("https://h.example/a", IV[:8], KEY), ("https://h.example/a", IV, KEY[:16])]:
        with pytest.raises(ValueError):
            build_aesgcm(*bad)


SECRET = IV.hex() + KEY.hex()


@pytest.mark.parametrize("text, reason", [
    ("aesgcm://h.example/a.png", "no key"),
    ("aesgcm://h.example/a.png#", "no key"),
    ("aesgcm://h.example/a.png#" + SECRET[:-2], "88 or 96"),
    ("aesgcm://h.example/a.png#" + SECRET + "00", "88 or 96"),
    ("aesgcm://h.example/a.png#" + "00" * 64, "88 or 96"),
    ("aesgcm://h.example/a.png#" + "zz" + SECRET[2:], "88 or 96"),
    ("aesgcm://h.example/a.png#" + "٠١" + SECRET[2:], "88 or 96"),  # Arabic-Indic digits are no hex
    ("aesgcm://h.example/a.png#0x" + SECRET[2:], "88 or 96"),
    ("aesgcm://h.example/a.png#" + SECRET[:40] + "#" + SECRET[41:], "88 or 96"),
    ("aesgcm:///a.png#" + SECRET, "host"),
    ("aesgcm://user:pw@h.example/a.png#" + SECRET, "host"),
    ("aesgcm://h.example:99999/a.png#" + SECRET, "host"),
    ("aesgcm://h.example?x/a.png#" + SECRET, "host"),
    ('aesgcm://h.example/"><img/src=x/onerror=alert(1)>.png#' + SECRET, "characters"),
    ("aesgcm://h.example/" + "a" * 2100 + ".png#" + SECRET, "too long"),
])
def test_hostile_links_are_refused_with_a_reason(text: str, reason: str) -> None:
    assert looks_like_aesgcm(text)
    with pytest.raises(AesgcmError, match=reason):
        parse_aesgcm(text)


def test_only_a_body_that_is_one_link_is_a_file() -> None:
    assert looks_like_aesgcm(f"  {XEP_LINK}\n")
    assert not looks_like_aesgcm(f"look: {XEP_LINK}")
    assert not looks_like_aesgcm(f"{XEP_LINK} {XEP_LINK}")
    assert not looks_like_aesgcm("https://h.example/a.png")
    assert not looks_like_aesgcm("aesgcm:/h.example/a.png")


def test_a_file_name_cannot_climb_out_of_its_folder() -> None:
    link = parse_aesgcm("aesgcm://h.example/a/..%2F..%2Fetc%2Fpasswd#" + SECRET)
    assert "/" not in link.filename and link.filename == ".._.._etc_passwd"
    assert parse_aesgcm("aesgcm://h.example/#" + SECRET).filename == "file"


# -- what is shown inline --------------------------------------------------------------------------
def test_the_mime_type_comes_from_the_extension_and_the_allow_list_only() -> None:
    assert file_type("a.PNG") == ("image", "image/png") and file_type("b.jpeg") == ("image", "image/jpeg")
    assert file_type("voice.opus") == ("audio", "audio/ogg") and file_type("clip.mp4") == ("video", "video/mp4")
    for dangerous in ("logo.svg", "page.html", "page.htm", "p.xhtml", "x.js", "x.xml", "x.pdf", "a.png.html",
                      "noext", "x.exe", "x.png "):
        assert file_type(dangerous) == ("file", "application/octet-stream"), dangerous
    assert file_type(".hidden.png") == ("image", "image/png")
    kinds = {kind for kind, _ in INLINE_TYPES.values()}
    assert kinds == {"image", "audio", "video"}
    assert all(mime.split("/")[0] == kind for kind, mime in INLINE_TYPES.values())
    assert not any("svg" in mime or "html" in mime or "xml" in mime for _, mime in INLINE_TYPES.values())


# -- rows ------------------------------------------------------------------------------------------
class FakeBackend:
    """The page's part, recorded: downloads answered by the test."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, str]] = []
        self.downloads: list[tuple[str, bytes, bytes, str]] = []
        self.outcomes: list[Any] = []
        self.revoked: list[str] = []
        self.watched = 0
        self.shown: set[str] = set()

    def watch_soon(self) -> None:
        self.watched += 1

    def present(self, key: str) -> bool:
        return key in self.shown

    def update(self, key: str, html: str) -> None:
        self.updates.append((key, html))

    async def download(self, url: str, iv: bytes, key: bytes, mime: str, max_size: int) -> str:
        self.downloads.append((url, iv, key, mime))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    async def encrypt(self, body: Any, iv: bytes, key: bytes) -> Any:
        return AESGCM(key).encrypt(iv, bytes(body), None)

    def local_url(self, body: Any, mime: str) -> str:
        return f"blob:local/{mime}/{len(bytes(body))}"

    def revoke(self, url: str) -> None:
        self.revoked.append(url)


def row_parts(files: OmemoFiles, body: str, state: str = "decrypted") -> MessageParts:
    message = ShownMessage("m1", "bob@localhost", body, datetime.now(UTC), False, extras={"omemo": state})
    return files.parts({"message": message}, MessageParts())


def file_client(settings: dict[str, Any] | None = None) -> tuple[OmemoFiles, FakeBackend]:
    backend = FakeBackend()
    values = {"omemo_files_http_hosts": ["download.montague.tld"], **(settings or {})}
    converse = SimpleNamespace(settings=SimpleNamespace(get=values.get))
    return OmemoFiles(converse, None, backend), backend  # type: ignore[arg-type]


def test_a_file_link_row_names_the_file_then_shows_the_decrypted_image_from_its_blob_url() -> None:
    async def body() -> tuple[Any, ...]:
        files, backend = file_client()
        first = row_parts(files, XEP_LINK)
        key = file_key(parse_aesgcm(XEP_LINK))
        files.start(key)  # the row came on screen
        backend.outcomes.append("blob:https://page.example/0d6e")
        await settle()
        return files, backend, first, key, row_parts(files, XEP_LINK)
    files, backend, first, key, ready = arun(body())
    assert first.body is not None and "Encrypted file: très cool.jpg" in first.body
    assert f'data-omemo-file="{key}"' in first.body and 'data-state="idle"' in first.body and backend.watched == 1
    assert KEY.hex() not in first.body and IV.hex() not in first.body  # no key in the DOM
    assert backend.downloads == [("http://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg",
                                  IV, KEY, "image/jpeg")]
    assert [state for _, state in backend.updates] and 'data-state="loading"' in backend.updates[0][1]
    assert ready.body is not None and '<img class="cpy-image cpy-omemo-media" src="blob:https://page.example/0d6e"' in ready.body
    assert backend.updates[-1][1] == ready.body


def test_a_failed_download_says_why_and_retry_downloads_again() -> None:
    async def body() -> tuple[Any, ...]:
        files, backend = file_client()
        link = "aesgcm://h.example/notes.pdf#" + SECRET
        row_parts(files, link)
        key = file_key(parse_aesgcm(link))
        backend.outcomes += [FileFetchError("the file server answered HTTP 404"), "blob:https://page.example/77"]
        files.start(key)
        await settle()
        failed = row_parts(files, link)
        message = ShownMessage("m1", "bob@localhost", link, datetime.now(UTC), False, extras={"omemo": "decrypted"})
        files.on_part_clicked(None, message, RETRY)
        await settle()
        return failed, row_parts(files, link), backend
    failed, ready, backend = arun(body())
    assert failed.body is not None
    assert "The encrypted file notes.pdf could not be shown: the file server answered HTTP 404." in failed.body
    assert f'data-action="message-part" data-name="{RETRY}"' in failed.body
    assert len(backend.downloads) == 2 and backend.downloads[0][3] == "application/octet-stream"
    assert ready.body is not None
    assert '<a class="cpy-attachment cpy-omemo-download" href="blob:https://page.example/77" download="notes.pdf">' in ready.body


def test_a_bad_link_says_so_and_plain_text_and_undecrypted_rows_are_left_alone() -> None:
    files, backend = file_client()
    bad = row_parts(files, "aesgcm://h.example/a.png#abcd")
    assert bad.body is not None and "This encrypted file link cannot be used (the key must be 88 or 96" in bad.body
    assert "cpy-omemo-file-invalid" in bad.classes
    assert row_parts(files, "look: " + XEP_LINK).body is None
    assert row_parts(files, XEP_LINK, state="pending").body is None
    assert row_parts(files, XEP_LINK, state="failed").body is None
    assert backend.watched == 0 and backend.downloads == []


def test_svg_is_a_download_and_media_settings_can_keep_images_as_links() -> None:
    async def body() -> tuple[Any, ...]:
        files, backend = file_client({"show_images_inline": False})
        svg, png = "aesgcm://h.example/logo.svg#" + SECRET, "aesgcm://h.example/cat.png#" + SECRET
        for link in (svg, png):
            row_parts(files, link)
            backend.outcomes.append("blob:https://page.example/" + link[-3:])
            files.start(file_key(parse_aesgcm(link)))
            await settle()
        return row_parts(files, svg), row_parts(files, png), backend
    svg, png, backend = arun(body())
    assert [d[3] for d in backend.downloads] == ["application/octet-stream", "image/png"]
    assert svg.body is not None and 'download="logo.svg"' in svg.body and "<img" not in svg.body
    assert png.body is not None and 'download="cat.png"' in png.body and "<img" not in png.body


def test_object_urls_of_rows_gone_are_revoked_and_shown_ones_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    async def body() -> tuple[Any, ...]:
        files, backend = file_client()
        links = ["aesgcm://h.example/a.png#" + SECRET, "aesgcm://h.example/b.png#" + SECRET]
        for link in links:
            row_parts(files, link)
            backend.outcomes.append("blob:x/" + link[19])
            files.start(file_key(parse_aesgcm(link)))
        await settle()
        backend.shown.add(file_key(parse_aesgcm(links[0])))
        for shared in files.files.values():
            shared.since -= 60
        files.sweep()
        return files, backend
    files, backend = arun(body())
    assert backend.revoked == ["blob:x/b"]
    assert [s.link.filename for s in files.files.values()] == ["a.png"]


# -- uploads with OMEMO on -------------------------------------------------------------------------
def test_an_upload_with_omemo_on_puts_the_ciphertext_and_sends_only_the_link_encrypted() -> None:
    sent: list[str] = []

    class FakeOmemo:
        async def send_encrypted(self, box: Any, text: str) -> None:
            sent.append(text)

    async def body() -> tuple[Any, ...]:
        client, puts, events = await upload_client()
        backend = FakeBackend()
        files = OmemoFiles(client.converse, FakeOmemo(), backend)
        client.converse.get(UploadState).preparers[:] = [files.prepare_upload]
        box = client.converse.get(ChatsState).open("bob@localhost")
        box.set("omemo_active", True)
        sending = client.api.upload.send("bob@localhost", b"hello world", "hi.png", "image/png")
        await discover(client)
        slot = last_iq(client, "urn:xmpp:http:upload:0")
        answer(client, slot, EXAMPLE_5_SLOT.split("<slot", 1)[1].join(["<slot", ""]).rsplit("</iq>", 1)[0])
        await settle()
        puts[0].answer(201)
        url = await sending
        return client, puts, slot, url, files, events
    client, puts, slot, url, files, events = arun(body())
    request = slot.find("{urn:xmpp:http:upload:0}request")
    assert request.get("size") == str(11 + 16) and request.get("content-type") == "application/octet-stream"
    assert request.get("filename") == "hi.png"
    link = parse_aesgcm(url)
    assert sent == [url] and url.startswith("aesgcm://download.montague.tld/")
    assert (len(link.iv), len(link.key)) == (12, 32)
    assert AESGCM(link.key).decrypt(link.iv, puts[0].file.body, None) == b"hello world"
    assert sent_messages(client) == []  # nothing in the clear: no URL, no oob
    shared = files.files[file_key(link)]
    # the page's own row: from the plaintext, typed from the name the link shows (the server's GET URL's)
    assert (shared.state, shared.object_url) == ("ready", "blob:local/image/jpeg/11")
    assert events[-1] == "uploadFinished:11"


def test_with_omemo_on_a_file_that_cannot_be_encrypted_here_is_neither_uploaded_nor_sent() -> None:
    async def body() -> tuple[Any, ...]:
        client, puts, _events = await upload_client()
        files = OmemoFiles(client.converse, None, None)
        client.converse.get(UploadState).preparers[:] = [files.prepare_upload]
        box = client.converse.get(ChatsState).open("bob@localhost")
        box.set("omemo_active", True)
        refused = client.api.upload.send("bob@localhost", b"secret", "s.txt", "text/plain")
        await discover(client)
        error = None
        try:
            await refused
        except Exception as exc:
            error = exc
        await asyncio.sleep(0)
        return client, puts, error
    client, puts, error = arun(body())
    assert error is not None and "s.txt was not sent" in str(error)
    assert puts == [] and sent_messages(client) == []
    assert not any("s.txt" in x and x.startswith("<iq") for x in client.transport.sent)
