"""Roster plugin: fetches the roster on connect, applies pushes and presence, sends initial presence.

Events: ``roster`` (the contacts, after the fetch), ``rosterPush`` (a contact, after a push),
``contactStatusChanged`` (a contact). Promises resolved: rosterContactsFetched,
rosterGroupsFetched, roster, rosterInitialized.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

from ...core.converse import Converse
from ...core.log import logger
from ...xmpp.stanza import presence
from .api import ContactsAPI
from .models import Contact
from .stanzas import is_roster_push, parse_presence, parse_roster, push_is_trusted, push_result, roster_get


class RosterState:
    """The roster of one session."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.contacts: dict[str, Contact] = {}
        self.version: str | None = None

    def apply_items(self, items: list[Any], *, full: bool) -> list[Contact]:
        """Create/update/remove contacts from roster items; ``full`` replaces the whole roster."""
        touched: list[Contact] = []
        seen: set[str] = set()
        for item in items:
            seen.add(item.jid)
            if item.subscription == "remove":
                removed = self.contacts.pop(item.jid, None)
                if removed is not None:
                    touched.append(removed)
                continue
            contact = self.contacts.get(item.jid)
            if contact is None:
                contact = self.contacts[item.jid] = Contact(item)
            else:
                contact.update_from_item(item)
            touched.append(contact)
        if full:
            for jid in [j for j in self.contacts if j not in seen]:
                del self.contacts[jid]
        return touched


class RosterPlugin:
    """Registered as the core plugin ``converse-roster``."""

    _converse: Converse

    def initialize(self) -> None:
        converse = self._converse
        self.state = RosterState(converse)
        converse.roster = self.state  # type: ignore[attr-defined]
        converse.api.contacts = ContactsAPI(self.state)  # type: ignore[attr-defined]
        converse.session.add_handler("iq", self.on_iq)
        converse.session.add_handler("presence", self.on_presence)
        converse.api.listen.on("connected", self.on_connected)

    def on_connected(self, _jid: Any = None) -> None:
        asyncio.ensure_future(self.fetch_and_announce())

    async def fetch_and_announce(self) -> None:
        """RFC 6121 §2.2: get the roster, then send initial presence."""
        converse = self._converse
        try:
            result = await converse.session.send_iq(roster_get())
            items, version = parse_roster(result)
            self.state.version = version
            self.state.apply_items(items, full=True)
        except Exception as exc:
            if not converse.session.connected:  # logged out or dropped meanwhile: nothing to announce
                logger.info("roster fetch abandoned: %s", exc)
                return
            logger.error("roster fetch failed: %s", exc)
        converse.trigger("rosterContactsFetched")
        converse.trigger("rosterGroupsFetched")
        converse.trigger("roster", list(self.state.contacts.values()))
        converse.trigger("rosterInitialized")
        converse.session.send_element(presence())
        converse.trigger("statusInitialized", "online")

    def on_iq(self, stanza: ET.Element) -> bool:
        if not is_roster_push(stanza):
            return False
        converse = self._converse
        if not push_is_trusted(stanza, converse.session.jid):
            logger.warning("ignored a roster push from %r", stanza.get("from"))
            return False  # answered with service-unavailable by the session
        items, version = parse_roster(stanza)
        converse.session.send_element(push_result(stanza))
        if len(items) != 1:
            return True  # RFC 6121 §2.1.6: a push carries exactly one item
        if version:
            self.state.version = version
        for contact in self.state.apply_items(items, full=False):
            converse.trigger("rosterPush", contact)
        return True

    def on_presence(self, stanza: ET.Element) -> None:
        parsed = parse_presence(stanza)
        if parsed is None:
            return
        contact = self.state.contacts.get(parsed.sender.bare)
        if contact is not None and contact.update_presence(parsed):
            self._converse.trigger("contactStatusChanged", contact)
