"""The XMPP session: login, stanza dispatch, IQ tracking, and the offline outbox.

The session owns the transport. Incoming XML text is parsed once here and
dispatched to the handlers plugins registered; anything malformed or hostile is
logged and dropped, and never stops the client. Stanzas sent while offline wait
in an outbox and go out, in order, once connected.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from ..transport.base import Status, Transport
from ..transport.choice import pick_url
from ..xmpp import ns
from ..xmpp.errors import parse_error
from ..xmpp.jid import JID
from ..xmpp.stanza import StanzaParseError, error_reply, local_name, new_id, parse, serialize
from .aio import loop, new_future
from .errors import ConverseError, IQDisconnectedError, IQError, IQTimeoutError, NotConnectedError
from .log import logger, redact
from .smacks import SM_NS, StreamManagement, is_sm_element, is_stanza_text

if TYPE_CHECKING:
    from .converse import Converse

StanzaHandler = Callable[[ET.Element], Any]

#: Default seconds before an IQ without a reply fails.
IQ_TIMEOUT = 20.0
#: Seconds a login may take before it is abandoned (a WebSocket closed while opening can leave
#: Strophe waiting for ever).
CONNECT_TIMEOUT = 30.0
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
        #: XEP-0198 state; used when the ``enable_smacks`` setting is on and the server offers it.
        self.sm = StreamManagement()
        #: URLs found by XEP-0156 discovery (kind → URL), used when no URL setting is given.
        self.discovered: dict[str, str] = {}
        #: Transport kinds that could not connect during this login (the next kind is tried).
        self.failed_kinds: set[str] = set()
        self._connected_kinds: set[str] = set()
        self._attempt: tuple[str, str] | None = None  # jid/password of the login in progress (memory only)
        self._resend: list[str] = []  # after <resumed/>: stanzas the server did not get
        self._resumed = False
        self._sm_save_pending = False
        self._sm_watching_page = False
        self._sm_saved_key: str | None = None
        self._salvaged: list[str] = []  # after a refused resume: stanzas to re-send in the new session

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

    def login(self, jid: str, password: str, *, reconnect: bool = False) -> asyncio.Future[str]:
        """Connect and authenticate; the future gives the bound full JID or fails with LoginError.

        With ``enable_smacks`` a XEP-0198 session of the same account that was lost is resumed
        instead of binding a new resource. ``reconnect`` keeps the transport kinds that failed
        earlier out of the way (a fresh login tries WebSocket first again).
        """
        parsed = JID.parse(jid)  # raises ValueError naming the bad JID before any network I/O
        if not isinstance(password, str) or not password:
            raise ConverseError("login: a password is required")
        self._leave_closing_transport()
        future = self._new_login_future()
        self._closing = False
        if not reconnect:
            self.failed_kinds = set()
        if self.sm.bound_jid and JID.parse(self.sm.bound_jid).bare != parsed.bare:
            self.sm.forget()  # another account: nothing of the old session may be resumed or re-sent
        self._load_sm(jid)
        self._attempt = (jid, password)
        self._connect()
        timer = loop().call_later(CONNECT_TIMEOUT, self._login_timed_out, future)
        future.add_done_callback(lambda _f: timer.cancel())
        return future

    def _login_timed_out(self, future: asyncio.Future[str]) -> None:
        if future is not self._login_future or future.done():
            return
        logger.warning("the login took more than %g s; giving up this attempt", CONNECT_TIMEOUT)
        self._settle_login(error=LoginError("Could not connect (timed out)", "conntimeout"))
        self._fail_attempt()

    def _connect(self) -> None:
        assert self._attempt is not None
        jid, password = self._attempt
        self.transport.connect(jid, password, explicit_bind=bool(self.converse.settings.get("enable_smacks")))

    def _smacks_wanted(self) -> bool:
        return bool(self.converse.settings.get("enable_smacks")) and self.server_supports(SM_NS)

    def attach(self, jid: str, sid: str, rid: int) -> asyncio.Future[str]:
        """Attach to a prebound BOSH session."""
        JID.parse(jid)
        self._leave_closing_transport()
        future = self._new_login_future()
        self._closing = False
        self._attempt = None
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
        self._drop_saved_sm()
        self.sm.forget()  # a closed stream ends the XEP-0198 session on the server too
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
        if status is Status.BINDREQUIRED:
            self._bind_or_resume()
        elif status in (Status.CONNECTED, Status.ATTACHED):
            self.jid = self.transport.bound_jid
            self.stanzas_received = 0
            self._connected_kinds.add(self.transport.kind)
            self._attempt = None
            if self._resumed:  # a resumed XEP-0198 session: nothing was lost
                self._resumed = False
                resend, self._resend = self._resend, []
                for xml in resend:  # still in the unacked queue: not tracked again
                    self._log_out(xml)
                    self.transport.send(xml)
                self._flush_outbox()
                self._settle_login(result=self.jid)
                first_in_page, self._was_connected = not self._was_connected, True
                self.converse.on_resumed(first_in_page=first_in_page)
                return
            reconnect = self._was_connected
            self._was_connected = True
            salvaged = self._salvaged
            self._salvaged = []
            if not self._smacks_wanted():
                self.sm.forget()
            else:
                self.sm.max_unacked = max(1, int(self.converse.settings.get("smacks_max_unacked_stanzas") or 1))
                self.transport.send(self.sm.enable_request(self.jid or ""))
            self.outbox[:0] = salvaged  # stanzas a refused resume never delivered go first
            self._flush_outbox()
            self._settle_login(result=self.jid)
            self.converse.on_connected(reconnected=reconnect)
        elif status is Status.AUTHFAIL:
            self._settle_login(error=LoginError(
                "Authentication failed: wrong JID or password", condition or "not-authorized"))
            self._fail_attempt()
        elif status in (Status.CONNFAIL, Status.CONNTIMEOUT, Status.ERROR):
            if self._fall_back():
                return
            self._settle_login(error=LoginError(
                f"Could not connect ({condition or status.value})", condition or status.value))
            self._fail_attempt()
        elif status is Status.DISCONNECTED:
            self.sm.stream_lost()
            if not self.sm.can_resume():  # a resumed session still gets the replies
                self._fail_pending_iqs()
            self._settle_login(error=LoginError("Disconnected before the login completed", condition))
            if previous is not Status.DISCONNECTED:
                self.converse.on_disconnected(deliberate=self._closing, condition=condition)

    def _bind_or_resume(self) -> None:
        """SASL is done on a new stream: resume the lost XEP-0198 session, or bind a resource."""
        if self.sm.can_resume() and self._smacks_wanted():
            self.transport.send(self.sm.resume_request())
            return
        if self.sm.can_resume():  # the new stream does not offer XEP-0198: re-send what was not acked
            self._salvaged = self.sm.abandon()
        self.transport.bind()

    def _fall_back(self) -> bool:
        """The transport could not connect: try the next kind of URL (WebSocket → BOSH) for this
        login, when this kind never worked in this session and another one is configured."""
        transport = self._transport
        if transport is None or self._attempt is None or transport.kind in self._connected_kinds:
            return False
        self.failed_kinds.add(transport.kind)
        settings = self.converse.settings
        if pick_url(settings.get, self.discovered, self.failed_kinds) is None:
            return False
        logger.warning("could not connect over %s; trying the next connection method", transport.kind)
        self._discard_transport()
        self.status = Status.DISCONNECTED
        self._connect()
        return True

    def forget_stream(self) -> None:
        """Give up on resuming: forget the XEP-0198 session and fail the IQs still waiting."""
        self._drop_saved_sm()
        self.sm.forget()
        self._resend = []
        self._fail_pending_iqs()

    def _fail_attempt(self) -> None:
        self._attempt = None
        was_up = self._was_connected and self.status is not Status.DISCONNECTED
        self._salvage_unsent()
        self._discard_transport()
        self.status = Status.DISCONNECTED
        self.sm.stream_lost()
        if not self.sm.can_resume():
            self._fail_pending_iqs()
        if was_up:
            self.converse.on_disconnected(deliberate=False, condition="connfail")
        self.converse.trigger("connectionStatusChanged", Status.DISCONNECTED.value, "")

    def _salvage_unsent(self) -> None:
        """A lost connection may still hold stanzas it never got to the server (a BOSH request that
        failed and was given up): messages and presences go back to the front of the outbox, to be
        sent once connected again. (IQs are not: their callers were told they failed.)"""
        take = getattr(self._transport, "take_unsent", None)
        if not callable(take) or self.sm.can_resume():
            return
        salvaged = [xml for xml in take() if xml.startswith(("<message", "<presence"))]
        if salvaged:
            logger.info("re-queueing %d stanza(s) the lost connection had not delivered", len(salvaged))
            self.outbox[:0] = salvaged

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
            self._send_now(xml)
            return True
        if len(self.outbox) >= OUTBOX_LIMIT:
            raise NotConnectedError(
                f"not connected and {OUTBOX_LIMIT} stanzas are already waiting to be sent")
        self.outbox.append(xml)
        return False

    def send_element(self, el: ET.Element) -> bool:
        """``send`` for an ElementTree element. The client's own presences pass through the
        ``outgoingPresence`` hook first (the caps plugin adds XEP-0115 there)."""
        if local_name(el.tag) == "presence":
            el = self.converse.hook("outgoingPresence", None, el)
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
                future.set_exception(IQDisconnectedError(f"IQ {iq_id}: disconnected before a reply"))

    def _flush_outbox(self) -> None:
        queued, self.outbox = self.outbox, []
        for xml in queued:
            self._send_now(xml)

    def _send_now(self, xml: str) -> None:
        self._log_out(xml)
        transport = self.transport
        transport.send(xml)
        if is_stanza_text(xml) and self.sm.counting_out:
            if self.sm.track(xml):
                transport.send(self.sm.ack_request())
            self._sm_changed(now=True)  # the next page must re-send it if the server never got it

    def send_nonza(self, xml: str) -> bool:
        """Send a stream-level element (XEP-0352 ``<inactive/>``...) now; never queued, never counted
        by XEP-0198. Returns False (and drops it) while offline."""
        if not self.connected:
            return False
        self._log_out(xml)
        self.transport.send(xml)
        return True

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
        except StanzaParseError as exc:
            logger.warning("dropped an incoming stanza: %s", exc)
            self._count_inbound(xml)
            return
        except Exception:
            logger.exception("dropped an incoming stanza")
            self._count_inbound(xml)
            return
        if is_sm_element(el):
            self._on_sm_element(el)
            return
        self.stanzas_received += 1
        self._count_inbound(xml)
        try:
            self._dispatch(el)
        except Exception:
            logger.exception("error while handling a %s stanza", local_name(el.tag))

    def _count_inbound(self, xml: str) -> None:
        """XEP-0198: every message/presence/iq the server sent counts as handled, even one
        dropped as malformed (the server must not send it again)."""
        if self.sm.active and isinstance(xml, str) and is_stanza_text(xml):
            self.sm.on_inbound_stanza()
            self._sm_changed()

    # -- XEP-0198 state across a page reload (keepalive) --------------------------------------
    def _sm_key(self, jid: str | None) -> str | None:
        return f"converse-py:smacks:{JID.parse(jid).bare}" if jid else None

    def _sm_changed(self, now: bool = False) -> None:
        """Save the resumable state (never the password) for the page after a reload.

        ``now``: before the server can learn of the change (an ``<a/>`` answer, a stanza sent): a
        page unloaded before a deferred save would resume with an ``h`` lower than the one the
        server already has, and Prosody ends the session for that. Other changes (stanzas
        counted in) are saved once per loop turn, and at once when the page is hidden (it is
        hidden before it unloads)."""
        if not self.converse.settings.get("keepalive"):
            return
        if not self._sm_watching_page:
            self._sm_watching_page = True
            self.converse.platform.watch_visibility(self._on_page_visibility)
        if now:
            self._save_sm()
        elif not self._sm_save_pending:
            self._sm_save_pending = True
            loop().call_soon(self._save_sm_if_pending)

    def _on_page_visibility(self, hidden: bool) -> None:
        if hidden:
            self._save_sm_if_pending()

    def _save_sm_if_pending(self) -> None:
        if self._sm_save_pending:
            self._save_sm()

    def _save_sm(self) -> None:
        self._sm_save_pending = False
        state = self.sm.to_json()
        key = self._sm_key(self.sm.bound_jid) if state is not None else None
        platform = self.converse.platform
        if self._sm_saved_key and self._sm_saved_key != key:
            platform.storage_remove(self._sm_saved_key)  # that session is over
        self._sm_saved_key = key
        if key is not None and state is not None:
            platform.storage_set(key, state)

    def _load_sm(self, jid: str) -> None:
        """A page that just loaded takes over the XEP-0198 session the previous page left."""
        key = self._sm_key(jid)
        if key and not self.sm.id and self.converse.settings.get("keepalive") \
                and self.converse.settings.get("enable_smacks"):
            if self.sm.load_json(self.converse.platform.storage_get(key)):
                logger.info("stream management: resuming the session this tab had before the reload")
            self.converse.platform.storage_remove(key)  # used once; saved again as the session goes on

    def _drop_saved_sm(self) -> None:
        key = self._sm_key(self.sm.bound_jid or self.jid)
        if key:
            self.converse.platform.storage_remove(key)

    def _on_sm_element(self, el: ET.Element) -> None:
        name = local_name(el.tag)
        transport = self._transport
        if transport is None:
            return
        # saved at once before an <a/> tells the server our h; the other elements change the state
        # below, saved at the end of this loop turn
        self._sm_changed(now=name == "r")
        if name == "r":
            transport.send(self.sm.ack_answer())
        elif name == "a":
            self.sm.on_ack(el)
        elif name == "enabled":
            self.sm.on_enabled(el)
            self.converse.trigger("streamManagementEnabled", self.sm.id or "", self.sm.resumable)
        elif name == "resumed":
            if not self.sm.resuming or el.get("previd") != self.sm.id or not self.sm.bound_jid:
                logger.warning("stream management: ignored an unexpected <resumed/>")
                return
            self._resend = self.sm.on_resumed(el)
            self._resumed = True
            transport.resumed(self.sm.bound_jid)
        elif name == "failed":
            resuming = self.sm.resuming
            salvaged = self.sm.on_failed(el)
            condition = local_name(el[0].tag) if len(el) else ""
            logger.info("stream management: the server refused to %s (%s)",
                        "resume" if resuming else "enable", condition or "no reason")
            self.converse.trigger("streamManagementFailed", "resume" if resuming else "enable", condition)
            if resuming:
                self._salvaged = salvaged
                self._fail_iqs_not_in(salvaged)
                if self.status is Status.BINDREQUIRED:
                    transport.bind()

    def _fail_iqs_not_in(self, stanzas: list[str]) -> None:
        """After a refused resume, replies to IQs the old session delivered never come."""
        keep: set[str] = set()
        for xml in stanzas:
            try:
                el = parse(xml)
            except StanzaParseError:
                continue
            if local_name(el.tag) == "iq" and el.get("id"):
                keep.add(el.get("id") or "")
        doomed = {k: v for k, v in self._pending_iqs.items() if k not in keep}
        for iq_id, (future, _to, timer) in doomed.items():
            del self._pending_iqs[iq_id]
            if timer:
                timer.cancel()
            if not future.done():
                future.set_exception(IQError(f"IQ {iq_id}: the session was lost before a reply"))

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
