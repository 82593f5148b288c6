"""Which messages notify, and how unread counts read: pure functions (no page, no network).

A live message from someone else notifies when the user cannot see it (the page is hidden, or its
box is minimized or closed; ``show_desktop_notifications='all'`` notifies even then); a room message
only when ``notify_all_room_messages`` is on (True, or a list naming the room) or it mentions the
user's nick. The user's own messages, archive pages and old room history never notify.

>>> c = Candidate("groupchat", "hi alice", box_visible=True, page_hidden=True, room="r@muc.localhost",
...               own_nick="alice")
>>> notify_reason(c, show=True, all_rooms=False)
'mention'
>>> notify_reason(Candidate("chat", "hi", box_visible=True, page_hidden=False), show=True, all_rooms=False)
>>> title_text(3, "My page"), badge_label(120)
('(3) My page', '99+')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..mentions.references import mentions_user

#: A room message older than this (seconds) is history replayed on entering: it never notifies.
ROOM_HISTORY_AGE = 120
#: Characters of a message's text a notification shows (the rest is cut with "…").
BODY_LIMIT = 140
#: Counts above this show as "99+" on the favicon badge.
BADGE_MAX = 99


@dataclass(frozen=True)
class Candidate:
    """A message that was just added to a box, as the notification decision sees it."""

    type: str            # "chat" (one-to-one) or "groupchat"
    body: str
    box_visible: bool    # its box is open and not minimized
    page_hidden: bool    # the page is hidden (a background tab, a minimized window)
    outgoing: bool = False   # the user's own (sent here or by another of the user's clients)
    archived: bool = False   # from an archive page, not delivered now
    room: str = ""           # the room's JID (groupchat)
    own_nick: str = ""       # the user's nick in that room
    age: float = 0.0         # seconds since it was sent
    #: its XEP-0372 mentions (``message.extras["mentions"]``), None when not parsed
    mentions: Sequence[Mapping[str, Any]] | None = None


def room_wanted(all_rooms: bool | list[str], room: str) -> bool:
    """``notify_all_room_messages``: True for every room, or a list of room JIDs (any case).

    >>> room_wanted(["R@muc.localhost"], "r@muc.localhost"), room_wanted(False, "r@muc.localhost")
    (True, False)
    """
    if isinstance(all_rooms, list):
        return room.lower() in {str(r).lower() for r in all_rooms}
    return bool(all_rooms)


def notify_reason(c: Candidate, *, show: bool | str, all_rooms: bool | list[str]) -> str | None:
    """Why ``c`` should raise a desktop notification ("message", or "mention" for a room message
    naming the user's nick), or None. ``show`` is ``show_desktop_notifications`` (False, True, or
    "all": also when the box is in view) and ``all_rooms`` ``notify_all_room_messages``."""
    if not show or c.outgoing or c.archived or not c.body.strip():
        return None
    if show != "all" and c.box_visible and not c.page_hidden:
        return None
    if c.type == "groupchat":
        if c.age > ROOM_HISTORY_AGE:
            return None
        if mentions_user(c.body, c.own_nick, c.mentions):
            return "mention"
        return "message" if room_wanted(all_rooms, c.room) else None
    return "message"


def counts_as_unread(c: Candidate) -> bool:
    """Whether ``c`` adds to its box's unread count: someone else's live message the user cannot
    see now (page hidden, box minimized or closed); a room's old history replayed on entering
    does not."""
    if c.type == "groupchat" and c.age > ROOM_HISTORY_AGE:
        return False
    return not c.outgoing and not c.archived and (c.page_hidden or not c.box_visible)


def notification_body(text: str, limit: int = BODY_LIMIT) -> str:
    """The text a notification shows: whitespace runs made single spaces, cut at ``limit``.

    >>> notification_body("a  b\\n\\nc"), notification_body("x" * 10, 4)
    ('a b c', 'xxx…')
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def title_text(count: int, original: str) -> str:
    """The page title with ``count`` unread messages in front (the original when none)."""
    return f"({count}) {original}" if count > 0 else original


def badge_label(count: int) -> str:
    """What the favicon badge says ("" for none)."""
    if count <= 0:
        return ""
    return str(count) if count <= BADGE_MAX else f"{BADGE_MAX}+"
