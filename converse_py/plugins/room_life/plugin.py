"""The ``converse-room-life`` plugin: nick changes, room info, the configuration form, destroying
rooms, private messages with occupants, ``/nick /destroy /clear``, and XEP-0410 self-ping (setting ``muc_self_ping_interval``)."""

from __future__ import annotations

from typing import Any

from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ..commands.plugin import Commands
from ..chats.plugin import ChatsState
from ..muc.plugin import RoomsState
from .api import RoomLifeAPI
from .commands import add_room_commands
from .private import PrivateChats
from .selfping import SelfPing
from .state import RoomLife


class RoomLifePlugin(Plugin):
    """Room life on top of converse-muc."""

    name = "converse-room-life"
    dependencies = ("converse-chats", "converse-commands")  # rooms (converse-muc): without them, nothing to do
    settings = {
        "muc_self_ping_interval": Setting(300, (int, float), "Seconds without traffic from a room after which "
                                          "we ping our own occupant JID (XEP-0410) and join again when we were "
                                          "dropped; 0 turns self-ping off."),
    }
    events = {
        "roomNickChanged": EventDoc("the room, {from, to, self}", "an occupant (self: true for the user) changed "
                                    "nickname (status 303)"),
        "roomNickRefused": EventDoc("the room, {nick, error}", "the room refused the user's new nickname "
                                    "(error: conflict, not-acceptable, …)"),
        "roomDestroyed": EventDoc("the room, {reason, alternate}", "the room was destroyed by its owner"),
        "roomConfigured": EventDoc("the room", "the user's configuration form was accepted by the room"),
    }

    def initialize(self) -> None:
        converse = self._converse
        if converse.find(RoomsState) is None:
            return  # converse-muc is not loaded: no rooms, so no room life
        self.life = RoomLife(converse)
        self.pinger = SelfPing(converse, self._interval)
        converse.provide(self.life)
        converse.provide(self.pinger)
        converse.session.add_handler("presence", self.life.on_presence)
        converse.session.add_handler("presence", self.pinger.traffic)
        converse.session.add_handler("message", self.pinger.traffic)
        add_room_commands(converse.get(Commands), self.life)
        self.private = PrivateChats(converse)
        converse.provide(self.private)
        converse.get(ChatsState).box_jid_finders.append(self.private.occupant_box_jid)
        converse.api.add_grouping("room_life", RoomLifeAPI(self.life, self.pinger, self.private))
        listen = converse.api.listen
        listen.on("roomEntered", self.pinger.start)
        listen.on("chatBoxOpened", self.private.titled)
        listen.on("createMessageStanza", self.private.mark_outgoing)
        listen.on("leaveRoom", lambda room, *_: self.pinger.stop(room.get("jid")))
        listen.on("disconnected", lambda *_: self.pinger.stop_all())
        listen.on("logout", lambda *_: self.pinger.stop_all())

    def _interval(self) -> float:
        value: Any = self._converse.settings.get("muc_self_ping_interval")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
