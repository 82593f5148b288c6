"""Buttons plugins add through the converse-ui hooks (getMessageActionButtons, getToolbarButtons),
in a real page: a Python plugin and a JS plugin each add a row action and a toolbar button, in a
chat box and in a room; clicks (pointer and keyboard) run the handlers with the box and the
message; hostile labels stay text; a row changed in place keeps its buttons.
"""

from __future__ import annotations

import json
import uuid
from html import escape
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, auto_login_page, unique_account

HOSTILE = '<img src=x onerror="window.__xss=1">'

PY_PLUGIN = f"""
from js import window
from pyodide.ffi import to_js

class ButtonsPlugin:
    def initialize(self):
        api = self._converse.api

        def clicked(box, message):
            window.out.clicks.push(to_js(["py", box.get("jid"), message.body]))

        def tool(box):
            window.out.clicks.push(to_js(["py-tool", box.get("jid")]))

        api.listen.on("getMessageActionButtons", lambda context, buttons: buttons + [
            {{"name": "py-act", "label": {HOSTILE!r}, "icon": "🐍", "handler": clicked}}])
        api.listen.on("getToolbarButtons", lambda box, buttons: buttons + [
            {{"name": "py-tool", "label": "Python tool", "text": {HOSTILE!r}, "handler": tool}}])

converse.plugins.add("buttons-py", ButtonsPlugin)
"""

JS_PLUGIN = """() => new Promise((resolve) => converse.plugins.add('buttons-js', { initialize() {
    const api = this._converse.api;
    window.capi = api;
    api.listen.on('getMessageActionButtons', (context, buttons) => {
        window.out.contexts.push([context.box.model.get('jid'), context.message.body]);
        return [...buttons, {name: 'js-act', label: 'Like', icon: '👍',
                             handler: (box, message) => window.out.clicks.push(['js', box.model.get('jid'), message.body])}];
    });
    api.listen.on('getToolbarButtons', (box, buttons) => [...buttons, {
        name: 'js-tool', label: '<b>JS</b> tool',
        handler: (box) => window.out.clicks.push(['js-tool', box.model.get('jid')])}]);
    api.waitUntil('statusInitialized').then(resolve);
}}))"""


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice, keepalive=False)
    handle.js("() => { window.out.clicks = []; window.out.contexts = []; }")
    # Python first: its buttons (Python handlers) pass through the JS listener and come back.
    handle.js("code => window.runPython(code)", PY_PLUGIN)
    handle.js(JS_PLUGIN)
    yield handle
    handle.close()


#: The test plugins' row buttons (not converse-py's own Reply and Retract actions).
PLUGIN_ACTIONS = ("button.cpy-msg-action:not([data-name=reply]):not([data-name=retract]):not([data-name=copy])"
                  ":not([data-name=quote]):not([data-name=react]):not([data-name=moderate])")


def clicks(page: ClientPage) -> list[list[str]]:
    return list(page.js("window.out.clicks"))


def check_box(page: ClientPage, section: str, jid: str, body: str) -> None:
    """Both plugins' buttons on the row holding ``body`` and in the toolbar of ``section``: labels
    as text, shown on hover and focus, clicks and Enter run the handlers."""
    row = page.page.locator(f"{section} li.cpy-msg", has_text=body)
    row.wait_for(timeout=15_000)
    # (converse-py's own Reply, Retract, Copy, Quote and React actions come through the same hook)
    actions = row.locator(PLUGIN_ACTIONS)
    # Made for the row the pointer is on (or the focus is in), not for every row drawn.
    page.page.mouse.move(0, 0)
    assert row.locator(".cpy-msg-actions").count() == 0
    row.hover()
    assert actions.count() == 2
    assert [actions.nth(i).get_attribute("aria-label") for i in (0, 1)] == [HOSTILE, "Like"]
    assert [actions.nth(i).text_content() for i in (0, 1)] == ["🐍", "👍"]
    assert row.locator("img").count() == 0
    assert row.locator(".cpy-msg-actions").evaluate("e => getComputedStyle(e).opacity") == "1"
    actions.nth(0).click()
    actions.nth(1).click()
    page.page.mouse.move(0, 0)
    actions.nth(1).focus()
    assert row.locator(".cpy-msg-actions").evaluate("e => getComputedStyle(e).opacity") == "1"
    page.page.keyboard.press("Enter")
    page.wait_for("window.out.clicks.length >= 3")
    assert clicks(page) == [["py", jid, body], ["js", jid, body], ["js", jid, body]]  # click, click, Enter
    # The toolbar: one button per plugin, in listener order, labels as text (a chat box also has
    # converse-py's own Block button, XEP-0191, emoji button, spoiler toggle, XEP-0382, and 📎 upload button, added through the same hook).
    tools = page.page.locator(f"{section} [data-role=toolbar] button:not([data-name=block]):not([data-name=emoji])"
                              ":not([data-name=spoiler]):not([data-name=upload-file]):not([data-name=omemo])")
    assert tools.count() == 2 and page.page.locator(f"{section} [data-role=toolbar]").is_visible()
    assert [tools.nth(i).text_content() for i in (0, 1)] == [HOSTILE, "<b>JS</b> tool"]
    assert page.page.locator(f"{section} [data-role=toolbar] b, {section} [data-role=toolbar] img").count() == 0
    tools.nth(0).click()
    tools.nth(1).focus()
    page.page.keyboard.press("Enter")
    page.wait_for("window.out.clicks.length >= 5")
    assert clicks(page)[3:] == [["py-tool", jid], ["js-tool", jid]]
    assert page.js("window.__xss") is None


def test_plugins_add_row_actions_and_toolbar_buttons_to_a_chat_box(page: ClientPage, prosody: Any,
                                                                     alice: Account, bot: Any) -> None:
    bob = unique_account(prosody, "bob")
    peer = bot(bob)
    page.js("jid => window.capi.chats.open(jid)", bob.jid)
    section = f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"]'
    page.js("window.out.clicks.length = 0")
    peer.send_message(alice.jid, "press my buttons")
    check_box(page, section, bob.jid, "press my buttons")
    assert [bob.jid, "press my buttons"] in page.js("window.out.contexts")


def test_plugins_add_row_actions_and_toolbar_buttons_to_a_room_and_keep_them_on_a_corrected_row(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = f"buttons-{uuid.uuid4().hex[:8]}@conference.localhost"
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')"
                  f"(window.capi.rooms.get({json.dumps(room)}))", timeout=BOOT_TIMEOUT_MS)
    carol = bot(unique_account(prosody, "carol"))
    carol.send_raw(f"<presence to='{room}/carol'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    carol.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/carol" and kind == "available")
    section = f'#conversejs section.cpy-chatroom[data-jid="{room}"]'
    page.js("window.out.clicks.length = 0")
    carol.send_raw(f"<message to='{room}' type='groupchat' id='c1'><body>room buttons</body></message>")
    check_box(page, section, room, "room buttons")
    # Corrected by its sender: the same row, new text, marked edited, its buttons asked for again.
    carol.send_raw(f"<message to='{room}' type='groupchat' id='c2'><body>{escape('room buttons, fixed')}</body>"
                   "<replace xmlns='urn:xmpp:message-correct:0' id='c1'/></message>")
    page.wait_for(f"Array.from(document.querySelectorAll({json.dumps(section + ' li.cpy-msg .cpy-body')}))"
                  ".map(e => e.textContent).join('|') === 'room buttons, fixed'")
    row = page.page.locator(f"{section} li.cpy-msg", has_text="room buttons, fixed")
    assert row.locator(".cpy-edited").count() == 1 and row.locator(PLUGIN_ACTIONS).count() == 2
    row.hover()
    row.locator(PLUGIN_ACTIONS).nth(0).click()
    page.wait_for("window.out.clicks.length >= 6")
    assert clicks(page)[5] == ["py", room, "room buttons, fixed"]
