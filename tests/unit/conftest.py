"""Shared helpers for CPython unit tests: a Converse on a FakeTransport, driven inside asyncio."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable

from converse_py.core.converse import Converse
from converse_py.core.platform import NullPlatform
from converse_py.core.pluggable import PluginRegistry
from converse_py.plugins.core import FEATURE_PLUGINS
from converse_py.transport.fake import FakeTransport


class Client:
    """A Converse with the core feature plugins on a FakeTransport."""

    def __init__(self, *, core_plugins: bool = True, accept_password: str | None = None) -> None:
        self.transport = FakeTransport(resource="web", accept_password=accept_password)
        self.registry = PluginRegistry()
        if core_plugins:
            for name, plugin in FEATURE_PLUGINS.items():
                self.registry.add(name, plugin, core=True)
        self.platform = NullPlatform()
        self.converse = Converse(lambda: self.transport, self.registry, self.platform)
        self.api = self.converse.api

    def sent(self, kind: str | None = None) -> list[str]:
        return [x for x in self.transport.sent if kind is None or x.startswith(f"<{kind}")]


def arun(coro: Awaitable[Any]) -> Any:
    """``asyncio.run`` on a worker thread: works even when the browser tests' Playwright
    loop is running in the main thread of the same pytest process."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


async def settle() -> None:
    """Let callbacks scheduled with call_soon / ensure_future run."""
    for _ in range(5):
        await asyncio.sleep(0)
