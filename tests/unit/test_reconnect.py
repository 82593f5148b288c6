"""auto_reconnect: backoff, what counts as a loss, queued stanzas delivered once, giving up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from converse_py.core import reconnect

from .conftest import Client, arun, settle


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconnect, "FIRST_DELAY", 0.001)


async def connected(settings: dict[str, Any], accept_password: str | None = None) -> tuple[Client, list[Any]]:
    client = Client(accept_password=accept_password)
    events: list[Any] = []
    for name in ("reconnecting", "reconnected", "reconnectFailed", "connected", "disconnected"):
        client.api.listen.on(name, lambda *args, name=name: events.append((name,) + args))
    await client.converse.initialize({"jid": "alice@localhost", "password": "secret", "auto_login": True,
                                      **settings})
    await client.api.wait_until("connected")
    return client, events


async def until(predicate: Any, timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def test_without_auto_reconnect_a_drop_stays_down() -> None:
    async def body() -> tuple[bool, list[Any]]:
        client, events = await connected({})
        client.transport.drop("remote-connection-failed")
        await asyncio.sleep(0.05)
        return client.api.connection.connected, events
    up, events = arun(body())
    assert up is False and not any(e[0] == "reconnecting" for e in events)


def test_reconnects_with_backoff_and_delivers_what_was_queued_once() -> None:
    async def body() -> tuple[Client, list[Any]]:
        client, events = await connected({"auto_reconnect": True})
        client.transport.down = True
        client.transport.drop("remote-connection-failed")
        client.api.send('<message xmlns="jabber:client" to="bob@localhost" type="chat" id="q1">'
                        '<body>sent while offline</body></message>')
        await until(lambda: sum(e[0] == "reconnecting" for e in events) >= 3)
        client.transport.down = False
        await until(lambda: client.api.connection.connected)
        await settle()
        return client, events
    client, events = arun(body())
    attempts = [e[1] for e in events if e[0] == "reconnecting"]
    assert attempts[:3] == [1, 2, 3]
    assert ("reconnected",) in events
    assert sum('id="q1"' in x for x in client.transport.sent) == 1


def test_logout_while_waiting_stops_the_attempts() -> None:
    async def body() -> tuple[Client, list[Any]]:
        client, events = await connected({"auto_reconnect": True})
        client.transport.down = True
        client.transport.drop()
        await until(lambda: any(e[0] == "reconnecting" for e in events))
        client.api.user.logout()
        client.transport.down = False
        await asyncio.sleep(0.1)
        return client, events
    client, events = arun(body())
    assert client.api.connection.connected is False
    assert sum(e[0] == "reconnecting" for e in events) <= 2


def test_a_refused_password_ends_the_attempts() -> None:
    async def body() -> list[Any]:
        client, events = await connected({"auto_reconnect": True}, accept_password="secret")
        client.transport.accept_password = "changed-meanwhile"
        client.transport.drop()
        await until(lambda: any(e[0] == "reconnectFailed" for e in events))
        await asyncio.sleep(0.05)
        return events
    events = arun(body())
    assert sum(e[0] == "reconnecting" for e in events) == 1
    assert [e for e in events if e[0] == "reconnectFailed"][0][1].startswith("Authentication failed")


def test_deliberate_disconnect_does_not_reconnect() -> None:
    async def body() -> list[Any]:
        client, events = await connected({"auto_reconnect": True})
        client.api.connection.disconnect()
        await asyncio.sleep(0.05)
        return events
    assert not any(e[0] == "reconnecting" for e in arun(body()))


def test_backoff_doubles_to_a_cap_with_bounded_jitter() -> None:
    reconnect.FIRST_DELAY = 1.0
    try:
        assert [reconnect.backoff(n, jitter=0) for n in range(6)] == [1, 2, 4, 8, 16, 30]
        assert all(0.75 <= reconnect.backoff(0) <= 1.25 for _ in range(50))
    finally:
        reconnect.FIRST_DELAY = 0.001
