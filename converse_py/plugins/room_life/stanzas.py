"""Room life stanzas, pure: destroying a room (XEP-0045 §10.9), the destroy notice occupants get,
self-ping (XEP-0410) and what its answer means, and the room's disco#info features as words.

>>> from converse_py.xmpp.stanza import serialize
>>> serialize(self_ping("coven@chat.shakespeare.lit", "thirdwitch", iq_id="ping1"))
'<iq xmlns="jabber:client" type="get" to="coven@chat.shakespeare.lit/thirdwitch" id="ping1"><ping xmlns="urn:xmpp:ping" /></iq>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...i18n import N_
from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import find, iq, sub

MUC_USER = "http://jabber.org/protocol/muc#user"
MUC_OWNER = "http://jabber.org/protocol/muc#owner"
PING = "urn:xmpp:ping"


def destroy_request(room: str, reason: str | None = None, alternate: str | None = None,
                    iq_id: str | None = None) -> ET.Element:
    """The owner destroys the room (XEP-0045 §10.9), optionally naming an alternate venue."""
    stanza = iq("set", to=room, id_=iq_id)
    destroy = sub(sub(stanza, "query", xmlns=MUC_OWNER), "destroy", {"jid": alternate or None})
    if reason:
        sub(destroy, "reason", text=reason)
    return stanza


@dataclass(frozen=True)
class Destroyed:
    """The room was destroyed: the reason and alternate venue its owner gave (may be empty)."""

    room: str
    reason: str
    alternate: str


def parse_destroyed(stanza: ET.Element) -> Destroyed | None:
    """The unavailable presence occupants get when a room is destroyed (XEP-0045 Example 203)."""
    if stanza.get("type") != "unavailable":
        return None
    x = find(stanza, MUC_USER, "x")
    destroy = find(x, MUC_USER, "destroy") if x is not None else None
    if destroy is None:
        return None
    try:
        room = JID.parse(stanza.get("from") or "").bare
        alternate = JID.parse(destroy.get("jid") or "").bare if destroy.get("jid") else ""
    except ValueError:
        return None
    reason = (destroy.findtext(f"{{{MUC_USER}}}reason") or "")[:1000]
    return Destroyed(room, reason, alternate)


# -- XEP-0410 self-ping ----------------------------------------------------------------------
def self_ping(room: str, nick: str, iq_id: str | None = None) -> ET.Element:
    """Ping our own occupant JID (XEP-0410 §3.2)."""
    stanza = iq("get", to=f"{room}/{nick}", id_=iq_id)
    sub(stanza, "ping", xmlns=PING)
    return stanza


#: What a self-ping answer means (XEP-0410 §3.2).
JOINED, NOT_JOINED, TRY_LATER = "joined", "not-joined", "try-later"


def ping_verdict(error_condition: str | None) -> str:
    """``None`` (a result) or the error condition of the answer → JOINED, NOT_JOINED or TRY_LATER.

    >>> ping_verdict(None), ping_verdict("service-unavailable"), ping_verdict("item-not-found")
    ('joined', 'joined', 'joined')
    >>> ping_verdict("not-acceptable"), ping_verdict("remote-server-timeout")
    ('not-joined', 'try-later')
    """
    if error_condition in (None, "service-unavailable", "feature-not-implemented", "item-not-found"):
        return JOINED
    if error_condition in ("remote-server-not-found", "remote-server-timeout"):
        return TRY_LATER
    return NOT_JOINED


def error_condition(stanza: ET.Element) -> str | None:
    """The defined condition of an error stanza's ``<error/>`` (None when there is none)."""
    err = find(stanza, ns.CLIENT, "error")
    if err is None:
        return None
    for child in err:
        if child.tag.startswith("{" + ns.STANZAS + "}") and not child.tag.endswith("}text"):
            return child.tag.split("}", 1)[1]
    return "undefined-condition"


# -- room info --------------------------------------------------------------------------------
#: disco#info features of a room (XEP-0045 §15.2.2) as words.
FEATURE_WORDS = {
    "muc_hidden": N_("hidden"), "muc_public": N_("public"),
    "muc_membersonly": N_("members-only"), "muc_open": N_("open"),
    "muc_moderated": N_("moderated"), "muc_unmoderated": N_("unmoderated"),
    "muc_nonanonymous": N_("non-anonymous"), "muc_semianonymous": N_("semi-anonymous"),
    "muc_passwordprotected": N_("password-protected"), "muc_unsecured": N_("no password"),
    "muc_persistent": N_("persistent"), "muc_temporary": N_("temporary"),
    "urn:xmpp:mam:2": N_("archived"), "urn:xmpp:occupant-id:0": N_("occupant ids"),
}


@dataclass(frozen=True)
class RoomDetails:
    """What the room says of itself in disco#info (XEP-0045 §6.4)."""

    name: str
    description: str
    features: tuple[str, ...]   # the features FEATURE_WORDS knows, in its order
    occupants: int | None        # muc#roominfo_occupants
    subject: str


def parse_room_details(result: ET.Element) -> RoomDetails:
    query = find(result, ns.DISCO_INFO, "query")
    if query is None:
        return RoomDetails("", "", (), None, "")
    identity = find(query, ns.DISCO_INFO, "identity")
    offered = {f.get("var") or "" for f in query.iter(f"{{{ns.DISCO_INFO}}}feature")}
    info: dict[str, str] = {}
    form = find(query, "jabber:x:data", "x")
    for f in form.iter("{jabber:x:data}field") if form is not None else ():
        value = f.findtext("{jabber:x:data}value")
        if f.get("var") and value is not None:
            info[f.get("var") or ""] = value
    try:
        count: int | None = int(info.get("muc#roominfo_occupants", ""))
    except ValueError:
        count = None
    return RoomDetails(((identity.get("name") if identity is not None else "") or "")[:200],
                       info.get("muc#roominfo_description", "")[:1000],
                       tuple(f for f in FEATURE_WORDS if f in offered), count,
                       info.get("muc#roominfo_subject", "")[:1000])
