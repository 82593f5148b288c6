"""Logging in, logging out, and reconnecting: the part of the client that decides *when* to connect.

``Connection`` turns the ``api.user.login`` arguments (or the ``jid``/``password``,
``credentials_url`` and ``prebind`` settings) into a session login, finds the server's URLs with
XEP-0156 when none is configured, resumes a kept-alive session after a reload, and, after an
unexpected loss, retries with growing delays on ``converse.clock`` (``RECONNECTING`` in
``connection_state``) until the stream is back or it gives up. The session reports what happened
through ``on_connected`` / ``on_resumed`` / ``on_disconnected``.

>>> import asyncio
>>> from converse_py.core.clock import ManualClock
>>> from converse_py.core.converse import Converse
>>> from converse_py.transport.fake import FakeTransport
>>> async def demo():
...     transport, clock, seen = FakeTransport(), ManualClock(), []
...     c = Converse(lambda: transport, clock=clock)
...     await c.initialize({"auto_reconnect": True})
...     for name in ("will-reconnect", "reconnected"):
...         c.api.listen.on(name, lambda *_a, n=name: seen.append(n))
...     await c.api.user.login({"jid": "alice@localhost", "password": "secret"})
...     transport.drop()
...     seen.append(c.connection.state.state.value)
...     clock.advance(RECONNECT_DELAYS[0])
...     return seen, c.api.connection.connected
>>> asyncio.run(demo())
(['will-reconnect', 'reconnecting', 'reconnected'], True)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..transport.choice import connection_urls, host_meta_url, parse_host_meta
from ..xmpp.jid import JID
from .clock import Timer
from .connection_state import ConnectionMachine, State
from .errors import ConverseError
from .log import logger
from .secret import LoginSecret, ScramKeys
from .session import LoginError

if TYPE_CHECKING:
    from .converse import Converse

#: Seconds before each automatic reconnection attempt (the last one repeats); each is shortened by
#: up to a quarter at random (jitter: many clients of one server that went down do not all come
#: back in the same second). The browser's ``online`` event, and the page being shown again, try
#: at once instead of waiting.
RECONNECT_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
#: The part of each delay that is random.
RECONNECT_JITTER = 0.25
#: Attempts before giving up (about ten minutes: Prosody keeps a lost XEP-0198 session that long).
RECONNECT_ATTEMPTS = 25


class Connection:
    """Login, logout and the reconnection loop of one ``Converse``."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        # What logs in again (see core/secret.py): the only holder of the password once the
        # login has started, and only while something may still need it. Never logged.
        self._secret: LoginSecret | None = None
        self.reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS
        self.reconnect_attempts_max = RECONNECT_ATTEMPTS
        self._attempts = 0
        self._timer: Timer | None = None
        self._watching = False

    @property
    def state(self) -> ConnectionMachine:
        """The connection's state machine (the session's)."""
        return self.converse.session.state

    @property
    def reconnecting(self) -> bool:
        """True between ``will-reconnect`` and the stream coming back (or ``disconnected``)."""
        return self.state.reconnecting

    # -- start-up ----------------------------------------------------------------------------
    def start(self) -> None:
        """After ``initialize``: resume the kept-alive session, or log in when ``auto_login`` is on."""
        if self._try_restore():
            return
        if self.converse.settings.get("auto_login"):
            self._start_auto_login()

    def _try_restore(self) -> bool:
        """keepalive: resume the BOSH session this tab had before a reload (Strophe caches
        jid/sid/rid, never the password, in sessionStorage). False when there is none."""
        settings = self.converse.settings
        if not settings.get("keepalive") or not settings.get("bosh_service_url") or settings.get("prebind"):
            return False
        future = self.converse.session.restore(settings.get("jid"))
        if future is None:
            return False

        def restored(done: asyncio.Future[str]) -> None:
            if done.cancelled() or done.exception() is None:
                return
            logger.info("could not resume the kept-alive session: %s", done.exception())
        future.add_done_callback(restored)
        self.converse.events.once("disconnected", self._after_restored_session_dropped)
        return True

    def _after_restored_session_dropped(self, condition: str = "") -> None:
        """A resumed session that died before any stanza came back was stale (server restarted,
        session expired): log in afresh when we may."""
        if self.converse.session.stanzas_received == 0 and self.converse.settings.get("auto_login"):
            logger.info("the kept-alive session was stale; logging in again")
            self._start_auto_login()

    def _start_auto_login(self) -> None:
        async def run() -> None:
            try:
                await self.login(None)
            except Exception as exc:
                self.converse.platform.error(f"converse-py: auto_login failed: {exc}")
        asyncio.ensure_future(run())

    # -- login / logout ------------------------------------------------------------------------
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
            return self.login_with(jid, password)
        return asyncio.ensure_future(self._login_without_credentials())

    def remember(self, jid: str, password: str) -> None:
        """Keep ``password`` for a later ``login()`` without arguments (the ``password`` setting)."""
        self._secret = LoginSecret(jid, password)

    def password_changed(self, password: str) -> None:
        """The account's password was changed (XEP-0077 §3.3): what logs in again, if anything is
        kept, becomes the new password (SCRAM keys of the old one no longer work; the next login
        derives keys from the new one and drops it again, see ``on_authenticated``)."""
        if self._secret is not None:
            self._secret = LoginSecret(self._secret.jid, password)

    @property
    def can_log_in_again(self) -> bool:
        """True while a login secret is kept (a password, or SCRAM keys derived from it)."""
        return self._secret is not None

    def login_with(self, jid: str, password: str | ScramKeys) -> asyncio.Future[str]:
        """Log in as ``jid``: a login asked for now replaces any automatic one."""
        self._stop_retrying()
        if self._needs_discovery():
            try:
                domain = JID.parse(jid).domain
            except ValueError as exc:
                raise ConverseError(f"user.login: {exc}") from None
            self._secret = LoginSecret(jid, password)
            return asyncio.ensure_future(self._discover_then_login(domain))
        kept, self._secret = self._secret, LoginSecret(jid, password)  # before: authentication may end at once
        try:
            return self.converse.session.login(jid, password)
        except ValueError as exc:
            self._secret = kept
            raise ConverseError(f"user.login: {exc}") from None
        except BaseException:
            self._secret = kept
            raise

    def on_authenticated(self, keys: ScramKeys | None) -> None:
        """SASL succeeded (the transport has dropped its copy of the password). Keep what may log in
        again only if reconnection may need it (``auto_reconnect`` or ``enable_smacks``), and then
        the SCRAM ``keys`` derived from the password rather than the password itself when there are
        some (a server without SCRAM leaves the password here)."""
        secret = self._secret
        if secret is None:
            return
        settings = self.converse.settings
        if not (settings.get("auto_reconnect") or settings.get("enable_smacks")):
            self._secret = None
        elif keys is not None:
            self._secret = LoginSecret(secret.jid, keys)

    async def _login_without_credentials(self) -> str:
        settings = self.converse.settings
        if settings.get("prebind") or settings.get("authentication") == "prebind":
            url = settings.get("prebind_url")
            if not url:
                raise ConverseError("user.login: prebind is on but prebind_url is not set")
            data = await self._fetch_credentials(url, ("jid", "sid", "rid"), "prebind_url")
            return await self.converse.session.attach(str(data["jid"]), str(data["sid"]), int(data["rid"]))
        if settings.get("credentials_url"):
            data = await self._fetch_credentials(settings.get("credentials_url"), ("jid", "password"),
                                                 "credentials_url")
            return await self.login_with(str(data["jid"]), str(data["password"]))
        if self._secret is not None and self._secret.jid:
            return await self.login_with(self._secret.jid, self._secret.value)
        raise ConverseError("user.login: no credentials: pass {jid, password}, or set jid and password, "
                            "credentials_url, or prebind with prebind_url")

    async def _fetch_credentials(self, url: str, keys: tuple[str, ...], setting: str) -> Mapping[str, Any]:
        try:
            data = await self.converse.platform.fetch_json(url)
        except Exception as exc:
            raise ConverseError(f"user.login: could not fetch {setting} ({exc})") from None
        if not isinstance(data, Mapping) or any(not data.get(k) for k in keys):
            raise ConverseError(f"user.login: {setting} must return JSON with {', '.join(keys)}")
        return data

    def logout(self) -> None:
        """See ``api.user.logout``."""
        self._secret = None
        retrying = self.reconnecting
        self.converse.session.disconnect("logout")
        if retrying:
            self._give_up("logout")
        self.converse.trigger("logout")

    # -- XEP-0156 --------------------------------------------------------------------------------
    def _needs_discovery(self) -> bool:
        settings = self.converse.settings
        return (not connection_urls(settings.get) and bool(settings.get("discover_connection_methods"))
                and not self.converse.session.discovered and getattr(self.converse.platform, "can_fetch", True))

    async def _discover_then_login(self, domain: str) -> str:
        await self.discover_connection_methods(domain)
        secret = self._secret
        if secret is None:
            raise ConverseError("user.login: logged out while the connection methods were looked up")
        return await self.converse.session.login(secret.jid, secret.value)  # with nothing found, the host says what is missing

    async def discover_connection_methods(self, domain: str) -> dict[str, str]:
        """XEP-0156: read ``domain``'s host-meta (the ``host_meta_url`` setting says where; by default
        ``https://<domain>/.well-known/host-meta``, then ``host-meta.json``) and remember the
        WebSocket and BOSH URLs it lists. Fires ``connectionMethodsDiscovered`` with them."""
        first = host_meta_url(self.converse.settings.get("host_meta_url"), domain)
        urls = [first]
        if first.endswith("/host-meta"):
            urls.append(first + ".json")
        found: dict[str, str] = {}
        for url in urls:
            try:
                text = await self.converse.platform.fetch_text(url)
            except Exception as exc:
                logger.info("XEP-0156: no host-meta at %s (%s)", url, exc)
                continue
            found = parse_host_meta(text)
            if found:
                break
        self.converse.session.discovered = found
        self.converse.trigger("connectionMethodsDiscovered", dict(found))
        return found

    # -- called by the session -------------------------------------------------------------------
    def on_connected(self, *, reconnected: bool) -> None:
        """The stream is up and bound."""
        self._cancel_timer()
        if reconnected:
            self.converse.trigger("reconnected")
        self.converse.trigger("connected", self.converse.session.jid)

    def on_resumed(self, *, first_in_page: bool = False) -> None:
        """A lost stream was resumed (XEP-0198): the session goes on as if it never dropped, so
        ``connected`` and ``reconnected`` do not fire again; ``streamResumed`` does. On a page that
        just loaded (the stream of the page before a reload), ``connected`` fires too: its plugins
        have no state yet."""
        self._cancel_timer()
        jid = self.converse.session.jid
        self.converse.trigger("streamResumed", jid)
        if first_in_page:
            self.converse.trigger("connected", jid)
        else:
            self.converse.promises.resolve("connected", jid)

    def on_disconnected(self, *, deliberate: bool, condition: str, retrying: bool) -> None:
        """The stream is gone (``deliberate`` when we closed it; ``retrying`` when it was an attempt of
        the reconnection loop, which goes on). An unexpected loss is followed by reconnection attempts
        (``will-reconnect``) when ``auto_reconnect`` is on, or when a XEP-0198 session can be
        resumed; ``disconnected`` fires once they give up."""
        self.converse.promises.reset("connected")
        if retrying:
            return
        if not deliberate and self._may_reconnect():
            self._attempts = 0
            self.state.to(State.RECONNECTING, condition)
            self.converse.trigger("will-reconnect")
            self._schedule()
            return
        self.converse.trigger("disconnected", condition)

    # -- automatic reconnection ------------------------------------------------------------------
    def _may_reconnect(self) -> bool:
        if self._secret is None or not self._secret.jid:
            return False
        settings = self.converse.settings
        return bool(settings.get("auto_reconnect")) or (
            bool(settings.get("enable_smacks")) and self.converse.session.sm.can_resume())

    def _schedule(self) -> None:
        delays = self.reconnect_delays
        delay = delays[min(self._attempts, len(delays) - 1)] * (1 - RECONNECT_JITTER * random.random())
        self._attempts += 1
        self._watch_host()
        self._timer = self.converse.clock.call_later(delay, self._reconnect)

    def _watch_host(self) -> None:
        """Once: the host's ``online`` event and the page being shown again end a wait early."""
        if self._watching:
            return
        self._watching = True
        platform = self.converse.platform
        platform.watch_online(self.retry_now)
        platform.watch_visibility(lambda hidden: None if hidden else self.retry_now())

    def retry_now(self) -> None:
        """While waiting between reconnection attempts: try now (the network is back, the page is
        shown again). Nothing while connected, or while an attempt is under way.

        >>> from converse_py.core.converse import Converse
        >>> Converse(lambda: None).connection.retry_now()  # not reconnecting: nothing happens
        """
        if self._timer is None or self.state.state is not State.RECONNECTING:
            return
        logger.info("reconnecting now: the network or the page is back")
        self._cancel_timer()
        self._reconnect()

    def _reconnect(self) -> None:
        self._timer = None
        if self.state.state is not State.RECONNECTING:
            return
        secret = self._secret
        if secret is None or not secret.jid:
            self._give_up("no credentials")
            return
        logger.info("reconnecting (attempt %d)", self._attempts)
        try:
            future = self.converse.session.login(secret.jid, secret.value, reconnect=True)
        except Exception as exc:
            self._give_up(str(exc))
            return
        future.add_done_callback(self._reconnect_done)

    def _reconnect_done(self, future: asyncio.Future[str]) -> None:
        if future.cancelled() or not self.reconnecting:
            return
        exc = future.exception()
        if exc is None:
            return  # CONNECTED ended the loop
        if (isinstance(exc, LoginError) and exc.condition == "not-authorized") \
                or self._attempts >= self.reconnect_attempts_max:
            self._give_up(getattr(exc, "condition", "") or str(exc))
        elif self.state.state is State.RECONNECTING:
            self._schedule()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _stop_retrying(self) -> None:
        """A login asked for now: the loop's waiting or its attempt in progress is over (no event)."""
        self._cancel_timer()
        self._attempts = 0
        if self.state.state is State.RECONNECTING:
            self.state.to(State.DISCONNECTED, "login")
        self.state.stop_retrying()

    def _give_up(self, condition: str) -> None:
        self._cancel_timer()
        self._attempts = 0
        if self.state.state is State.RECONNECTING:
            self.state.to(State.DISCONNECTED, condition)
        self.state.stop_retrying()
        self.converse.session.forget_stream()
        self.converse.trigger("disconnected", condition)


__all__ = ["RECONNECT_ATTEMPTS", "RECONNECT_DELAYS", "Connection"]
