"""Desktop notifications and unread counts (plugins/notifications): which messages notify (a pure
decision), the title and badge texts, and the plugin counting unread messages and notifying through
the page's notifier (here a recording one) as messages arrive."""

from __future__ import annotations

import asyncio
from typing import Any

from converse_py.plugins.notifications.decide import (
    Candidate, badge_label, counts_as_unread, notification_body, notify_reason, title_text)
from converse_py.plugins.mentions.references import mentions_user as mentions
from converse_py.plugins.notifications.plugin import NotificationsState

from .conftest import Client, arun, carbon, chat, logged_in

BOB = "bob@localhost/phone"


def chat_candidate(**changes: Any) -> Candidate:
    fields: dict[str, Any] = {"type": "chat", "body": "hi", "box_visible": True, "page_hidden": True}
    fields.update(changes)
    return Candidate(**fields)


def room_candidate(body: str, **changes: Any) -> Candidate:
    fields: dict[str, Any] = {"type": "groupchat", "body": body, "box_visible": True, "page_hidden": True,
                              "room": "lounge@conference.localhost", "own_nick": "alice"}
    fields.update(changes)
    return Candidate(**fields)


def test_a_chat_message_notifies_only_when_the_user_cannot_see_it() -> None:
    on = {"show": True, "all_rooms": False}
    assert notify_reason(chat_candidate(), **on) == "message"  # page hidden
    assert notify_reason(chat_candidate(page_hidden=False, box_visible=False), **on) == "message"  # minimized
    assert notify_reason(chat_candidate(page_hidden=False), **on) is None  # in view
    assert notify_reason(chat_candidate(page_hidden=False), show="all", all_rooms=False) == "message"
    assert notify_reason(chat_candidate(), show=False, all_rooms=False) is None


def test_own_archived_and_empty_messages_never_notify() -> None:
    on = {"show": "all", "all_rooms": True}
    assert notify_reason(chat_candidate(outgoing=True), **on) is None
    assert notify_reason(chat_candidate(archived=True), **on) is None
    assert notify_reason(chat_candidate(body="  "), **on) is None
    assert notify_reason(room_candidate("hi alice", outgoing=True), **on) is None


def test_room_messages_notify_on_a_mention_or_when_the_room_is_wanted() -> None:
    assert notify_reason(room_candidate("hello all"), show=True, all_rooms=False) is None
    assert notify_reason(room_candidate("hello @Alice!"), show=True, all_rooms=False) == "mention"
    assert notify_reason(room_candidate("hello all"), show=True, all_rooms=True) == "message"
    assert notify_reason(room_candidate("hello all"), show=True,
                         all_rooms=["Lounge@conference.localhost"]) == "message"
    assert notify_reason(room_candidate("hello all"), show=True, all_rooms=["other@conference.localhost"]) is None
    assert notify_reason(room_candidate("alice: old news", age=3600), show=True, all_rooms=True) is None
    assert not mentions("palice and malice", "alice") and mentions("ALICE", "alice")


def test_unread_title_badge_and_body_texts() -> None:
    assert counts_as_unread(chat_candidate()) and not counts_as_unread(chat_candidate(page_hidden=False))
    assert not counts_as_unread(chat_candidate(outgoing=True)) and not counts_as_unread(chat_candidate(archived=True))
    assert counts_as_unread(room_candidate("new")) and not counts_as_unread(room_candidate("history", age=3600))
    assert counts_as_unread(chat_candidate(age=3600))  # a chat message kept offline while away is still unread
    assert title_text(0, "Chat") == "Chat" and title_text(12, "Chat") == "(12) Chat"
    assert [badge_label(n) for n in (0, 1, 99, 100)] == ["", "1", "99", "99+"]
    long = notification_body("<b>" + "x" * 300)
    assert long.startswith("<b>") and len(long) == 140 and long.endswith("…")  # text, never parsed


class RecordingNotifier:
    """What the page would do, recorded: notifications shown and counts."""

    def __init__(self, permission: str = "granted") -> None:
        self.granted = permission
        self.shown: list[dict[str, Any]] = []
        self.clicks: list[Any] = []
        self.counts: list[int] = []

    def permission(self) -> str:
        return self.granted

    def request_permission(self) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_event_loop().create_future()
        future.set_result(self.granted)
        return future

    def show(self, note: dict[str, Any], on_click: Any) -> bool:
        if self.granted != "granted":
            return False
        self.shown.append(note)
        self.clicks.append(on_click)
        return True

    def show_count(self, total: int) -> None:
        self.counts.append(total)


async def with_notifier(settings: dict[str, Any] | None = None,
                        permission: str = "granted") -> tuple[Client, RecordingNotifier, list[Any]]:
    client = await logged_in(settings)
    notifier = RecordingNotifier(permission)
    client.converse.get(NotificationsState).notifier = notifier
    events: list[Any] = []
    client.api.listen.on("desktopNotification", events.append)
    return client, notifier, events


def test_a_message_arriving_while_the_page_is_hidden_notifies_counts_and_is_cleared_when_shown() -> None:
    async def body() -> tuple[Any, ...]:
        client, notifier, events = await with_notifier()
        client.transport.receive(chat(BOB, "m0", "seen at once"))
        box = client.api.chats.get("bob@localhost")
        before = (len(events), box.get("num_unread"))
        client.platform.set_hidden(True)
        client.transport.receive(chat(BOB, "m1", "&lt;i&gt;one"))
        client.transport.receive(chat(BOB, "m2", "two"))
        hidden = (box.get("num_unread"), client.api.notifications.unread(), list(notifier.counts))
        box.composer_activity("seen")  # the view followed the rows, but the page is hidden
        still = box.get("num_unread")
        dividers: list[Any] = []
        box.on_change(lambda _b, changed: dividers.append(changed.get("unread_divider")))
        client.platform.set_hidden(False)
        return before, hidden, still, box.get("num_unread"), notifier.counts[-1], [d for d in dividers if d], events
    before, hidden, still, after, last_count, dividers, events = arun(body())
    assert before == (0, 0)
    assert hidden == (2, {"bob@localhost": 2}, [1, 2])
    assert still == 2 and after == 0 and last_count == 0
    assert dividers == ["m1"]
    assert [(e["title"], e["body"], e["jid"], e["type"], e["reason"]) for e in events] == [
        ("bob@localhost", "<i>one", "bob@localhost", "chat", "message"),
        ("bob@localhost", "two", "bob@localhost", "chat", "message")]


def test_a_minimized_box_counts_once_and_clicking_the_notification_shows_it() -> None:
    async def body() -> tuple[Any, ...]:
        client, notifier, events = await with_notifier()
        box = client.api.chats.open("bob@localhost")
        box.minimize()
        client.transport.receive(chat(BOB, "m1", "one"))
        counted = box.get("num_unread")
        notifier.clicks[0]()
        return counted, box.get("minimized"), box.get("num_unread"), len(events)
    assert arun(body()) == (1, False, 0, 1)


def test_own_carbons_archived_messages_and_denied_permission_do_not_notify() -> None:
    async def body() -> tuple[Any, ...]:
        client, notifier, events = await with_notifier()
        client.platform.set_hidden(True)
        client.transport.receive(carbon("sent", "<message xmlns='jabber:client' from='alice@localhost/phone' "
                                        "to='bob@localhost' type='chat' id='c1'><body>mine</body></message>"))
        box = client.api.chats.get("bob@localhost")
        from converse_py.plugins.chats.models import ShownMessage
        from datetime import datetime, UTC
        box.add_messages([ShownMessage("a1", "bob@localhost", "old", datetime.now(UTC), False, archived=True)],
                         older=True)
        quiet = (len(events), box.get("num_unread"))
        denied, _notifier, denied_events = await with_notifier(permission="denied")
        denied.platform.set_hidden(True)
        denied.transport.receive(chat(BOB, "m1", "one"))
        return quiet, len(denied_events), denied.api.chats.get("bob@localhost").get("num_unread"), \
            await denied.api.notifications.request_permission()
    assert arun(body()) == ((0, 0), 0, 1, "denied")


def test_without_a_page_there_is_no_notification_permission() -> None:
    async def body() -> tuple[str, str]:
        client = await logged_in()
        return client.api.notifications.permission(), await client.api.notifications.request_permission()
    assert arun(body()) == ("unsupported", "unsupported")
