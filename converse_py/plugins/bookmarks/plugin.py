"""Bookmarks plugin: the user's room bookmarks (XEP-0402 PEP native bookmarks, or XEP-0048 in
private XML storage when the account does not say ``urn:xmpp:bookmarks:1#compat``), rooms marked
autojoin joined at log-in with the bookmarked nick, live changes from the user's other clients
(PEP notifications, asked for with the ``+notify`` caps feature), rooms bookmarked when entered
(``allow_bookmarks``), ``api.bookmarks``; and the tab's open rooms (kept across a reload,
``auto_join_rooms``, mention counts: ``open_rooms.py``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ..muc.models import Room
from ..muc.plugin import RoomsState
from .api import BookmarksAPI
from .open_rooms import OpenRooms
from .stanzas import NOTIFY, Bookmark
from .state import BookmarksState


class BookmarksPlugin(Plugin):
    """``converse-bookmarks``: room bookmarks and the open rooms of the tab."""

    name = "converse-bookmarks"
    dependencies = ("converse-disco",)  # rooms (converse-muc) are optional: without them, no autojoin
    settings = {
        "allow_bookmarks": Setting(True, (bool,), "Bookmark a room (autojoin, with the nick used) when the user "
                                   "enters it, and show the bookmark toggle in room headers; false turns both "
                                   "off (bookmarks are still read and autojoined)."),
        "muc_respect_autojoin": Setting(True, (bool,), "Join the rooms whose bookmark says autojoin: at log-in, "
                                        "and when another of the user's clients adds one."),
        "auto_join_rooms": Setting([], (list, tuple), "Rooms to join after log-in: room JIDs or {jid, nick} "
                                   "objects, e.g. ['demo@conference.localhost', {jid: 'x@conference.localhost', "
                                   "nick: 'me'}]."),
    }
    events = {
        "bookmarksInitialized": EventDoc("the list of bookmarks {jid, name, nick, autojoin, password}",
                                         "the bookmarks were read after log-in (XEP-0402 or XEP-0048)",
                                         promise=True),
        "bookmarkAdded": EventDoc("the bookmark {jid, name, nick, autojoin, password}",
                                  "a room was bookmarked or its bookmark changed, here or on another of the "
                                  "user's clients"),
        "bookmarkRemoved": EventDoc("the bookmark that was removed",
                                    "a room's bookmark was removed, here or on another of the user's clients "
                                    "(an open room stays open)"),
    }
    features = (NOTIFY,)

    def initialize(self) -> None:
        converse = self._converse
        self.state = BookmarksState(converse)
        self.open_rooms = OpenRooms(converse)
        self._watched: set[int] = set()
        self._came_back = False  # "reconnected" fired: the "connected" that follows is not a log-in
        converse.provide(self.state)
        converse.provide(self.open_rooms)
        converse.api.add_grouping("bookmarks", BookmarksAPI(self.state))
        converse.session.add_handler("message", self.state.on_message)
        listen = converse.api.listen
        listen.on("connected", self.on_connected)
        listen.on("reconnected", self.on_reconnected)
        listen.on("disconnected", lambda *_: self.state.reset())
        listen.on("logout", self.open_rooms.on_logout)
        if converse.find(RoomsState) is not None:
            listen.on("roomOpened", self.on_room_opened)
            listen.on("roomEntered", self.on_room_entered)
            listen.on("roomMessage", self.open_rooms.on_room_message)
            listen.on("chatBoxClosed", self.open_rooms.save)
            listen.on("getNicknameForMUC", self.bookmarked_nick)

    def on_reconnected(self, *_: Any) -> None:
        self._came_back = True

    def on_connected(self, *_: Any) -> None:
        if self._came_back:  # a lost session came back: read the bookmarks again, the rooms are rejoined by muc
            self._came_back = False
            self._fetch(autojoin=False)
            return
        self.open_rooms.on_connected()
        self._fetch(autojoin=True)

    def _fetch(self, *, autojoin: bool) -> None:
        self.state.reset()
        asyncio.ensure_future(self.state.fetch(autojoin=autojoin)).add_done_callback(_report)

    def bookmarked_nick(self, room: Room, nick: Any) -> Any:
        """Hook ``getNicknameForMUC``: a room opened without a nick is entered with its bookmark's."""
        bookmark = self.state.bookmarks.get(room.get("jid"))
        return bookmark.nick if nick is None and bookmark is not None and bookmark.nick else None

    def on_room_opened(self, room: Room) -> None:
        if id(room) not in self._watched:
            self._watched.add(id(room))
            room.on_change(self.open_rooms.on_room_change)
        self.open_rooms.save()

    def on_room_entered(self, room: Room) -> None:
        """``allow_bookmarks``: a room the user enters is bookmarked (autojoin, with the nick used),
        unless it already is, its bookmark was removed in this page, or it is a room of the page
        before a reload (bookmarked or not as the user left it)."""
        if self._converse.settings.get("allow_bookmarks"):
            asyncio.ensure_future(self._bookmark_entered(room)).add_done_callback(_report)

    async def _bookmark_entered(self, room: Room) -> None:
        await self._converse.api.wait_until("bookmarksInitialized")
        jid = room.get("jid")
        if not self.state.storage or self.state.is_bookmarked(jid) or jid in self.state.unbookmarked \
                or jid in self.open_rooms.restored:
            return
        name = room.get("name") if room.get("name") not in (jid, jid.partition("@")[0]) else ""
        await self.state.add(Bookmark(jid=jid, name=name or "", nick=room.get("nick") or "", autojoin=True,
                                      password=room.password or ""))

    def teardown(self) -> None:
        self._converse.withdraw(BookmarksState)
        self._converse.withdraw(OpenRooms)


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("bookmarks: %s", future.exception())
