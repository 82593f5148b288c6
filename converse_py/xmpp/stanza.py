"""Building, parsing and serializing stanzas with ``xml.etree``.

Builders return XML text ready for the transport; parsers take the XML text the
transport received (one stanza) and return an ``Element``. Namespaced names use
ElementTree's Clark notation: ``{jabber:client}message``.

>>> el = parse('<message xmlns="jabber:client" to="bob@localhost"><body>hi</body></message>')
>>> local_name(el.tag), child_text(el, "jabber:client", "body")
('message', 'hi')
"""

from __future__ import annotations

import itertools
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import ns

#: Stanzas larger than this are refused before parsing: the client's hard cap (2 MiB of text).
#: Converse.js shows 1 MB messages, so ours must too; the test servers accept stanzas up to
#: 4 MiB (tools/prosody.cfg.lua, tools/ejabberd.yml), so bigger ones do reach the page and are
#: reported by ``oversized`` instead (an info line "A message too large to show ...").
MAX_STANZA_CHARS = 2 * 1024 * 1024
#: A BOSH response's wrapper element (XEP-0124).
BOSH_BODY = "{http://jabber.org/protocol/httpbind}body"
#: How much of a refused stanza's start is scanned for its kind, sender and type.
OVERSIZED_SCAN_CHARS = 4096
#: Deeper nesting than this is refused: no client stanza needs it.
MAX_DEPTH = 64

_counter = itertools.count(1)


class StanzaParseError(ValueError):
    """The server or a peer sent something that is not one well-formed, sane stanza."""


class StanzaTooLarge(StanzaParseError):
    """A stanza over ``MAX_STANZA_CHARS``: refused unparsed (``oversized`` tells what it was)."""


@dataclass(frozen=True)
class OversizedStanza:
    """What can be told of a stanza too large to parse, from a bounded scan of its start:
    ``kind`` (message/presence/iq, or "" when unknown), the ``sender``/``to``/``type``/``id``
    attributes of its start tag (raw text, possibly hostile: show it only as text), ``inner`` the
    same attributes of the first ``<message>`` nested in it (a carbon's or an archive result's
    forwarded message; None when there is none in the scanned start) and ``size`` (UTF-8 bytes)."""

    kind: str
    attrs: dict[str, str]
    inner: dict[str, str] | None
    archived: bool
    size: int

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: a plain object of the fields."""
        return bridge.to_js({"kind": self.kind, "attrs": self.attrs, "inner": self.inner,
                             "archived": self.archived, "size": self.size})


#: A start tag: its name (any prefix dropped) and its attribute text; nothing in it can run long:
#: the scan covers ``OVERSIZED_SCAN_CHARS`` characters only.
_START_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)([^<>]*)>")
_ATTR = re.compile(r"""([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}


def _attrs_of(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        attrs[match.group(1)] = re.sub(r"&(?:lt|gt|quot|apos|amp);", lambda m: _ENTITIES[m.group(0)], value)[:300]
    return attrs


def oversized(xml: str) -> OversizedStanza:
    """Tell what a stanza too large to parse is, scanning only its first few KB (never parses it).

    >>> big = '<message xmlns="jabber:client" from="bob@localhost/x" type="chat" id="m1"><body>' + 'x' * 99 + '</body></message>'
    >>> info = oversized(big)
    >>> info.kind, info.attrs["from"], info.attrs["type"], info.inner, info.size
    ('message', 'bob@localhost/x', 'chat', None, 196)
    >>> oversized("<<<garbage").kind
    ''
    """
    head = xml[:OVERSIZED_SCAN_CHARS]
    size = len(xml.encode("utf-8", "replace"))
    tags = list(_START_TAG.finditer(head))
    if not tags:
        return OversizedStanza("", {}, None, False, size)
    kind = tags[0].group(1).rpartition(":")[2]
    attrs = _attrs_of(tags[0].group(2))
    inner = next((_attrs_of(t.group(2)) for t in tags[1:] if t.group(1).rpartition(":")[2] == "message"), None)
    archived = any(t.group(1).rpartition(":")[2] == "result" and "urn:xmpp:mam:" in t.group(2) for t in tags[1:])
    return OversizedStanza(kind if kind in ("message", "presence", "iq") else "", attrs, inner, archived, size)


def format_size(size: int) -> str:
    """A size in bytes as people read it (decimal units, as "a 1 MB message").

    >>> format_size(900), format_size(123_456), format_size(1_234_567)
    ('900 B', '123 KB', '1.2 MB')
    """
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{round(size / 1000)} KB"
    return f"{size / 1_000_000:.1f} MB"


def new_id(prefix: str = "cpy") -> str:
    """A fresh stanza id, unique within this page and unguessable across pages."""
    return f"{prefix}{next(_counter)}-{secrets.token_hex(4)}"


def parse(xml: str) -> ET.Element:
    """Parse one stanza; raise ``StanzaParseError`` for malformed or hostile input.

    Entity declarations are refused outright (no billion-laughs, no external entities).
    """
    if not isinstance(xml, str):
        raise StanzaParseError(f"expected XML text, got {type(xml).__name__}")
    if len(xml) > MAX_STANZA_CHARS:
        raise StanzaTooLarge(f"stanza too large ({len(xml)} characters)")
    if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        raise StanzaParseError("stanza contains a DTD")
    el, depth = _stream.parse(xml)
    if el is None:  # not one well-formed element on its own: parsed alone, for the error's text
        try:
            el = ET.fromstring(xml)
        except ET.ParseError as exc:
            raise StanzaParseError(f"malformed stanza: {exc}") from None
        depth = _depth(el)
    if depth > MAX_DEPTH:
        raise StanzaParseError("stanza nested too deeply")
    return el


class StanzaStream:
    """Parses stanza after stanza with one expat parser, kept open inside a root element of its
    own, instead of a new parser for each (making one is most of the cost of parsing a small
    stanza: ~0.05 ms of the ~0.2 ms a chat message took in the page after an idle moment).
    ``parse`` returns the element and its depth, or ``(None, 0)`` for text that is anything but
    one complete element (then the parser starts afresh and the caller parses the text alone, so
    the result and the errors are ``ET.fromstring``'s). Each text is followed by an empty
    separator element, which makes the parser settle the text before and after the stanza (none
    may be there but whitespace). A fresh parser is also made every ``renew_after`` characters:
    expat keeps every element and attribute name it has met.

    >>> stream = StanzaStream()
    >>> el, depth = stream.parse('<message xmlns="jabber:client"><body>hi</body></message>')
    >>> el.tag, el.findtext("{jabber:client}body"), depth
    ('{jabber:client}message', 'hi', 2)
    >>> [stream.parse(text) for text in ('<body>cut off', '<a/><b/>', '</s>', 'junk<a/>', '<a/>junk')]
    [(None, 0), (None, 0), (None, 0), (None, 0), (None, 0)]
    >>> stream.parse(" <presence xmlns='jabber:client'/> ")[0].tag
    '{jabber:client}presence'
    """

    SEPARATOR_TAG = "_"
    SEPARATOR = f"<{SEPARATOR_TAG}/>"

    def __init__(self, renew_after: int = 4 * 1024 * 1024) -> None:
        self.renew_after = renew_after
        self._fresh()

    def _fresh(self) -> None:
        parser: Any = ET.XMLPullParser(events=("start", "end"))  # its events typed as unions
        parser.feed("<s>")
        self._parser = parser
        self._root: ET.Element = next(iter(parser.read_events()))[1]
        self._before = self._root  # the element whose text or tail the next text's start goes to
        self._fed = 0

    def parse(self, xml: str) -> tuple[ET.Element | None, int]:
        if self._fed > self.renew_after:
            self._fresh()
        self._fed += len(xml)
        tops: list[ET.Element] = []
        level = deepest = 0
        try:
            self._parser.feed(xml)
            self._parser.feed(self.SEPARATOR)
            for event, el in self._parser.read_events():
                if event == "start":
                    level += 1
                    if level == 1:
                        tops.append(el)
                    deepest = max(deepest, level)
                else:
                    level -= 1
        except ET.ParseError:
            tops = []
        before = self._before
        lead = before.text if before is self._root else before.tail
        if level != 0 or len(tops) != 2 or tops[1].tag != self.SEPARATOR_TAG or not _blank(lead) or not _blank(tops[0].tail):
            self._fresh()
            return None, 0
        top, self._before = tops
        self._root.clear()  # the stanza is the caller's now: the root holds nothing between stanzas
        top.tail = None
        return top, deepest


def parse_bosh_body(xml: str) -> list[ET.Element] | None:
    """The stanzas of one ordinary BOSH response (XEP-0124 ``<body/>``, no ``type``), parsed in one
    go; None for any other text (a terminate or error body, malformed or hostile XML, a body
    over the stanza size or depth limits): the caller then hands it over stanza by stanza, so
    what happens to those is as ``parse`` would have it.

    >>> body = ("<body xmlns='http://jabber.org/protocol/httpbind' sid='s1'>"
    ...         "<message xmlns='jabber:client' from='bob@localhost'><body>hi</body></message>"
    ...         "<presence xmlns='jabber:client'/></body>")
    >>> [(el.tag, el.findtext('{jabber:client}body')) for el in parse_bosh_body(body)]
    [('{jabber:client}message', 'hi'), ('{jabber:client}presence', None)]
    >>> parse_bosh_body("<body xmlns='http://jabber.org/protocol/httpbind'/>")
    []
    >>> [parse_bosh_body(text) for text in (
    ...     "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate'/>",
    ...     "<body xmlns='http://jabber.org/protocol/httpbind'><message>cut off</body>",
    ...     "<message xmlns='jabber:client'/>")]
    [None, None, None]
    """
    if len(xml) > MAX_STANZA_CHARS or "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        return None
    body, depth = _stream.parse(xml)
    if body is None or body.tag != BOSH_BODY or body.get("type") is not None or depth > MAX_DEPTH + 1:
        return None
    return list(body)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


_stream = StanzaStream()


def _depth(el: ET.Element) -> int:
    """Levels of elements under and including ``el``, counted up to MAX_DEPTH + 1."""
    depth, level = 0, [el]
    while level and depth <= MAX_DEPTH:
        depth += 1
        level = [child for node in level for child in node]
    return depth


_XML_NS = "http://www.w3.org/XML/1998/namespace"


def serialize(el: ET.Element, parent_ns: str = "") -> str:
    """XML text of ``el`` with default-namespace declarations (no ``ns0:`` prefixes).

    Works for elements built here (literal ``xmlns`` attributes) and for parsed ones
    (Clark-notation tags), so a received stanza can be re-serialized faithfully.

    >>> serialize(parse('<message xmlns="jabber:client"><x xmlns="urn:a"/></message>'))
    '<message xmlns="jabber:client"><x xmlns="urn:a" /></message>'
    """
    out: list[str] = []
    _write(el, parent_ns, out)
    return "".join(out)


def _write(el: ET.Element, parent_ns: str, out: list[str]) -> None:
    tag = el.tag
    if not isinstance(tag, str):  # comments / processing instructions: never sent
        return
    own_ns = namespace(tag) if tag.startswith("{") else (el.get("xmlns") or parent_ns)
    out.append("<" + local_name(tag))
    if own_ns != parent_ns or (el.get("xmlns") is not None and not tag.startswith("{")):
        out.append(f' xmlns="{_escape_attr(own_ns)}"')
    for key, value in el.attrib.items():
        if key == "xmlns":
            continue
        if key.startswith("{"):
            if namespace(key) != _XML_NS:
                continue  # foreign-namespaced attributes are not used by any stanza we send
            key = "xml:" + local_name(key)
        out.append(f' {key}="{_escape_attr(value)}"')
    if el.text is None and len(el) == 0:
        out.append(" />")
    else:
        out.append(">")
        if el.text:
            out.append(_escape_text(el.text))
        for child in el:
            _write(child, own_ns, out)
            if child.tail:
                out.append(_escape_text(child.tail))
        out.append(f"</{local_name(tag)}>")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(text: str) -> str:
    return (_escape_text(text).replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def local_name(tag: str) -> str:
    """``{ns}name`` → ``name``."""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    """``{ns}name`` → ``ns`` (empty string when there is none)."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def qname(namespace_uri: str, name: str) -> str:
    """Clark notation for find/iter: ``qname(ns.ROSTER, "query")``."""
    return f"{{{namespace_uri}}}{name}"


def find(el: ET.Element, namespace_uri: str, name: str) -> ET.Element | None:
    """The first direct child named ``name`` in ``namespace_uri``."""
    return el.find(qname(namespace_uri, name))


def find_child(el: ET.Element, namespace_uri: str, name: str) -> ET.Element | None:
    """The first direct child named ``name`` in ``namespace_uri``, parsed (``{ns}name``) or built
    here (``name`` with an ``xmlns`` attribute, as ``element`` makes it; a built child with no
    ``xmlns`` is in its parent's namespace, ``jabber:client`` for a message's body).

    >>> msg = element("message", xmlns="jabber:client"); _ = sub(msg, "body", text="hi")
    >>> find_child(msg, "jabber:client", "body").text, find_child(parse(serialize(msg)), "jabber:client", "body").text
    ('hi', 'hi')
    """
    wanted = qname(namespace_uri, name)
    for child in el:
        if child.tag == wanted or (child.tag == name and (child.get("xmlns") or el.get("xmlns") or "") == namespace_uri):
            return child
    return None


def find_all(el: ET.Element, namespace_uri: str, name: str) -> Iterator[ET.Element]:
    """All direct children named ``name`` in ``namespace_uri``."""
    return iter(el.findall(qname(namespace_uri, name)))


def child_text(el: ET.Element, namespace_uri: str, name: str) -> str | None:
    """Text of the first such child (``""`` if empty), or None when there is none."""
    child = find(el, namespace_uri, name)
    if child is None:
        return None
    return child.text or ""


def element(name: str, attrs: dict[str, str | None] | None = None, *,
            xmlns: str | None = None, text: str | None = None) -> ET.Element:
    """A new element; attributes whose value is None are left out.

    >>> serialize(element("query", {"ver": None}, xmlns="jabber:iq:roster"))
    '<query xmlns="jabber:iq:roster" />'
    """
    el = ET.Element(name)
    if xmlns:
        el.set("xmlns", xmlns)
    for key, value in (attrs or {}).items():
        if value is not None:
            el.set(key, str(value))
    if text is not None:
        el.text = text
    return el


def sub(parent: ET.Element, name: str, attrs: dict[str, str | None] | None = None, *,
        xmlns: str | None = None, text: str | None = None) -> ET.Element:
    """Append a new child to ``parent`` and return it (arguments as for ``element``)."""
    child = element(name, attrs, xmlns=xmlns, text=text)
    parent.append(child)
    return child


def ensure_child(parent: ET.Element, namespace_uri: str, name: str) -> ET.Element:
    """The ``{namespace_uri}name`` child of ``parent`` (parsed, or built with an ``xmlns``
    attribute), appended when there is none yet.

    >>> msg = message(to="bob@localhost", id_="m1")
    >>> ensure_child(msg, "urn:xmpp:receipts", "request") is ensure_child(msg, "urn:xmpp:receipts", "request")
    True
    """
    child = find(parent, namespace_uri, name)
    if child is None:
        child = next((c for c in parent if c.tag == name and c.get("xmlns") == namespace_uri), None)
    return child if child is not None else sub(parent, name, xmlns=namespace_uri)


def iq(type_: str, *, to: str | None = None, id_: str | None = None) -> ET.Element:
    """An ``<iq/>`` with a fresh id unless one is given."""
    return element("iq", {"type": type_, "to": to, "id": id_ or new_id()}, xmlns=ns.CLIENT)


def message(*, to: str, type_: str = "chat", body: str | None = None,
            id_: str | None = None) -> ET.Element:
    """A ``<message/>`` with an optional body and a fresh id."""
    msg = element("message", {"to": to, "type": type_, "id": id_ or new_id()}, xmlns=ns.CLIENT)
    if body is not None:
        sub(msg, "body", text=body)
    return msg


def presence(*, type_: str | None = None, to: str | None = None, show: str | None = None,
             status: str | None = None, priority: int | None = None) -> ET.Element:
    """A ``<presence/>``; ``show``/``status``/``priority`` become children when given."""
    pres = element("presence", {"type": type_, "to": to}, xmlns=ns.CLIENT)
    if show:
        sub(pres, "show", text=show)
    if status:
        sub(pres, "status", text=status)
    if priority is not None:
        sub(pres, "priority", text=str(priority))
    return pres


def error_reply(stanza: ET.Element, error_type: str, condition: str) -> ET.Element:
    """An error reply to ``stanza`` (RFC 6120 §8.3), e.g. ``service-unavailable`` for an IQ we don't serve."""
    kind = local_name(stanza.tag)
    reply = element(kind, {"type": "error", "to": stanza.get("from"), "id": stanza.get("id")},
                    xmlns=ns.CLIENT)
    err = sub(reply, "error", {"type": error_type})
    sub(err, condition, xmlns=ns.STANZAS)
    return reply


def canonical(xml: str) -> str:
    """C14N 2.0 form of ``xml`` with insignificant whitespace stripped, for comparing stanzas in tests."""
    return ET.canonicalize(xml, strip_text=True)
