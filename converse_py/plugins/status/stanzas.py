"""Own presence for each status value (RFC 6121 §4.7), pure.

>>> from converse_py.xmpp.stanza import serialize
>>> serialize(status_presence("dnd", "In a meeting"))
'<presence xmlns="jabber:client"><show>dnd</show><status>In a meeting</status></presence>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...xmpp.stanza import presence

#: The values ``api.user.status.set`` accepts (the seed's list).
STATUS_VALUES = ("online", "away", "dnd", "xa", "unavailable", "offline")


def status_presence(status: str, message: str = "", priority: int | None = None) -> ET.Element:
    """The broadcast presence for ``status``: no ``<show/>`` for online, ``type="unavailable"`` for
    unavailable/offline."""
    if status not in STATUS_VALUES:
        raise ValueError(f"status must be one of {', '.join(STATUS_VALUES)}; got {status!r}")
    if status in ("unavailable", "offline"):
        return presence(type_="unavailable", status=message or None)
    return presence(show=None if status == "online" else status, status=message or None, priority=priority)
