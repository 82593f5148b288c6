"""``api.roomLife`` (Python ``api.room_life``): private messages, nick change, room info, configuration, destroying,
clearing and self-ping of the rooms the user is in. Rooms are named by JID (or passed as models)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .private import PrivateChats
    from .selfping import SelfPing
    from .state import RoomLife


class RoomLifeAPI(Grouping):
    """``_converse.api.roomLife``"""

    def __init__(self, life: RoomLife, pinger: SelfPing, private: PrivateChats) -> None:
        self._life = life
        self._pinger = pinger
        self._private = private

    def open_private(self, room: Any, nick: str) -> Any:
        """Open the private chat with an occupant (XEP-0045 §7.5): a chat box whose JID is the
        occupant JID ``room@service/nick``; messages sent there go to that occupant only.

        JS: ``const box = _converse.api.roomLife.openPrivate('room@conference.localhost', 'bob'); box.model.sendMessage('psst')``
        Python: ``box = api.room_life.open_private("room@conference.localhost", "bob"); box.send_message("psst")``
        """
        return self._private.open(self._life.room(room, "roomLife.openPrivate"), nick)

    def set_nick(self, room: Any, nick: str) -> None:
        """Change the user's nickname in a room (XEP-0045 §7.6); the room answers with the change
        (event ``roomNickChanged``) or a refusal (``roomNickRefused``, also shown in the room).

        JS: ``_converse.api.roomLife.setNick('room@conference.localhost', 'robert')``
        Python: ``api.room_life.set_nick("room@conference.localhost", "robert")``
        """
        self._life.change_nick(self._life.room(room, "roomLife.setNick"), nick)

    def info(self, room: Any) -> Any:
        """The room's disco#info: ``{jid, name, description, subject, features, feature_vars,
        occupants}`` (``features`` as words, e.g. "moderated", "members-only", "persistent").

        JS: ``const info = await _converse.api.roomLife.info('room@conference.localhost');``
        Python: ``info = await api.room_life.info("room@conference.localhost")``
        """
        return asyncio.ensure_future(self._life.info(self._life.room(room, "roomLife.info")))

    def get_config(self, room: Any) -> Any:
        """The room's configuration form (owners): ``{title, instructions, fields: [{var, type,
        label, desc, required, values, options: [{value, label}]}]}``.

        JS: ``const form = await _converse.api.roomLife.getConfig('room@conference.localhost');``
        Python: ``form = await api.room_life.get_config("room@conference.localhost")``
        """
        return asyncio.ensure_future(self._life.get_config(self._life.room(room, "roomLife.getConfig")))

    def submit_config(self, room: Any, values: Any) -> Any:
        """Submit the configuration form with ``values`` by field var (booleans, text, lists for the
        multi fields); other fields keep the room's values. Fails with the room's refusal.

        JS: ``await _converse.api.roomLife.submitConfig('room@conference.localhost', {'muc#roomconfig_roomname': 'Tea'})``
        Python: ``await api.room_life.submit_config("room@conference.localhost", {"muc#roomconfig_roomname": "Tea"})``
        """
        if not hasattr(values, "items"):
            raise ConverseError("roomLife.submitConfig: values must be an object of field var → value")
        return asyncio.ensure_future(self._life.submit_config(self._life.room(room, "roomLife.submitConfig"),
                                                              dict(values.items())))

    def cancel_config(self, room: Any) -> Any:
        """Cancel the configuration (sends the ``cancel`` form).

        JS: ``await _converse.api.roomLife.cancelConfig('room@conference.localhost')``
        Python: ``await api.room_life.cancel_config("room@conference.localhost")``
        """
        return asyncio.ensure_future(self._life.cancel_config(self._life.room(room, "roomLife.cancelConfig")))

    def destroy(self, room: Any, reason: str | None = None, alternate: str | None = None) -> Any:
        """Destroy the room (owners), with an optional reason and alternate room JID; the occupants
        are told (event ``roomDestroyed``).

        JS: ``await _converse.api.roomLife.destroy('old@conference.localhost', 'Moved', 'new@conference.localhost')``
        Python: ``await api.room_life.destroy("older@conference.localhost", "Moved")``
        """
        return asyncio.ensure_future(self._life.destroy(self._life.room(room, "roomLife.destroy"), reason, alternate))

    def clear(self, room: Any) -> None:
        """Stop showing the room's messages here (local; nothing is deleted).

        JS: ``_converse.api.roomLife.clear('room@conference.localhost')``
        Python: ``api.room_life.clear("room@conference.localhost")``
        """
        self._life.clear(self._life.room(room, "roomLife.clear"))

    def self_ping(self, room: Any) -> Any:
        """Self-ping the room now (XEP-0410): ``joined``, ``not-joined`` (it is then joined again)
        or ``try-later``.

        JS: ``const verdict = await _converse.api.roomLife.selfPing('room@conference.localhost');``
        Python: ``verdict = await api.room_life.self_ping("room@conference.localhost")``
        """
        return asyncio.ensure_future(self._pinger.ping(self._life.room(room, "roomLife.selfPing")))
