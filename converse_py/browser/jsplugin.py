"""Plugins written in JS: objects with ``initialize`` (and optional ``dependencies``), called
with ``this`` = the plugin object and ``this._converse`` set, as Converse.js does."""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy  # type: ignore[import-not-found]

from ..core.converse import Converse
from ..core.errors import PluginError
from ..core.pluggable import PluginAdapter
from .jsbridge import JsBridge


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

    def initialize(self, converse: Converse) -> None:
        existing = getattr(converse, "_js_facade", None)
        converse._js_facade = self.bridge.private_facade(converse, existing)  # type: ignore[attr-defined]
        self.obj._converse = converse._js_facade  # type: ignore[attr-defined]
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
