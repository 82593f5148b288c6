"""The page as a ``Platform``: JSON over ``fetch`` and the browser console."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from ..core.platform import ACTIVITY_EVENTS
from ..dom.ffi import found
from .http_put import http_put
from .random import random_bytes


class BrowserPlatform:
    """Host services backed by the browser."""

    #: The upload plugin's PUT (XMLHttpRequest, for upload progress): browser/http_put.py.
    http_put = staticmethod(http_put)

    def __init__(self) -> None:
        self._visibility_proxies: list[Any] = []
        # ``page_hidden`` is asked for every incoming message (notifications, unread counts): a
        # read of ``document.visibilityState`` crosses into JS each time (~45 µs in a burst), so
        # the state is kept here, updated by a capturing listener registered before any other.
        self._hidden = str(js.document.visibilityState) == "hidden"

        def visibility(*_: Any) -> None:
            self._hidden = str(js.document.visibilityState) == "hidden"
        self._visibility_proxies.append(create_proxy(visibility))
        js.document.addEventListener("visibilitychange", self._visibility_proxies[-1], True)

    async def fetch_json(self, url: str) -> Any:
        response = await js.fetch(url, js.Object.fromEntries([["credentials", "same-origin"]]))
        if not response.ok:
            raise OSError(f"HTTP {response.status} from {url}")
        data = await response.json()
        return data.to_py() if hasattr(data, "to_py") else data

    async def fetch_text(self, url: str) -> str:
        response = await js.fetch(url)
        if not response.ok:
            raise OSError(f"HTTP {response.status} from {url}")
        return str(await response.text())

    def watch_visibility(self, callback: Callable[[bool], None]) -> bool:
        """``visibilitychange`` on the document (the listener lives as long as the page)."""
        def changed(*_: Any) -> None:
            callback(str(js.document.visibilityState) == "hidden")
        self._visibility_proxies.append(create_proxy(changed))
        js.document.addEventListener("visibilitychange", self._visibility_proxies[-1])
        return True

    def watch_online(self, callback: Callable[[], None]) -> bool:
        """The window's ``online`` event (the listener lives as long as the page)."""
        def online(*_: Any) -> None:
            callback()
        self._visibility_proxies.append(create_proxy(online))
        js.window.addEventListener("online", self._visibility_proxies[-1])
        return True

    def watch_activity(self, callback: Callable[[], None]) -> bool:
        """Mouse, key, wheel, touch and focus events of the window (captured, passive), passed on
        at most once a second (the listeners live as long as the page)."""
        last = [-1.0]

        def active(*_: Any) -> None:
            now = float(js.performance.now())
            if now - last[0] >= 1000:
                last[0] = now
                callback()
        proxy = create_proxy(active)
        self._visibility_proxies.append(proxy)
        options = js.Object.fromEntries([["capture", True], ["passive", True]])
        for kind in ACTIVITY_EVENTS:
            js.window.addEventListener(kind, proxy, options)
        return True

    def page_hidden(self) -> bool:
        return self._hidden

    def random_bytes(self, n: int) -> bytes:
        """``crypto.getRandomValues`` (browser/random.py), never Python's ``random``."""
        return random_bytes(n)

    def os_name(self) -> str:
        """The browser's platform string (``navigator.userAgentData.platform``, else
        ``navigator.platform``): "Linux", "Windows", "macOS"…"""
        data = getattr(js.navigator, "userAgentData", None)
        name = getattr(data, "platform", None) if data is not None else None
        return str(name or getattr(js.navigator, "platform", "") or "")

    def warn(self, message: str) -> None:
        js.console.warn(message)

    def error(self, message: str) -> None:
        js.console.error(message)

    @staticmethod
    def _store(persistent: bool) -> Any:
        return js.localStorage if persistent else js.sessionStorage

    def storage_get(self, key: str, persistent: bool = False) -> str | None:
        try:
            value = self._store(persistent).getItem(key)
        except Exception:  # storage disabled (privacy mode): behave as empty
            return None
        return str(value) if found(value) else None  # a missing key is JS null (jsnull), not None

    def storage_set(self, key: str, value: str, persistent: bool = False) -> None:
        try:
            self._store(persistent).setItem(key, value)
        except Exception:
            pass  # full or disabled: the tab cache is an optimisation; a lost OTR key is regenerated

    def storage_remove(self, key: str, persistent: bool = False) -> None:
        try:
            self._store(persistent).removeItem(key)
        except Exception:
            pass
