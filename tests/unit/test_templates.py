"""Templates render user text as text, never as HTML."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

import pytest

from converse_py.dom import contact_templates, controlbox_templates, room_templates, templates
from converse_py.dom.html import Markup, tag
from converse_py.i18n import _
from converse_py.plugins.chats.models import ShownMessage
from converse_py.plugins.emoji.text import is_emoji_only
from converse_py.plugins.roster.models import Contact
from converse_py.plugins.roster.stanzas import RosterItem

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' onmouseover='alert(1)",
            "javascript:alert(1)", "<svg/onload=alert(1)>", "&lt;b&gt;"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_corrected_bodies_and_typing_names_are_escaped(payload: str) -> None:
    msg = ShownMessage("m1", "alice@localhost", payload, datetime(2026, 1, 2, tzinfo=UTC), outgoing=True,
                       edited=True, delivered=True, displayed=True)
    html = templates.message_item(msg)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert 'class="cpy-edited"' in html and 'aria-label="Read"' in html and "✓✓" in html
    box = {"fullname": payload, "chat_state": "composing"}
    assert templates.chat_state_text(box) == f"{payload} is typing…"  # plain text: set with textContent
    frame = templates.chatbox({**box, "jid": "bob@localhost"})
    assert "<script" not in frame and "<img" not in frame and "<svg" not in frame


@pytest.mark.parametrize("payload", PAYLOADS)
def test_message_bodies_and_senders_are_escaped(payload: str) -> None:
    msg = ShownMessage("id\"x", payload, payload, datetime(2026, 1, 2, tzinfo=UTC), outgoing=False)
    html = templates.message_item(msg)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "onerror=alert(1)>" not in html.replace("&gt;", "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_roster_names_groups_and_status_are_escaped(payload: str) -> None:
    contact = Contact(RosterItem("bob@localhost", payload, "both", None, (payload,)))
    contact.set("status", payload)
    html = "".join(controlbox_templates.roster_chunks([contact], grouped=True))
    html += controlbox_templates.requests([contact])
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "' onmouseover='" not in html


def test_login_error_text_is_escaped() -> None:
    assert "<b>" not in controlbox_templates.login_form(error="<b>bad</b>")


def test_markup_is_not_double_escaped_and_attributes_are_checked() -> None:
    inner = tag("b", {}, "x")
    assert tag("p", {}, inner) == Markup("<p><b>x</b></p>")
    with pytest.raises(ValueError):
        tag("p", {"onclick=alert(1) x": "y"})


def test_day_separators_are_inserted_between_days() -> None:
    day1 = ShownMessage("1", "a@b", "one", datetime(2026, 1, 1, 12, tzinfo=UTC), False)
    day2 = ShownMessage("2", "a@b", "two", datetime(2026, 1, 3, 12, tzinfo=UTC), False)
    html, last = templates.message_items([day1, day2])
    assert html.count('class="cpy-day"') == 2 and last is not None
    html2, _ = templates.message_items([day2], last)
    assert 'class="cpy-day"' not in html2


@pytest.mark.parametrize("payload", PAYLOADS)
def test_room_nicks_subjects_bodies_and_invitations_are_escaped(payload: str) -> None:
    from converse_py.plugins.muc.models import Occupant, Room
    from converse_py.plugins.muc.stanzas import OccupantPresence
    room = Room("room@conference.localhost", payload, payload)
    room.set({"subject": payload, "error": payload})
    occupant = Occupant(OccupantPresence("room@conference.localhost", payload, "available", "online", payload,
                                         "owner", "moderator", None, frozenset(), None, None))
    msg = ShownMessage("1", payload, payload, datetime(2026, 1, 2, tzinfo=UTC), outgoing=False)
    html = (room_templates.room_box(room) + room_templates.occupants([occupant])
            + templates.message_items([msg], room=True)[0]
            + room_templates.invitation({"room": payload, "from": payload, "reason": payload})
            + room_templates.room_list([{"jid": payload, "name": payload}]))
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "' onmouseover='" not in html


def reference_row(message: ShownMessage, avatar: templates.AvatarFor | None = None) -> Markup:
    """The row message_item writes out, built with ``tag`` (as it was before it was written out);
    ``avatar``: the group's avatar first in the row."""
    when = message.time.astimezone()
    large = " cpy-emoji-only" if is_emoji_only(message.body) else ""
    return tag("li", {"class": ("cpy-msg cpy-out" if message.outgoing else "cpy-msg cpy-in") + large,
                      "data-id": templates.message_key(message)},
               avatar(message) if avatar is not None else "",
               tag("time", {"datetime": message.time.isoformat(), "title": when.strftime("%A, %B %-d, %Y %H:%M:%S")},
                   when.strftime("%H:%M")),
               tag("span", {"class": "cpy-from", "title": message.sender},
                   "me" if message.outgoing else (message.sender_name or message.sender)),
               tag("span", {"class": "cpy-body"}, templates.linkify(message.body)),
               tag("span", {"class": "cpy-edited", "title": _("This message was corrected")}, _("edited"))
               if message.edited else "",
               templates.receipt_tick(message) if message.outgoing else "")


@pytest.mark.parametrize("payload", PAYLOADS + ["plain", "see https://example.org/a?b=1&c=2 now", "", "👍",
                                                "👩‍👩‍👧 🇫🇷", "ok 👍"])
@pytest.mark.parametrize("outgoing", [False, True])
def test_message_rows_are_the_reference_html(payload: str, outgoing: bool) -> None:
    """message_item writes its row out for speed; it must stay the HTML the ``tag`` builder
    gives (escaping included) in every variant: senders with and without a name, edited,
    pending/delivered/read, ids from the message or the archive, times with microseconds."""
    when = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    variants = [
        ShownMessage(payload or "m1", payload or "bob@localhost", payload, when, outgoing),
        ShownMessage("", "bob@localhost", payload, when, outgoing, stanza_id=payload or "A9",
                     sender_name=payload, edited=True, delivered=True),
        ShownMessage("m3", payload or "x", payload, datetime(2026, 12, 31, 23, 59, 59), outgoing,
                     displayed=True, delivered=True),
    ]
    def avatar(message: ShownMessage) -> Markup:
        return templates.message_avatar(None, message.sender_name or message.sender, message.sender, message.sender)
    for message in variants:
        assert templates.message_item(message) == reference_row(message), message
        assert templates.message_item(message, avatar=avatar) == reference_row(message, avatar), message
        assert templates.message_item(message, avatar=avatar, followup=True) == \
            templates.message_item(message, followup=True), message


def test_message_row_times_are_the_page_local_ones_to_the_second() -> None:
    first = ShownMessage("a", "bob@localhost", "x", datetime(2026, 3, 4, 5, 6, 7, 1, tzinfo=UTC), False)
    second = ShownMessage("b", "bob@localhost", "x", datetime(2026, 3, 4, 5, 6, 7, 999999, tzinfo=UTC), False)
    third = ShownMessage("c", "bob@localhost", "x", datetime(2026, 3, 4, 5, 6, 8, tzinfo=UTC), False)
    local = [m.time.astimezone() for m in (first, second, third)]
    shown = [templates.local_time(m.time) for m in (first, second, third)]
    assert [s.title for s in shown] == [t.strftime("%A, %B %-d, %Y %H:%M:%S") for t in local]  # English
    assert [s.clock for s in shown] == [t.strftime("%H:%M") for t in local]
    assert [templates.day_of(m) for m in (first, second, third)] == [t.strftime("%Y-%m-%d") for t in local]
    assert 'datetime="2026-03-04T05:06:07.999999+00:00"' in templates.message_item(second)


def reference_contact_row(contact: Contact, avatar_src: str | None = None) -> Markup:
    """The row contact_row writes out, built with ``tag`` (as it was before it was written out)."""
    status = contact.get("chat_status") or "offline"
    label = controlbox_templates.status_label(status)
    jid = contact.get("jid")
    note = contact.get("status") or (_("Awaiting approval") if contact.get("ask") == "subscribe" else "")
    idle = contact_templates.idle_label(contact.get("idle_since"))
    return tag("li", {"class": f"cpy-contact cpy-{status}", "data-jid": jid},
               tag("button", {"type": "button", "data-action": "open-chat", "data-jid": jid,
                              "title": f"{jid} ({label}{', ' + idle if idle else ''})"},
                   tag("span", {"class": "cpy-dot", "aria-label": label, "role": "img"}),
                   templates.avatar_image(avatar_src, contact.get("fullname") or jid, jid, lookup=jid),
                   tag("span", {"class": "cpy-name"}, contact.get("fullname") or jid),
                   tag("span", {"class": "cpy-status-msg"}, note)),
               contact_templates.manage_button(jid, contact.get("fullname") or jid))


@pytest.mark.parametrize("payload", PAYLOADS + ["plain", ""])
def test_contact_rows_are_the_reference_html(payload: str) -> None:
    """contact_row writes its row out for speed; it must stay the HTML the ``tag`` builder gives
    (escaping included): named and unnamed contacts, every presence, status messages, pending
    requests, avatars."""
    variants = []
    for status in ("online", "away", "dnd", "xa", "offline", "", payload):
        contact = Contact(RosterItem(f"{payload or 'x'}@localhost", payload, "both", None, ()))
        contact.set("chat_status", status)
        contact.set("status", payload)
        variants.append(contact)
    asking = Contact(RosterItem("bob@localhost", "", "none", "subscribe", ("g",)))
    pictured = Contact(RosterItem("pic@localhost", "Pic", "both", None, ()))
    idle = Contact(RosterItem("idle@localhost", payload, "both", None, ()))
    idle.set("idle_since", "2020-01-01T00:00:00+00:00")
    variants += [asking, pictured, idle]
    for contact in variants:
        assert controlbox_templates.contact_row(contact) == reference_contact_row(contact)
    picture = f"data:image/png;base64,{payload}"
    assert controlbox_templates.contact_row(pictured, picture) == reference_contact_row(pictured, picture)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plugin_button_names_labels_and_icons_stay_text(payload: str) -> None:
    """Buttons plugins add (hooks getMessageActionButtons, getToolbarButtons) never carry markup."""
    msg = ShownMessage("m1", "bob@localhost", "hi", datetime(2026, 1, 2, tzinfo=UTC), outgoing=False)
    hostile = [{"name": payload, "label": payload, "icon": payload, "handler": print},
               {"name": "plain", "label": payload, "text": payload, "handler": print}]
    row = templates.message_item(msg, actions=hostile)
    bar = templates.toolbar(hostile)
    for html in (row, bar, templates.chatbox({"jid": "bob@localhost"}, hostile),
                 room_templates.room_box(room_templates_room(), hostile)):
        assert "<script" not in html and "<img" not in html and "<svg" not in html
        assert "' onmouseover='" not in html
    expected = tag("span", {"class": "cpy-msg-actions", "role": "group", "aria-label": "Message actions"},
                   tag("button", {"type": "button", "class": "cpy-msg-action", "data-action": "message-action",
                                  "data-name": payload, "title": payload, "aria-label": payload}, payload),
                   tag("button", {"type": "button", "class": "cpy-msg-action", "data-action": "message-action",
                                  "data-name": "plain", "title": payload, "aria-label": payload}, payload))
    assert row == reference_row(msg)[:-len("</li>")] + expected + "</li>"
    assert bar.count('data-action="toolbar-button"') == 2 and "hidden" not in bar


def room_templates_room() -> object:
    from converse_py.plugins.muc.models import Room
    return Room("room@conference.localhost", "alice")


def test_an_empty_toolbar_is_hidden_and_rows_without_buttons_have_no_button_group() -> None:
    msg = ShownMessage("m1", "bob@localhost", "hi", datetime(2026, 1, 2, tzinfo=UTC), outgoing=False)
    assert "cpy-msg-actions" not in templates.message_item(msg, actions=[])
    assert templates.toolbar([]).startswith('<div class="cpy-toolbar" role="toolbar" data-role="toolbar"') \
        and " hidden>" in templates.toolbar([])


@pytest.mark.parametrize("payload", PAYLOADS + ["thirdwitch"])
def test_room_rows_are_chat_rows_with_the_nick_in_its_colour(payload: str) -> None:
    """Chats and rooms share one row template: a room row differs only in its sender (the nick, in
    its colour, also for the user's own messages)."""
    for outgoing in (False, True):
        msg = ShownMessage("m1", payload, f"hi {payload}", datetime(2026, 1, 2, tzinfo=UTC), outgoing,
                           sender_name=payload, edited=True)
        chat_row, room_row = templates.message_item(msg), templates.message_item(msg, room=True)
        nick = tag("span", {"class": "cpy-from", "title": payload, "style": templates.nick_style(payload)},
                   payload)
        chat_sender = tag("span", {"class": "cpy-from", "title": payload}, "me" if outgoing else payload)
        assert chat_sender in chat_row and room_row == chat_row.replace(chat_sender, nick)


def test_day_separators_in_a_room_batch_continue_from_the_last_day_shown() -> None:
    day1 = ShownMessage("1", "a", "one", datetime(2026, 1, 1, 12, tzinfo=UTC), False)
    day2 = ShownMessage("2", "b", "two", datetime(2026, 1, 3, 12, tzinfo=UTC), False)
    html, last = templates.message_items([day1], room=True)
    more, _last = templates.message_items([day1, day2], last, room=True)
    assert html.count('class="cpy-day"') == 1 and more.count('class="cpy-day"') == 1


def test_each_row_gets_the_buttons_its_message_asks_for() -> None:
    one = ShownMessage("1", "a", "one", datetime(2026, 1, 1, 12, tzinfo=UTC), False)
    two = ShownMessage("2", "b", "two", datetime(2026, 1, 1, 12, tzinfo=UTC), True)
    html, _last = templates.message_items([one, two], actions_for=lambda m: [
        {"name": f"act-{m.id}", "label": "Act", "handler": print}] if not m.outgoing else [])
    assert html.count('data-action="message-action"') == 1 and 'data-name="act-1"' in html


def _said(ident: str, sender: str, minute: float, body: str = "hi", outgoing: bool = False,
          **extra: object) -> ShownMessage:
    return ShownMessage(ident, sender, body, datetime(2026, 1, 2, 12, tzinfo=UTC) + timedelta(minutes=minute),
                        outgoing, **extra)  # type: ignore[arg-type]


def test_consecutive_messages_of_one_sender_within_five_minutes_are_grouped() -> None:
    rows = [_said("1", "bob@x", 0), _said("2", "bob@x", 1), _said("3", "bob@x", 4.9),
            _said("4", "bob@x", 10),                      # a pause: a new group
            _said("5", "amy@x", 10.5),                    # another sender
            _said("6", "amy@x", 11, outgoing=True),       # the same bare JID but the user's own
            _said("7", "amy@x", 11.5, body="/me waves", outgoing=True),  # /me actions stand alone
            _said("8", "amy@x", 12, outgoing=True),
            _said("9", "amy@x", 12.5, outgoing=True, kind="info"),
            _said("10", "amy@x", 13, outgoing=True, extras={"retracted": True}),
            _said("11", "amy@x", 13.5, outgoing=True)]
    html, _day = templates.message_items(rows)
    grouped = [m.id for m in rows if f'cpy-followup" data-id="{m.id}"' in html or
               f'cpy-followup cpy-emoji-only" data-id="{m.id}"' in html]
    assert grouped == ["2", "3"]
    # The rule by itself, and a batch continuing the group of the row shown before it.
    assert [templates.is_followup(b, a) for a, b in zip(rows, rows[1:], strict=False)] == \
        [True, True, False, False, False, False, False, False, False, False]
    more, _day = templates.message_items([_said("12", "amy@x", 14, outgoing=True)], _day, previous=rows[-1])
    assert 'class="cpy-msg cpy-out cpy-followup"' in more


def test_a_grouped_row_differs_only_by_its_class_and_midnight_breaks_a_group() -> None:
    first, second = _said("1", "bob@x", 0), _said("2", "bob@x", 1)
    assert templates.message_item(second, followup=True) == \
        templates.message_item(second).replace('class="cpy-msg cpy-in"', 'class="cpy-msg cpy-in cpy-followup"')
    late = ShownMessage("a", "bob@x", "hi", datetime(2026, 1, 2, 23, 59, 30).astimezone(), False)
    early = ShownMessage("b", "bob@x", "hi", datetime(2026, 1, 3, 0, 0, 30).astimezone(), False)
    assert templates.is_followup(second, first) and not templates.is_followup(early, late)
