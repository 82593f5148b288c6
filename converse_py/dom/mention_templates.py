"""The HTML of mentions: a row's body with its mentions marked, and the ``@`` autocomplete's list
of occupants. Network text (bodies, nicks) is always text.

>>> str(marked_body("hi @bob and <b>", [{"begin": 4, "end": 7, "me": True}], str))
'hi @<span class="cpy-mention cpy-mention-me">bob</span> and <b>'
>>> str(marked_body("x <i>", [{"begin": 2, "end": 5, "me": False}], str))
'x <span class="cpy-mention">&lt;i&gt;</span>'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..i18n import _
from .html import Markup, tag
from .templates import nick_color


def marked_body(body: str, mentions: Sequence[Mapping[str, Any]], render: Callable[[str], str]) -> Markup:
    """``body`` with each mention's span (code points, end exclusive) in a ``cpy-mention`` span
    (``cpy-mention-me`` for the user's); the rest through ``render`` (styling, links). Spans that
    do not fit (out of range, overlapping) are left unmarked."""
    out: list[str] = []
    at = 0
    for mention in sorted(mentions, key=lambda m: int(m.get("begin") or 0)):
        begin, end = int(mention.get("begin") or 0), int(mention.get("end") or 0)
        if not at <= begin < end <= len(body):
            continue
        out.append(render(body[at:begin]) if begin > at else "")
        out.append(tag("span", {"class": "cpy-mention cpy-mention-me" if mention.get("me") else "cpy-mention"},
                       body[begin:end]))
        at = end
    out.append(render(body[at:]) if at < len(body) else "")
    return Markup("".join(out))


def nick_options(list_id: str, nicks: Sequence[str], selected: int, avatar_for: Callable[[str], Any] | None) -> Markup:
    """The ``@`` suggestions under a room's composer: one option per nick (its avatar or coloured
    initial when ``avatar_for`` is given), one selected.

    >>> html = str(nick_options("m1", ["bob", "<al>"], 1, None))
    >>> 'id="m1-1" role="option" aria-selected="true"' in html, '&lt;al&gt;' in html, 'role="listbox"' in html
    (True, True, True)
    """
    return tag("ul", {"class": "cpy-emoji-complete cpy-mention-complete", "id": list_id, "role": "listbox",
                      "data-role": "mention-complete", "aria-label": _("Occupants to mention")},
               [tag("li", {"id": f"{list_id}-{i}", "role": "option", "aria-selected": "true" if i == selected else "false",
                           "data-action": "mention-complete-pick", "data-index": str(i)},
                    avatar_for(nick) if avatar_for is not None else "",
                    tag("bdi", {"class": "cpy-nick", "style": f"color: {nick_color(nick)}"}, nick))
                for i, nick in enumerate(nicks)])
