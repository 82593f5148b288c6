"""Emoji in text, pure and without the emoji data: is a body only emoji (shown large), and the
``:shortcode:`` pieces of what the user types.

An emoji here is one cluster as Unicode writes them (UTS #51): a pictographic character with an
optional presentation selector and skin-tone modifier, several of those joined by ZERO WIDTH
JOINERs (👩‍👩‍👧), a pair of regional indicators (a flag, 🇫🇷), a black flag with tag characters
(🏴󠁧󠁢󠁳󠁣󠁴󠁿), or a keycap (1️⃣).

>>> emoji_count("👍"), emoji_count("👩‍👩‍👧 🇫🇷"), emoji_count("👋🏽1️⃣"), emoji_count("ok 👍"), emoji_count("")
(1, 2, 2, None, None)
>>> is_emoji_only("🎉🎉🎉"), is_emoji_only("🎉🎉🎉🎉"), is_emoji_only("🇫")
(True, False, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Bodies with more emoji than this are shown as text of the usual size.
EMOJI_ONLY_MAX = 3
#: Longer bodies are never emoji-only (3 family sequences of 11 code points, with spaces, fit).
EMOJI_ONLY_MAX_CHARS = 40

ZWJ = 0x200D
VS15, VS16 = 0xFE0E, 0xFE0F
KEYCAP = 0x20E3
TAG_END = 0xE007F

#: Ranges of pictographic code points (Extended_Pictographic, in outline; no data file needed).
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x27BF), (0x2934, 0x2935),
    (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x3030, 0x3030),
    (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F1E5), (0x1F200, 0x1F3FA),
    (0x1F400, 0x1FAFF),
)


def _pictographic(cp: int) -> bool:
    if cp < 0xA9:
        return False
    return any(low <= cp <= high for low, high in _PICTOGRAPHIC)


def _regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _skin_tone(cp: int) -> bool:
    return 0x1F3FB <= cp <= 0x1F3FF


def _tag(cp: int) -> bool:
    return 0xE0020 <= cp <= 0xE007E


def _element_end(cps: list[int], i: int) -> int:
    """After a pictographic code point at ``i - 1``: skip its selector, skin tone and tags."""
    n = len(cps)
    if i < n and cps[i] in (VS15, VS16):
        i += 1
    if i < n and _skin_tone(cps[i]):
        i += 1
    if i < n and _tag(cps[i]):
        while i < n and _tag(cps[i]):
            i += 1
        if i >= n or cps[i] != TAG_END:
            return -1
        i += 1
    return i


def _cluster_end(cps: list[int], i: int) -> int:
    """The index after the emoji cluster starting at ``i``, or -1 when none starts there."""
    n = len(cps)
    cp = cps[i]
    if cp < 0x80:  # a keycap: 0-9, # or * with an optional VS16, then U+20E3
        if not (0x30 <= cp <= 0x39 or cp in (0x23, 0x2A)):
            return -1
        j = i + 1 + (i + 1 < n and cps[i + 1] == VS16)
        return j + 1 if j < n and cps[j] == KEYCAP else -1
    if _regional(cp):
        return i + 2 if i + 1 < n and _regional(cps[i + 1]) else -1
    if not _pictographic(cp) and not _skin_tone(cp):
        return -1
    j = _element_end(cps, i + 1)
    while j > 0 and j + 1 < n and cps[j] == ZWJ and _pictographic(cps[j + 1]):
        j = _element_end(cps, j + 2)
    return j


def emoji_count(text: str) -> int | None:
    """How many emoji ``text`` holds when it holds nothing else but spaces; None otherwise."""
    cps = [ord(ch) for ch in text]
    count = 0
    i = 0
    while i < len(cps):
        if chr(cps[i]).isspace():
            i += 1
            continue
        end = _cluster_end(cps, i)
        if end < 0:
            return None
        count += 1
        i = end
    return count or None


def is_emoji_only(text: str, limit: int = EMOJI_ONLY_MAX) -> bool:
    """Whether ``text`` is 1 to ``limit`` emoji and nothing else (spaces aside): such messages are
    shown large. Cheap on other bodies: plain ASCII and long text are turned down at once."""
    if not text or len(text) > EMOJI_ONLY_MAX_CHARS or text.isascii():
        return False
    count = emoji_count(text)
    return count is not None and count <= limit


#: A ``:shortcode:`` (joypixels names: lower-case letters, digits, ``_``, ``+`` and ``-``).
SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
_TYPING = re.compile(r"(?:^|(?<=\s)):([a-z0-9_+\-]{2,})$")
_TYPED = re.compile(r"(?:^|(?<=\s)):([a-z0-9_+\-]+):(\s)$")


def replace_shortcodes(text: str, lookup: Callable[[str], str | None]) -> str:
    """``text`` with each ``:name:`` that ``lookup(name)`` knows replaced by its emoji; unknown
    names (and times such as ``10:30:00``) are left as they are.

    >>> known = {"smile": "😄", "thumbsup": "👍"}.get
    >>> replace_shortcodes("hi :smile: :nope: at 10:30:00 :thumbsup:", known)
    'hi 😄 :nope: at 10:30:00 👍'
    """
    if ":" not in text:
        return text

    def swap(match: re.Match[str]) -> str:
        return lookup(match.group(1)) or match.group(0)
    return SHORTCODE.sub(swap, text)


def shortcode_being_typed(before_caret: str) -> tuple[int, str] | None:
    """The ``:name`` the user is typing (at least two characters after the colon, at the start
    or after a space): its start in ``before_caret`` and the name so far, else None.

    >>> shortcode_being_typed("hello :smi"), shortcode_being_typed("see http:x"), shortcode_being_typed(":s")
    ((6, 'smi'), None, None)
    """
    match = _TYPING.search(before_caret[-64:])
    if match is None:
        return None
    return len(before_caret) - len(match.group(0)), match.group(1)


def shortcode_just_typed(before_caret: str) -> tuple[int, str, str] | None:
    """A whole ``:name:`` followed by the space just typed: its start, the name and that space.

    >>> shortcode_just_typed("so :smile: "), shortcode_just_typed("so :smile:")
    ((3, 'smile', ' '), None)
    """
    match = _TYPED.search(before_caret[-72:])
    if match is None:
        return None
    return len(before_caret) - len(match.group(0)), match.group(1), match.group(2)
