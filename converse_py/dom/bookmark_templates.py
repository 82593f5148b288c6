"""Bookmark templates: the bookmark and minimize buttons of a room's header, and the control box's
list of open rooms with their unread and mention counts.

Pure Python (tested on CPython); room names are always text.

>>> html = bookmark_toggle("demo@conference.localhost", True)
>>> 'aria-pressed="true"' in html, html.endswith(">★</button>")
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..i18n import _, ngettext
from .html import Markup, join, tag
from .templates import unread_badge


def bookmark_toggle(jid: str, bookmarked: bool) -> Markup:
    """★ when the room is bookmarked (a click removes the bookmark), ☆ when not (a click adds it)."""
    label = _("Remove the bookmark") if bookmarked else _("Bookmark this room")
    return tag("button", {"type": "button", "class": "cpy-bookmark", "data-action": "toggle-bookmark", "data-jid": jid,
                          "aria-pressed": "true" if bookmarked else "false", "aria-label": label, "title": label},
               "★" if bookmarked else "☆")


def minimize_toggle(jid: str, minimized: bool) -> Markup:
    label = _("Maximize") if minimized else _("Minimize")
    return tag("button", {"type": "button", "class": "cpy-minimize", "data-action": "minimize-room", "data-jid": jid,
                          "aria-expanded": "false" if minimized else "true", "aria-label": label, "title": label},
               "+" if minimized else "−")


def mention_badge(count: int) -> Markup:
    return tag("span", {"class": "cpy-mentions", "data-role": "mentions", "hidden": not count,
                        "aria-label": ngettext("{count} mention", "{count} mentions", count)}, f"@{count}" if count else "")


def open_room_row(room: Any, bookmarked: bool) -> Markup:
    jid = room.get("jid")
    return tag("li", {"class": "cpy-open-room", "data-jid": jid},
               tag("button", {"type": "button", "data-action": "show-room", "data-jid": jid, "title": jid},
                   tag("span", {"class": "cpy-bookmarked", "aria-label": _("Bookmarked")}, "★") if bookmarked else None,
                   tag("span", {"class": "cpy-name"}, room.get("name") or jid)),
               unread_badge(room.get("num_unread") or 0),
               mention_badge(room.get("num_mentions") or 0))


def open_rooms(rooms: Sequence[Any], bookmarked: set[str]) -> Markup:
    """The open rooms, by name; empty when there is none."""
    if not rooms:
        return Markup("")
    ranked = sorted(rooms, key=lambda r: str(r.get("name") or r.get("jid")).casefold())
    return tag("section", {"class": "cpy-open-rooms", "aria-label": _("Open rooms")},
               tag("h3", {}, _("Open rooms")),
               tag("ul", {"role": "list", "data-role": "open-room-list"},
                   join(open_room_row(r, r.get("jid") in bookmarked) for r in ranked)))
