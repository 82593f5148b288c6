"""Emoji in a real page, as a user works them: the toolbar's picker (search, skin tone, keyboard,
recently used), the composer's ``:shortcode`` autocomplete and conversion, what a slixmpp peer
receives (Unicode emoji), an emoji-only message from the peer shown large, and the Copy and Quote
actions of a row. The emoji data is fetched from this machine only when first needed.

One logged-in page for the module; the tests run in order on it.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import json
import uuid

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, auto_login_page, non_local_requests, unique_account
from .test_a11y import axe_violations

DATA = "/static/emoji/emoji.json"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice, keepalive=False)
    handle.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web_server.url)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('js-emoji-grab', { initialize() {
        window.capi = this._converse.api;
        window.capi.waitUntil('statusInitialized').then(resolve);
    }}))""")
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def peer(bot: Any, bob: Account) -> Any:
    return bot(bob)


def box(bob: Account) -> str:
    return f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"]'


def data_requests(page: ClientPage) -> list[str]:
    return [url for url in page.requests if url.endswith(DATA)]


def test_the_picker_loads_the_data_locally_finds_an_emoji_and_it_reaches_the_peer(
        page: ClientPage, alice: Account, bob: Account, peer: Any) -> None:
    assert data_requests(page) == []  # nothing at start-up
    page.js("jid => window.capi.chats.open(jid)", bob.jid)
    section = box(bob)
    textarea = page.page.locator(f"{section} form.cpy-compose textarea")
    textarea.fill("ok ")
    button = page.page.locator(f"{section} [data-role=toolbar] button[data-name=emoji]")
    assert button.get_attribute("aria-label") == "Insert an emoji"
    button.click()
    picker = page.page.locator(f"{section} [data-role=emoji-picker]")
    picker.locator(".cpy-emoji").first.wait_for(timeout=15_000)
    assert len(data_requests(page)) == 1 and non_local_requests(page.requests) == []
    assert page.js("document.activeElement.classList.contains('cpy-emoji-search')")
    page.page.keyboard.type("thumbs up")
    picker.locator('.cpy-emoji[data-emoji="👍"]').first.wait_for()
    assert picker.locator(".cpy-emoji").first.get_attribute("data-emoji") == "👍"
    page.page.keyboard.press("ArrowDown")  # into the grid, then pick with Enter
    assert page.js("document.activeElement.dataset.emoji") == "👍"
    page.page.keyboard.press("Enter")
    assert picker.count() == 0 and textarea.input_value() == "ok 👍"
    assert page.js("document.activeElement.tagName") == "TEXTAREA"
    textarea.press("Enter")
    assert peer.wait_for_message("ok 👍", timeout=15)[1] == "ok 👍"


def test_skin_tone_is_remembered_recent_emoji_come_first_and_escape_closes_the_picker(
        page: ClientPage, bob: Account) -> None:
    section = box(bob)
    page.page.locator(f"{section} [data-role=toolbar] button[data-name=emoji]").click()
    picker = page.page.locator(f"{section} [data-role=emoji-picker]")
    # What was picked before is shown first, under "Recently used".
    assert picker.locator('.cpy-emoji-tab[aria-selected="true"]').get_attribute("data-group") == "recent"
    assert picker.locator(".cpy-emoji").first.get_attribute("data-emoji") == "👍"
    picker.locator('.cpy-emoji-tone[data-tone="3"]').click()
    assert picker.locator('.cpy-emoji-tone[aria-checked="true"]').get_attribute("data-tone") == "3"
    picker.locator('.cpy-emoji-tab[data-group="people-body"]').click()
    assert picker.locator(".cpy-emoji").first.get_attribute("data-emoji") == "👋🏽"
    assert page.js("localStorage.getItem('converse-py-emoji-skin-tone')") == "3"
    picker.locator(".cpy-emoji").first.focus()
    page.page.keyboard.press("ArrowRight")
    second = picker.locator(".cpy-emoji").nth(1)
    assert page.js("document.activeElement.dataset.emoji") == second.get_attribute("data-emoji")
    page.page.keyboard.press("Escape")
    assert picker.count() == 0 and page.js("document.activeElement.tagName") == "TEXTAREA"
    assert page.page.locator(f"{section} [data-name=emoji]").get_attribute("aria-expanded") == "false"
    assert len(data_requests(page)) == 1  # loaded once
    page.page.locator(f"{section} [data-role=toolbar] button[data-name=emoji]").click()
    picker.wait_for()
    page.page.locator(f"{section} ol.cpy-messages").click()  # a click elsewhere closes it
    assert picker.count() == 0


def test_shortcode_autocomplete_with_the_keyboard_and_typed_and_sent_shortcodes_become_emoji(
        page: ClientPage, bob: Account, peer: Any) -> None:
    section = box(bob)
    textarea = page.page.locator(f"{section} form.cpy-compose textarea")
    textarea.fill("")
    textarea.focus()
    page.page.keyboard.type("hi :smi")
    options = page.page.locator(f"{section} [data-role=emoji-complete] [role=option]")
    options.first.wait_for()
    assert options.first.text_content().endswith(":smile:")
    assert textarea.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    page.page.keyboard.press("ArrowDown")
    chosen = options.nth(1).get_attribute("data-emoji")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    page.page.keyboard.press("Enter")  # inserts; does not send
    assert options.count() == 0 and textarea.input_value() == f"hi {chosen} "
    page.page.keyboard.type(":tada: and :heart:")  # ':tada:' + space converts as typed
    assert textarea.input_value() == f"hi {chosen} 🎉 and :heart:"
    page.page.keyboard.press("Enter")  # sent: the remaining shortcode converts too
    expected = f"hi {chosen} 🎉 and ❤️"
    assert peer.wait_for_message(expected, timeout=15)[1] == expected
    assert textarea.input_value() == ""
    # Escape closes the list and leaves the text alone.
    page.page.keyboard.type(":thumbs")
    options.first.wait_for()
    page.page.keyboard.press("Escape")
    assert options.count() == 0 and textarea.input_value() == ":thumbs"
    page.page.keyboard.type("u")  # typing again lists them again; moving the focus away closes them
    options.first.wait_for()
    page.page.locator(f"{section} [data-role=toolbar] button[data-name=emoji]").focus()
    assert options.count() == 0
    textarea.fill("")


def test_an_emoji_only_message_from_the_peer_is_shown_large_and_other_text_is_not(
        page: ClientPage, alice: Account, bob: Account, peer: Any) -> None:
    section = box(bob)
    peer.send_message(alice.jid, "🇰🇷👩‍👩‍👧")
    peer.send_message(alice.jid, "party 🎉")
    large = page.page.locator(f"{section} li.cpy-msg.cpy-in.cpy-emoji-only")
    large.wait_for(timeout=15_000)
    normal = page.page.locator(f"{section} li.cpy-msg.cpy-in", has_text="party 🎉")
    normal.wait_for()
    assert large.locator(".cpy-body").text_content() == "🇰🇷👩‍👩‍👧"
    assert "cpy-emoji-only" not in (normal.get_attribute("class") or "")
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert large.locator(".cpy-body").evaluate(size) > 1.8 * normal.locator(".cpy-body").evaluate(size)


def test_copy_puts_the_text_on_the_clipboard_and_quote_adds_it_to_the_composer(
        page: ClientPage, alice: Account, bob: Account, peer: Any) -> None:
    section = box(bob)
    peer.send_message(alice.jid, "copy me\nsecond line")
    row = page.page.locator(f"{section} li.cpy-msg.cpy-in", has_text="second line")
    row.wait_for(timeout=15_000)
    row.hover()
    row.locator("button[data-name=copy]").click()
    page.wait_for("navigator.clipboard.readText().then(t => t === 'copy me\\nsecond line')")
    textarea = page.page.locator(f"{section} form.cpy-compose textarea")
    textarea.fill("my draft")
    row.hover()
    row.locator("button[data-name=quote]").click()
    assert textarea.input_value() == "my draft\n> copy me\n> second line\n"
    assert page.js("document.activeElement.tagName") == "TEXTAREA"
    textarea.fill("")
    # A browser that refuses the clipboard both ways: the user is told, nothing breaks.
    page.js("""() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('no', 'NotAllowedError'));
                      document.execCommand = () => false; }""")
    row.hover()
    row.locator("button[data-name=copy]").click()
    info = page.page.locator(f"{section} li.cpy-info", has_text="Could not copy the message")
    info.wait_for(timeout=10_000)
    assert page.page_errors == []


def test_a_room_has_the_picker_too_and_axe_finds_nothing_serious_in_it(page: ClientPage) -> None:
    room = f"emoji-{uuid.uuid4().hex[:8]}@conference.localhost"
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')"
                  f"(window.capi.rooms.get({json.dumps(room)}))", timeout=BOOT_TIMEOUT_MS)
    section = f'#conversejs section.cpy-chatroom[data-jid="{room}"]'
    page.page.locator(f"{section} [data-role=toolbar] button[data-name=emoji]").click()
    picker = page.page.locator(f"{section} [data-role=emoji-picker]")
    picker.locator(".cpy-emoji").first.wait_for()
    assert axe_violations(page) == []
    page.page.keyboard.type("tada")
    picker.locator('.cpy-emoji[data-emoji="🎉"]').first.wait_for()
    page.page.keyboard.press("Enter")  # from the search field: the first result
    assert page.page.locator(f"{section} form.cpy-compose textarea").input_value() == "🎉"
    assert picker.count() == 0
