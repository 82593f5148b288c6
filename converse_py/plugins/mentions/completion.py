"""What the ``@nick`` autocomplete of a room's composer offers: pure functions (no page)."""

from __future__ import annotations

import re

#: ``@`` at the start or after a space, then what is typed up to the caret.
TYPING = re.compile(r"(?:^|(?<=\s))@([^\s@]*)$")
#: At most this many nicks are offered.
MAX_SUGGESTIONS = 10


def mention_being_typed(before_caret: str) -> tuple[int, str] | None:
    """Where the ``@query`` ending at the caret starts, and the query; None when not typing one.

    >>> mention_being_typed("hi @al"), mention_being_typed("@"), mention_being_typed("a@b"), mention_being_typed("@al x")
    ((3, 'al'), (0, ''), None, None)
    """
    match = TYPING.search(before_caret)
    return (match.start(), match.group(1)) if match else None


def matching_nicks(nicks: list[str], query: str, how: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The ``nicks`` (kept in their order) that ``query`` matches, ignoring case: anywhere in the
    nick (``contains``) or at its start (``starts_with``).

    >>> matching_nicks(["Carol", "alice", "Al"], "ro", "contains"), matching_nicks(["Carol", "alice"], "al", "starts_with")
    (['Carol'], ['alice'])
    """
    q = query.casefold()
    if how == "starts_with":
        return [n for n in nicks if n.casefold().startswith(q)][:limit]
    return [n for n in nicks if q in n.casefold()][:limit]
