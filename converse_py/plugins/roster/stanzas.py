"""Roster and presence stanzas (RFC 6121 §2 and §4), pure.

>>> from converse_py.xmpp.stanza import parse
>>> iq = parse('<iq xmlns="jabber:client" type="result" id="r1"><query xmlns="jabber:iq:roster" ver="v2">'
...            '<item jid="romeo@example.net" name="Romeo" subscription="both"><group>Friends</group></item>'
...            '</query></iq>')
>>> items, ver = parse_roster(iq)
>>> items[0].jid, items[0].groups, ver
('romeo@example.net', ('Friends',), 'v2')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import child_text, element, find, find_all, iq, local_name, qname, sub

SUBSCRIPTIONS = ("none", "to", "from", "both", "remove")
SHOW_VALUES = ("away", "chat", "dnd", "xa")


@dataclass(frozen=True)
class RosterItem:
    """One ``<item/>`` of a roster result or push."""

    jid: str
    name: str
    subscription: str
    ask: str | None
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Presence:
    """What a ``<presence/>`` says about one resource."""

    sender: JID
    type: str  # "available", "unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed", "error"
    show: str  # "online" when available without <show/>; one of SHOW_VALUES otherwise
    status: str
    priority: int


def roster_get(ver: str | None = None) -> ET.Element:
    """``<iq type="get"><query xmlns="jabber:iq:roster"/></iq>`` (RFC 6121 §2.1.3)."""
    stanza = iq("get")
    sub(stanza, "query", {"ver": ver}, xmlns=ns.ROSTER)
    return stanza


def roster_set(jid: str, name: str | None = None, groups: tuple[str, ...] | list[str] = ()) -> ET.Element:
    """Add or update a roster item (RFC 6121 §2.3.2)."""
    stanza = iq("set")
    query = sub(stanza, "query", xmlns=ns.ROSTER)
    item = sub(query, "item", {"jid": jid, "name": name or None})
    for group in groups:
        sub(item, "group", text=group)
    return stanza


def clean_groups(groups: list[str] | tuple[str, ...]) -> list[str]:
    """Group names for a roster set: trimmed, no empty names, no duplicates, in the given order.

    >>> clean_groups([" Friends ", "", "Work", "Friends"])
    ['Friends', 'Work']
    """
    return list(dict.fromkeys(name for name in (str(g).strip()[:200] for g in groups) if name))


def roster_remove(jid: str) -> ET.Element:
    """Remove a roster item (RFC 6121 §2.5.2); the server also cancels subscriptions."""
    stanza = iq("set")
    sub(sub(stanza, "query", xmlns=ns.ROSTER), "item", {"jid": jid, "subscription": "remove"})
    return stanza


def subscription(to: str, type_: str, status: str | None = None) -> ET.Element:
    """``subscribe`` / ``subscribed`` / ``unsubscribe`` / ``unsubscribed`` presence (RFC 6121 §3)."""
    if type_ not in ("subscribe", "subscribed", "unsubscribe", "unsubscribed"):
        raise ValueError(f"not a subscription presence type: {type_!r}")
    stanza = element("presence", {"to": to, "type": type_}, xmlns=ns.CLIENT)
    if status:
        sub(stanza, "status", text=status)
    return stanza


def parse_roster(stanza: ET.Element) -> tuple[list[RosterItem], str | None]:
    """Items and version of a roster result or push; items with a bad JID are skipped."""
    query = find(stanza, ns.ROSTER, "query")
    if query is None:
        return [], None
    return roster_items(find_all(query, ns.ROSTER, "item")), query.get("ver")


def roster_items(elements: Iterable[ET.Element]) -> list[RosterItem]:
    """The :class:`RosterItem` of each ``<item/>`` element; those with a bad JID are skipped.
    (A full roster may hold thousands: a caller can take them in slices.)

    >>> from converse_py.xmpp.stanza import parse
    >>> [i.jid for i in roster_items(parse('<query xmlns="jabber:iq:roster"><item jid="Juliet@Example.com"/>'
    ...                                     '<item jid="not a jid"/></query>'))]
    ['juliet@example.com']
    """
    items: list[RosterItem] = []
    group_tag = qname(ns.ROSTER, "group")
    for item in elements:
        get = item.get
        try:
            jid = JID.parse(get("jid") or "").bare
        except ValueError:
            continue
        subscription = get("subscription") or "none"
        if subscription not in SUBSCRIPTIONS:
            subscription = "none"
        groups: tuple[str, ...] = ()
        found = item.findall(group_tag)
        if found:
            names = ((g.text or "").strip()[:200] for g in found)
            groups = tuple(dict.fromkeys(name for name in names if name))
        ask = "subscribe" if get("ask") == "subscribe" else None
        items.append(RosterItem(jid, (get("name") or "")[:500], subscription, ask, groups))
    return items


def is_roster_push(stanza: ET.Element) -> bool:
    """An ``<iq type="set">`` carrying a roster query."""
    return (local_name(stanza.tag) == "iq" and stanza.get("type") == "set"
            and find(stanza, ns.ROSTER, "query") is not None)


def push_is_trusted(stanza: ET.Element, own_jid: str | None) -> bool:
    """RFC 6121 §2.1.6: accept a push only with no ``from`` or from our own bare JID."""
    sender = stanza.get("from")
    if not sender:
        return True
    if not own_jid:
        return False
    try:
        return JID.parse(sender).full == JID.parse(own_jid).bare
    except ValueError:
        return False


def push_result(stanza: ET.Element) -> ET.Element:
    """The empty result acknowledging a roster push."""
    return iq("result", to=stanza.get("from"), id_=stanza.get("id"))


def parse_presence(stanza: ET.Element) -> Presence | None:
    """Parse a presence; None when it has no valid ``from``."""
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    kind = stanza.get("type") or "available"
    show = (child_text(stanza, ns.CLIENT, "show") or "").strip()
    if kind == "available":
        show = show if show in SHOW_VALUES else "online"
    status = (child_text(stanza, ns.CLIENT, "status") or "")[:2000]
    try:
        priority = max(-128, min(127, int(child_text(stanza, ns.CLIENT, "priority") or 0)))
    except ValueError:
        priority = 0
    return Presence(sender, kind, show if kind == "available" else "offline", status, priority)
