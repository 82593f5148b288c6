"""The avatar beside the first message of each group (setting ``show_message_avatar``)."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

import pytest

from converse_py.dom import templates
from converse_py.dom.html import Markup
from converse_py.dom.ui_declaration import UIDeclaration
from converse_py.plugins.avatars.colors import css_color
from converse_py.plugins.chats.models import ShownMessage

PICTURE = "data:image/png;base64,iVBORw0KGgo="
START = datetime(2026, 1, 2, 12, tzinfo=UTC)


def said(ident: str, sender: str, minute: float, body: str = "hi", outgoing: bool = False,
         **extra: object) -> ShownMessage:
    return ShownMessage(ident, sender, body, START + timedelta(minutes=minute), outgoing,
                        **extra)  # type: ignore[arg-type]


class Provider:
    """Counts its calls; a picture for the JIDs in ``pictures``."""

    def __init__(self, pictures: dict[str, str] | None = None) -> None:
        self.asked: list[str] = []
        self.pictures = pictures or {}

    def __call__(self, message: ShownMessage) -> Markup:
        self.asked.append(message.id)
        return templates.message_avatar(self.pictures.get(message.sender), message.sender_name or message.sender,
                                        message.sender, message.sender)


def row_of(html: str, ident: str) -> str:
    start = html.index(f'data-id="{ident}"')
    return html[html.rindex("<li", 0, start):html.index("</li>", start)]


def test_a_group_start_shows_initials_on_the_colour_of_its_key_and_its_followups_none() -> None:
    rows = [said("1", "bob@localhost", 0, sender_name="Bob"), said("2", "bob@localhost", 1, sender_name="Bob"),
            said("3", "bob@localhost", 2, sender_name="Bob")]
    provider = Provider()
    html, _day = templates.message_items(rows, avatar=provider)
    assert provider.asked == ["1"]  # once per group, never for followups
    first = row_of(html, "1")
    expected = ('<span class="cpy-avatar cpy-msg-avatar cpy-avatar-default" data-avatar-for="bob@localhost" '
                f'data-avatar-name="Bob" data-avatar-key="bob@localhost" style="background-color: '
                f'{css_color("bob@localhost")}" aria-hidden="true">B</span>')
    assert first.startswith('<li class="cpy-msg cpy-in" data-id="1">' + expected + "<time ")
    assert "cpy-msg-avatar" not in row_of(html, "2") and "cpy-msg-avatar" not in row_of(html, "3")
    assert "cpy-followup" in row_of(html, "2")


def test_a_picture_shows_as_an_image_and_each_new_group_asks_again() -> None:
    rows = [said("1", "bob@localhost", 0), said("2", "amy@localhost", 1), said("3", "amy@localhost", 2),
            said("4", "amy@localhost", 20), said("5", "amy@localhost", 21, body="/me waves")]
    provider = Provider({"amy@localhost": PICTURE})
    html, _day = templates.message_items(rows, avatar=provider)
    assert provider.asked == ["1", "2", "4", "5"]  # a pause and a /me action start groups
    assert f'<img class="cpy-avatar cpy-msg-avatar" data-avatar-for="amy@localhost" ' \
           f'data-avatar-name="amy@localhost" data-avatar-key="amy@localhost" alt="" src="{PICTURE}">' \
           in row_of(html, "2")
    assert "cpy-action" in row_of(html, "5") and 'src="data:image/png' in row_of(html, "5")
    assert "cpy-avatar-default" in row_of(html, "1")


def test_info_lines_show_no_avatar() -> None:
    provider = Provider()
    html, _day = templates.message_items([said("i", "", 0, body="6", kind="info")], avatar=provider)
    assert provider.asked == [] and "cpy-avatar" not in html


def test_without_a_provider_rows_are_the_html_of_before_byte_for_byte() -> None:
    rows = [said("1", "bob@localhost", 0), said("2", "bob@localhost", 1), said("3", "me@x", 2, outgoing=True),
            said("4", "me@x", 3, body="/me waves", outgoing=True)]
    with_none, _day = templates.message_items(rows, avatar=None)
    plain, _day = templates.message_items(rows)
    assert with_none == plain and "cpy-avatar" not in plain
    provided, _day = templates.message_items(rows, avatar=Provider())
    # The avatar is the only difference, at the start of the group starts.
    for ident in ("1", "3", "4"):
        row = row_of(provided, ident)
        avatar = row[row.index("<span class=\"cpy-avatar"):row.index("</span>") + len("</span>")]
        assert row.replace(avatar, "") == row_of(plain, ident)
    assert row_of(provided, "2") == row_of(plain, "2")


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                                     "' onmouseover='alert(1)"])
def test_names_and_jids_from_the_network_stay_text_in_the_avatar(payload: str) -> None:
    message = said("1", payload, 0, sender_name=payload)
    for room in (False, True):
        html = templates.message_item(message, room=room, avatar=Provider())
        assert "<script" not in html and "<img" not in html and "' onmouseover='" not in html
        assert html.count('"') % 2 == 0
    # A picture that is not a data:image URL is never used.
    html = templates.message_item(message, avatar=Provider({payload: "javascript:alert(1)"}))
    assert "javascript:" not in html and "cpy-avatar-default" in html


def test_the_setting_is_declared_on_by_default_as_converse_js_names_it() -> None:
    setting = UIDeclaration.settings["show_message_avatar"]
    assert setting.default is True and "avatar" in setting.doc
