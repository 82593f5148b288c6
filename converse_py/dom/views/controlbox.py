"""The control box view: login form, own status, contact requests, add-contact form, filter, roster.

The roster list is (re)built in chunks of rows with a yield to the browser between
chunks, so a 5,000-contact roster never blocks input; a newer render cancels an
older one. Presence changes patch single rows, coalesced once per loop turn.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.chats.plugin import ChatsState
from ...plugins.notifications.plugin import NotificationsState
from ...plugins.roster.api import ContactsAPI
from ...plugins.roster.plugin import RosterState
from ...plugins.status.plugin import StatusAPI, StatusState
from .. import account_templates
from .. import controlbox_templates as t
from ..html import join
from ..ffi import found
from .. import templates
from .account import AccountView
from .avatars import avatar_url, own_avatar_markup

if TYPE_CHECKING:
    from .ui import UIPlugin

#: Above this many changed contacts in one turn, rebuild the list instead of patching rows.
PATCH_LIMIT = 200


class ControlBoxView:
    """Renders into its slot; follows connection, roster, presence and status events."""

    def __init__(self, converse: Converse, ui: UIPlugin, slot: Any) -> None:
        self.converse = converse
        self.shown = bool(converse.settings.get("show_controlbox_by_default"))
        slot.innerHTML = t.controlbox_frame(shown=self.shown)
        self.toggle = slot.querySelector('[data-action="toggle-controlbox"]')
        self.panel = slot.querySelector('[data-role="controlbox"]')
        self.login_error = ""
        self.state = "connecting" if converse.settings.get("auto_login") else "disconnected"
        self.filter_text = ""
        self.typed_jid = ""  # kept across a failed attempt, so only the password is typed again
        self._render_task: asyncio.Task[None] | None = None
        self._dirty: dict[str, Any] = {}
        listen = converse.api.listen
        listen.on("connectionStatusChanged", self.on_status)
        listen.on("connected", lambda *_: self.render())
        listen.on("disconnected", lambda *_: self.render())
        for event in ("will-reconnect", "streamResumed"):  # issue 9: a drop being repaired
            listen.on(event, lambda *_: self.render())
        for event in ("cachedRoster", "roster", "rosterPush"):
            listen.on(event, lambda *_: self.render_lists())
        listen.on("contactRequest", lambda *_: self.render_requests())
        listen.on("contactStatusChanged", self.contact_changed)
        listen.on("vcardUpdated", self.contact_changed)
        listen.on("unreadCountChanged", self.unread_changed)
        for event in ("statusChanged", "statusMessageChanged"):
            listen.on(event, lambda *_: self.render_status())
        for kind, action, handler in (
                ("click", "toggle-controlbox", self.on_toggle),
                ("submit", "login", self.on_login),
                ("click", "logout", lambda *_: self.converse.api.user.logout()),
                ("click", "open-chat", self.on_open_chat),
                ("submit", "set-status", self.on_set_status),
                ("change", "set-status", self.on_set_status),
                ("click", "accept-request", self.on_request_answer),
                ("click", "decline-request", self.on_request_answer),
                ("submit", "add-contact", self.on_add_contact),
                ("input", "filter", self.on_filter)):
            ui.on_action(kind, action, handler)
        self.account = AccountView(converse, ui, self)  # registration, profile and password
        self.render()

    # -- rendering -----------------------------------------------------------------------
    @property
    def _roster(self) -> Any:
        return self.converse.find(RosterState)

    def _show(self, shown: bool) -> None:
        self.shown = shown
        self.panel.hidden = not shown
        self.toggle.setAttribute("aria-expanded", "true" if shown else "false")

    def render(self) -> None:
        """The whole box for the current connection state."""
        converse = self.converse
        if converse.session.connected:
            status = converse.find(StatusState)
            self.panel.innerHTML = t.controlbox(
                jid=converse.session.jid or "", state=self.state,
                status=status.status if status else "online", message=status.message if status else "",
                filter_text=self.filter_text, avatar=own_avatar_markup(converse))
            self.account.add_section(self.panel)
            self.render_lists()
        elif self.state in ("connecting", "authenticating"):
            self.panel.innerHTML = templates.loading(_("Connecting…"))
        elif converse.reconnecting:
            self.panel.innerHTML = templates.loading(_("Connection lost. Reconnecting…"))
        else:
            registering = self.account.registration_html()
            login = t.login_form(jid=self.typed_jid or converse.settings.get("jid") or "", error=self.login_error)
            self.panel.innerHTML = registering if registering is not None else join([
                login, account_templates.register_link() if self.account.offers_registration() else None])
            self._show(True)  # logging in needs the box, whatever show_controlbox_by_default says

    def render_status(self) -> None:
        wrap = self.panel.querySelector('[data-role="status"]')
        status = self.converse.find(StatusState)
        if found(wrap) and status is not None:
            wrap.innerHTML = t.status_form(status.status, status.message)

    def render_lists(self) -> None:
        self.render_requests()
        self.render_roster()

    def render_requests(self) -> None:
        wrap = self.panel.querySelector('[data-role="requests"]')
        roster = self._roster
        if found(wrap) and roster is not None:
            wrap.innerHTML = t.requests([c for c in roster.contacts.values() if c.get("requesting")])

    def _visible_contacts(self) -> list[Any]:
        roster = self._roster
        if roster is None:
            return []
        hide_offline = self.converse.settings.get("hide_offline_users")
        return [c for c in roster.contacts.values()
                if c.in_roster and t.matches(c, self.filter_text)
                and not (hide_offline and c.get("chat_status") == "offline")]

    def render_roster(self) -> None:
        """Rebuild the list (chunked); a render already under way is cancelled."""
        if self._render_task is not None and not self._render_task.done():
            self._render_task.cancel()
        self._dirty.clear()
        self._render_task = asyncio.ensure_future(self._render_roster())

    async def _render_roster(self) -> None:
        ul = self.panel.querySelector('[data-role="roster"]')
        empty = self.panel.querySelector('[data-role="roster-empty"]')
        if not found(ul):
            return
        contacts = self._visible_contacts()
        ul.innerHTML = ""
        empty.hidden = bool(contacts)
        empty.textContent = _("No contacts match.") if self.filter_text else _("No contacts yet.")
        lookup = functools.partial(avatar_url, self.converse)
        unread = self._unread()
        for index, chunk in enumerate(t.roster_chunks(contacts, grouped=bool(self.converse.settings.get(
                "roster_groups")), avatars=lookup, unread=unread)):
            if index:
                await asyncio.sleep(0)  # let the browser paint and handle input between chunks
            ul.insertAdjacentHTML("beforeend", chunk)
        ul.setAttribute("data-count", str(len(contacts)))

    def contact_changed(self, contact: Any) -> None:
        """Patch this contact's rows at the end of the loop turn (many changes → one rebuild)."""
        if not self._dirty:
            asyncio.get_event_loop().call_soon(self._flush_dirty)
        self._dirty[contact.get("jid")] = contact

    def _flush_dirty(self) -> None:
        dirty, self._dirty = self._dirty, {}
        if not dirty or not self.converse.session.connected:
            return
        rendering = self._render_task is not None and not self._render_task.done()
        if rendering:
            # Rows still to come are built from the current state; the ones already in the DOM are
            # patched when the render is done (restarting it would delay the whole list).
            assert self._render_task is not None
            self._render_task.add_done_callback(lambda _task: self._requeue(dirty))
            return
        if len(dirty) > PATCH_LIMIT or self.converse.settings.get("hide_offline_users"):
            self.render_roster()
            return
        for jid, contact in dirty.items():
            rows = self.panel.querySelectorAll(f'li.cpy-contact[data-jid="{js.CSS.escape(jid)}"]')
            html = t.contact_row(contact, avatar_url(self.converse, jid), self._unread().get(jid, 0))
            for index in range(rows.length):
                rows.item(index).outerHTML = html

    def _unread(self) -> dict[str, int]:
        """Unread messages per chat (plugins/notifications; {} without it)."""
        notifications = self.converse.find(NotificationsState)
        return notifications.unread() if notifications is not None else {}

    def unread_changed(self, box: Any, _count: int) -> None:
        """A chat's unread count changed: the contact's row shows it."""
        roster = self._roster
        contact = roster.contacts.get(box.get("jid")) if roster is not None else None
        if contact is not None and box.get("type") != "chatroom":
            self.contact_changed(contact)

    def _requeue(self, contacts: dict[str, Any]) -> None:
        for contact in contacts.values():
            self.contact_changed(contact)

    # -- connection state ----------------------------------------------------------------
    def on_status(self, status: str, condition: str) -> None:
        self.state = status
        if status == "authfail":
            self.login_error = _("Wrong XMPP address or password.")
        elif status in ("connfail", "conntimeout", "error"):
            self.login_error = _("Could not connect ({reason}).", reason=condition or status)
        elif status in ("connected", "attached"):
            self.login_error = ""
        if not self.converse.session.connected:
            self.render()
        else:
            label = self.panel.querySelector(".cpy-conn")
            if found(label):
                label.textContent = status

    # -- actions -------------------------------------------------------------------------
    def on_toggle(self, _element: Any, _event: Any) -> None:
        self._show(not self.shown)

    def on_login(self, form: Any, _event: Any) -> None:
        jid = self.typed_jid = str(form.elements.namedItem("jid").value).strip()
        password_input = form.elements.namedItem("password")
        password = str(password_input.value)
        password_input.value = ""
        self.login_error = ""
        try:
            future = self.converse.api.user.login({"jid": jid, "password": password})
        except Exception as exc:
            self.login_error = str(exc).removeprefix("user.login: ")
            self.render()
            return
        del password

        def done(fut: asyncio.Future[Any]) -> None:
            if not fut.cancelled() and fut.exception() is not None:
                self.login_error = self.login_error or str(fut.exception())
                self.render()
        future.add_done_callback(done)

    def on_open_chat(self, element: Any, _event: Any) -> None:
        box = self.converse.get(ChatsState).open(str(element.getAttribute("data-jid")))
        box.focus()

    def on_set_status(self, element: Any, _event: Any) -> None:
        form = element if element.tagName == "FORM" else element.form
        value = str(form.elements.namedItem("status").value)
        message = str(form.elements.namedItem("message").value)
        StatusAPI(self.converse.get(StatusState)).set(value, message)  # checked as api.user.status.set

    def on_request_answer(self, element: Any, _event: Any) -> None:
        roster = self._roster
        contact = roster.contacts.get(str(element.getAttribute("data-jid"))) if roster else None
        if contact is None:
            return
        if element.getAttribute("data-action") == "accept-request":
            contact.authorize()
        else:
            contact.unauthorize()
        self.render_lists()

    def on_add_contact(self, form: Any, _event: Any) -> None:
        jid = str(form.elements.namedItem("jid").value).strip()
        name = str(form.elements.namedItem("name").value).strip() or None
        try:
            future = ContactsAPI(self.converse.get(RosterState)).add(jid, name)  # checked as api.contacts.add
        except Exception as exc:
            self._add_feedback(str(exc).removeprefix("contacts: "), error=True)
            return
        form.reset()
        self._add_feedback(_("Sending a request to {jid}…", jid=jid), error=False)

        def done(fut: asyncio.Future[Any]) -> None:
            if fut.cancelled():
                return
            if fut.exception() is not None:
                logger.info("adding %s failed: %s", jid, fut.exception())
                self._add_feedback(_("Could not add {jid}: {reason}", jid=jid, reason=fut.exception()), error=True)
            else:
                self._add_feedback(_("Request sent to {jid}.", jid=jid), error=False)
        future.add_done_callback(done)

    def _add_feedback(self, text: str, *, error: bool) -> None:
        line = self.panel.querySelector('[data-role="add-feedback"]')
        if found(line):
            line.textContent = text
            line.className = "cpy-error" if error else "cpy-feedback"

    def on_filter(self, element: Any, _event: Any) -> None:
        self.filter_text = str(element.value).strip()
        self.render_roster()
