"""One-to-one chats in a real page against the real Prosody, with slixmpp playing bob:
messages both ways (box composer, api.send), rendering (text only, safe links, day separators),
the chats API and its chat box objects as the seed shows them, events, unread counters,
sounds, and open boxes surviving a reload.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

_names = itertools.count(1)


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    _wait_connected(handle)
    yield handle
    handle.close()


def _wait_connected(handle: ClientPage) -> None:
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('wait-connected-' + Math.random(), {
        initialize() {
            const api = this._converse.api;
            window.events = [];
            for (const name of ['message', 'messageSend', 'chatBoxOpened', 'chatBoxClosed', 'chatBoxFocused',
                                'chatBoxMinimized', 'chatBoxMaximized']) {
                api.listen.on(name, (arg) => window.events.push([name,
                    arg && arg.nodeType ? arg.nodeName : (arg && arg.model ? arg.model.get('jid') : null)]));
            }
            window.cpyApi = api;
            api.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")


def js_plugin(page: ClientPage, body: str) -> None:
    """Run ``body`` as the initialize of a new JS plugin (plugins added after initialize run at once)."""
    name = f"chat-snippet-{next(_names)}"
    page.js(f"() => converse.plugins.add({json.dumps(name)}, {{ initialize: function () {{ {body} }} }})")


def rows(page: ClientPage, jid: str) -> list[str]:
    return page.js("""(jid) => Array.from(document.querySelectorAll(
        `section.cpy-chatbox[data-jid="${jid}"] li.cpy-msg .cpy-body`)).map(e => e.textContent)""", jid)


def wait_rows(page: ClientPage, jid: str, count: int, timeout: int = 15_000) -> list[str]:
    page.wait_for("""([jid, n]) => document.querySelectorAll(
        `section.cpy-chatbox[data-jid="${jid}"] li.cpy-msg`).length >= n""", arg=[jid, count], timeout=timeout)
    return rows(page, jid)


def test_incoming_messages_from_any_resource_render_as_text_in_order(page: ClientPage, alice: Account,
                                                                   bob: Account, bot: Any) -> None:
    phone, laptop = bot(bob, "phone"), bot(bob, "laptop")
    phone.send_message(alice.jid, "hello from the phone")
    wait_rows(page, bob.jid, 1)
    laptop.send_message(alice.jid, '<img src=x onerror="window.pwned=1"> see https://example.org/x?a=1&b=2.')
    laptop.send_message(alice.jid, "javascript:alert(1) and xmpp:bob@localhost")
    shown = wait_rows(page, bob.jid, 3)
    assert shown == ["hello from the phone",
                     '<img src=x onerror="window.pwned=1"> see https://example.org/x?a=1&b=2.',
                     "javascript:alert(1) and xmpp:bob@localhost"]
    box = f'section.cpy-chatbox[data-jid="{bob.jid}"]'
    assert page.js("window.pwned") is None
    assert page.page.locator(f"{box} li.cpy-msg img").count() == 0
    links = page.js(f"""() => Array.from(document.querySelectorAll('{box} .cpy-body a')).map(a => a.href)""")
    assert links == ["https://example.org/x?a=1&b=2", "xmpp:bob@localhost"]
    assert page.page.locator(f"{box} li.cpy-day").count() == 1
    assert page.page.locator(f"{box} li.cpy-msg time").count() == 3
    ids = page.js(f"""() => Array.from(document.querySelectorAll('{box} li.cpy-msg')).map(li => li.dataset.id)""")
    assert all(ids) and len(set(ids)) == 3
    assert ["message", "message"] in page.js("window.events")
    assert not [line for line in page.console if line.startswith(("error", "warning"))]


def test_reply_with_enter_shift_enter_newline_and_api_send(page: ClientPage, alice: Account, bob: Account,
                                                          bot: Any) -> None:
    peer = bot(bob, "desk")
    page.js("(jid) => window.cpyApi.chats.open(jid)", bob.jid)
    box = page.page.locator(f'section.cpy-chatbox[data-jid="{bob.jid}"]')
    textarea = box.locator("textarea")
    textarea.click()
    textarea.type("first line")
    textarea.press("Shift+Enter")
    textarea.type("second line")
    assert textarea.input_value() == "first line\nsecond line"
    textarea.press("Enter")
    sender, body = peer.wait_for_message("first line\nsecond line")
    assert sender.startswith(alice.jid + "/")
    assert textarea.input_value() == ""
    assert rows(page, bob.jid)[-1] == "first line\nsecond line"
    assert page.js("window.events.filter(e => e[0] === 'messageSend').length") >= 1
    js_plugin(page, f"""
        var msg = converse.env.$msg({{to: {json.dumps(bob.jid)}, type: 'chat'}}).c('body').t('via api.send');
        this._converse.api.send(msg);""")
    peer.wait_for_message("via api.send")


def test_chats_get_and_open_return_chat_box_objects(page: ClientPage, prosody: Any) -> None:
    carol, dave = unique_account(prosody, "carol"), unique_account(prosody, "dave")
    js_plugin(page, f"""
        var api = this._converse.api, out = window.out.chats = {{}};
        var boxes = api.chats.open([{json.dumps(carol.jid)}, {json.dumps(dave.jid)}]);
        out.openedCount = boxes.length;
        out.methods = ['close', 'focus', 'show'].every(m => typeof boxes[0][m] === 'function') &&
            ['get', 'set', 'minimize', 'maximize'].every(m => typeof boxes[0].model[m] === 'function');
        out.single = api.chats.get({json.dumps(carol.jid)}).model.get('jid');
        out.pair = api.chats.get([{json.dumps(carol.jid)}, 'nobody@localhost']).map(b => b && b.model.get('jid'));
        boxes[0].model.set('height', 300);
        boxes[0].model.set({{url: 'https://example.org/carol'}});
        out.height = boxes[0].model.get('height');
        boxes[1].close();
        out.afterClose = api.chats.get({json.dumps(dave.jid)});
        out.all = api.chats.get().map(b => b.model.get('jid'));
        boxes[1].show();
        out.shown = api.chats.get({json.dumps(dave.jid)}).model.get('jid');
        boxes[0].focus();
    """)
    out = page.js("window.out.chats")
    assert out["openedCount"] == 2 and out["methods"] is True
    assert out["single"] == carol.jid and out["pair"] == [carol.jid, None]
    assert out["height"] == 300 and out["afterClose"] is None
    assert carol.jid in out["all"] and dave.jid not in out["all"]
    assert out["shown"] == dave.jid
    section = page.page.locator(f'section.cpy-chatbox[data-jid="{carol.jid}"]')
    assert section.evaluate("e => e.style.height") == "300px"
    assert section.locator("header a").get_attribute("href") == "https://example.org/carol"
    assert section.locator("textarea").evaluate("e => e === document.activeElement")
    assert page.page.locator(f'section.cpy-chatbox[data-jid="{dave.jid}"]').is_visible()
    events = page.js("window.events")
    for name, jid in [("chatBoxOpened", carol.jid), ("chatBoxClosed", dave.jid), ("chatBoxFocused", carol.jid)]:
        assert [name, jid] in events
    js_plugin(page, f"""
        var box = this._converse.api.chats.get({json.dumps(carol.jid)});
        box.model.set('url', 'javascript:alert(1)');""")
    assert section.locator("header a").count() == 0


def test_minimized_box_counts_unread_and_maximize_clears(page: ClientPage, alice: Account, prosody: Any,
                                                         bot: Any) -> None:
    erin = unique_account(prosody, "erin")
    peer = bot(erin)
    page.js("(jid) => window.cpyApi.chats.open(jid).model.minimize()", erin.jid)
    section = page.page.locator(f'section.cpy-chatbox[data-jid="{erin.jid}"]')
    assert section.evaluate("e => e.classList.contains('cpy-minimized')")
    assert not section.locator("ol.cpy-messages").is_visible()
    peer.send_message(alice.jid, "are you there?")
    peer.send_message(alice.jid, "hello?")
    page.wait_for("(jid) => window.cpyApi.chats.get(jid).model.get('num_unread') === 2", arg=erin.jid)
    assert section.locator('[data-role="unread"]').inner_text() == "2"
    section.locator('[data-action="toggle-chat"]').click()
    assert page.js("(jid) => window.cpyApi.chats.get(jid).model.get('num_unread')", erin.jid) == 0
    assert section.locator('[data-role="unread"]').is_hidden()
    assert section.locator("ol.cpy-messages").is_visible()
    events = page.js("window.events")
    assert ["chatBoxMinimized", erin.jid] in events and ["chatBoxMaximized", erin.jid] in events


def test_play_sounds_plays_the_local_sound_when_the_page_is_not_focused(page: ClientPage, alice: Account,
                                                                       prosody: Any, bot: Any) -> None:
    frank = unique_account(prosody, "frank")
    peer = bot(frank)
    page.js("() => { window.cpyApi.settings.set('play_sounds', true); document.hasFocus = () => false; }")
    before = len(page.requests)
    peer.send_message(alice.jid, "ding")
    wait_rows(page, frank.jid, 1)
    page.page.wait_for_timeout(300)
    sounds = [u for u in page.requests[before:] if u.endswith("/static/sounds/msg_received.wav")]
    assert sounds, page.requests[before:]
    page.js("() => { delete document.hasFocus; window.cpyApi.settings.set('play_sounds', false); }")


def test_a_burst_of_300_messages_all_appear_in_order(page: ClientPage, alice: Account, prosody: Any,
                                                     bot: Any) -> None:
    gina = unique_account(prosody, "gina")
    peer = bot(gina)
    for n in range(300):
        peer.send_message(alice.jid, f"burst {n:03d}")
    shown = wait_rows(page, gina.jid, 300, timeout=60_000)
    assert shown == [f"burst {n:03d}" for n in range(300)]



def test_history_follows_new_messages_only_while_the_user_is_at_the_bottom(page: ClientPage, alice: Account,
                                                                          prosody: Any, bot: Any) -> None:
    hana = unique_account(prosody, "hana")
    peer = bot(hana)
    for n in range(40):  # more than the box shows
        peer.send_message(alice.jid, f"fill {n:02d}")
    wait_rows(page, hana.jid, 40)
    history = page.page.locator(f'section.cpy-chatbox[data-jid="{hana.jid}"] ol.cpy-messages')
    at_bottom = """(jid) => { const e = document.querySelector(
        `section.cpy-chatbox[data-jid="${jid}"] ol.cpy-messages`);
        return e.scrollHeight - e.scrollTop - e.clientHeight < 2; }"""
    frames = "e => new Promise((r) => { let n = 5; const f = () => (--n ? requestAnimationFrame(f) : r()); f(); })"
    # at the bottom, also once the 40 rows took their real heights (they are laid out at an
    # estimated height until first shown: the box used to stop following there)
    page.wait_for(at_bottom, arg=hana.jid, timeout=5_000)
    assert history.evaluate("e => e.scrollHeight > e.clientHeight + 100")
    peer.send_message(alice.jid, "while at the bottom")
    wait_rows(page, hana.jid, 41)
    page.wait_for(at_bottom, arg=hana.jid, timeout=5_000)
    # scrolled up to read: new messages arrive below and the rows in view stay where they are
    top = history.evaluate("e => { e.scrollTop = 100; return e.scrollTop; }")
    history.evaluate(frames)
    peer.send_message(alice.jid, "while reading older ones")
    shown = wait_rows(page, hana.jid, 42)
    history.evaluate(frames)
    assert shown[-1] == "while reading older ones"
    assert history.evaluate("e => e.scrollTop") == top
    assert not page.js(at_bottom, hana.jid)


@pytest.mark.parametrize("keepalive", [False, True], ids=["login-again", "keepalive-resume"])
def test_open_boxes_survive_a_reload(browser: Any, web_server: Any, prosody: Any, keepalive: bool) -> None:
    henry, ida, jack = (unique_account(prosody, n) for n in ("henry", "ida", "jack"))
    settings = {"bosh_service_url": prosody.bosh_url, "jid": henry.jid, "password": henry.password,
                "auto_login": True, "keepalive": keepalive}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    try:
        _wait_connected(handle)
        handle.js("""([a, b]) => { const api = window.cpyApi; api.chats.open(a).model.minimize();
                                   api.chats.open(b).close(); }""", [ida.jid, jack.jid])
        box = handle.page.locator(f'section.cpy-chatbox[data-jid="{ida.jid}"]')
        box.locator('[data-action="toggle-chat"]').click()
        box.locator("textarea").fill("before the reload")
        box.locator("textarea").press("Enter")
        box.locator('[data-action="toggle-chat"]').click()
        # the message is archived once the server answers an IQ sent after it
        handle.js("""() => window.cpyApi.sendIQ(converse.env.$iq({type: 'get'}).c('ping', {xmlns: 'urn:xmpp:ping'}))
                         .then(() => true)""")
        handle.page.reload()
        _wait_connected(handle)
        assert handle.js("() => window.cpyApi.chats.get().map(b => [b.model.get('jid'), b.model.get('minimized')])") \
            == [[ida.jid, True]]
        assert box.count() == 1
        # the history comes back from the archive, once
        try:
            handle.wait_for(f"() => document.querySelectorAll('section.cpy-chatbox[data-jid=\"{ida.jid}\"] li.cpy-msg').length > 0")
        except Exception:
            print("\n".join(handle.console[-80:]))
            raise
        handle.page.wait_for_timeout(300)
        assert rows(handle, ida.jid) == ["before the reload"]
        assert box.locator("li.cpy-msg.cpy-out").count() == 1
    finally:
        handle.close()


def test_python_plugin_opens_a_box_and_sends(page: ClientPage, prosody: Any, bot: Any, alice: Account) -> None:
    kim = unique_account(prosody, "kim")
    peer = bot(kim)
    name = f"py-chat-{next(_names)}"
    page.js("code => window.runPython(code)", f"""
class Snippet:
    def initialize(self):
        api = self._converse.api
        box = api.chats.open({kim.jid!r})
        box.model.set("height", 250)
        box.send_message("from python")
        window.out.pyBoxes = len(api.chats.get())
        window.out.pyHeight = api.chats.get({kim.jid!r}).get("height")

converse.plugins.add({name!r}, Snippet)
""")
    sender, _ = peer.wait_for_message("from python")
    assert sender.startswith(alice.jid + "/")
    assert page.js("window.out.pyHeight") == 250 and page.js("window.out.pyBoxes") >= 1
    assert rows(page, kim.jid) == ["from python"]


def test_seed_chats_snippets_run_as_written(page: ClientPage) -> None:
    js_plugin(page, """
        this._converse.api.chats.open('buddy@example.com')
    """)
    js_plugin(page, """
        this._converse.api.chats.open(['buddy1@example.com', 'buddy2@example.com'])
    """)
    js_plugin(page, """
        var _converse = this._converse;
        window.out.seedGet = [
            _converse.api.chats.get('buddy@example.com').model.get('jid'),
            _converse.api.chats.get(['buddy1@example.com', 'buddy2@example.com']).map(b => b.model.get('jid')),
            _converse.api.chats.get().map(b => b.model.get('jid')).filter(j => j.endsWith('@example.com')).sort()];
    """)
    assert page.js("window.out.seedGet") == [
        "buddy@example.com", ["buddy1@example.com", "buddy2@example.com"],
        ["buddy1@example.com", "buddy2@example.com", "buddy@example.com"]]
    for jid in ("buddy@example.com", "buddy1@example.com", "buddy2@example.com"):
        assert page.page.locator(f'section.cpy-chatbox[data-jid="{jid}"]').count() == 1


def test_carbons_show_what_the_other_clients_send_and_receive(page: ClientPage, alice: Account,
                                                              prosody: Any, bot: Any) -> None:
    lena = unique_account(prosody, "lena")
    peer, other_client = bot(lena), bot(alice, "phone")
    # carbons are enabled once discovery found them (shortly after log-in): wait for the first copy
    for attempt in range(40):
        other_client.send_message(lena.jid, f"sent from alice's phone {attempt}")
        peer.wait_for_message(f"sent from alice's phone {attempt}")
        if rows(page, lena.jid):
            break
        page.page.wait_for_timeout(250)
    page.wait_for("""([jid, text]) => Array.from(document.querySelectorAll(
        `section.cpy-chatbox[data-jid="${jid}"] li.cpy-msg .cpy-body`)).some(e => e.textContent === text)""",
                  arg=[lena.jid, f"sent from alice's phone {attempt}"])
    sent = rows(page, lena.jid)
    peer.send_message(alice.jid + "/phone", "to alice's phone only")
    other_client.wait_for_message("to alice's phone only")
    shown = wait_rows(page, lena.jid, len(sent) + 1)
    assert shown[-1] == "to alice's phone only"
    assert shown[:-1] == sent and all(body.startswith("sent from alice's phone ") for body in sent)
    classes = page.js("""(jid) => Array.from(document.querySelectorAll(
        `section.cpy-chatbox[data-jid="${jid}"] li.cpy-msg`)).map(li => li.classList.contains('cpy-out'))""", lena.jid)
    assert classes == [True] * len(sent) + [False]


def test_an_archive_page_arriving_before_the_first_live_rows_are_drawn_goes_above_them(page: ClientPage) -> None:
    """The history of a new box can come back before the row of the message that opened it is drawn
    (a stanza burst): the older page goes above it, nothing is lost, no handler fails."""
    jid = f"race-{next(_names)}@localhost"
    name = f"py-race-{next(_names)}"
    page.js("code => window.runPython(code)", f"""
from datetime import datetime, timedelta, timezone
from converse_py.plugins.chats.models import ShownMessage

class Snippet:
    def initialize(self):
        box = self._converse.api.chats.open({jid!r})
        now = datetime.now(timezone.utc)
        box.model.add_messages([ShownMessage("live-1", {jid!r}, "live row", now, False)])
        box.model.add_messages([ShownMessage("old-1", {jid!r}, "archived row", now - timedelta(minutes=5), False,
                                             stanza_id="arch-1", archived=True)], older=True)
        window.out.raceDone = True

converse.plugins.add({name!r}, Snippet)
""")
    assert page.js("window.out.raceDone") is True
    page.wait_for(f"() => document.querySelectorAll('#conversejs .cpy-chatbox[data-jid=\"{jid}\"] .cpy-msg').length === 2")
    assert rows(page, jid) == ["archived row", "live row"]
