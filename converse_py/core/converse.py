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
from typing import Any, Callable, Mapping

from ..transport.base import Transport
from .aio import new_future
from .api import API
from .errors import ConverseError, SettingsError
from .events import EventBus
from .log import logger
from .platform import NullPlatform, Platform
from .pluggable import PluginFailure, PluginRegistry
from .promises import PromiseRegistry
from .reconnect import Reconnector
from .session import Session
from .settings import Settings, names

#: The promises of the seed; ``api.waitUntil`` knows all of them from the start.
SEED_PROMISES = (
    "cachedRoster", "chatBoxesFetched", "connected", "pluginsInitialized", "roster",
    "rosterContactsFetched", "rosterGroupsFetched", "rosterInitialized", "statusInitialized",
)


class Converse:
    """One client instance. Made by ``converse.initialize`` (public API) or directly in tests."""

    def __init__(self, transport_factory: Callable[[], Transport] | Callable[..., Transport],
                 registry: PluginRegistry | None = None, platform: Platform | None = None) -> None:
        self.settings = Settings()
        self.events = EventBus()
        self.promises = PromiseRegistry(SEED_PROMISES)
        self.plugins = registry or PluginRegistry()
        self.platform: Platform = platform or NullPlatform()
        self.session = Session(self, lambda: transport_factory())
        self.reconnector = Reconnector(self)
        self.api = API(self)
        self.initialized = False
        self.plugin_failures: list[PluginFailure] = []
        self._credentials: dict[str, str] = {}  # jid/password from initialize: memory only, never logged
        self._reported_unknown: set[str] = set()

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
        self.report_unknown_settings()
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
    def login(self, credentials: Mapping[str, Any] | None, *, automatic: bool = False) -> asyncio.Future[str]:
        """See ``api.user.login``. ``automatic`` marks a reconnection attempt (any other login
        replaces a pending reconnection)."""
        if not automatic:
            self.reconnector.cancel()
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
        try:
            future = self.session.login(jid, password)
        except ValueError as exc:
            raise ConverseError(f"user.login: {exc}") from None
        self._credentials = {"jid": jid, "password": password}
        return future

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
        self.reconnector.cancel()
        self.session.disconnect("logout")
        self.trigger("logout")

    # -- called by the session ----------------------------------------------------------
    def on_connected(self, *, reconnected: bool) -> None:
        """The stream is up and bound."""
        if reconnected:
            self.trigger("reconnected")
        self.trigger("connected", self.session.jid)

    def on_disconnected(self, *, deliberate: bool, condition: str) -> None:
        """The stream is gone (``deliberate`` when we closed it)."""
        self.promises.reset("connected")
        self.trigger("disconnected", condition)
        self.reconnector.on_disconnected(deliberate=deliberate)


def make_future() -> asyncio.Future[Any]:
    """A future on the current loop (re-exported for plugins)."""
    return new_future()


__all__ = ["Converse", "SEED_PROMISES", "logger", "make_future"]
