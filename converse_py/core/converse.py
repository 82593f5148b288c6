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
from ..transport.choice import connection_urls, host_meta_url, parse_host_meta
from ..xmpp.jid import JID
from .aio import loop, new_future
from .api import API
from .errors import ConverseError, SettingsError
from .events import EventBus
from .event_names import CORE_EVENTS, CORE_PROMISES
from .log import logger
from .platform import NullPlatform, Platform
from .plugin import Declaration, EventDoc
from .pluggable import PluginFailure, PluginRegistry
from .promises import PromiseRegistry
from .session import LoginError, Session
from .settings import Settings, names

#: Seconds before each automatic reconnection attempt (the last one repeats).
RECONNECT_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
#: Attempts before giving up (about ten minutes: Prosody keeps a lost XEP-0198 session that long).
RECONNECT_ATTEMPTS = 25

T = TypeVar("T")



class Converse:
    """One client instance. Made by ``converse.initialize`` (public API) or directly in tests."""

    def __init__(self, transport_factory: Callable[[], Transport] | Callable[..., Transport],
                 registry: PluginRegistry | None = None, platform: Platform | None = None) -> None:
        self.settings = Settings()
        self.events = EventBus()
        self.promises = PromiseRegistry(CORE_PROMISES)
        self.plugins = registry or PluginRegistry()
        self.platform: Platform = platform or NullPlatform()
        self.session = Session(self, lambda: transport_factory())
        self.api = API(self)
        self.initialized = False
        self.plugin_failures: list[PluginFailure] = []
        self._credentials: dict[str, str] = {}  # jid/password from initialize: memory only, never logged
        self._reported_unknown: set[str] = set()
        self._reconnecting = False
        self._reconnect_attempts = 0
        self._reconnect_timer: asyncio.TimerHandle | None = None
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
            self._credentials = {"jid": jid or "", "password": password}
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
        if self._try_restore():
            return
        if self.settings.get("auto_login"):
            self._start_auto_login()

    def _try_restore(self) -> bool:
        """keepalive: resume the BOSH session this tab had before a reload (Strophe caches
        jid/sid/rid, never the password, in sessionStorage). False when there is none."""
        settings = self.settings
        if not settings.get("keepalive") or not settings.get("bosh_service_url") or settings.get("prebind"):
            return False
        future = self.session.restore(settings.get("jid"))
        if future is None:
            return False

        def restored(done: asyncio.Future[str]) -> None:
            if done.cancelled() or done.exception() is None:
                return
            logger.info("could not resume the kept-alive session: %s", done.exception())
        future.add_done_callback(restored)
        self.events.once("disconnected", self._after_restored_session_dropped)
        return True

    def _after_restored_session_dropped(self, condition: str = "") -> None:
        """A resumed session that died before any stanza came back was stale (server restarted,
        session expired): log in afresh when we may."""
        if self.session.stanzas_received == 0 and self.settings.get("auto_login"):
            logger.info("the kept-alive session was stale; logging in again")
            self._start_auto_login()

    def report_unknown_settings(self) -> None:
        """Warn once per setting name that nothing declared (typos, or a plugin not loaded)."""
        fresh = [n for n in self.settings.unknown() if n not in self._reported_unknown]
        if fresh:
            self._reported_unknown.update(fresh)
            self.platform.warn(f"converse-py: unknown setting(s) {names(fresh)} (ignored unless a plugin uses them)")

    def _start_auto_login(self) -> None:
        async def run() -> None:
            try:
                await self.login(None)
            except Exception as exc:
                self.platform.error(f"converse-py: auto_login failed: {exc}")
        asyncio.ensure_future(run())

    # -- login / logout -----------------------------------------------------------------
    def login(self, credentials: Mapping[str, Any] | None) -> asyncio.Future[str]:
        """See ``api.user.login``."""
        if credentials is not None:
            if not isinstance(credentials, Mapping):
                raise ConverseError("user.login: expected {jid, password}")
            jid, password = credentials.get("jid"), credentials.get("password")
            if not isinstance(jid, str) or not jid:
                raise ConverseError("user.login: 'jid' is required")
            if not isinstance(password, str) or not password:
                raise ConverseError("user.login: 'password' is required")
            return self._login(jid, password)
        return asyncio.ensure_future(self._login_without_credentials())

    def _login(self, jid: str, password: str) -> asyncio.Future[str]:
        self._end_reconnecting()  # a login asked for now replaces any automatic one
        if self._needs_discovery():
            try:
                domain = JID.parse(jid).domain
            except ValueError as exc:
                raise ConverseError(f"user.login: {exc}") from None
            self._credentials = {"jid": jid, "password": password}
            return asyncio.ensure_future(self._discover_then_login(domain, jid, password))
        try:
            future = self.session.login(jid, password)
        except ValueError as exc:
            raise ConverseError(f"user.login: {exc}") from None
        self._credentials = {"jid": jid, "password": password}
        return future

    # -- XEP-0156 ---------------------------------------------------------------------------
    def _needs_discovery(self) -> bool:
        settings = self.settings
        return (not connection_urls(settings.get) and bool(settings.get("discover_connection_methods"))
                and not self.session.discovered and getattr(self.platform, "can_fetch", True))

    async def _discover_then_login(self, domain: str, jid: str, password: str) -> str:
        await self.discover_connection_methods(domain)
        return await self.session.login(jid, password)  # with nothing found, the host says what is missing

    async def discover_connection_methods(self, domain: str) -> dict[str, str]:
        """XEP-0156: read ``domain``'s host-meta (the ``host_meta_url`` setting says where; by default
        ``https://<domain>/.well-known/host-meta``, then ``host-meta.json``) and remember the
        WebSocket and BOSH URLs it lists. Fires ``connectionMethodsDiscovered`` with them."""
        first = host_meta_url(self.settings.get("host_meta_url"), domain)
        urls = [first]
        if first.endswith("/host-meta"):
            urls.append(first + ".json")
        found: dict[str, str] = {}
        for url in urls:
            try:
                text = await self.platform.fetch_text(url)
            except Exception as exc:
                logger.info("XEP-0156: no host-meta at %s (%s)", url, exc)
                continue
            found = parse_host_meta(text)
            if found:
                break
        self.session.discovered = found
        self.trigger("connectionMethodsDiscovered", dict(found))
        return found

    async def _login_without_credentials(self) -> str:
        settings = self.settings
        if settings.get("prebind") or settings.get("authentication") == "prebind":
            url = settings.get("prebind_url")
            if not url:
                raise ConverseError("user.login: prebind is on but prebind_url is not set")
            data = await self._fetch_credentials(url, ("jid", "sid", "rid"), "prebind_url")
            return await self.session.attach(str(data["jid"]), str(data["sid"]), int(data["rid"]))
        if settings.get("credentials_url"):
            data = await self._fetch_credentials(settings.get("credentials_url"), ("jid", "password"),
                                                 "credentials_url")
            return await self._login(str(data["jid"]), str(data["password"]))
        if self._credentials.get("jid") and self._credentials.get("password"):
            return await self._login(self._credentials["jid"], self._credentials["password"])
        raise ConverseError("user.login: no credentials: pass {jid, password}, or set jid and password, "
                            "credentials_url, or prebind with prebind_url")

    async def _fetch_credentials(self, url: str, keys: tuple[str, ...], setting: str) -> Mapping[str, Any]:
        try:
            data = await self.platform.fetch_json(url)
        except Exception as exc:
            raise ConverseError(f"user.login: could not fetch {setting} ({exc})") from None
        if not isinstance(data, Mapping) or any(not data.get(k) for k in keys):
            raise ConverseError(f"user.login: {setting} must return JSON with {', '.join(keys)}")
        return data

    def logout(self) -> None:
        """See ``api.user.logout``."""
        self._credentials = {}
        self.session.disconnect("logout")
        if self._reconnecting:
            self._give_up("logout")
        self.trigger("logout")

    # -- called by the session ----------------------------------------------------------
    def on_connected(self, *, reconnected: bool) -> None:
        """The stream is up and bound."""
        self._end_reconnecting()
        if reconnected:
            self.trigger("reconnected")
        self.trigger("connected", self.session.jid)

    def on_resumed(self, *, first_in_page: bool = False) -> None:
        """A lost stream was resumed (XEP-0198): the session goes on as if it never dropped, so
        ``connected`` and ``reconnected`` do not fire again; ``streamResumed`` does. On a page that
        just loaded (the stream of the page before a reload), ``connected`` fires too: its plugins
        have no state yet."""
        self._end_reconnecting()
        self.trigger("streamResumed", self.session.jid)
        if first_in_page:
            self.trigger("connected", self.session.jid)
        else:
            self.promises.resolve("connected", self.session.jid)

    def on_disconnected(self, *, deliberate: bool, condition: str) -> None:
        """The stream is gone (``deliberate`` when we closed it). An unexpected loss is followed by
        reconnection attempts (``will-reconnect``) when ``auto_reconnect`` is on, or when a
        XEP-0198 session can be resumed; ``disconnected`` fires once they give up."""
        self.promises.reset("connected")
        if self._reconnecting:
            return  # a failed attempt: the retry loop goes on
        if not deliberate and self._may_reconnect():
            self._reconnecting = True
            self._reconnect_attempts = 0
            self.trigger("will-reconnect")
            self._schedule_reconnect()
            return
        self.trigger("disconnected", condition)

    # -- automatic reconnection ------------------------------------------------------------
    @property
    def reconnecting(self) -> bool:
        """True between ``will-reconnect`` and the stream coming back (or ``disconnected``)."""
        return self._reconnecting

    def _may_reconnect(self) -> bool:
        if not (self._credentials.get("jid") and self._credentials.get("password")):
            return False
        settings = self.settings
        return bool(settings.get("auto_reconnect")) or (
            bool(settings.get("enable_smacks")) and self.session.sm.can_resume())

    def _schedule_reconnect(self) -> None:
        delay = RECONNECT_DELAYS[min(self._reconnect_attempts, len(RECONNECT_DELAYS) - 1)]
        self._reconnect_attempts += 1
        self._reconnect_timer = loop().call_later(delay, self._reconnect)

    def _reconnect(self) -> None:
        self._reconnect_timer = None
        if not self._reconnecting:
            return
        jid, password = self._credentials.get("jid"), self._credentials.get("password")
        if not jid or not password:
            self._give_up("no credentials")
            return
        logger.info("reconnecting (attempt %d)", self._reconnect_attempts)
        try:
            future = self.session.login(jid, password, reconnect=True)
        except Exception as exc:
            self._give_up(str(exc))
            return
        future.add_done_callback(self._reconnect_done)

    def _reconnect_done(self, future: asyncio.Future[str]) -> None:
        if future.cancelled() or not self._reconnecting:
            return
        exc = future.exception()
        if exc is None:
            self._end_reconnecting()
        elif (isinstance(exc, LoginError) and exc.condition == "not-authorized") \
                or self._reconnect_attempts >= RECONNECT_ATTEMPTS:
            self._give_up(getattr(exc, "condition", "") or str(exc))
        else:
            self._schedule_reconnect()

    def _end_reconnecting(self) -> None:
        self._reconnecting = False
        self._reconnect_attempts = 0
        if self._reconnect_timer is not None:
            self._reconnect_timer.cancel()
            self._reconnect_timer = None

    def _give_up(self, condition: str) -> None:
        self._end_reconnecting()
        self.session.forget_stream()
        self.trigger("disconnected", condition)


def make_future() -> asyncio.Future[Any]:
    """A future on the current loop (re-exported for plugins)."""
    return new_future()


__all__ = ["Converse", "logger", "make_future"]
