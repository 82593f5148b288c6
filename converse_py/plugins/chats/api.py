"""``api.chats``: one-to-one chat boxes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ...xmpp.jid import JID

if TYPE_CHECKING:
    from .plugin import ChatsState


class ChatsAPI(Grouping):
    """``_converse.api.chats`` (rooms have their own grouping)."""

    def __init__(self, state: ChatsState) -> None:
        self._state = state

    def get(self, jids: str | list[str] | None = None) -> Any:
        """The open chat box for a JID (null/None if none), a list for a list of JIDs, or all open boxes.

        JS: ``_converse.api.chats.get('bob@localhost')``
        Python: ``api.chats.get()``
        """
        if jids is None:
            return [box for box in self._state.boxes.values() if not box.get("closed")]
        if isinstance(jids, str):
            box = self._state.boxes.get(_bare(jids, "get"))
            return box if box is not None and not box.get("closed") else None
        if isinstance(jids, (list, tuple)):
            return [self.get(j) for j in jids]
        raise ConverseError(f"chats.get: expected a JID, a list of JIDs or nothing, got {type(jids).__name__}")

    def open(self, jids: str | list[str]) -> Any:
        """Open (or show) chat boxes and return them: one for a JID, a list for a list.

        A chat box has ``close()``, ``focus()`` (the composer), ``show()``, and ``model`` with
        ``get(attr)``/``set(attr, value)`` (``height`` in pixels, ``url`` of the heading, ``jid``,
        ``fullname``, ``minimized``, ``num_unread``, ``closed``, ``chat_state`` — the contact's
        XEP-0085 state), ``minimize()``, ``maximize()``, ``sendMessage(text)`` (Python
        ``send_message``; null when a ``beforeMessageSend`` listener or a chat command handled the
        text), ``correctMessage(text)`` (Python ``correct_message``: XEP-0308 correction of the
        user's last message there) and ``addInfo(text)`` (Python ``add_info``: a local info line,
        never sent, shown as text); ``reply(id, text)`` / ``replyTo(id)`` (XEP-0461, Python ``reply``
        / ``reply_to``), ``retract(id)`` (XEP-0424: one of the user's messages) and
        ``sendSpoiler(text, hint)`` (XEP-0382, Python ``send_spoiler``) — see docs/features.md.
        Open boxes come back after a page reload (wait for ``chatBoxesFetched``); opening one shows
        the latest page of the archive, and scrolling up loads older pages.

        JS: ``_converse.api.chats.open('bob@localhost')``
        Python: ``box = api.chats.open("bob@localhost")``
        """
        if isinstance(jids, str):
            return self._state.open(_bare(jids, "open"))
        if isinstance(jids, (list, tuple)):
            return [self._state.open(_bare(j, "open")) for j in jids]
        raise ConverseError(f"chats.open: expected a JID or a list of JIDs, got {type(jids).__name__}")


def _bare(jid: Any, method: str) -> str:
    if not isinstance(jid, str):
        raise ConverseError(f"chats.{method}: a JID must be a string, got {type(jid).__name__}")
    try:
        return JID.parse(jid).bare
    except ValueError as exc:
        raise ConverseError(f"chats.{method}: {exc}") from None
