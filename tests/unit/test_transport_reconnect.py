"""Automatic reconnection after an unexpected drop: will-reconnect, then reconnected/connected; it
gives up (disconnected) on a refused password, and never follows a logout."""

from __future__ import annotations

from converse_py.core.connection import RECONNECT_ATTEMPTS, RECONNECT_DELAYS

from .conftest import Client, advance, arun, settle


def _record(client: Client, names: list[str]) -> None:
    for name in ("connected", "reconnected", "disconnected", "will-reconnect"):
        client.api.listen.on(name, lambda *_a, n=name: names.append(n))


def test_auto_reconnect_logs_in_again_after_a_drop() -> None:
    async def body() -> tuple[list[str], Client]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.drop()
        client.api.send(_msg())
        await settle()
        assert client.converse.reconnecting and client.clock.pending() == [RECONNECT_DELAYS[0]]
        await advance(client, RECONNECT_DELAYS[0] - 0.1)
        assert client.transport.connects == 1, "not before the first delay"
        await advance(client, 0.1)
        assert not client.converse.reconnecting
        return names, client
    names, client = arun(body())
    assert names == ["will-reconnect", "reconnected", "connected"]
    assert client.transport.connects == 2
    assert any("queued while down" in x for x in client.transport.sent), "the outbox went out"


def _msg() -> str:
    return '<message xmlns="jabber:client" to="bob@localhost" type="chat"><body>queued while down</body></message>'


def test_reconnection_gives_up_when_the_password_is_refused() -> None:
    async def body() -> list[str]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.accept_password = "changed"
        client.transport.drop()
        await advance(client, RECONNECT_DELAYS[0])
        await advance(client, max(RECONNECT_DELAYS) * 2)
        assert client.transport.connects == 2 and not client.converse.reconnecting
        return names
    assert arun(body()) == ["will-reconnect", "disconnected"]


def test_a_failing_network_is_retried_with_growing_delays_until_it_comes_back() -> None:
    async def body() -> tuple[list[str], list[float]]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.refuse_connect = True
        client.transport.drop()
        delays = []
        for _ in range(4):
            delays += client.clock.pending()
            await advance(client, client.clock.pending()[0])
        assert client.transport.connects == 5 and client.converse.reconnecting
        client.transport.refuse_connect = False
        await advance(client, client.clock.pending()[0])
        return names, delays
    names, delays = arun(body())
    assert names == ["will-reconnect", "reconnected", "connected"]
    assert delays == list(RECONNECT_DELAYS[:4])


def test_reconnection_gives_up_after_its_last_attempt() -> None:
    async def body() -> tuple[list[str], int]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.refuse_connect = True
        client.transport.drop()
        for _ in range(100):
            if not client.clock.pending():
                break
            await advance(client, client.clock.pending()[0])
        return names, client.transport.connects
    names, connects = arun(body())
    assert names == ["will-reconnect", "disconnected"]
    assert connects == 1 + RECONNECT_ATTEMPTS


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
        await advance(client, max(RECONNECT_DELAYS) * 2)
        await advance(plain, max(RECONNECT_DELAYS) * 2)
        assert client.transport.connects == plain.transport.connects == 1
        return names
    assert arun(body()) == ["disconnected", "disconnected"]
