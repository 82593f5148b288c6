"""The upload plugin's PUT in the page: an ``XMLHttpRequest`` (``fetch`` reports no upload
progress), sending the File/Blob itself (the browser streams it; Python never copies its bytes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ..core.aio import loop, new_future
from ..dom.ffi import ProxyKeeper
from ..plugins.upload.transfer import FileToSend


class BrowserPut:
    """One PUT under way (``plugins/upload/transfer.py`` ``PutRequest``)."""

    def __init__(self, url: str, headers: Mapping[str, str], file: FileToSend,
                 on_progress: Callable[[int], None]) -> None:
        self._done: asyncio.Future[int] = new_future()
        self._proxies = ProxyKeeper()
        xhr = self._xhr = js.XMLHttpRequest.new()
        xhr.open("PUT", url)
        for name, value in headers.items():
            xhr.setRequestHeader(name, value)
        if file.content_type:
            xhr.setRequestHeader("Content-Type", file.content_type)
        xhr.upload.addEventListener("progress", self._proxies.keep(lambda event: on_progress(int(event.loaded))))
        xhr.addEventListener("load", self._proxies.keep(lambda _event: self._settle(int(xhr.status))))
        xhr.addEventListener("error", self._proxies.keep(
            lambda _event: self._settle(OSError(f"the PUT to {url} got no answer (network or CORS)"))))
        xhr.addEventListener("abort", self._proxies.keep(lambda _event: self._settle(None)))
        body = file.body
        if isinstance(body, (bytes, bytearray)):
            body = js.Blob.new(to_js([to_js(bytes(body))]), to_js({"type": file.content_type},
                                                                  dict_converter=js.Object.fromEntries))
        xhr.send(body)

    def _settle(self, outcome: int | OSError | None) -> None:
        if not self._done.done():
            if outcome is None:
                self._done.cancel()
            elif isinstance(outcome, OSError):
                self._done.set_exception(outcome)
            else:
                self._done.set_result(outcome)
        loop().call_soon(self._proxies.destroy_all)

    async def status(self) -> int:
        return await self._done

    def abort(self) -> None:
        self._xhr.abort()
        self._settle(None)


def http_put(url: str, headers: Mapping[str, str], file: FileToSend, on_progress: Callable[[int], None]) -> Any:
    """Start a PUT of ``file`` (the platform's ``http_put``)."""
    return BrowserPut(url, headers, file, on_progress)
