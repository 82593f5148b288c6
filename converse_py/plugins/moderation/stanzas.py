"""Room moderation stanzas, pure: XEP-0045 roles and affiliations (§8–§10: kick, voice, op, ban,
member/admin/owner grants and lists) and XEP-0425 moderated message retraction (the request sent
to the room, the room's announcement, and the tombstones archives keep).

>>> from converse_py.xmpp.stanza import serialize
>>> kick = role_request("harfleur@chat.shakespeare.lit", "pistol", "none", "Avaunt, you cullion!", id_="kick1")
>>> serialize(kick.find("query/item"))
'<item nick="pistol" role="none"><reason>Avaunt, you cullion!</reason></item>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...xmpp.jid import JID
from ...xmpp.stanza import child_text, find, find_all, find_child, iq, sub

MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
MODERATE = "urn:xmpp:message-moderate:1"
MODERATE_0 = "urn:xmpp:message-moderate:0"
RETRACT = "urn:xmpp:message-retract:1"
RETRACT_0 = "urn:xmpp:message-retract:0"
FASTEN = "urn:xmpp:fasten:0"
OCCUPANT_ID = "urn:xmpp:occupant-id:0"
ROLES = ("moderator", "participant", "visitor", "none")
AFFILIATIONS = ("owner", "admin", "member", "outcast", "none")


def role_request(room: str, nick: str, role: str, reason: str | None = None, *, id_: str | None = None) -> ET.Element:
    """Give the occupant ``nick`` the role ``role`` (XEP-0045 §8.2 kick = none, §8.3/8.4 voice =
    participant / mute = visitor, §9.6/9.7 op = moderator)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    stanza = iq("set", to=room, id_=id_)
    item = sub(sub(stanza, "query", xmlns=MUC_ADMIN), "item", {"nick": nick, "role": role})
    if reason:
        sub(item, "reason", text=reason)
    return stanza


def affiliation_request(room: str, jid: str, affiliation: str, reason: str | None = None, *,
                        id_: str | None = None) -> ET.Element:
    """Give the bare JID ``jid`` the affiliation ``affiliation`` (XEP-0045 §9.1 ban = outcast,
    §9.3 member, §10.3 owner, §10.6 admin, none to remove one)."""
    if affiliation not in AFFILIATIONS:
        raise ValueError(f"unknown affiliation {affiliation!r} (one of {', '.join(AFFILIATIONS)})")
    stanza = iq("set", to=room, id_=id_)
    item = sub(sub(stanza, "query", xmlns=MUC_ADMIN), "item", {"affiliation": affiliation, "jid": jid})
    if reason:
        sub(item, "reason", text=reason)
    return stanza


def affiliation_list_request(room: str, affiliation: str, *, id_: str | None = None) -> ET.Element:
    """Ask for the list of one affiliation (XEP-0045 §9.2 ban list, §9.5 members, §10.5 owners, §10.8 admins)."""
    if affiliation not in AFFILIATIONS or affiliation == "none":
        raise ValueError(f"no list for affiliation {affiliation!r} (owner, admin, member or outcast)")
    stanza = iq("get", to=room, id_=id_)
    sub(sub(stanza, "query", xmlns=MUC_ADMIN), "item", {"affiliation": affiliation})
    return stanza


def parse_affiliation_list(result: ET.Element) -> list[dict[str, str]]:
    """The items of an affiliation list result as ``{jid, affiliation, nick, role, reason}``."""
    query = find_child(result, MUC_ADMIN, "query")
    items = []
    for item in find_all(query, MUC_ADMIN, "item") if query is not None else ():
        items.append({"jid": item.get("jid") or "", "affiliation": item.get("affiliation") or "",
                      "nick": item.get("nick") or "", "role": item.get("role") or "",
                      "reason": child_text(item, MUC_ADMIN, "reason") or ""})
    return items


def moderate_request(room: str, stanza_id: str, reason: str | None = None, *, legacy: bool = False,
                     id_: str | None = None) -> ET.Element:
    """Ask the room to retract the message it gave ``stanza_id`` (XEP-0425 0.3 Example 3;
    ``legacy``: the ``:0`` form inside a XEP-0422 ``<apply-to/>`` of its versions 0.2)."""
    if not stanza_id:
        raise ValueError("a moderation needs the room's stanza-id of the message")
    stanza = iq("set", to=room, id_=id_)
    if legacy:
        moderate = sub(sub(stanza, "apply-to", {"id": stanza_id}, xmlns=FASTEN), "moderate", xmlns=MODERATE_0)
        sub(moderate, "retract", xmlns=RETRACT_0)
    else:
        moderate = sub(stanza, "moderate", {"id": stanza_id}, xmlns=MODERATE)
        sub(moderate, "retract", xmlns=RETRACT)
    if reason:
        sub(moderate, "reason", text=reason)
    return stanza


@dataclass(frozen=True)
class Moderation:
    """A moderator's retraction: the stanza-id of the message, who did it (their occupant JID or
    nick), their occupant-id (XEP-0421) and the reason."""

    target: str
    by: str
    occupant_id: str = ""
    reason: str = ""

    @property
    def moderator(self) -> str:
        """The moderator's nick (the resource of ``by``), or ``by`` itself."""
        try:
            return JID.parse(self.by).resource or self.by
        except ValueError:
            return self.by


def _moderated(moderated: ET.Element, target: str, reason_parent: ET.Element) -> Moderation:
    occupant = find(moderated, OCCUPANT_ID, "occupant-id")
    reason = child_text(reason_parent, reason_parent.tag.partition("}")[0][1:], "reason") \
        or child_text(moderated, moderated.tag.partition("}")[0][1:], "reason") or ""
    return Moderation(target, moderated.get("by") or "", (occupant.get("id") or "") if occupant is not None else "",
                      reason)


def parse_moderation(stanza: ET.Element, room: str) -> Moderation | None:
    """The moderation ``stanza`` announces (XEP-0425 0.3 Example 4, or the ``:0`` form); None when
    it announces none or does not come from the room ``room`` itself (only the room moderates)."""
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    if sender.resource or sender.bare.lower() != room.lower():
        return None
    retract = find(stanza, RETRACT, "retract")
    if retract is not None and retract.get("id"):
        moderated = find(retract, MODERATE, "moderated")
        if moderated is not None:
            return _moderated(moderated, retract.get("id") or "", retract)
    for apply_to in find_all(stanza, FASTEN, "apply-to"):
        moderated = find(apply_to, MODERATE_0, "moderated")
        if moderated is not None and find(moderated, RETRACT_0, "retract") is not None and apply_to.get("id"):
            return _moderated(moderated, apply_to.get("id") or "", moderated)
    return None


def parse_moderated_tombstone(stanza: ET.Element) -> Moderation | None:
    """What an archive keeps of a moderated message (XEP-0425 0.3 Example 6: a ``<retracted/>``, of
    XEP-0424's ``:1`` or ``:0``, holding ``<moderated/>``; or 0.2's ``<moderated/>`` holding
    ``<retracted/>``): who removed it and why."""
    for retracted in (find(stanza, RETRACT, "retracted"), find(stanza, RETRACT_0, "retracted")):
        moderated = find(retracted, MODERATE, "moderated") if retracted is not None else None
        if retracted is not None and moderated is not None:
            return _moderated(moderated, "", retracted)
    moderated = find(stanza, MODERATE_0, "moderated")
    if moderated is not None and find(moderated, RETRACT_0, "retracted") is not None:
        return _moderated(moderated, "", moderated)
    return None
