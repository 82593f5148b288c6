"""XEP-0198 state kept in the tab's session storage, so the page after a reload resumes the stream.

With ``keepalive`` and ``enable_smacks`` on, the resumable part of ``StreamManagement`` (id,
bound JID, counters, unacked stanzas; never the password) is saved under the account's bare
JID as it changes; the next page takes it over once, at login.

>>> from converse_py.core.platform import NullPlatform
>>> from converse_py.xmpp.stanza import parse
>>> sm = StreamManagement()
>>> _ = sm.enable_request("alice@localhost/web")
>>> sm.on_enabled(parse("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>"))
>>> platform = NullPlatform()
>>> store = SmacksStore(sm, platform, {"keepalive": True, "enable_smacks": True}.get)
>>> store.changed(now=True); sorted(platform.storage)
['converse-py:smacks:alice@localhost']
>>> next_page = StreamManagement()
>>> SmacksStore(next_page, platform, {"keepalive": True, "enable_smacks": True}.get).load("alice@localhost")
True
>>> next_page.id, next_page.can_resume(), platform.storage
('sm-1', True, {})
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from ..xmpp.jid import JID
from .aio import loop
from .log import logger
from .platform import Platform
from .smacks import StreamManagement

KEY_PREFIX = "converse-py:smacks:"


def storage_key(jid: str | None) -> str | None:
    """Where the SM state of ``jid``'s account is kept (None without a JID).

    >>> storage_key("alice@localhost/web")
    'converse-py:smacks:alice@localhost'
    """
    return f"{KEY_PREFIX}{JID.parse(jid).bare}" if jid else None


class SmacksStore:
    """Saves and restores one session's ``StreamManagement`` state in tab storage."""

    def __init__(self, sm: StreamManagement, platform: Platform, setting: Callable[[str], Any]) -> None:
        self.sm = sm
        self.platform = platform
        self.setting = setting
        self._save_pending = False
        self._watching_page = False
        self._saved_key: str | None = None

    def changed(self, now: bool = False) -> None:
        """Save the resumable state for the page after a reload.

        ``now``: before the server can learn of the change (an ``<a/>`` answer, a stanza sent): a
        page unloaded before a deferred save would resume with an ``h`` lower than the one the
        server already has, and Prosody ends the session for that. Other changes (stanzas
        counted in) are saved once per loop turn, and at once when the page is hidden (it is
        hidden before it unloads)."""
        if not self.setting("keepalive"):
            return
        if not self._watching_page:
            self._watching_page = True
            self.platform.watch_visibility(self._on_page_visibility)
        if now:
            self._save()
        elif not self._save_pending:
            self._save_pending = True
            loop().call_soon(self._save_if_pending)  # once per loop turn: not a timer

    def _on_page_visibility(self, hidden: bool) -> None:
        if hidden:
            self._save_if_pending()

    def _save_if_pending(self) -> None:
        if self._save_pending:
            self._save()

    def _save(self) -> None:
        self._save_pending = False
        state = self.sm.to_json()
        key = storage_key(self.sm.bound_jid) if state is not None else None
        if self._saved_key and self._saved_key != key:
            self.platform.storage_remove(self._saved_key)  # that session is over
        self._saved_key = key
        if key is not None and state is not None:
            self.platform.storage_set(key, state)

    def load(self, jid: str) -> bool:
        """A page that just loaded takes over the XEP-0198 session the previous page left for
        ``jid``'s account (used once: it is saved again as the session goes on)."""
        key = storage_key(jid)
        if not key or self.sm.id or not self.setting("keepalive") or not self.setting("enable_smacks"):
            return False
        loaded = self.sm.load_json(self.platform.storage_get(key))
        if loaded:
            logger.info("stream management: resuming the session this tab had before the reload")
        self.platform.storage_remove(key)
        return loaded

    def drop(self, jid: str | None) -> None:
        """Forget what was saved for the account of the SM session (or of ``jid``)."""
        key = storage_key(self.sm.bound_jid or jid)
        if key:
            self.platform.storage_remove(key)


__all__ = ["KEY_PREFIX", "SmacksStore", "storage_key"]
