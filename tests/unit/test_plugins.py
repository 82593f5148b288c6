"""converse.plugins: registration, dependencies, errors, whitelist/blacklist, remove."""

from __future__ import annotations


import pytest

from converse_py.core.errors import PluginError
from converse_py.core.pluggable import PluginRegistry
from converse_py.public import PublicConverse

from .conftest import Client, arun


def test_python_plugin_class_gets_self_converse_like_js_this() -> None:
    seen = []

    class MyPlugin:
        def initialize(self) -> None:
            seen.append(self._converse.api.user.jid())

    client = Client(core_plugins=False)
    client.registry.add("myplugin", MyPlugin)
    arun(client.converse.initialize({"whitelisted_plugins": ["myplugin"]}))
    assert seen == [None]


def test_dict_plugins_get_a_self_with_converse() -> None:
    seen = []
    client = Client(core_plugins=False)
    client.registry.add("d", {"initialize": lambda self: seen.append(self._converse is client.converse)})
    arun(client.converse.initialize({"whitelisted_plugins": ["d"]}))
    assert seen == [True]


def test_duplicate_names_are_rejected_clearly() -> None:
    reg = PluginRegistry()
    reg.add("myplugin", {})
    with pytest.raises(PluginError, match="'myplugin' is already registered"):
        reg.add("myplugin", {})


@pytest.mark.parametrize("name", ["", "has space", "x" * 101, None])
def test_bad_names_are_rejected(name: object) -> None:
    with pytest.raises(PluginError, match="plugin name"):
        PluginRegistry().add(name, {})  # type: ignore[arg-type]


def test_dependencies_initialize_first_and_failures_do_not_stop_others() -> None:
    order: list[str] = []
    reg = PluginRegistry()
    reg.add("c", {"dependencies": ["b"], "initialize": lambda s: order.append("c")})
    reg.add("broken", {"initialize": lambda s: 1 / 0})
    reg.add("needs-broken", {"dependencies": ["broken"], "initialize": lambda s: order.append("x")})
    reg.add("b", {"dependencies": ["a"], "initialize": lambda s: order.append("b")})
    reg.add("a", {"initialize": lambda s: order.append("a")})
    reg.add("missing-dep", {"dependencies": ["nope"], "initialize": lambda s: order.append("m")})
    failures = {f.name: f.reason for f in reg.initialize_all(None, whitelist=reg.names())}
    assert order == ["a", "b", "c"]
    assert "ZeroDivisionError" in failures["broken"]
    assert "'broken', which was not initialized" in failures["needs-broken"]
    assert "'nope', which is not registered" in failures["missing-dep"]


def test_circular_dependencies_are_reported() -> None:
    reg = PluginRegistry()
    reg.add("a", {"dependencies": ["b"]})
    reg.add("b", {"dependencies": ["a"]})
    reasons = " ".join(f.reason for f in reg.initialize_all(None, whitelist=["a", "b"]))
    assert "circular dependency" in reasons


def test_whitelist_and_blacklist() -> None:
    order: list[str] = []
    reg = PluginRegistry()
    reg.add("core-thing", {"initialize": lambda s: order.append("core")}, core=True)
    for name in ("one", "two", "three"):
        reg.add(name, {"initialize": lambda s, n=name: order.append(n)})
    reg.initialize_all(None, whitelist=["one", "two"], blacklist=["two"])
    assert order == ["core", "one"]


def test_plugins_initialized_event_fires_after_all_plugins() -> None:
    events: list[str] = []
    client = Client(core_plugins=False)
    client.registry.add("p", {"initialize": lambda s: s._converse.api.listen.on(
        "pluginsInitialized", lambda *_: events.append("pluginsInitialized"))})
    arun(client.converse.initialize({"whitelisted_plugins": ["p"]}))
    assert events == ["pluginsInitialized"]


def test_remove_unregisters_and_tears_down_an_initialized_plugin() -> None:
    torn: list[str] = []
    reg = PluginRegistry()
    reg.add("p", {"initialize": lambda s: None, "destroy": lambda s: torn.append("p")})
    reg.initialize_all(None, whitelist=["p"])
    assert reg.remove("p") is True
    assert torn == ["p"] and reg.names() == []
    reg.add("p", {})  # the name is free again
    assert reg.remove("nope") is False


def test_a_whitelisted_plugin_added_after_initialize_is_initialized_at_once() -> None:
    seen: list[str] = []
    client = Client(core_plugins=False)
    arun(client.converse.initialize({"whitelisted_plugins": ["late"]}))
    client.registry.add("late", {"initialize": lambda s: seen.append("late")})
    assert seen == ["late"]


def test_a_plugin_not_in_the_whitelist_is_registered_but_never_gets_converse(
        caplog: pytest.LogCaptureFixture) -> None:
    seen: list[object] = []
    client = Client(core_plugins=False)
    client.registry.add("early", {"initialize": lambda s: seen.append(s._converse)})
    arun(client.converse.initialize({"whitelisted_plugins": ["other", "test-*"]}))
    client.registry.add("late", {"initialize": lambda s: seen.append(s._converse)})
    assert seen == []
    assert client.registry.names() == ["early", "late"] and client.registry.skipped == ["early", "late"]
    assert not client.registry.is_initialized("early") and not client.registry.is_initialized("late")
    said = [r.getMessage() for r in caplog.records if "not initialized" in r.getMessage()]
    assert len(said) == 2 and "whitelisted_plugins: ['late']" in said[1]


def test_whitelist_prefixes_end_in_a_star_and_a_lone_star_names_nothing() -> None:
    seen: list[str] = []
    reg = PluginRegistry()
    for name in ("test-a", "test-b", "testing", "other"):
        reg.add(name, {"initialize": lambda s, n=name: seen.append(n)})
    reg.initialize_all(None, whitelist=["test-*", "*"])
    assert seen == ["test-a", "test-b"]


def test_a_plugin_whose_dependency_is_not_whitelisted_says_so() -> None:
    reg = PluginRegistry()
    reg.add("base", {})
    reg.add("needs-base", {"dependencies": ["base"]})
    failures = reg.initialize_all(None, whitelist=["needs-base"])
    assert [str(f) for f in failures] == [
        "plugin 'needs-base': depends on 'base', which is not in whitelisted_plugins"]


def test_public_converse_without_a_host_explains_itself() -> None:
    with pytest.raises(Exception, match="no host"):
        arun(PublicConverse().initialize({}))


def test_public_plugins_remove_of_unknown_name_is_an_error() -> None:
    with pytest.raises(Exception, match="no plugin named 'ghost'"):
        PublicConverse().plugins.remove("ghost")
