"""Which connection URL to use: WebSocket first, BOSH as the fallback, and XEP-0156 discovery.

The settings name at most one URL per kind (``websocket_url``, ``bosh_service_url``); when
neither is set, the URLs discovered from the domain's host-meta are used. A kind whose
connection could not be established is skipped on the next try of the same login.

>>> settings = {"websocket_url": "ws://h/xmpp-websocket", "bosh_service_url": "http://h/http-bind"}
>>> connection_urls(settings.get)
[('websocket', 'ws://h/xmpp-websocket'), ('bosh', 'http://h/http-bind')]
>>> pick_url(settings.get, exclude={"websocket"})
('bosh', 'http://h/http-bind')
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Callable, Iterable, Mapping

from ..xmpp.stanza import StanzaParseError, parse

#: XEP-0156 link relations, by transport kind.
REL_WEBSOCKET = "urn:xmpp:alt-connections:websocket"
REL_BOSH = "urn:xmpp:alt-connections:xbosh"
XRD_NS = "http://docs.oasis-open.org/ns/xri/xrd-1.0"

SettingGetter = Callable[[str], Any]


def url_kind(url: str) -> str:
    """``"websocket"`` for ws:// and wss:// URLs, else ``"bosh"``.

    >>> url_kind("wss://example.org/xmpp-websocket"), url_kind("/http-bind")
    ('websocket', 'bosh')
    """
    return "websocket" if url.startswith(("ws:", "wss:")) else "bosh"


def connection_urls(get: SettingGetter, discovered: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """``[(kind, url), ...]`` in order of preference: WebSocket, then BOSH.

    Configured URLs win; ``discovered`` (kind → URL, from host-meta) is used only when
    neither ``websocket_url`` nor ``bosh_service_url`` is set.
    """
    configured = {"websocket": get("websocket_url"), "bosh": get("bosh_service_url")}
    source: Mapping[str, Any] = configured if any(configured.values()) else (discovered or {})
    return [(kind, str(source[kind])) for kind in ("websocket", "bosh") if source.get(kind)]


def pick_url(get: SettingGetter, discovered: Mapping[str, str] | None = None,
             exclude: Iterable[str] = ()) -> tuple[str, str] | None:
    """The preferred ``(kind, url)`` whose kind is not in ``exclude`` (None when none is left)."""
    skipped = set(exclude)
    for kind, url in connection_urls(get, discovered):
        if kind not in skipped:
            return kind, url
    return None


def host_meta_url(template: str | None, domain: str) -> str:
    """Where to ask for ``domain``'s host-meta (XEP-0156 §3: ``https://<domain>/.well-known/host-meta``).

    ``template`` is the ``host_meta_url`` setting; ``{domain}`` in it is replaced.

    >>> host_meta_url(None, "example.org")
    'https://example.org/.well-known/host-meta'
    >>> host_meta_url("http://localhost:8000/.well-known/host-meta?d={domain}", "example.org")
    'http://localhost:8000/.well-known/host-meta?d=example.org'
    """
    return (template or "https://{domain}/.well-known/host-meta").replace("{domain}", domain)


def _links(pairs: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for rel, href in pairs:
        if not isinstance(rel, str) or not isinstance(href, str) or not href:
            continue
        kind = {REL_WEBSOCKET: "websocket", REL_BOSH: "bosh"}.get(rel)
        if kind and kind not in found and url_kind(href) == kind:
            found[kind] = href
    return found


def parse_host_meta(text: str) -> dict[str, str]:
    """Kind → URL from a host-meta document, XRD (XML) or JRD (JSON); the first link of each kind wins.

    Links whose URL does not fit the relation (a ws:// URL given as BOSH) are ignored; a
    document that cannot be parsed gives ``{}``.

    >>> parse_host_meta('''<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
    ...   <Link rel="urn:xmpp:alt-connections:xbosh" href="https://example.org/http-bind"/>
    ...   <Link rel="urn:xmpp:alt-connections:websocket" href="wss://example.org/xmpp-websocket"/>
    ... </XRD>''')
    {'bosh': 'https://example.org/http-bind', 'websocket': 'wss://example.org/xmpp-websocket'}
    """
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return {}
        links = data.get("links") if isinstance(data, dict) else None
        if not isinstance(links, list):
            return {}
        return _links((link.get("rel"), link.get("href")) for link in links if isinstance(link, dict))
    try:
        root = parse(stripped)
    except (StanzaParseError, ET.ParseError):
        return {}
    return _links((link.get("rel"), link.get("href")) for link in root.iter(f"{{{XRD_NS}}}Link"))


__all__ = ["REL_BOSH", "REL_WEBSOCKET", "connection_urls", "host_meta_url", "parse_host_meta", "pick_url",
           "url_kind"]
