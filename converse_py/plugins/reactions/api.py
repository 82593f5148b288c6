"""``api.reactions``: XEP-0444 reactions of the messages of a chat or room."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .plugin import ReactionsState


class ReactionsAPI(Grouping):
    """``_converse.api.reactions``."""

    def __init__(self, state: ReactionsState) -> None:
        self._state = state

    def get(self, jid: str, msg_id: str) -> list[dict[str, Any]]:
        """The reactions to message ``msg_id`` (its id, origin-id or stanza-id) of the chat or
        room ``jid``: one entry per emoji, ``{emoji, count, reactors (names), mine}``.

        JS: ``_converse.api.reactions.get('bob@localhost', 'm1')  // [{emoji: '👍', count: 1, reactors: ['you'], mine: true}]``
        Python: ``api.reactions.get("bob@localhost", "m1")``
        """
        state = self._state
        box = state.box(jid)
        return state.summary_of(state.message(box, msg_id))

    def toggle(self, jid: str, msg_id: str, emoji: str) -> list[str]:
        """React to message ``msg_id`` of the chat or room ``jid`` with ``emoji`` (one emoji), or
        take that reaction back if the user gave it; sends the user's new set (XEP-0444) and
        returns it. The restrictions a room or contact advertises (allowlist, max per user) apply.

        JS: ``_converse.api.reactions.toggle('bob@localhost', 'm1', '👍')  // ['👍'] (again: [])``
        Python: ``api.reactions.toggle("bob@localhost", "m1", "🎉")``
        """
        state = self._state
        box = state.box(jid)
        return list(state.toggle(box, state.message(box, msg_id), emoji))

    def set(self, jid: str, msg_id: str, emojis: Sequence[str]) -> list[str]:
        """Replace the user's reactions to message ``msg_id`` by ``emojis`` (a list of single
        emoji; an empty list removes them all) and send them; returns the set sent.

        JS: ``_converse.api.reactions.set('bob@localhost', 'm1', [])  // removes mine``
        Python: ``api.reactions.set("bob@localhost", "m1", ["👍", "🐢"])``
        """
        if isinstance(emojis, str) or not isinstance(emojis, Sequence):
            raise ConverseError("reactions.set: expected a list of emoji")
        state = self._state
        box = state.box(jid)
        return list(state.send(box, state.message(box, msg_id), list(emojis)))
