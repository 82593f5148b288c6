"""XEP-0363 HTTP File Upload and XEP-0066 out-of-band data, pure: finding the upload service,
the slot request, the slot and its errors, and the ``<x xmlns='jabber:x:oob'>`` of the message.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> serialize(slot_request("upload.montague.tld", "cool.jpg", 23456, "image/jpeg", id_="step_03"))
'<iq xmlns="jabber:client" type="get" to="upload.montague.tld" id="step_03"><request \
xmlns="urn:xmpp:http:upload:0" filename="cool.jpg" size="23456" content-type="image/jpeg" /></iq>'
>>> slot = parse_slot(parse("<iq xmlns='jabber:client' type='result'><slot xmlns='urn:xmpp:http:upload:0'>"
...     "<put url='https://up.example/a'><header name='Authorization'>Bearer x</header></put>"
...     "<get url='https://up.example/a'/></slot></iq>"))
>>> slot.put_url, slot.put_headers, slot.get_url
('https://up.example/a', {'Authorization': 'Bearer x'}, 'https://up.example/a')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...xmpp import ns
from ...xmpp.errors import parse_error
from ...xmpp.jid import JID
from ...xmpp.stanza import element, find, find_all, iq, sub

UPLOAD = "urn:xmpp:http:upload:0"
OOB = "jabber:x:oob"
XDATA = "jabber:x:data"
#: The only headers a slot may ask the client to send with its PUT (XEP-0363 §5); others are dropped.
ALLOWED_HEADERS = ("Authorization", "Cookie", "Expires")
#: Most items read from one disco#items answer (a hostile server cannot make us ask thousands).
MAX_ITEMS = 100
#: Longest URL or header value accepted from a slot.
MAX_URL_CHARS = 8192


class SlotError(ValueError):
    """The upload service's answer is not a usable slot (no URLs, or URLs that are not http(s))."""


@dataclass(frozen=True)
class Slot:
    """Where to PUT the file (with these headers) and the URL others GET it from."""

    put_url: str
    get_url: str
    put_headers: dict[str, str] = field(default_factory=dict)


def items_query(to: str) -> ET.Element:
    """``<iq type='get'><query xmlns='…disco#items'/></iq>`` to the user's server (XEP-0363 §3, Example 1)."""
    request = iq("get", to=to)
    sub(request, "query", xmlns=ns.DISCO_ITEMS)
    return request


def parse_items(result: ET.Element) -> list[str]:
    """The item JIDs of a disco#items result (malformed ones skipped, at most ``MAX_ITEMS``).

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_items(parse("<iq xmlns='jabber:client' type='result'><query xmlns='http://jabber.org/protocol/disco#items'>"
    ...     "<item jid='upload.montague.tld'/><item jid='@bad'/><item jid='upload.montague.tld'/></query></iq>"))
    ['upload.montague.tld']
    """
    query = find(result, ns.DISCO_ITEMS, "query")
    jids: list[str] = []
    for item in find_all(query, ns.DISCO_ITEMS, "item") if query is not None else ():
        try:
            jid = JID.parse(item.get("jid") or "").full
        except ValueError:
            continue
        if jid not in jids:
            jids.append(jid)
        if len(jids) >= MAX_ITEMS:
            break
    return jids


def max_file_size(info_result: ET.Element) -> int | None:
    """The ``max-file-size`` an upload service announces in its disco#info (a XEP-0128 form whose
    FORM_TYPE is ``urn:xmpp:http:upload:0``, §3 Example 2); None when it sets no limit.

    >>> from converse_py.xmpp.stanza import parse
    >>> max_file_size(parse("<iq xmlns='jabber:client' type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
    ...     "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>"
    ...     "<value>urn:xmpp:http:upload:0</value></field><field var='max-file-size'><value>5242880</value></field>"
    ...     "</x></query></iq>"))
    5242880
    """
    query = find(info_result, ns.DISCO_INFO, "query")
    for form in find_all(query, XDATA, "x") if query is not None else ():
        values = {f.get("var"): (f.findtext(f"{{{XDATA}}}value") or "").strip() for f in find_all(form, XDATA, "field")}
        if values.get("FORM_TYPE") != UPLOAD:
            continue
        size = values.get("max-file-size", "")
        return int(size) if size.isdigit() and int(size) > 0 else None
    return None


def slot_request(service: str, filename: str, size: int, content_type: str | None,
                 id_: str | None = None) -> ET.Element:
    """Ask ``service`` for a slot (§4 Example 4); ``content-type`` is left out when unknown."""
    request = iq("get", to=service, id_=id_)
    sub(request, "request", {"filename": filename, "size": str(size), "content-type": content_type or None},
        xmlns=UPLOAD)
    return request


def _http_url(value: str | None, what: str) -> str:
    url = (value or "").strip()
    if not url or len(url) > MAX_URL_CHARS:
        raise SlotError(f"the slot has no {what} URL")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SlotError(f"the slot's {what} URL is not an http(s) URL")
    return url


def parse_slot(result: ET.Element) -> Slot:
    """The slot of a result (§4 Example 5). Only http(s) URLs are taken; of the PUT headers only
    Authorization, Cookie and Expires are kept, without line breaks (§5). Raises ``SlotError``.

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_slot(parse("<iq xmlns='jabber:client' type='result'><slot xmlns='urn:xmpp:http:upload:0'>"
    ...     "<put url='javascript:alert(1)'/><get url='https://x.example/f'/></slot></iq>"))
    Traceback (most recent call last):
    ...
    converse_py.plugins.upload.stanzas.SlotError: the slot's PUT URL is not an http(s) URL
    """
    slot = find(result, UPLOAD, "slot")
    if slot is None:
        raise SlotError("the answer has no slot")
    put, get = find(slot, UPLOAD, "put"), find(slot, UPLOAD, "get")
    put_url = _http_url(put.get("url") if put is not None else None, "PUT")
    get_url = _http_url(get.get("url") if get is not None else None, "GET")
    headers: dict[str, str] = {}
    for header in find_all(put, UPLOAD, "header") if put is not None else ():
        name = next((h for h in ALLOWED_HEADERS if h.lower() == (header.get("name") or "").strip().lower()), None)
        value = " ".join((header.text or "").split())
        if name is not None and value and len(value) <= MAX_URL_CHARS:
            headers[name] = value
    return Slot(put_url, get_url, headers)


@dataclass(frozen=True)
class SlotRefusal:
    """Why the service refused a slot: the error condition, the server's text (to show as text),
    and the limit it names when the file is too large (§4 Example 6)."""

    condition: str
    text: str
    max_size: int | None = None


def parse_refusal(error_stanza: ET.Element) -> SlotRefusal:
    """What an error answer to a slot request says.

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_refusal(parse("<iq xmlns='jabber:client' type='error'><error type='modify'>"
    ...     "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
    ...     "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>File too large</text>"
    ...     "<file-too-large xmlns='urn:xmpp:http:upload:0'><max-file-size>20000</max-file-size></file-too-large>"
    ...     "</error></iq>"))
    SlotRefusal(condition='not-acceptable', text='File too large', max_size=20000)
    """
    error = parse_error(error_stanza)
    limit: int | None = None
    err = find(error_stanza, ns.CLIENT, "error")
    if err is None:
        err = error_stanza.find("error")
    too_large = find(err, UPLOAD, "file-too-large") if err is not None else None
    if too_large is not None:
        value = (too_large.findtext(f"{{{UPLOAD}}}max-file-size") or "").strip()
        limit = int(value) if value.isdigit() else None
    return SlotRefusal(error.condition, " ".join(error.text.split())[:500], limit)


def oob(url: str) -> ET.Element:
    """The XEP-0066 element sent with the GET URL as the message body, so receiving clients know
    the body is a shared file.

    >>> from converse_py.xmpp.stanza import serialize
    >>> serialize(oob("https://x.example/f.jpg"))
    '<x xmlns="jabber:x:oob"><url>https://x.example/f.jpg</url></x>'
    """
    x = element("x", xmlns=OOB)
    sub(x, "url", text=url)
    return x
