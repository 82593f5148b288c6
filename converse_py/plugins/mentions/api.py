"""``api.mentions``: the XEP-0372 mentions of a room's occupants in a text, and who can be mentioned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ..muc.plugin import RoomsState

if TYPE_CHECKING:
    from .plugin import MentionsState


def known_nicks(room: Any, own_too: bool = False) -> list[str]:
    """The nicks one can mention in ``room``: its occupants' and those who spoke in it, the most
    recent speakers first, then the other occupants by name; the user's own last, and only when
    ``own_too``."""
    own = room.get("nick")
    seen: dict[str, None] = {}
    for message in reversed(getattr(room, "messages", [])[-300:]):
        sender = getattr(message, "sender", "")
        if sender and sender != own and not getattr(message, "outgoing", False):
            seen.setdefault(sender)
    for nick in sorted(getattr(room, "occupants", {}), key=str.lower):
        if nick != own:
            seen.setdefault(nick)
    if own_too and own:
        seen.setdefault(own)
    return list(seen)


class MentionsAPI(Grouping):
    """``_converse.api.mentions``: mentions of room occupants (XEP-0372 references) for plugins.
    A received room message's mentions are on ``message.extras.mentions``."""

    def __init__(self, state: MentionsState) -> None:
        self._state = state

    def _room(self, method: str, jid: Any) -> Any:
        if not isinstance(jid, str) or not jid:
            raise ConverseError(f"mentions.{method}: expected a room's JID, got {jid!r}")
        rooms = self._state.converse.find(RoomsState)
        room = rooms.rooms.get(jid.lower()) or rooms.rooms.get(jid) if rooms is not None else None
        if room is None or room.get("closed"):
            raise ConverseError(f"mentions.{method}: no open room {jid}")
        return room

    def find(self, text: str, jid: str) -> list[dict[str, Any]]:
        """The ``@nick`` mentions of room ``jid``'s occupants (the user too) in ``text``, as the
        references sending ``text`` there would carry: ``[{begin, end, jid, uri, me}]`` (offsets in
        code points, ``end`` exclusive, the span being the nick without its ``@``; ``me``: the user).

        JS: ``_converse.api.mentions.find('hi @alice', 'room@conference.localhost')  // [{begin: 4, end: 9, me: true, …}]``
        Python: ``api.mentions.find("@alice look", "room@conference.localhost")[0]["uri"]  # 'xmpp:room@…/alice'``
        """
        if not isinstance(text, str):
            raise ConverseError(f"mentions.find: expected the text, got {type(text).__name__}")
        return [m.as_dict() for m in self._state.find(text, self._room("find", jid))]

    def nicks(self, jid: str) -> list[str]:
        """The nicks one can mention in room ``jid`` (what its ``@`` autocomplete offers): the most
        recent speakers first, then the other occupants; never the user's own.

        JS: ``_converse.api.mentions.nicks('room@conference.localhost')  // e.g. ['bob', 'carol']``
        Python: ``api.mentions.nicks("room@conference.localhost")``
        """
        return known_nicks(self._room("nicks", jid))
