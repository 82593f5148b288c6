"""MAM queries, results and fins (XEP-0313, urn:xmpp:mam:2) and RSM sets (XEP-0059), pure.

>>> from converse_py.xmpp.stanza import serialize
>>> q = archive_query({"with": "juliet@capulet.lit", "max": 10, "before": ""}, "q1")
>>> "<before />" in serialize(q) and "<value>juliet@capulet.lit</value>" in serialize(q)
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any
from collections.abc import Mapping

from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import child_text, element, find, iq, sub
from ..chats.stanzas import parse_stamp

DATA_FORMS = "jabber:x:data"
FORWARD = "urn:xmpp:forward:0"

#: Query options that become data form fields, and those that become RSM elements (in XEP-0059 order).
FORM_OPTIONS = ("with", "start", "end")
RSM_OPTIONS = ("max", "first", "last", "after", "before", "index", "count")
QUERY_OPTIONS = FORM_OPTIONS + RSM_OPTIONS
#: Largest page we ask for (servers cap it anyway; Prosody's default cap is 250 here).
MAX_PAGE = 1000


class QueryOptionError(ValueError):
    """A query option has the wrong type or value (the message names the option)."""


@dataclass(frozen=True)
class RSMResult:
    """The ``<set/>`` of a ``<fin/>``: first/last archive ids of the page, the first's index, the total."""

    first: str | None = None
    first_index: int | None = None
    last: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class ArchiveResult:
    """One ``<result/>`` of a query: the archive id, the forwarded stanza and when it was archived."""

    id: str
    query_id: str
    stanza: ET.Element       # the whole <message><result>…</result></message> as received
    message: ET.Element      # the forwarded <message/>
    time: datetime | None


def normalize_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Check and canonicalize query options: JIDs parsed, dates → XEP-0082 UTC strings, numbers → int.

    Unknown keys and functions (a JS rsm object's ``next``/``previous``) are left out.

    >>> normalize_options({"start": "2010-06-07T02:00:00+02:00", "max": 10.0, "before": "", "next": len})
    {'start': '2010-06-07T00:00:00Z', 'max': 10, 'before': ''}
    """
    out: dict[str, Any] = {}
    for key in QUERY_OPTIONS:
        value = options.get(key)
        if value is None or callable(value):
            continue
        if key == "with":
            if not isinstance(value, str):
                raise QueryOptionError(f"with: expected a JID string, got {type(value).__name__}")
            try:
                JID.parse(value)
            except ValueError as exc:
                raise QueryOptionError(f"with: {exc}") from None
            out[key] = value.strip()
        elif key in ("start", "end"):
            out[key] = date_option(key, value)
        elif key in ("max", "index", "count"):
            out[key] = int_option(key, value)
        else:
            if not isinstance(value, str):
                raise QueryOptionError(f"{key}: expected a string (an archive id), got {type(value).__name__}")
            out[key] = value
    return out


def date_option(key: str, value: Any) -> str:
    """An ISO 8601 string, a ``datetime`` or a JS ``Date`` as a XEP-0082 UTC timestamp."""
    if isinstance(value, datetime):
        when: datetime | None = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, str):
        when = parse_stamp(value.strip())
    elif callable(getattr(value, "toISOString", None)):  # a JS Date handed over from page JS
        when = parse_stamp(str(value.toISOString()))
    else:
        raise QueryOptionError(f"{key}: expected an ISO 8601 date string or a Date, got {type(value).__name__}")
    if when is None:
        raise QueryOptionError(f"{key}: not an ISO 8601 date: {value!r}")
    return format_stamp(when)


def format_stamp(when: datetime) -> str:
    """XEP-0082 date-time in UTC, with milliseconds only when there are any."""
    utc = when.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def int_option(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 0:
        raise QueryOptionError(f"{key}: expected a whole number ≥ 0, got {value!r}")
    if key == "max" and value > MAX_PAGE:
        raise QueryOptionError(f"max: at most {MAX_PAGE}, got {int(value)}")
    return int(value)


def archive_query(options: Mapping[str, Any], query_id: str, *, to: str | None = None) -> ET.Element:
    """The ``<iq type="set"><query/></iq>`` for normalized ``options`` (XEP-0313 §4.1, XEP-0059 §2)."""
    request = iq("set", to=to)
    query = sub(request, "query", {"queryid": query_id}, xmlns=ns.MAM)
    form_values = [(k, options[k]) for k in FORM_OPTIONS if k in options]
    if form_values:
        form = sub(query, "x", {"type": "submit"}, xmlns=DATA_FORMS)
        form_type = sub(form, "field", {"var": "FORM_TYPE", "type": "hidden"})
        sub(form_type, "value", text=ns.MAM)
        for key, value in form_values:
            sub(sub(form, "field", {"var": key}), "value", text=str(value))
    rsm = [(k, options[k]) for k in RSM_OPTIONS if k in options]
    if rsm:
        rsm_set = sub(query, "set", xmlns=ns.RSM)
        for key, value in rsm:
            sub(rsm_set, key, text=str(value) if value != "" else None)
    return request


def parse_result(stanza: ET.Element, query_id: str, own_bare: str) -> ArchiveResult | None:
    """The archived message of a ``<message><result queryid=…/></message>``, or None when it is not
    a result of this query or does not come from the user's own archive (no from, or the bare JID)."""
    result = find(stanza, ns.MAM, "result")
    if result is None or result.get("queryid") != query_id or not result.get("id"):
        return None
    sender = stanza.get("from")
    if sender:
        try:
            if JID.parse(sender).full != own_bare:
                return None
        except ValueError:
            return None
    forwarded = find(result, FORWARD, "forwarded")
    if forwarded is None:
        return None
    inner = find(forwarded, ns.CLIENT, "message")
    if inner is None:
        return None
    delay = find(forwarded, ns.DELAY, "delay")
    when = parse_stamp(delay.get("stamp") or "") if delay is not None else None
    return ArchiveResult(result.get("id") or "", query_id, stanza, inner, when)


def is_result(stanza: ET.Element) -> bool:
    """True for any MAM result message (whatever the query)."""
    return find(stanza, ns.MAM, "result") is not None


def parse_fin(reply: ET.Element) -> tuple[bool, RSMResult]:
    """``(complete, rsm)`` from the IQ result ending a query (``<fin complete="true">``)."""
    fin = find(reply, ns.MAM, "fin")
    if fin is None:
        return True, RSMResult()
    complete = (fin.get("complete") or "").lower() in ("true", "1")
    return complete, parse_rsm(find(fin, ns.RSM, "set"))


def parse_rsm(rsm_set: ET.Element | None) -> RSMResult:
    """An RSM ``<set/>`` of a reply (XEP-0059 §2.1)."""
    if rsm_set is None:
        return RSMResult()
    first = find(rsm_set, ns.RSM, "first")
    return RSMResult(first=first.text if first is not None and first.text else None,
                     first_index=_int(first.get("index")) if first is not None else None,
                     last=child_text(rsm_set, ns.RSM, "last") or None,
                     count=_int(child_text(rsm_set, ns.RSM, "count")))


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def prefs_set(default: str) -> ET.Element:
    """Set the archiving default (XEP-0313 §6): ``always``, ``never`` or ``roster``."""
    if default not in ("always", "never", "roster"):
        raise ValueError(f"message_archiving: must be 'always', 'never' or 'roster', got {default!r}")
    request = iq("set")
    prefs = sub(request, "prefs", {"default": default}, xmlns=ns.MAM)
    prefs.append(element("always"))
    prefs.append(element("never"))
    return request


def prefs_get() -> ET.Element:
    """Ask for the archiving preferences."""
    request = iq("get")
    sub(request, "prefs", xmlns=ns.MAM)
    return request


def parse_prefs(reply: ET.Element) -> str | None:
    """The ``default`` of a prefs reply (None when absent)."""
    prefs = find(reply, ns.MAM, "prefs")
    return prefs.get("default") if prefs is not None else None
