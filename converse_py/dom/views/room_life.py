"""Room life views: the ⋯ menu in each room's header (change nickname, room info, configuration
form and destroy for owners), the panel under the header that shows one of them, and the
"Message privately" button of each occupant (private chats open as chat boxes).

Additive to the room views: the menu is put into a room's header when it opens (after
``RoomsView`` made it); the panel goes right after the header.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from collections.abc import Awaitable

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.muc.models import Room
from ...plugins.muc.plugin import RoomsState
from ...plugins.room_life.private import PrivateChats
from ...plugins.room_life.state import RoomLife
from .. import room_life_templates as t
from ..ffi import found
from ..html import Markup, tag

if TYPE_CHECKING:
    from .rooms import RoomView, RoomsView
    from .ui import UIPlugin


class RoomLifeView:
    """The room menu, its panels, and the occupants' private message buttons."""

    def __init__(self, converse: Converse, ui: UIPlugin, rooms_view: RoomsView) -> None:
        self.converse = converse
        self.rooms_view = rooms_view
        self._watched: set[int] = set()
        converse.api.listen.on("roomOpened", self.on_room_opened)
        for kind, action, handler in (
                ("click", "room-nick", self.show_nick),
                ("click", "room-info", self.show_info),
                ("click", "room-config", self.show_config),
                ("click", "room-destroy", self.show_destroy),
                ("click", "room-panel-close", self.on_close_panel),
                ("click", "room-config-cancel", self.on_config_cancel),
                ("submit", "room-nick-submit", self.on_nick_submit),
                ("submit", "room-config-submit", self.on_config_submit),
                ("submit", "room-destroy-submit", self.on_destroy_submit),
                ("click", "message-occupant", self.on_message_occupant)):
            ui.on_action(kind, action, handler)

    @property
    def life(self) -> RoomLife:
        return self.converse.get(RoomLife)

    def _room(self, element: Any) -> Room | None:
        rooms = self.converse.find(RoomsState)
        return rooms.rooms.get(str(element.getAttribute("data-jid"))) if rooms else None

    def _view(self, room: Room) -> RoomView | None:
        return self.rooms_view.views.get(room.get("jid"))

    # -- the header menu ------------------------------------------------------------------------
    def on_room_opened(self, room: Room) -> None:
        view = self._view(room)
        if view is None:
            return
        if id(room) not in self._watched:
            self._watched.add(id(room))
            room.on_change(self.on_room_change)
        header = view.element.querySelector("header")
        if not found(header.querySelector('[data-role="room-menu"]')):
            header.querySelector('[data-action="close-room"]').insertAdjacentHTML(
                "beforebegin", t.room_menu(room.get("jid"), self._is_owner(room)))
            header.insertAdjacentHTML("afterend", '<div class="cpy-room-panel-slot" data-role="room-panel"></div>')
        view.occupant_actions = lambda occupant: self._occupant_actions(room, occupant)

    @staticmethod
    def _is_owner(room: Room) -> bool:
        own = room.own_occupant()
        return own is not None and own.get("affiliation") == "owner"

    def _occupant_actions(self, room: Room, occupant: Any) -> Markup | None:
        nick = str(occupant.get("nick") or "")
        if not nick or nick == room.get("nick"):
            return None
        return t.private_button(room.get("jid"), nick)

    def on_room_change(self, room: Any, changed: dict[str, Any]) -> None:
        if "occupants_version" not in changed and "nick" not in changed:
            return
        view = self._view(room)
        if view is None:
            return
        owner = self._is_owner(room)
        for item in view.element.querySelectorAll('[data-owner-only="1"]'):
            item.hidden = not owner

    # -- panels ---------------------------------------------------------------------------------
    def _panel(self, room: Room, html: str) -> Any:
        view = self._view(room)
        if view is None:
            return None
        menu = view.element.querySelector('[data-role="room-menu"]')
        if found(menu):
            menu.open = False
        slot = view.element.querySelector('[data-role="room-panel"]')
        slot.innerHTML = html
        return slot

    def _error(self, room: Room, text: str) -> None:
        view = self._view(room)
        line = view.element.querySelector('[data-role="room-panel-error"]') if view is not None else None
        if found(line):
            line.textContent = text
            line.hidden = not text
        elif view is not None:
            view.show_error(text)

    def _run(self, room: Room, work: Awaitable[Any], then: Any = None) -> None:
        """Run ``work``; its failure is shown in the panel in words, its result given to ``then``."""
        async def run() -> None:
            try:
                result = await work
            except Exception as exc:
                logger.info("room %s: %s", room.get("jid"), exc)
                self._error(room, str(exc))
                return
            if then is not None:
                then(result)
        asyncio.ensure_future(run())

    def on_close_panel(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            self._panel(room, "")

    def show_nick(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            slot = self._panel(room, t.nick_form(room.get("jid"), room.get("nick")))
            field = slot.querySelector('input[name="nick"]') if slot is not None else None
            if found(field):
                field.focus()

    def on_nick_submit(self, form: Any, _event: Any) -> None:
        room = self._room(form)
        if room is None:
            return
        try:
            self.life.change_nick(room, str(form.elements.namedItem("nick").value))
        except Exception as exc:
            self._error(room, str(exc))
            return
        self._panel(room, "")

    def show_info(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            self._panel(room, t.panel_frame(room.get("jid"), _("Room info"),
                                            tag("p", {"role": "status"}, _("Loading…"))))
            self._run(room, self.life.info(room), lambda info: self._panel(room, t.room_info(room.get("jid"), info)))

    def show_config(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            self._panel(room, t.panel_frame(room.get("jid"), _("Configure the room"),
                                            tag("p", {"role": "status"}, _("Loading…"))))
            self._run(room, self.life.config_form(room),
                      lambda form: self._panel(room, t.config_form(room.get("jid"), form)))

    def on_config_submit(self, form_element: Any, _event: Any) -> None:
        room = self._room(form_element)
        form = self.life.forms.get(room.get("jid")) if room is not None else None
        if room is None or form is None:
            return
        values: dict[str, Any] = {}
        for f in form.fields:
            if f.type in ("fixed", "hidden") or not f.var:
                continue
            control = form_element.querySelector(f'[name="{_css(f.var)}"]')
            if not found(control):
                continue
            if f.type == "boolean":
                values[f.var] = bool(control.checked)
            elif f.type == "list-multi":
                values[f.var] = [str(o.value) for o in control.selectedOptions]
            else:  # text-multi / jid-multi: one value a line
                values[f.var] = str(control.value)
        self._run(room, self.life.submit_config(room, values), lambda _done: self._configured(room))

    def _configured(self, room: Room) -> None:
        self._panel(room, "")
        room.add_info(_("The room's configuration was saved."))

    def on_config_cancel(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            self._run(room, self.life.cancel_config(room))
            self._panel(room, "")

    def show_destroy(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            self._panel(room, t.destroy_form(room.get("jid")))

    def on_destroy_submit(self, form: Any, _event: Any) -> None:
        room = self._room(form)
        if room is None:
            return
        reason = str(form.elements.namedItem("reason").value).strip()
        alternate = str(form.elements.namedItem("alternate").value).strip()
        self._run(room, self.life.destroy(room, reason or None, alternate or None), lambda _done: self._panel(room, ""))

    # -- private messages ------------------------------------------------------------------------
    def on_message_occupant(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is None:
            return
        try:
            box = self.converse.get(PrivateChats).open(room, str(element.getAttribute("data-nick")))
        except Exception as exc:
            self._error(room, str(exc))
            return
        box.focus()


def _css(value: str) -> str:
    """``value`` quoted for a CSS attribute selector."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
