"""Templates of the emoji picker and the ``:shortcode`` autocomplete (dom/views/emoji.py). Pure
Python; emoji are shown as text in the system's emoji font (no images).

>>> html = str(picker([("recent", "Recently used", "🕘")], "recent", 2, grid([("👍", "thumbs up")], "Recently used")))
>>> 'role="dialog"' in html, 'data-emoji="👍"' in html, 'aria-checked="true" data-tone="2"' in html
(True, True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import _
from .html import Markup, tag

#: Buttons per row of the grid (the arrow keys move by one row with Up and Down).
COLUMNS = 8
#: The skin-tone swatches: the default yellow hand, then light … dark.
TONE_SWATCHES = ("✋", "✋🏻", "✋🏼", "✋🏽", "✋🏾", "✋🏿")
#: The tab icon of each emojibase group, and of the recently used list.
GROUP_ICONS = {"recent": "🕘", "smileys-emotion": "😀", "people-body": "👋", "animals-nature": "🐻",
               "food-drink": "🍔", "travel-places": "🚗", "activities": "⚽", "objects": "💡",
               "symbols": "🔣", "flags": "🏁"}


def group_label(name: str) -> str:
    """The spoken name of a picker tab (an emojibase group name, or ``recent``).

    >>> group_label("food-drink"), group_label("something-new")
    ('Food & drink', 'something-new')
    """
    labels = {"recent": _("Recently used"), "smileys-emotion": _("Smileys & emotion"),
              "people-body": _("People & body"), "animals-nature": _("Animals & nature"),
              "food-drink": _("Food & drink"), "travel-places": _("Travel & places"),
              "activities": _("Activities"), "objects": _("Objects"), "symbols": _("Symbols"),
              "flags": _("Flags")}
    return labels.get(name, name)


def tone_label(tone: int) -> str:
    return [_("No skin tone"), _("Light skin tone"), _("Medium-light skin tone"), _("Medium skin tone"),
            _("Medium-dark skin tone"), _("Dark skin tone")][tone]


def grid(emojis: Sequence[tuple[str, str]], label: str, empty: str = "") -> Markup:
    """The buttons of ``(emoji, name)`` pairs (the first one in the tab order, the arrow keys move
    between them), or ``empty`` said when there are none.

    >>> str(grid([], "Search results", "No emoji found"))
    '<div class="cpy-emoji-grid" data-role="emoji-grid" role="group" aria-label="Search results"><p class="cpy-emoji-empty">No emoji found</p></div>'
    """
    buttons = [tag("button", {"type": "button", "class": "cpy-emoji", "data-action": "emoji-pick", "data-emoji": text,
                              "title": name, "aria-label": name, "tabindex": "0" if i == 0 else "-1"}, text)
               for i, (text, name) in enumerate(emojis)]
    return tag("div", {"class": "cpy-emoji-grid", "data-role": "emoji-grid", "role": "group", "aria-label": label},
               buttons or tag("p", {"class": "cpy-emoji-empty"}, empty))


def picker(groups: Sequence[tuple[str, str, str]], active: str, tone: int, content: Markup) -> Markup:
    """The picker: a search field, the skin tones, a tab per group (``(key, label, icon)``,
    ``active`` selected) and ``content`` (a ``grid``, or a loading line)."""
    tones = [tag("button", {"type": "button", "class": "cpy-emoji-tone", "role": "radio",
                            "aria-checked": "true" if i == tone else "false", "data-tone": str(i),
                            "data-action": "emoji-tone", "title": tone_label(i), "aria-label": tone_label(i)}, swatch)
             for i, swatch in enumerate(TONE_SWATCHES)]
    tabs = [tag("button", {"type": "button", "class": "cpy-emoji-tab", "role": "tab",
                           "aria-selected": "true" if key == active else "false", "data-group": key,
                           "data-action": "emoji-group", "title": label, "aria-label": label}, icon)
            for key, label, icon in groups]
    return tag("div", {"class": "cpy-emoji-picker", "data-role": "emoji-picker", "role": "dialog",
                       "aria-label": _("Emoji")},
               tag("input", {"type": "search", "class": "cpy-emoji-search", "data-action": "emoji-search",
                             "aria-label": _("Search emoji"), "placeholder": _("Search emoji"), "autocomplete": "off"}),
               tag("div", {"class": "cpy-emoji-tones", "role": "radiogroup", "aria-label": _("Skin tone")}, tones),
               tag("div", {"class": "cpy-emoji-tabs", "role": "tablist", "aria-label": _("Categories")}, tabs),
               content)


def loading() -> Markup:
    return tag("p", {"class": "cpy-emoji-empty", "role": "status", "data-role": "emoji-grid"}, _("Loading emoji…"))


def completions(list_id: str, items: Sequence[tuple[str, str]], selected: int) -> Markup:
    """The ``:shortcode`` suggestions under the composer: ``(emoji, shortcode)`` options, one
    selected (Up/Down move it, Enter or Tab insert it, Escape closes the list).

    >>> html = str(completions("c1", [("😄", "smile"), ("😺", "smiley_cat")], 1))
    >>> 'id="c1-1" role="option" aria-selected="true"' in html, ':smiley_cat:' in html
    (True, True)
    """
    return tag("ul", {"class": "cpy-emoji-complete", "id": list_id, "role": "listbox", "data-role": "emoji-complete",
                      "aria-label": _("Emoji suggestions")},
               [tag("li", {"id": f"{list_id}-{i}", "role": "option", "aria-selected": "true" if i == selected else "false",
                           "data-action": "emoji-complete-pick", "data-emoji": text, "data-index": str(i)},
                    tag("span", {"class": "cpy-emoji-char"}, text), " ", f":{code}:")
                for i, (text, code) in enumerate(items)])


__all__ = ["COLUMNS", "completions", "grid", "group_label", "loading", "picker", "tone_label"]
