"""``Converse``: the private ``_converse`` namespace handed to plugins.

It holds the settings, the event bus, the promise registry, the plugin registry,
the session and ``api``. Feature plugins attach their groupings to ``api`` in
their ``initialize``.

>>> import asyncio
>>> from converse_py.transport.fake import FakeTransport
>>> async def demo():
...     c = Converse(FakeTransport)
...     await c.initialize({"jid": "alice@localhost", "password": "secret", "auto_login": True})
...     await c.api.wait_until("connected")
...     return c.api.user.jid()
>>> asyncio.run(demo())
'alice@localhost/fake'
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..transport.base import Transport
from .aio import new_future
from .api import API
from .clock import Clock, LoopClock
from .connection import RECONNECT_ATTEMPTS, RECONNECT_DELAYS, Connection
from .errors import ConverseError, SettingsError
from .events import EventBus
from .event_names import CORE_EVENTS, CORE_PROMISES
from .log import logger
from .platform import NullPlatform, Platform
from .plugin import Declaration, EventDoc
from .pluggable import PluginFailure, PluginRegistry
from .promises import PromiseRegistry
from .session import Session
from .settings import Settings, names

T = TypeVar("T")



class Converse:
    """One client instance. Made by ``converse.initialize`` (public API) or directly in tests."""

    def __init__(self, transport_factory: Callable[[], Transport] | Callable[..., Transport],
                 registry: PluginRegistry | None = None, platform: Platform | None = None,
                 clock: Clock | None = None) -> None:
        self.settings = Settings()
        self.events = EventBus()
        self.promises = PromiseRegistry(CORE_PROMISES)
        self.plugins = registry or PluginRegistry()
        self.platform: Platform = platform or NullPlatform()
        #: The time and timers of the core (reconnection delays, login/IQ timeouts); tests pass a ManualClock.
        self.clock: Clock = clock or LoopClock()
        self.session = Session(self, lambda: transport_factory())
        #: Login, logout and the reconnection loop.
        self.connection = Connection(self)
        self.api = API(self)
        self.initialized = False
        self.plugin_failures: list[PluginFailure] = []
        self._reported_unknown: set[str] = set()
        #: services plugins provide to each other, by class (``provide`` / ``get`` / ``find``)
        self._services: dict[type, Any] = {}
        #: every event and hook name a plugin (or the core) declared → its doc
        self.known_events: dict[str, EventDoc] = dict(CORE_EVENTS)
        #: XEP-0030 features declared by the initialized plugins, in declaration order
        self.features: list[str] = []
        #: model kind → JS name → Python attribute, declared by plugins for the JS bridge
        self.facades: dict[str, dict[str, str]] = {}
        self._warned_events: set[str] = set()
        self._plugins_initialized = False  # every allowed plugin has declared what it fires
        self._declarations: dict[str, Declaration] = {}  # plugin name → what it declared

    # -- the plugin contract --------------------------------------------------------------
    def provide(self, service: Any, as_type: type | None = None) -> None:
        """Make ``service`` reachable by other plugins as ``get(type(service))`` (or ``as_type``)."""
        self._services[as_type or type(service)] = service

    def get(self, kind: type[T]) -> T:
        """The service of class ``kind`` a plugin provided; raises when its plugin is not loaded.

        >>> c = Converse(lambda: None)  # doctest: +SKIP
        >>> c.get(ChatsState).open("bob@localhost")  # doctest: +SKIP
        """
        service = self._services.get(kind)
        if service is None:
            raise ConverseError(f"{kind.__name__} is not available (its plugin is not initialized)")
        return service  # type: ignore[no-any-return]

    def find(self, kind: type[T]) -> T | None:
        """Like ``get``, but None when no initialized plugin provides ``kind`` (optional features)."""
        return self._services.get(kind)

    def withdraw(self, kind: type) -> None:
        """Forget the service of class ``kind`` (a plugin's teardown)."""
        self._services.pop(kind, None)

    def declare(self, plugin: str, declaration: Declaration) -> None:
        """Apply what ``plugin`` declares (called by the registry just before its ``initialize``)."""
        self.settings.extend(declaration.settings)
        for name, doc in {**declaration.events, **declaration.hooks}.items():
            self.known_events.setdefault(name, doc)
            if doc.promise:
                self.promises.add(name)
        before = len(self.features)
        for feature in declaration.features:
            if feature not in self.features:
                self.features.append(feature)
        for kind, methods in declaration.facades.items():
            self.facades.setdefault(kind, {}).update(methods)
        self._declarations[plugin] = declaration
        if len(self.features) != before:
            self._features_changed()

    def undeclare(self, plugin: str) -> None:
        """Take back what ``plugin`` declared for others to use (its disco features, facade methods
        and events) when its ``initialize`` failed or it was removed; its settings keep their values."""
        declaration = self._declarations.pop(plugin, None)
        if declaration is None:
            return
        kept = {f for other in self._declarations.values() for f in other.features}  # declared twice
        before = len(self.features)
        self.features[:] = [f for f in self.features if f not in declaration.features or f in kept]
        if len(self.features) != before:
            self._features_changed()
        for kind, methods in declaration.facades.items():
            for js_name in methods:
                self.facades.get(kind, {}).pop(js_name, None)
        for name in {**declaration.events, **declaration.hooks}:
            if self.known_events.get(name) in (declaration.events.get(name), declaration.hooks.get(name)):
                del self.known_events[name]

    def _features_changed(self) -> None:
        """After start-up, a plugin added or taken out changes what the client supports."""
        if self.plugins.converse is self:
            self.trigger("featuresChanged", list(self.features))

    def hook(self, name: str, context: Any, data: Any) -> Any:
        """Run the hook ``name`` over ``data`` (see ``EventBus.run_hook``) and return the result."""
        return self.events.run_hook(name, context, data)

    def check_event_name(self, name: str) -> None:
        """Warn once (console) about a listened-to name that nothing declares, naming the closest one."""
        if name in self.known_events or name in self._warned_events or not self._plugins_initialized:
            return  # (while plugins initialize, a later one may still declare it: checked after)
        if name in self.promises.names():
            return
        self._warned_events.add(name)
        close = difflib.get_close_matches(name, list(self.known_events), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.platform.warn(f"converse-py: no event named {name!r} is declared by any plugin{hint}")

    # -- events and promises ------------------------------------------------------------
    def trigger(self, name: str, *args: Any) -> None:
        """Fire ``name``; a promise of the same name resolves with the first argument."""
        self.promises.resolve(name, args[0] if args else None)
        self.events.trigger(name, *args)

    # -- start-up -----------------------------------------------------------------------
    async def initialize(self, settings: Mapping[str, Any]) -> None:
        """Validate and apply ``settings``, initialize plugins, and log in if ``auto_login``."""
        if self.initialized:
            raise ConverseError("converse.initialize has already been called on this page")
        if not isinstance(settings, Mapping):
            raise SettingsError(f"initialize: expected a settings object, got {type(settings).__name__}")
        self.settings.update(settings)
        password = self.settings.pop_secret("password")
        jid = self.settings.get("jid")
        if password is not None:
            self.connection.remember(jid or "", password)
        self.initialized = True
        self.plugin_failures = self.plugins.initialize_all(
            self, self.settings.get("whitelisted_plugins"), self.settings.get("blacklisted_plugins"))
        for failure in self.plugin_failures:
            self.platform.error(str(failure))
        self._plugins_initialized = True
        self.report_unknown_settings()
        for name in self.events.names():
            self.check_event_name(name)
        self.trigger("pluginsInitialized")
        self.trigger("initialized")
        self.connection.start()

    def report_unknown_settings(self) -> None:
        """Warn once per setting name that nothing declared (typos, or a plugin not loaded)."""
        fresh = [n for n in self.settings.unknown() if n not in self._reported_unknown]
        if fresh:
            self._reported_unknown.update(fresh)
            self.platform.warn(f"converse-py: unknown setting(s) {names(fresh)} (ignored unless a plugin uses them)")

    # -- login / logout / reconnection: ``self.connection`` ---------------------------------
    def login(self, credentials: Mapping[str, Any] | None) -> asyncio.Future[str]:
        """See ``api.user.login`` (``Connection.login``)."""
        return self.connection.login(credentials)

    def logout(self) -> None:
        """See ``api.user.logout`` (``Connection.logout``)."""
        self.connection.logout()

    async def discover_connection_methods(self, domain: str) -> dict[str, str]:
        """XEP-0156 discovery for ``domain`` (``Connection.discover_connection_methods``)."""
        return await self.connection.discover_connection_methods(domain)

    @property
    def reconnecting(self) -> bool:
        """True between ``will-reconnect`` and the stream coming back (or ``disconnected``)."""
        return self.connection.reconnecting


def make_future() -> asyncio.Future[Any]:
    """A future on the current loop (re-exported for plugins)."""
    return new_future()


__all__ = ["RECONNECT_ATTEMPTS", "RECONNECT_DELAYS", "Converse", "logger", "make_future"]
