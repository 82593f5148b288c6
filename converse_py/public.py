"""The public ``converse`` object: ``initialize``, ``plugins.add/remove`` and ``env``.

Page JS reaches it as ``window.converse`` (through the shim); Python on the page as
``from converse_py import public; public.converse``. It holds no connection, no password and no
``_converse``; whitelisted plugins (``whitelisted_plugins``) get ``_converse``. This keeps
``_converse`` from scripts that only call the public API; it is not a wall against a script that
patches globals or reads the interpreter (see docs/reliability.md, "The private boundary").

>>> class Hello:
...     def initialize(self):
...         self._converse.api.listen.on("connected", lambda jid: print("up as", jid))
>>> converse.plugins.add("hello", Hello)  # doctest: +SKIP
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from collections.abc import Callable, Mapping

from .core.converse import Converse
from .core.errors import ConverseError
from .core.platform import Platform
from .core.pluggable import PluginAdapter, PluginRegistry, PythonPlugin
from .transport.base import Transport
from .xmpp import ns, stanza
from .xmpp.jid import JID


class Host:
    """What the page (or a test) provides: how to make transports, platform services,
    how to wrap foreign (JS) plugins, and the core plugins to register first."""

    def __init__(self, transport_factory: Callable[[Converse], Transport], platform: Platform,
                 foreign_plugin: Callable[[str, Any], PluginAdapter | None] | None = None,
                 core_plugins: Mapping[str, Any] | None = None) -> None:
        self.transport_factory = transport_factory
        self.platform = platform
        self.foreign_plugin = foreign_plugin
        self.core_plugins = dict(core_plugins or {})


class PublicPlugins:
    """``converse.plugins``."""

    def __init__(self, registry: PluginRegistry) -> None:
        self._registry = registry

    def add(self, name: str, plugin: Any) -> None:
        """Register a plugin (a Python object, class or dict; a JS object from page JS).

        It is initialized (and given ``_converse``) only if the ``whitelisted_plugins`` setting
        names it, as in Converse.js; otherwise the console says which setting to add.

        JS: ``converse.plugins.add('myplugin', {initialize() { console.log('myplugin sees', this._converse.api.user.jid()); }});``
        Python: ``converse.plugins.add("myplugin", {"initialize": lambda self: print("myplugin sees", self._converse.api.user.jid())})``
        """
        self._registry.add(name, plugin)

    def remove(self, name: str) -> None:
        """Unregister a plugin (see ``converse_py.core.pluggable`` for what happens to an initialized one).

        JS: ``converse.plugins.remove('myplugin');``
        Python: ``converse.plugins.remove("myplugin")``
        """
        if not self._registry.remove(name):
            raise ConverseError(f"plugins.remove: no plugin named {name!r} is registered")


class PublicConverse:
    """The one public entry point of a page."""

    def __init__(self) -> None:
        self._registry = PluginRegistry(wrap=self._adapt_plugin)
        self.plugins = PublicPlugins(self._registry)
        self.env = SimpleNamespace(ns=ns, stanza=stanza, JID=JID)
        self._host: Host | None = None
        self._instance: Converse | None = None

    def use_host(self, host: Host) -> None:
        """Bind to a host and register its core plugins (before any user plugin initializes)."""
        self._host = host
        for name, plugin in host.core_plugins.items():
            self._registry.add(name, plugin, core=True)

    async def initialize(self, settings: Mapping[str, Any] | None = None) -> None:
        """Start the client with ``settings`` (see docs/configuration.md).

        JS: ``converse.initialize({bosh_service_url: 'http://localhost:5280/http-bind', auto_login: false});``
        Python: ``await converse.initialize({"bosh_service_url": "http://localhost:5280/http-bind"})``
        """
        if self._host is None:
            raise ConverseError("converse-py has no host: it runs in a page loaded through static/converse.js")
        if self._instance is not None:
            raise ConverseError("converse.initialize has already been called on this page")
        host = self._host
        holder: list[Converse] = []
        instance = Converse(lambda: host.transport_factory(holder[0]), self._registry, host.platform)
        holder.append(instance)
        self._instance = instance
        try:
            await instance.initialize(settings if settings is not None else {})
        except Exception:
            self._instance = None
            raise

    def _adapt_plugin(self, name: str, plugin: Any) -> PluginAdapter:
        if self._host is not None and self._host.foreign_plugin is not None:
            adapter = self._host.foreign_plugin(name, plugin)
            if adapter is not None:
                return adapter
        return PythonPlugin(name, plugin)


#: The page's ``converse`` (``window.converse`` forwards to it).
converse = PublicConverse()
