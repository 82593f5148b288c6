"""Receipts, chat markers, chat states, corrections and OTR are each one plugin: a page that starts
with all five in ``blacklisted_plugins`` logs in, chats both ways with the real Prosody and logs no
error, and none of the five features is there (no receipt request, no marker, no chat state, no
``correctMessage``/``initiateOTR`` on the chat box).
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import pytest

from converse_py.xmpp import ns
from tools.bot import Bot

from .support import Account, ClientPage, auto_login_page, unique_account

FIVE = ["converse-receipts", "converse-markers", "converse-chatstates", "converse-corrections", "converse-otr"]
FEATURE_NAMESPACES = (ns.RECEIPTS, ns.MARKERS, ns.CHATSTATES, ns.CORRECT)


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice, blacklisted_plugins=FIVE)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('blacklist-probe', {
        initialize() {
            window.cpyApi = this._converse.api;
            window.cpyApi.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
    yield handle
    handle.close()


def test_a_page_without_the_five_message_features_chats_without_them_and_without_errors(
        page: ClientPage, alice: Account, prosody: Any, bot: Any) -> None:
    account = unique_account(prosody, "bob")
    peer: Bot = bot(account)
    box_css = f'section.cpy-chatbox[data-jid="{account.jid}"]'
    model = page.js("""(jid) => { const m = window.cpyApi.chats.open(jid).model;
        return ['sendMessage', 'correctMessage', 'initiateOTR', 'endOTR'].filter(n => typeof m[n] === 'function'); }""",
                    account.jid)
    assert model == ["sendMessage"]
    # their settings are not declared: unknown to the page
    assert page.js("() => [window.cpyApi.settings.get('allow_otr'), window.cpyApi.settings.get("
                   "'send_delivery_receipts')]") == [None, None]
    textarea = page.page.locator(f"{box_css} textarea")
    textarea.fill("hello without extras")
    textarea.press("Enter")
    sent = peer.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "hello without extras")
    assert [child.tag for child in sent if child.tag.startswith("{") and
            child.tag[1:].partition("}")[0] in FEATURE_NAMESPACES] == []
    assert "?OTR" not in (sent.findtext("{jabber:client}body") or "")
    # bob asks for a receipt and a marker: alice shows his message and sends neither
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='bob-1'><body>are you there?</body>"
                  f"<request xmlns='{ns.RECEIPTS}'/><markable xmlns='{ns.MARKERS}'/>"
                  f"<composing xmlns='{ns.CHATSTATES}'/></message>")
    page.wait_for("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))
        .some(b => b.textContent === 'are you there?')""", arg=box_css)
    textarea.fill("yes")
    textarea.press("Enter")
    index = peer.stanzas.index(next(x for x in peer.stanzas if "hello without extras" in x))
    peer.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "yes", after=index)
    assert not [x for x in peer.stanzas if any(n in x for n in FEATURE_NAMESPACES)]
    # nothing went wrong on the page
    assert not page.page_errors
    assert not [line for line in page.console if line.startswith(("error", "warn"))]


def test_a_js_plugin_declares_its_events_and_settings_in_the_plugin_object(page: ClientPage) -> None:
    result = page.js("""() => new Promise((resolve) => converse.plugins.add('dice', {
        events: {diceRolled: 'the number rolled'},
        settings: {dice_sides: 6},
        initialize() {
            const api = this._converse.api;
            api.listen.on('diceRolled', (n) => { window.rolled = n; });
            api.trigger('diceRolled', 4);
            let refused = null;
            try { api.settings.set('dice_sides', 'many'); } catch (e) { refused = e.message; }
            resolve([window.rolled, api.settings.get('dice_sides'), refused]);
        }}))""")
    assert result[:2] == [4, 6]
    assert result[2].startswith("dice_sides: expected a number")
    assert not [line for line in page.console if "no event named" in line or "unknown setting" in line]
