"""Own status plugin: ``api.user.status`` get/set and ``status.message``; sends initial presence.

The status survives a reload (tab storage). Events: see ``StatusPlugin.events``.
"""

from __future__ import annotations

import json
from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError, SettingsError
from ...core.grouping import Grouping
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...xmpp.jid import JID
from .stanzas import STATUS_VALUES, status_presence


class StatusState:
    """The user's status and message, persisted per account in tab storage."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.status = "online"
        self.message = ""

    def _key(self) -> str | None:
        jid = self.converse.session.jid
        return f"converse-py:status:{JID.parse(jid).bare}" if jid else None

    def load(self) -> None:
        key = self._key()
        raw = self.converse.platform.storage_get(key) if key else None
        try:
            saved = json.loads(raw) if raw else {}
        except ValueError:
            saved = {}
        if isinstance(saved, dict) and saved.get("status") in STATUS_VALUES:
            self.status = saved["status"]
            self.message = str(saved.get("message") or "")[:2000]

    def save(self) -> None:
        key = self._key()
        if key:
            self.converse.platform.storage_set(key, json.dumps({"status": self.status, "message": self.message}))

    def announce(self) -> None:
        """Broadcast the current status (queued if offline), with the ``priority`` setting."""
        priority = int(self.converse.settings.get("priority"))
        self.converse.session.send_element(status_presence(self.status, self.message, priority or None))

    def change(self, status: str | None = None, message: str | None = None, *, persist: bool = True) -> None:
        """Set and broadcast; ``persist=False`` (an automatic change, plugins/idle) leaves the saved
        status as it was, so a reload does not keep an automatic away."""
        old_status, old_message = self.status, self.message
        if status is not None:
            self.status = status
        if message is not None:
            self.message = message
        if (self.status, self.message) == (old_status, old_message):
            return
        if persist:
            self.save()
        if self.converse.session.connected:
            self.announce()
        if self.status != old_status:
            self.converse.trigger("statusChanged", self.status)
        if self.message != old_message:
            self.converse.trigger("statusMessageChanged", self.message)


class StatusMessageAPI(Grouping):
    """``_converse.api.user.status.message``."""

    def __init__(self, state: StatusState) -> None:
        self._state = state

    def get(self) -> str:
        """The custom status message.

        JS: ``alert(_converse.api.user.status.message.get());  // "In a meeting"``
        Python: ``api.user.status.message.get()``
        """
        return self._state.message

    def set(self, message: str) -> None:
        """Set the custom status message (sent with the current availability).

        JS: ``_converse.api.user.status.message.set('In a meeting');``
        Python: ``api.user.status.message.set("In a meeting")``
        """
        if not isinstance(message, str):
            raise ConverseError(f"user.status.message.set: expected a string, got {type(message).__name__}")
        self._state.change(message=message[:2000])


class StatusAPI(Grouping):
    """``_converse.api.user.status``: the user's availability."""

    def __init__(self, state: StatusState) -> None:
        self._state = state
        self.message = StatusMessageAPI(state)

    def get(self) -> str:
        """The current status: online, away, dnd, xa, unavailable or offline.

        JS: ``alert(_converse.api.user.status.get());  // "dnd"``
        Python: ``api.user.status.get()``
        """
        return self._state.status

    def set(self, value: str, message: str | None = None) -> None:
        """Set the status, optionally with a status message, and send the matching presence.

        JS: ``_converse.api.user.status.set('dnd', 'In a meeting');``
        Python: ``api.user.status.set("away")``
        """
        if value not in STATUS_VALUES:
            raise ConverseError(f"user.status.set: status must be one of {', '.join(STATUS_VALUES)}; "
                                f"got {value!r}")
        if message is not None and not isinstance(message, str):
            raise ConverseError(f"user.status.set: the message must be a string, got {type(message).__name__}")
        self._state.change(value, None if message is None else message[:2000])


class StatusPlugin(Plugin):
    """The user's own availability and status message; sends the initial presence once the roster
    was requested (so it needs ``converse-roster``)."""

    name = "converse-status"
    dependencies = ("converse-roster",)
    settings = {
        "priority": Setting(0, (int,), "The priority of the user's presence (RFC 6121 §4.7.2.3, -128 to 127): "
                            "servers deliver messages to a bare JID to the highest-priority resource."),
    }
    events = {
        "statusInitialized": EventDoc("the status", "initial presence was sent", promise=True),
        "statusChanged": EventDoc("the status", "api.user.status.set changed the user's availability"),
        "statusMessageChanged": EventDoc("the message", "the user's status message changed"),
    }

    def initialize(self) -> None:
        converse = self._converse
        if not -128 <= int(converse.settings.get("priority")) <= 127:
            raise SettingsError(f"priority must be between -128 and 127, got {converse.settings.get('priority')!r}")
        self.state = StatusState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("user.status", StatusAPI(self.state))
        converse.api.listen.on("connected", lambda *_: self.state.load())
        converse.api.listen.on("rosterInitialized", self.on_roster_ready)

    def on_roster_ready(self, *_: Any) -> None:
        """RFC 6121 §2.2: initial presence goes out after the roster was requested."""
        self.state.announce()
        self._converse.trigger("statusInitialized", self.state.status)
