"""``BookmarksState``: the user's room bookmarks, read after log-in from XEP-0402 (when the account
says ``urn:xmpp:bookmarks:1#compat``) or from XEP-0048 in private XML storage, changed with
``add``/``remove``, and kept in step with the user's other clients by PEP notifications.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError, IQError, IQTimeoutError
from ...core.log import logger
from ...core.session import own_bare
from ..disco.plugin import DiscoState
from ..muc.plugin import RoomsState
from .stanzas import (
    COMPAT, Bookmark, BookmarkEvent, items_request, parse_event, parse_items, parse_private, private_request,
    private_store, publish_request, retract_request, room_jid,
)

#: Where the bookmarks are kept: XEP-0402 PEP items, or XEP-0048 in private XML storage.
PEP, PRIVATE_STORAGE = "xep-0402", "xep-0048"


class BookmarksState:
    """The bookmarks of the logged-in account, by room JID."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.bookmarks: dict[str, Bookmark] = {}
        #: PEP or PRIVATE_STORAGE once fetched ('' before, or when neither answered)
        self.storage = ""
        self.initialized = False
        #: rooms whose bookmark the user (here or elsewhere) removed in this page: not re-added on entering
        self.unbookmarked: set[str] = set()
        self._generation = 0
        #: rooms this client is publishing a bookmark for: their notification must not (re)open them
        self._publishing: set[str] = set()

    def is_bookmarked(self, jid: str) -> bool:
        return jid in self.bookmarks

    def reset(self) -> None:
        """The session ended: the next one fetches anew."""
        self._generation += 1
        self.bookmarks, self.storage, self.initialized = {}, "", False
        self.converse.promises.reset("bookmarksInitialized")

    # -- fetching ---------------------------------------------------------------------------
    async def fetch(self, *, autojoin: bool) -> None:
        """Choose the storage (XEP-0402 §5: the account's ``#compat`` feature), read the bookmarks,
        resolve ``bookmarksInitialized`` and, with ``autojoin``, join the rooms marked autojoin."""
        generation = self._generation
        disco = self.converse.get(DiscoState)
        await disco.discovered()
        use_pep = disco.supports(COMPAT)
        try:
            found = await self._read(use_pep)
        except (IQError, IQTimeoutError) as exc:
            logger.info("bookmarks not read (%s): %s", PEP if use_pep else PRIVATE_STORAGE, exc)
            found = None
        if generation != self._generation:
            return  # a newer session took over
        self.storage = (PEP if use_pep else PRIVATE_STORAGE) if found is not None else ""
        self.bookmarks = {b.jid: b for b in found or []}
        self.initialized = True
        self.converse.trigger("bookmarksInitialized", [b.as_dict() for b in self.bookmarks.values()])
        if autojoin:
            for bookmark in list(self.bookmarks.values()):
                self.autojoin(bookmark)

    async def _read(self, use_pep: bool) -> list[Bookmark]:
        session = self.converse.session
        if not use_pep:
            return parse_private(await session.send_iq(private_request()))
        try:
            return parse_items(await session.send_iq(items_request()))
        except IQError as exc:
            if getattr(exc.error, "condition", "") == "item-not-found":  # no bookmark published yet: the node does not exist
                return []
            raise

    def autojoin(self, bookmark: Bookmark) -> None:
        """Open the bookmarked room with its nick and password when it says autojoin (and the
        ``muc_respect_autojoin`` setting lets it)."""
        rooms = self.converse.find(RoomsState)
        if rooms is None or not bookmark.autojoin or not self.converse.settings.get("muc_respect_autojoin"):
            return
        attrs: dict[str, Any] = {}
        if bookmark.nick:
            attrs["nick"] = bookmark.nick
        if bookmark.password:
            attrs["password"] = bookmark.password
        room = rooms.rooms.get(bookmark.jid)
        if room is not None and not room.get("closed") and room.get("connection_status") in ("entering", "entered"):
            return
        rooms.open(bookmark.jid, attrs)

    # -- changing ---------------------------------------------------------------------------
    async def add(self, bookmark: Bookmark) -> Bookmark:
        """Store ``bookmark`` (replacing the room's earlier one) and wait for the server."""
        await self.converse.api.wait_until("bookmarksInitialized")
        session = self.converse.session
        if self.storage == PEP:
            self._publishing.add(bookmark.jid)
            try:
                await session.send_iq(publish_request(bookmark))
            finally:
                self._publishing.discard(bookmark.jid)
        elif self.storage == PRIVATE_STORAGE:
            others = [b for jid, b in self.bookmarks.items() if jid != bookmark.jid]
            await session.send_iq(private_store([*others, bookmark]))
        else:
            raise ConverseError("bookmarks: the server keeps no bookmarks (neither XEP-0402 nor private XML storage answered)")
        self.unbookmarked.discard(bookmark.jid)
        self._apply_added(bookmark)
        return bookmark

    async def remove(self, jid: str) -> bool:
        """Remove the room's bookmark; False when there was none. An open room stays open."""
        await self.converse.api.wait_until("bookmarksInitialized")
        if jid not in self.bookmarks:
            return False
        session = self.converse.session
        if self.storage == PEP:
            await session.send_iq(retract_request(jid))
        else:
            await session.send_iq(private_store([b for j, b in self.bookmarks.items() if j != jid]))
        self._apply_removed(jid)
        return True

    def _apply_added(self, bookmark: Bookmark) -> bool:
        if self.bookmarks.get(bookmark.jid) == bookmark:
            return False
        self.bookmarks[bookmark.jid] = bookmark
        self.converse.trigger("bookmarkAdded", bookmark.as_dict())
        return True

    def _apply_removed(self, jid: str) -> None:
        self.unbookmarked.add(jid)
        removed = self.bookmarks.pop(jid, None)
        if removed is not None:
            self.converse.trigger("bookmarkRemoved", removed.as_dict())

    # -- another client's change (PEP notification) ------------------------------------------
    def on_message(self, stanza: ET.Element) -> None:
        event = parse_event(stanza, own_bare(self.converse.session))
        if event is None:
            if stanza.find("{http://jabber.org/protocol/pubsub#event}event") is not None:
                logger.debug("ignored a pubsub event that is not a bookmark change from the user's account")
            return
        if not self.initialized:
            return  # the fetch under way reads the new state
        self.apply(event)

    def apply(self, event: BookmarkEvent) -> None:
        """A change made by one of the user's clients (this one's publishes come back too): a new
        autojoin bookmark opens its room; a removed one leaves an open room open."""
        for bookmark in event.published:
            before = self.bookmarks.get(bookmark.jid)
            ours = bookmark.jid in self._publishing  # our own publish, notified before its result
            if self._apply_added(bookmark):
                self.unbookmarked.discard(bookmark.jid)
                if not ours and (before is None or not before.autojoin):
                    self.autojoin(bookmark)
        for jid in event.retracted:
            self._apply_removed(jid)


def bookmark_from(attrs: Mapping[str, Any], method: str) -> Bookmark:
    """A ``Bookmark`` from API attributes ``{jid, name, nick, autojoin, password}`` (checked)."""
    if not isinstance(attrs, Mapping):
        raise ConverseError(f"bookmarks.{method}: expected an object like {{jid, name, nick, autojoin, password}}, "
                            f"got {type(attrs).__name__}")
    jid = room_jid(attrs.get("jid")) if isinstance(attrs.get("jid"), str) else ""
    if not jid:
        raise ConverseError(f"bookmarks.{method}: jid must be a room JID (room@service), got {attrs.get('jid')!r}")
    for key in ("name", "nick", "password"):
        if attrs.get(key) is not None and not isinstance(attrs[key], str):
            raise ConverseError(f"bookmarks.{method}: {key} must be a string, got {type(attrs[key]).__name__}")
    if attrs.get("autojoin") is not None and not isinstance(attrs["autojoin"], bool):
        raise ConverseError(f"bookmarks.{method}: autojoin must be true or false")
    return Bookmark(jid=jid, name=attrs.get("name") or "", nick=(attrs.get("nick") or "").strip(),
                    autojoin=bool(attrs.get("autojoin")), password=attrs.get("password") or "")
