"""Plugins written in JS: objects with ``initialize`` (and optional ``dependencies``), called
with ``this`` = the plugin object and ``this._converse`` set, as Converse.js does.

A JS plugin may also declare ``events`` (``{name: 'what it means'}``) and ``settings``
(``{name: default}``), as Python plugins do: its events are known to ``api.listen`` (no
"undeclared event" warning) and its settings are validated and listed as known.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy  # type: ignore[import-not-found]

from ..core.converse import Converse
from ..core.errors import PluginError
from ..core.plugin import Declaration, declaration_of
from ..core.pluggable import PluginAdapter
from .jsbridge import JsBridge, without_jsnull


class JsPlugin(PluginAdapter):
    """Adapter for a JS plugin object."""

    def __init__(self, name: str, obj: Any, bridge: JsBridge) -> None:
        init = getattr(obj, "initialize", None)
        if init is not None and init is not js.undefined and not callable(init):
            raise PluginError(f"plugin {name!r}: 'initialize' must be a function")
        self.name = name
        self.obj = obj
        self.bridge = bridge

    def dependencies(self) -> list[str]:
        deps = getattr(self.obj, "dependencies", None)
        if deps is None or deps is js.undefined:
            return []
        if not js.Array.isArray(deps):
            raise PluginError("'dependencies' must be an array of plugin names")
        names = list(deps.to_py())
        if not all(isinstance(d, str) for d in names):
            raise PluginError("'dependencies' must be an array of plugin names")
        return names

    def declaration(self) -> Declaration:
        """The plugin object's ``events`` and ``settings`` objects, when it has them."""
        found: dict[str, Any] = {}
        for key in ("events", "settings"):
            value = getattr(self.obj, key, None)
            if value is None or value is js.undefined:
                continue
            if not isinstance(value, JsProxy) or js.Array.isArray(value) or value.typeof != "object":
                raise PluginError(f"plugin {self.name!r}: '{key}' must be an object ({{name: ...}})")
            found[key] = without_jsnull(value.to_py())
        events = found.get("events", {})
        if not all(isinstance(doc, str) for doc in events.values()):
            raise PluginError(f"plugin {self.name!r}: 'events' must map each event name to a description")
        return declaration_of(found)

    def initialize(self, converse: Converse) -> None:
        self.obj._converse = self.bridge.private_facade(converse)
        init = getattr(self.obj, "initialize", None)
        if init is not None and init is not js.undefined:
            self.obj.initialize()

    def teardown(self) -> None:
        for hook in ("destroy", "teardown"):
            fn = getattr(self.obj, hook, None)
            if fn is not None and fn is not js.undefined and callable(fn):
                getattr(self.obj, hook)()
                return


def js_plugin_adapter(bridge: JsBridge) -> Any:
    """The host's ``foreign_plugin`` hook: JS objects become ``JsPlugin``; anything else is Python's."""
    def adapt(name: str, plugin: Any) -> PluginAdapter | None:
        if isinstance(plugin, JsProxy):
            return JsPlugin(name, plugin, bridge)
        return None
    return adapt
