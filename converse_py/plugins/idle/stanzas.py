"""XEP-0319 Last User Interaction in Presence: the ``<idle/>`` element, pure.

>>> from datetime import datetime, UTC
>>> from converse_py.xmpp.stanza import parse, serialize
>>> serialize(idle_element(datetime(1969, 7, 21, 2, 56, 15, tzinfo=UTC)))
'<idle xmlns="urn:xmpp:idle:1" since="1969-07-21T02:56:15Z" />'
>>> parse_idle(parse("<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'>"
...                  "<show>away</show><idle xmlns='urn:xmpp:idle:1' since='1969-07-21T02:56:15Z'/></presence>"))
datetime.datetime(1969, 7, 21, 2, 56, 15, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, UTC

from ...xmpp.stanza import element, find

IDLE = "urn:xmpp:idle:1"


def idle_element(since: datetime) -> ET.Element:
    """``<idle xmlns='urn:xmpp:idle:1' since='…'/>``: the time of the last user interaction, in UTC
    (XEP-0082 date-time, whole seconds)."""
    return element("idle", {"since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}, xmlns=IDLE)


def with_idle(presence: ET.Element, since: datetime | None) -> ET.Element:
    """``presence`` with exactly one ``<idle/>`` (none when ``since`` is None); changed in place."""
    for old in [child for child in presence if child.tag == f"{{{IDLE}}}idle" or
                (child.tag == "idle" and child.get("xmlns") == IDLE)]:
        presence.remove(old)
    if since is not None:
        presence.append(idle_element(since))
    return presence


def parse_idle(presence: ET.Element, now: datetime | None = None) -> datetime | None:
    """The ``since`` of a presence's ``<idle/>`` as an aware UTC datetime; None without one, when
    it is not a date-time, or when it lies in the future (a hostile or skewed clock).

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_idle(parse("<presence xmlns='jabber:client'><idle xmlns='urn:xmpp:idle:1' since='yesterday'/></presence>"))
    >>> parse_idle(parse("<presence xmlns='jabber:client'><idle xmlns='urn:xmpp:idle:1' since='2999-01-01T00:00:00Z'/></presence>"))
    """
    idle = find(presence, IDLE, "idle")
    raw = (idle.get("since") or "").strip() if idle is not None else ""
    if not raw or len(raw) > 40:
        return None
    try:
        since = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    since = since.astimezone(UTC)
    return None if since > (now or datetime.now(UTC)) else since
