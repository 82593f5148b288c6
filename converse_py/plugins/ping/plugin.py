"""XEP-0199 ping: answers the server's and contacts' pings, pings the server when the session has
been idle for ``ping_interval`` seconds (so idle sessions and NAT mappings stay alive), and offers
``api.ping(jid, timeout)`` as Converse.js does.

Declared in ``PingPlugin``: the ``ping_interval`` setting and the ``keepalivePing`` event.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

from ...core.clock import Timer
from ...core.converse import Converse
from ...core.errors import ConverseError, IQError, IQTimeoutError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...xmpp.jid import JID
from .stanzas import is_ping, ping_iq, pong

#: Seconds to wait for a keepalive answer.
PING_TIMEOUT = 10.0


class PingAPI:
    """``_converse.api.ping`` (plugin ``converse-ping``): XEP-0199 ping."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    async def ping(self, jid: str | None = None, timeout: float | None = None) -> bool:
        """Ping ``jid`` (your server when omitted): true when it answered (a result, or an error reply:
        either proves it is reachable), false when nothing came back within ``timeout`` ms (default 10 s)
        or the connection was lost.

        JS: ``const alive = await _converse.api.ping('localhost', 5000);``
        Python: ``alive = await api.ping("localhost", 5000)``
        """
        session = self._converse.session
        if jid is not None and not isinstance(jid, str):
            raise ConverseError(f"ping: jid must be a string, got {type(jid).__name__}")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))):
            raise ConverseError(f"ping: timeout must be a number of milliseconds, got {type(timeout).__name__}")
        to = jid or (JID.parse(session.jid).domain if session.jid else None)
        try:
            await session.send_iq(ping_iq(to), timeout=(timeout / 1000.0) if timeout else PING_TIMEOUT)
        except IQError as exc:
            return exc.stanza is not None  # an error reply still proves it is reachable (XEP-0199 §4.2)
        except IQTimeoutError:
            return False
        return True


class PingPlugin(Plugin):
    """XEP-0199: answers pings, pings the server when idle, offers ``api.ping``."""

    name = "converse-ping"
    settings = {
        "ping_interval": Setting(
            60, (int, float), "XEP-0199: ping the server after this many seconds without incoming traffic "
            "(0 turns the keepalive off); pings are always answered."),
    }
    events = {
        "keepalivePing": EventDoc("the round trip in ms, or null", "the session was idle for ping_interval "
                                  "seconds and the server was pinged (XEP-0199); null when it did not answer "
                                  "in time"),
    }
    features = ("urn:xmpp:ping",)

    def initialize(self) -> None:
        converse = self._converse
        self._timer: Timer | None = None
        self._seen = 0
        converse.session.add_handler("iq", self.on_iq)
        self.api = PingAPI(converse)
        converse.api.add_grouping("ping", self.api.ping)
        converse.api.listen.on("connected", self._start)
        converse.api.listen.on("streamResumed", self._start)
        converse.api.listen.on("disconnected", self._stop)
        converse.api.listen.on("will-reconnect", self._stop)
        converse.api.listen.on("logout", self._stop)

    def on_iq(self, stanza: ET.Element) -> bool:
        if not is_ping(stanza):
            return False
        self._converse.session.send_element(pong(stanza))
        return True

    # -- keepalive --------------------------------------------------------------------------
    def _interval(self) -> float:
        try:
            return float(self._converse.settings.get("ping_interval") or 0)
        except (TypeError, ValueError):
            return 0.0

    def _start(self, *_: Any) -> None:
        self._stop()
        interval = self._interval()
        if interval > 0:
            self._seen = self._converse.session.stanzas_received
            self._timer = self._converse.clock.call_later(interval, self._tick)

    def _stop(self, *_: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        self._timer = None
        session = self._converse.session
        if not session.connected:
            return
        idle = session.stanzas_received == self._seen
        self._seen = session.stanzas_received
        if idle:
            asyncio.ensure_future(self._keepalive())
        interval = self._interval()
        if interval > 0:
            self._timer = self._converse.clock.call_later(interval, self._tick)

    async def _keepalive(self) -> None:
        clock = self._converse.clock
        started = clock.now()
        alive = await self.api.ping()
        rtt = round((clock.now() - started) * 1000) if alive else None
        if not alive:
            logger.warning("the server did not answer a keepalive ping")
        self._converse.trigger("keepalivePing", rtt)
