"""Bookmarks in a real page, with a second device of the same account (a slixmpp client) storing
bookmarks as the XEPs say: XEP-0402 where the account advertises ``urn:xmpp:bookmarks:1#compat``
(Prosody with mod_bookmarks), else XEP-0048 in private XML storage (ejabberd 23.01; and a Prosody
started without mod_bookmarks). One page (alice) is shared by the module; each test uses its own rooms.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

from tools.bot import Bot
from tools.ejabberd import EjabberdServer
from tools.prosody import CONFIG_PATH, ProsodyServer

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

BOOKMARKS, COMPAT = "urn:xmpp:bookmarks:1", "urn:xmpp:bookmarks:1#compat"
PUBSUB, PRIVATE, STORAGE = "http://jabber.org/protocol/pubsub", "jabber:iq:private", "storage:bookmarks"


class Device:
    """The user's other client: stores bookmarks the way the server offers (0402 or 0048)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.pep = COMPAT in self._iq(f"<iq type='get' to='{bot.jid.split('/')[0]}'><query "
                                      "xmlns='http://jabber.org/protocol/disco#info'/></iq>")

    def _iq(self, xml: str) -> str:
        iq_id = f"dev-{uuid.uuid4().hex[:8]}"
        self.bot.send_raw(xml.replace("<iq ", f"<iq id='{iq_id}' ", 1))
        answer = self.bot.wait_for_iq_result(iq_id)
        assert "type=\"error\"" not in answer and "type='error'" not in answer, answer
        return answer

    def bookmarks(self) -> dict[str, dict[str, str]]:
        """room JID → {nick, autojoin} as stored on the server."""
        if self.pep:
            answer = self._iq_or_empty(f"<iq type='get'><pubsub xmlns='{PUBSUB}'><items node='{BOOKMARKS}'/>"
                                       "</pubsub></iq>")
            return {item.get("id") or "": _conference(item.find(f"{{{BOOKMARKS}}}conference"), BOOKMARKS)
                    for item in ET.fromstring(answer).iter(f"{{{PUBSUB}}}item")} if answer else {}
        answer = self._iq(f"<iq type='get'><query xmlns='{PRIVATE}'><storage xmlns='{STORAGE}'/></query></iq>")
        return {c.get("jid") or "": _conference(c, STORAGE) for c in ET.fromstring(answer).iter(f"{{{STORAGE}}}conference")}

    def _iq_or_empty(self, xml: str) -> str:
        iq_id = f"dev-{uuid.uuid4().hex[:8]}"
        self.bot.send_raw(xml.replace("<iq ", f"<iq id='{iq_id}' ", 1))
        answer = self.bot.wait_for_iq_result(iq_id)
        return "" if "item-not-found" in answer else answer

    def add(self, room: str, nick: str, autojoin: bool = True) -> None:
        conference = (f"autojoin='{'true' if autojoin else 'false'}'><nick>{escape(nick)}</nick></conference>")
        if self.pep:  # XEP-0402 §3.2
            self._iq(f"<iq type='set'><pubsub xmlns='{PUBSUB}'><publish node='{BOOKMARKS}'><item id='{room}'>"
                     f"<conference xmlns='{BOOKMARKS}' {conference}</item></publish><publish-options>"
                     "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>"
                     "http://jabber.org/protocol/pubsub#publish-options</value></field><field "
                     "var='pubsub#persist_items'><value>true</value></field><field var='pubsub#max_items'><value>max"
                     "</value></field><field var='pubsub#send_last_published_item'><value>never</value></field>"
                     "<field var='pubsub#access_model'><value>whitelist</value></field></x></publish-options>"
                     "</pubsub></iq>")
        else:  # XEP-0048 §3.3: the whole storage at once
            others = "".join(f"<conference jid='{jid}' autojoin='{b['autojoin']}'><nick>{escape(b['nick'])}</nick>"
                             "</conference>" for jid, b in self.bookmarks().items() if jid != room)
            self._iq(f"<iq type='set'><query xmlns='{PRIVATE}'><storage xmlns='{STORAGE}'>{others}"
                     f"<conference jid='{room}' {conference}</storage></query></iq>")

    def retract(self, room: str) -> None:
        assert self.pep
        self._iq(f"<iq type='set'><pubsub xmlns='{PUBSUB}'><retract node='{BOOKMARKS}' notify='true'>"
                 f"<item id='{room}'/></retract></pubsub></iq>")


def _conference(element: Any, namespace: str) -> dict[str, str]:
    if element is None:
        return {"nick": "", "autojoin": ""}
    return {"nick": element.findtext(f"{{{namespace}}}nick") or "", "autojoin": element.get("autojoin") or ""}


def new_room(server: Any, prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@{server.muc_domain}"


def box(jid: str) -> str:
    return f'#conversejs section.cpy-chatroom[data-jid="{jid}"]'


def open_page(browser: Any, web_server: Any, server: Any, account: Account, **more: Any) -> ClientPage:
    settings = {"bosh_service_url": server.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True, "keepalive": False, "show_controlbox_by_default": True, **more}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('grab-bookmarks', { initialize() {
        window.capi = this._converse.api;
        window.out.bookmarkEvents = [];
        for (const name of ['bookmarkAdded', 'bookmarkRemoved']) {
            window.capi.listen.on(name, (b) => window.out.bookmarkEvents.push([name, b.jid]));
        }
        window.capi.waitUntil('bookmarksInitialized').then(resolve);
    }}))""")
    return handle


def wait_entered(page: ClientPage, room: str, nick: str | None = None) -> None:
    page.wait_for("([room, nick]) => { const r = window.capi.rooms.get(room); return r && "
                  "r.model.get('connection_status') === 'entered' && (!nick || r.model.get('nick') === nick); }",
                  arg=[room, nick], timeout=20_000)


def toggle(page: ClientPage, room: str) -> Any:
    return page.page.locator(f'{box(room)} header button[data-action="toggle-bookmark"]')


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def device(alice: Account, bot: Any) -> Device:
    return Device(bot(alice, "phone"))


@pytest.fixture(scope="module")
def autojoined(prosody: Any, device: Device) -> str:
    """A room the other device bookmarked (autojoin, nick 'ali-phone') before the page logs in."""
    room = new_room(prosody, "early")
    device.add(room, "ali-phone")
    return room


@pytest.fixture(scope="module")
def auto_room(prosody: Any) -> str:
    """A room named by the page's ``auto_join_rooms`` setting (with a nick)."""
    return new_room(prosody, "setting")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account, autojoined: str,
         auto_room: str) -> Iterator[ClientPage]:
    handle = open_page(browser, web_server, prosody, alice, auto_join_rooms=[{"jid": auto_room, "nick": "ali-set"}])
    yield handle
    handle.close()


def test_a_bookmark_from_the_other_device_is_autojoined_at_login_with_its_nick(
        page: ClientPage, device: Device, autojoined: str, auto_room: str) -> None:
    wait_entered(page, autojoined, "ali-phone")
    wait_entered(page, auto_room, "ali-set")  # auto_join_rooms: [{jid, nick}]
    page.js(f"window.capi.rooms.close({json.dumps(auto_room)})")  # keep the screen for the boxes below
    bookmark = page.js(f"window.capi.bookmarks.get({json.dumps(autojoined)})")
    assert bookmark["nick"] == "ali-phone" and bookmark["autojoin"] is True
    # the header shows it bookmarked; the control box lists the open room
    page.page.wait_for_selector(f'{box(autojoined)} header button[data-action="toggle-bookmark"][aria-pressed="true"]')
    page.page.wait_for_selector(f'#conversejs li.cpy-open-room[data-jid="{autojoined}"] .cpy-bookmarked')


def test_the_header_toggle_removes_and_adds_the_bookmark_and_the_other_device_sees_it(
        page: ClientPage, device: Device, prosody: Any) -> None:
    room = new_room(prosody, "toggle")
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    wait_entered(page, room)
    # entering bookmarks the room (allow_bookmarks, on by default) with the nick used
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="true"]')
    assert device.bookmarks()[room]["nick"] == "alice"
    toggle(page, room).click()
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="false"]')
    assert room not in device.bookmarks()
    assert page.js(f"window.capi.rooms.get({json.dumps(room)}).model.get('connection_status')") == "entered"
    toggle(page, room).click()
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="true"]')
    assert device.bookmarks()[room] == {"nick": "alice", "autojoin": "true"}


def test_live_changes_from_the_other_device_apply(page: ClientPage, device: Device, prosody: Any) -> None:
    if not device.pep:
        pytest.skip("this server keeps bookmarks in private XML storage (no #compat): it sends no notifications")
    room = new_room(prosody, "live")
    device.add(room, "ali-live")
    wait_entered(page, room, "ali-live")  # a new autojoin bookmark opens the room
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="true"]')
    device.retract(room)
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="false"]')
    assert ["bookmarkRemoved", room] in page.js("window.out.bookmarkEvents")
    assert page.js(f"window.capi.rooms.get({json.dumps(room)}).model.get('closed')") is False  # still open


def test_a_bookmark_push_from_another_account_is_ignored(page: ClientPage, prosody: Any, bot: Any) -> None:
    mallory = bot(unique_account(prosody, "mallory"))
    room = new_room(prosody, "forged")
    own_full = page.js("window.capi.user.jid()")
    before = len(page.js("window.out.bookmarkEvents"))
    mallory.send_raw(f"<message to='{own_full}' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
                     f"<items node='{BOOKMARKS}'><item id='{room}'><conference xmlns='{BOOKMARKS}' autojoin='true'>"
                     "<nick>pwned</nick></conference></item></items></event></message>")
    mallory.send_message(own_full, "marker after the forged push")
    page.wait_for("window.capi.chats.get().some(b => b.model.get('jid').startsWith('mallory'))")
    assert page.js(f"window.capi.rooms.get({json.dumps(room)})") is None
    assert len(page.js("window.out.bookmarkEvents")) == before


def test_the_open_rooms_list_counts_unread_and_mentions_and_rooms_survive_a_reload(
        page: ClientPage, device: Device, prosody: Any, bot: Any, autojoined: str) -> None:
    room = new_room(prosody, "list")
    page.js(f"window.capi.rooms.close(window.capi.rooms.open().map(r => r.model.get('jid'))"
            f".filter(jid => jid !== {json.dumps(autojoined)}))")  # room for the new box on the screen
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    wait_entered(page, room)
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="true"]')
    # not bookmarked: it comes back after the reload from the tab alone (the module's many open
    # boxes wrap into rows, some above the viewport: the buttons are pressed without scrolling)
    toggle(page, room).dispatch_event("click")
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="false"]')
    page.page.locator(f'{box(room)} header button[data-action="minimize-room"]').dispatch_event("click")
    bob = bot(unique_account(prosody, "bob"))
    bob.send_raw(f"<presence to='{room}/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    bob.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/bob" and kind == "available")
    bob.send_message(room, "hello everyone", mtype="groupchat")
    bob.send_message(room, "alice, look at this", mtype="groupchat")
    row = f'#conversejs li.cpy-open-room[data-jid="{room}"]'
    page.page.wait_for_selector(f'{row} .cpy-unread:text-is("2")')
    assert page.page.locator(f"{row} .cpy-mentions").inner_text() == "@1"
    page.page.locator(f'{row} button[data-action="show-room"]').click()
    page.page.wait_for_selector(f'{row} .cpy-unread[hidden]', state="attached")
    assert page.page.locator(f"{row} .cpy-mentions").is_hidden()
    # a reload (a new login): the room is open again, and so is the autojoined one
    page.page.reload()
    page.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    page.js("""() => new Promise((resolve) => converse.plugins.add('grab-reloaded', { initialize() {
        window.capi = this._converse.api; window.capi.waitUntil('bookmarksInitialized').then(resolve); }}))""")
    wait_entered(page, room, "alice")
    wait_entered(page, autojoined, "ali-phone")
    page.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="false"]')
    assert room not in device.bookmarks()


# -- XEP-0048 fallback on a Prosody without mod_bookmarks (ejabberd 23.01 is one already) ---------
@pytest.fixture(scope="module")
def prosody_without_0402(prosody: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    if isinstance(prosody, EjabberdServer):
        pytest.skip("ejabberd 23.01 advertises no #compat: the tests above already ran the XEP-0048 fallback")
    config = CONFIG_PATH.read_text()
    assert '"bookmarks";' in config
    path = Path(tmp_path_factory.mktemp("no-0402")) / "prosody-no-bookmarks.cfg.lua"
    path.write_text(config.replace('"bookmarks";', ""))
    server = ProsodyServer(config=path).start()
    yield server
    server.stop()
    server.cleanup()


def test_without_0402_bookmarks_fall_back_to_private_storage(
        browser: Any, web_server: Any, prosody_without_0402: ProsodyServer) -> None:
    server = prosody_without_0402
    account = unique_account(server, "fallback")
    other = Bot(account.jid, account.password, "127.0.0.1", server.c2s_port, "phone").start()
    try:
        device = Device(other)
        assert not device.pep
        room = new_room(server, "old")
        device.add(room, "ali-0048")
        handle = open_page(browser, web_server, server, account)
        try:
            wait_entered(handle, room, "ali-0048")
            toggle(handle, room).click()
            handle.page.wait_for_selector(f'{box(room)} header button[data-action="toggle-bookmark"][aria-pressed="false"]')
            assert device.bookmarks() == {}
            added = handle.js("window.capi.bookmarks.add({jid: 'added@' + " + json.dumps(server.muc_domain)
                              + ", nick: 'al', autojoin: false})")
            assert added["nick"] == "al"
            assert device.bookmarks() == {f"added@{server.muc_domain}": {"nick": "al", "autojoin": "false"}}
        finally:
            handle.close()
    finally:
        other.stop()
