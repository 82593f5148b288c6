"""Receipts, chat markers, chat states and corrections (XEP-0184/0333/0085/0308) in a real page
against the real Prosody, with slixmpp playing bob. One page for the module (alice), a fresh bob
for each test; every wait is on an event or a DOM state, never a fixed sleep.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Callable, Iterator

import pytest

from converse_py.xmpp import ns
from tools.bot import Bot

from .support import Account, ClientPage, auto_login_page, unique_account

RECEIPTS, MARKERS, CHATSTATES, CORRECT, HINTS = ns.RECEIPTS, ns.MARKERS, ns.CHATSTATES, ns.CORRECT, ns.HINTS


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('messaging-events', {
        initialize() {
            const api = this._converse.api;
            window.events = [];
            for (const name of ['messageDelivered', 'messageDisplayed', 'messageCorrected']) {
                api.listen.on(name, (box, msg) => window.events.push([name, box.model.get('jid'), msg.body]));
            }
            api.listen.on('chatStateNotification',
                (box, state) => window.events.push(['chatStateNotification', box.model.get('jid'), state]));
            window.cpyApi = api;
            api.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
    yield handle
    assert not handle.page_errors
    assert not [line for line in handle.console if line.startswith("error")]
    handle.close()


@pytest.fixture
def bob(prosody: Any, bot: Callable[..., Bot]) -> tuple[Account, Bot]:
    account = unique_account(prosody, "bob")
    return account, bot(account)


def box_css(jid: str) -> str:
    return f'section.cpy-chatbox[data-jid="{jid}"]'


def row_state(page: ClientPage, jid: str) -> list[list[str]]:
    """Each message row of the box: [data-id, body, tick label or '', edited text or '']."""
    return page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg')).map(li => [
        li.dataset.id, li.querySelector('.cpy-body').textContent,
        (li.querySelector('.cpy-tick') || {getAttribute: () => ''}).getAttribute('aria-label') || '',
        (li.querySelector('.cpy-edited') || {}).textContent || ''])""", box_css(jid))


def composer(page: ClientPage, jid: str) -> Any:
    page.js("(jid) => window.cpyApi.chats.open(jid)", jid)
    return page.page.locator(f"{box_css(jid)} textarea")


def is_body(text: str) -> Callable[[ET.Element], bool]:
    return lambda el: el.findtext("{jabber:client}body") == text


def has(namespace: str, name: str) -> Callable[[ET.Element], bool]:
    return lambda el: el.find(f"{{{namespace}}}{name}") is not None


def test_sent_messages_show_delivered_then_read_ticks_in_place(page: ClientPage, alice: Account,
                                                              bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    textarea = composer(page, account.jid)
    textarea.fill("first")
    textarea.press("Enter")
    textarea.fill("second")
    textarea.press("Enter")
    first = peer.wait_for_stanza(is_body("first"))
    second = peer.wait_for_stanza(is_body("second"))
    for stanza in (first, second):
        assert has(RECEIPTS, "request")(stanza) and has(MARKERS, "markable")(stanza)
        assert has(CHATSTATES, "active")(stanza)
    assert [r[2] for r in row_state(page, account.jid)] == ["", ""]
    # rows not changed stay the same elements (a list re-render would replace them)
    page.js("""(sel) => { window.keptRow = document.querySelector(sel + ' li.cpy-msg');
                          window.keptDay = document.querySelector(sel + ' li.cpy-day'); }""", box_css(account.jid))
    peer.send_raw(f"<message to='{second.get('from')}' id='r-1'>"
                  f"<received xmlns='{RECEIPTS}' id='{second.get('id')}'/></message>")
    page.wait_for("""([sel, id]) => { const t = document.querySelector(
        `${sel} li.cpy-msg[data-id="${id}"] .cpy-tick`); return t && t.textContent === '✓'; }""",
                  arg=[box_css(account.jid), second.get("id")])
    assert [r[2] for r in row_state(page, account.jid)] == ["", "Delivered"]
    assert page.js("(sel) => document.querySelector(sel + ' li.cpy-msg') === window.keptRow",
                   box_css(account.jid))
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='d-1'>"
                  f"<displayed xmlns='{MARKERS}' id='{second.get('id')}'/></message>")
    page.wait_for("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-tick'))
        .filter(t => t.textContent === '✓✓').length === 2""", arg=box_css(account.jid))
    assert [r[2] for r in row_state(page, account.jid)] == ["Read", "Read"]
    assert page.js("(sel) => document.querySelector(sel + ' li.cpy-day') === window.keptDay",
                   box_css(account.jid))
    events = [e for e in page.js("window.events") if e[1] == account.jid]
    assert ["messageDelivered", account.jid, "second"] in events
    assert ["messageDisplayed", account.jid, "second"] in events


def test_a_contacts_message_gets_a_receipt_and_a_displayed_marker(page: ClientPage, alice: Account,
                                                                 bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='bob-1'><body>are you there?</body>"
                  f"<request xmlns='{RECEIPTS}'/><markable xmlns='{MARKERS}'/></message>")
    receipt = peer.wait_for_stanza(has(RECEIPTS, "received"))
    assert receipt.find(f"{{{RECEIPTS}}}received").get("id") == "bob-1"
    assert receipt.get("from", "").startswith(alice.jid + "/")
    marker = peer.wait_for_stanza(has(MARKERS, "displayed"))  # the box opened and shows it
    assert marker.find(f"{{{MARKERS}}}displayed").get("id") == "bob-1"
    assert [r[1] for r in row_state(page, account.jid)] == ["are you there?"]


def set_visibility(page: ClientPage, state: str) -> None:
    page.js("""(state) => { Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
                            document.dispatchEvent(new Event('visibilitychange')); }""", state)


def test_no_displayed_marker_while_the_page_is_hidden(page: ClientPage, alice: Account,
                                                      bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    set_visibility(page, "hidden")
    try:
        peer.send_raw(f"<message to='{alice.jid}' type='chat' id='bob-h'><body>psst</body>"
                      f"<request xmlns='{RECEIPTS}'/><markable xmlns='{MARKERS}'/></message>")
        peer.wait_for_stanza(has(RECEIPTS, "received"))
        page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length === 1",
                      arg=box_css(account.jid))
        # alice's stanzas arrive in order: a marker sent on rendering would come before this one
        page.js("(jid) => window.cpyApi.chats.open(jid).model.sendMessage('barrier')", account.jid)
        peer.wait_for_message("barrier")
        assert not [x for x in peer.stanzas if has(MARKERS, "displayed")(ET.fromstring(x))]
    finally:
        set_visibility(page, "visible")
    marker = peer.wait_for_stanza(has(MARKERS, "displayed"))
    assert marker.find(f"{{{MARKERS}}}displayed").get("id") == "bob-h"


def test_typing_sends_composing_then_paused_and_sending_says_active(page: ClientPage,
                                                                   bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    textarea = composer(page, account.jid)
    textarea.click()
    textarea.type("hel")
    composing = peer.wait_for_stanza(has(CHATSTATES, "composing"))
    assert composing.find("{jabber:client}body") is None and has(HINTS, "no-store")(composing)
    paused = peer.wait_for_stanza(has(CHATSTATES, "paused"), timeout=15)  # after 5 s without a key
    assert paused.find("{jabber:client}body") is None
    count = len(peer.stanzas)
    textarea.type("lo")
    peer.wait_for_stanza(has(CHATSTATES, "composing"), after=count)
    textarea.press("Enter")
    sent = peer.wait_for_stanza(is_body("hello"))
    assert has(CHATSTATES, "active")(sent)
    states = [child.tag.rpartition("}")[2] for xml in peer.stanzas
              for child in ET.fromstring(xml) if child.tag.startswith(f"{{{CHATSTATES}}}")]
    assert states == ["composing", "paused", "composing", "active"]  # never the same twice in a row


def test_the_contacts_typing_is_shown_then_cleared(page: ClientPage, alice: Account,
                                                   bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    composer(page, account.jid)
    line = f"{box_css(account.jid)} [data-role='chat-state']"

    def state_message(state: str, body: str = "") -> str:
        body_xml = f"<body>{body}</body>" if body else ""
        return (f"<message to='{alice.jid}' type='chat' id='s-{state}'>{body_xml}"
                f"<{state} xmlns='{CHATSTATES}'/></message>")

    peer.send_raw(state_message("composing"))
    page.wait_for("(sel) => document.querySelector(sel).textContent.endsWith('is typing…')", arg=line)
    assert page.js("(sel) => document.querySelector(sel).textContent", line) == f"{account.jid} is typing…"
    peer.send_raw(state_message("paused"))
    page.wait_for("(sel) => document.querySelector(sel).textContent.endsWith('has stopped typing')", arg=line)
    peer.send_raw(state_message("active", "done typing"))
    page.wait_for("(sel) => document.querySelector(sel).textContent === ''", arg=line)
    states = [e[2] for e in page.js("window.events") if e[0] == "chatStateNotification" and e[1] == account.jid]
    assert states == ["composing", "paused", "active"]


def test_up_arrow_corrects_the_last_message_and_escape_cancels(page: ClientPage,
                                                               bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    textarea = composer(page, account.jid)
    textarea.fill("teh typo")
    textarea.press("Enter")
    original = peer.wait_for_stanza(is_body("teh typo"))
    textarea.press("ArrowUp")
    assert textarea.input_value() == "teh typo"
    textarea.press("Escape")
    assert textarea.input_value() == ""
    textarea.press("ArrowUp")
    textarea.fill("the typo")
    textarea.press("Enter")
    correction = peer.wait_for_stanza(is_body("the typo"))
    assert correction.find(f"{{{CORRECT}}}replace").get("id") == original.get("id")
    assert len([x for x in peer.stanzas if CORRECT in x]) == 1  # Escape sent nothing
    page.wait_for("(sel) => document.querySelector(sel + ' li.cpy-msg .cpy-edited')", arg=box_css(account.jid))
    assert row_state(page, account.jid) == [[original.get("id"), "the typo", "", "edited"]]
    assert textarea.input_value() == ""
    assert ["messageCorrected", account.jid, "the typo"] in page.js("window.events")


def test_a_contacts_correction_updates_the_row_without_adding_one(page: ClientPage, alice: Account,
                                                                   bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='b-1'><body>helo</body></message>")
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length === 1", arg=box_css(account.jid))
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='b-2'><body>hello</body>"
                  f"<replace xmlns='{CORRECT}' id='b-1'/></message>")
    page.wait_for("(sel) => document.querySelector(sel + ' li.cpy-msg .cpy-edited')", arg=box_css(account.jid))
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='b-3'><body>after</body></message>")
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length === 2", arg=box_css(account.jid))
    assert row_state(page, account.jid) == [["b-1", "hello", "", "edited"], ["b-3", "after", "", ""]]
