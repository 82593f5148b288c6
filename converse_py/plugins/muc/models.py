"""Rooms and their occupants.

A room is a chat box (``type: "chatroom"``) whose messages come from nicks; it tracks who is
in it and what we are (affiliation, role). ``connection_status`` moves
disconnected → entering → entered (or error), and to left when we exit.
"""

from __future__ import annotations

from typing import Any

from ...core.model import Model
from ..chats.models import ChatBox
from .stanzas import OccupantPresence


class Occupant(Model):
    """Someone in a room. Attributes: nick, jid (real JID when disclosed), affiliation, role, show, status."""

    def __init__(self, presence: OccupantPresence) -> None:
        super().__init__({"nick": presence.nick, "id": presence.nick})
        self.update(presence)

    def update(self, presence: OccupantPresence) -> None:
        self.set({"jid": presence.jid, "affiliation": presence.affiliation, "role": presence.role,
                  "show": presence.show, "status": presence.status})

    def js_facade(self, bridge: Any) -> Any:
        return bridge.model(self)


class Room(ChatBox):
    """One room. Attributes (besides a chat box's): nick, name, subject, subject_by, description,
    connection_status, error, features, auto_configure."""

    def __init__(self, jid: str, nick: str, name: str = "") -> None:
        super().__init__(jid, name or jid)
        self.set({"type": "chatroom", "nick": nick, "name": name or jid.partition("@")[0], "subject": "",
                  "subject_by": "", "description": "", "connection_status": "disconnected", "error": "",
                  "features": [], "auto_configure": False})
        self.occupants: dict[str, Occupant] = {}
        self.roomconfig: dict[str, Any] = {}
        self.password: str | None = None  # only for (re-)joining; never stored
        self._seen_ids: set[str] = set()
        self.join_attempts = 0

    @property
    def entered(self) -> bool:
        return bool(self.get("connection_status") == "entered")

    def remember(self, *ids: str) -> bool:
        """Record a message's ids; False when any of them was seen before (a duplicate)."""
        known = [i for i in ids if i]
        if any(i in self._seen_ids for i in known):
            self._seen_ids.update(known)
            return False
        self._seen_ids.update(known)
        return True

    def own_occupant(self) -> Occupant | None:
        return self.occupants.get(self.get("nick"))
