"""The reactions under a message: one chip per emoji, ``emoji count``, its title naming who
reacted (all text, never HTML); the user's own are pressed (``aria-pressed``) and a click toggles
them (``data-action="reaction-toggle"``, handled by dom/views/reactions.py).

>>> from .aggregate import Summary
>>> print(reaction_chips([Summary("👍", 2, ("bob", "<b>eve</b>"), True)]))  # doctest: +NORMALIZE_WHITESPACE
<span class="cpy-reactions" role="group" aria-label="Reactions"><button type="button" class="cpy-reaction \
cpy-reaction-mine" data-action="reaction-toggle" data-emoji="👍" aria-pressed="true" \
title="bob, &lt;b&gt;eve&lt;/b&gt;">👍 2</button></span>
>>> reaction_chips([])
''
"""

from __future__ import annotations

from collections.abc import Sequence

from ...dom.html import tag
from ...i18n import _, ngettext
from .aggregate import Summary

#: Names listed in a chip's title at most (then "and N more").
MAX_NAMES = 20


def names_title(names: Sequence[str]) -> str:
    """Who reacted, as a line of text.

    >>> names_title(["a"] * 22)
    'a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a and 2 more'
    """
    shown = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        return ngettext("{names} and {count} more", "{names} and {count} more", len(names) - MAX_NAMES, names=shown)
    return shown


def reaction_chips(entries: Sequence[Summary]) -> str:
    """The chips of a message's reactions ('' when there are none)."""
    if not entries:
        return ""
    return str(tag("span", {"class": "cpy-reactions", "role": "group", "aria-label": _("Reactions")},
                   [tag("button", {"type": "button",
                                   "class": "cpy-reaction cpy-reaction-mine" if e.mine else "cpy-reaction",
                                   "data-action": "reaction-toggle", "data-emoji": e.emoji,
                                   "aria-pressed": "true" if e.mine else "false",
                                   "title": names_title(e.names)},
                        f"{e.emoji} {e.count}") for e in entries]))


#: The picker's choices (a room's allowlist replaces them).
COMMON = ("👍", "❤️", "😂", "😮", "😢", "🙏", "🎉")


def reaction_picker(choices: Sequence[str], mine: Sequence[str] = (), *, free: bool = True) -> str:
    """The small reaction picker of a message: one button per emoji (the user's own pressed)
    and, with ``free``, a field for any one emoji.

    >>> html = reaction_picker(["👍", "🎉"], ["🎉"])
    >>> html.count('data-action="reaction-pick"'), 'aria-pressed="true" title="🎉"' in html, 'name="emoji"' in html
    (2, True, True)
    """
    buttons = [tag("button", {"type": "button", "class": "cpy-reaction-choice", "data-action": "reaction-pick",
                              "data-emoji": emoji, "aria-pressed": "true" if emoji in mine else "false",
                              "title": emoji}, emoji) for emoji in choices]
    form = tag("form", {"class": "cpy-reaction-free", "data-action": "reaction-free"},
               tag("input", {"name": "emoji", "maxlength": "16", "autocomplete": "off", "placeholder": "🙂",
                             "aria-label": _("Any emoji")}),
               tag("button", {"type": "submit"}, _("React"))) if free else ""
    return str(tag("div", {"class": "cpy-reaction-picker", "role": "dialog", "aria-label": _("Pick a reaction")},
                   buttons, form, tag("span", {"class": "cpy-reaction-error", "role": "alert"})))
