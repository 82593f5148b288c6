"""Stanza errors (RFC 6120 §8.3) as data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from . import ns
from .stanza import find, local_name, namespace


@dataclass(frozen=True)
class StanzaError:
    """What an ``type="error"`` stanza says went wrong."""

    type: str
    condition: str
    text: str

    def __str__(self) -> str:
        return f"{self.condition} ({self.type})" + (f": {self.text}" if self.text else "")


def parse_error(stanza: ET.Element) -> StanzaError:
    """Read the ``<error/>`` child of an error stanza (missing parts become empty strings).

    >>> from converse_py.xmpp.stanza import parse
    >>> e = parse('<iq xmlns="jabber:client" type="error"><error type="cancel">'
    ...           '<item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>')
    >>> parse_error(e).condition
    'item-not-found'
    """
    err = find(stanza, ns.CLIENT, "error")
    if err is None:
        err = stanza.find("error")
    if err is None:
        return StanzaError("cancel", "undefined-condition", "")
    condition, text = "undefined-condition", ""
    for child in err:
        if namespace(child.tag) != ns.STANZAS:
            continue
        if local_name(child.tag) == "text":
            text = (child.text or "")[:1000]
        else:
            condition = local_name(child.tag)
    return StanzaError(err.get("type") or "cancel", condition, text)
