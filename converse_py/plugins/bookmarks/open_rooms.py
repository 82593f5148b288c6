"""The open rooms of the tab: kept in tab storage so they come back after a reload (as chat boxes
do, with the size the user dragged them to; never a password or a message), the ``auto_join_rooms`` setting, and each room's count of
unread messages that mention the user (``num_mentions``, beside the chat box's ``num_unread``;
detected by ``mentions.references.message_mentions_user``, XEP-0372 references aware).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...core.converse import Converse
from ...core.errors import SettingsError
from ...core.log import logger
from ...core.session import own_bare
from ..mentions.references import message_mentions_user
from ..muc.models import Room
from ..muc.plugin import RoomsState
from .stanzas import room_jid

STORAGE_PREFIX = "converse-py-rooms:"
#: A room's attributes kept with it besides its JID: the nick, minimized, and the dragged size.
SIZE_ATTRIBUTES = ("width", "height")


def saved_size(row: Mapping[str, Any]) -> dict[str, int]:
    """The dragged size (``allow_dragresize``) kept in a saved row: positive whole pixels only.

    >>> saved_size({"width": 420.6, "height": "x", "jid": "r@conference.localhost"})
    {'width': 420}
    """
    return {name: int(row[name]) for name in SIZE_ATTRIBUTES
            if isinstance(row.get(name), (int, float)) and not isinstance(row.get(name), bool) and row[name] > 0}


def auto_join_list(value: Any) -> list[tuple[str, str]]:
    """The ``auto_join_rooms`` setting as ``[(room JID, nick or '')]``; a bad entry is a SettingsError.

    >>> auto_join_list(["a@conference.localhost", {"jid": "b@conference.localhost", "nick": "bee"}])
    [('a@conference.localhost', ''), ('b@conference.localhost', 'bee')]
    """
    out = []
    for entry in value or ():
        jid, nick = (entry, "") if isinstance(entry, str) else (
            (entry.get("jid"), entry.get("nick") or "") if isinstance(entry, Mapping) else (None, ""))
        bare = room_jid(jid) if isinstance(jid, str) else ""
        if not bare or not isinstance(nick, str):
            raise SettingsError(f"auto_join_rooms: expected room JIDs or {{jid, nick}} objects, got {entry!r}")
        out.append((bare, nick.strip()))
    return out


class OpenRooms:
    """Saves which rooms are open (jid, nick, minimized, dragged size) for the page after a reload, and opens them
    (and the ``auto_join_rooms``) after log-in; counts mentions of the user in unread messages."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.owner: str | None = None
        #: rooms re-opened from tab storage: the user chose before whether to bookmark them
        self.restored: set[str] = set()
        self._restoring = False

    def _key(self) -> str | None:
        return STORAGE_PREFIX + self.owner if self.owner else None

    def save(self, *_: Any) -> None:
        rooms = self.converse.find(RoomsState)
        key = self._key()
        if rooms is None or key is None or self._restoring:
            return
        rows = [{"jid": r.get("jid"), "nick": r.get("nick"), "minimized": bool(r.get("minimized")),
                 **saved_size({name: r.get(name) for name in SIZE_ATTRIBUTES})}
                for r in rooms.rooms.values() if not r.get("closed")]
        self.converse.platform.storage_set(key, json.dumps(rows))

    def on_connected(self, *_: Any) -> None:
        """After log-in (or a reload): the rooms open before, then ``auto_join_rooms``."""
        rooms = self.converse.find(RoomsState)
        owner = own_bare(self.converse.session)
        if rooms is None or not owner:
            return
        self.owner = owner
        self._restoring = True
        try:
            for jid, nick, minimized, size in self._saved():
                self.restored.add(jid)
                room = self._open(rooms, jid, nick)
                if room is not None and size:
                    room.set(size)
                if minimized and room is not None:
                    room.minimize()
            for jid, nick in auto_join_list(self.converse.settings.get("auto_join_rooms")):
                self._open(rooms, jid, nick)
        finally:
            self._restoring = False
        self.save()

    def _open(self, rooms: RoomsState, jid: str, nick: str) -> Room | None:
        room = rooms.rooms.get(jid)
        if room is not None and not room.get("closed") and room.get("connection_status") in ("entering", "entered"):
            return room
        return rooms.open(jid, {"nick": nick} if nick else {})

    def _saved(self) -> list[tuple[str, str, bool, dict[str, int]]]:
        key = self._key()
        raw = self.converse.platform.storage_get(key) if key else None
        if not raw:
            return []
        try:
            rows = json.loads(raw)
        except ValueError:
            logger.warning("ignored unreadable saved rooms")
            return []
        out = []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict) or not isinstance(row.get("jid"), str):
                continue
            jid = room_jid(row["jid"])
            nick = row["nick"] if isinstance(row.get("nick"), str) else ""
            if jid:
                out.append((jid, nick, bool(row.get("minimized")), saved_size(row)))
        return out

    def on_logout(self, *_: Any) -> None:
        key = self._key()
        if key is not None:
            self.converse.platform.storage_remove(key)
        self.owner = None

    # -- mentions ------------------------------------------------------------------------------
    def on_room_message(self, room: Any, message: Any) -> None:
        """A room message counted unread (the room is minimized) that names the user's nick."""
        if message.outgoing or not room.get("minimized") or getattr(message, "kind", "message") != "message":
            return
        if message_mentions_user(message, room.get("nick")):
            room.set("num_mentions", (room.get("num_mentions") or 0) + 1)

    def on_room_change(self, room: Any, changed: dict[str, Any]) -> None:
        if changed.get("num_unread") == 0 and room.get("num_mentions"):
            room.set("num_mentions", 0)
        if any(key in changed for key in ("minimized", "nick", "closed", *SIZE_ATTRIBUTES)):
            self.save()
