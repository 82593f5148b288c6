"""OMEMO media sharing (XEP-0454) in the page: files encrypted and decrypted with WebCrypto's
AES-256-GCM (``webcrypto.py``'s conversions), shown from ``blob:`` object URLs, and decrypted
only once their row is on screen (an ``IntersectionObserver``).

The bytes stay in JavaScript: a downloaded file goes from ``fetch`` to ``crypto.subtle.decrypt``
to a ``Blob`` of the MIME type the caller chose (from the file name's extension, never the
server's Content-Type), and a file sent goes from the ``File`` to ``crypto.subtle.encrypt`` to the
``Blob`` that is PUT. Keys are imported for one use, not extractable, never put on ``window``
nor in logs. ``plugins/omemo/file_sharing.py`` drives it.

Python (in the page)::

    files = BrowserFiles(on_visible=lambda key: print("row", key, "is on screen"))
    url = await files.download("https://up.example/a.png", iv, key, "image/png", 10_000_000)
    files.revoke(url)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ..dom.ffi import ProxyKeeper, found
from ..plugins.omemo.file_sharing import FileFetchError
from ..plugins.omemo.files import TAG_SIZE
from .webcrypto import algorithm, js_bytes, subtle_api, usages

#: Rows this far below or above the visible part of a list count as shown (decrypted a little early).
ROOT_MARGIN = "200px"
PLACEHOLDERS = '.cpy-omemo-file[data-state="idle"]'


def _options(**fields: Any) -> Any:
    return js.Object.fromEntries(to_js(list(fields.items())))


def _blob(part: Any, mime: str) -> Any:
    return js.Blob.new(js.Array.of(part), _options(type=mime))


async def _aes_key(key: bytes, usage: str) -> Any:
    return await subtle_api().importKey("raw", js_bytes(key), "AES-GCM", False, usages(usage))


class BrowserFiles:
    """The page's side of encrypted files (``file_sharing.FileBackend``)."""

    def __init__(self, on_visible: Callable[[str], None]) -> None:
        self._on_visible = on_visible
        self._proxies = ProxyKeeper()
        self._observer = js.IntersectionObserver.new(self._proxies.keep(self._intersect),
                                                     _options(rootMargin=ROOT_MARGIN))
        self._scan_soon = False

    # -- rows on screen ----------------------------------------------------------------------
    def watch_soon(self) -> None:
        """Once the rows being rendered are in the document, watch their idle placeholders."""
        if not self._scan_soon:
            self._scan_soon = True
            asyncio.get_event_loop().call_soon(self._scan)

    def _scan(self) -> None:
        self._scan_soon = False
        for element in js.document.querySelectorAll(PLACEHOLDERS):
            self._observer.observe(element)  # observing an element twice is one observation

    def _intersect(self, entries: Any, _observer: Any = None) -> None:
        for entry in entries:
            if entry.isIntersecting:
                element = entry.target
                self._observer.unobserve(element)
                if element.getAttribute("data-state") == "idle":
                    self._on_visible(str(element.getAttribute("data-omemo-file")))

    def present(self, key: str) -> bool:
        """Whether a row of the file ``key`` is in the document."""
        return bool(found(js.document.querySelector(f'.cpy-omemo-file[data-omemo-file="{js.CSS.escape(key)}"]')))

    def update(self, key: str, html: str) -> None:
        """Every row part of the file ``key`` becomes ``html`` (built by ``file_sharing``, escaped)."""
        for element in js.document.querySelectorAll(f'.cpy-omemo-file[data-omemo-file="{js.CSS.escape(key)}"]'):
            element.outerHTML = html
        self.watch_soon()

    # -- bytes ---------------------------------------------------------------------------------
    async def download(self, url: str, iv: bytes, key: bytes, mime: str, max_size: int) -> str:
        """Fetch ``url`` (the encrypted file), decrypt it, and return a ``blob:`` URL of the
        plaintext typed ``mime``; ``FileFetchError`` (its text for the row) when that fails."""
        try:
            response = await js.fetch(url, _options(credentials="omit", referrerPolicy="no-referrer",
                                                    redirect="follow"))
        except Exception:
            raise FileFetchError("the file server could not be reached (network or CORS)") from None
        if not response.ok:
            raise FileFetchError(f"the file server answered HTTP {int(response.status)}")
        length = response.headers.get("Content-Length")
        if found(length) and str(length).isdigit() and int(str(length)) > max_size:
            raise FileFetchError("the file is too large to be shown here")
        try:
            encrypted = await response.arrayBuffer()
        except Exception:
            raise FileFetchError("the download broke off") from None
        if int(encrypted.byteLength) > max_size:
            raise FileFetchError("the file is too large to be shown here")
        if int(encrypted.byteLength) < TAG_SIZE:
            raise FileFetchError("the file is not an encrypted file (too short)")
        try:
            plain = await subtle_api().decrypt(algorithm(name="AES-GCM", iv=js_bytes(iv), tagLength=128),
                                               await _aes_key(key, "decrypt"), encrypted)
        except Exception:
            raise FileFetchError("it could not be decrypted (a wrong key, or the file was changed)") from None
        return str(js.URL.createObjectURL(_blob(plain, mime)))

    async def encrypt(self, body: Any, iv: bytes, key: bytes) -> Any:
        """The Blob of ``body`` (a File, Blob or bytes) encrypted, the tag appended (XEP-0454)."""
        data = js_bytes(bytes(body)) if isinstance(body, (bytes, bytearray, memoryview)) else await body.arrayBuffer()
        cipher = await subtle_api().encrypt(algorithm(name="AES-GCM", iv=js_bytes(iv), tagLength=128),
                                            await _aes_key(key, "encrypt"), data)
        return _blob(cipher, "application/octet-stream")

    def local_url(self, body: Any, mime: str) -> str:
        """A ``blob:`` URL of a file this page sends (its plaintext, typed ``mime``)."""
        part = js_bytes(bytes(body)) if isinstance(body, (bytes, bytearray, memoryview)) else body
        return str(js.URL.createObjectURL(_blob(part, mime)))

    def revoke(self, url: str) -> None:
        js.URL.revokeObjectURL(url)
