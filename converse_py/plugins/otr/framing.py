"""The textual side of OTR: query messages, whitespace tags, error messages and fragments.

>>> query_message({2, 3}).split("\\n")[0]
'?OTRv23?'
>>> sorted(parse_query("?OTRv23? please"))
[2, 3]
>>> pieces = fragment("?OTR:" + "A" * 23 + ".", 25, version=2)
>>> pieces[0], pieces[-1]
('?OTR,00001,00005,?OTR:AA,', '?OTR,00005,00005,.,')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_EXPLANATION = ("I would like to start an Off-the-Record private conversation. "
                     "Your client does not seem to support OTR "
                     "(https://otr.cypherpunks.ca/).")

WHITESPACE_BASE = "\x20\x09\x20\x20\x09\x09\x09\x09\x20\x09\x20\x09\x20\x09\x20\x20"
WHITESPACE_VERSION_TAGS = {
    1: "\x20\x09\x20\x09\x20\x20\x09\x20",
    2: "\x20\x20\x09\x09\x20\x20\x09\x20",
    3: "\x20\x20\x09\x09\x20\x20\x09\x09",
}
ERROR_PREFIX = "?OTR Error:"


def query_message(versions: set[int], explanation: str = QUERY_EXPLANATION) -> str:
    """A query message offering ``versions`` ("?OTRv23?"), followed by a human explanation."""
    text = "?OTR"
    if 1 in versions:
        text += "?"
    rest = "".join(str(v) for v in sorted(versions) if v != 1)
    if rest:
        text += "v" + rest + "?"
    elif 1 not in versions:
        raise ValueError("a query message needs at least one version")
    return text + "\n" + explanation if explanation else text


_QUERY = re.compile(r"\?OTR(\?)?(?:v([0-9]*)\?)?")


def parse_query(text: str) -> set[int] | None:
    """The versions a query message offers, or None when ``text`` holds no query.

    "?OTR?" alone offers version 1; "?OTRv23?" versions 2 and 3; "?OTR?v2?" versions 1 and 2.
    """
    for match in _QUERY.finditer(text):
        if match.group(1) is None and match.group(2) is None:
            continue  # "?OTR:" / "?OTR," / "?OTR|" / "?OTR Error" are not queries
        versions = set()
        if match.group(1):
            versions.add(1)
        if match.group(2):
            versions.update(int(c) for c in match.group(2))
        return versions
    return None


def whitespace_tag(versions: set[int]) -> str:
    """The whitespace tag announcing ``versions``, appended to a plaintext message."""
    return WHITESPACE_BASE + "".join(WHITESPACE_VERSION_TAGS[v] for v in sorted(versions)
                                     if v in WHITESPACE_VERSION_TAGS)


def parse_whitespace_tag(text: str) -> tuple[str, set[int]] | None:
    """(text with the tag removed, versions announced) or None when there is no tag."""
    pos = text.find(WHITESPACE_BASE)
    if pos < 0:
        return None
    versions = set()
    end = pos + len(WHITESPACE_BASE)
    while True:
        chunk = text[end:end + 8]
        found = [v for v, tag in WHITESPACE_VERSION_TAGS.items() if tag == chunk]
        if not found:
            break
        versions.add(found[0])
        end += 8
    return text[:pos] + text[end:], versions


def error_message(text: str) -> str:
    return f"{ERROR_PREFIX} {text}"


def parse_error(text: str) -> str | None:
    if text.startswith(ERROR_PREFIX):
        return text[len(ERROR_PREFIX):].strip()
    return None


# --------------------------------------------------------------------------------------------
# Fragmentation


def _prefix(version: int, k: int, n: int, sender_tag: int, receiver_tag: int) -> str:
    if version == 3:
        return f"?OTR|{sender_tag:08x}|{receiver_tag:08x},{k:05d},{n:05d},"
    return f"?OTR,{k:05d},{n:05d},"


def fragment(message: str, max_size: int, version: int = 3, sender_tag: int = 0, receiver_tag: int = 0) -> list[str]:
    """Split an encoded OTR message into fragments of at most ``max_size`` characters.

    Messages that already fit are returned unchanged (as a one-element list).
    """
    if len(message) <= max_size:
        return [message]
    overhead = len(_prefix(version, 1, 1, sender_tag, receiver_tag)) + 1  # the trailing comma
    piece = max_size - overhead
    if piece < 1:
        raise ValueError(f"max_size {max_size} leaves no room for a fragment's content")
    pieces = [message[i:i + piece] for i in range(0, len(message), piece)]
    if len(pieces) > 65535:
        raise ValueError("message too long to fragment")
    n = len(pieces)
    return [_prefix(version, k, n, sender_tag, receiver_tag) + p + "," for k, p in enumerate(pieces, 1)]


_FRAGMENT_V3 = re.compile(r"^\?OTR\|([0-9a-fA-F]{1,8})\|([0-9a-fA-F]{1,8}),([0-9]{1,5}),([0-9]{1,5}),([^,]*),")
_FRAGMENT_V2 = re.compile(r"^\?OTR,([0-9]{1,5}),([0-9]{1,5}),([^,]*),")


@dataclass
class Fragment:
    version: int
    sender_tag: int
    receiver_tag: int
    k: int
    n: int
    piece: str


def parse_fragment(text: str) -> Fragment | None:
    match = _FRAGMENT_V3.match(text)
    if match:
        return Fragment(3, int(match.group(1), 16), int(match.group(2), 16), int(match.group(3)),
                        int(match.group(4)), match.group(5))
    match = _FRAGMENT_V2.match(text)
    if match:
        return Fragment(2, 0, 0, int(match.group(1)), int(match.group(2)), match.group(3))
    return None


#: Reassembled messages longer than this are dropped (a peer cannot make us buffer without end).
MAX_REASSEMBLED = 1_000_000


class Reassembler:
    """Collects fragments in order (spec "Fragmentation"): k = 1 starts afresh, k = previous + 1
    with the same n continues, anything else discards the buffer."""

    def __init__(self) -> None:
        self.k = 0
        self.n = 0
        self.size = 0
        self.pieces: list[str] = []

    def add(self, frag: Fragment) -> str | None:
        """Add a fragment; returns the whole message once its last fragment arrives."""
        if frag.k == 0 or frag.n == 0 or frag.k > frag.n:
            self.reset()
            return None
        if frag.k == 1:
            self.k, self.n, self.pieces, self.size = 1, frag.n, [frag.piece], len(frag.piece)
        elif frag.n == self.n and frag.k == self.k + 1:
            self.k += 1
            self.pieces.append(frag.piece)
            self.size += len(frag.piece)
            if self.size > MAX_REASSEMBLED:
                self.reset()
                return None
        else:
            self.reset()
            return None
        if self.k == self.n:
            whole = "".join(self.pieces)
            self.reset()
            return whole
        return None

    def reset(self) -> None:
        self.k = self.n = self.size = 0
        self.pieces = []
