"""OMEMO media sharing (XEP-0454): the ``aesgcm://`` URLs of files encrypted for an OMEMO chat,
and what may be shown inline from them. Pure Python (the page's WebCrypto does the AES-GCM).

A file is encrypted with AES-256-GCM under a fresh random key and a 12-byte IV (the 16-byte
authentication tag appended to the ciphertext), uploaded with XEP-0363, and its GET URL sent as
the OMEMO-encrypted body with ``aesgcm`` for ``https`` and the IV and key (hex) as the fragment::

    aesgcm://download.montague.tld/4a771ac1/tr%C3%A8s%20cool.jpg#<24 hex IV><64 hex key>

Older clients used a 16-byte IV (96 hex digits): read, never written. The file is fetched with
https (http only for the hosts the ``omemo_files_http_hosts`` setting names: test servers
without TLS). What is shown inline gets its MIME type from the file name's extension, from an
allow-list of images, audio and video (no SVG, no HTML, never the server's Content-Type);
everything else is a download.

>>> link = parse_aesgcm("aesgcm://h.example/a/cat.PNG#" + "00" * 12 + "11" * 32)
>>> link.download_url(), link.filename, len(link.iv), len(link.key), file_type(link.filename)
('https://h.example/a/cat.PNG', 'cat.PNG', 12, 32, ('image', 'image/png'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

SCHEME = "aesgcm"
#: The IV written (bytes); a 16-byte one is read too (XEP-0454's older clients).
IV_SIZE = 12
LEGACY_IV_SIZE = 16
KEY_SIZE = 32
TAG_SIZE = 16
#: Longest aesgcm URL taken (as converse-media takes http URLs).
MAX_URL = 2048
#: Largest encrypted file downloaded (bytes): larger ones are refused before they are decrypted.
MAX_DOWNLOAD = 100 * 1024 * 1024

#: What may be shown inline, by lower-case extension: (kind, MIME type). No SVG (scripts), no HTML.
INLINE_TYPES: dict[str, tuple[str, str]] = {
    "png": ("image", "image/png"), "jpg": ("image", "image/jpeg"), "jpeg": ("image", "image/jpeg"),
    "gif": ("image", "image/gif"), "webp": ("image", "image/webp"), "avif": ("image", "image/avif"),
    "bmp": ("image", "image/bmp"),
    "mp3": ("audio", "audio/mpeg"), "m4a": ("audio", "audio/mp4"), "oga": ("audio", "audio/ogg"),
    "ogg": ("audio", "audio/ogg"), "opus": ("audio", "audio/ogg"), "wav": ("audio", "audio/wav"),
    "flac": ("audio", "audio/flac"), "aac": ("audio", "audio/aac"), "weba": ("audio", "audio/webm"),
    "mp4": ("video", "video/mp4"), "m4v": ("video", "video/mp4"), "webm": ("video", "video/webm"),
    "ogv": ("video", "video/ogg"), "mov": ("video", "video/quicktime"),
}
#: Every other file: a download of opaque bytes (the browser never renders it in the page).
DOWNLOAD_TYPE = ("file", "application/octet-stream")

_HEX = re.compile(r"[0-9a-fA-F]+")
#: Characters no URL has unescaped (RFC 3986).
_NOT_IN_URLS = frozenset(' \t\r\n"<>`{}|\\^')


class AesgcmError(ValueError):
    """An ``aesgcm://`` link that cannot be used; its text says why, for the message row."""


@dataclass(frozen=True)
class AesgcmLink:
    """A parsed ``aesgcm://`` URL: where the encrypted file is (``host``, with its port, and
    ``path``, with its query), its IV and key, and the file name (decoded, for a download)."""

    host: str
    path: str
    iv: bytes = field(repr=False)
    key: bytes = field(repr=False)

    @property
    def filename(self) -> str:
        name = unquote(urlsplit("//" + self.host + self.path).path.rsplit("/", 1)[-1])
        return name.replace("/", "_").replace("\\", "_").strip() or "file"

    def download_url(self, http_hosts: tuple[str, ...] | list[str] = ()) -> str:
        """The URL of the encrypted file: https, or http for a host of ``http_hosts``.

        >>> link = parse_aesgcm("aesgcm://localhost:5280/f/x.bin#" + "ab" * 44)
        >>> link.download_url(), link.download_url(["localhost"])
        ('https://localhost:5280/f/x.bin', 'http://localhost:5280/f/x.bin')
        """
        hostname = (urlsplit("//" + self.host).hostname or "").lower()
        scheme = "http" if hostname in {str(h).lower() for h in http_hosts} else "https"
        return f"{scheme}://{self.host}{self.path}"


def looks_like_aesgcm(body: str) -> bool:
    """Whether a message body is meant as one ``aesgcm://`` link (then it is a file, valid or not).

    >>> looks_like_aesgcm(" aesgcm://h.example/a.png#00 "), looks_like_aesgcm("see aesgcm://h.example/a.png")
    (True, False)
    """
    text = body.strip()
    return text[:len(SCHEME) + 3].lower() == SCHEME + "://" and not any(c.isspace() for c in text)


def parse_aesgcm(body: str) -> AesgcmLink:
    """The link of a body that is exactly one ``aesgcm://host/path#ivkey`` URL; ``AesgcmError``
    (saying why) for anything else.

    >>> parse_aesgcm("aesgcm://h.example/a.png#00")
    Traceback (most recent call last):
    ...
    converse_py.plugins.omemo.files.AesgcmError: the key must be 88 or 96 hexadecimal digits
    """
    text = body.strip()
    if not looks_like_aesgcm(text):
        raise AesgcmError("not an aesgcm:// link")
    if len(text) > MAX_URL:
        raise AesgcmError("the link is too long")
    if not _NOT_IN_URLS.isdisjoint(text):
        raise AesgcmError("the link has characters no URL has")
    location, hash_mark, fragment = text[len(SCHEME) + 3:].partition("#")
    if not hash_mark or not fragment:
        raise AesgcmError("the link has no key")
    if len(fragment) not in (2 * (IV_SIZE + KEY_SIZE), 2 * (LEGACY_IV_SIZE + KEY_SIZE)) \
            or not _HEX.fullmatch(fragment):
        raise AesgcmError("the key must be 88 or 96 hexadecimal digits")
    secret = bytes.fromhex(fragment)
    iv, key = secret[:-KEY_SIZE], secret[-KEY_SIZE:]
    host, slash, rest = location.partition("/")
    try:
        parts = urlsplit("//" + host)
        hostname, _port = parts.hostname, parts.port  # the port is checked (a ValueError when bad)
    except ValueError:
        raise AesgcmError("the link's host is not valid") from None
    if not hostname or parts.username is not None or parts.password is not None or "?" in host:
        raise AesgcmError("the link has no valid host")
    return AesgcmLink(host, slash + rest if slash else "/", iv, key)


def build_aesgcm(get_url: str, iv: bytes, key: bytes) -> str:
    """The ``aesgcm://`` URL of a file uploaded to ``get_url`` (XEP-0363's GET URL, https or
    http) and encrypted with ``iv`` and ``key``.

    >>> build_aesgcm("https://up.example/s/a%20b.jpg", bytes(12), bytes(range(32)))[:42]
    'aesgcm://up.example/s/a%20b.jpg#0000000000'
    """
    if len(iv) not in (IV_SIZE, LEGACY_IV_SIZE) or len(key) != KEY_SIZE:
        raise ValueError("an aesgcm link needs a 12- (or 16-) byte IV and a 32-byte key")
    parts = urlsplit(get_url)
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname or parts.fragment:
        raise ValueError("an aesgcm link is made from an http(s) URL without a fragment")
    rest = get_url.split("://", 1)[1]
    return f"{SCHEME}://{rest}#{iv.hex()}{key.hex()}"


def file_type(filename: str) -> tuple[str, str]:
    """(kind, MIME type) of a decrypted file, from its name's extension and the allow-list:
    ``image``/``audio``/``video`` with their type, else ``("file", "application/octet-stream")``.

    >>> file_type("x.JPG"), file_type("page.html"), file_type("logo.svg"), file_type("noext")
    (('image', 'image/jpeg'), ('file', 'application/octet-stream'), ('file', 'application/octet-stream'), ('file', 'application/octet-stream'))
    """
    name = filename.rsplit("/", 1)[-1]
    if "." not in name:
        return DOWNLOAD_TYPE
    return INLINE_TYPES.get(name.rsplit(".", 1)[-1].lower(), DOWNLOAD_TYPE)
