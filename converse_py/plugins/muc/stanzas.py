"""XEP-0045 multi-user chat stanzas (join, occupants, messages, subject, configuration, invitations)
and XEP-0249 direct invitations, pure.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> serialize(join_presence("coven@chat.shakespeare.lit", "thirdwitch"))
'<presence xmlns="jabber:client" to="coven@chat.shakespeare.lit/thirdwitch"><x xmlns="http://jabber.org/protocol/muc" /></presence>'
>>> p = parse_occupant(parse('<presence xmlns="jabber:client" from="coven@chat.shakespeare.lit/firstwitch">'
...     '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="owner" role="moderator"/></x></presence>'))
>>> p.nick, p.affiliation, p.role
('firstwitch', 'owner', 'moderator')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import Any
from collections.abc import Mapping

from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import child_text, element, find, find_all, iq, message, new_id, sub
from ..chats.stanzas import MAX_BODY, parse_stamp

MUC_USER = "http://jabber.org/protocol/muc#user"
MUC_OWNER = "http://jabber.org/protocol/muc#owner"
DATA = "jabber:x:data"
CONFERENCE = "jabber:x:conference"
ROOMCONFIG_PREFIX = "muc#roomconfig_"
ROOMCONFIG_FORM = "http://jabber.org/protocol/muc#roomconfig"

AFFILIATIONS = ("owner", "admin", "member", "outcast", "none")
ROLES = ("moderator", "participant", "visitor", "none")

#: What a failed join means for the user (XEP-0045 §7.2 error conditions).
JOIN_ERRORS = {
    "not-authorized": "This room needs a password.",
    "registration-required": "This room is members-only and you are not on the member list.",
    "forbidden": "You are banned from this room.",
    "conflict": "That nickname is already taken in this room.",
    "service-unavailable": "The room is full.",
    "item-not-found": "The room is locked or does not exist yet.",
    "not-allowed": "You may not create rooms on this service.",
    "jid-malformed": "A nickname is needed to join the room.",
    "not-acceptable": "This nickname is reserved for someone else.",
}


class RoomConfigError(ValueError):
    """A ``roomconfig`` value the room's configuration form cannot take."""


# -- presence -------------------------------------------------------------------------------
def join_presence(room: str, nick: str, *, password: str | None = None, history_since: str | None = None,
                  max_history: int | None = None) -> ET.Element:
    """Enter a room (XEP-0045 §7.2.1); ``history_since`` (XEP-0082) / ``max_history`` limit the
    discussion history the room sends."""
    stanza = element("presence", {"to": f"{room}/{nick}"}, xmlns=ns.CLIENT)
    x = sub(stanza, "x", xmlns=ns.MUC)
    if max_history is not None or history_since is not None:
        sub(x, "history", {"maxstanzas": None if max_history is None else str(max_history),
                           "since": history_since})
    if password:
        sub(x, "password", text=password)
    return stanza


def leave_presence(room: str, nick: str, status: str | None = None) -> ET.Element:
    """Exit a room (XEP-0045 §7.14)."""
    stanza = element("presence", {"to": f"{room}/{nick}", "type": "unavailable"}, xmlns=ns.CLIENT)
    if status:
        sub(stanza, "status", text=status)
    return stanza


def nick_change_presence(room: str, new_nick: str) -> ET.Element:
    """Change nickname (XEP-0045 §7.6)."""
    return element("presence", {"to": f"{room}/{new_nick}"}, xmlns=ns.CLIENT)


@dataclass(frozen=True)
class OccupantPresence:
    """A presence from ``room/nick``."""

    room: str
    nick: str
    type: str              # "available", "unavailable" or "error"
    show: str              # online, away, chat, dnd, xa (offline when unavailable)
    status: str
    affiliation: str
    role: str
    jid: str | None        # the occupant's real JID when the room discloses it
    codes: frozenset[str]  # status codes: 110 self, 201 created, 210 nick changed by room, 303 nick change…
    new_nick: str | None   # for 303
    error: str | None      # error condition for type="error"
    error_text: str = ""

    @property
    def is_self(self) -> bool:
        return "110" in self.codes


def parse_occupant(stanza: ET.Element) -> OccupantPresence | None:
    """A presence from a room occupant; None when ``from`` has no nick or is malformed."""
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    if not sender.local or not sender.resource:
        if stanza.get("type") != "error":
            return None
    kind = stanza.get("type") or "available"
    if kind not in ("available", "unavailable", "error"):
        return None
    x = find(stanza, MUC_USER, "x")
    item = find(x, MUC_USER, "item") if x is not None else None
    codes = frozenset(s.get("code") or "" for s in find_all(x, MUC_USER, "status")) if x is not None \
        else frozenset()
    affiliation = (item.get("affiliation") if item is not None else None) or "none"
    role = (item.get("role") if item is not None else None) or "none"
    real_jid: str | None = None
    if item is not None and item.get("jid"):
        try:
            real_jid = JID.parse(item.get("jid") or "").full
        except ValueError:
            real_jid = None
    show = (child_text(stanza, ns.CLIENT, "show") or "").strip()
    if kind == "available":
        show = show if show in ("away", "chat", "dnd", "xa") else "online"
    else:
        show = "offline"
    error, error_text = None, ""
    if kind == "error":
        err = find(stanza, ns.CLIENT, "error")
        if err is not None:
            for child in err:
                if child.tag.startswith("{" + ns.STANZAS + "}"):
                    name = child.tag.split("}", 1)[1]
                    if name == "text":
                        error_text = (child.text or "")[:500]
                    elif error is None:
                        error = name
        error = error or "undefined-condition"
    return OccupantPresence(
        room=sender.bare, nick=(sender.resource or "")[:200], type=kind, show=show,
        status=(child_text(stanza, ns.CLIENT, "status") or "")[:2000],
        affiliation=affiliation if affiliation in AFFILIATIONS else "none",
        role=role if role in ROLES else "none", jid=real_jid, codes=codes,
        new_nick=((item.get("nick") or "")[:200] or None) if item is not None and "303" in codes else None,
        error=error, error_text=error_text)


# -- messages ---------------------------------------------------------------------------------
def groupchat_message(room: str, body: str) -> ET.Element:
    """A message to all occupants (XEP-0045 §7.4), with an origin-id (XEP-0359) for dedupe."""
    stanza = message(to=room, type_="groupchat", body=body)
    sub(stanza, "origin-id", {"id": stanza.get("id")}, xmlns=ns.SID)
    return stanza


def subject_message(room: str, subject: str) -> ET.Element:
    """Change the subject (XEP-0045 §8.1)."""
    stanza = element("message", {"to": room, "type": "groupchat", "id": new_id()}, xmlns=ns.CLIENT)
    sub(stanza, "subject", text=subject)
    return stanza


@dataclass(frozen=True)
class RoomMessage:
    """A groupchat message (or subject change) from a room."""

    room: str
    nick: str          # "" for messages from the room itself
    body: str | None
    subject: str | None
    id: str            # the stanza id the sender chose
    stanza_id: str     # the room's XEP-0359 stanza-id, when it archives
    origin_id: str
    time: datetime
    delayed: bool


def parse_room_message(stanza: ET.Element, *, now: datetime | None = None,
                       bodiless: bool = False) -> RoomMessage | None:
    """A ``type="groupchat"`` message with a body or a subject (or, ``bodiless``, with neither: a
    reaction, a retraction, ...); None for anything else."""
    if stanza.get("type") != "groupchat":
        return None
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    if not sender.local:
        return None
    body = child_text(stanza, ns.CLIENT, "body")
    subject = child_text(stanza, ns.CLIENT, "subject")
    if body is None and subject is None and not bodiless:
        return None
    stanza_id = ""
    for sid in find_all(stanza, ns.SID, "stanza-id"):
        if sid.get("by") == sender.bare:  # only the room's own id is trusted
            stanza_id = sid.get("id") or ""
    origin = find(stanza, ns.SID, "origin-id")
    stamp, delayed = now or datetime.now(UTC), False
    delay = find(stanza, ns.DELAY, "delay")
    if delay is not None:
        parsed = parse_stamp(delay.get("stamp") or "")
        if parsed is not None:
            stamp, delayed = parsed, True
    return RoomMessage(sender.bare, (sender.resource or "")[:200], None if body is None else body[:MAX_BODY],
                       None if subject is None else subject[:2000], stanza.get("id") or "", stanza_id,
                       (origin.get("id") or "") if origin is not None else "", stamp, delayed)


# -- configuration (XEP-0045 §10.1, XEP-0004 forms) ------------------------------------------------
@dataclass(frozen=True)
class FormField:
    """One field of a data form."""

    var: str
    type: str
    label: str = ""
    values: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


def config_request(room: str) -> ET.Element:
    """Ask for the room's configuration form (XEP-0045 §10.1.3)."""
    stanza = iq("get", to=room)
    sub(stanza, "query", xmlns=MUC_OWNER)
    return stanza


def parse_form(stanza: ET.Element) -> list[FormField]:
    """The fields of the first data form in ``stanza`` (any depth)."""
    form = next(stanza.iter(f"{{{DATA}}}x"), None)
    if form is None:
        return []
    fields = []
    for f in find_all(form, DATA, "field"):
        var = f.get("var")
        if not var:
            continue
        fields.append(FormField(var, f.get("type") or "text-single", f.get("label") or "",
                                tuple(v.text or "" for v in find_all(f, DATA, "value")),
                                tuple((o.findtext(f"{{{DATA}}}value") or "") for o in find_all(f, DATA, "option"))))
    return fields


def _form_values(field_: FormField, value: Any) -> list[str]:
    """``value`` as the field's value list, or RoomConfigError."""
    name = field_.var.removeprefix(ROOMCONFIG_PREFIX)
    kind = field_.type
    if kind == "list-multi" or kind == "jid-multi":
        raise RoomConfigError(f"roomconfig.{name}: multi-list values are not supported")
    if kind == "boolean":
        if isinstance(value, bool):
            return ["1" if value else "0"]
        if isinstance(value, str) and value.lower() in ("1", "0", "true", "false"):
            return ["1" if value.lower() in ("1", "true") else "0"]
        raise RoomConfigError(f"roomconfig.{name}: expected true or false, got {value!r}")
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise RoomConfigError(f"roomconfig.{name}: expected a string, number or boolean, got {type(value).__name__}")
    if kind == "list-single" and field_.options and text not in field_.options:
        raise RoomConfigError(f"roomconfig.{name}: {text!r} is not one of {', '.join(field_.options)}")
    if kind == "text-multi":
        return text.split("\n")
    return [text]


def config_submit(room: str, fields: list[FormField], roomconfig: Mapping[str, Any]) -> ET.Element:
    """Submit the configuration form with ``roomconfig`` applied (names without the
    ``muc#roomconfig_`` prefix; a full field name works too). Other fields keep the values the room
    offered. Unknown names and unsupported values raise RoomConfigError naming them."""
    by_name = {f.var.removeprefix(ROOMCONFIG_PREFIX): f for f in fields}
    by_name.update({f.var: f for f in fields})
    chosen: dict[str, list[str]] = {}
    for key, value in roomconfig.items():
        field_ = by_name.get(key)
        if field_ is None:
            raise RoomConfigError(f"roomconfig.{key}: the room's configuration form has no such field")
        chosen[field_.var] = _form_values(field_, value)
    stanza = iq("set", to=room)
    form = sub(sub(stanza, "query", xmlns=MUC_OWNER), "x", {"type": "submit"}, xmlns=DATA)
    for f in fields:
        if f.type == "fixed":
            continue
        values = chosen.get(f.var, list(f.values))
        if f.var == "FORM_TYPE":
            values = list(f.values) or [ROOMCONFIG_FORM]
        out = sub(form, "field", {"var": f.var})
        for value in values:
            sub(out, "value", text=value)
    return stanza


def instant_room(room: str) -> ET.Element:
    """Accept the default configuration (XEP-0045 §10.1.2)."""
    stanza = iq("set", to=room)
    sub(sub(stanza, "query", xmlns=MUC_OWNER), "x", {"type": "submit"}, xmlns=DATA)
    return stanza


# -- invitations ----------------------------------------------------------------------------------
def mediated_invite(room: str, to: str, reason: str | None = None) -> ET.Element:
    """Invite through the room (XEP-0045 §7.8.2)."""
    stanza = element("message", {"to": room, "id": new_id()}, xmlns=ns.CLIENT)
    invite = sub(sub(stanza, "x", xmlns=MUC_USER), "invite", {"to": to})
    if reason:
        sub(invite, "reason", text=reason)
    return stanza


def direct_invite(to: str, room: str, reason: str | None = None, password: str | None = None) -> ET.Element:
    """Invite directly (XEP-0249)."""
    stanza = element("message", {"to": to, "id": new_id()}, xmlns=ns.CLIENT)
    sub(stanza, "x", {"jid": room, "reason": reason or None, "password": password or None}, xmlns=CONFERENCE)
    return stanza


@dataclass(frozen=True)
class Invitation:
    """An invitation to a room, either kind."""

    room: str
    inviter: str  # bare JID of who invited
    reason: str
    password: str
    direct: bool


def parse_invitation(stanza: ET.Element) -> Invitation | None:
    """A mediated (from the room) or direct (from a person) invitation; None otherwise."""
    if stanza.get("type") == "error":
        return None
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    direct = find(stanza, CONFERENCE, "x")
    if direct is not None:
        try:
            room = JID.parse(direct.get("jid") or "").bare
        except ValueError:
            return None
        return Invitation(room, sender.bare, (direct.get("reason") or "")[:500],
                          (direct.get("password") or "")[:200], True)
    x = find(stanza, MUC_USER, "x")
    invite = find(x, MUC_USER, "invite") if x is not None else None
    if invite is None or not sender.local:
        return None
    try:
        inviter = JID.parse(invite.get("from") or "").bare
    except ValueError:
        return None
    return Invitation(sender.bare, inviter, (child_text(invite, MUC_USER, "reason") or "")[:500],
                      (child_text(x, MUC_USER, "password") or "")[:200] if x is not None else "", False)


# -- discovery (XEP-0030) for room listing --------------------------------------------------------
def disco_items_request(service: str) -> ET.Element:
    stanza = iq("get", to=service)
    sub(stanza, "query", xmlns=ns.DISCO_ITEMS)
    return stanza


@dataclass(frozen=True)
class RoomListing:
    jid: str
    name: str


def parse_disco_items(stanza: ET.Element) -> list[RoomListing]:
    query = find(stanza, ns.DISCO_ITEMS, "query")
    rooms = []
    for item in find_all(query, ns.DISCO_ITEMS, "item") if query is not None else []:
        try:
            jid = JID.parse(item.get("jid") or "").bare
        except ValueError:
            continue
        rooms.append(RoomListing(jid, (item.get("name") or "")[:200]))
    return rooms


def disco_info_request(room: str) -> ET.Element:
    stanza = iq("get", to=room)
    sub(stanza, "query", xmlns=ns.DISCO_INFO)
    return stanza


@dataclass(frozen=True)
class RoomInfo:
    name: str
    features: frozenset[str] = field(default_factory=frozenset)
    description: str = ""


def parse_disco_info(stanza: ET.Element) -> RoomInfo:
    query = find(stanza, ns.DISCO_INFO, "query")
    if query is None:
        return RoomInfo("")
    identity = find(query, ns.DISCO_INFO, "identity")
    features = frozenset(f.get("var") or "" for f in find_all(query, ns.DISCO_INFO, "feature"))
    description = ""
    for f in parse_form(stanza):
        if f.var == "muc#roominfo_description" and f.values:
            description = f.values[0][:1000]
    return RoomInfo(((identity.get("name") if identity is not None else "") or "")[:200], features, description)
