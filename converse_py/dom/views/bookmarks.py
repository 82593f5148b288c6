"""Bookmark views: the ☆/★ toggle and the minimize button in each room's header, and the
control box's list of open rooms (unread and mention counts; a click shows the room).

Additive to the room views: the buttons are put into a room's header when it opens (after
``RoomsView`` made it), the list into the control box's ``open-rooms`` slot.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.bookmarks.state import BookmarksState
from ...plugins.muc.models import Room
from ...plugins.muc.plugin import RoomsState
from .. import bookmark_templates as t
from ..ffi import found

if TYPE_CHECKING:
    from .rooms import RoomsView
    from .ui import UIPlugin

#: Room attributes the open rooms list shows.
SHOWN = ("num_unread", "num_mentions", "name", "minimized", "closed")


class OpenRoomsView:
    """The header buttons of every room and the open rooms list."""

    def __init__(self, converse: Converse, ui: UIPlugin, rooms_view: RoomsView, panel: Any) -> None:
        self.converse = converse
        self.rooms_view = rooms_view
        self.panel = panel
        self._dirty = False
        self._watched: set[int] = set()
        listen = converse.api.listen
        listen.on("roomOpened", self.on_room_opened)
        listen.on("chatBoxClosed", lambda box: self.schedule() if box.get("type") == "chatroom" else None)
        for event in ("bookmarkAdded", "bookmarkRemoved", "bookmarksInitialized"):
            listen.on(event, lambda *_: self.bookmarks_changed())
        for event in ("connected", "will-reconnect", "streamResumed"):  # the control box was rendered again
            listen.on(event, lambda *_: self.render())
        ui.on_action("click", "toggle-bookmark", self.on_toggle_bookmark)
        ui.on_action("click", "minimize-room", self.on_minimize)
        ui.on_action("click", "show-room", self.on_show)

    @property
    def _bookmarks(self) -> BookmarksState | None:
        return self.converse.find(BookmarksState)

    def _room(self, element: Any) -> Room | None:
        rooms = self.converse.find(RoomsState)
        return rooms.rooms.get(str(element.getAttribute("data-jid"))) if rooms else None

    # -- room headers -----------------------------------------------------------------------
    def on_room_opened(self, room: Room) -> None:
        if id(room) not in self._watched:
            self._watched.add(id(room))
            room.on_change(self.on_room_change)
        self.decorate(room)
        self.schedule()

    def decorate(self, room: Room) -> None:
        """Put the bookmark toggle (with ``allow_bookmarks``) and the minimize button in the header."""
        view = self.rooms_view.views.get(room.get("jid"))
        if view is None:
            return
        header = view.element.querySelector("header")
        close = header.querySelector('[data-action="close-room"]')
        if not found(header.querySelector('[data-action="minimize-room"]')):
            close.insertAdjacentHTML("beforebegin", t.minimize_toggle(room.get("jid"), bool(room.get("minimized"))))
        self._apply_minimized(view.element, bool(room.get("minimized")))
        self.render_toggle(room)

    def render_toggle(self, room: Room) -> None:
        view = self.rooms_view.views.get(room.get("jid"))
        bookmarks = self._bookmarks
        if view is None:
            return
        old = view.element.querySelector('[data-action="toggle-bookmark"]')
        if bookmarks is None or not bookmarks.storage or not self.converse.settings.get("allow_bookmarks"):
            if found(old):
                old.remove()  # no bookmarks on this server (or not read yet): no toggle that cannot work
            return
        html = t.bookmark_toggle(room.get("jid"), bookmarks.is_bookmarked(room.get("jid")))
        if found(old):
            old.outerHTML = html
        else:
            view.element.querySelector('header [data-action="minimize-room"]').insertAdjacentHTML("beforebegin", html)

    def bookmarks_changed(self) -> None:
        rooms = self.converse.find(RoomsState)
        for room in rooms.rooms.values() if rooms else ():
            self.render_toggle(room)
        self.schedule()

    def on_toggle_bookmark(self, element: Any, _event: Any) -> None:
        room, bookmarks = self._room(element), self._bookmarks
        if room is None or bookmarks is None:
            return
        jid = room.get("jid")
        element.disabled = True
        if bookmarks.is_bookmarked(jid):
            future = self.converse.api.bookmarks.remove(jid)
        else:
            name = room.get("name") if room.get("name") not in (jid, jid.partition("@")[0]) else ""
            future = self.converse.api.bookmarks.add({"jid": jid, "name": name or "", "nick": room.get("nick") or "",
                                                      "autojoin": True, "password": room.password or ""})

        def done(finished: asyncio.Future[Any]) -> None:
            element.disabled = False
            if not finished.cancelled() and finished.exception() is not None:
                logger.error("bookmark of %s not changed: %s", jid, finished.exception())
                view = self.rooms_view.views.get(jid)
                if view is not None:
                    view.show_error(str(finished.exception()))
            self.render_toggle(room)
        future.add_done_callback(done)

    def on_minimize(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            room.maximize() if room.get("minimized") else room.minimize()

    def on_room_change(self, room: Any, changed: dict[str, Any]) -> None:
        if "minimized" in changed:
            view = self.rooms_view.views.get(room.get("jid"))
            if view is not None:
                self._apply_minimized(view.element, bool(changed["minimized"]))
        if any(key in changed for key in SHOWN):
            self.schedule()

    def _apply_minimized(self, element: Any, minimized: bool) -> None:
        element.classList.toggle("cpy-minimized", minimized)
        button = element.querySelector('header [data-action="minimize-room"]')
        if found(button):
            button.outerHTML = t.minimize_toggle(str(element.getAttribute("data-jid")), minimized)

    # -- the open rooms list -----------------------------------------------------------------------
    def on_show(self, element: Any, _event: Any) -> None:
        room = self._room(element)
        if room is not None:
            room.show()
            room.focus()

    def schedule(self) -> None:
        if not self._dirty:
            self._dirty = True
            asyncio.get_event_loop().call_soon(self.render)

    def render(self) -> None:
        self._dirty = False
        slot = self.panel.querySelector('[data-role="open-rooms"]')
        rooms = self.converse.find(RoomsState)
        if not found(slot) or rooms is None:
            return
        bookmarks = self._bookmarks
        marked = set(bookmarks.bookmarks) if bookmarks is not None else set()
        slot.innerHTML = t.open_rooms([r for r in rooms.rooms.values() if not r.get("closed")], marked)
