"""Shared helpers for CPython unit tests: a Converse on a FakeTransport and a ManualClock, driven inside asyncio."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from collections.abc import Awaitable

from converse_py.core.clock import ManualClock
from converse_py.core.converse import Converse
from converse_py.core.platform import NullPlatform
from converse_py.core.pluggable import PluginRegistry
from converse_py.plugins.core import FEATURE_PLUGINS
from converse_py.transport.fake import FakeTransport


class Client:
    """A Converse with the core feature plugins on a FakeTransport. Its core timers (reconnection,
    login and IQ timeouts) run on ``clock``, which only moves when the test advances it."""

    def __init__(self, *, core_plugins: bool = True, accept_password: str | None = None) -> None:
        self.transport = FakeTransport(resource="web", accept_password=accept_password)
        self.registry = PluginRegistry()
        if core_plugins:
            for name, plugin in FEATURE_PLUGINS.items():
                self.registry.add(name, plugin, core=True)
        self.platform = NullPlatform()
        self.clock = ManualClock()
        self.converse = Converse(lambda: self.transport, self.registry, self.platform, clock=self.clock)
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


async def advance(client: Client, seconds: float) -> None:
    """Move the client's clock forward by ``seconds`` (its due timers run), then let what they
    started settle."""
    await settle()
    client.clock.advance(seconds)
    await settle()


async def logged_in(settings: dict[str, Any] | None = None) -> Client:
    """A Client initialized with ``settings`` and logged in as alice@localhost/web, with what
    it sent so far forgotten."""
    client = Client()
    await client.converse.initialize(dict(settings or {}))
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    await settle()
    client.transport.sent.clear()
    return client


def chat(sender: str, msg_id: str, body: str | None = "hi", extra: str = "", *, kind: str = "chat") -> str:
    """An incoming message stanza to alice@localhost/web (``extra``: more child elements)."""
    body_xml = f"<body>{body}</body>" if body is not None else ""
    id_attr = f" id='{msg_id}'" if msg_id else ""
    return (f"<message xmlns='jabber:client' from='{sender}' to='alice@localhost/web' type='{kind}'"
            f"{id_attr}>{body_xml}{extra}</message>")


def carbon(kind: str, inner: str, sender: str = "alice@localhost") -> str:
    """``inner`` wrapped as a XEP-0280 ``sent``/``received`` carbon from ``sender``."""
    return (f"<message xmlns='jabber:client' from='{sender}' to='alice@localhost/web' type='chat'>"
            f"<{kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>{inner}</forwarded>"
            f"</{kind}></message>")
