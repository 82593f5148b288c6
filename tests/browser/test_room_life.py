"""Room life in a real page against Prosody and ejabberd, with slixmpp occupants: private
messages both ways, nick changes seen by a peer (and a taken nick refused in words), the owner's
configuration form changed through the UI and visible in disco#info, and destroying a room seen by
a peer. One page (alice) for the module; each test has its own room.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

MUC_USER = "http://jabber.org/protocol/muc#user"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "keepalive": False, "show_controlbox_by_default": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('grab-api', { initialize() {
        window.capi = this._converse.api;
        window.capi.waitUntil('statusInitialized').then(resolve);
    }}))""")
    yield handle
    handle.close()


def new_room(server: Any, prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@{server.muc_domain}"


def section(jid: str, kind: str = "cpy-chatroom") -> str:
    return f'#conversejs section.{kind}[data-jid="{jid}"]'


def enter(page: ClientPage, room: str) -> None:
    """alice opens ``room`` (she creates it: its owner) through the JS API and waits to be in; the
    boxes of earlier tests are closed first (so the new one is in view)."""
    page.js("() => { window.capi.rooms.close(); for (const c of window.capi.chats.get()) c.close(); }")
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')"
                  f"(window.capi.rooms.get({json.dumps(room)}))", timeout=15_000)
    page.page.wait_for_selector(f'{section(room)} li.cpy-occupant[data-nick="alice"]')


def join(bot: Any, room: str, nick: str) -> None:
    bot.send_raw(f"<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    bot.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/{nick}" and kind == "available")


def open_menu_item(page: ClientPage, room: str, action: str) -> None:
    page.page.click(f'{section(room)} [data-role="room-menu"] summary')
    page.page.click(f'{section(room)} [data-action="{action}"]')


def test_a_private_message_goes_both_ways_in_its_own_box(page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room(prosody, "pm")
    enter(page, room)
    bob = bot(unique_account(prosody, "bob"))
    join(bob, room, "bob")
    # XEP-0045 §7.5 Example 47: bob sends alice a private message through the room
    bob.send_raw(f"<message to='{room}/alice' type='chat' id='pm1'><body>psst, alice</body>"
                 f"<x xmlns='{MUC_USER}'/></message>")
    private = section(f"{room}/bob", "cpy-chatbox")
    page.page.wait_for_selector(f"{private} li.cpy-msg:has-text('psst, alice')")
    assert page.page.text_content(f"{private} [data-role='title']") == f"bob (in {room.partition('@')[0]})"
    assert page.page.query_selector(f"{section(room)} li.cpy-msg:has-text('psst, alice')") is None
    assert page.page.query_selector(section(room, "cpy-chatbox:not(.cpy-chatroom)")) is None  # no chat with the room
    # alice answers from the occupant list's "Message privately" button
    page.page.click(f'{section(room)} li.cpy-occupant[data-nick="bob"] [data-action="message-occupant"]')
    page.page.fill(f"{private} textarea", "psst yourself")
    page.page.press(f"{private} textarea", "Enter")
    answer = bob.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "psst yourself")
    assert answer.get("type") == "chat" and answer.get("from") == f"{room}/alice"
    assert page.page.query_selector(f'{section(room)} li.cpy-occupant[data-nick="alice"] '
                                    '[data-action="message-occupant"]') is None  # not to oneself


def test_nick_changes_are_seen_by_a_peer_and_a_taken_nick_is_refused_in_words(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room(prosody, "nick")
    enter(page, room)
    bob = bot(unique_account(prosody, "bob"))
    join(bob, room, "bob")
    page.page.wait_for_selector(f'{section(room)} li.cpy-occupant[data-nick="bob"]')
    # bob renames himself (XEP-0045 §7.6): the page says so
    bob.send_raw(f"<presence to='{room}/robert'/>")
    page.page.wait_for_selector(f"{section(room)} li:has-text('bob is now known as robert.')")
    page.page.wait_for_selector(f'{section(room)} li.cpy-occupant[data-nick="robert"]')
    # alice renames herself from the room menu: bob sees the 303 and her new occupant JID
    open_menu_item(page, room, "room-nick")
    page.page.fill(f'{section(room)} [data-action="room-nick-submit"] input[name="nick"]', "alicia")
    page.page.press(f'{section(room)} [data-action="room-nick-submit"] input[name="nick"]', "Enter")
    bob.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/alicia" and kind == "available")
    renamed = [ET.fromstring(x) for x in bob.presence_stanzas if f'from="{room}/alice"' in x and "303" in x]
    assert renamed and renamed[-1].find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item").get("nick") == "alicia"
    page.page.wait_for_selector(f"{section(room)} li:has-text('You are now known as alicia.')")
    # /nick with bob's nick: the room refuses, the page says why and alice stays in as alicia
    page.page.fill(f"{section(room)} textarea", "/nick robert")
    page.page.press(f"{section(room)} textarea", "Enter")
    page.page.wait_for_selector(f"{section(room)} li:has-text('The nickname robert is already taken in this room.')")
    assert page.js(f"window.capi.rooms.get({json.dumps(room)}).model.get('nick')") == "alicia"
    assert page.js(f"window.capi.rooms.get({json.dumps(room)}).model.get('connection_status')") == "entered"


def disco_name(bot: Any, room: str, iq_id: str) -> str:
    bot.send_raw(f"<iq type='get' id='{iq_id}' to='{room}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    identity = ET.fromstring(bot.wait_for_iq_result(iq_id)).find(
        "{http://jabber.org/protocol/disco#info}query/{http://jabber.org/protocol/disco#info}identity")
    return (identity.get("name") or "") if identity is not None else ""


def test_the_owner_changes_the_configuration_form_and_disco_info_shows_it(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room(prosody, "config")
    enter(page, room)
    open_menu_item(page, room, "room-config")
    form = f'{section(room)} form[data-action="room-config-submit"]'
    page.page.wait_for_selector(f'{form} [name="muc#roomconfig_roomname"]')
    kinds = set(page.js(f"() => [...document.querySelectorAll({json.dumps(form + ' [data-type]')})]"
                        ".map(e => e.getAttribute('data-type'))"))
    assert {"text-single", "boolean", "list-single"} <= kinds
    page.page.fill(f'{form} [name="muc#roomconfig_roomname"]', "Tea <room>")
    page.page.check(f'{form} [name="muc#roomconfig_persistentroom"]')
    page.page.click(f'{form} button[type="submit"]')
    page.page.wait_for_selector(f"{section(room)} li:has-text(\"The room's configuration was saved.\")")
    peek = bot(unique_account(prosody, "peek"))
    assert disco_name(peek, room, "info1") == "Tea <room>"
    # the room info panel shows the new name and the features as words
    open_menu_item(page, room, "room-info")
    page.page.wait_for_selector(f'{section(room)} [data-role="room-info"] dd:has-text("Tea <room>")')
    features = page.page.text_content(f'{section(room)} [data-role="room-info"] .cpy-features')
    assert "persistent" in features
    # opening the form again and cancelling sends the cancel form; nothing changes
    open_menu_item(page, room, "room-config")
    page.page.wait_for_selector(f'{form} [name="muc#roomconfig_roomname"]')
    page.page.click(f'{section(room)} [data-action="room-config-cancel"]')
    page.page.wait_for_selector(form, state="detached")
    assert disco_name(peek, room, "info2") == "Tea <room>"


def test_destroying_the_room_is_seen_by_a_peer(page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room(prosody, "doomed")
    enter(page, room)
    bob = bot(unique_account(prosody, "bob"))
    join(bob, room, "bob")
    open_menu_item(page, room, "room-destroy")
    page.page.fill(f'{section(room)} [data-action="room-destroy-submit"] input[name="reason"]', "Macbeth doth come.")
    page.page.click(f'{section(room)} [data-action="room-destroy-submit"] button[type="submit"]')
    bob.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/bob" and kind == "unavailable")
    gone = [ET.fromstring(x) for x in bob.presence_stanzas if f'from="{room}/bob"' in x and "destroy" in x]
    assert gone and gone[-1].findtext(f"{{{MUC_USER}}}x/{{{MUC_USER}}}destroy/{{{MUC_USER}}}reason") == \
        "Macbeth doth come."
    page.page.wait_for_selector(f"{section(room)} li:has-text('The room was destroyed. Reason: Macbeth doth come.')")
