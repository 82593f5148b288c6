"""Which URLs of a message are media, and whether settings allow showing them. Pure Python.

A message's media are the http(s) URLs of its body and of its XEP-0066 ``jabber:x:oob``
elements whose path ends in a known image, audio or video extension (an OOB URL with an unknown
extension is a plain attachment link). Nothing else ever becomes a ``src``: ``data:``,
``javascript:``, ``blob:`` and every other scheme stay text.

>>> from converse_py.xmpp.stanza import parse
>>> stanza = parse('<message xmlns="jabber:client"><body>look https://h.example/cat.JPG?x=1 and '
...                'javascript:alert(1).png</body><x xmlns="jabber:x:oob"><url>https://h.example/a.ogg</url></x>'
...                '</message>')
>>> media_of(stanza.findtext("{jabber:client}body") or "", stanza)
(('image', 'https://h.example/cat.JPG?x=1'), ('audio', 'https://h.example/a.ogg'))
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

OOB = "jabber:x:oob"
#: Media kinds by file extension (lower case), as browsers play them without plugins.
KINDS = {
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "svg", "ico"), "image"),
    **dict.fromkeys(("mp3", "m4a", "oga", "ogg", "opus", "wav", "flac", "aac", "weba"), "audio"),
    **dict.fromkeys(("mp4", "webm", "m4v", "mov", "ogv"), "video"),
}
#: http(s) URLs in text: stop at whitespace, quotes and angle brackets (as links do).
_HTTP_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"
#: Characters no URL has unescaped (RFC 3986): an OOB "URL" with any is no URL.
_NOT_IN_URLS = frozenset(' \t\r\n"<>`{}|\\^')
#: At most this many media of one message are shown (a flood of URLs stays links).
MAX_MEDIA = 8
#: URLs longer than this are never media (they stay links).
MAX_URL = 2048

Media = tuple[str, str]  # (kind, url): kind is "image", "audio", "video" or "file" (an OOB link)


def http_url(url: str) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host (else None).

    >>> http_url("https://h.example/a.png"), http_url("data:image/png;base64,AAAA"), http_url("https:///x")
    ('https://h.example/a.png', None, None)
    >>> http_url('https://h.example/a.png?"><img src=x>')
    """
    url = url.strip()
    if len(url) > MAX_URL or not url[:8].lower().startswith(("http://", "https://")) \
            or not _NOT_IN_URLS.isdisjoint(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def kind_of(url: str) -> str | None:
    """The media kind a URL's path extension names (None for anything else).

    >>> kind_of("https://h.example/x/Photo.PNG?size=2#a"), kind_of("https://h.example/clip.webm"), kind_of("https://h.example/")
    ('image', 'video', None)
    """
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return None
    return KINDS.get(name.rsplit(".", 1)[-1].lower())


def body_urls(body: str) -> list[str]:
    """The http(s) URLs of ``body``, trailing punctuation left out (as links are made)."""
    if "://" not in body:
        return []
    urls = []
    for match in _HTTP_URL.finditer(body):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            url = url[:-1]
        urls.append(url)
    return urls


def oob_urls(stanza: ET.Element) -> list[str]:
    """The URLs of the message's XEP-0066 ``<x xmlns='jabber:x:oob'><url/>`` elements."""
    return [(x.findtext(f"{{{OOB}}}url") or "").strip() for x in stanza.findall(f"{{{OOB}}}x")]


def media_of(body: str, stanza: ET.Element | None = None) -> tuple[Media, ...]:
    """The media of a message: its body's media URLs, then its OOB URLs (a media kind, or
    ``file`` for an OOB URL of another kind), each once, at most ``MAX_MEDIA``."""
    found: dict[str, str] = {}
    for url in body_urls(body):
        checked = http_url(url)
        kind = kind_of(checked) if checked else None
        if checked and kind and checked not in found:
            found[checked] = kind
    for url in oob_urls(stanza) if stanza is not None else ():
        checked = http_url(url)
        if checked and checked not in found:
            found[checked] = kind_of(checked) or "file"
    return tuple((kind, url) for url, kind in found.items())[:MAX_MEDIA]


def domain_listed(listed: Any, url: str) -> bool:
    """Whether ``url``'s host is in ``listed`` (a list of domains: a listed domain allows itself
    and its subdomains).

    >>> domain_listed(["example.org"], "https://img.example.org/a.png"), domain_listed(["example.org"], "https://evil.org/a.png")
    (True, False)
    >>> domain_listed(["example.org"], "https://notexample.org/a.png")
    False
    """
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    for domain in listed:
        if not isinstance(domain, str) or not domain:
            continue
        domain = domain.lower().strip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def allowed(setting: Any, url: str) -> bool:
    """A setting that is true (all), false (none) or a list of domains, applied to ``url``.

    >>> allowed(True, "https://a.example/x.png"), allowed(False, "https://a.example/x.png"), allowed(None, "https://a.example/x.png")
    (True, False, True)
    >>> allowed(["a.example"], "https://a.example/x.png"), allowed([], "https://a.example/x.png")
    (True, False)
    """
    if setting is None or setting is True:
        return True
    if isinstance(setting, (list, tuple)):
        return domain_listed(setting, url)
    return bool(setting)


def shown_media(media: tuple[Media, ...], get: Any) -> list[Media]:
    """The media settings allow inline (``get``: the settings' getter): ``render_media`` (true,
    false or domains), for images also ``show_images_inline``, and the kind's
    ``allowed_image_domains`` / ``allowed_audio_domains`` / ``allowed_video_domains`` (null: any).

    >>> settings = {"render_media": True, "show_images_inline": True, "allowed_image_domains": ["ok.example"]}
    >>> shown_media((("image", "https://ok.example/a.png"), ("image", "https://no.example/b.png"),
    ...              ("file", "https://ok.example/c.zip")), settings.get)
    [('image', 'https://ok.example/a.png')]
    """
    shown = []
    for kind, url in media:
        if kind == "file" or not allowed(get("render_media"), url):
            continue
        if kind == "image" and not allowed(get("show_images_inline"), url):
            continue
        if allowed(get(f"allowed_{kind}_domains"), url):
            shown.append((kind, url))
    return shown
