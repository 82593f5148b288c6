"""One XEP-0077 registration on its own unauthenticated stream (``Transport.open_stream``): ask
the server for its form, submit it, close the stream. The session (and its login) is not touched.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from ...core.aio import new_future
from ...core.log import logger
from ...transport.base import Status, Transport
from ...xmpp.errors import parse_error
from ...xmpp.stanza import StanzaParseError, local_name, new_id, parse, serialize
from ...i18n import _
from .stanzas import RegistrationError, RegistrationForm, error_text, fields_request, parse_form, submission

#: Seconds for the stream to open, and for each answer of the server.
STEP_TIMEOUT = 20.0


class RegistrationStream:
    """An unauthenticated stream to ``domain`` for one registration; ``close()`` when done."""

    def __init__(self, transport: Transport, domain: str) -> None:
        self.domain = domain
        self._transport = transport
        self._opened: asyncio.Future[None] = new_future()
        self._waiting: dict[str, asyncio.Future[ET.Element]] = {}
        self._closed = False
        self._lost = False
        self.form: RegistrationForm | None = None  # the server's form, once asked for
        transport.on_status = self._on_status
        transport.on_stanza = self._on_stanza

    async def open(self) -> None:
        self._transport.open_stream(self.domain)
        try:
            await asyncio.wait_for(asyncio.shield(self._opened), STEP_TIMEOUT)
        except TimeoutError:
            raise RegistrationError(_("Could not connect to {domain} (timed out).", domain=self.domain),
                                    "conntimeout") from None

    def _on_status(self, status: Status, condition: str) -> None:
        if status is Status.CONNECTED:
            if not self._opened.done():
                self._opened.set_result(None)
            return
        if status in (Status.CONNFAIL, Status.CONNTIMEOUT, Status.ERROR, Status.DISCONNECTED, Status.AUTHFAIL):
            self._lost = True
            error = RegistrationError(_("Could not connect to {domain} ({reason}).", domain=self.domain,
                                        reason=condition or status.value), condition or status.value)
            if not self._opened.done():
                self._opened.set_exception(error)
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(error)
            self._waiting.clear()

    def _on_stanza(self, xml: str | ET.Element) -> None:
        try:
            stanza = parse(xml) if isinstance(xml, str) else xml
        except StanzaParseError as exc:
            logger.info("registration: dropped a stanza: %s", exc)
            return
        if local_name(stanza.tag) != "iq" or stanza.get("type") not in ("result", "error"):
            return
        future = self._waiting.pop(stanza.get("id") or "", None)
        if future is not None and not future.done():
            future.set_result(stanza)

    async def ask(self, stanza: ET.Element) -> ET.Element:
        """Send an IQ and wait for its reply (an error reply raises RegistrationError in words)."""
        stanza.set("id", new_id("reg"))
        future: asyncio.Future[ET.Element] = new_future()
        self._waiting[stanza.get("id") or ""] = future
        self._transport.send(serialize(stanza))
        try:
            reply = await asyncio.wait_for(future, STEP_TIMEOUT)
        except TimeoutError:
            raise RegistrationError(_("The server did not answer."), "timeout") from None
        if reply.get("type") == "error":
            error = parse_error(reply)
            raise RegistrationError(error_text(error), error.condition)
        return reply

    @property
    def alive(self) -> bool:
        """Open, and not closed by the server (it ends idle unauthenticated streams)."""
        return self._opened.done() and not self._lost and not self._closed

    async def fields(self) -> RegistrationForm:
        self.form = parse_form(await self.ask(fields_request()))
        return self.form

    async def submit(self, form: RegistrationForm, values: Mapping[str, str]) -> None:
        await self.ask(submission(form, values))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.dispose()


async def register(transport: Transport, domain: str, values: Mapping[str, str]) -> RegistrationForm:
    """Ask ``domain`` for its registration form and submit ``values`` (field name → value) on one
    stream; the form the server asked for. Errors: RegistrationError, in words."""
    stream = RegistrationStream(transport, domain)
    try:
        await stream.open()
        form = await stream.fields()
        await stream.submit(form, values)
        return form
    finally:
        stream.close()


async def open_form(transport: Transport, domain: str) -> RegistrationStream:
    """A stream to ``domain`` with its registration form asked for (``stream.form``), left open so
    that the same form (a CAPTCHA's challenge...) is the one submitted; ``close()`` it when done."""
    stream = RegistrationStream(transport, domain)
    try:
        await stream.open()
        await stream.fields()
    except BaseException:
        stream.close()
        raise
    return stream
