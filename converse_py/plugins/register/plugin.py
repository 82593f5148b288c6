"""Register plugin (XEP-0077): create an account on a server from the page (in-band
registration, on an unauthenticated stream of its own), and change the logged-in account's
password (§3.3), after which reconnection logs in with the new password.

Events ``registered`` ({jid}) and ``passwordChanged`` (the bare JID; never the password).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from ...core.converse import Converse
from ...core.errors import ConverseError, IQError, NotConnectedError
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...xmpp.errors import StanzaError, parse_error
from ...xmpp.jid import JID
from .api import AccountAPI
from .registration import RegistrationStream, open_form, register
from .stanzas import RegistrationError, RegistrationForm, error_text, password_change


class RegistrationState:
    """What the account API and the UI call."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        #: The stream whose form the UI shows (``form``), kept for the submission; None when none.
        self._stream: RegistrationStream | None = None

    def domain(self, given: str | None = None) -> str:
        """``registration_domain`` when set (it wins), else ``given``; checked to be a domain."""
        preset = str(self.converse.settings.get("registration_domain") or "")
        domain = (preset or given or "").strip()
        if not domain:
            raise ConverseError("account.register: a domain is required")
        parsed = JID.parse(domain)
        if parsed.local or parsed.resource:
            raise ConverseError(f"account.register: {domain!r} is not a domain")
        return parsed.domain

    def _allowed(self) -> None:
        if not self.converse.settings.get("allow_registration"):
            raise ConverseError("account.register: registration is turned off (allow_registration)")

    async def form(self, domain: str | None) -> RegistrationForm:
        """The form ``domain`` asks to fill in; its stream stays open for ``register`` (the same
        form is submitted) until ``register`` succeeds, ``close`` or another ``form``."""
        self._allowed()
        self.close()
        stream = self._stream = await open_form(self.converse.session.new_transport(), self.domain(domain))
        assert stream.form is not None
        return stream.form

    def close(self) -> None:
        """Close the stream kept by ``form`` (the user left the registration form)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    async def register(self, domain: str | None, values: Mapping[str, str]) -> str:
        """Create the account (on the stream ``form`` opened, when it is still up); its bare JID."""
        self._allowed()
        where = self.domain(domain)
        stream = self._stream
        if stream is not None and stream.alive and stream.domain == where and stream.form is not None:
            await stream.submit(stream.form, values)  # an error leaves it open: the user may try again
            self.close()
        else:
            self.close()
            await register(self.converse.session.new_transport(), where, values)
        username = str(values.get("username") or "")
        jid = f"{username}@{where}" if username else where
        self.converse.trigger("registered", {"jid": jid})
        return jid

    async def change_password(self, password: str) -> None:
        session = self.converse.session
        if not session.connected or not session.jid:
            raise NotConnectedError("account.changePassword: not connected")
        me = JID.parse(session.jid)
        try:
            await session.send_iq(password_change(me.local or "", password, me.domain))
        except IQError as exc:
            error = exc.error if isinstance(exc.error, StanzaError) else (
                parse_error(exc.stanza) if isinstance(exc.stanza, ET.Element)
                else StanzaError("cancel", "undefined-condition", ""))
            raise RegistrationError(error_text(error, changing_password=True), error.condition) from None
        self.converse.connection.password_changed(password)
        self.converse.trigger("passwordChanged", me.bare)


class RegisterPlugin(Plugin):
    """``converse-register``: XEP-0077 in-band registration and password change (``api.account``)."""

    name = "converse-register"
    settings = {
        "allow_registration": Setting(True, (bool,), "Offer \"Create an account\" on the login form and allow "
                                      "api.account.register (XEP-0077 in-band registration)."),
        "registration_domain": Setting("", (str,), "The server new accounts are created on; when set, the "
                                       "registration form does not ask for one."),
    }
    events = {
        "registered": EventDoc("{jid}", "an account was created with in-band registration (not logged in yet)"),
        "passwordChanged": EventDoc("the bare JID", "the logged-in account's password was changed; "
                                    "reconnections use the new one"),
    }

    def initialize(self) -> None:
        self.state = RegistrationState(self._converse)
        self._converse.api.listen.on("connected", lambda *_: self.state.close())
        self._converse.provide(self.state)
        self._converse.api.add_grouping("account", AccountAPI(self.state))


