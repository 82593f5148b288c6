"""A blocking-API XMPP bot: slixmpp on its own asyncio loop in a thread.

Used by the browser tests (and usable from scripts) to play the "other
user". Every public method is safe to call from any thread::

    bot = Bot("bob@localhost", "secret", "127.0.0.1", 5222).start()
    bot.send_message("alice@localhost", "hi")
    sender, body = bot.wait_for_message("hello back")
    bot.stop()
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any, TypeVar
from collections.abc import Callable, Coroutine

import slixmpp
from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

T = TypeVar("T")
#: A received message: (full sender JID, body text).
Received = tuple[str, str]
MessageMatch = str | Callable[[str, str], bool]

log = logging.getLogger(__name__)


class BotError(RuntimeError):
    """Login failed, timed out, or the bot is not running."""


class Bot:
    """One logged-in XMPP session (plain TCP, no TLS: loopback tests only)."""

    def __init__(self, jid: str, password: str, host: str, port: int,
                 resource: str = "bot") -> None:
        self.jid = f"{jid}/{resource}" if "/" not in jid else jid
        self.password = password
        self.host = host
        self.port = port
        self.received: list[Received] = []
        #: Every received message stanza as XML text, bodiless ones too (chat states, receipts, markers).
        self.stanzas: list[str] = []
        self.iq_results: dict[str, str] = {}
        #: Received presences: (full sender JID, type, show, status); type "available" when absent.
        self.presences: list[tuple[str, str, str, str]] = []
        #: Every received presence stanza as XML text (with its jabber:client namespace).
        self.presence_stanzas: list[str] = []
        self.login_seconds = 0.0
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self._error: str | None = None
        self._auth_condition = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"bot {jid}")
        self._stop: asyncio.Event | None = None
        self.xmpp: slixmpp.ClientXMPP | None = None

    # ----- lifecycle --------------------------------------------------
    def start(self, timeout: float = 15.0) -> Bot:
        """Connect, log in, send initial presence; return once usable."""
        began = time.monotonic()
        self._thread.start()
        if not self._ready.wait(timeout):
            self._error = self._error or f"no session after {timeout:.0f}s"
        if self._error:
            self.stop()
            raise BotError(f"{self.jid}: {self._error}")
        self.login_seconds = time.monotonic() - began
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect cleanly and end the thread (idempotent)."""
        if self._thread.is_alive() and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self._ready.is_set()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except Exception as exc:  # surfaced through start()
            self._error = self._error or repr(exc)
            self._ready.set()
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        # Loopback Prosody offers no TLS: allow SCRAM (and PLAIN) in clear.
        xmpp = slixmpp.ClientXMPP(self.jid, self.password, plugin_config={
            "feature_mechanisms": {"unencrypted_scram": True,
                                   "unencrypted_plain": True}})
        xmpp.enable_direct_tls = False
        xmpp.enable_starttls = False
        xmpp.enable_plaintext = True
        xmpp.register_plugin("xep_0199")  # ping: a round-trip barrier
        xmpp.add_event_handler("session_start", self._on_session_start)
        xmpp.add_event_handler("failed_auth", self._on_failed_auth)
        xmpp.add_event_handler("failed_all_auth", lambda _: self._fail(
            f"authentication failed ({self._auth_condition or 'no usable mechanism'})"))
        xmpp.add_event_handler("connection_failed", lambda e: self._fail(f"connection failed: {e}"))
        xmpp.add_event_handler("message", self._on_message)
        xmpp.register_handler(Callback("bot presence", StanzaPath("presence"), self._on_presence))
        # slixmpp's own "message" event skips messages without a body (receipts, markers, chat states)
        xmpp.register_handler(Callback("bot any message", StanzaPath("message"), self._on_any_message))
        xmpp.add_event_handler("groupchat_message", self._on_message)
        for kind in ("result", "error"):
            xmpp.register_handler(Callback(f"bot iq {kind}", StanzaPath(f"iq@type={kind}"),
                                           self._on_iq))
        self.xmpp = xmpp
        try:
            xmpp.connect(self.host, self.port)
            await self._stop.wait()
            await self._disconnect(xmpp)
        finally:
            await self._cancel_leftover_tasks()

    @staticmethod
    async def _disconnect(xmpp: slixmpp.ClientXMPP) -> None:
        if xmpp.transport is None:
            xmpp.abort()
            return
        xmpp.disconnect(wait=1.0)
        try:
            await asyncio.wait_for(xmpp.disconnected, 3)
        except TimeoutError:
            xmpp.abort()

    @staticmethod
    async def _cancel_leftover_tasks() -> None:
        """Finish slixmpp's background tasks before the loop closes (else
        its __del__ later touches a closed loop)."""
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _on_failed_auth(self, failure: Any) -> None:
        self._auth_condition = str(failure["condition"] or "failure")

    def _fail(self, reason: str) -> None:
        self._error = reason
        self._ready.set()
        if self._stop is not None:
            self._stop.set()

    async def _on_session_start(self, _event: Any) -> None:
        assert self.xmpp is not None
        try:
            await self.xmpp.get_roster(timeout=10)
            self.xmpp.send_presence()
            # Once the server answers a ping sent after our presence, the
            # presence has been processed: messages to the bare JID reach us.
            await self.xmpp.plugin["xep_0199"].ping(JID(self.xmpp.boundjid.domain), timeout=10)
        except Exception as exc:
            self._fail(f"session setup failed: {exc!r}")
            return
        self._ready.set()

    def _on_message(self, msg: Any) -> None:
        body = msg["body"]
        if not body:
            return
        with self._cond:
            self.received.append((str(msg["from"]), str(body)))
            self._cond.notify_all()

    def _on_any_message(self, msg: Any) -> None:
        xml = str(msg)  # slixmpp leaves the stream's default namespace out: put it back
        if not xml.startswith("<message xmlns="):
            xml = xml.replace("<message", '<message xmlns="jabber:client"', 1)
        with self._cond:
            self.stanzas.append(xml)
            self._cond.notify_all()

    def _on_presence(self, presence: Any) -> None:
        kind = presence["type"]
        kind = "available" if kind in ("", "available") or kind in ("chat", "away", "dnd", "xa") else kind
        record = (str(presence["from"]), str(kind), str(presence["show"] or ""), str(presence["status"] or ""))
        xml = str(presence)
        if not xml.startswith("<presence xmlns="):
            xml = xml.replace("<presence", '<presence xmlns="jabber:client"', 1)
        with self._cond:
            self.presences.append(record)
            self.presence_stanzas.append(xml)
            self._cond.notify_all()

    def _on_iq(self, iq: Any) -> None:
        with self._cond:
            self.iq_results[str(iq["id"])] = str(iq)
            self._cond.notify_all()

    # ----- calls from other threads -----------------------------------
    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        if not self.running:
            raise BotError(f"{self.jid}: bot is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def send_message(self, to: str, body: str, mtype: str = "chat") -> None:
        """Send a message stanza with ``body``."""
        async def send() -> None:
            assert self.xmpp is not None
            self.xmpp.send_message(mto=JID(to), mbody=body, mtype=mtype)  # type: ignore[arg-type]
        self._call(send())

    def send_presence(self, **kwargs: Any) -> None:
        """Send presence (slixmpp's ``pshow``, ``pstatus``, ``pto``, ``ptype``...)."""
        async def send() -> None:
            assert self.xmpp is not None
            self.xmpp.send_presence(**kwargs)
        self._call(send())

    def send_raw(self, xml: str) -> None:
        """Write raw XML to the stream (must be a complete stanza)."""
        async def send() -> None:
            assert self.xmpp is not None
            self.xmpp.send_raw(xml)
        self._call(send())

    def wait_for_message(self, match: MessageMatch, timeout: float = 10.0) -> Received:
        """First received ``(from, body)`` whose body equals ``match``, or
        for which ``match(from, body)`` is true (earlier messages count)."""
        def ok(item: Received) -> bool:
            return match(*item) if callable(match) else item[1] == match
        found = self._wait(lambda: next((m for m in self.received if ok(m)), None), timeout)
        if found is None:
            raise BotError(f"{self.jid}: no message matching {match!r} in {timeout}s; "
                           f"got {self.received!r}")
        return found

    def wait_for_stanza(self, match: Callable[[ET.Element], bool], timeout: float = 10.0,
                        after: int = 0) -> ET.Element:
        """First received message stanza (from index ``after`` of ``stanzas``) for which
        ``match(element)`` is true; the element is parsed, namespaces in Clark notation."""
        def probe() -> ET.Element | None:
            for xml in self.stanzas[after:]:
                element = ET.fromstring(xml)
                if match(element):
                    return element
            return None
        found = self._wait(probe, timeout)
        if found is None:
            raise BotError(f"{self.jid}: no matching message stanza in {timeout}s; got {self.stanzas[after:]!r}")
        return found

    def wait_for_presence(self, match: Callable[[str, str, str, str], bool],
                          timeout: float = 10.0) -> tuple[str, str, str, str]:
        """First received presence ``(from, type, show, status)`` for which ``match`` is true."""
        found = self._wait(lambda: next((p for p in self.presences if match(*p)), None), timeout)
        if found is None:
            raise BotError(f"{self.jid}: no presence matching in {timeout}s; got {self.presences!r}")
        return found

    def wait_for_iq_result(self, iq_id: str, timeout: float = 10.0) -> str:
        """XML of the result/error IQ answering ``iq_id`` (e.g. after send_raw)."""
        found = self._wait(lambda: self.iq_results.get(iq_id), timeout)
        if found is None:
            raise BotError(f"{self.jid}: no answer to iq {iq_id!r} in {timeout}s")
        return found

    def _wait(self, probe: Callable[[], T | None], timeout: float) -> T | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = probe()
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._cond.wait(left)
