"""``api.notifications``: desktop notification permission and unread counts."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .plugin import NotificationsState


class NotificationsAPI(Grouping):
    """``_converse.api.notifications``."""

    def __init__(self, state: NotificationsState) -> None:
        self._state = state

    def permission(self) -> str:
        """The page's Notification permission: "granted", "denied", "default" (not asked yet) or
        "unsupported" (no Notification API).

        JS: ``_converse.api.notifications.permission()``
        Python: ``api.notifications.permission()``
        """
        return self._state.permission()

    def request_permission(self) -> asyncio.Future[str]:
        """Ask the user to allow desktop notifications; resolves to the permission. Browsers only
        ask from a user gesture: call it from a click handler (converse-py itself asks once, on the
        first click in its control box or chats, or the first message sent).

        JS: ``const permission = await _converse.api.notifications.requestPermission();``
        Python: ``permission = await api.notifications.request_permission()``
        """
        return self._state.request_permission()

    def unread(self) -> dict[str, int]:
        """Unread messages per open box (JID → count; boxes with none are left out).

        JS: ``const counts = _converse.api.notifications.unread();``
        Python: ``total = sum(api.notifications.unread().values())``
        """
        return self._state.unread()
