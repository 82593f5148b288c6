"""api.listen (on/once/not) and api.waitUntil semantics."""

from __future__ import annotations


import pytest

from converse_py.core.events import EventBus
from converse_py.core.promises import PromiseRegistry, UnknownPromiseError

from .conftest import Client, arun


def test_on_fires_every_time_in_registration_order() -> None:
    bus, seen = EventBus(), []
    bus.on("message", lambda m: seen.append(("a", m)))
    bus.on("message", lambda m: seen.append(("b", m)))
    bus.trigger("message", 1)
    bus.trigger("message", 2)
    assert seen == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]


def test_once_fires_exactly_once_even_when_retriggered_from_inside() -> None:
    bus, seen = EventBus(), []

    def handler(value: int) -> None:
        seen.append(value)
        bus.trigger("x", value + 1)

    bus.once("x", handler)
    bus.trigger("x", 1)
    bus.trigger("x", 5)
    assert seen == [1]


def test_not_removes_exactly_that_callback() -> None:
    bus, seen = EventBus(), []
    keep, drop = (lambda: seen.append("keep")), (lambda: seen.append("drop"))
    bus.on("e", keep)
    bus.on("e", drop)
    bus.not_("e", drop)
    bus.trigger("e")
    assert seen == ["keep"]


def test_not_matches_by_key_for_wrapped_js_callbacks() -> None:
    bus, seen = EventBus(), []
    js_function = object()
    bus.on("e", lambda: seen.append(1), key=js_function)
    bus.not_("e", js_function)
    bus.trigger("e")
    assert seen == []


def test_a_raising_listener_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus, seen = EventBus(), []
    bus.on("e", lambda: 1 / 0)
    bus.on("e", lambda: seen.append("still here"))
    bus.trigger("e")
    assert seen == ["still here"]
    assert "listener for 'e' raised" in caplog.text


def test_listen_rejects_non_callables_with_a_clear_error() -> None:
    with pytest.raises(TypeError, match="must be callable"):
        EventBus().on("e", "not a function")  # type: ignore[arg-type]


def test_promise_waiters_before_and_after_resolution_both_get_the_value() -> None:
    async def body() -> tuple[object, object]:
        reg = PromiseRegistry(["roster"])
        early = reg.wait_until("roster")
        reg.resolve("roster", ["bob"])
        reg.resolve("roster", ["ignored second resolution"])
        late = reg.wait_until("roster")
        return await early, await late
    assert arun(body()) == (["bob"], ["bob"])


def test_unknown_promise_gives_a_failed_future_naming_it() -> None:
    async def body() -> None:
        await PromiseRegistry(["connected"]).wait_until("conected")
    with pytest.raises(UnknownPromiseError, match="'conected'.*known: connected"):
        arun(body())


#: The promises Converse.js's seed documents.
SEED_PROMISES = ("cachedRoster", "chatBoxesFetched", "connected", "pluginsInitialized", "roster",
                 "rosterContactsFetched", "rosterGroupsFetched", "rosterInitialized", "statusInitialized")


def test_every_seed_promise_is_registered_once_the_plugins_are_initialized() -> None:
    client = Client()
    assert set(client.converse.promises.names()) == {"connected", "pluginsInitialized"}  # the core's own
    arun(client.converse.initialize({}))
    assert set(SEED_PROMISES) <= set(client.converse.promises.names())


def test_a_blacklisted_plugin_s_promises_are_unknown() -> None:
    client = Client()
    arun(client.converse.initialize({"blacklisted_plugins": ["converse-chats"]}))
    assert "chatBoxesFetched" not in client.converse.promises.names()
    assert "rosterContactsFetched" in client.converse.promises.names()


def test_triggering_an_event_resolves_the_promise_of_the_same_name() -> None:
    async def body() -> object:
        client = Client(core_plugins=False)
        client.api.promises.add("myPluginReady")
        waiter = client.api.wait_until("myPluginReady")
        client.api.trigger("myPluginReady", 42)
        return await waiter
    assert arun(body()) == 42
