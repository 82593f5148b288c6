"""The XMPP session: login, stanza dispatch, IQ tracking, and the offline outbox.

The session owns the transport. Incoming XML text is parsed once here and
dispatched to the handlers plugins registered; anything malformed or hostile is
logged and dropped, and never stops the client. Stanzas sent while offline wait
in an outbox and go out, in order, once connected.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any, Callable

from ..transport.base import Status, Transport
from ..xmpp import ns
from ..xmpp.errors import parse_error
from ..xmpp.jid import JID
from ..xmpp.stanza import StanzaParseError, error_reply, local_name, new_id, parse, serialize
from .aio import loop, new_future
from .errors import ConverseError, IQError, IQTimeoutError, NotConnectedError
from .log import logger, redact

if TYPE_CHECKING:
    from .converse import Converse

StanzaHandler = Callable[[ET.Element], Any]

#: Default seconds before an IQ without a reply fails.
IQ_TIMEOUT = 20.0
#: Most stanzas kept while offline; beyond it ``send`` raises instead of silently dropping.
OUTBOX_LIMIT = 1000


class LoginError(ConverseError):
    """Login failed. ``condition`` is the transport's reason (e.g. ``not-authorized``)."""

    def __init__(self, message: str, condition: str = "") -> None:
        super().__init__(message)
        self.condition = condition


class Session:
    """One client session over one transport."""

    def __init__(self, converse: Converse, transport_factory: Callable[[], Transport]) -> None:
        self.converse = converse
        self._transport_factory = transport_factory
        self._transport: Transport | None = None
        self.status: Status = Status.DISCONNECTED
        self.jid: str | None = None
        self.outbox: list[str] = []
        self.handlers: dict[str, list[StanzaHandler]] = {"message": [], "presence": [], "iq": []}
        self._pending_iqs: dict[str, tuple[asyncio.Future[ET.Element], str | None, asyncio.TimerHandle | None]] = {}
        self._login_future: asyncio.Future[str] | None = None
        self._was_connected = False
        self._closing = False
        self.stanzas_received = 0  # since the last (re)connection

    @property
    def transport(self) -> Transport:
        """The transport, made on first use (its URL comes from the settings at that moment)."""
        if self._transport is None:
            transport = self._transport_factory()
            transport.on_status = lambda status, condition: self._on_status_from(transport, status, condition)
            transport.on_stanza = lambda xml: self.receive(xml) if transport is self._transport else None
            self._transport = transport
        return self._transport

    def _discard_transport(self) -> None:
        """Drop a transport whose login failed: Strophe keeps a half-open BOSH session after
        AUTHFAIL, so the next attempt starts on a fresh one. Late callbacks of this one are ignored."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.dispose()

    def reset_transport(self) -> None:
        """Start the next login on a fresh transport (used before reconnecting)."""
        if self.status is Status.DISCONNECTED:
            self._discard_transport()
    def _leave_closing_transport(self) -> None:
        """A login right after ``disconnect()`` starts on a fresh transport: the old stream's
        late answers (ejabberd ends its pending BOSH request with ``terminate``/``other-request``)
        must not fail the new attempt. The logout completes at once for the listeners."""
        if self._transport is None or not self._closing:
            return
        if self.status is not Status.DISCONNECTED:
            self._on_status(Status.DISCONNECTED, "logout")
        self._discard_transport()

    def _on_status_from(self, transport: Transport, status: Status, condition: str) -> None:
        if transport is self._transport:
            self._on_status(status, condition)

    def server_supports(self, namespace_uri: str) -> bool:
        """True when the stream features advertise an element in ``namespace_uri``."""
        features = self._transport.stream_features() if self._transport is not None else None
        if not features:
            return False
        try:
            parsed = parse(features)
        except StanzaParseError:
            return False
        return any(child.tag.startswith("{" + namespace_uri + "}") for child in parsed)

    def tokens(self) -> dict[str, object]:
        """The transport's session tokens (``rid``/``sid``), empty before any connection."""
        return self._transport.tokens() if self._transport is not None else {}

    # -- state -------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """True while the stream is up and authenticated."""
        return self.status in (Status.CONNECTED, Status.ATTACHED)

    def login(self, jid: str, password: str) -> asyncio.Future[str]:
        """Connect and authenticate; the future gives the bound full JID or fails with LoginError."""
        JID.parse(jid)  # raises ValueError naming the bad JID before any network I/O
        if not isinstance(password, str) or not password:
            raise ConverseError("login: a password is required")
        self._leave_closing_transport()
        future = self._new_login_future()
        self._closing = False
        self.transport.connect(jid, password)
        return future

    def attach(self, jid: str, sid: str, rid: int) -> asyncio.Future[str]:
        """Attach to a prebound BOSH session."""
        JID.parse(jid)
        self._leave_closing_transport()
        future = self._new_login_future()
        self._closing = False
        self.transport.attach(jid, sid, rid)
        return future

    def restore(self, jid: str | None = None) -> asyncio.Future[str] | None:
        """Resume a kept-alive session after reload; None when there is nothing to resume
        (or when a login is already under way, e.g. started by an ``initialized`` listener)."""
        if self._login_future is not None and not self._login_future.done():
            return None
        future = self._new_login_future()
        self._closing = False
        if self.transport.restore(jid):
            return future
        self._login_future = None
        return None

    def disconnect(self, reason: str = "logout") -> None:
        """Close the stream on purpose (no reconnect); queued stanzas are kept for the next login."""
        self._closing = True
        if self.status is not Status.DISCONNECTED and self._transport is not None:
            self._transport.disconnect(reason)

    def _new_login_future(self) -> asyncio.Future[str]:
        if self._login_future is not None and not self._login_future.done():
            self._login_future.cancel()
        self._login_future = new_future()
        return self._login_future

    def _on_status(self, status: Status, condition: str) -> None:
        previous, self.status = self.status, status
        logger.debug("connection status %s %s", status.value, condition)
        self.converse.trigger("connectionStatusChanged", status.value, condition)
        if status in (Status.CONNECTED, Status.ATTACHED):
            self.jid = self.transport.bound_jid
            self.stanzas_received = 0
            reconnect = self._was_connected
            self._was_connected = True
            self._flush_outbox()
            self._settle_login(result=self.jid)
            self.converse.on_connected(reconnected=reconnect)
        elif status is Status.AUTHFAIL:
            self._settle_login(error=LoginError(
                "Authentication failed: wrong JID or password", condition or "not-authorized"))
            self._fail_attempt(previous)
        elif status in (Status.CONNFAIL, Status.CONNTIMEOUT, Status.ERROR):
            self._settle_login(error=LoginError(
                f"Could not connect ({condition or status.value})", condition or status.value))
            self._fail_attempt(previous)
        elif status is Status.DISCONNECTED:
            self._fail_pending_iqs()
            self._settle_login(error=LoginError("Disconnected before the login completed", condition))
            if previous is not Status.DISCONNECTED:
                self.converse.on_disconnected(deliberate=self._closing, condition=condition)

    def _fail_attempt(self, previous: Status) -> None:
        was_up = previous in (Status.CONNECTED, Status.ATTACHED)
        self._discard_transport()
        self.status = Status.DISCONNECTED
        self._fail_pending_iqs()
        if was_up:
            self.converse.on_disconnected(deliberate=False, condition="connfail")
        self.converse.trigger("connectionStatusChanged", Status.DISCONNECTED.value, "")

    def _settle_login(self, result: str | None = None, error: Exception | None = None) -> None:
        future, self._login_future = self._login_future, None
        if future is None or future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result or "")

    # -- sending ----------------------------------------------------------------------
    def send(self, xml: str) -> bool:
        """Send XML text now, or queue it while offline. Returns True if it went out now."""
        if self.connected:
            self._log_out(xml)
            self.transport.send(xml)
            return True
        if len(self.outbox) >= OUTBOX_LIMIT:
            raise NotConnectedError(
                f"not connected and {OUTBOX_LIMIT} stanzas are already waiting to be sent")
        self.outbox.append(xml)
        return False

    def send_element(self, el: ET.Element) -> bool:
        """``send`` for an ElementTree element."""
        return self.send(serialize(el))

    def send_iq(self, el: ET.Element, timeout: float | None = IQ_TIMEOUT) -> asyncio.Future[ET.Element]:
        """Send an IQ get/set; the future gives the result stanza, or fails with IQError/IQTimeoutError."""
        if local_name(el.tag) != "iq" or el.get("type") not in ("get", "set"):
            raise ConverseError("sendIQ: expected an <iq type='get'|'set'/> stanza")
        iq_id = el.get("id") or new_id()
        el.set("id", iq_id)
        future: asyncio.Future[ET.Element] = new_future()
        timer = None
        if timeout:
            timer = loop().call_later(timeout, self._expire_iq, iq_id, timeout)
        self._pending_iqs[iq_id] = (future, el.get("to"), timer)
        self.send_element(el)
        return future

    def _expire_iq(self, iq_id: str, timeout: float) -> None:
        entry = self._pending_iqs.pop(iq_id, None)
        if entry and not entry[0].done():
            entry[0].set_exception(IQTimeoutError(f"IQ {iq_id} got no reply within {timeout:g} s"))

    def _fail_pending_iqs(self) -> None:
        pending, self._pending_iqs = self._pending_iqs, {}
        for iq_id, (future, _to, timer) in pending.items():
            if timer:
                timer.cancel()
            if not future.done():
                future.set_exception(IQError(f"IQ {iq_id}: disconnected before a reply"))

    def _flush_outbox(self) -> None:
        queued, self.outbox = self.outbox, []
        for xml in queued:
            self._log_out(xml)
            self.transport.send(xml)

    def _log_out(self, xml: str) -> None:
        if self.converse.settings.get("debug"):
            logger.info("SENT %s", redact(xml))

    # -- receiving --------------------------------------------------------------------
    def add_handler(self, kind: str, handler: StanzaHandler) -> None:
        """Call ``handler(element)`` for each incoming ``message``/``presence``/``iq``.

        An IQ handler returns True when it handled (and answered) the IQ.
        """
        self.handlers[kind].append(handler)

    def receive(self, xml: str) -> None:
        """Entry point for the transport: one stanza as XML text. Never raises."""
        try:
            if self.converse.settings.get("debug"):
                logger.info("RECV %s", redact(xml[:4000]))
            el = parse(xml)
            self.stanzas_received += 1
        except StanzaParseError as exc:
            logger.warning("dropped an incoming stanza: %s", exc)
            return
        except Exception:
            logger.exception("dropped an incoming stanza")
            return
        try:
            self._dispatch(el)
        except Exception:
            logger.exception("error while handling a %s stanza", local_name(el.tag))

    def _dispatch(self, el: ET.Element) -> None:
        kind = local_name(el.tag)
        if kind not in self.handlers:
            return  # stream features, SM acks etc. are the transport's business
        if kind == "iq" and el.get("type") in ("result", "error") and self._settle_iq(el):
            return
        handled = False
        for handler in list(self.handlers[kind]):
            try:
                handled = bool(handler(el)) or handled
            except Exception:
                logger.exception("%s handler %r raised", kind, getattr(handler, "__name__", handler))
        if kind == "iq" and el.get("type") in ("get", "set") and not handled:
            self.send_element(error_reply(el, "cancel", "service-unavailable"))
        self.converse.trigger("stanza", el)

    def _settle_iq(self, el: ET.Element) -> bool:
        iq_id = el.get("id") or ""
        entry = self._pending_iqs.get(iq_id)
        if entry is None:
            return False
        future, to, timer = entry
        if not self._reply_from_ok(el.get("from"), to):
            logger.warning("ignored an IQ reply to %s from an unexpected sender", iq_id)
            return True
        del self._pending_iqs[iq_id]
        if timer:
            timer.cancel()
        if future.done():
            return True
        if el.get("type") == "result":
            future.set_result(el)
        else:
            error = parse_error(el)
            future.set_exception(IQError(f"IQ {iq_id} failed: {error}", el, error))
        return True

    def _reply_from_ok(self, sender: str | None, to: str | None) -> bool:
        """RFC 6120 §8.1.2.1: a reply comes from where the request went (our account when ``to`` was empty)."""
        try:
            sender_jid = JID.parse(sender) if sender else None
            target = JID.parse(to) if to else None
        except ValueError:
            return False
        if target is None:  # addressed to our own account: no from, our bare JID, or our server
            if sender_jid is None:
                return True
            own = JID.parse(self.jid) if self.jid else None
            return own is not None and sender_jid.full in (own.bare, own.domain, own.full)
        if sender_jid is None:
            return False
        return sender_jid.full == target.full or (not target.resource and sender_jid.bare == target.bare)


def own_bare(session: Session) -> str | None:
    """The session's bare JID, or None before login."""
    return JID.parse(session.jid).bare if session.jid else None


__all__ = ["IQ_TIMEOUT", "LoginError", "Session", "ns", "own_bare"]
