"""The plugin registry behind ``converse.plugins.add/remove``.

A plugin is registered under a name and initialized when ``converse.initialize``
runs (or at once, if the client is already initialized). As in Converse.js, only core
plugins (registered by converse-py itself) are initialized unasked: any other plugin must
be named in the ``whitelisted_plugins`` setting (an entry ending in ``*`` names every plugin
whose name starts with what comes before it). A registered plugin left out that way is not
initialized, and the console says which setting to add: a script on the page cannot get
``_converse`` just by registering a plugin. Plugins may name
``dependencies``: those are initialized first, and a plugin whose dependency is
missing or failed is reported and skipped. A plugin that raises is reported;
the others still run.

What ``remove`` does: it takes the plugin out of the registry, so it is not
initialized by a later ``initialize`` and its name may be registered again.
For a plugin that has already been initialized it also calls the plugin's
optional ``destroy()``/``teardown()`` hook; listeners the plugin registered stay
unless that hook removes them (converse-py cannot tell whose they are).

>>> reg = PluginRegistry()
>>> order = []
>>> _ = reg.add("b", {"dependencies": ["a"], "initialize": lambda self: order.append("b")})
>>> _ = reg.add("a", {"initialize": lambda self: order.append("a")})
>>> _ = reg.add("c", {"initialize": lambda self: order.append("c")})
>>> errors = reg.initialize_all(converse=None, whitelist=["a", "b"])
>>> order, errors, reg.skipped
(['a', 'b'], [], ['c'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterable

from .errors import PluginError
from .log import logger
from .plugin import Declaration, declaration_of

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def whitelisted(name: str, whitelist: Iterable[str]) -> bool:
    """True when ``whitelist`` names ``name``, exactly or by an entry ending in ``*`` (a prefix).

    A lone ``*`` names nothing: there is no "every plugin" entry.

    >>> whitelisted("test-grab", ["hello", "test-*"]), whitelisted("hello2", ["hello", "*"])
    (True, False)
    """
    for entry in whitelist:
        if entry == name or (len(entry) > 1 and entry.endswith("*") and name.startswith(entry[:-1])):
            return True
    return False


class PluginAdapter:
    """Uniform view of a plugin, whatever it was written as (Python object, class, dict; JS object)."""

    def dependencies(self) -> list[str]:
        raise NotImplementedError

    def initialize(self, converse: Any) -> None:
        raise NotImplementedError

    def declaration(self) -> Declaration:
        """What the plugin declares (settings, events, features…); default: nothing."""
        return Declaration()

    def teardown(self) -> None:
        """Called by ``remove`` for an initialized plugin; default: nothing to undo."""


class _DictNamespace:
    """``self`` for dict plugins: attribute access to the dict's entries, plus ``_converse``."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self.__dict__.update(entries)


class PythonPlugin(PluginAdapter):
    """A plugin written in Python: an object (or class, instantiated without arguments) or a dict.

    ``initialize`` is called with ``self._converse`` set, exactly as JS plugins see ``this._converse``.
    """

    def __init__(self, name: str, plugin: Any) -> None:
        if isinstance(plugin, type):
            try:
                plugin = plugin()
            except TypeError as exc:
                raise PluginError(f"plugin {name!r}: its class must take no arguments ({exc})") from None
        if isinstance(plugin, dict):
            plugin = _DictNamespace(plugin)
        init = getattr(plugin, "initialize", None)
        if init is not None and not callable(init):
            raise PluginError(f"plugin {name!r}: 'initialize' must be callable")
        self.obj = plugin

    def dependencies(self) -> list[str]:
        deps = getattr(self.obj, "dependencies", None) or []
        if isinstance(deps, str) or not all(isinstance(d, str) for d in deps):
            raise PluginError("'dependencies' must be a list of plugin names")
        return list(deps)

    def declaration(self) -> Declaration:
        return declaration_of(self.obj.__dict__ if isinstance(self.obj, _DictNamespace) else self.obj)

    def initialize(self, converse: Any) -> None:
        self.obj._converse = converse
        init = getattr(self.obj, "initialize", None)
        if init is None:
            return
        if isinstance(self.obj, _DictNamespace):
            init(self.obj)  # plain function stored in a dict: pass ``self`` explicitly
        else:
            init()

    def teardown(self) -> None:
        for hook in ("destroy", "teardown"):
            fn = getattr(self.obj, hook, None)
            if callable(fn):
                if isinstance(self.obj, _DictNamespace):
                    fn(self.obj)
                else:
                    fn()
                return


@dataclass
class _Entry:
    name: str
    adapter: PluginAdapter
    initialized: bool = False
    failed: bool = False
    core: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that did not initialize, and why."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"plugin {self.name!r}: {self.reason}"


class PluginRegistry:
    """Registered plugins in registration order."""

    def __init__(self, wrap: Callable[[str, Any], PluginAdapter] | None = None) -> None:
        self._entries: dict[str, _Entry] = {}
        self._wrap = wrap or PythonPlugin
        self.converse: Any = None  # set once initialize_all has run: later adds initialize at once
        self._why_not: dict[str, str] = {}  # plugins initialize_all left out → why (for dependents' errors)
        self._whitelist: tuple[str, ...] = ()
        self._blacklist: frozenset[str] = frozenset()
        #: Registered plugins not initialized because ``whitelisted_plugins`` does not name them.
        self.skipped: list[str] = []

    def add(self, name: str, plugin: Any, *, core: bool = False) -> list[PluginFailure]:
        """Register ``plugin`` under ``name``; raise PluginError for a bad or duplicate name.

        If the client is already initialized the plugin is initialized now; failures are returned.
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise PluginError(f"plugin name must be 1-100 letters, digits, '_', '-' or '.', got {name!r}")
        if name in self._entries:
            raise PluginError(f"a plugin named {name!r} is already registered")
        adapter = plugin if isinstance(plugin, PluginAdapter) else self._wrap(name, plugin)
        self._entries[name] = _Entry(name, adapter, core=core)
        if self.converse is not None:
            if not self._allowed(name):
                self._leave_out(name)
                return []
            return self._initialize([name], self.converse, allowed=self._allowed_names())
        return []

    def remove(self, name: str) -> bool:
        """Unregister ``name`` (see the module docstring); False when there was no such plugin."""
        entry = self._entries.pop(name, None)
        if entry is None:
            return False
        if entry.initialized:
            try:
                entry.adapter.teardown()
            except Exception:
                logger.exception("plugin %r raised in its teardown", name)
            if self.converse is not None:
                self.converse.undeclare(name)
        return True

    def names(self) -> list[str]:
        """Registered plugin names in registration order."""
        return list(self._entries)

    def is_initialized(self, name: str) -> bool:
        entry = self._entries.get(name)
        return bool(entry and entry.initialized)

    def initialize_all(self, converse: Any, whitelist: Iterable[str] = (),
                       blacklist: Iterable[str] = ()) -> list[PluginFailure]:
        """Initialize every allowed plugin, dependencies first. Returns the failures (also logged).

        Core plugins are always allowed (unless blacklisted); any other plugin only when
        ``whitelist`` names it (see ``whitelisted``). ``blacklist`` excludes plugins by name (core
        ones too). The whitelist and blacklist also apply to plugins added later.
        """
        self._whitelist = tuple(whitelist)
        self._blacklist = frozenset(blacklist)
        self._why_not = {}
        for name in self._entries:
            if not self._allowed(name):
                self._leave_out(name)
        failures = self._initialize(list(self._entries), converse, self._allowed_names())
        self.converse = converse
        return failures

    def _allowed(self, name: str) -> bool:
        entry = self._entries[name]
        return name not in self._blacklist and (entry.core or whitelisted(name, self._whitelist))

    def _allowed_names(self) -> set[str]:
        return {name for name in self._entries if self._allowed(name)}

    def _leave_out(self, name: str) -> None:
        """``name`` is registered but may not initialize: say why (and which setting to add)."""
        if name in self._blacklist:
            self._why_not[name] = "blacklisted (blacklisted_plugins)"
            return
        self._why_not[name] = "not in whitelisted_plugins"
        if name not in self.skipped:
            self.skipped.append(name)
        logger.warning("plugin %r is registered but not initialized: only core plugins and those named "
                       "in the whitelisted_plugins setting are. To use it, initialize with "
                       "whitelisted_plugins: [%r]", name, name)

    def _initialize(self, names: list[str], converse: Any,
                    allowed: set[str] | None) -> list[PluginFailure]:
        failures: list[PluginFailure] = []
        visiting: set[str] = set()

        def visit(name: str, chain: tuple[str, ...]) -> bool:
            entry = self._entries.get(name)
            if entry is None:
                return False
            if entry.initialized:
                return True
            if entry.failed or name in visiting:
                return False
            if allowed is not None and name not in allowed:
                return False
            visiting.add(name)
            try:
                deps = entry.adapter.dependencies()
            except PluginError as exc:
                return fail(entry, str(exc))
            for dep in deps:
                if dep in chain:
                    return fail(entry, f"circular dependency: {' -> '.join(chain + (name, dep))}")
                if dep not in self._entries:
                    return fail(entry, f"depends on {dep!r}, which is not registered")
                if not visit(dep, chain + (name,)):
                    why = self._why_not.get(dep, "which was not initialized")
                    if dep in self._why_not:
                        why = f"which is {why}"
                    return fail(entry, f"depends on {dep!r}, {why}")
            try:
                if converse is not None:  # None: a bare registry (tests, doctests)
                    converse.declare(name, entry.adapter.declaration())
                entry.adapter.initialize(converse)
            except Exception as exc:
                logger.exception("plugin %r raised in initialize", name)
                if converse is not None:
                    converse.undeclare(name)
                return fail(entry, f"initialize raised {type(exc).__name__}: {exc}")
            entry.initialized = True
            return True

        def fail(entry: _Entry, reason: str) -> bool:
            if not entry.failed:
                entry.failed = True
                failure = PluginFailure(entry.name, reason)
                failures.append(failure)
                logger.error("%s", failure)
            return False

        for name in names:
            visit(name, ())
        return failures
