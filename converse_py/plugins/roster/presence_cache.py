"""The contacts' presences kept in tab storage, for the page after a reload.

A session resumed after a reload (``keepalive`` BOSH restore, or a XEP-0198 resume) does not get
the contacts' presences again: the server sent them once, after the initial presence of the page
before. The roster plugin saves every contact's online resources (show, status, priority: nothing
else) under the account's bare JID, and restores them only when the session was resumed; the
server's later presences then update them as usual. A fresh login does not restore anything (the
server sends every presence anew) and drops what was saved.

>>> from converse_py.core.platform import NullPlatform
>>> from converse_py.xmpp.jid import JID
>>> from .stanzas import Presence
>>> cache = PresenceCache(NullPlatform())
>>> cache.save("alice@localhost", {"bob@localhost": [
...     Presence(JID.parse("bob@localhost/phone"), "available", "away", "lunch", 5)]})
>>> [(p.sender.full, p.show, p.status, p.priority) for p in cache.load("alice@localhost")["bob@localhost"]]
[('bob@localhost/phone', 'away', 'lunch', 5)]
>>> cache.load("carol@localhost")
{}
"""

from __future__ import annotations

import json
from typing import Any

from ...core.log import logger
from ...xmpp.jid import JID
from .stanzas import SHOW_VALUES, Presence

#: A status message longer than this is cut in the saved copy (presences are small; storage is not).
MAX_STATUS = 1000
_SHOWS = (*SHOW_VALUES, "online")


class PresenceCache:
    """Saves and loads the contacts' online resources of one account in tab storage."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform

    @staticmethod
    def key(account: str) -> str:
        """The storage key of ``account``'s (a bare JID) saved presences."""
        return f"converse-py:presences:{account}"

    def save(self, account: str, presences: dict[str, list[Presence]]) -> None:
        """Replace what is saved for ``account`` with ``presences`` (contact bare JID → its
        available resources)."""
        data = {jid: [[p.sender.resource, p.show, p.status[:MAX_STATUS], p.priority] for p in resources]
                for jid, resources in presences.items() if resources}
        self.platform.storage_set(self.key(account), json.dumps(data, separators=(",", ":")))

    def load(self, account: str) -> dict[str, list[Presence]]:
        """What ``save`` kept for ``account``; {} when nothing (or something unreadable) is there."""
        raw = self.platform.storage_get(self.key(account))
        if not raw:
            return {}
        try:
            data = json.loads(raw)
            return {jid: [_presence(jid, entry) for entry in entries] for jid, entries in data.items()}
        except (ValueError, TypeError, AttributeError) as exc:
            logger.info("saved presences of %s not usable: %s", account, exc)
            return {}

    def drop(self, account: str) -> None:
        """Forget ``account``'s saved presences (a fresh session, or a logout)."""
        self.platform.storage_remove(self.key(account))


def _presence(jid: str, entry: Any) -> Presence:
    resource, show, status, priority = entry
    if show not in _SHOWS or not isinstance(status, str) or not isinstance(priority, int):
        raise ValueError(f"bad saved presence for {jid}: {entry!r}")
    sender = JID.parse(f"{jid}/{resource}" if resource else jid)
    return Presence(sender, "available", show, status, priority)
