"""Idle plugin: ``auto_away`` / ``auto_xa`` after inactivity, XEP-0319 ``<idle/>`` in the user's
presence (``idle_presence_timeout``), and contacts' idle time (``contact.get('idle_since')``, shown
in roster row titles).

Activity is what the platform reports (mouse, keys, touch, focus in the page:
``Platform.watch_activity``); the decisions are ``IdleMachine``'s, on the core clock.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from typing import Any

from ...core.converse import Converse
from ...core.plugin import EventDoc, Plugin
from ...core.errors import SettingsError
from ...core.settings import Setting
from ...xmpp.jid import JID
from ...xmpp.stanza import local_name
from ..roster.plugin import RosterState
from ..status.plugin import StatusState
from .machine import IdleMachine
from .stanzas import IDLE, parse_idle, with_idle


class IdleState:
    """The user's idleness (an ``IdleMachine`` per session) and the contacts' idle times."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.machine: IdleMachine | None = None
        #: bare JID → resource → idle since (the contacts' XEP-0319 marks)
        self.contacts: dict[str, dict[str, datetime]] = {}

    def start(self) -> None:
        """Initial presence went out: watch for inactivity with the current settings."""
        converse = self.converse
        status = converse.get(StatusState)
        settings = converse.settings
        if self.machine is not None:
            self.machine.stop()
        self.machine = IdleMachine(
            converse.clock, lambda: status.status, lambda value: status.change(value, persist=False),
            status.announce, idle_after=float(settings.get("idle_presence_timeout")),
            away_after=float(settings.get("auto_away")), xa_after=float(settings.get("auto_xa")))
        self.machine.start()

    def stop(self) -> None:
        if self.machine is not None:
            self.machine.stop()
        self.contacts.clear()

    def activity(self) -> None:
        if self.machine is not None:
            self.machine.activity()

    def idle_since(self) -> datetime | None:
        since = self.machine.idle_since() if self.machine is not None else None
        return datetime.fromtimestamp(since, UTC) if since is not None else None

    def annotate(self, _context: Any, stanza: ET.Element) -> ET.Element:
        """Hook ``outgoingPresence``: an available broadcast presence says since when the user is
        idle (XEP-0319 §2); directed and unavailable presences are left alone."""
        if local_name(stanza.tag) != "presence" or stanza.get("type") or stanza.get("to"):
            return stanza
        return with_idle(stanza, self.idle_since())

    def contact_presence(self, stanza: ET.Element) -> None:
        """A contact's presence: remember the resource's idle mark; the contact's ``idle_since``
        follows its most available resource (what decides its chat_status)."""
        roster = self.converse.find(RosterState)
        try:
            sender = JID.parse(stanza.get("from") or "")
        except ValueError:
            return
        contact = roster.contacts.get(sender.bare) if roster is not None else None
        if contact is None:
            return
        marks = self.contacts.setdefault(sender.bare, {})
        since = parse_idle(stanza) if not stanza.get("type") else None
        if since is not None:
            marks[sender.resource] = since
        else:
            marks.pop(sender.resource, None)
        best = contact.best_presence()
        chosen = marks.get(best.sender.resource) if best is not None else None
        value = chosen.isoformat() if chosen is not None else None
        if contact.get("idle_since") != value:
            contact.set("idle_since", value)
            self.converse.trigger("contactStatusChanged", contact)


class IdlePlugin(Plugin):
    """Automatic away/xa after inactivity and XEP-0319 idle times."""

    name = "converse-idle"
    dependencies = ("converse-status", "converse-roster")
    features = (IDLE,)
    settings = {
        "auto_away": Setting(0, (int, float), "Seconds without activity in the page after which an online "
                             "status becomes away (0: never); activity brings the status back."),
        "auto_xa": Setting(0, (int, float), "Seconds without activity after which an online or away status "
                           "becomes extended away (xa) (0: never)."),
        "idle_presence_timeout": Setting(300, (int, float), "Seconds without activity after which the presence "
                                         "says since when the user is idle (XEP-0319), the status "
                                         "unchanged (0: only with auto_away/auto_xa)."),
    }
    events = {
        "idleChanged": EventDoc("the ISO time idle since, or null", "the user became idle (XEP-0319) or "
                                "active again"),
    }

    def initialize(self) -> None:
        converse = self._converse
        for name in ("auto_away", "auto_xa", "idle_presence_timeout"):
            if int(converse.settings.get(name)) < 0:
                raise SettingsError(f"{name} must be 0 or more seconds, got {converse.settings.get(name)!r}")
        self.state = IdleState(converse)
        converse.provide(self.state)
        converse.platform.watch_activity(self.state.activity)
        listen = converse.api.listen
        listen.on("statusInitialized", lambda *_: self.state.start())
        listen.on("disconnected", lambda *_: self.state.stop())
        listen.on("statusChanged", self.on_status_changed)
        listen.on("outgoingPresence", self.annotate)
        converse.session.add_handler("presence", self.state.contact_presence)

    def annotate(self, context: Any, stanza: ET.Element) -> ET.Element:
        before = self._last_sent_idle
        result = self.state.annotate(context, stanza)
        now = self.state.idle_since()
        if local_name(stanza.tag) == "presence" and not stanza.get("to") and now != before:
            self._last_sent_idle = now
            self._converse.trigger("idleChanged", now.isoformat() if now is not None else None)
        return result

    _last_sent_idle: datetime | None = None

    def on_status_changed(self, status: str) -> None:
        if self.state.machine is not None:
            self.state.machine.status_chosen(status)
