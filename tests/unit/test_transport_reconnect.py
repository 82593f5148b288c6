"""Automatic reconnection after an unexpected drop: will-reconnect, then reconnected/connected; it
gives up (disconnected) on a refused password, and never follows a logout."""

from __future__ import annotations

import asyncio

import pytest

from converse_py.core import converse as converse_module

from .conftest import Client, arun


def _record(client: Client, names: list[str]) -> None:
    for name in ("connected", "reconnected", "disconnected", "will-reconnect"):
        client.api.listen.on(name, lambda *_a, n=name: names.append(n))


async def _wait_for(names: list[str], name: str) -> None:
    for _ in range(100):
        if name in names:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} did not fire: {names}")


def test_auto_reconnect_logs_in_again_after_a_drop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converse_module, "RECONNECT_DELAYS", (0.01,))

    async def body() -> tuple[list[str], Client]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.drop()
        client.api.send(_msg())
        await _wait_for(names, "connected")
        return names, client
    names, client = arun(body())
    assert names == ["will-reconnect", "reconnected", "connected"]
    assert client.transport.connects == 2
    assert any("queued while down" in x for x in client.transport.sent), "the outbox went out"


def _msg() -> str:
    return '<message xmlns="jabber:client" to="bob@localhost" type="chat"><body>queued while down</body></message>'


def test_reconnection_gives_up_when_the_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converse_module, "RECONNECT_DELAYS", (0.01,))

    async def body() -> list[str]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.accept_password = "changed"
        client.transport.drop()
        await _wait_for(names, "disconnected")
        await asyncio.sleep(0.05)
        return names
    assert arun(body()) == ["will-reconnect", "disconnected"]


def test_a_failing_network_is_retried_until_it_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converse_module, "RECONNECT_DELAYS", (0.01,))

    async def body() -> tuple[list[str], int]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.refuse_connect = True
        client.transport.drop()
        for _ in range(100):
            if client.transport.connects >= 4:
                break
            await asyncio.sleep(0.01)
        client.transport.refuse_connect = False
        await _wait_for(names, "connected")
        return names, client.transport.connects
    names, connects = arun(body())
    assert names == ["will-reconnect", "reconnected", "connected"] and connects >= 5


def test_no_reconnection_after_logout_or_without_the_setting() -> None:
    async def body() -> list[str]:
        names: list[str] = []
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        _record(client, names)
        client.api.user.logout()
        plain = Client(core_plugins=False)
        await plain.converse.initialize({})
        await plain.api.user.login({"jid": "alice@localhost", "password": "secret"})
        _record(plain, names)
        plain.transport.drop()
        await asyncio.sleep(0.05)
        return names
    assert arun(body()) == ["disconnected", "disconnected"]
