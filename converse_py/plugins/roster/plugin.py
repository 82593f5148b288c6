"""Roster plugin: the roster (cached per tab, versioned per XEP-0237), pushes, presence,
subscriptions, and contacts' vCards.

Events: ``roster`` (the contacts, after the fetch), ``rosterPush`` (a contact), ``contactRequest``
(a contact asking to subscribe), ``contactStatusChanged`` (a contact). Promises: cachedRoster,
rosterContactsFetched, rosterGroupsFetched, roster, rosterInitialized, and
``rosterPresencesFetched`` (the contacts, once the server's burst of their presences after the
initial presence has quieted: no contact's presence for ``PRESENCES_QUIET`` seconds, or
``PRESENCES_MAX_WAIT`` seconds at most; at once when no contact shares their presence).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, UTC
import xml.etree.ElementTree as ET
from typing import Any

from ...core.clock import Timer
from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import find, find_all
from ..vcard.stanzas import parse_vcard, vcard_get
from .api import ContactsAPI
from .models import Contact
from .presence_cache import PresenceCache
from .stanzas import (
    Presence, RosterItem, clean_groups, is_roster_push, parse_presence, parse_roster, push_is_trusted, push_result, roster_get,
    roster_items, roster_remove, roster_set, subscription,
)

ROSTER_VERSIONING = "urn:xmpp:features:rosterver"
#: vCards fetched right after the roster arrives (the rest when a chat opens or on request).
EAGER_VCARDS = 50
#: Roster items read per task from a full roster result (5,000 contacts: five tasks, none long).
FETCH_SLICE = 1000
#: rosterPresencesFetched: seconds without a contact's presence after which the burst is over ...
PRESENCES_QUIET = 0.5
#: ... and seconds after the initial presence after which it resolves anyway.
PRESENCES_MAX_WAIT = 5.0


class RosterState:
    """The roster of one session, and what can be done with it."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.contacts: dict[str, Contact] = {}
        self.version: str | None = None
        self.owner: str | None = None  # the bare JID whose roster this is
        self._vcards_pending: set[str] = set()
        self._fetch = 0  # which roster fetch is the current one
        # Pushes handled while a fetch is under way, applied again after its result: a push is
        # newer than a result the server sent before it (RFC 6121 §2.1.6).
        self._pushed: list[RosterItem] | None = None
        self._pushed_version: str | None = None
        self.presences = PresenceCache(converse.platform)
        #: saved presences of contacts not in the roster yet (a resumed session without a cached roster)
        self._restoring: dict[str, list[Presence]] = {}
        self._presences_dirty = False
        self._watching_page = False

    def reset_for(self, owner: str) -> None:
        """Start afresh when another account logs in (nothing of the previous roster stays)."""
        if owner != self.owner:
            self.owner, self.contacts, self.version = owner, {}, None
            self._vcards_pending.clear()
            self._presences_dirty, self._restoring = False, {}

    def all_offline(self) -> list[Contact]:
        """The connection is gone: nobody's presence is known any more. Returns who changed."""
        if self.owner:
            self.presences.drop(self.owner)
        self._presences_dirty = False
        self._restoring = {}
        return [c for c in self.contacts.values() if c.clear_presence()]

    # -- presences kept for the page after a reload (presence_cache) -------------------------
    def start_presences(self, resumed: bool) -> list[Contact]:
        """A session of ``owner`` is up. ``resumed`` (the server will not send the contacts'
        presences again): apply the saved ones; returns the contacts that changed. Otherwise the
        saved presences are stale and dropped."""
        self._restoring = {}
        if not self.owner:
            return []
        if not resumed:
            self.presences.drop(self.owner)
            return []
        self._restoring = self.presences.load(self.owner)
        return self.apply_restored()

    def apply_restored(self) -> list[Contact]:
        """Apply saved presences to the contacts known now (the rest wait for the roster)."""
        changed = []
        for jid in [j for j in self._restoring if j in self.contacts]:
            contact = self.contacts[jid]
            if contact.restore_presences(self._restoring.pop(jid)):
                changed.append(contact)
        return changed

    def presences_changed(self) -> None:
        """A contact's presence changed: save them all once this loop turn is over (at once
        when the page is hidden, which it is before it unloads)."""
        if not self._watching_page:
            self._watching_page = True
            self.converse.platform.watch_visibility(lambda hidden: self.save_presences() if hidden else None)
        if not self._presences_dirty:
            self._presences_dirty = True
            asyncio.get_event_loop().call_soon(self.save_presences)

    def save_presences(self) -> None:
        if not self._presences_dirty or not self.owner:
            return
        self._presences_dirty = False
        self.presences.save(self.owner, {jid: c.online_resources() for jid, c in self.contacts.items()})

    # -- items --------------------------------------------------------------------------
    def apply_items(self, items: list[RosterItem], *, full: bool) -> list[Contact]:
        """Create/update/remove contacts from roster items; ``full`` replaces the whole roster
        (pending subscription requests from people not in it are kept)."""
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
                contact.roster = self
            else:
                contact.update_from_item(item)
            touched.append(contact)
        if full:
            for jid in [j for j, c in self.contacts.items() if j not in seen and not c.get("requesting")]:
                del self.contacts[jid]
        return touched

    # -- a fetch and the pushes that overtake its result -----------------------------------
    def fetch_started(self) -> int:
        """A roster get is being sent; returns the fetch's number (a later fetch supersedes it)."""
        self._fetch += 1
        self._pushed, self._pushed_version = [], None
        return self._fetch

    def is_current_fetch(self, fetch: int) -> bool:
        return fetch == self._fetch

    def pushed(self, items: list[RosterItem], version: str | None) -> None:
        """A push was applied; remembered while a fetch is under way."""
        if self._pushed is not None:
            self._pushed.extend(items)
            self._pushed_version = version or self._pushed_version

    def fetch_done(self, fetch: int) -> None:
        """The fetch's result (if any) was applied: apply again what pushes said meanwhile (for
        a fetch given up, that changes nothing: they were applied when they came). A superseded
        fetch does nothing here."""
        if fetch != self._fetch or self._pushed is None:
            return
        pushed, version = self._pushed, self._pushed_version
        self._pushed, self._pushed_version = None, None
        if pushed:
            self.apply_items(pushed, full=False)
        if version:
            self.version = version

    # -- cache (tab storage; holds roster items and the version, nothing secret) ---------
    def _cache_key(self) -> str | None:
        jid = self.converse.session.jid
        return f"converse-py:roster:{JID.parse(jid).bare}" if jid else None

    def load_cache(self) -> bool:
        key = self._cache_key()
        raw = self.converse.platform.storage_get(key) if key else None
        if not raw:
            return False
        try:
            data = json.loads(raw)
            items = [RosterItem(i["jid"], i.get("name", ""), i.get("subscription", "none"), i.get("ask"),
                                tuple(i.get("groups", []))) for i in data["items"]]
        except (ValueError, KeyError, TypeError):
            return False
        self.version = data.get("ver")
        self.apply_items(items, full=True)
        return True

    def save_cache(self) -> None:
        key = self._cache_key()
        if not key:
            return
        items = [{"jid": c.get("jid"), "name": c.item_name, "subscription": c.get("subscription"),
                  "ask": c.get("ask"), "groups": c.get("groups")}
                 for c in self.contacts.values() if c.in_roster]
        self.converse.platform.storage_set(key, json.dumps({"ver": self.version, "items": items}))

    # -- actions ------------------------------------------------------------------------
    async def add(self, jid: str, name: str | None = None, groups: list[str] | None = None) -> Contact:
        """Roster set, then a subscription request (RFC 6121 §3.1.1)."""
        await self.converse.session.send_iq(roster_set(jid, name, groups or []))
        self.converse.session.send_element(subscription(jid, "subscribe"))
        contact = self.contacts.get(jid)
        if contact is None:  # the push normally arrived first
            contact = self.apply_items([RosterItem(jid, name or "", "none", "subscribe", tuple(groups or []))],
                                       full=False)[0]
        contact.set("ask", "subscribe")
        return contact

    async def remove(self, jid: str) -> None:
        """Remove from the roster (and cancel subscriptions both ways)."""
        await self.converse.session.send_iq(roster_remove(jid))

    async def update(self, jid: str, *, name: str | None = None, groups: list[str] | None = None) -> Contact:
        """Roster set (RFC 6121 §2.3.2) changing a contact's name and/or groups; what is not given
        stays as it is (an empty name drops the name). Resolves once the server accepted it (its
        push updates the contact, and the other sessions of the account)."""
        contact = self.contacts.get(jid)
        if contact is None or not contact.in_roster:
            raise ConverseError(f"contacts: {jid} is not in the roster")
        new_name = contact.item_name if name is None else name.strip()[:500]
        new_groups = list(contact.get("groups") or []) if groups is None else clean_groups(groups)
        await self.converse.session.send_iq(roster_set(jid, new_name, new_groups))
        return contact

    def accept(self, contact: Contact) -> None:
        """Approve a subscription request and ask to subscribe back unless already subscribed."""
        jid = contact.get("jid")
        self.converse.session.send_element(subscription(jid, "subscribed"))
        if contact.get("subscription") not in ("to", "both") and contact.get("ask") != "subscribe":
            self.converse.session.send_element(subscription(jid, "subscribe"))
        contact.set("requesting", False)

    def decline(self, contact: Contact) -> None:
        """Refuse a subscription request; someone not in the roster is forgotten."""
        jid = contact.get("jid")
        self.converse.session.send_element(subscription(jid, "unsubscribed"))
        contact.set("requesting", False)
        if contact.get("subscription") == "none" and not contact.get("ask") and not contact.in_roster:
            self.contacts.pop(jid, None)
        self.converse.trigger("rosterPush", contact)

    # -- vCards -------------------------------------------------------------------------
    async def fetch_vcard(self, contact: Contact) -> None:
        """Fetch and apply a contact's vCard (XEP-0054); errors leave the contact as it was."""
        jid = contact.get("jid")
        if jid in self._vcards_pending:
            return
        self._vcards_pending.add(jid)
        try:
            result = await self.converse.session.send_iq(vcard_get(jid), timeout=15)
            card = parse_vcard(result)
        except Exception as exc:
            logger.info("no vCard for %s: %s", jid, exc)
            return
        finally:
            self._vcards_pending.discard(jid)
        updates: dict[str, Any] = {"url": card.url or None, "image": card.image, "image_type": card.image_type,
                                   "vcard_updated": datetime.now(UTC).isoformat()}
        if card.fullname and not contact.item_name:
            updates["fullname"] = card.fullname
        contact.set(updates)
        self.converse.trigger("vcardUpdated", contact)


class PresenceBurst:
    """When the contacts' presences after the initial presence have arrived (``rosterPresencesFetched``)."""

    def __init__(self, converse: Converse, state: RosterState) -> None:
        self.converse = converse
        self.state = state
        self.deadline: float | None = None  # loop time to resolve by; None: not waiting
        self.timer: Timer | None = None

    def start(self, *_: Any) -> None:
        """Initial presence was sent (statusInitialized): the server now sends the contacts' presences."""
        self.converse.promises.reset("rosterPresencesFetched")
        self._cancel()
        if not any(c.get("subscription") in ("to", "both") for c in self.state.contacts.values()):
            self.done()  # nobody shares their presence: nothing to wait for
            return
        clock = self.converse.clock
        self.deadline = clock.now() + PRESENCES_MAX_WAIT
        self.timer = clock.call_later(PRESENCES_QUIET, self.done)

    def presence(self) -> None:
        """A contact's presence arrived: the burst goes on (up to the deadline)."""
        if self.deadline is None:
            return
        self._cancel()
        clock = self.converse.clock
        self.timer = clock.call_later(max(0.0, min(PRESENCES_QUIET, self.deadline - clock.now())), self.done)

    def done(self) -> None:
        self._cancel()
        self.deadline = None
        self.converse.trigger("rosterPresencesFetched", list(self.state.contacts.values()))

    def stop(self, *_: Any) -> None:
        self._cancel()
        self.deadline = None

    def _cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class RosterPlugin(Plugin):
    """The roster, presence, subscriptions and contacts' vCards."""

    name = "converse-roster"
    settings = {
        "auto_subscribe": Setting(False, (bool,), "Accept contact requests automatically and subscribe back."),
        "allow_contact_removal": Setting(True, (bool,), "Let the user remove contacts from the roster in the UI "
                                         "(the contact menu of a roster row and of a chat box)."),
    }
    events = {
        "roster": EventDoc("the list of contacts", "the roster was fetched from the server", promise=True),
        "rosterContactsFetched": EventDoc("nothing", "contacts are known", promise=True),
        "rosterGroupsFetched": EventDoc("nothing", "roster groups are known", promise=True),
        "rosterInitialized": EventDoc("nothing", "the roster is set up", promise=True),
        "rosterPush": EventDoc("the contact", "a roster push added, changed or removed a contact"),
        "contactStatusChanged": EventDoc("the contact", "a contact's chat_status or status message changed"),
        "contactRequest": EventDoc("the contact", "someone asked to subscribe to the user's presence "
                                   "(contact.requesting is true; answer with contact.authorize() or "
                                   "contact.unauthorize())"),
        "vcardUpdated": EventDoc("the contact", "a contact's vCard (fullname, image, url) was fetched"),
        "cachedRoster": EventDoc("the list of contacts", "the roster cached in this tab was loaded, before the "
                                 "server answered (empty list when nothing was cached)", promise=True),
        "rosterPresencesFetched": EventDoc(
            "the list of contacts",
            "the contacts' presences that follow the initial presence have arrived: none came for "
            f"{PRESENCES_QUIET:g} s (or {PRESENCES_MAX_WAIT:g} s passed); at once when no contact shares "
            "their presence. Fires again after each new session (promise)", promise=True),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = RosterState(converse)
        self.burst = PresenceBurst(converse, self.state)
        converse.provide(self.state)
        converse.api.add_grouping("contacts", ContactsAPI(self.state))
        converse.session.add_handler("iq", self.on_iq)
        converse.session.add_handler("presence", self.on_presence)
        converse.api.listen.on("connected", self.on_connected)
        converse.api.listen.on("disconnected", self.on_disconnected)
        # A fresh session after a drop (not a resumed one): what was known of presences is stale;
        # the server sends the contacts' current ones after the new initial presence.
        converse.api.listen.on("reconnected", self.on_disconnected)
        converse.api.listen.on("disconnected", self.burst.stop)
        converse.api.listen.on("statusInitialized", self.burst.start)

    def on_connected(self, _jid: Any = None) -> None:
        jid = self._converse.session.jid
        if jid:
            self.state.reset_for(JID.parse(jid).bare)
        if self.state.load_cache():
            self._converse.trigger("roster", list(self.state.contacts.values()))
        self._converse.trigger("cachedRoster", list(self.state.contacts.values()))
        for contact in self.state.start_presences(self._converse.session.page_resumed):
            self._converse.trigger("contactStatusChanged", contact)
        asyncio.ensure_future(self.fetch())

    async def fetch(self) -> None:
        """RFC 6121 §2.1.3 with XEP-0237 versioning when the server offers it."""
        converse = self._converse
        state = self.state
        versioned = converse.session.server_supports(ROSTER_VERSIONING)
        fetch = state.fetch_started()
        try:
            result = await converse.session.send_iq(roster_get(state.version or "" if versioned else None))
        except Exception as exc:
            if not converse.session.connected:  # logged out or dropped meanwhile: nothing to announce
                logger.info("roster fetch abandoned: %s", exc)
                state.fetch_done(fetch)  # stop remembering pushes
                return
            logger.error("roster fetch failed: %s", exc)
        else:
            query = find(result, ns.ROSTER, "query")
            if query is not None or not versioned:
                elements = list(find_all(query, ns.ROSTER, "item")) if query is not None else []
                items: list[RosterItem] = []
                for start in range(0, len(elements), FETCH_SLICE):
                    if start:
                        await asyncio.sleep(0)  # the browser paints and handles input meanwhile
                        if not state.is_current_fetch(fetch) or not converse.session.connected:
                            logger.info("roster fetch abandoned: superseded or disconnected")
                            state.fetch_done(fetch)
                            return
                    items.extend(roster_items(elements[start:start + FETCH_SLICE]))
                state.version = query.get("ver") if query is not None else None
                state.apply_items(items, full=True)
            # In a later task: with thousands of contacts, writing the cache (JSON and a
            # synchronous sessionStorage write) would lengthen the task that shows the roster.
            asyncio.get_event_loop().call_soon(state.save_cache)
        state.fetch_done(fetch)
        for contact in state.apply_restored():
            converse.trigger("contactStatusChanged", contact)
        contacts = list(self.state.contacts.values())
        converse.trigger("rosterContactsFetched")
        converse.trigger("rosterGroupsFetched")
        converse.trigger("roster", contacts)
        converse.trigger("rosterInitialized")
        for contact in contacts[:EAGER_VCARDS]:
            asyncio.ensure_future(self.state.fetch_vcard(contact))

    def on_disconnected(self, *_: Any) -> None:
        for contact in self.state.all_offline():
            self._converse.trigger("contactStatusChanged", contact)

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
        is_new = items[0].jid not in self.state.contacts or not self.state.contacts[items[0].jid].in_roster
        self.state.pushed(items, version)
        for contact in self.state.apply_items(items, full=False):
            converse.trigger("rosterPush", contact)
            if is_new and items[0].subscription != "remove":
                asyncio.ensure_future(self.state.fetch_vcard(contact))
        self.state.save_cache()
        return True

    def on_presence(self, stanza: ET.Element) -> None:
        parsed = parse_presence(stanza)
        if parsed is None:
            return
        jid = parsed.sender.bare
        if parsed.type == "subscribe":
            self.on_subscription_request(jid, parsed.status)
            return
        contact = self.state.contacts.get(jid)
        if contact is not None:
            self.burst.presence()
            if parsed.type in ("available", "unavailable"):
                self.state.presences_changed()
            if contact.update_presence(parsed):
                self._converse.trigger("contactStatusChanged", contact)

    def on_subscription_request(self, jid: str, status: str) -> None:
        converse = self._converse
        contact = self.state.contacts.get(jid)
        if contact is None:
            contact = self.state.apply_items([RosterItem(jid, "", "none", None, ())], full=False)[0]
            contact.in_roster = False
        if contact.get("subscription") in ("from", "both"):
            converse.session.send_element(subscription(jid, "subscribed"))  # already approved: re-confirm
            return
        if converse.settings.get("auto_subscribe"):
            self.state.accept(contact)
            return
        contact.set({"requesting": True, "status": status})
        converse.trigger("contactRequest", contact)
