"""disco#info requests and results (XEP-0030 §3.1), pure.

>>> from converse_py.xmpp.stanza import parse
>>> info = parse_info(parse('<iq xmlns="jabber:client" type="result" from="localhost">'
...     '<query xmlns="http://jabber.org/protocol/disco#info"><identity category="server" type="im"/>'
...     '<feature var="urn:xmpp:mam:2"/><feature var=""/></query></iq>'))
>>> info.features, info.identities
(['urn:xmpp:mam:2'], [('server', 'im', '')])
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...xmpp import ns
from ...xmpp.stanza import find, find_all, iq, sub

#: Most features kept from one answer (a hostile server cannot make us store millions).
MAX_FEATURES = 1000


@dataclass(frozen=True)
class DiscoInfo:
    """What an entity says about itself."""

    identities: list[tuple[str, str, str]]  # (category, type, name)
    features: list[str]


def info_query(to: str | None) -> ET.Element:
    """``<iq type="get"><query xmlns="…disco#info"/></iq>`` to ``to`` (our own account when None)."""
    request = iq("get", to=to)
    sub(request, "query", xmlns=ns.DISCO_INFO)
    return request


def parse_info(result: ET.Element) -> DiscoInfo:
    """Identities and features of a disco#info result (an empty answer when the query is missing)."""
    query = find(result, ns.DISCO_INFO, "query")
    if query is None:
        return DiscoInfo([], [])
    identities = [(i.get("category") or "", i.get("type") or "", i.get("name") or "")
                  for i in find_all(query, ns.DISCO_INFO, "identity")]
    features: list[str] = []
    for feature in find_all(query, ns.DISCO_INFO, "feature"):
        var = feature.get("var")
        if var and var not in features:
            features.append(var)
        if len(features) >= MAX_FEATURES:
            break
    return DiscoInfo(identities[:MAX_FEATURES], features)
