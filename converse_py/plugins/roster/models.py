"""Roster contacts as models with the seed's attributes.

``chat_status`` follows every connected resource: the highest priority wins, then
the most available show value.
"""

from __future__ import annotations

from typing import Any

from ...core.model import Model
from .stanzas import Presence, RosterItem

#: Most available first; ``chat`` counts as ``online``.
_AVAILABILITY = {"chat": 0, "online": 1, "away": 2, "dnd": 3, "xa": 4}


class Contact(Model):
    """A roster contact. Attributes: ask, fullname, jid, requesting, subscription, id, chat_status,
    user_id, resources, groups, status, image_type, image, url, vcard_updated."""

    def __init__(self, item: RosterItem) -> None:
        local = item.jid.partition("@")[0] if "@" in item.jid else ""
        super().__init__({
            "jid": item.jid, "id": item.jid, "user_id": local,
            "fullname": item.name or item.jid, "subscription": item.subscription, "ask": item.ask,
            "groups": list(item.groups), "requesting": False, "chat_status": "offline",
            "resources": [], "status": "", "image_type": None, "image": None, "url": None,
            "vcard_updated": None,
        })
        self._presences: dict[str, Presence] = {}
        self.item_name = item.name  # the name in the roster item (fullname falls back to vCard, then JID)
        self.in_roster = True
        self.roster: Any = None  # the RosterState, for the actions below

    def authorize(self) -> None:
        """Accept this contact's subscription request (and subscribe back)."""
        self.roster.accept(self)

    def unauthorize(self) -> None:
        """Decline this contact's subscription request."""
        self.roster.decline(self)

    def rename(self, name: str) -> Any:
        """Change the contact's name in the roster (an empty name drops it); a future that resolves
        to the contact once the server accepted the roster set (see ``api.contacts.rename``)."""
        return self.roster.converse.api.contacts.rename(self.get("jid"), name)

    def set_groups(self, groups: list[str]) -> Any:
        """Put the contact in exactly these roster groups (new names create groups); a future
        (see ``api.contacts.set_groups``)."""
        return self.roster.converse.api.contacts.set_groups(self.get("jid"), groups)

    def remove(self) -> Any:
        """Remove the contact from the roster (subscriptions are cancelled both ways); a future."""
        return self.roster.converse.api.contacts.remove(self.get("jid"))

    def update_from_item(self, item: RosterItem) -> None:
        """Apply a roster push for this contact."""
        self.item_name, self.in_roster = item.name, True
        fullname = item.name or (self.get("fullname") if self.get("fullname") != item.jid else "") or item.jid
        self.set({"fullname": fullname, "subscription": item.subscription, "ask": item.ask,
                  "groups": list(item.groups)})

    def update_presence(self, presence: Presence) -> bool:
        """Apply an available/unavailable presence; True when chat_status or status changed."""
        resource = presence.sender.resource
        if presence.type == "unavailable":
            if resource:
                self._presences.pop(resource, None)
            else:
                self._presences.clear()
        elif presence.type == "available":
            self._presences[resource] = presence
        else:
            return False
        before = (self.get("chat_status"), self.get("status"))
        best = self.best_presence()
        self.set({
            "resources": sorted(self._presences),
            "chat_status": best.show if best else "offline",
            "status": best.status if best else (presence.status if presence.type == "unavailable" else ""),
        })
        return before != (self.get("chat_status"), self.get("status"))

    def online_resources(self) -> list[Presence]:
        """The available presence of each online resource (what the presence cache saves)."""
        return list(self._presences.values())

    def restore_presences(self, presences: list[Presence]) -> bool:
        """Apply saved available presences of resources not heard of in this session (what the
        server said since wins); True when chat_status or status changed."""
        changed = False
        for presence in presences:
            if presence.sender.resource not in self._presences:
                changed = self.update_presence(presence) or changed
        return changed

    def clear_presence(self) -> bool:
        """Forget every resource (our connection is gone); True if the contact looked online."""
        if not self._presences:
            return False
        self._presences.clear()
        self.set({"resources": [], "chat_status": "offline"})
        return True

    def best_presence(self) -> Presence | None:
        """The presence that decides chat_status (None when no resource is online)."""
        if not self._presences:
            return None
        return min(self._presences.values(), key=lambda p: (-p.priority, _AVAILABILITY.get(p.show, 9)))

    def js_facade(self, bridge: Any) -> Any:
        """``{get, set, rename, setGroups, remove, authorize, unauthorize}`` for JS callers (see
        converse_py.browser.jsbridge)."""
        facade = bridge.model(self)
        if getattr(facade, "setGroups", None) is None:
            for js_name, method in (("rename", self.rename), ("setGroups", self.set_groups), ("remove", self.remove),
                                    ("authorize", self.authorize), ("unauthorize", self.unauthorize)):
                setattr(facade, js_name, bridge.method(method))
        return facade
