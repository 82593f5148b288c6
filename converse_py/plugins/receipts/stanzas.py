"""XEP-0184 delivery receipts, pure: the request an outgoing message carries, the receipt that
answers it, and the parsers for both.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> msg = parse("<message xmlns='jabber:client' from='bob@localhost/phone' id='m1' type='chat'>"
...             "<body>hi</body><request xmlns='urn:xmpp:receipts'/></message>")
>>> wants_receipt(msg)
True
>>> serialize(receipt("bob@localhost/phone", "m1", id_="r1"))
'<message xmlns="jabber:client" to="bob@localhost/phone" id="r1"><received xmlns="urn:xmpp:receipts" id="m1" /></message>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp import ns
from ...xmpp.stanza import element, ensure_child, find, new_id, sub


def add_request(stanza: ET.Element) -> ET.Element:
    """Ask for a receipt: append ``<request xmlns='urn:xmpp:receipts'/>`` (XEP-0184 Example 1)."""
    ensure_child(stanza, ns.RECEIPTS, "request")
    return stanza


def wants_receipt(stanza: ET.Element) -> bool:
    """Whether ``stanza`` is a message asking for a receipt that may be answered (§5.4): it carries
    ``<request/>`` and an id, and is neither a groupchat nor an error message."""
    return (stanza.get("type") or "normal") not in ("groupchat", "error") and bool(stanza.get("id")) \
        and find(stanza, ns.RECEIPTS, "request") is not None


def receipt(to: str, msg_id: str, *, id_: str | None = None) -> ET.Element:
    """The receipt for message ``msg_id`` (XEP-0184 Example 2), to the sender's full JID."""
    msg = element("message", {"to": to, "id": id_ or new_id()}, xmlns=ns.CLIENT)
    sub(msg, "received", {"id": msg_id}, xmlns=ns.RECEIPTS)
    return msg


def received_id(stanza: ET.Element) -> str | None:
    """The id a receipt confirms (None when ``stanza`` is not a receipt, or names no id; an error
    message is never one).

    >>> from converse_py.xmpp.stanza import parse
    >>> received_id(parse("<message xmlns='jabber:client'><received xmlns='urn:xmpp:receipts'/></message>")) is None
    True
    """
    if stanza.get("type") == "error":
        return None
    received = find(stanza, ns.RECEIPTS, "received")
    return (received.get("id") or None) if received is not None else None
