"""What the core needs from its host (the page, or a test): HTTP JSON fetches and console output."""

from __future__ import annotations

import os

from typing import Any, Protocol
from collections.abc import Awaitable, Callable

#: The page's events that count as the user's activity (``Platform.watch_activity``).
ACTIVITY_EVENTS = ("mousemove", "mousedown", "keydown", "wheel", "touchstart", "focus")


class Platform(Protocol):
    """Host services. ``converse_py.browser.platform`` implements it with ``fetch`` and ``console``."""

    def fetch_json(self, url: str) -> Awaitable[Any]:
        """GET ``url`` (with the page's cookies) and decode JSON; raise on HTTP errors."""

    def fetch_text(self, url: str) -> Awaitable[str]:
        """GET ``url`` and return the body as text; raise on HTTP errors."""

    def watch_visibility(self, callback: Callable[[bool], None]) -> bool:
        """Call ``callback(hidden)`` whenever the page is hidden or shown; False when the host has no pages."""

    def page_hidden(self) -> bool:
        """Whether the page is hidden now (a background tab, a minimized window); False without pages."""

    def watch_online(self, callback: Callable[[], None]) -> bool:
        """Call ``callback()`` whenever the host says its network is back (the browser's ``online``
        event); False when the host cannot tell."""

    def watch_activity(self, callback: Callable[[], None]) -> bool:
        """Call ``callback()`` when the user interacts with the page (mouse, keys, touch, focus;
        at most about once a second); False when the host cannot tell (plugins/idle)."""

    def os_name(self) -> str:
        """The operating system's name as the host reports it ("" when unknown)."""

    def random_bytes(self, n: int) -> bytes:
        """``n`` bytes from the host's cryptographic random source (keys, nonces)."""

    def warn(self, message: str) -> None:
        """Show a warning to the developer (the browser console)."""

    def error(self, message: str) -> None:
        """Show an error to the developer (the browser console)."""

    def storage_get(self, key: str, persistent: bool = False) -> str | None:
        """Read tab-scoped storage (sessionStorage in the page): survives reloads, not the tab.
        ``persistent=True`` reads the store that outlives the tab (localStorage): only what must
        stay the same across visits (the OTR key, see docs/otr.md) goes there."""

    def storage_set(self, key: str, value: str, persistent: bool = False) -> None:
        """Write tab-scoped (or, ``persistent=True``, lasting) storage. Never used for passwords."""

    def storage_remove(self, key: str, persistent: bool = False) -> None:
        """Forget a stored key."""


class NullPlatform:
    """For CPython: no network; warnings go to the ``converse_py`` logger."""

    #: No HTTP here, so XEP-0156 discovery is skipped (the transport is given, not found).
    can_fetch = False

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.storage: dict[str, str] = {}
        self.visibility_watchers: list[Callable[[bool], None]] = []
        self.online_watchers: list[Callable[[], None]] = []
        self.activity_watchers: list[Callable[[], None]] = []
        self.hidden = False
        self.persistent_storage: dict[str, str] = {}

    def _store(self, persistent: bool) -> dict[str, str]:
        return self.persistent_storage if persistent else self.storage

    def storage_get(self, key: str, persistent: bool = False) -> str | None:
        return self._store(persistent).get(key)

    def storage_set(self, key: str, value: str, persistent: bool = False) -> None:
        self._store(persistent)[key] = value

    def storage_remove(self, key: str, persistent: bool = False) -> None:
        self._store(persistent).pop(key, None)

    def os_name(self) -> str:
        return "CPython test host"

    def random_bytes(self, n: int) -> bytes:
        return os.urandom(n)

    async def fetch_json(self, url: str) -> Any:
        raise OSError(f"no HTTP on this platform (asked for {url})")

    async def fetch_text(self, url: str) -> str:
        raise OSError(f"no HTTP on this platform (asked for {url})")

    def watch_visibility(self, callback: Callable[[bool], None]) -> bool:
        self.visibility_watchers.append(callback)
        return True

    def page_hidden(self) -> bool:
        return self.hidden

    def watch_online(self, callback: Callable[[], None]) -> bool:
        self.online_watchers.append(callback)
        return True

    def watch_activity(self, callback: Callable[[], None]) -> bool:
        self.activity_watchers.append(callback)
        return True

    def user_active(self) -> None:
        """Test helper: the user moved the mouse or typed in the page."""
        for callback in list(self.activity_watchers):
            callback()

    def go_online(self) -> None:
        """Test helper: the network came back (the browser's ``online`` event)."""
        for callback in list(self.online_watchers):
            callback()

    def set_hidden(self, hidden: bool) -> None:
        """Test helper: the page became hidden (or visible again)."""
        self.hidden = hidden
        for callback in list(self.visibility_watchers):
            callback(hidden)

    def warn(self, message: str) -> None:
        from .log import logger
        self.warnings.append(message)
        logger.warning("%s", message)

    def error(self, message: str) -> None:
        from .log import logger
        self.errors.append(message)
        logger.error("%s", message)
