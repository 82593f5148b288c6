"""Contact management: the "⋯" menu of each roster row and of each chat box's header opens a
modal dialog to rename the contact, change its roster groups (or make a new one) and remove it
(``allow_contact_removal``) after a confirmation that names it.

Additive to the control box and chat box views: the rows carry the button already
(controlbox_templates.contact_row); chat box headers get it when the box opens and when a roster
push adds or removes the contact. Changes go to the server as one roster set; the server's push
updates the rows.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.chats.models import ChatBox
from ...plugins.roster.models import Contact
from ...plugins.roster.plugin import RosterState
from .. import contact_templates as t
from ..ffi import found

if TYPE_CHECKING:
    from .ui import UIPlugin


class ContactManageView:
    """The contact dialog and the header buttons of chat boxes."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.ui = ui
        root.insertAdjacentHTML("beforeend", '<dialog class="cpy-contact-dialog" data-role="contact-dialog" '
                                             'aria-labelledby="cpy-manage-title"></dialog>')
        self.dialog = root.lastElementChild
        self.jid: str | None = None  # whose dialog is open
        listen = converse.api.listen
        listen.on("chatBoxOpened", self.decorate)
        listen.on("rosterPush", self.on_roster_push)
        listen.on("roster", lambda *_: self.decorate_all())
        for kind, action, handler in (("click", "manage-contact", self.on_manage),
                                      ("submit", "save-contact", self.on_save),
                                      ("click", "close-contact-dialog", lambda *_: self.close()),
                                      ("click", "remove-contact", self.on_remove),
                                      ("click", "cancel-remove", self.on_cancel_remove),
                                      ("click", "confirm-remove", self.on_confirm_remove)):
            ui.on_action(kind, action, handler)

    @property
    def _roster(self) -> RosterState | None:
        return self.converse.find(RosterState)

    def _contact(self, jid: str | None) -> Contact | None:
        roster = self._roster
        contact = roster.contacts.get(jid) if roster is not None and jid else None
        return contact if contact is not None and contact.in_roster else None

    # -- chat box headers ---------------------------------------------------------------------
    def decorate(self, box: ChatBox) -> None:
        """The header's "⋯" button while the chat's contact is in the roster."""
        if box.get("type") == "chatroom":
            return
        view = self.ui.chats.box_views.get(box.get("jid"))
        if view is None:
            return
        header = view.element.querySelector("header")
        old = header.querySelector('[data-action="manage-contact"]')
        contact = self._contact(box.get("jid"))
        if contact is None:
            if found(old):
                old.remove()
        elif not found(old):
            header.querySelector('[data-action="toggle-chat"]').insertAdjacentHTML(
                "beforebegin", t.manage_button(contact.get("jid"), t.contact_name(contact)))

    def decorate_all(self) -> None:
        for view in list(self.ui.chats.box_views.values()):
            self.decorate(view.box)

    def on_roster_push(self, contact: Contact) -> None:
        jid = contact.get("jid")
        view = self.ui.chats.box_views.get(jid)
        if view is not None:
            self.decorate(view.box)
        if jid == self.jid and self.dialog.open and self._contact(jid) is None:
            self.close()  # removed (here or elsewhere): nothing left to manage

    # -- the dialog ---------------------------------------------------------------------------
    def on_manage(self, element: Any, _event: Any) -> None:
        self.open(str(element.getAttribute("data-jid")))

    def open(self, jid: str, feedback: str = "", error: bool = False) -> None:
        contact = self._contact(jid)
        roster = self._roster
        if contact is None or roster is None:
            return
        groups = sorted({g for c in roster.contacts.values() if c.in_roster for g in c.get("groups") or []})
        self.jid = jid
        self.dialog.innerHTML = t.manage_dialog(
            contact, groups, allow_removal=bool(self.converse.settings.get("allow_contact_removal")),
            feedback=feedback, error=error)
        if not self.dialog.open:
            self.dialog.showModal()
        self.dialog.querySelector('input[name="name"]').focus()

    def close(self) -> None:
        self.jid = None
        if self.dialog.open:
            self.dialog.close()

    def _feedback(self, text: str, *, error: bool) -> None:
        line = self.dialog.querySelector('[data-role="manage-feedback"]')
        if found(line):
            line.textContent = text
            line.className = "cpy-error" if error else "cpy-feedback"

    def on_save(self, form: Any, _event: Any) -> None:
        jid = str(form.getAttribute("data-jid"))
        roster = self._roster
        if roster is None or self._contact(jid) is None:
            return
        boxes = form.querySelectorAll('input[name="group"]')
        checked = [str(boxes.item(i).value) for i in range(boxes.length) if boxes.item(i).checked]
        groups = t.chosen_groups(checked, str(form.elements.namedItem("new_group").value))
        name = str(form.elements.namedItem("name").value)
        self._feedback(_("Saving…"), error=False)
        future = asyncio.ensure_future(roster.update(jid, name=name, groups=groups))

        def done(finished: asyncio.Future[Any]) -> None:
            if finished.cancelled():
                return
            if finished.exception() is not None:
                logger.info("changing %s failed: %s", jid, finished.exception())
                self._feedback(_("Could not save: {reason}", reason=finished.exception()), error=True)
            elif self.jid == jid:
                self.close()
        future.add_done_callback(done)

    def _confirm(self) -> Any:
        return self.dialog.querySelector('[data-role="confirm-remove"]')

    def on_remove(self, element: Any, _event: Any) -> None:
        confirm = self._confirm()
        if found(confirm):
            confirm.hidden = False
            confirm.querySelector('[data-action="confirm-remove"]').focus()

    def on_cancel_remove(self, _element: Any, _event: Any) -> None:
        confirm = self._confirm()
        if found(confirm):
            confirm.hidden = True
            self.dialog.querySelector('[data-action="remove-contact"]').focus()

    def on_confirm_remove(self, element: Any, _event: Any) -> None:
        jid = str(element.getAttribute("data-jid"))
        if not self.converse.settings.get("allow_contact_removal") or self._contact(jid) is None:
            return
        element.disabled = True
        future = self.converse.api.contacts.remove(jid)

        def done(finished: asyncio.Future[Any]) -> None:
            if finished.cancelled():
                return
            if finished.exception() is not None:
                element.disabled = False
                logger.info("removing %s failed: %s", jid, finished.exception())
                self._feedback(_("Could not remove: {reason}", reason=finished.exception()), error=True)
            elif self.jid == jid:
                self.close()
        future.add_done_callback(done)
