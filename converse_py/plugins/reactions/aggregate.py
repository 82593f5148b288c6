"""The reactions of one message, pure: who reacted with what, kept in the message's ``extras``
under ``"reactions"`` as ``{reactor key: Reactor}`` (a chat's reactor key is the bare JID, a
room's the occupant-id the room vouches for (XEP-0421) or else the nick; the user's own is
``OWN``). A sender's new set replaces their old one, unless it is older than the one kept (an
archive page further back); an empty set removes their reactions (and is kept, so that an older
set does not come back).

>>> from datetime import datetime, timezone
>>> t1, t2 = datetime(2026, 1, 1, 10, tzinfo=timezone.utc), datetime(2026, 1, 1, 11, tzinfo=timezone.utc)
>>> r = with_reactor({}, "bob@localhost", "Bob", ("👍", "🐢"), t1)
>>> r = with_reactor(r, OWN, "me", ("👍",), t1)
>>> [(s.emoji, s.count, s.names, s.mine) for s in summary(r)]
[('👍', 2, ('Bob', 'me'), True), ('🐢', 1, ('Bob',), False)]
>>> r = with_reactor(r, "bob@localhost", "Bob", (), t2)
>>> [(s.emoji, s.count) for s in summary(r)]
[('👍', 1)]
>>> with_reactor(r, "bob@localhost", "Bob", ("🐢",), t1) is None   # older than his removal
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

#: The reactor key of the user's own reactions (from this page, their other clients, the archive).
OWN = "\x00own"
#: The extras key of a message's reactions.
EXTRAS_KEY = "reactions"
#: At most this many people's reactions are kept per message (later ones are ignored).
MAX_REACTORS = 1000

Reactors = Mapping[str, "Reactor"]


class Reactor(NamedTuple):
    """One person's reactions to a message: the name shown, their emoji, whether it is the user."""

    name: str
    emojis: tuple[str, ...]
    own: bool
    time: float  # when they sent this set (POSIX seconds)

    def js_facade(self, bridge: Any) -> Any:
        """For JS (a message's ``extras.reactions``): ``{name, emojis, own, time}``."""
        return bridge.to_js({"name": self.name, "emojis": list(self.emojis), "own": self.own, "time": self.time})


@dataclass(frozen=True)
class Summary:
    """One emoji's chip: how many reacted with it, who (names), whether the user did."""

    emoji: str
    count: int
    names: tuple[str, ...]
    mine: bool

    def as_dict(self) -> dict[str, Any]:
        return {"emoji": self.emoji, "count": self.count, "reactors": list(self.names), "mine": self.mine}


def reactors_of(extras: Mapping[str, Any]) -> Reactors:
    """The reactions kept in a message's extras (none: empty)."""
    value = extras.get(EXTRAS_KEY)
    return value if isinstance(value, Mapping) else {}


def with_reactor(reactors: Reactors, key: str, name: str, emojis: tuple[str, ...],
                 at: datetime) -> dict[str, Reactor] | None:
    """``reactors`` with ``key``'s set replaced by ``emojis`` sent at ``at``; None when that
    changes nothing (the same set, an older one than kept, or a new reactor beyond
    ``MAX_REACTORS``)."""
    old = reactors.get(key)
    when = at.timestamp()
    if old is not None and (old.emojis == emojis or old.time > when):
        return None
    if old is None and (not emojis or len(reactors) >= MAX_REACTORS):
        return None
    new = dict(reactors)
    new[key] = Reactor(name, tuple(emojis), key == OWN, when)
    return new


def extras_with(extras: Mapping[str, Any], reactors: Reactors) -> dict[str, Any]:
    """A message's extras with ``reactors`` (the key left out when nobody reacts)."""
    new = {k: v for k, v in extras.items() if k != EXTRAS_KEY}
    if reactors:
        new[EXTRAS_KEY] = dict(reactors)
    return new


def own_emojis(reactors: Reactors) -> tuple[str, ...]:
    own = reactors.get(OWN)
    return own.emojis if own is not None else ()


def summary(reactors: Reactors) -> list[Summary]:
    """One entry per emoji, in the order they were first given (the reactors by when they sent
    their set: the same order whether a set came live or from the archive)."""
    names: dict[str, list[str]] = {}
    mine: set[str] = set()
    for reactor in sorted(reactors.values(), key=lambda r: r.time):
        for emoji in reactor.emojis:
            names.setdefault(emoji, []).append(reactor.name)
            if reactor.own:
                mine.add(emoji)
    return [Summary(emoji, len(who), tuple(who), emoji in mine) for emoji, who in names.items()]


__all__ = ["EXTRAS_KEY", "MAX_REACTORS", "OWN", "Reactor", "Reactors", "Summary", "extras_with", "own_emojis",
           "reactors_of", "summary", "with_reactor"]
