"""``api.bookmarks``: the user's room bookmarks (XEP-0402, or XEP-0048 where the server lacks it)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from .state import bookmark_from
from .stanzas import room_jid

if TYPE_CHECKING:
    from .state import BookmarksState


class BookmarksAPI(Grouping):
    """``_converse.api.bookmarks``."""

    def __init__(self, state: BookmarksState) -> None:
        self._state = state

    def get(self, jid: str | None = None) -> asyncio.Future[Any]:
        """The bookmarks, once read after log-in: a list of ``{jid, name, nick, autojoin, password}``,
        or with a room JID that room's bookmark (null/None when it has none).

        JS: ``const all = await _converse.api.bookmarks.get();``
        Python: ``bookmark = await api.bookmarks.get("demo@conference.localhost")``
        """
        wanted = _jid(jid, "get") if jid is not None else None

        async def run() -> Any:
            await self._state.converse.api.wait_until("bookmarksInitialized")
            if wanted is not None:
                found = self._state.bookmarks.get(wanted)
                return found.as_dict() if found is not None else None
            return [b.as_dict() for b in self._state.bookmarks.values()]
        return asyncio.ensure_future(run())

    def add(self, attrs: Any) -> asyncio.Future[dict[str, Any]]:
        """Bookmark a room (or change its bookmark): ``{jid, name, nick, autojoin, password}``, only
        ``jid`` required. Resolves to the stored bookmark once the server confirmed it; the user's
        other clients see it (and join the room when ``autojoin`` is true).

        JS: ``await _converse.api.bookmarks.add({jid: 'demo@conference.localhost', nick: 'alice', autojoin: true});``
        Python: ``await api.bookmarks.add({"jid": "demo@conference.localhost", "name": "Demo", "autojoin": True})``
        """
        bookmark = bookmark_from(attrs, "add")

        async def run() -> dict[str, Any]:
            return (await self._state.add(bookmark)).as_dict()
        return asyncio.ensure_future(run())

    def remove(self, jid: str) -> asyncio.Future[bool]:
        """Remove a room's bookmark (the room stays open if it is); resolves to false when the room
        had none.

        JS: ``await _converse.api.bookmarks.remove('demo@conference.localhost');``
        Python: ``removed = await api.bookmarks.remove("demo@conference.localhost")``
        """
        return asyncio.ensure_future(self._state.remove(_jid(jid, "remove")))


def _jid(value: Any, method: str) -> str:
    bare = room_jid(value) if isinstance(value, str) else ""
    if not bare:
        raise ConverseError(f"bookmarks.{method}: expected a room JID (room@service), got {value!r}")
    return bare
