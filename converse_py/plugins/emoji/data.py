"""The emoji data the picker, autocomplete and ``api.emojis`` use, once loaded: lookups by
shortcode and by emoji, search by name and shortcode, skin tones.

The file is made at build time from the npm package ``emojibase-data`` (tools/emoji_data.py):
``{"groups": [...], "emojis": [[emoji, name, group, shortcodes, skin variants], ...]}``.

>>> data = EmojiData({"groups": ["smileys-emotion", "people-body"], "emojis": [
...     ["😄", "grinning face with smiling eyes", 0, ["smile"], []],
...     ["🙂", "slightly smiling face", 0, ["slight_smile"], []],
...     ["👋", "waving hand", 1, ["wave"], ["👋🏻", "👋🏼", "👋🏽", "👋🏾", "👋🏿"]]]})
>>> data.by_shortcode("smile").char, data.by_char("👋🏽").name, data.with_tone(data.by_shortcode("wave"), 3)
('😄', 'waving hand', '👋🏽')
>>> [e.char for e in data.search("smil")]
['😄', '🙂']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

#: How many skin tones there are (1 light … 5 dark; 0 is the default yellow).
SKIN_TONES = 5


class Emoji(NamedTuple):
    """One emoji of the picker: ``char`` (the Unicode text), ``name`` (CLDR), ``group`` (an index
    of ``EmojiData.groups``), ``shortcodes`` (without colons) and ``skins`` (five variants, light
    to dark, or none) and ``order`` (its place in the picker)."""

    char: str
    name: str
    group: int
    shortcodes: tuple[str, ...]
    skins: tuple[str, ...]
    order: int

    def as_dict(self) -> dict[str, Any]:
        """What ``api.emojis`` returns for it (a plain object in JS)."""
        return {"emoji": self.char, "name": self.name, "group": self.group, "shortcodes": list(self.shortcodes),
                "skins": list(self.skins)}


class EmojiData:
    """The loaded emoji data (built from the file's JSON, see the module's docstring)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        groups = raw.get("groups")
        rows = raw.get("emojis")
        if not isinstance(groups, list) or not isinstance(rows, list):
            raise ValueError("emoji data: expected {'groups': [...], 'emojis': [...]}")
        self.groups: list[str] = [str(g) for g in groups]
        self.version = str(raw.get("version", ""))
        self.emojis: list[Emoji] = []
        self._shortcodes: dict[str, Emoji] = {}
        self._chars: dict[str, Emoji] = {}
        for order, row in enumerate(rows):
            char, name, group, codes, skins = row
            emoji = Emoji(str(char), str(name), int(group), tuple(str(c) for c in codes),
                          tuple(str(s) for s in skins), order)
            self.emojis.append(emoji)
            for code in emoji.shortcodes:
                self._shortcodes.setdefault(code, emoji)
            for text in (emoji.char, *emoji.skins):
                self._chars.setdefault(text, emoji)
                self._chars.setdefault(text.replace("\ufe0f", ""), emoji)

    def by_shortcode(self, name: str) -> Emoji | None:
        """The emoji of ``name`` (with or without colons, any case)."""
        return self._shortcodes.get(name.strip(":").lower())

    def by_char(self, text: str) -> Emoji | None:
        """The emoji whose text (or one of whose skin-tone variants) is ``text``."""
        return self._chars.get(text) or self._chars.get(text.replace("\ufe0f", ""))

    def char_of(self, name: str) -> str | None:
        """The emoji text of a shortcode, or None (what ``replace_shortcodes`` asks)."""
        emoji = self._shortcodes.get(name)
        return emoji.char if emoji is not None else None

    def in_group(self, group: int) -> list[Emoji]:
        """The emoji of one group, in the picker's order."""
        return [e for e in self.emojis if e.group == group]

    @staticmethod
    def with_tone(emoji: Emoji, tone: int) -> str:
        """The text of ``emoji`` in skin tone ``tone`` (1 … 5; 0, or an emoji without tones: as it is)."""
        if 1 <= tone <= SKIN_TONES and len(emoji.skins) == SKIN_TONES:
            return emoji.skins[tone - 1]
        return emoji.char

    def search(self, query: str, limit: int = 60) -> list[Emoji]:
        """The emoji whose shortcodes or name match ``query``, best first: an exact shortcode or
        name, then shortcodes starting with it, then names with a word starting with it, then any
        that contain it; ties keep the picker's order. Every word of the query must match.

        >>> data = EmojiData({"groups": ["g"], "emojis": [["😹", "cat with tears of joy", 0, ["joy_cat"], []],
        ...                                                ["😂", "face with tears of joy", 0, ["joy"], []],
        ...                                                ["🐈", "cat", 0, ["cat2"], []]]})
        >>> [e.char for e in data.search("joy")], [e.char for e in data.search("cat")], data.search("  ")
        (['😂', '😹'], ['🐈', '😹'], [])
        >>> [e.char for e in data.search("tears cat")]
        ['😹']
        """
        words = query.strip().strip(":").lower().split()
        if not words:
            return []
        whole = " ".join(words)
        ranked: list[tuple[int, int, Emoji]] = []
        for emoji in self.emojis:
            rank = _rank(emoji, whole, words)
            if rank is not None:
                ranked.append((rank, emoji.order, emoji))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [emoji for _, _, emoji in ranked[:max(0, limit)]]

    def complete(self, prefix: str, limit: int = 8) -> list[tuple[str, Emoji]]:
        """``(shortcode, emoji)`` pairs for the ``:prefix`` being typed: shortcodes that start with
        it first (shortest first), then those that contain it.

        >>> data = EmojiData({"groups": ["g"], "emojis": [["😄", "smile", 0, ["smile"], []],
        ...                                                ["😺", "smiley cat", 0, ["smiley_cat"], []],
        ...                                                ["😼", "smirk cat", 0, ["cat_smirk"], []]]})
        >>> [code for code, _ in data.complete("smi")]
        ['smile', 'smiley_cat', 'cat_smirk']
        """
        prefix = prefix.lower()
        starts: list[tuple[int, int, str, Emoji]] = []
        contains: list[tuple[int, int, str, Emoji]] = []
        for code, emoji in self._shortcodes.items():
            if code.startswith(prefix):
                starts.append((len(code), emoji.order, code, emoji))
            elif prefix in code:
                contains.append((len(code), emoji.order, code, emoji))
        starts.sort(key=lambda item: item[:3])
        contains.sort(key=lambda item: item[:3])
        return [(code, emoji) for _, _, code, emoji in (starts + contains)[:limit]]


def _rank(emoji: Emoji, whole: str, words: list[str]) -> int | None:
    """0 best … 4, or None when some word of the query matches neither a shortcode nor the name."""
    name = emoji.name.lower()
    if whole in emoji.shortcodes:
        return 0
    if whole == name:
        return 1
    if any(code.startswith(whole) for code in emoji.shortcodes):
        return 2
    name_words = name.replace(":", " ").replace("-", " ").split()
    if all(any(w.startswith(word) for w in name_words) or any(word in code for code in emoji.shortcodes)
           for word in words):
        return 3 if any(w.startswith(words[0]) for w in name_words) else 4
    if whole in name or any(whole in code for code in emoji.shortcodes):
        return 4
    return None
