"""XEP-0424 message retraction (``urn:xmpp:message-retract:1``, and the earlier ``:0`` inside a
XEP-0422 ``<apply-to/>`` for older clients) and the tombstones archives keep, pure.

>>> from converse_py.xmpp.stanza import parse
>>> retraction_of(parse('<message xmlns="jabber:client" type="chat" to="lord@capulet.example" id="retract-message-1">'
...                     '<retract id="origin-id-1" xmlns="urn:xmpp:message-retract:1"/>'
...                     '<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:message-retract:1"/>'
...                     '<body>/me retracted a previous message, but it\\'s unsupported by your client.</body>'
...                     '<store xmlns="urn:xmpp:hints"/></message>'))
'origin-id-1'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp import ns
from ...xmpp.stanza import find, find_all, message, sub

RETRACT = "urn:xmpp:message-retract:1"
RETRACT_0 = "urn:xmpp:message-retract:0"
FASTEN = "urn:xmpp:fasten:0"
FALLBACK = "urn:xmpp:fallback:0"
MODERATE_0 = "urn:xmpp:message-moderate:0"
MODERATE_1 = "urn:xmpp:message-moderate:1"
#: What clients without XEP-0424 show.
FALLBACK_BODY = "/me retracted a previous message, but it's unsupported by your client."


def retraction_of(stanza: ET.Element) -> str:
    """The id of the message ``stanza`` retracts (``:1``, or ``:0`` in ``<apply-to/>``); empty
    when it retracts nothing. A moderator's retraction (XEP-0425) is not the sender's: empty.

    >>> from converse_py.xmpp.stanza import parse
    >>> retraction_of(parse('<message xmlns="jabber:client"><apply-to xmlns="urn:xmpp:fasten:0" id="o1">'
    ...                     '<retract xmlns="urn:xmpp:message-retract:0"/></apply-to></message>'))
    'o1'
    """
    retract = find(stanza, RETRACT, "retract")
    if retract is not None and find(retract, MODERATE_1, "moderated") is None:
        return retract.get("id") or ""
    for apply_to in find_all(stanza, FASTEN, "apply-to"):
        if find(apply_to, RETRACT_0, "retract") is not None:
            return apply_to.get("id") or ""
    return ""


def is_tombstone(stanza: ET.Element) -> bool:
    """Whether ``stanza`` is what an archive keeps of a retracted message: a ``<retracted/>``
    of XEP-0424 (``:1`` or ``:0``), also inside a XEP-0425 ``<moderated/>``.

    >>> from converse_py.xmpp.stanza import parse
    >>> is_tombstone(parse('<message xmlns="jabber:client" type="chat" id="origin-id-1">'
    ...                    '<retracted id="retract-message-1" stamp="2019-09-20T23:09:32Z"'
    ...                    ' xmlns="urn:xmpp:message-retract:1"/>'
    ...                    '<origin-id xmlns="urn:xmpp:sid:0" id="origin-id-1"/></message>'))
    True
    """
    if find(stanza, RETRACT, "retracted") is not None or find(stanza, RETRACT_0, "retracted") is not None:
        return True
    for moderated in (find(stanza, MODERATE_0, "moderated"), find(stanza, MODERATE_1, "moderated")):
        if moderated is not None and (find(moderated, RETRACT_0, "retracted") is not None
                                      or find(moderated, RETRACT, "retracted") is not None):
            return True
    return False


def retraction(to: str, target_id: str, *, groupchat: bool = False) -> ET.Element:
    """The retraction of the user's message ``target_id`` (its origin-id in a chat, the room's
    stanza-id in a room), in both forms, with the fallback body and the store hint (XEP-0424
    Example 3, plus the ``:0`` form of its earlier versions)."""
    if not target_id:
        raise ValueError("a retraction needs the id of the message it retracts")
    stanza = message(to=to, type_="groupchat" if groupchat else "chat")
    sub(stanza, "retract", {"id": target_id}, xmlns=RETRACT)
    apply_to = sub(stanza, "apply-to", {"id": target_id}, xmlns=FASTEN)
    sub(apply_to, "retract", xmlns=RETRACT_0)
    sub(stanza, "fallback", {"for": RETRACT}, xmlns=FALLBACK)
    sub(stanza, "body", text=FALLBACK_BODY)
    sub(stanza, "store", xmlns=ns.HINTS)
    return stanza
