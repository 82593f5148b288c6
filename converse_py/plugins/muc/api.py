"""``api.rooms``: multi-user chat rooms (XEP-0045)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from collections.abc import Mapping

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ...xmpp.jid import JID

if TYPE_CHECKING:
    from .plugin import RoomsState

#: Room attributes ``get``/``open`` accept, with their types.
ROOM_ATTRS: dict[str, tuple[type, ...]] = {"nick": (str,), "auto_configure": (bool,), "roomconfig": (dict,),
                                           "maximize": (bool,), "password": (str,), "name": (str,)}


class RoomsAPI(Grouping):
    """``_converse.api.rooms``."""

    def __init__(self, state: RoomsState) -> None:
        self._state = state

    def get(self, jids: str | list[str] | None = None, attrs: Any = None, create: bool = False) -> Any:
        """The room for a JID (null/None unless it exists or ``create`` is true), a list for a list of
        JIDs, or every room when no JID is given. ``attrs`` may be ``{'nick': ...}`` or, as before
        Converse 1.0.7, the nickname as a string. The nick defaults to the node of the user's JID.

        JS: ``_converse.api.rooms.get('room@conference.localhost', {'nick': 'alice'}, true)``
        Python: ``room = api.rooms.get("room@conference.localhost", {"nick": "alice"}, True)``
        """
        options = _attrs(attrs, "get")
        if jids is None:
            return list(self._state.rooms.values())
        if isinstance(jids, str):
            return self._state.get(_room_jid(jids, "get"), options, bool(create))
        if isinstance(jids, (list, tuple)):
            return [self._state.get(_room_jid(j, "get"), options, bool(create)) for j in jids]
        raise ConverseError(f"rooms.get: expected a room JID, a list of JIDs or nothing, got {type(jids).__name__}")

    def open(self, jids: str | list[str] | None = None, attrs: Any = None, create: bool = True) -> Any:
        """Join and show rooms; returns the room (a list for a list). With no JID, returns the open
        rooms. ``attrs``: ``nick``, ``auto_configure`` with ``roomconfig`` (names without the
        ``muc#roomconfig_`` prefix; submitted when the room is new), ``maximize``, ``password``.

        JS: ``_converse.api.rooms.open('room@conference.localhost', {'nick': 'alice'})``
        Python: ``room = api.rooms.open("room@conference.localhost", {"nick": "alice"})``
        """
        options = _attrs(attrs, "open")
        if jids is None:
            return [r for r in self._state.rooms.values() if not r.get("closed")]
        if isinstance(jids, str):
            return self._state.open(_room_jid(jids, "open"), options)
        if isinstance(jids, (list, tuple)):
            return [self._state.open(_room_jid(j, "open"), options) for j in jids]
        raise ConverseError(f"rooms.open: expected a room JID or a list of JIDs, got {type(jids).__name__}")

    def close(self, jids: str | list[str] | None = None) -> None:
        """Leave and close rooms: all open rooms without an argument, one JID, or a list of JIDs.

        JS: ``_converse.api.rooms.close(['room@conference.localhost', 'other@conference.localhost'])``
        Python: ``api.rooms.close()``
        """
        if jids is None:
            targets = [r for r in self._state.rooms.values() if not r.get("closed")]
        elif isinstance(jids, str):
            room = self._state.rooms.get(_room_jid(jids, "close"))
            targets = [room] if room is not None else []
        elif isinstance(jids, (list, tuple)):
            targets = [r for r in (self._state.rooms.get(_room_jid(j, "close")) for j in jids) if r is not None]
        else:
            raise ConverseError(f"rooms.close: expected a room JID, a list of JIDs or nothing, "
                                f"got {type(jids).__name__}")
        for room in targets:
            if not room.get("closed"):
                room.close()

    def list_rooms(self, service: str | None = None) -> Any:
        """Public rooms of a MUC service (disco#items), as ``[{jid, name}]``; the service defaults to
        the ``muc_domain`` setting, else ``conference.`` + the user's domain.

        JS: ``const rooms = await _converse.api.rooms.listRooms('conference.localhost');``
        Python: ``rooms = await api.rooms.list_rooms()``
        """
        target = service or self._state.converse.settings.get("muc_domain") or _default_service(self._state)
        if not isinstance(target, str):
            raise ConverseError("rooms.list_rooms: the service must be a domain name")

        async def run() -> list[dict[str, str]]:
            return [{"jid": r.jid, "name": r.name} for r in await self._state.list_rooms(target)]
        return asyncio.ensure_future(run())


def _default_service(state: RoomsState) -> str:
    jid = state.converse.session.jid or state.converse.settings.get("jid") or ""
    try:
        return f"conference.{JID.parse(jid).domain}"
    except ValueError:
        raise ConverseError("rooms.list_rooms: no service given and no JID to guess it from") from None


def _attrs(attrs: Any, method: str) -> Mapping[str, Any]:
    """Normalise ``attrs``: None → {}, a string → {'nick': it}; check names and types."""
    if attrs is None:
        return {}
    if isinstance(attrs, str):
        attrs = {"nick": attrs}
    if not isinstance(attrs, Mapping):
        raise ConverseError(f"rooms.{method}: attrs must be an object like {{'nick': ...}}, "
                            f"got {type(attrs).__name__}")
    for key, value in attrs.items():
        expected = ROOM_ATTRS.get(key)
        if expected is None or value is None:
            continue  # other attributes are kept by Converse too; ignore them here
        if not isinstance(value, expected):
            raise ConverseError(f"rooms.{method}: attrs.{key} must be {expected[0].__name__}, "
                                f"got {type(value).__name__}")
    if isinstance(attrs.get("nick"), str) and not attrs["nick"].strip():
        raise ConverseError(f"rooms.{method}: attrs.nick must not be empty")
    for key, value in dict(attrs.get("roomconfig") or {}).items():
        if isinstance(value, (list, tuple, dict)):
            raise ConverseError(f"rooms.{method}: roomconfig.{key}: multi-list values are not supported")
    return attrs


def _room_jid(jid: Any, method: str) -> str:
    if not isinstance(jid, str):
        raise ConverseError(f"rooms.{method}: a room JID must be a string, got {type(jid).__name__}")
    try:
        parsed = JID.parse(jid)
    except ValueError as exc:
        raise ConverseError(f"rooms.{method}: {exc}") from None
    if not parsed.local:
        raise ConverseError(f"rooms.{method}: {jid!r} is a service, not a room (expected room@service)")
    return parsed.bare
