"""The plugin contract: declarations applied at initialize, typed services, hooks, event names."""

from __future__ import annotations

import pytest

from converse_py.core.errors import ConverseError
from converse_py.core.plugin import EventDoc, Plugin
from converse_py.core.settings import Setting

from .conftest import Client, arun


class Greeter:
    def __init__(self, text: str) -> None:
        self.text = text


class GreeterPlugin(Plugin):
    name = "greeter"
    settings = {"greeting_text": Setting("hello", (str,), "What the greeter says.")}
    events = {"greeted": EventDoc("the text", "the greeter greeted"),
              "greeterReady": EventDoc("nothing", "the greeter is ready", promise=True)}
    hooks = {"greetingText": EventDoc("the greeter, the text", "rewrite the greeting")}
    features = ("urn:example:greeter",)

    def initialize(self) -> None:
        self._converse.provide(Greeter(self._converse.settings.get("greeting_text")))


class NeedsGreeter(Plugin):
    name = "needs-greeter"
    dependencies = ("greeter",)

    def initialize(self) -> None:
        self.text = self._converse.get(Greeter).text


def contract_client(settings: dict[str, object] | None = None) -> Client:
    client = Client(core_plugins=False)
    client.registry.add("greeter", GreeterPlugin)
    client.registry.add("needs-greeter", NeedsGreeter)
    arun(client.converse.initialize({"whitelisted_plugins": ["greeter", "needs-greeter"], **(settings or {})}))
    return client


def test_declared_settings_events_promises_and_features_are_applied_at_initialize() -> None:
    client = contract_client({"greeting_text": "hi there"})
    converse = client.converse
    assert converse.get(Greeter).text == "hi there"
    assert "greeting_text" in converse.settings.declared()
    assert converse.known_events["greeted"].args == "the text"
    assert "greetingText" in converse.known_events
    assert "greeterReady" in converse.promises.names()
    assert converse.features == ["urn:example:greeter"]


def test_a_blacklisted_plugin_declares_nothing_and_its_dependents_say_why() -> None:
    client = contract_client({"blacklisted_plugins": ["greeter"], "greeting_text": "hi"})
    converse = client.converse
    assert converse.find(Greeter) is None
    with pytest.raises(ConverseError, match="Greeter is not available"):
        converse.get(Greeter)
    assert converse.features == []
    reasons = {f.name: f.reason for f in converse.plugin_failures}
    assert reasons == {"needs-greeter": "depends on 'greeter', which is blacklisted (blacklisted_plugins)"}
    assert any("greeting_text" in w for w in client.platform.warnings)  # its setting is unknown now


def test_hooks_pass_data_through_listeners_in_order_and_listeners_can_be_removed() -> None:
    client = contract_client()
    api = client.api

    def shout(_context: object, text: str) -> str:
        return text.upper()

    api.listen.on("greetingText", shout)
    api.listen.on("greetingText", lambda _context, text: text + "!")
    assert api.hook("greetingText", None, "hi") == "HI!"
    api.listen.not_("greetingText", shout)
    assert api.hook("greetingText", None, "hi") == "hi!"


def test_a_raising_hook_listener_is_skipped_and_the_data_goes_on() -> None:
    client = contract_client()
    client.api.listen.on("greetingText", lambda _c, _t: 1 / 0)
    client.api.listen.on("greetingText", lambda _c, text: text * 2)
    assert client.api.hook("greetingText", None, "ab") == "abab"


def test_an_unknown_event_name_warns_once_with_the_closest_known_name() -> None:
    client = contract_client()
    client.api.listen.on("greted", lambda: None)
    client.api.listen.on("greted", lambda: None)
    client.api.listen.on("greeted", lambda: None)
    warned = [w for w in client.platform.warnings if "no event named" in w]
    assert warned == ["converse-py: no event named 'greted' is declared by any plugin; did you mean 'greeted'?"]


def test_listeners_registered_before_initialize_are_checked_when_plugins_are_in() -> None:
    client = Client(core_plugins=False)
    client.registry.add("greeter", GreeterPlugin)
    client.api.listen.on("greeted", lambda: None)       # declared by a plugin not initialized yet
    client.api.listen.on("conected", lambda: None)      # a typo
    arun(client.converse.initialize({"whitelisted_plugins": ["greeter"]}))
    warned = [w for w in client.platform.warnings if "no event named" in w]
    assert warned == ["converse-py: no event named 'conected' is declared by any plugin; did you mean 'connected'?"]


def test_python_listeners_may_take_fewer_or_more_arguments() -> None:
    client = contract_client()
    seen: list[object] = []
    client.api.listen.on("greeted", lambda: seen.append("none"))
    client.api.listen.on("greeted", lambda text, extra: seen.append((text, extra)))
    client.api.listen.on("greeted", lambda text, extra="x": seen.append((text, extra)))
    client.api.trigger("greeted", "hi", "more", "and more")
    assert seen == ["none", ("hi", "more"), ("hi", "more")]
    seen.clear()
    client.api.trigger("greeted", "hi")
    assert seen == ["none", ("hi", None), ("hi", "x")]


class BrokenFeature(Plugin):
    name = "broken-feature"
    events = {"brokenDone": EventDoc("nothing", "never, it breaks")}
    features = ("urn:example:broken",)
    facades = {"chatbox": {"breakIt": "break_it"}}

    def initialize(self) -> None:
        raise RuntimeError("no luck")


def test_a_plugin_whose_initialize_raises_or_that_is_removed_takes_its_features_and_facades_back() -> None:
    client = Client(core_plugins=False)
    client.registry.add("greeter", GreeterPlugin)
    client.registry.add("broken-feature", BrokenFeature)
    arun(client.converse.initialize({"whitelisted_plugins": ["greeter", "broken-feature"]}))
    converse = client.converse
    assert [f.name for f in converse.plugin_failures] == ["broken-feature"]
    assert converse.features == ["urn:example:greeter"]
    assert "breakIt" not in converse.facades.get("chatbox", {})
    assert "brokenDone" not in converse.known_events
    converse.plugins.remove("greeter")
    assert converse.features == [] and "greeted" not in converse.known_events
