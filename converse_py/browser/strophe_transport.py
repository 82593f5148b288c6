"""The Strophe.js transport (BOSH, or WebSocket (RFC 7395) for ws:// URLs): the only XMPP I/O in the page.

Strophe does the stream, SASL and resource binding. Stanzas cross into Python
as XML text through one catch-all handler (``helpers.stanzaDelivery``) that always
returns true; the stanzas of one BOSH response cross together, in one call, once
Strophe is done with the response (and before any status change it reports after
them). Once logged in over BOSH, a response's text crosses whole instead and is parsed
once, here (``helpers.wholeBodies``). Outgoing stanzas leave Python as XML text and are
parsed once.

XEP-0198 is done in Python (``core/smacks.py``), not by Strophe's own engine (which
is WebSocket-only and off here). For it, ``connect(explicit_bind=True)`` sets
Strophe's ``explicitResourceBinding``: after SASL Strophe reports BINDREQUIRED and
the session either sends ``<resume/>`` or calls ``bind()``. The catch-all handler is
a *system* handler (Strophe's ``_addSysHandler``), installed from BINDREQUIRED on, so
``<resumed/>``/``<failed/>`` reach Python before Strophe counts the stream as
authenticated.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ..core.log import logger
from ..dom.ffi import ProxyKeeper
from ..transport.base import HandledCallback, ScramKeys, StanzaCallback, Status, StatusCallback
from ..transport.inbox import Inbox
from ..xmpp.stanza import parse, parse_bosh_body, serialize
from .jsbridge import jsnull

#: Consecutive failed BOSH requests (connection refused, 5xx) after which the connection counts as
#: lost. Strophe alone retries with cubic backoff for ~100 s before giving up; a dead server is
#: noticed here after ~1 s, so auto_reconnect (and the UI) can act.
BOSH_ERRORS_BEFORE_LOST = 2

_STATUS = {0: Status.ERROR, 1: Status.CONNECTING, 2: Status.CONNFAIL, 3: Status.AUTHENTICATING,
           4: Status.AUTHFAIL, 5: Status.CONNECTED, 6: Status.DISCONNECTED, 7: Status.DISCONNECTING,
           8: Status.ATTACHED, 10: Status.CONNTIMEOUT, 11: Status.BINDREQUIRED, 12: Status.CONNFAIL,
           13: Status.CONNECTING}


class StropheTransport:
    """One ``Strophe.Connection`` to ``url``."""

    def __init__(self, strophe: Any, helpers: Any, url: str, *, keepalive: bool) -> None:
        self.kind = "websocket" if url.startswith(("ws:", "wss:")) else "bosh"
        self._strophe = strophe
        self._helpers = helpers
        options = to_js({"keepalive": bool(keepalive and self.kind == "bosh")},
                        dict_converter=js.Object.fromEntries)
        self._conn = strophe.Strophe.Connection.new(url, options)
        self._proxies = ProxyKeeper()
        self._status_cb = self._proxies.keep(self._on_status)
        self._inbox = Inbox(self._deliver, lambda drain: asyncio.get_event_loop().call_soon(drain),
                            done=self._handled)
        self._delivery = self._helpers.stanzaDelivery(self._proxies.keep(self._on_stanzas))
        self._stanza_cb = self._delivery.handler
        self._handler_ref: Any = None
        self._disposed = False
        self._lost = False
        self._unsent: list[str] = []
        self._pre_auth = False  # open_stream: no login on this stream
        self._open_cb: Any = None
        self.on_status: StatusCallback = lambda status, condition: None
        self.on_stanza: StanzaCallback = lambda xml: None
        self.on_handled: HandledCallback = lambda: None
        self._release_held: Any = None
        #: BOSH responses whose stanzas were parsed in one go from the response's text
        #: (``helpers.wholeBodies``), not one by one through Strophe's DOM.
        self.whole_bodies = 0
        if self.kind == "bosh":
            # Once logged in, a response is parsed once, here, not by Strophe and then again.
            self._helpers.wholeBodies(self._conn, self._delivery, self._proxies.keep(self._on_body))
            # Responses are handled in request order (a slow one is not overtaken by the next).
            self._release_held = self._helpers.orderBoshResponses(self._conn)
            # Requests leave when a task is done, not on Strophe's 100 ms idle timer.
            self._helpers.promptBosh(self._conn)
            on_error = self._proxies.keep(self._on_http_error)
            for code in (0, 502, 503, 504):
                self._conn.addProtocolErrorHandler("HTTP", code, on_error)

    @property
    def bound_jid(self) -> str | None:
        if self._pre_auth:
            return None
        jid = self._conn.jid
        return str(jid) if jid else None

    def connect(self, jid: str, password: str | ScramKeys, *, explicit_bind: bool = False) -> None:
        """Strophe takes the password, or SCRAM keys (its ``Password`` object: it then proves it
        knows them without the clear password, when the server's mechanism, salt and count match)."""
        self._conn.options.explicitResourceBinding = bool(explicit_bind)
        if isinstance(password, ScramKeys):
            secret: Any = to_js({"name": password.name, "iter": password.iter, "salt": password.salt,
                                 "ck": password.ck, "sk": password.sk}, dict_converter=js.Object.fromEntries)
        else:
            secret = password
        self._conn.connect(jid, secret, self._status_cb)

    def open_stream(self, domain: str) -> None:
        """Open a stream to ``domain`` without logging in (XEP-0077 in-band registration): once the
        server's stream features arrived, ``CONNECTED`` is reported; ``send`` and ``on_stanza``
        then work on the unauthenticated stream (``bound_jid`` stays None)."""
        self._open_cb = self._proxies.keep(self._on_stream_open)
        self._helpers.openStream(self._conn, self._open_cb)
        self._pre_auth = True
        self._conn.connect(domain, "", self._status_cb)

    def _on_stream_open(self, *_: Any) -> None:
        self._delivery.flush()
        if self._disposed:
            return
        self._install_handler()
        self.on_status(Status.CONNECTED, "")

    def forget_password(self) -> ScramKeys | None:
        """Clear Strophe's ``conn.pass`` (a script wrapping Strophe's prototypes could read it) and
        return the SCRAM keys Strophe derived (``conn.scram_keys``), if it used SCRAM."""
        conn = self._conn
        js.Reflect.set(conn, "pass", jsnull)
        keys = conn.scram_keys
        if keys is None or keys is js.undefined or keys is jsnull:
            return None
        try:
            return ScramKeys(name=str(keys.name), iter=int(keys.iter), salt=str(keys.salt),
                             ck=str(keys.ck), sk=str(keys.sk))
        except Exception as exc:  # Strophe changed the shape of scram_keys: no keys, the password goes
            logger.warning("could not read Strophe's SCRAM keys: %s", exc)
            return None

    def bind(self) -> None:
        self._conn.bind()

    def resumed(self, jid: str) -> None:
        """XEP-0198 resumed the session of ``jid``: Strophe's stream is authenticated as that JID."""
        conn = self._conn
        conn.jid = jid
        conn.authenticated = True
        conn.do_bind = False
        self.on_status(Status.CONNECTED, "")

    def attach(self, jid: str, sid: str, rid: int) -> None:
        self._conn.attach(jid, sid, rid, self._status_cb)

    def restore(self, jid: str | None) -> bool:
        try:
            self._conn.restore(jid or js.undefined, self._status_cb)
        except Exception as exc:  # Strophe throws StropheSessionError when nothing is cached
            logger.debug("no BOSH session to restore: %s", exc)
            return False
        return True

    def send(self, xml: str) -> None:
        self._conn.send(self._helpers.parseXML(xml))

    def disconnect(self, reason: str = "") -> None:
        self._conn.disconnect(reason or js.undefined)

    def stream_features(self) -> str | None:
        features = self._conn.features
        if features is None or features is js.undefined or features is jsnull:  # null after a keepalive resume
            return None
        return str(self._helpers.serialize(features))

    def dispose(self) -> None:
        """Terminate the stream; the proxies go once Strophe reports DISCONNECTED (or after a minute)."""
        self._inbox.drain_all()  # what this stream brought is handled before it goes
        self._disposed = True
        if self._handler_ref is not None:
            self._conn.deleteHandler(self._handler_ref)
            self._handler_ref = None
        try:
            self._conn.disconnect("failed")
        except Exception:
            pass
        asyncio.get_event_loop().call_later(60, self._release_proxies)

    def _release_proxies(self) -> None:
        """Unhook the disposed connection's callbacks from Strophe, then destroy their proxies.

        Strophe may still report a status or an HTTP error after DISCONNECTED (a late response);
        a destroyed proxy would throw there ("Object has already been destroyed")."""
        try:
            self._conn.connect_callback = None
            self._conn.protocolErrorHandlers.HTTP = js.Object.new()
        except Exception as exc:  # Strophe internals changed: the proxies still go
            logger.debug("could not unhook the Strophe callbacks: %s", exc)
        self._proxies.destroy_all()

    def tokens(self) -> dict[str, object]:
        if self.kind != "bosh":
            return {"rid": None, "sid": None}
        proto = self._conn._proto
        sid = proto.sid
        rid = proto.rid
        return {"rid": int(rid) if rid else None, "sid": str(sid) if sid else None}

    def _on_status(self, code: int, condition: Any = None, *_: Any) -> None:
        self._delivery.flush()  # stanzas Strophe handled before this change come first
        self._inbox.drain_all()
        status = _STATUS.get(int(code))
        if status is None:
            return
        if self._disposed:
            if status is Status.DISCONNECTED:
                asyncio.get_event_loop().call_soon(self._release_proxies)
            return
        if status in (Status.CONNECTED, Status.ATTACHED, Status.BINDREQUIRED):
            self._install_handler()
        text = "" if condition is None or condition is js.undefined else str(condition)
        self.on_status(status, text)

    def _on_http_error(self, status: Any = None) -> None:
        """A BOSH request failed; after a few in a row, give the connection up (CONNTIMEOUT). The
        same while the session is being created if the browser says it is offline: Strophe would
        retry with growing pauses (8 s, 27 s …) past the login timeout, when the reconnection loop
        (and the browser's ``online`` event) can try again sooner. (Online, a session being created
        is left to Strophe's retries: a server answering 503 for a moment is waited for.)"""
        errors = int(getattr(self._conn._proto, "errors", 0) or 0)
        if self._disposed or self._lost or errors < BOSH_ERRORS_BEFORE_LOST:
            return
        if not self._conn.connected and bool(getattr(js.navigator, "onLine", True)):
            return
        self._lost = True
        if self._conn.connected:
            logger.info("BOSH: %d requests failed in a row (last status %s): connection lost", errors, status)
        else:
            logger.info("BOSH: %d requests failed while connecting (last status %s)", errors, status)
        # Not from inside Strophe's request callback: let it finish first.
        asyncio.get_event_loop().call_soon(self._give_up)

    def _give_up(self) -> None:
        if not self._disposed:
            if self._release_held is not None:
                self._release_held()  # responses that did arrive, held for an earlier one: in order
            self._delivery.flush()  # and their stanzas reach Python before the connection is lost
            self._unsent = self._pending_stanzas()
            self._conn.reset()
            self.on_status(Status.CONNTIMEOUT, "connection-lost")

    def _pending_stanzas(self) -> list[str]:
        """Stanzas still in Strophe's failed BOSH requests and its send queue, as XML text."""
        out: list[str] = []
        try:
            for request in self._conn._proto._requests:
                body = parse(str(request.data))
                out.extend(serialize(child) for child in body)
            for item in self._conn._data:
                if not isinstance(item, str):
                    out.append(str(self._helpers.serialize(item)))
        except Exception as exc:  # Strophe internals changed: nothing to salvage, but say so
            logger.warning("could not read the stanzas of the lost BOSH connection: %s", exc)
        return list(dict.fromkeys(out))

    def take_unsent(self) -> list[str]:
        """What the given-up connection never delivered (once)."""
        unsent, self._unsent = self._unsent, []
        return unsent

    def _install_handler(self) -> None:
        """(Re)install the catch-all handler: Strophe clears its handlers when a session ends."""
        if self._handler_ref is not None:
            try:
                self._conn.deleteHandler(self._handler_ref)
            except Exception:
                pass
        # A system handler runs before Strophe counts the stream as authenticated (needed for the
        # XEP-0198 <resumed/>); Strophe still clears it when the stream ends.
        self._handler_ref = self._conn._addSysHandler(self._stanza_cb, None, None, None, None)

    def _on_stanzas(self, joined: str) -> None:
        """The stanzas of one BOSH response (or one WebSocket frame), NUL-separated, in order
        (a large batch is handled over several tasks: transport/inbox.py)."""
        self._inbox.push(joined.split("\x00"))

    def _on_body(self, text: str) -> bool:
        """A whole BOSH response's text (``helpers.wholeBodies``): its stanzas go to the inbox as
        elements. False, taking nothing, for anything but an ordinary body: Strophe handles it."""
        try:
            stanzas = parse_bosh_body(text) if isinstance(text, str) else None
        except Exception:  # nothing taken yet: Strophe's way loses nothing
            logger.exception("a BOSH response could not be parsed whole")
            return False
        if stanzas is None:
            return False
        self.whole_bodies += 1
        if stanzas:
            try:
                self._inbox.push(stanzas)
            except Exception:  # taken: handing it to Strophe too would deliver it twice
                logger.exception("stanza callback raised")
        return True

    def _deliver(self, stanza: str | ET.Element) -> None:
        self.on_stanza(stanza)

    def _handled(self) -> None:
        self.on_handled()
