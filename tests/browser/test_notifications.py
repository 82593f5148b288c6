"""Desktop notifications, unread counts and chat markers in a real page against the real server,
with slixmpp peers sending standard stanzas. ``window.Notification`` is replaced at the browser
level (an init script, before any page script: converse-py's code is not touched) by a fake that
records what was constructed and grants permission when asked (``navigator.setAppBadge`` by one
recording the badge); the tab is "hidden" by overriding
``document.visibilityState``/``hidden`` and dispatching ``visibilitychange``.

One page (alice) for the module; the archive test logs in once more on a fresh page.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from html import escape
from typing import Any
from collections.abc import Callable, Iterator

import pytest

from converse_py.xmpp import ns
from tools.bot import Bot

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, unique_account, with_test_plugins

MARKERS, RECEIPTS = ns.MARKERS, ns.RECEIPTS

FAKE_NOTIFICATION = """
window.notes = [];
window.permissionRequests = 0;
class FakeNotification {
  constructor(title, options) {
    this.title = title; this.body = (options || {}).body; this.tag = (options || {}).tag; this.closed = false;
    this.onclick = null;
    window.notes.push(this);
  }
  close() { this.closed = true; }
  static requestPermission() {
    window.permissionRequests += 1;
    FakeNotification.permission = 'granted';
    return Promise.resolve('granted');
  }
}
FakeNotification.permission = 'default';
Object.defineProperty(window, 'Notification', {value: FakeNotification, configurable: true, writable: true});
window.appBadges = [];
Object.defineProperty(navigator, 'setAppBadge', {configurable: true,
    value: (n) => { window.appBadges.push(n); return Promise.resolve(); }});
Object.defineProperty(navigator, 'clearAppBadge', {configurable: true,
    value: () => { window.appBadges.push(0); return Promise.resolve(); }});
"""


def open_page(browser: Any, base_url: str, server: Any, account: Account) -> ClientPage:
    context = browser.new_context()
    page = context.new_page()
    handle = ClientPage(context, page)
    page.on("console", lambda message: handle.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: handle.page_errors.append(str(error)))
    settings = {"bosh_service_url": server.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True, "show_controlbox_by_default": True}
    context.add_init_script(f"window.TEST_SETTINGS = {json.dumps(with_test_plugins(settings))};")
    context.add_init_script(FAKE_NOTIFICATION)
    page.goto(base_url + "/tests/browser/pages/api.html")
    handle.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('check-notifications', { initialize() {
        const api = window.capi = this._converse.api;
        window.shown = [];
        api.listen.on('desktopNotification', (note) => window.shown.push(note));
        api.waitUntil('rosterContactsFetched').then(resolve);
    }}))""")
    return handle


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = open_page(browser, web_server.url, prosody, alice)
    handle.requests_on_load = handle.js("window.permissionRequests")  # type: ignore[attr-defined]
    yield handle
    assert not handle.page_errors
    assert not [line for line in handle.console if line.startswith("error")]
    handle.close()


@pytest.fixture
def bob(prosody: Any, bot: Callable[..., Bot]) -> tuple[Account, Bot]:
    account = unique_account(prosody, "bob")
    return account, bot(account)


def set_hidden(page: ClientPage, hidden: bool) -> None:
    page.js("""(hidden) => {
        Object.defineProperty(document, 'visibilityState', {value: hidden ? 'hidden' : 'visible', configurable: true});
        Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def grant_by_clicking(page: ClientPage) -> None:
    toggle = page.page.locator('[data-action="toggle-controlbox"]')
    toggle.click()
    toggle.click()  # open again; a second gesture must not ask again
    page.wait_for("Notification.permission === 'granted'")


def box_css(jid: str) -> str:
    return f'section.cpy-chatbox[data-jid="{jid}"]'


def has(namespace: str, name: str) -> Callable[[ET.Element], bool]:
    return lambda el: el.find(f"{{{namespace}}}{name}") is not None


def test_permission_is_asked_once_on_a_click_never_on_load(page: ClientPage) -> None:
    assert page.requests_on_load == 0  # type: ignore[attr-defined]
    assert page.js("capi.notifications.permission()") in ("default", "granted")
    grant_by_clicking(page)
    page.page.locator('[data-action="toggle-controlbox"]').click()
    page.page.locator('[data-action="toggle-controlbox"]').click()
    assert page.js("window.permissionRequests") == 1
    assert page.js("capi.notifications.permission()") == "granted"


def test_a_hidden_tab_notifies_counts_in_title_favicon_and_roster_then_clears_with_a_divider(
        page: ClientPage, alice: Account, bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    grant_by_clicking(page)
    page.js("(jid) => capi.contacts.add(jid, 'Bob')", account.jid)
    page.page.wait_for_selector(f'li.cpy-contact[data-jid="{account.jid}"]')
    title = page.js("document.title")
    peer.send_message(alice.jid, "seen in view")
    page.page.wait_for_selector(f'{box_css(account.jid)} li.cpy-msg')
    before = page.js("window.notes.length")
    set_hidden(page, True)
    try:
        peer.send_raw(f"<message to='{alice.jid}' type='chat' id='u-1'><body>&lt;b&gt;first unread</body></message>")
        peer.send_raw(f"<message to='{alice.jid}' type='chat' id='u-2'><body>second unread</body></message>")
        page.wait_for("(n) => window.notes.length === n + 2", arg=before)
        notes = page.js("(n) => window.notes.slice(n).map(x => [x.title, x.body, x.tag])", before)
        assert notes == [["Bob", "<b>first unread", account.jid], ["Bob", "second unread", account.jid]]
        assert page.js("window.shown.slice(-1)[0].reason") == "message"
        page.wait_for("(t) => document.title === '(2) ' + t", arg=title)
        icon = page.js("""() => { const l = document.querySelector('link[rel~="icon"]');
                                  return [l.getAttribute('data-unread'), l.href.slice(0, 22)]; }""")
        assert icon == ["2", "data:image/png;base64,"]
        row_badge = f'li.cpy-contact[data-jid="{account.jid}"] .cpy-unread'
        page.page.wait_for_selector(row_badge)
        assert page.page.locator(row_badge).inner_text() == "2"
        assert page.page.locator(f'{box_css(account.jid)} header .cpy-unread').inner_text() == "2"
        assert page.js("(jid) => capi.notifications.unread()[jid]", account.jid) == 2
        assert page.js("window.appBadges.slice(-1)[0]") == 2
    finally:
        set_hidden(page, False)
    page.wait_for("(t) => document.title === t", arg=title)
    assert page.js("window.appBadges.slice(-1)[0]") == 0
    assert page.js("""() => document.querySelector('link[rel~="icon"]').getAttribute('data-unread')""") is None
    assert page.page.locator(f'li.cpy-contact[data-jid="{account.jid}"] .cpy-unread').count() == 0
    divider_next = page.js("""(sel) => { const d = document.querySelector(sel + ' [data-role="new-messages"]');
                                          return d && d.nextElementSibling.dataset.id; }""", box_css(account.jid))
    assert divider_next == "u-1"
    # in view, with the page shown: no notification
    count = page.js("window.notes.length")
    peer.send_message(alice.jid, "in view again")
    page.page.wait_for_selector(f'{box_css(account.jid)} li.cpy-msg:has-text("in view again")')
    assert page.js("window.notes.length") == count


def test_clicking_a_notification_shows_the_minimized_box(page: ClientPage, alice: Account,
                                                         bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    grant_by_clicking(page)
    peer.send_message(alice.jid, "hello")
    page.page.wait_for_selector(f'{box_css(account.jid)} li.cpy-msg')
    page.js("(jid) => capi.chats.get(jid).model.minimize()", account.jid)
    count = page.js("window.notes.length")
    peer.send_message(alice.jid, "while minimized")  # the page is visible: the box is not
    page.wait_for("(n) => window.notes.length === n + 1", arg=count)
    page.js("(n) => window.notes[n].onclick(new Event('click'))", count)
    page.wait_for("(jid) => !capi.chats.get(jid).model.get('minimized')", arg=account.jid)
    assert page.js("(n) => window.notes[n].closed", count) is True


def test_room_messages_notify_only_when_they_mention_the_nick(page: ClientPage, prosody: Any,
                                                              bot: Callable[..., Bot]) -> None:
    grant_by_clicking(page)
    room = f"notify-{uuid.uuid4().hex[:8]}@conference.localhost"
    page.js(f"capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"capi.rooms.get({json.dumps(room)}).model.get('connection_status') === 'entered'")
    peer = bot(unique_account(prosody, "carol"))
    peer.send_raw(f"<presence to='{room}/carol'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    peer.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/carol" and kind == "available")
    set_hidden(page, True)
    try:
        count = page.js("window.notes.length")
        peer.send_message(room, "hello everyone", mtype="groupchat")
        peer.send_message(room, f"{escape('alice')}: a word?", mtype="groupchat")
        room_box = f'section.cpy-chatroom[data-jid="{room}"]'
        page.wait_for(f"document.querySelectorAll({json.dumps(room_box + ' li.cpy-msg')}).length === 2")
        page.wait_for("(n) => window.notes.length === n + 1", arg=count)
        assert page.js("(n) => [window.notes[n].title, window.notes[n].body]", count) == [
            f"carol in {room.partition('@')[0]}", "alice: a word?"]
        assert page.js("window.shown.slice(-1)[0].reason") == "mention"
        assert page.page.locator(f"{room_box} header .cpy-unread").inner_text() == "2"
    finally:
        set_hidden(page, False)
    page.wait_for(f"!capi.rooms.get({json.dumps(room)}).model.get('num_unread')")


def test_markers_received_sent_and_received_and_acknowledged_shown(page: ClientPage, alice: Account,
                                                                   bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='mk-1'><body>markable</body>"
                  f"<markable xmlns='{MARKERS}'/></message>")
    received = peer.wait_for_stanza(has(MARKERS, "received"))
    assert received.find(f"{{{MARKERS}}}received").get("id") == "mk-1"
    assert received.find(f"{{{RECEIPTS}}}received") is None
    page.js("(jid) => capi.chats.open(jid).model.sendMessage('one')", account.jid)
    page.js("(jid) => capi.chats.open(jid).model.sendMessage('two')", account.jid)
    one = peer.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "one")
    two = peer.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "two")
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='r-1'>"
                  f"<received xmlns='{MARKERS}' id='{one.get('id')}'/></message>")
    tick = f"{box_css(account.jid)} li.cpy-msg[data-id=\"{{}}\"] .cpy-tick"
    page.wait_for("(sel) => (document.querySelector(sel) || {}).textContent === '✓'", arg=tick.format(one.get("id")))
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='a-1'>"
                  f"<acknowledged xmlns='{MARKERS}' id='{two.get('id')}'/></message>")
    for sent in (one, two):
        page.wait_for("(sel) => (document.querySelector(sel) || {}).textContent === '✓✓'",
                      arg=tick.format(sent.get("id")))


def test_ticks_of_archived_messages_come_back_after_a_fresh_login(browser: Any, web_server: Any, prosody: Any,
                                                                  page: ClientPage, alice: Account,
                                                                  bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    page.js("(jid) => capi.chats.open(jid).model.sendMessage('read me later')", account.jid)
    page.js("(jid) => capi.chats.open(jid).model.sendMessage('deliver me later')", account.jid)
    read = peer.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "read me later")
    delivered = peer.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "deliver me later")
    # as the XEPs say, with the store hint the XEP-0334 way so every server archives them
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='d-arch'><displayed xmlns='{MARKERS}' "
                  f"id='{read.get('id')}'/><store xmlns='urn:xmpp:hints'/></message>")
    peer.send_raw(f"<message to='{read.get('from')}' id='r-arch'><received xmlns='{RECEIPTS}' "
                  f"id='{delivered.get('id')}'/><store xmlns='urn:xmpp:hints'/></message>")
    tick = f"{box_css(account.jid)} li.cpy-msg[data-id=\"{{}}\"] .cpy-tick"
    page.wait_for("(sel) => (document.querySelector(sel) || {}).textContent === '✓'",
                  arg=tick.format(delivered.get("id")))
    fresh = open_page(browser, web_server.url, prosody, alice)  # a new tab: no tick store
    try:
        fresh.js("(jid) => capi.chats.open(jid)", account.jid)
        fresh.wait_for("(sel) => (document.querySelector(sel) || {}).textContent === '✓✓'",
                       arg=tick.format(read.get("id")))
        fresh.wait_for("(sel) => (document.querySelector(sel) || {}).textContent === '✓'",
                       arg=tick.format(delivered.get("id")))
        assert not fresh.page_errors
    finally:
        fresh.close()
