"""Desktop notifications and unread counts.

Every box (chat or room) is watched as it opens. A live message from someone else that the user
cannot see (the page is hidden, or the box is minimized or closed) counts as unread in the box's
``num_unread``; the count is cleared when the user sees the box's newest messages (the view reports
it, or the page is shown again with the box open), and the box is then asked to show a "new
messages" divider above the first of them (box attribute ``unread_divider``: that message's row
key). Whether a message raises a desktop notification is ``decide.notify_reason``; the page (the UI
plugin) shows it through a ``Notifier`` it registers, and with it the page title, the favicon
badge and the App Badging API count. Without a page (CPython) nothing is shown and
``desktopNotification`` does not fire.

Declares ``show_desktop_notifications``, ``notify_all_room_messages``, ``notification_icon``,
``notification_delay``, ``show_tab_notifications`` and the events ``desktopNotification`` and
``unreadCountChanged`` in ``NotificationsPlugin``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, UTC
from typing import Any, Protocol

from ...core.converse import Converse
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...i18n import _
from ..chats.models import PREPEND, ChatBox, ShownMessage
from .api import NotificationsAPI
from .decide import Candidate, counts_as_unread, notification_body, notify_reason


class Notifier(Protocol):
    """What the page does for notifications (dom/views/notifications.py implements it)."""

    def permission(self) -> str:
        """The Notification permission: "granted", "denied", "default" or "unsupported"."""

    def request_permission(self) -> asyncio.Future[str]:
        """Ask the user (once; only from a user gesture); resolves to the permission."""

    def show(self, note: dict[str, Any], on_click: Any) -> bool:
        """Show ``note`` ({title, body, jid, tag, icon}); ``on_click()`` when the user clicks it.
        False when the page may not (no permission)."""

    def show_count(self, total: int) -> None:
        """The total unread count changed: page title, favicon badge, app badge."""


def row_key(message: ShownMessage) -> str:
    """The key the message list gives ``message``'s row (``templates.message_key``)."""
    return str(message.id or message.stanza_id or message.origin_id)


class NotificationsState:
    """The watched boxes, where each box's unread messages start, and the page's notifier."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.boxes: dict[str, ChatBox] = {}
        #: box jid → row key of its first message not seen yet
        self.first_unread: dict[str, str] = {}
        self.notifier: Notifier | None = None
        self._total = 0

    # -- boxes --------------------------------------------------------------------------------
    def watch(self, box: ChatBox) -> None:
        jid = box.get("jid")
        if self.boxes.get(jid) is box:
            return
        self.boxes[jid] = box
        box.on_messages(self.on_messages)
        box.on_change(self.on_box_change)
        box.on_activity(self.on_activity)

    def visible(self, box: ChatBox) -> bool:
        """Whether the user can see ``box`` now: open, not minimized, the page shown."""
        return not box.get("closed") and not box.get("minimized") and not self.converse.platform.page_hidden()

    def candidate(self, box: ChatBox, message: ShownMessage) -> Candidate:
        room = box.get("type") == "chatroom"
        age = (datetime.now(UTC) - message.time).total_seconds()
        return Candidate("groupchat" if room else "chat", message.body,
                         box_visible=not box.get("closed") and not box.get("minimized"),
                         page_hidden=self.converse.platform.page_hidden(), outgoing=message.outgoing,
                         archived=message.archived, room=box.get("jid") if room else "",
                         own_nick=box.get("nick") or "" if room else "", age=age,
                         mentions=message.extras.get("mentions") if room and message.extras else None)

    def on_messages(self, box: ChatBox, fresh: list[ShownMessage], where: str) -> None:
        if where == PREPEND:
            return  # an older archive page
        unread = 0
        for message in fresh:
            if message.kind != "message" or message.replaces:
                continue
            candidate = self.candidate(box, message)
            if counts_as_unread(candidate):
                unread += 1
                self.first_unread.setdefault(box.get("jid"), row_key(message))
            self.maybe_notify(box, message, candidate)
        if unread and not box.get("minimized"):  # a minimized box counts its own (ChatBox.add_messages)
            box.set("num_unread", (box.get("num_unread") or 0) + unread)

    def on_box_change(self, box: Any, changed: dict[str, Any]) -> None:
        if "num_unread" in changed:
            count = changed["num_unread"] or 0
            if not count:
                first = self.first_unread.pop(box.get("jid"), None)
                if first:
                    box.set("unread_divider", first)
            self.update_total()  # the page's title and badges first: listeners see them updated
            self.converse.trigger("unreadCountChanged", box, count)
        elif "closed" in changed or "minimized" in changed:
            if changed.get("closed"):
                self.update_total()  # a closed box's count is not shown anywhere
            self.seen(box)

    def on_activity(self, box: ChatBox, kind: str) -> None:
        if kind == "seen":
            self.seen(box)

    def seen(self, box: ChatBox) -> None:
        """The view shows ``box``'s newest messages: they are read if the user can see them."""
        if self.visible(box) and box.get("num_unread"):
            box.set("num_unread", 0)

    def on_visibility(self, hidden: bool) -> None:
        if not hidden:
            for box in list(self.boxes.values()):
                self.seen(box)

    # -- counts -------------------------------------------------------------------------------
    def total(self) -> int:
        """Unread messages in all open boxes."""
        return sum(box.get("num_unread") or 0 for box in self.boxes.values() if not box.get("closed"))

    def unread(self) -> dict[str, int]:
        """Box JID → unread count, for the open boxes with unread messages."""
        return {jid: box.get("num_unread") for jid, box in self.boxes.items()
                if box.get("num_unread") and not box.get("closed")}

    def update_total(self) -> None:
        total = self.total()
        if total != self._total:
            self._total = total
            if self.notifier is not None and self.converse.settings.get("show_tab_notifications"):
                self.notifier.show_count(total)

    # -- desktop notifications ----------------------------------------------------------------
    def maybe_notify(self, box: ChatBox, message: ShownMessage, candidate: Candidate) -> None:
        settings = self.converse.settings
        reason = notify_reason(candidate, show=settings.get("show_desktop_notifications"),
                               all_rooms=settings.get("notify_all_room_messages"))
        if reason is None or self.notifier is None:
            return
        jid = box.get("jid")
        if candidate.type == "groupchat":
            title = _("{nick} in {room}", nick=message.sender_name or message.sender,
                      room=box.get("name") or jid)
        else:
            title = str(message.sender_name or box.get("fullname") or jid)
        note = {"title": title, "body": notification_body(message.body), "jid": jid,
                "type": candidate.type, "reason": reason, "id": row_key(message), "tag": jid,
                "icon": settings.get("notification_icon") or ""}
        if self.notifier.show(note, lambda: self.open_from_notification(box)):
            self.converse.trigger("desktopNotification", note)

    @staticmethod
    def open_from_notification(box: ChatBox) -> None:
        """The user clicked a notification: its box is shown, its composer focused."""
        box.show()
        box.focus()

    def permission(self) -> str:
        return self.notifier.permission() if self.notifier is not None else "unsupported"

    def request_permission(self) -> asyncio.Future[str]:
        if self.notifier is None:
            future: asyncio.Future[str] = asyncio.get_event_loop().create_future()
            future.set_result("unsupported")
            return future
        return self.notifier.request_permission()


class NotificationsPlugin(Plugin):
    """Desktop notifications (Notification API), unread counts, title and favicon badges."""

    name = "converse-notifications"
    dependencies = ("converse-chats",)
    settings = {
        "show_desktop_notifications": Setting(
            True, (bool, str), "Show a desktop notification for a message the user cannot see (the page "
            "hidden, or its box minimized or closed); 'all' also while its box is in view. Permission is "
            "asked once, on the user's first click in converse-py or first message sent.",
            choices=(True, False, "all")),
        "notify_all_room_messages": Setting(
            False, (bool, list), "Room messages notify only when they mention the user's nick, unless "
                                 "this is true (every room) or a list of room JIDs."),
        "notification_icon": Setting("", (str,), "URL of the icon desktop notifications show ('' for "
                                                 "none)."),
        "notification_delay": Setting(5000, (int,), "Milliseconds after which a desktop notification "
                                                    "closes itself (0: it stays until dismissed)."),
        "show_tab_notifications": Setting(True, (bool,), "Show the total unread count in the page title, "
                                                         "as a favicon badge and as the app badge."),
    }
    events = {
        "desktopNotification": EventDoc(
            "{title, body, jid, type, reason, id, tag, icon}",
            "a desktop notification was shown for a message (reason 'message' or 'mention'; type "
            "'chat' or 'groupchat'; id: the message's row key)"),
        "unreadCountChanged": EventDoc(
            "the chat box or room, its unread count",
            "a box's unread count changed (0: the user saw its messages)"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = NotificationsState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("notifications", NotificationsAPI(self.state))
        converse.api.listen.on("chatBoxOpened", self.state.watch)
        converse.platform.watch_visibility(self.state.on_visibility)
