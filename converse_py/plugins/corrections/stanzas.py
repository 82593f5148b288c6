"""XEP-0308 last message correction, pure.

>>> from converse_py.xmpp.stanza import parse
>>> replace_id(parse("<message xmlns='jabber:client'><body>fixed</body>"
...                  "<replace xmlns='urn:xmpp:message-correct:0' id='bad1'/></message>"))
'bad1'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp import ns
from ...xmpp.stanza import find, sub


def add_replace(stanza: ET.Element, original_id: str) -> ET.Element:
    """Mark ``stanza`` as the correction of message ``original_id`` (XEP-0308 Example 2)."""
    if not original_id:
        raise ValueError("a correction needs the id of the message it corrects")
    sub(stanza, "replace", {"id": original_id}, xmlns=ns.CORRECT)
    return stanza


def replace_id(stanza: ET.Element) -> str:
    """The id of the message ``stanza`` corrects (empty when it is no correction, or names no id)."""
    replace = find(stanza, ns.CORRECT, "replace")
    return (replace.get("id") or "") if replace is not None else ""
