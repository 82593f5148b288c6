"""``api.blocklist``: XEP-0191 blocking."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ...xmpp.jid import JID

if TYPE_CHECKING:
    from .plugin import BlocklistState


class BlocklistAPI(Grouping):
    """``_converse.api.blocklist``."""

    def __init__(self, state: BlocklistState) -> None:
        self._state = state

    def get(self) -> asyncio.Future[list[str]]:
        """The blocked JIDs, once the blocklist has been fetched after log-in.

        JS: ``const blocked = await _converse.api.blocklist.get();``
        Python: ``blocked = await api.blocklist.get()``
        """
        return asyncio.ensure_future(self._get())

    async def _get(self) -> list[str]:
        await self._state.converse.api.wait_until("blocklistInitialized")
        return list(self._state.jids)

    def add(self, jids: str | list[str]) -> asyncio.Future[list[str]]:
        """Block a JID (or several): the server drops what they send and hides the user's presence
        from them. Resolves to the new blocklist.

        JS: ``await _converse.api.blocklist.add('spammer@example.org');``
        Python: ``await api.blocklist.add(["spammer@example.org", "troll@example.org"])``
        """
        return asyncio.ensure_future(self._change(_jids(jids, "add"), block=True))

    def remove(self, jids: str | list[str]) -> asyncio.Future[list[str]]:
        """Unblock a JID (or several); resolves to the new blocklist.

        JS: ``await _converse.api.blocklist.remove('spammer@example.org');``
        Python: ``await api.blocklist.remove("spammer@example.org")``
        """
        return asyncio.ensure_future(self._change(_jids(jids, "remove"), block=False))

    async def _change(self, jids: list[str], *, block: bool) -> list[str]:
        await self._state.converse.api.wait_until("blocklistInitialized")
        return await self._state.change(jids, block=block)

    def is_blocked(self, jid: str) -> bool:
        """Whether messages from ``jid`` are blocked (its full JID, bare JID or domain is listed).

        JS: ``_converse.api.blocklist.isBlocked('spammer@example.org/phone')  // true``
        Python: ``api.blocklist.is_blocked("spammer@example.org/phone")``
        """
        if not isinstance(jid, str):
            raise ConverseError(f"blocklist.isBlocked: expected a JID, got {type(jid).__name__}")
        return self._state.is_blocked(jid)


def _jids(value: Any, method: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(j, str) for j in items):
        raise ConverseError(f"blocklist.{method}: expected a JID or a non-empty list of JIDs")
    out = []
    for jid in items:
        try:
            out.append(JID.parse(jid).full)
        except ValueError as exc:
            raise ConverseError(f"blocklist.{method}: {exc}") from None
    return out
