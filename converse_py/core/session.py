"""The XMPP session: the transport, the connection state, stanza dispatch and the offline outbox.

The session owns the transport and moves the connection's state machine
(``connection_state``) as the transport reports progress. Incoming XML text is parsed once
here and dispatched to the handlers plugins registered; anything malformed or hostile is
logged and dropped, and never stops the client. Stanzas sent while offline wait in an outbox
and go out, in order, once connected. IQs waiting for replies are ``iq.PendingIQs``; the
XEP-0198 engine is ``smacks.StreamManagement``, kept across reloads by ``smacks_store``.
*When* to log in or reconnect is ``connection.Connection``'s business.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from ..transport.base import ScramKeys, Status, Transport
from ..transport.choice import pick_url
from ..xmpp import ns
from ..xmpp.jid import JID
from ..xmpp.stanza import StanzaParseError, StanzaTooLarge, error_reply, local_name, oversized, parse, serialize
from .aio import new_future
from .clock import Timer
from .connection_state import ConnectionMachine, IllegalTransition, State
from .errors import ConverseError, NotConnectedError
from .iq import IQ_TIMEOUT, PendingIQs, iq_ids
from .log import logger, redact
from .smacks import SM_NS, STANZA_NAMES, StreamManagement, is_sm_element, is_stanza_text
from .smacks_store import SmacksStore

if TYPE_CHECKING:
    from .converse import Converse

StanzaHandler = Callable[[ET.Element], Any]

#: Seconds a login may take before it is abandoned (a WebSocket closed while opening can leave
#: Strophe waiting for ever).
CONNECT_TIMEOUT = 30.0
#: Most stanzas kept while offline; beyond it ``send`` raises instead of silently dropping.
OUTBOX_LIMIT = 1000

#: What each progress report of the transport means for the connection's state.
_PROGRESS = {Status.CONNECTING: State.CONNECTING, Status.AUTHENTICATING: State.AUTHENTICATING,
             Status.BINDREQUIRED: State.BINDING, Status.CONNECTED: State.CONNECTED,
             Status.ATTACHED: State.CONNECTED, Status.DISCONNECTING: State.DISCONNECTING}


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
        #: The connection's state (``connection_state``): the only record of where the connection is.
        self.state = ConnectionMachine(self._on_state_change)
        self.jid: str | None = None
        self.outbox: list[str] = []
        self.handlers: dict[str, list[StanzaHandler]] = {"message": [], "presence": [], "iq": []}
        #: IQs sent and waiting for their reply.
        self.iqs = PendingIQs(converse.clock)
        self._login_future: asyncio.Future[str] | None = None
        self._login_timer: Timer | None = None  # CONNECT_TIMEOUT of the login in progress
        self._was_connected = False
        #: A login the user (or auto_login) asked for while no stream was up: if it fails, the
        #: caller hears why; the reconnection loop does not take it over (it is no lost stream).
        self._fresh_login = False
        self._closing = False
        self.stanzas_received = 0  # since the last (re)connection
        #: XEP-0198 state; used when the ``enable_smacks`` setting is on and the server offers it.
        self.sm = StreamManagement()
        #: ``sm`` saved in tab storage for the page after a reload (``keepalive``).
        self.sm_store = SmacksStore(self.sm, converse.platform, converse.settings.get)
        #: URLs found by XEP-0156 discovery (kind → URL), used when no URL setting is given.
        self.discovered: dict[str, str] = {}
        #: Transport kinds that could not connect during this login (the next kind is tried).
        self.failed_kinds: set[str] = set()
        self._connected_kinds: set[str] = set()
        # jid/password (or SCRAM keys) of the login in progress, until SASL is done (memory only)
        self._attempt: tuple[str, str | ScramKeys] | None = None
        self._resend: list[str] = []  # after <resumed/>: stanzas the server did not get
        self._resumed = False
        self._restoring = False  # restore() started the stream under way
        #: True while the stream continues a session of the page before a reload (a ``keepalive``
        #: BOSH restore, or a XEP-0198 resume as the page's first connection): the server does not
        #: send the contacts' presences again, so plugins restore what they saved in tab storage.
        self.page_resumed = False
        self._salvaged: list[str] = []  # after a refused resume: stanzas to re-send in the new session
        self._in_batch = False  # the transport is handing over a batch of stanzas (until on_handled)
        self._after_batch: list[Callable[[], None]] = []

    @property
    def transport(self) -> Transport:
        """The transport, made on first use (its URL comes from the settings at that moment)."""
        if self._transport is None:
            transport = self._transport_factory()
            transport.on_status = lambda status, condition: self._on_status_from(transport, status, condition)
            transport.on_stanza = lambda xml: self._receive_from(transport, xml)
            transport.on_handled = self._stanzas_handled
            self._transport = transport
        return self._transport

    def new_transport(self) -> Transport:
        """A separate transport (same URL choice as the session's) for a stream that is not the
        session's: XEP-0077 registration opens one before any login (``Transport.open_stream``)."""
        return self._transport_factory()

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
        if not self.state.down:
            self._on_status(Status.DISCONNECTED, "logout")
        self._discard_transport()

    def _on_status_from(self, transport: Transport, status: Status, condition: str) -> None:
        if transport is not self._transport:
            return
        try:
            self._on_status(status, condition)
        except IllegalTransition:  # a bug, but the transport's callback must not break the transport
            logger.exception("connection: the transport reported %s in state %s", status.value,
                             self.state.state.value)

    def _on_state_change(self, previous: State, state: State, reason: str) -> None:
        logger.debug("connection state %s -> %s %s", previous.value, state.value, reason)

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
        return self.state.connected

    @property
    def status(self) -> State:
        """The connection's state (``self.state.state``)."""
        return self.state.state

    def _down_state(self) -> State:
        """Where a lost stream or a failed attempt leads: a deliberate close ends any retrying."""
        return State.DISCONNECTED if self._closing else self.state.down_state()

    def login(self, jid: str, password: str | ScramKeys, *, reconnect: bool = False) -> asyncio.Future[str]:
        """Connect and authenticate; the future gives the bound full JID or fails with LoginError.

        With ``enable_smacks`` a XEP-0198 session of the same account that was lost is resumed
        instead of binding a new resource. ``reconnect`` keeps the transport kinds that failed
        earlier out of the way (a fresh login tries WebSocket first again).
        """
        parsed = JID.parse(jid)  # raises ValueError naming the bad JID before any network I/O
        if not isinstance(password, ScramKeys) and (not isinstance(password, str) or not password):
            raise ConverseError("login: a password is required")
        self._leave_closing_transport()
        future = self._new_login_future()
        self._fresh_login = not reconnect and self.state.down
        self._closing = False
        if not reconnect:
            self.failed_kinds = set()
        if self.sm.bound_jid and JID.parse(self.sm.bound_jid).bare != parsed.bare:
            self.sm.forget()  # another account: nothing of the old session may be resumed or re-sent
        self.sm_store.load(jid)
        self._attempt = (jid, password)
        self._login_timer = self.converse.clock.call_later(CONNECT_TIMEOUT, self._login_timed_out, future)
        try:
            self._connect()
        except BaseException:  # no transport could be made (no URL...): the caller gets the error
            self._cancel_login_timer()
            raise
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
        transport = self.transport
        self.state.to(State.CONNECTING, "login")
        transport.connect(jid, password, explicit_bind=bool(self.converse.settings.get("enable_smacks")))

    def _smacks_wanted(self) -> bool:
        return bool(self.converse.settings.get("enable_smacks")) and self.server_supports(SM_NS)

    def attach(self, jid: str, sid: str, rid: int) -> asyncio.Future[str]:
        """Attach to a prebound BOSH session."""
        JID.parse(jid)
        self._leave_closing_transport()
        future = self._new_login_future()
        self._closing = False
        self._attempt = None
        transport = self.transport
        self.state.to(State.CONNECTING, "attach")
        transport.attach(jid, sid, rid)
        return future

    def restore(self, jid: str | None = None) -> asyncio.Future[str] | None:
        """Resume a kept-alive session after reload; None when there is nothing to resume
        (or when a login is already under way, e.g. started by an ``initialized`` listener)."""
        if self._login_future is not None and not self._login_future.done():
            return None
        future = self._new_login_future()
        self._closing = False
        transport = self.transport
        self.state.to(State.CONNECTING, "restore")
        self._restoring = True
        if transport.restore(jid):
            return future
        self._restoring = False
        self._login_future = None
        if self.state.state is State.CONNECTING:
            self.state.to(State.DISCONNECTED, "nothing to restore")
        return None

    def disconnect(self, reason: str = "logout") -> None:
        """Close the stream on purpose (no reconnect); queued stanzas are kept for the next login."""
        self._closing = True
        self.sm_store.drop(self.jid)
        self.sm.forget()  # a closed stream ends the XEP-0198 session on the server too
        if not self.state.down and self._transport is not None:
            self._transport.disconnect(reason)

    def _new_login_future(self) -> asyncio.Future[str]:
        self._cancel_login_timer()
        self._restoring = False  # restore() sets it again after this
        if self._login_future is not None and not self._login_future.done():
            self._login_future.cancel()
        self._login_future = new_future()
        return self._login_future

    def _on_status(self, status: Status, condition: str) -> None:
        logger.debug("connection status %s %s", status.value, condition)
        progress = _PROGRESS.get(status)
        if progress is not None:
            self.state.to(progress, condition)
        self.converse.trigger("connectionStatusChanged", status.value, condition)
        if status in (Status.BINDREQUIRED, Status.CONNECTED) and self._attempt is not None:
            self._authenticated()
        if status is Status.BINDREQUIRED:
            self._bind_or_resume()
        elif status in (Status.CONNECTED, Status.ATTACHED):
            self._on_up()
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
            was_down, retrying = self.state.down, self.state.reconnecting
            self.state.to(self._down_state(), condition)
            self.sm.stream_lost()
            if not self.sm.can_resume():  # a resumed session still gets the replies
                self.iqs.fail_all()
            self._settle_login(error=LoginError("Disconnected before the login completed", condition))
            if not was_down:
                self.converse.connection.on_disconnected(deliberate=self._closing, condition=condition,
                                                         retrying=retrying)

    def _on_up(self) -> None:
        """The stream is up: bound afresh (enable XEP-0198, flush the outbox) or resumed."""
        self.jid = self.transport.bound_jid
        self._fresh_login = False
        self.stanzas_received = 0
        self._connected_kinds.add(self.transport.kind)
        self._attempt = None
        restored, self._restoring = self._restoring, False
        self.page_resumed = not self._was_connected and (restored or self._resumed)
        if self._resumed:  # a resumed XEP-0198 session: nothing was lost
            self._resumed = False
            resend, self._resend = self._resend, []
            for xml in resend:  # still in the unacked queue: not tracked again
                self._log_out(xml)
                self.transport.send(xml)
            self._flush_outbox()
            self._settle_login(result=self.jid)
            first_in_page, self._was_connected = not self._was_connected, True
            self.converse.connection.on_resumed(first_in_page=first_in_page)
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
        self.converse.connection.on_connected(reconnected=reconnect)

    def _authenticated(self) -> None:
        """SASL is done: neither this attempt nor the transport needs the password any more."""
        self._attempt = None
        keys = self.transport.forget_password()
        self.converse.connection.on_authenticated(keys)

    def _bind_or_resume(self) -> None:
        """SASL is done on a new stream: resume the lost XEP-0198 session, or bind a resource."""
        if self.sm.can_resume() and self._smacks_wanted():
            self.state.to(State.RESUMING)
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
        self._connect()
        return True

    def forget_stream(self) -> None:
        """Give up on resuming: forget the XEP-0198 session and fail the IQs still waiting."""
        self.sm_store.drop(self.jid)
        self.sm.forget()
        self._resend = []
        self.iqs.fail_all()

    def _fail_attempt(self) -> None:
        self._attempt = None
        was_up = self._was_connected and not self.state.down and not self._fresh_login
        self._fresh_login = False
        retrying = self.state.reconnecting
        self._salvage_unsent()
        self._discard_transport()
        self.state.to(self._down_state(), "failed")
        self.sm.stream_lost()
        if not self.sm.can_resume():
            self.iqs.fail_all()
        if was_up:
            self.converse.connection.on_disconnected(deliberate=False, condition="connfail", retrying=retrying)
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

    def _cancel_login_timer(self) -> None:
        if self._login_timer is not None:
            self._login_timer.cancel()
            self._login_timer = None

    def _settle_login(self, result: str | None = None, error: Exception | None = None) -> None:
        self._cancel_login_timer()
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
        future = self.iqs.track(el, timeout)
        self.send_element(el)
        return future

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
            self.sm_store.changed(now=True)  # the next page must re-send it if the server never got it

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

    def after_stanzas(self, callback: Callable[[], None]) -> bool:
        """Run ``callback`` once the batch of stanzas the transport is handing over now (one BOSH
        response or WebSocket frame, or a slice of a large one) is handled, and return True; return
        False, keeping nothing, when no batch is being handled (then the caller runs it its own
        way). A view draws the rows of a whole batch at once so, without a JS microtask of its own.

        >>> from converse_py.core.converse import Converse
        >>> from converse_py.transport.fake import FakeTransport
        >>> transport = FakeTransport()
        >>> session = Converse(transport_factory=lambda: transport).session
        >>> session.transport is transport, session.after_stanzas(print)
        (True, False)
        >>> session.handlers["message"].append(lambda el: print("handling", session.after_stanzas(lambda: print("done"))))
        >>> transport.receive("<message xmlns='jabber:client'/>")
        handling True
        done
        """
        if not self._in_batch:
            return False
        self._after_batch.append(callback)
        return True

    def _receive_from(self, transport: Transport, stanza: str | ET.Element) -> None:
        if transport is self._transport:
            self._in_batch = True
            if isinstance(stanza, str):
                self.receive(stanza)
            else:
                self.receive_element(stanza)

    def _stanzas_handled(self) -> None:
        """The transport's ``on_handled``: the batch is over; what waited for its end runs now."""
        self._in_batch = False
        callbacks, self._after_batch = self._after_batch, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                logger.exception("after-stanzas callback raised")

    def receive(self, xml: str) -> None:
        """Entry point for the transport: one stanza as XML text. Never raises."""
        try:
            if self.converse.settings.get("debug"):
                logger.info("RECV %s", redact(xml[:4000]))
            el = parse(xml)
        except StanzaTooLarge as exc:
            logger.warning("dropped an incoming stanza: %s", exc)
            self._count_inbound(xml)
            self.converse.trigger("stanzaTooLarge", oversized(xml))  # plugins tell the user
            return
        except StanzaParseError as exc:
            logger.warning("dropped an incoming stanza: %s", exc)
            self._count_inbound(xml)
            return
        except Exception:
            logger.exception("dropped an incoming stanza")
            self._count_inbound(xml)
            return
        self._take(el, xml)

    def receive_element(self, el: ET.Element) -> None:
        """Entry point for a transport that parsed a batch of stanzas at once (within the size and
        depth limits ``parse`` checks): one stanza as an element. Never raises.

        >>> from converse_py.core.converse import Converse
        >>> from converse_py.transport.fake import FakeTransport
        >>> from converse_py.xmpp.stanza import parse
        >>> session = Converse(transport_factory=FakeTransport).session
        >>> session.add_handler("message", lambda el: print("got", el.get("id")))
        >>> session.receive_element(parse("<message xmlns='jabber:client' id='m1'/>"))
        got m1
        """
        if self.converse.settings.get("debug"):
            logger.info("RECV %s", redact(serialize(el)[:4000]))
        self._take(el, None)

    def _take(self, el: ET.Element, xml: str | None) -> None:
        """A parsed stanza, from ``receive`` (``xml``: the text it was parsed from) or from
        ``receive_element`` (None): counted for XEP-0198 and handled."""
        if is_sm_element(el):
            self._on_sm_element(el)
            return
        self.stanzas_received += 1
        if xml is not None:
            self._count_inbound(xml)
        elif self.sm.active and local_name(el.tag) in STANZA_NAMES:
            self._count_one()
        try:
            self._dispatch(el)
        except Exception:
            logger.exception("error while handling a %s stanza", local_name(el.tag))

    def _count_inbound(self, xml: str) -> None:
        """XEP-0198: every message/presence/iq the server sent counts as handled, even one
        dropped as malformed (the server must not send it again)."""
        if self.sm.active and isinstance(xml, str) and is_stanza_text(xml):
            self._count_one()

    def _count_one(self) -> None:
        self.sm.on_inbound_stanza()
        self.sm_store.changed()

    def _on_sm_element(self, el: ET.Element) -> None:
        name = local_name(el.tag)
        transport = self._transport
        if transport is None:
            return
        # saved at once before an <a/> tells the server our h; the other elements change the state
        # below, saved at the end of this loop turn
        self.sm_store.changed(now=name == "r")
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
                self.iqs.fail_all_but(iq_ids(salvaged))
                if self.state.state is State.RESUMING:
                    self.state.to(State.BINDING, "resume refused")
                    transport.bind()

    def _dispatch(self, el: ET.Element) -> None:
        kind = local_name(el.tag)
        if kind not in self.handlers:
            return  # stream features, SM acks etc. are the transport's business
        if kind == "iq" and el.get("type") in ("result", "error") and self.iqs.settle(el, self.jid):
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


def own_bare(session: Session) -> str | None:
    """The session's bare JID, or None before login."""
    return JID.parse(session.jid).bare if session.jid else None


__all__ = ["IQ_TIMEOUT", "LoginError", "Session", "ns", "own_bare"]
