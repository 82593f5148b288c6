"""Build step: derive the emoji picker's data file from the npm package ``emojibase-data``.

    python tools/emoji_data.py     # writes static/emoji/emoji.json (tools/build.py runs it too)

Only what the picker needs is kept (``derive``): for each emoji of the nine picker groups (not
the skin-tone and hair "component" group, not lone regional indicators), in emojibase's order,
``[emoji, CLDR name, group, shortcodes, skin-tone variants]``. The shortcodes are the
``joypixels`` set, the names Converse.js uses (``:smile:``, ``:thumbsup:``, ``:flag_fr:``); the
five variants are the ones with a single skin tone (light … dark), in that order, or none. The
file is served with the other static files and fetched when the picker (or a ``:`` in the
composer) first needs it: it costs nothing at start-up.

>>> compact = [
...     {"group": 1, "hexcode": "1F44B", "label": "waving hand", "order": 2, "unicode": "👋",
...      "skins": [{"hexcode": f"1F44B-{tone}", "unicode": "👋" + chr(int(tone, 16))}
...                for tone in ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")]},
...     {"group": 0, "hexcode": "1F604", "label": "grinning face with smiling eyes", "order": 1, "unicode": "😄"},
...     {"group": 2, "hexcode": "1F3FB", "label": "light skin tone", "order": 3, "unicode": "🏻"},
...     {"hexcode": "1F1E6", "label": "regional indicator A", "unicode": "🇦"}]
>>> data = derive(compact, {"1F604": "smile", "1F44B": ["wave", "waving_hand"]}, {"0": "smileys-emotion",
...               "1": "people-body", "2": "component"}, "17.0.0")
>>> data["emojis"][0], data["emojis"][1][:4], len(data["emojis"][1][4])
(['😄', 'grinning face with smiling eyes', 0, ['smile'], []], ['👋', 'waving hand', 1, ['wave', 'waving_hand']], 5)
>>> data["groups"][:2], data["version"]
(['smileys-emotion', 'people-body'], '17.0.0')
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "emojibase-data"
OUTPUT = ROOT / "static" / "emoji" / "emoji.json"
SHORTCODE_SET = "joypixels"  # the names Converse.js uses
COMPONENT_GROUP = 2  # skin tones and hair styles: parts of other emoji, not picked on their own
TONES = ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")


def single_tone_variants(skins: Sequence[Mapping[str, Any]]) -> list[str]:
    """The five variants of one skin tone each (light … dark), or [] when they are not all there.

    >>> single_tone_variants([{"hexcode": "1F91D-1F3FB", "unicode": "a"},
    ...                       {"hexcode": "1FAF1-1F3FB-200D-1FAF2-1F3FC", "unicode": "mixed"}])
    []
    """
    by_tone: dict[str, str] = {}
    for skin in skins:
        tones = {part for part in str(skin.get("hexcode", "")).split("-") if part in TONES}
        if len(tones) == 1:
            by_tone.setdefault(tones.pop(), str(skin["unicode"]))
    return [by_tone[tone] for tone in TONES] if len(by_tone) == len(TONES) else []


def fully_qualified(text: str, emoji_by_default: bool) -> str:
    """``text`` as Unicode's fully-qualified form: emojibase adds U+FE0F to single characters that
    are emoji by default (👍 as ``1F44D FE0F``), which other clients neither send nor need.

    >>> fully_qualified("👍\ufe0f", True), fully_qualified("❤\ufe0f", False)
    ('👍', '❤️')
    """
    bare = text.replace("\ufe0f", "")
    return bare if emoji_by_default and len(bare) == 1 else text


def derive(compact: Sequence[Mapping[str, Any]], shortcodes: Mapping[str, Any], groups: Mapping[str, str],
           version: str, emoji_by_default: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The picker's data from emojibase's ``compact.json``, one shortcode set and ``meta/groups.json``'s
    ``groups`` (see the module's docstring for the layout); ``emoji_by_default`` are the hexcodes
    of emoji shown as emoji without a variation selector (``data.json``'s ``type`` 1)."""
    picked = sorted((e for e in compact if isinstance(e.get("group"), int) and e["group"] != COMPONENT_GROUP),
                    key=lambda e: e.get("order", 0))
    emojis = []
    for entry in picked:
        codes = shortcodes.get(entry["hexcode"], [])
        codes = [codes] if isinstance(codes, str) else list(codes)
        emojis.append([fully_qualified(entry["unicode"], entry["hexcode"] in emoji_by_default), entry["label"], entry["group"], codes,
                       single_tone_variants(entry.get("skins", ()))])
    names = [groups[key] for key in sorted(groups, key=int) if int(key) != COMPONENT_GROUP]
    # Group numbers index the group list as written, so drop the component group's number too.
    for row in emojis:
        row[2] = row[2] if row[2] < COMPONENT_GROUP else row[2] - 1
    return {"version": version, "shortcodes": SHORTCODE_SET, "groups": names, "emojis": emojis}


def emoji_presentation(package: Path = PACKAGE) -> frozenset[str]:
    """The hexcodes emojibase's ``data.json`` marks as emoji by default (``type`` 1)."""
    full = json.loads((package / "en" / "data.json").read_text("utf-8"))
    return frozenset(str(e["hexcode"]) for e in full if e.get("type") == 1)


def derive_file(package: Path = PACKAGE, output: Path = OUTPUT) -> str:
    """Write ``output`` from the installed ``emojibase-data`` unless it already holds the same
    bytes; the build's one-line summary."""
    compact = json.loads((package / "en" / "compact.json").read_text("utf-8"))
    shortcodes = json.loads((package / "en" / "shortcodes" / f"{SHORTCODE_SET}.json").read_text("utf-8"))
    groups = json.loads((package / "meta" / "groups.json").read_text("utf-8"))["groups"]
    version = json.loads((package / "package.json").read_text("utf-8"))["version"]
    data = json.dumps(derive(compact, shortcodes, groups, version, emoji_presentation(package)), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    if output.is_file() and output.read_bytes() == data:
        return f"emoji: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output} unchanged"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
    return f"emoji: {output.name} {len(data):,} bytes written"


if __name__ == "__main__":
    print(derive_file())
    sys.exit(0)
