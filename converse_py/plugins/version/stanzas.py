"""XEP-0092 software version and XEP-0202 entity time answers, pure.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> request = parse("<iq xmlns='jabber:client' type='get' from='romeo@montague.net/orchard' id='version_1'>"
...                 "<query xmlns='jabber:iq:version'/></iq>")
>>> serialize(version_result(request, "converse-py", "0.1.0"))
'<iq xmlns="jabber:client" type="result" to="romeo@montague.net/orchard" id="version_1"><query xmlns="jabber:iq:version"><name>converse-py</name><version>0.1.0</version></query></iq>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from ...xmpp.stanza import iq, sub

VERSION = "jabber:iq:version"
TIME = "urn:xmpp:time"


def _result(request: ET.Element) -> ET.Element:
    return iq("result", to=request.get("from"), id_=request.get("id"))


def version_result(request: ET.Element, name: str, version: str, os: str | None = None) -> ET.Element:
    """The answer to a jabber:iq:version query (XEP-0092 §2, Example 2); ``os`` only when given."""
    reply = _result(request)
    query = sub(reply, "query", xmlns=VERSION)
    sub(query, "name", text=name)
    sub(query, "version", text=version)
    if os:
        sub(query, "os", text=os)
    return reply


def tzo(offset: timedelta) -> str:
    """A UTC offset as XEP-0082 writes it.

    >>> tzo(timedelta(hours=-6)), tzo(timedelta(0)), tzo(timedelta(hours=5, minutes=30))
    ('-06:00', '+00:00', '+05:30')
    """
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def time_result(request: ET.Element, now: datetime) -> ET.Element:
    """The answer to an urn:xmpp:time query (XEP-0202 §4, Example 2): ``now`` is an aware datetime
    in the user's time zone.

    >>> from datetime import timezone
    >>> from converse_py.xmpp.stanza import parse, serialize
    >>> request = parse("<iq xmlns='jabber:client' type='get' from='juliet@capulet.com/balcony' id='time_1'>"
    ...                 "<time xmlns='urn:xmpp:time'/></iq>")
    >>> now = datetime(2006, 12, 19, 11, 58, 35, tzinfo=timezone(timedelta(hours=-6)))
    >>> serialize(time_result(request, now))
    '<iq xmlns="jabber:client" type="result" to="juliet@capulet.com/balcony" id="time_1"><time xmlns="urn:xmpp:time"><tzo>-06:00</tzo><utc>2006-12-19T17:58:35Z</utc></time></iq>'
    """
    offset = now.utcoffset() or timedelta(0)
    utc = (now - offset).replace(tzinfo=None)
    reply = _result(request)
    time_el = sub(reply, "time", xmlns=TIME)
    sub(time_el, "tzo", text=tzo(offset))
    sub(time_el, "utc", text=utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return reply
