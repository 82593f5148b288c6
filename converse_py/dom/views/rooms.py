"""Room views: a box per open room (messages, occupants, subject, invite), the control box's
"Rooms" panel (join form, public room list) and invitation notices.

Messages and occupant lists are rendered in batches (messages by the ``MessageListView`` chat
boxes use too: views/message_list.py; occupants once per loop turn), so a busy room with hundreds
of occupants costs one DOM crossing per batch.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.moderation.plugin import ModerationState
from ...plugins.muc.api import RoomsAPI
from ...plugins.muc.models import Room
from ...plugins.muc.plugin import RoomsState
from ...plugins.roster.plugin import RosterState
from ...xmpp.jid import JID
from ...i18n import _, ngettext
from .. import room_templates as t
from .. import templates
from ..html import Markup
from .avatars import avatar_url
from ..ffi import ProxyKeeper, found
from ..hooks import toolbar_buttons
from .composer_bar import ComposerBar
from .message_list import MessageListView

#: Occupant rows rendered in one task (bench scenario 8: a 500-occupant room, no task over 200 ms).
OCCUPANT_ROWS_PER_TASK = 100

if TYPE_CHECKING:
    from .ui import UIPlugin


class RoomsView:
    """Follows roomOpened/chatBoxClosed for rooms and renders the Rooms panel."""

    def __init__(self, converse: Converse, ui: UIPlugin, container: Any, controlbox_panel: Any) -> None:
        self.converse = converse
        self.container = container
        self.panel = controlbox_panel
        self.views: dict[str, RoomView] = {}
        self.invitations: dict[str, dict[str, Any]] = {}
        listen = converse.api.listen
        self.proxies = ProxyKeeper()
        listen.on("roomOpened", self.open_room)
        listen.on("chatBoxClosed", self.close_room)
        listen.on("connected", lambda *_: self.render_panel())
        listen.on("roomInvite", self.on_invite)
        for event in ("rosterContactsFetched", "rosterPush"):
            listen.on(event, lambda *_: self.refresh_invite_lists())
        for kind, action, handler in (
                ("submit", "send-room", self.on_send),
                ("keydown", "send-room", self.on_compose_key),
                ("click", "close-room", self.on_close),
                ("submit", "invite", self.on_invite_submit),
                ("submit", "set-subject", self.on_subject_submit),
                ("submit", "join-room", self.on_join_submit),
                ("click", "list-rooms", self.on_list_rooms),
                ("click", "join-listed-room", self.on_join_listed),
                ("click", "accept-invite", self.on_invite_answer),
                ("click", "dismiss-invite", self.on_invite_answer)):
            ui.on_action(kind, action, handler)

    # -- the Rooms panel in the control box -----------------------------------------------------
    def _service(self) -> str:
        configured = self.converse.settings.get("muc_domain")
        if configured:
            return str(configured)
        try:
            return f"conference.{JID.parse(self.converse.session.jid or '').domain}"
        except ValueError:
            return ""

    def render_panel(self) -> None:
        slot = self.panel.querySelector('[data-role="rooms-panel"]')
        if not found(slot):
            return
        rooms = self.converse.find(RoomsState)
        slot.innerHTML = t.join_form(hide_server=bool(self.converse.settings.get("hide_muc_server")),
                                     service=self._service(), nick=rooms.default_nick() if rooms else "")
        slot.insertAdjacentHTML("beforeend", '<ul class="cpy-invitations" data-role="invitations" role="list"></ul>')
        self.render_invitations()
        details = slot.querySelector('[data-role="rooms-details"]')
        if self.converse.settings.get("auto_list_rooms") and found(details):
            details.addEventListener("toggle", self.proxies.keep(lambda *_: self._auto_list(details)))

    def _auto_list(self, details: Any) -> None:
        if details.open:
            self.list_rooms()

    def _feedback(self, text: str, error: bool = False) -> None:
        line = self.panel.querySelector('[data-role="rooms-feedback"]')
        if found(line):
            line.textContent = text
            line.className = "cpy-error" if error else "cpy-feedback"

    def list_rooms(self) -> None:
        rooms = self.converse.find(RoomsState)
        target = self.panel.querySelector('[data-role="room-list"]')
        server_input = self.panel.querySelector("#cpy-room-server")
        service = str(server_input.value).strip() if found(server_input) else self._service()
        if rooms is None or not found(target) or not service:
            return
        self._feedback(_("Asking {service} for its rooms…", service=service))

        async def run() -> None:
            try:
                listing = await rooms.list_rooms(service)
            except Exception as exc:
                self._feedback(_("Could not list the rooms of {service}: {reason}", service=service, reason=exc), error=True)
                return
            target.innerHTML = t.room_list([{"jid": r.jid, "name": r.name} for r in listing])
            self._feedback(ngettext("{count} public room on {service}.", "{count} public rooms on {service}.",
                                     len(listing), service=service))
        asyncio.ensure_future(run())

    def on_list_rooms(self, _element: Any, _event: Any) -> None:
        self.list_rooms()

    def _open(self, jid: str, attrs: dict[str, Any] | None = None) -> None:
        """Open a room as ``api.rooms.open`` does (same checks, same error messages)."""
        RoomsAPI(self.converse.get(RoomsState)).open(jid, attrs)

    def on_join_submit(self, form: Any, _event: Any) -> None:
        name = str(form.elements.namedItem("room").value).strip()
        server = form.elements.namedItem("server")
        service = str(server.value).strip() if found(server) else self._service()
        nick = str(form.elements.namedItem("nick").value).strip()
        jid = name if "@" in name else f"{name}@{service}"
        try:
            self._open(jid, {"nick": nick} if nick else None)
        except Exception as exc:
            self._feedback(str(exc).removeprefix("rooms.open: "), error=True)
            return
        self._feedback(_("Entering {jid}…", jid=jid))
        form.elements.namedItem("room").value = ""

    def on_join_listed(self, element: Any, _event: Any) -> None:
        self._open(str(element.getAttribute("data-jid")))

    # -- invitations ------------------------------------------------------------------------------
    def on_invite(self, invite: dict[str, Any]) -> None:
        self.invitations[invite["room"]] = invite
        self.render_invitations()

    def render_invitations(self) -> None:
        target = self.panel.querySelector('[data-role="invitations"]')
        if found(target):
            target.innerHTML = "".join(t.invitation(i) for i in self.invitations.values())

    def on_invite_answer(self, element: Any, _event: Any) -> None:
        room = str(element.getAttribute("data-jid"))
        invite = self.invitations.pop(room, None)
        self.render_invitations()
        if invite is not None and element.getAttribute("data-action") == "accept-invite":
            attrs = {"password": invite["password"]} if invite.get("password") else None
            self._open(room, attrs)

    def refresh_invite_lists(self) -> None:
        for view in self.views.values():
            view.render_invite_contacts()

    # -- room boxes --------------------------------------------------------------------------------
    def open_room(self, room: Room) -> None:
        view = self.views.get(room.get("jid"))
        if view is None:
            self.views[room.get("jid")] = RoomView(self.converse, room, self.container)
        else:
            view.element.hidden = False
            view.render_toolbar()

    def close_room(self, box: Any) -> None:
        if box.get("type") != "chatroom":
            return
        view = self.views.get(box.get("jid"))
        if view is not None:
            view.element.hidden = True

    def _room(self, element: Any) -> Room | None:
        rooms = self.converse.find(RoomsState)
        return rooms.rooms.get(str(element.getAttribute("data-jid"))) if rooms else None

    def on_send(self, form: Any, _event: Any) -> None:
        room = self._room(form)
        textarea = form.elements.namedItem("body")
        text = str(textarea.value)
        if room is None or not text.strip():
            return
        try:
            room.send_message(text)
        except Exception as exc:
            logger.error("could not send to %s: %s", room.get("jid"), exc)
            return
        textarea.value = ""

    def on_compose_key(self, form: Any, event: Any) -> None:
        if event.key == "Enter" and not event.shiftKey and event.target.tagName == "TEXTAREA":
            event.preventDefault()
            self.on_send(form, event)
        elif event.key == "Escape":
            room = self._room(form)
            if room is not None and (room.get("reply_to") is not None or room.get("spoiler") is not None):
                event.preventDefault()  # Escape drops the "Replying to" / spoiler bar
                room.set({"reply_to": None, "spoiler": None})

    def on_close(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            room.close()

    def on_invite_submit(self, form: Any, _event: Any) -> None:
        room = self._room(form)
        jid = str(form.elements.namedItem("jid").value).strip()
        reason = str(form.elements.namedItem("reason").value).strip() or None
        if room is None or not jid:
            return
        try:
            JID.parse(jid)
        except ValueError as exc:
            self.views[room.get("jid")].show_error(_("Cannot invite {jid}: {reason}", jid=jid, reason=exc))
            return
        self.converse.get(RoomsState).invite(room, jid, reason)
        form.reset()

    def on_subject_submit(self, form: Any, _event: Any) -> None:
        room = self._room(form)
        if room is not None:
            self.converse.get(RoomsState).set_subject(room, str(form.elements.namedItem("subject").value))
            form.reset()


class RoomView:
    """One room's element; its message list is a ``MessageListView`` (as a chat box's)."""

    def __init__(self, converse: Converse, room: Room, container: Any) -> None:
        self.converse = converse
        self.room = room
        container.insertAdjacentHTML("beforeend", t.room_box(room, toolbar_buttons(converse, room),
                                                                 avatar_url(converse, room.get("jid"))))
        self.element = container.lastElementChild
        self.occupant_list = self.element.querySelector('[data-role="occupants"]')
        self._occupants_dirty = False
        self._occupant_pass = 0  # render_occupants passes started (a newer one drops an older one's rest)
        #: Buttons of an occupant's row (set by the room life view: "Message privately").
        self.occupant_actions: Callable[[Any], Markup | None] | None = None
        self.proxies = ProxyKeeper()
        self.messages = MessageListView(converse, room, self.element.querySelector('[data-role="messages"]'),
                                        self.element.querySelector('[data-role="history"]'), self.proxies,
                                        room=True)
        self.list = self.messages.element
        self.composer_bar = ComposerBar(room, self.element.querySelector('[data-role="composer-bar"]'), self.proxies)
        room.on_change(self.on_change)
        if room.messages:
            self.messages.render_all()
        self.render_invite_contacts()

    def render_toolbar(self) -> None:
        """Ask the plugins for the toolbar's buttons again (hook ``getToolbarButtons``)."""
        self.element.querySelector('[data-role="toolbar"]').outerHTML = templates.toolbar(
            toolbar_buttons(self.converse, self.room))

    def on_change(self, room: Any, changed: dict[str, Any]) -> None:
        if "subject" in changed:
            line = self.element.querySelector('[data-role="subject"]')
            line.textContent = changed["subject"]
            line.hidden = not changed["subject"]
        if "error" in changed:
            self.show_error(changed["error"])
        if "connection_status" in changed:
            self.element.querySelector('[data-role="room-status"]').textContent = changed["connection_status"]
            self._occupants_changed()
        if "name" in changed:
            self.element.querySelector('[data-role="room-name"]').textContent = changed["name"]
        if "occupants_version" in changed or "nick" in changed:
            self._occupants_changed()
        if "features" in changed or "omemo_active" in changed:  # e.g. OMEMO's switch (plugins/omemo/rooms.py)
            self.render_toolbar()
        if "focus_requests" in changed:
            self.element.querySelector("textarea").focus()
        if changed.get("closed") is False:
            self.element.hidden = False
        if "num_unread" in changed:
            self.element.querySelector('[data-role="unread"]').outerHTML = templates.unread_badge(
                changed["num_unread"] or 0)

    def show_error(self, text: str) -> None:
        line = self.element.querySelector('[data-role="room-error"]')
        line.textContent = text or ""
        line.hidden = not text

    def _occupants_changed(self) -> None:
        if not self._occupants_dirty:
            self._occupants_dirty = True
            asyncio.get_event_loop().call_soon(self.render_occupants)

    def render_occupants(self) -> None:
        """The occupant list again, ``OCCUPANT_ROWS_PER_TASK`` rows per task: a room of hundreds
        fills its list over a few short tasks rather than one long one. A change meanwhile starts
        a new pass (the rest of the old one is dropped)."""
        self._occupants_dirty = False
        self._occupant_pass += 1
        self._render_occupant_rows(self._occupant_pass, t.rank_occupants(list(self.room.occupants.values())), 0)

    def _render_occupant_rows(self, render_pass: int, ranked: list[Any], start: int) -> None:
        if render_pass != self._occupant_pass:
            return  # the occupants changed: a newer pass shows them
        moderation = self.converse.find(ModerationState)
        html = t.occupants(
            ranked[start:start + OCCUPANT_ROWS_PER_TASK], self.room.get("jid"),
            lambda jid: avatar_url(self.converse, jid),
            (lambda o: moderation.occupant_menu(self.room, o)) if moderation is not None else None,
            self.occupant_actions)
        if start == 0:
            self.occupant_list.innerHTML = html
        else:
            self.occupant_list.insertAdjacentHTML("beforeend", html)
        if start + OCCUPANT_ROWS_PER_TASK < len(ranked):
            asyncio.get_event_loop().call_soon(self._render_occupant_rows, render_pass, ranked,
                                               start + OCCUPANT_ROWS_PER_TASK)

    def render_invite_contacts(self) -> None:
        roster = self.converse.find(RosterState)
        target = self.element.querySelector('[data-role="invite-contacts"]')
        if roster is not None and found(target):
            target.innerHTML = t.contact_options([c for c in roster.contacts.values() if c.in_roster])
