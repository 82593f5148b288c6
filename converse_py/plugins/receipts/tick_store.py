"""Delivery and read ticks of the user's messages, kept in tab storage for the page after a reload.

A receipt (XEP-0184) or a displayed marker (XEP-0333) arrives once, while the page is open; the
messages the page after a reload shows come from the archive (XEP-0313), where the ticks cannot
always be relied on: Prosody's mod_mam keeps receipts and markers (and the plugins read them from
archive pages: ``archivedMessage``), but ejabberd's policy differs by version and configuration
(a marker sent without a ``<store/>`` hint may be dropped), and a marker for a message may be on a
page not loaded yet. So the receipts and markers plugins also remember, per account and per chat,
the ids of the user's messages that got the tick (the newest ``MAX_PER_BOX`` of each, in at most
``MAX_BOXES`` chats: ids only, never a body) and apply them to archived messages as they are shown.

>>> from converse_py.core.platform import NullPlatform
>>> platform = NullPlatform()
>>> TickStore(platform, "delivered").add("alice@localhost", "bob@localhost", ["m1", "m2"])
>>> store = TickStore(platform, "delivered")  # the page after a reload
>>> store.has("alice@localhost", "bob@localhost", "m2"), store.has("carol@localhost", "bob@localhost", "m2")
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ...core.log import logger

#: ids remembered per chat (the oldest are forgotten first) ...
MAX_PER_BOX = 200
#: ... and chats remembered per account (the least recently ticked are forgotten first).
MAX_BOXES = 50


class TickStore:
    """The ids of one kind of tick ("delivered" or "displayed"), per account and chat."""

    def __init__(self, platform: Any, kind: str) -> None:
        self.platform = platform
        self.kind = kind
        self._account: str | None = None
        self._boxes: dict[str, list[str]] = {}  # chat JID → ids, oldest first; chats least recent first

    def key(self, account: str) -> str:
        """The storage key of ``account``'s (a bare JID) ticks of this kind."""
        return f"converse-py:ticks:{self.kind}:{account}"

    def _load(self, account: str) -> dict[str, list[str]]:
        if account == self._account:
            return self._boxes
        self._account, self._boxes = account, {}
        raw = self.platform.storage_get(self.key(account))
        if raw:
            try:
                data = json.loads(raw)
                self._boxes = {str(jid): [str(i) for i in ids] for jid, ids in data.items()}
            except (ValueError, TypeError, AttributeError) as exc:
                logger.info("saved %s ticks of %s not usable: %s", self.kind, account, exc)
        return self._boxes

    def add(self, account: str, box: str, ids: Iterable[str]) -> None:
        """Remember that the user's messages ``ids`` in the chat with ``box`` got this tick."""
        boxes = self._load(account)
        known = boxes.pop(box, [])  # re-inserted last: the most recently ticked chat
        new = [i for i in ids if i and i not in known]
        if not new and known:
            boxes[box] = known
            return
        boxes[box] = (known + new)[-MAX_PER_BOX:]
        while len(boxes) > MAX_BOXES:
            del boxes[next(iter(boxes))]
        self.platform.storage_set(self.key(account), json.dumps(boxes, separators=(",", ":")))

    def has(self, account: str, box: str, msg_id: str) -> bool:
        """Whether the user's message ``msg_id`` in the chat with ``box`` got this tick."""
        return bool(msg_id) and msg_id in self._load(account).get(box, ())

    def drop(self, account: str) -> None:
        """Forget ``account``'s ticks of this kind (the user logged out)."""
        self.platform.storage_remove(self.key(account))
        if account == self._account:
            self._boxes = {}
