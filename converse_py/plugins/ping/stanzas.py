"""XEP-0199 stanzas, pure.

>>> from converse_py.xmpp.stanza import serialize
>>> serialize(ping_iq("capulet.lit", id_="c2s1"))
'<iq xmlns="jabber:client" type="get" to="capulet.lit" id="c2s1"><ping xmlns="urn:xmpp:ping" /></iq>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp.stanza import element, iq, local_name, sub

PING_NS = "urn:xmpp:ping"


def ping_iq(to: str | None, id_: str | None = None) -> ET.Element:
    """``<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>`` (XEP-0199 §4.1/§4.2)."""
    stanza = iq("get", to=to, id_=id_)
    sub(stanza, "ping", xmlns=PING_NS)
    return stanza


def is_ping(stanza: ET.Element) -> bool:
    """True for an incoming ping request."""
    return (local_name(stanza.tag) == "iq" and stanza.get("type") == "get"
            and stanza.find(f"{{{PING_NS}}}ping") is not None)


def pong(stanza: ET.Element) -> ET.Element:
    """The empty result answering ``stanza`` (XEP-0199 Example 2/4)."""
    return element("iq", {"type": "result", "to": stanza.get("from"), "id": stanza.get("id")},
                   xmlns="jabber:client")
