"""The ``converse-ui`` core plugin: control box (login form, roster) and chat boxes.

Rendering is batched: a view builds a whole fragment's HTML in Python (escaped
by ``converse_py.dom.html``) and crosses into the DOM once. One delegated
listener per event type on the root routes ``data-action`` elements.
"""

from __future__ import annotations

import asyncio
from typing import Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.chats.models import ChatBox, ShownMessage
from .. import templates
from ..ffi import ProxyKeeper


class UIPlugin:
    """Renders into ``#conversejs`` (made by the shim, or here if missing)."""

    _converse: Converse

    def initialize(self) -> None:
        converse = self._converse
        self.proxies = ProxyKeeper()
        self.root = js.document.getElementById("conversejs")
        if self.root is None:
            self.root = js.document.createElement("div")
            self.root.id = "conversejs"
            js.document.body.appendChild(self.root)
        self.root.className = f"converse-py cpy-{converse.settings.get('view_mode')}"
        self.root.innerHTML = (
            '<div class="cpy-controlbox" data-role="controlbox" role="complementary" aria-label="Contacts"></div>'
            '<div class="cpy-chats" data-role="chats"></div>')
        self.controlbox = self.root.querySelector('[data-role="controlbox"]')
        self.chats = self.root.querySelector('[data-role="chats"]')
        self.box_views: dict[str, ChatBoxView] = {}
        self.login_error = ""
        self.state = "disconnected"
        for kind, handler in (("submit", self.on_submit), ("click", self.on_click), ("keydown", self.on_keydown)):
            self.root.addEventListener(kind, self.proxies.keep(handler))
        listen = converse.api.listen
        listen.on("connectionStatusChanged", self.on_status)
        listen.on("connected", lambda *_: self.render_controlbox())
        listen.on("disconnected", lambda *_: self.render_controlbox())
        for event in ("roster", "rosterPush"):
            listen.on(event, lambda *_: self.render_roster())
        listen.on("contactStatusChanged", self.update_contact)
        listen.on("chatBoxOpened", self.open_box)
        listen.on("chatBoxClosed", self.close_box)
        listen.on("chatBoxFocused", self.focus_box)
        if converse.settings.get("auto_login"):
            self.state = "connecting"
        self.render_controlbox()

    # -- control box --------------------------------------------------------------------
    def render_controlbox(self) -> None:
        converse = self._converse
        if converse.session.connected:
            roster = getattr(converse, "roster", None)
            contacts = list(roster.contacts.values()) if roster else []
            html = templates.controlbox(jid=converse.session.jid or "", contacts=self._visible(contacts),
                                        grouped=bool(converse.settings.get("roster_groups")), state=self.state)
        elif self.state in ("connecting", "authenticating"):
            html = templates.loading("Connecting…")
        else:
            html = templates.login_form(jid=converse.settings.get("jid") or "", error=self.login_error)
        self.controlbox.innerHTML = html

    def render_roster(self) -> None:
        wrap = self.controlbox.querySelector('[data-role="roster"]')
        roster = getattr(self._converse, "roster", None)
        if wrap is None or roster is None:
            return
        wrap.innerHTML = templates.roster(self._visible(list(roster.contacts.values())),
                                          grouped=bool(self._converse.settings.get("roster_groups")))

    def update_contact(self, contact: Any) -> None:
        row = self.controlbox.querySelector(f'li[data-jid="{js.CSS.escape(contact.get("jid"))}"]')
        if row is None or self._converse.settings.get("hide_offline_users"):
            self.render_roster()
        else:
            row.outerHTML = templates.contact_row(contact)

    def _visible(self, contacts: list[Any]) -> list[Any]:
        if self._converse.settings.get("hide_offline_users"):
            return [c for c in contacts if c.get("chat_status") != "offline"]
        return contacts

    def on_status(self, status: str, condition: str) -> None:
        self.state = status
        if status == "authfail":
            self.login_error = "Wrong XMPP address or password."
        elif status in ("connfail", "conntimeout", "error"):
            self.login_error = f"Could not connect ({condition or status})."
        elif status in ("connected", "attached"):
            self.login_error = ""
        if not self._converse.session.connected:
            self.render_controlbox()
        else:
            label = self.controlbox.querySelector(".cpy-conn")
            if label is not None:
                label.textContent = status

    # -- chat boxes ---------------------------------------------------------------------
    def open_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is None:
            self.box_views[box.get("jid")] = ChatBoxView(box, self.chats)
        else:
            view.element.hidden = False

    def close_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is not None:
            view.element.hidden = True

    def focus_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is not None:
            view.element.querySelector("textarea").focus()

    # -- DOM events ---------------------------------------------------------------------
    def on_submit(self, event: Any) -> None:
        form = event.target
        action = form.getAttribute("data-action")
        if action not in ("login", "send"):
            return
        event.preventDefault()
        if action == "login":
            self.submit_login(form)
        else:
            self.submit_message(form)

    def submit_login(self, form: Any) -> None:
        jid = str(form.elements.namedItem("jid").value).strip()
        password_input = form.elements.namedItem("password")
        password = str(password_input.value)
        password_input.value = ""
        self.login_error = ""
        try:
            future = self._converse.api.user.login({"jid": jid, "password": password})
        except Exception as exc:
            self.login_error = str(exc).removeprefix("user.login: ")
            self.render_controlbox()
            return
        del password

        def done(fut: asyncio.Future[Any]) -> None:
            if not fut.cancelled() and fut.exception() is not None:
                self.login_error = self.login_error or str(fut.exception())
                self.render_controlbox()
        future.add_done_callback(done)

    def submit_message(self, form: Any) -> None:
        textarea = form.elements.namedItem("body")
        text = str(textarea.value)
        if not text.strip():
            return
        box = self._converse.chats.boxes.get(form.getAttribute("data-jid"))  # type: ignore[attr-defined]
        if box is None:
            return
        try:
            box.send_message(text)
        except Exception as exc:
            logger.error("could not send: %s", exc)
            return
        textarea.value = ""

    def on_click(self, event: Any) -> None:
        target = event.target.closest("[data-action]")
        if target is None:
            return
        action = target.getAttribute("data-action")
        if action == "open-chat":
            box = self._converse.api.chats.open(target.getAttribute("data-jid"))  # type: ignore[attr-defined]
            box.focus()
        elif action == "close-chat":
            box = self._converse.chats.boxes.get(target.getAttribute("data-jid"))  # type: ignore[attr-defined]
            if box is not None:
                box.close()
        elif action == "logout":
            self._converse.api.user.logout()

    def on_keydown(self, event: Any) -> None:
        target = event.target
        if event.key == "Enter" and not event.shiftKey and target.tagName == "TEXTAREA":
            form = target.closest('form[data-action="send"]')
            if form is not None:
                event.preventDefault()
                self.submit_message(form)


class ChatBoxView:
    """One chat box element; new messages are buffered and rendered once per loop turn."""

    def __init__(self, box: ChatBox, container: Any) -> None:
        self.box = box
        container.insertAdjacentHTML("beforeend", templates.chatbox(box))
        self.element = container.lastElementChild
        self.list = self.element.querySelector('[data-role="messages"]')
        self.pending: list[ShownMessage] = []
        self.last_day: str | None = None
        box.on_messages(self.queue)
        if box.messages:
            self.queue(box, list(box.messages))

    def queue(self, _box: ChatBox, messages: list[ShownMessage]) -> None:
        if not self.pending:
            asyncio.get_event_loop().call_soon(self.flush)
        self.pending.extend(messages)

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        html, self.last_day = templates.message_items(batch, self.last_day)
        self.list.insertAdjacentHTML("beforeend", html)
        self.list.scrollTop = self.list.scrollHeight
