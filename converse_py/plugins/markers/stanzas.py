"""XEP-0333 chat markers, pure: ``<markable/>`` on outgoing messages, the ``<displayed/>`` marker,
and their parsers.

>>> from converse_py.xmpp.stanza import parse
>>> displayed_id(parse("<message xmlns='jabber:client' from='bob@localhost/x'>"
...                    "<displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>"))
'm1'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp import ns
from ...xmpp.stanza import element, ensure_child, find, new_id, sub


def add_markable(stanza: ET.Element) -> ET.Element:
    """Let the recipient mark ``stanza``: append ``<markable xmlns='urn:xmpp:chat-markers:0'/>``."""
    ensure_child(stanza, ns.MARKERS, "markable")
    return stanza


def is_markable(stanza: ET.Element) -> bool:
    """Whether a received message may be marked: ``<markable/>``, an id, and not an error."""
    return stanza.get("type") != "error" and bool(stanza.get("id")) \
        and find(stanza, ns.MARKERS, "markable") is not None


def displayed(to: str, msg_id: str, *, type_: str | None = "chat", id_: str | None = None,
              store: bool = True) -> ET.Element:
    """The ``<displayed/>`` marker for message ``msg_id`` (XEP-0333 Example 3), of the same type as
    the message; with ``store`` a ``<store xmlns='urn:xmpp:hints'/>`` hint (XEP-0334) so the
    archive keeps it and the user's other clients learn the message was read."""
    msg = element("message", {"to": to, "id": id_ or new_id(), "type": type_}, xmlns=ns.CLIENT)
    sub(msg, "displayed", {"id": msg_id}, xmlns=ns.MARKERS)
    if store:
        sub(msg, "store", xmlns=ns.HINTS)
    return msg


def displayed_id(stanza: ET.Element) -> str | None:
    """The id a ``<displayed/>`` marker names (None when there is none, or no id, or an error)."""
    if stanza.get("type") == "error":
        return None
    marker = find(stanza, ns.MARKERS, "displayed")
    return (marker.get("id") or None) if marker is not None else None
