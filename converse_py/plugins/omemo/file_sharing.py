"""Encrypted files in OMEMO chats (XEP-0454 OMEMO media sharing), as Conversations, Dino, Gajim
and Converse.js share them: the rows of ``aesgcm://`` links, and uploads while OMEMO is on.

Receiving: an OMEMO message whose text is one ``aesgcm://`` link (``files.py``) shows the file,
not the link. Its row first names the file; once the row is on screen the page downloads the
encrypted file (https), decrypts it and shows it from a ``blob:`` URL: an image, audio or video
inline when its extension is on the allow-list (``files.INLINE_TYPES``; the media settings
``render_media``/``show_images_inline``/``allowed_*_domains`` apply to the download URL), any
other file as a download link with its name. A download or decryption that fails says why in
the row, with a *Retry* button; a link that cannot be used (a bad key) says so. Object URLs are
revoked once no row shows them any more.

Sending: with OMEMO on in a chat, a file given to the upload plugin (paperclip, drag and drop,
paste, ``api.upload.send``) is encrypted in the page (a fresh key and IV), the ciphertext is
uploaded, and the ``aesgcm://`` link is sent as the OMEMO-encrypted text: no ``jabber:x:oob``
element, no URL in the clear. The page shows its own file from the plaintext it had.

Python::

    url = await api.upload.send("bob@example.org", b"...png bytes...", "cat.png", "image/png")
    # with box.get("omemo_active"): url is "aesgcm://upload.example.org/…/cat.png#…"

JS::

    const url = await _converse.api.upload.send('bob@example.org', file);  // aesgcm://… with OMEMO on
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ...core.converse import Converse
from ...core.log import logger
from ...dom.hooks import listen_ui
from ...dom.html import Markup, tag
from ...dom.templates import MessageParts
from ...i18n import _
from ..media.urls import shown_media
from ..upload.failures import UploadFailed
from ..upload.plugin import UploadState
from ..upload.transfer import FileToSend, PreparedUpload
from .files import (IV_SIZE, KEY_SIZE, MAX_DOWNLOAD, TAG_SIZE, AesgcmError, AesgcmLink, build_aesgcm, file_type,
                    looks_like_aesgcm, parse_aesgcm)

#: ``messagePartClicked`` name of a failed file's *Retry* button.
RETRY = "omemo-file-retry"
#: OMEMO row states (``extras["omemo"]``) whose text may be a file link.
READABLE = frozenset({"decrypted", "sent", "untrusted"})
#: Seconds between sweeps for object URLs no row shows; an entry younger than this is kept (its
#: row may be on its way into the document).
SWEEP_EVERY = 30.0


class FileFetchError(Exception):
    """A file that could not be downloaded or decrypted; the text says why (for the row)."""


class FileBackend(Protocol):
    """What the page does for encrypted files (``converse_py/browser/encrypted_files.py``)."""

    def watch_soon(self) -> None: ...
    def present(self, key: str) -> bool: ...
    def update(self, key: str, html: str) -> None: ...
    async def download(self, url: str, iv: bytes, key: bytes, mime: str, max_size: int) -> str: ...
    async def encrypt(self, body: Any, iv: bytes, key: bytes) -> Any: ...
    def local_url(self, body: Any, mime: str) -> str: ...
    def revoke(self, url: str) -> None: ...


@dataclass
class SharedFile:
    """One file link's state: ``idle`` (not on screen yet), ``loading``, ``ready`` (``object_url``)
    or ``failed`` (``error``)."""

    link: AesgcmLink
    state: str = "idle"
    object_url: str = ""
    error: str = ""
    since: float = 0.0


def file_key(link: AesgcmLink) -> str:
    """The id of a link in the page (its rows' ``data-omemo-file``): a hash, so no key is in the DOM.

    >>> from .files import parse_aesgcm
    >>> len(file_key(parse_aesgcm("aesgcm://h.example/a.png#" + "ab" * 44)))
    24
    """
    text = f"{link.host}{link.path}#{link.iv.hex()}{link.key.hex()}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class OmemoFiles:
    """The file rows and encrypted uploads of OMEMO chats (one per client)."""

    def __init__(self, converse: Converse, omemo: Any, backend: FileBackend | None = None) -> None:
        self.converse = converse
        self.omemo = omemo  # plugin.OmemoChats: send_encrypted
        self.files: dict[str, SharedFile] = {}
        self.backend = backend if backend is not None else _page_backend(self.start)
        self._sweeping: asyncio.TimerHandle | None = None

    def install(self) -> None:
        listen_ui(self.converse, {"getMessageParts": self.parts, "messagePartClicked": self.on_part_clicked})
        self.converse.api.listen.once("pluginsInitialized", lambda *_: self._attach_upload())

    def _attach_upload(self) -> None:
        uploads = self.converse.find(UploadState)
        if uploads is not None and self.prepare_upload not in uploads.preparers:
            uploads.preparers.append(self.prepare_upload)

    # -- rows ------------------------------------------------------------------------------------
    def parts(self, context: Any, parts: MessageParts) -> MessageParts:
        """``getMessageParts``: an OMEMO row whose text is a file link shows the file instead."""
        message = context["message"]
        if message.extras.get("omemo") not in READABLE or not looks_like_aesgcm(message.body):
            return parts
        try:
            link = parse_aesgcm(message.body)
        except AesgcmError as error:
            parts.classes.append("cpy-omemo-file-invalid")
            parts.body = str(tag("span", {"class": "cpy-omemo-file-error"},
                                 _("This encrypted file link cannot be used ({reason}).", reason=str(error))))
            return parts
        key = file_key(link)
        shared = self.files.get(key)
        if shared is None:
            shared = self.files[key] = SharedFile(link, since=time.monotonic())
        parts.body = str(self.render(key, shared))
        if shared.state == "idle" and self.backend is not None:
            self.backend.watch_soon()
        return parts

    def render(self, key: str, shared: SharedFile) -> Markup:
        """The row part of a file in its state (every text escaped; ``src``/``href`` only the
        ``blob:`` URL of the decrypted file)."""
        name = shared.link.filename
        attrs = {"class": "cpy-omemo-file", "data-omemo-file": key, "data-state": shared.state}
        if shared.state == "ready":
            return tag("span", attrs, self._shown(shared, name))
        if shared.state == "failed":
            return tag("span", attrs, tag("span", {"class": "cpy-omemo-file-error"},
                                          _("The encrypted file {name} could not be shown: {reason}.",
                                            name=name, reason=shared.error)),
                       " ", tag("button", {"type": "button", "class": "cpy-omemo-file-retry",
                                           "data-action": "message-part", "data-name": RETRY}, _("Retry")))
        label = _("Decrypting {name}…", name=name) if shared.state == "loading" else _("Encrypted file: {name}", name=name)
        return tag("span", attrs, "📎 ", label)

    def _shown(self, shared: SharedFile, name: str) -> Markup:
        kind, _mime = file_type(name)
        url = shared.object_url
        inline = kind != "file" and bool(shown_media(((kind, shared.link.download_url(self._http_hosts())),),
                                                     self.converse.settings.get))
        if inline and kind == "image":
            return tag("a", {"class": "cpy-media-link", "href": url, "target": "_blank", "rel": "noopener noreferrer"},
                       tag("img", {"class": "cpy-image cpy-omemo-media", "src": url, "alt": name, "decoding": "async"}))
        if inline:
            return tag(kind, {"class": f"cpy-{kind} cpy-omemo-media", "src": url, "controls": True,
                              "preload": "metadata", "playsinline": kind == "video", "aria-label": name})
        return tag("a", {"class": "cpy-attachment cpy-omemo-download", "href": url, "download": name}, "📎 ", name)

    def on_part_clicked(self, _box: Any, message: Any, name: str) -> None:
        """*Retry* on a file that failed: downloaded and decrypted again."""
        if name != RETRY:
            return
        try:
            link = parse_aesgcm(message.body)
        except AesgcmError:
            return
        key = file_key(link)
        shared = self.files.get(key)
        if shared is not None and shared.state == "failed":
            shared.state = "idle"
            self.start(key)

    # -- downloading -------------------------------------------------------------------------------
    def start(self, key: str) -> None:
        """Download and decrypt the file ``key`` (its row is on screen)."""
        shared = self.files.get(key)
        if shared is None or shared.state != "idle" or self.backend is None:
            return
        shared.state = "loading"
        self.backend.update(key, self.render(key, shared))
        asyncio.ensure_future(self._download(key, shared)).add_done_callback(_report)
        self._sweep_soon()

    async def _download(self, key: str, shared: SharedFile) -> None:
        backend = self.backend
        assert backend is not None
        link = shared.link
        _kind, mime = file_type(link.filename)
        try:
            shared.object_url = await backend.download(link.download_url(self._http_hosts()), link.iv, link.key,
                                                       mime, MAX_DOWNLOAD + TAG_SIZE)
            shared.state, shared.error = "ready", ""
        except FileFetchError as error:
            shared.state, shared.error = "failed", str(error)
        except Exception as error:  # never a crash: the row says so and offers a retry
            logger.info("OMEMO file: %s", type(error).__name__)
            shared.state, shared.error = "failed", type(error).__name__
        shared.since = time.monotonic()
        backend.update(key, self.render(key, shared))

    def _http_hosts(self) -> list[str]:
        hosts = self.converse.settings.get("omemo_files_http_hosts")
        return [str(h) for h in hosts] if isinstance(hosts, (list, tuple)) else []

    def _sweep_soon(self) -> None:
        if self._sweeping is None:
            self._sweeping = asyncio.get_event_loop().call_later(SWEEP_EVERY, self.sweep)

    def sweep(self) -> None:
        """Forget the files no row shows any more (their object URLs revoked); a row shown again
        decrypts its file again."""
        self._sweeping = None
        backend = self.backend
        if backend is None:
            return
        now = time.monotonic()
        for key, shared in list(self.files.items()):
            if shared.state != "loading" and now - shared.since >= SWEEP_EVERY and not backend.present(key):
                del self.files[key]
                if shared.object_url:
                    backend.revoke(shared.object_url)
        if any(s.object_url for s in self.files.values()):
            self._sweep_soon()

    # -- sending -----------------------------------------------------------------------------------
    async def prepare_upload(self, box: Any, file: FileToSend) -> PreparedUpload | None:
        """The upload plugin's preparer: with OMEMO on in a chat, the file is encrypted (AES-256-GCM,
        a fresh 32-byte key and 12-byte IV, the tag appended) and its ``aesgcm://`` link sent
        OMEMO-encrypted; other chats and rooms upload as usual."""
        if box.get("type") != "chatbox" or not box.get("omemo_active"):
            return None
        backend = self.backend
        if backend is None:
            raise UploadFailed.unsupported(file.name)
        platform = self.converse.platform
        iv, key = platform.random_bytes(IV_SIZE), platform.random_bytes(KEY_SIZE)
        try:
            encrypted = await backend.encrypt(file.body, iv, key)
        except Exception as error:
            logger.info("OMEMO file: encrypting %s failed: %s", file.name, type(error).__name__)
            raise UploadFailed.encryption(file.name) from None
        sealed = replace(file, size=file.size + TAG_SIZE, content_type="application/octet-stream", body=encrypted)

        async def send(get_url: str) -> str:
            link_text = build_aesgcm(get_url, iv, key)
            link = parse_aesgcm(link_text)
            _kind, mime = file_type(link.filename)
            self.files[file_key(link)] = SharedFile(link, "ready", backend.local_url(file.body, mime),
                                                    since=time.monotonic())
            self._sweep_soon()
            await self.omemo.send_encrypted(box, link_text)
            return link_text
        return PreparedUpload(sealed, send)


def _page_backend(on_visible: Any) -> FileBackend | None:
    """The page's WebCrypto and DOM (None elsewhere: CPython tests give a backend)."""
    if sys.platform != "emscripten":
        return None
    from ...browser.encrypted_files import BrowserFiles  # pragma: no cover - the page
    return BrowserFiles(on_visible)  # pragma: no cover


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("OMEMO file: %s", type(future.exception()).__name__)
