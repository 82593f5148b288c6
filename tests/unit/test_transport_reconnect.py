"""Automatic reconnection after an unexpected drop: will-reconnect, then reconnected/connected; it
gives up (disconnected) on a refused password, and never follows a logout."""

from __future__ import annotations

from converse_py.core.connection import RECONNECT_ATTEMPTS, RECONNECT_DELAYS, RECONNECT_JITTER

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
        [first] = client.clock.pending()
        assert client.converse.reconnecting and within_jitter(first, RECONNECT_DELAYS[0])
        await advance(client, first - 0.01)
        assert client.transport.connects == 1, "not before the first delay"
        await advance(client, 0.01)
        assert not client.converse.reconnecting
        return names, client
    names, client = arun(body())
    assert names == ["will-reconnect", "reconnected", "connected"]
    assert client.transport.connects == 2
    assert any("queued while down" in x for x in client.transport.sent), "the outbox went out"


def within_jitter(delay: float, nominal: float) -> bool:
    """A reconnection delay is its nominal value shortened by at most the jitter."""
    return nominal * (1 - RECONNECT_JITTER) <= delay <= nominal


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
    assert len(delays) == 4 and all(within_jitter(d, n) for d, n in zip(delays, RECONNECT_DELAYS))
    assert len(set(delays)) == 4  # growing


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
        await plain.converse.initialize({"auto_reconnect": False})
        await plain.api.user.login({"jid": "alice@localhost", "password": "secret"})
        _record(plain, names)
        plain.transport.drop()
        await advance(client, max(RECONNECT_DELAYS) * 2)
        await advance(plain, max(RECONNECT_DELAYS) * 2)
        assert client.transport.connects == plain.transport.connects == 1
        return names
    assert arun(body()) == ["disconnected", "disconnected"]


def test_the_network_coming_back_or_the_page_shown_again_retries_at_once_and_delays_have_jitter() -> None:
    async def body() -> tuple[list[str], list[int], set[float]]:
        client = Client(core_plugins=False)
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        names: list[str] = []
        _record(client, names)
        client.transport.refuse_connect = True
        client.transport.drop()
        await settle()
        connects = [client.transport.connects]
        for _ in range(3):  # well into the backoff: the next wait is 8 s
            await advance(client, client.clock.pending()[0])
        connects.append(client.transport.connects)
        client.platform.set_hidden(True)  # hidden: nothing
        await settle()
        client.platform.set_hidden(False)  # shown again: at once (still refused)
        await settle()
        connects.append(client.transport.connects)
        assert client.converse.reconnecting and client.clock.pending(), "the loop goes on"
        client.transport.refuse_connect = False
        client.platform.go_online()  # the browser says the network is back: at once
        await settle()
        connects.append(client.transport.connects)
        client.platform.go_online()  # connected: nothing more
        await settle()
        connects.append(client.transport.connects)
        firsts = set()
        for _ in range(20):  # the first delay of many drops: spread, never longer than nominal
            client.transport.refuse_connect = True
            client.transport.drop()
            await settle()
            firsts.add(round(client.clock.pending()[0], 6))
            client.transport.refuse_connect = False
            client.platform.go_online()
            await settle()
        return names, connects, firsts
    names, connects, firsts = arun(body())
    assert names[:3] == ["will-reconnect", "reconnected", "connected"]
    assert connects == [1, 4, 5, 6, 6]
    assert len(firsts) > 10 and all(within_jitter(d, RECONNECT_DELAYS[0]) for d in firsts)
