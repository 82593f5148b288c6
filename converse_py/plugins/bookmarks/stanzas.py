"""Bookmarks, pure: XEP-0402 (PEP native bookmarks, one PEP item per room) and the XEP-0048
fallback in private XML storage (XEP-0049, one ``<storage/>`` holding every bookmark).

>>> from converse_py.xmpp.stanza import parse, serialize
>>> serialize(items_request(id_="retrieve1"))
'<iq xmlns="jabber:client" type="get" id="retrieve1"><pubsub xmlns="http://jabber.org/protocol/pubsub"><items node="urn:xmpp:bookmarks:1" /></pubsub></iq>'
>>> parse_private(parse("<iq xmlns='jabber:client' type='result' id='r1'><query xmlns='jabber:iq:private'>"
...     "<storage xmlns='storage:bookmarks'><conference name='Council of Oberon' autojoin='true' "
...     "jid='council@conference.underhill.org'><nick>Puck</nick></conference></storage></query></iq>"))
[Bookmark(jid='council@conference.underhill.org', name='Council of Oberon', nick='Puck', autojoin=True)]
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ...xmpp.jid import JID
from ...xmpp.stanza import child_text, find, find_all, iq, sub

BOOKMARKS = "urn:xmpp:bookmarks:1"
#: The account's disco#info has it when the server keeps 0402 and 0048 in step (XEP-0402 §5).
COMPAT = BOOKMARKS + "#compat"
#: Declared as a client feature (caps, XEP-0115) so the server sends PEP notifications (XEP-0163).
NOTIFY = BOOKMARKS + "+notify"
PUBSUB = "http://jabber.org/protocol/pubsub"
PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event"
PRIVATE = "jabber:iq:private"
STORAGE = "storage:bookmarks"
DATA = "jabber:x:data"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"
#: Most bookmarks kept from one answer or notification (a hostile answer cannot make us join thousands).
MAX_BOOKMARKS = 1_000
#: Longest name, nick or password kept from a bookmark.
MAX_TEXT = 1_024


@dataclass(frozen=True)
class Bookmark:
    """One room bookmark: the room's bare JID, its name, the nick to join with, whether to join it
    at login (autojoin) and its password (kept only to join; never logged)."""

    jid: str
    name: str = ""
    nick: str = ""
    autojoin: bool = False
    password: str = field(default="", repr=False)  # never in logs

    def as_dict(self) -> dict[str, Any]:
        """``{jid, name, nick, autojoin, password}`` (what ``api.bookmarks.get()`` gives)."""
        return asdict(self)


@dataclass(frozen=True)
class BookmarkEvent:
    """A PEP notification of the bookmarks node: bookmarks published and JIDs retracted."""

    published: tuple[Bookmark, ...] = ()
    retracted: tuple[str, ...] = ()


# -- XEP-0402 -------------------------------------------------------------------------------
def conference_0402(bookmark: Bookmark) -> ET.Element:
    """``<conference xmlns='urn:xmpp:bookmarks:1' name autojoin><nick/><password/></conference>``."""
    conference = ET.Element("conference", {"xmlns": BOOKMARKS})
    _fill(conference, bookmark)
    return conference


def _fill(conference: ET.Element, bookmark: Bookmark) -> None:
    if bookmark.name:
        conference.set("name", bookmark.name)
    conference.set("autojoin", "true" if bookmark.autojoin else "false")
    if bookmark.nick:
        sub(conference, "nick", text=bookmark.nick)
    if bookmark.password:
        sub(conference, "password", text=bookmark.password)


def publish_request(bookmark: Bookmark, id_: str | None = None) -> ET.Element:
    """Add or change one bookmark: a PEP publish of the item named by the room's JID, with the
    publish-options XEP-0402 §3.2 requires (persistent, unlimited items, private, never sent
    as a last item)."""
    request = iq("set", id_=id_)
    pubsub = sub(request, "pubsub", xmlns=PUBSUB)
    publish = sub(pubsub, "publish", {"node": BOOKMARKS})
    sub(publish, "item", {"id": bookmark.jid}).append(conference_0402(bookmark))
    form = sub(sub(pubsub, "publish-options"), "x", {"type": "submit"}, xmlns=DATA)
    for var, value, kind in (("FORM_TYPE", PUBLISH_OPTIONS, "hidden"), ("pubsub#persist_items", "true", None),
                             ("pubsub#max_items", "max", None), ("pubsub#send_last_published_item", "never", None),
                             ("pubsub#access_model", "whitelist", None)):
        sub(sub(form, "field", {"var": var, "type": kind}), "value", text=value)
    return request


def retract_request(jid: str, id_: str | None = None) -> ET.Element:
    """Remove one bookmark (XEP-0402 §3.3): retract its item, notifying the user's other clients."""
    request = iq("set", id_=id_)
    retract = sub(sub(request, "pubsub", xmlns=PUBSUB), "retract", {"node": BOOKMARKS, "notify": "true"})
    sub(retract, "item", {"id": jid})
    return request


def items_request(id_: str | None = None) -> ET.Element:
    """Every bookmark (XEP-0402 §3.1): the items of the user's bookmarks node."""
    request = iq("get", id_=id_)
    sub(sub(request, "pubsub", xmlns=PUBSUB), "items", {"node": BOOKMARKS})
    return request


def parse_items(result: ET.Element) -> list[Bookmark]:
    """The bookmarks of an items result (items whose id is not a room JID are skipped)."""
    pubsub = find(result, PUBSUB, "pubsub")
    items = find(pubsub, PUBSUB, "items") if pubsub is not None else None
    if items is None or items.get("node") != BOOKMARKS:
        return []
    return _bookmarks(find_all(items, PUBSUB, "item"), PUBSUB)


def parse_event(stanza: ET.Element, own_bare: str | None) -> BookmarkEvent | None:
    """A PEP notification of the bookmarks node (XEP-0402 §4), or None: not one, or not from the
    user's own bare JID (only the user's account may change their bookmarks)."""
    event = find(stanza, PUBSUB_EVENT, "event")
    items = find(event, PUBSUB_EVENT, "items") if event is not None else None
    if items is None or items.get("node") != BOOKMARKS:
        return None
    if not own_bare or stanza.get("from") != own_bare:
        return None
    retracted = []
    for retract in list(find_all(items, PUBSUB_EVENT, "retract"))[:MAX_BOOKMARKS]:
        jid = room_jid(retract.get("id"))
        if jid:
            retracted.append(jid)
    published = _bookmarks(find_all(items, PUBSUB_EVENT, "item"), PUBSUB_EVENT)
    return BookmarkEvent(tuple(published), tuple(retracted))


def _bookmarks(items: Iterable[ET.Element], _ns: str) -> list[Bookmark]:
    out: dict[str, Bookmark] = {}
    for item in items:
        if len(out) >= MAX_BOOKMARKS:
            break
        jid = room_jid(item.get("id"))
        conference = find(item, BOOKMARKS, "conference")
        if jid and conference is not None:
            out[jid] = _bookmark(jid, conference, BOOKMARKS)
    return list(out.values())


# -- XEP-0048 in private XML storage (XEP-0049) --------------------------------------------
def private_request(id_: str | None = None) -> ET.Element:
    """Read the bookmarks kept in private XML storage (XEP-0048 §3.2, XEP-0049 §2.3)."""
    request = iq("get", id_=id_)
    sub(sub(request, "query", xmlns=PRIVATE), "storage", xmlns=STORAGE)
    return request


def private_store(bookmarks: Iterable[Bookmark], id_: str | None = None) -> ET.Element:
    """Replace the stored bookmarks (XEP-0048 §3.3): private storage holds them all in one element."""
    request = iq("set", id_=id_)
    storage = sub(sub(request, "query", xmlns=PRIVATE), "storage", xmlns=STORAGE)
    for bookmark in bookmarks:
        conference = sub(storage, "conference", {"jid": bookmark.jid})
        _fill(conference, bookmark)
    return request


def parse_private(result: ET.Element) -> list[Bookmark]:
    """The room bookmarks of a private storage result (URL bookmarks are not rooms: left out)."""
    query = find(result, PRIVATE, "query")
    storage = find(query, STORAGE, "storage") if query is not None else None
    if storage is None:
        return []
    out: dict[str, Bookmark] = {}
    for conference in find_all(storage, STORAGE, "conference"):
        if len(out) >= MAX_BOOKMARKS:
            break
        jid = room_jid(conference.get("jid"))
        if jid:
            out[jid] = _bookmark(jid, conference, STORAGE)
    return list(out.values())


# -- shared --------------------------------------------------------------------------------
def _bookmark(jid: str, conference: ET.Element, namespace: str) -> Bookmark:
    return Bookmark(jid=jid, name=(conference.get("name") or "")[:MAX_TEXT],
                    nick=(child_text(conference, namespace, "nick") or "").strip()[:MAX_TEXT],
                    autojoin=(conference.get("autojoin") or "").strip() in ("true", "1"),
                    password=(child_text(conference, namespace, "password") or "")[:MAX_TEXT])


def room_jid(value: str | None) -> str:
    """The bare room JID ``value`` names, or '' when it is not one (no node, or a full JID)."""
    try:
        parsed = JID.parse(value or "")
    except ValueError:
        return ""
    return parsed.bare if parsed.local and not parsed.resource else ""


__all__ = ["BOOKMARKS", "COMPAT", "NOTIFY", "PRIVATE", "STORAGE", "Bookmark", "BookmarkEvent", "items_request",
           "parse_event", "parse_items", "parse_private", "private_request", "private_store", "publish_request",
           "retract_request", "room_jid"]
