"""XEP-0382 spoiler messages, pure.

>>> from converse_py.xmpp.stanza import parse
>>> spoiler_hint(parse("<message xmlns='jabber:client' to='romeo@montague.net/orchard' "
...                    "from='juliet@capulet.net/balcony' id='spoiler2'>"
...                    "<body>And at the end of the story, both Romeo and Juliet die.</body>"
...                    "<spoiler xmlns='urn:xmpp:spoiler:0'>Love story end</spoiler></message>"))
'Love story end'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp.stanza import find_child, sub

SPOILER = "urn:xmpp:spoiler:0"
#: Longest hint kept (a hint is a short warning, not a second body).
MAX_HINT = 200


def spoiler_hint(stanza: ET.Element) -> str | None:
    """The hint of ``stanza``'s spoiler (empty for a spoiler without one); None when it is none."""
    element = find_child(stanza, SPOILER, "spoiler")
    if element is None:
        return None
    return (element.text or "").strip()[:MAX_HINT]


def add_spoiler(stanza: ET.Element, hint: str = "") -> ET.Element:
    """Mark ``stanza``'s body as a spoiler, with ``hint`` (XEP-0382 Example 1, or 2 with a hint)."""
    sub(stanza, "spoiler", xmlns=SPOILER, text=hint.strip()[:MAX_HINT] or None)
    return stanza
