"""XEP-0085 chat states, pure: the state-only message and the parser.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> serialize(state_message("bob@localhost", "composing", id_="s1"))
'<message xmlns="jabber:client" to="bob@localhost" type="chat" id="s1"><composing xmlns="http://jabber.org/protocol/chatstates" /><no-store xmlns="urn:xmpp:hints" /></message>'
>>> chat_state(parse("<message xmlns='jabber:client'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>"))
'paused'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp import ns
from ...xmpp.stanza import message, sub

#: The five states (XEP-0085 §2).
STATES = ("active", "composing", "paused", "inactive", "gone")


def add_state(stanza: ET.Element, state: str) -> ET.Element:
    """Append the ``state`` element (a content message carries ``<active/>``, §5.1)."""
    _check(state)
    sub(stanza, state, xmlns=ns.CHATSTATES)
    return stanza


def state_message(to: str, state: str, *, id_: str | None = None, no_store: bool = True) -> ET.Element:
    """A message carrying only ``state`` (XEP-0085 Example 3 for ``composing``); with ``no_store`` a
    ``<no-store xmlns='urn:xmpp:hints'/>`` hint (XEP-0334): archives and offline storage skip it."""
    msg = add_state(message(to=to, type_="chat", id_=id_), state)
    if no_store:
        sub(msg, "no-store", xmlns=ns.HINTS)
    return msg


def chat_state(stanza: ET.Element) -> str | None:
    """The chat state a message carries (the first of the five found), or None (errors have none)."""
    if stanza.get("type") == "error":
        return None
    for child in stanza:
        if child.tag.startswith("{" + ns.CHATSTATES + "}"):
            state = child.tag.rpartition("}")[2]
            if state in STATES:
                return state
    return None


def _check(state: str) -> None:
    if state not in STATES:
        raise ValueError(f"chat state must be one of {', '.join(STATES)}, got {state!r}")
