"""XEP-0333 chat markers, pure: ``<markable/>`` on outgoing messages, the ``<received/>``,
``<displayed/>`` and ``<acknowledged/>`` markers, and their parsers.

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


#: The three markers, in the order they imply each other (acknowledged implies displayed, which
#: implies received).
MARKERS = ("received", "displayed", "acknowledged")


def marker(kind: str, to: str, msg_id: str, *, type_: str | None = "chat", id_: str | None = None,
           store: bool = True) -> ET.Element:
    """The ``kind`` marker (one of ``MARKERS``) for message ``msg_id`` (XEP-0333 Examples 2-4), of the
    same type as the message; with ``store`` a ``<store xmlns='urn:xmpp:hints'/>`` hint (XEP-0334)
    so the archive keeps it and the user's other clients (and this one after a reload) learn it.

    >>> from converse_py.xmpp.stanza import serialize
    >>> print(serialize(marker("received", "northumberland@shakespeare.lit", "message-1", id_="message-2",
    ...                        store=False)).replace("><", ">\\n<"))
    <message xmlns="jabber:client" to="northumberland@shakespeare.lit" id="message-2" type="chat">
    <received xmlns="urn:xmpp:chat-markers:0" id="message-1" />
    </message>
    """
    if kind not in MARKERS:
        raise ValueError(f"not a chat marker: {kind!r}")
    msg = element("message", {"to": to, "id": id_ or new_id(), "type": type_}, xmlns=ns.CLIENT)
    sub(msg, kind, {"id": msg_id}, xmlns=ns.MARKERS)
    if store:
        sub(msg, "store", xmlns=ns.HINTS)
    return msg


def displayed(to: str, msg_id: str, *, type_: str | None = "chat", id_: str | None = None,
              store: bool = True) -> ET.Element:
    """The ``<displayed/>`` marker for message ``msg_id`` (XEP-0333 Example 3)."""
    return marker("displayed", to, msg_id, type_=type_, id_=id_, store=store)


def marker_of(stanza: ET.Element) -> tuple[str, str] | None:
    """The marker ``stanza`` carries, as (kind, id of the message it marks); None when it carries
    none (or one without an id, or it is an error). When several are there, the strongest.

    >>> from converse_py.xmpp.stanza import parse
    >>> marker_of(parse("<message xmlns='jabber:client'><acknowledged xmlns='urn:xmpp:chat-markers:0' "
    ...                 "id='m1'/></message>"))
    ('acknowledged', 'm1')
    """
    if stanza.get("type") == "error":
        return None
    for kind in reversed(MARKERS):
        found = find(stanza, ns.MARKERS, kind)
        if found is not None and found.get("id"):
            return kind, str(found.get("id"))
    return None


def displayed_id(stanza: ET.Element) -> str | None:
    """The id a ``<displayed/>`` marker names (None when there is none, or no id, or an error)."""
    if stanza.get("type") == "error":
        return None
    marker = find(stanza, ns.MARKERS, "displayed")
    return (marker.get("id") or None) if marker is not None else None
