"""The account parts of the control box: "Create an account" (XEP-0077, the server's own form,
then a login with the new account) on the logged-out side, and the profile and password forms
once logged in. Passwords typed here go to the API and are cleared from the inputs at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.profile.plugin import ProfileState
from ...plugins.register.plugin import RegistrationState
from ...plugins.register.stanzas import RegistrationForm
from ...xmpp.jid import JID
from .. import account_templates as t
from ..ffi import found

if TYPE_CHECKING:
    from .controlbox import ControlBoxView
    from .ui import UIPlugin


@dataclass
class RegisterStep:
    """Where the registration form is: the server, and its form once fetched."""

    domain: str
    form: RegistrationForm | None = None
    error: str = ""
    busy: bool = False


class AccountView:
    """Handlers and rendering for registration, profile and password (inside the control box)."""

    def __init__(self, converse: Converse, ui: UIPlugin, box: ControlBoxView) -> None:
        self.converse = converse
        self.box = box
        self.step: RegisterStep | None = None  # not None: the registration form replaces the login form
        for kind, action, handler in (
                ("click", "show-register", self.on_show_register),
                ("click", "show-login", self.on_show_login),
                ("submit", "register-domain", self.on_domain),
                ("submit", "register", self.on_register),
                ("click", "open-account", self.on_open_account),
                ("submit", "save-profile", self.on_save_profile),
                ("submit", "change-password", self.on_change_password)):
            ui.on_action(kind, action, handler)

    @property
    def _registration(self) -> RegistrationState | None:
        return self.converse.find(RegistrationState)

    def offers_registration(self) -> bool:
        return self._registration is not None and bool(self.converse.settings.get("allow_registration"))

    # -- logged out: registration --------------------------------------------------------
    def registration_html(self) -> str | None:
        """The registration form while one is under way (None: show the login form)."""
        step = self.step
        if step is None or not self.offers_registration():
            return None
        return t.register_form(domain=step.domain, form=step.form, error=step.error, busy=step.busy,
                               fixed_domain=bool(self.converse.settings.get("registration_domain")))

    def on_show_register(self, _element: Any, _event: Any) -> None:
        preset = str(self.converse.settings.get("registration_domain") or "")
        typed = self.box.typed_jid or str(self.converse.settings.get("jid") or "")
        guess = ""
        try:
            guess = JID.parse(typed).domain if typed else ""
        except ValueError:
            pass
        self.step = RegisterStep(preset or guess)
        if preset:
            self._fetch(preset)
        self.box.render()

    def on_show_login(self, _element: Any, _event: Any) -> None:
        self.step = None
        state = self._registration
        if state is not None:
            state.close()
        self.box.render()

    def on_domain(self, form: Any, _event: Any) -> None:
        self._fetch(str(form.elements.namedItem("domain").value).strip())

    def _fetch(self, domain: str) -> None:
        state, step = self._registration, self.step
        if state is None or step is None:
            return
        step.domain, step.error, step.busy = domain, "", True
        self.box.render()

        def done(fut: asyncio.Future[RegistrationForm]) -> None:
            if self.step is not step or fut.cancelled():
                return
            step.busy = False
            error = fut.exception()
            if error is not None:
                step.error = str(error)
            else:
                step.form = fut.result()
                step.domain = state.domain(domain)
            self.box.render()
        try:
            future = asyncio.ensure_future(state.form(domain))
        except Exception as exc:
            step.busy, step.error = False, str(exc)
            self.box.render()
            return
        future.add_done_callback(done)

    def on_register(self, form_el: Any, _event: Any) -> None:
        state, step = self._registration, self.step
        if state is None or step is None or step.form is None:
            return
        values: dict[str, str] = {}
        for field in step.form.fields:
            control = form_el.elements.namedItem(field.var) if field.var else None
            if not found(control):
                continue
            values[field.var] = ("1" if control.checked else "0") if str(control.type) == "checkbox" \
                else str(control.value)
        submit = form_el.querySelector('[type="submit"]')
        submit.disabled = True
        self._register_error("")
        future = asyncio.ensure_future(state.register(step.domain, values))

        def done(fut: asyncio.Future[str]) -> None:
            if self.step is not step or fut.cancelled():
                return
            error = fut.exception()
            if error is not None:
                submit.disabled = False
                self._register_error(str(error))
                return
            self.step = None
            username, password = values.get("username"), values.get("password")
            if username and password:
                self.box.typed_jid = fut.result()
                self.converse.api.user.login({"jid": fut.result(), "password": password})
            self.box.render()
        future.add_done_callback(done)

    def _register_error(self, text: str) -> None:
        line = self.box.panel.querySelector('[data-role="register-error"]')
        if found(line):
            line.textContent = text
            line.hidden = not text

    # -- logged in: profile and password -------------------------------------------------
    def add_section(self, panel: Any) -> None:
        """Put "Your profile and password" among the control box's tools."""
        tools = panel.querySelector(".cpy-controlbox-tools")
        if found(tools) and self.converse.find(ProfileState) is not None:
            tools.insertAdjacentHTML("beforeend", t.account_section())

    def _feedback(self, text: str, *, error: bool) -> None:
        line = self.box.panel.querySelector('[data-role="account-feedback"]')
        if found(line):
            line.textContent = text
            line.className = "cpy-error" if error else "cpy-feedback"

    def on_open_account(self, summary: Any, _event: Any) -> None:
        details = summary.closest("details")
        profile = self.converse.find(ProfileState)
        if not found(details) or details.open or profile is None:
            return

        def done(fut: asyncio.Future[dict[str, str]]) -> None:
            if fut.cancelled():
                return
            if fut.exception() is not None:
                logger.info("profile not loaded: %s", fut.exception())
                return
            form = self.box.panel.querySelector('[data-action="save-profile"]')
            if not found(form):
                return
            for name, value in fut.result().items():
                control = form.elements.namedItem(name)
                if found(control) and not str(control.value):
                    control.value = value
        asyncio.ensure_future(profile.get()).add_done_callback(done)

    def on_save_profile(self, form: Any, _event: Any) -> None:
        profile = self.converse.find(ProfileState)
        if profile is None:
            return
        changes = {name: str(form.elements.namedItem(name).value) for name in ("fullname", "nickname", "url", "email")}
        self._feedback(_("Saving…"), error=False)

        def done(fut: asyncio.Future[dict[str, str]]) -> None:
            if fut.cancelled():
                return
            error = fut.exception()
            if error is not None:
                self._feedback(_("The profile was not saved: {reason}", reason=str(error).removeprefix("profile.set: ")),
                               error=True)
            else:
                self._feedback(_("Profile saved."), error=False)
        asyncio.ensure_future(profile.set(changes)).add_done_callback(done)

    def on_change_password(self, form: Any, _event: Any) -> None:
        state = self._registration
        first, again = form.elements.namedItem("password"), form.elements.namedItem("again")
        password, repeated = str(first.value), str(again.value)
        first.value = again.value = ""
        if state is None:
            return
        if password != repeated:
            self._feedback(_("The two passwords differ; type the new password twice."), error=True)
            return
        if not password:
            self._feedback(_("Type the new password twice."), error=True)
            return
        self._feedback(_("Changing the password…"), error=False)
        future = asyncio.ensure_future(state.change_password(password))
        del password, repeated

        def done(fut: asyncio.Future[None]) -> None:
            if fut.cancelled():
                return
            error = fut.exception()
            if error is not None:
                self._feedback(_("The password was not changed: {reason}", reason=error), error=True)
            else:
                self._feedback(_("Password changed."), error=False)
        future.add_done_callback(done)
