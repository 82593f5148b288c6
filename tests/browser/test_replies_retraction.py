"""Replies (XEP-0461), retraction (XEP-0424), spoilers (XEP-0382) and headlines in a real page
against the real server, with a slixmpp peer (bob) sending the XEPs' stanzas as written: the page
shows each correctly, its own replies and retractions reach bob as standard stanzas, the archive
(after a reload) shows replies and applies retractions, and a room case. One page for alice
(reloaded once for the archive test).
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

REPLY = "urn:xmpp:reply:0"
FALLBACK = "urn:xmpp:fallback:0"
RETRACT = "urn:xmpp:message-retract:1"
SERVICE = "conference.localhost"
GRAB = """() => new Promise((resolve) => converse.plugins.add('grab-replies-' + Date.now(), { initialize() {
    window.capi = this._converse.api;
    window.out.retracted = [];
    window.capi.listen.on('messageRetracted', (box, message) => window.out.retracted.push(message.id));
    // once alice is available (initial presence sent), bob's chat messages reach her page live
    Promise.all([window.capi.waitUntil('chatBoxesFetched'), window.capi.waitUntil('statusInitialized')]).then(resolve);
}}))"""


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob_account(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def bob(bot: Any, alice: Account, bob_account: Account) -> Any:
    """Bob's client; bob is one of alice's contacts (his headlines are shown)."""
    alice_bot = bot(alice, "seed")
    alice_bot.send_raw(f"<iq type='set' id='roster-bob'><query xmlns='jabber:iq:roster'>"
                       f"<item jid='{bob_account.jid}' name='Bob'/></query></iq>")
    alice_bot.wait_for_iq_result("roster-bob")
    alice_bot.stop()
    return bot(bob_account, "phone")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account, bob: Any) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "keepalive": False, "message_archiving": "always"}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    handle.js(GRAB)
    yield handle
    handle.close()


def chat_box(jid: str) -> str:
    return f'#conversejs section.cpy-chatbox[data-jid="{jid}"]'


def row(page: ClientPage, box: str, msg_id: str) -> Any:
    return page.page.locator(f'{box} li.cpy-msg[data-id="{msg_id}"]')


def send(bob: Any, to: str, msg_id: str, inner: str, mtype: str = "chat") -> None:
    bob.send_raw(f"<message to='{to}' type='{mtype}' id='{msg_id}'>{inner}"
                 f"<origin-id xmlns='urn:xmpp:sid:0' id='{msg_id}'/></message>")


def texts(page: ClientPage, selector: str) -> list[str]:
    return list(page.page.locator(selector).all_inner_texts())


def test_bob_s_reply_shows_its_quote_not_its_fallback_and_alice_s_reply_reaches_bob_as_xep_0461(
        page: ClientPage, alice: Account, bob: Any, bob_account: Account) -> None:
    box = chat_box(bob_account.jid)
    # A ping of the page's own session, answered: the server has handled everything the page sent
    # before (its initial presence too), so a message to alice's bare JID now reaches the page
    # (without this, a message racing that presence went to the closing seed session only).
    page_jid = page.js("() => window.capi.user.jid()")
    bob.send_raw(f"<iq type='get' to='{page_jid}' id='ping-page'><ping xmlns='urn:xmpp:ping'/></iq>")
    assert 'type="result"' in bob.wait_for_iq_result("ping-page")
    send(bob, alice.jid, "cake-1", "<body>We should bake a cake</body>")
    try:
        row(page, box, "cake-1").wait_for()
    except Exception as exc:
        state = page.js(f"""() => {{ const b = window.capi.chats.get({json.dumps(bob_account.jid)});
            const boxes = Array.from(document.querySelectorAll('#conversejs section.cpy-chatbox')).map(
                e => [e.getAttribute('data-jid'), e.className, e.hidden, e.getBoundingClientRect().height,
                      Array.from(e.querySelectorAll('li.cpy-msg')).map(li => li.getAttribute('data-id') + ':' + li.className)]);
            return {{box: !!b, boxes: boxes, connected: window.capi.connection.connected()}}; }}""")
        raise AssertionError(f"cake-1 not shown; page state: {state}; bob received: {bob.received[-5:]}") from exc
    # XEP-0461 Example 1, as written (the fallback covers "> Anna wrote:\n> We should bake a cake\n")
    send(bob, alice.jid, "cake-2", "<body>&gt; Anna wrote:\n&gt; We should bake a cake\nGreat idea!</body>"
         f"<reply to='{alice.jid}' id='cake-1' xmlns='{REPLY}'/>"
         f"<fallback xmlns='{FALLBACK}' for='{REPLY}'><body start='0' end='38'/></fallback>")
    reply = row(page, box, "cake-2")
    reply.wait_for()
    assert reply.locator(".cpy-body").inner_text() == "Great idea!"
    assert reply.locator(".cpy-quote-text").inner_text() == "We should bake a cake"
    # the quote leads to the original
    reply.locator("button.cpy-quote").click()
    page.wait_for(f"document.querySelector('{box} li.cpy-msg[data-id=\"cake-1\"]').classList.contains('cpy-highlight')")
    # alice answers bob's reply with the Reply action and the composer
    reply.hover()
    reply.locator('button.cpy-msg-action[data-name="reply"]').click()
    bar = page.page.locator(f'{box} [data-role="composer-bar"]')
    bar.locator('[data-role="replying"]').wait_for()
    assert "Replying to Bob: Great idea!" in bar.inner_text()
    page.page.locator(f"{box} textarea").press("Escape")  # Escape drops the reply; Reply again
    bar.wait_for(state="hidden")
    reply.hover()
    reply.locator('button.cpy-msg-action[data-name="reply"]').click()
    bar.locator('[data-role="replying"]').wait_for()
    mark = len(bob.stanzas)
    page.page.locator(f"{box} textarea").fill("Chocolate?")
    page.page.locator(f"{box} textarea").press("Enter")
    got = bob.wait_for_stanza(lambda m: m.find(f"{{{REPLY}}}reply") is not None, after=mark)
    answered = got.find(f"{{{REPLY}}}reply")
    assert answered is not None and answered.get("id") == "cake-2" and answered.get("to") == bob_account.jid
    body = got.findtext("{jabber:client}body") or ""
    span = got.find(f"{{{FALLBACK}}}fallback/{{{FALLBACK}}}body")
    assert span is not None and body[int(span.get("end") or 0):] == "Chocolate?"
    assert body.startswith("> Bob:\n> Great idea!\n")
    assert bar.is_hidden()
    # the page shows its own reply with the quote too, not the fallback
    mine = page.page.locator(f"{box} li.cpy-msg.cpy-out.cpy-reply")
    mine.wait_for()
    assert mine.locator(".cpy-body").inner_text() == "Chocolate?"
    assert mine.locator(".cpy-quote-text").inner_text() == "Great idea!"


def test_bob_s_retraction_makes_a_tombstone_only_of_his_own_message_and_alice_retracts_hers(
        page: ClientPage, alice: Account, bob: Any, bob_account: Account) -> None:
    box = chat_box(bob_account.jid)
    send(bob, alice.jid, "oops-1", "<body>my password is hunter2</body>")
    row(page, box, "oops-1").wait_for()
    mine_id = page.js(f"() => window.capi.chats.get({json.dumps(bob_account.jid)}).model.sendMessage('keep this').id")
    row(page, box, mine_id).wait_for()
    # XEP-0424 Example 3 for bob's message; and one naming alice's message (not his: ignored)
    for target, rid in (("oops-1", "r-1"), (mine_id, "r-2")):
        send(bob, alice.jid, rid, f"<retract id='{target}' xmlns='{RETRACT}'/>"
             f"<fallback xmlns='{FALLBACK}' for='{RETRACT}'/>"
             "<body>/me retracted a previous message, but it's unsupported by your client.</body>"
             "<store xmlns='urn:xmpp:hints'/>")
    tombstone = row(page, box, "oops-1").locator(".cpy-tombstone")
    tombstone.wait_for()
    assert tombstone.inner_text() == "Bob removed a message"
    send(bob, alice.jid, "after-1", "<body>after the retractions</body>")
    row(page, box, "after-1").wait_for()
    shown = page.page.locator(f"{box} ol.cpy-messages").inner_text()
    assert "hunter2" not in shown and "retracted a previous message" not in shown
    assert row(page, box, mine_id).locator(".cpy-body").inner_text() == "keep this"
    # alice retracts her own message: the action asks first, then the retraction reaches bob
    target = row(page, box, mine_id)
    target.hover()
    target.locator('button.cpy-msg-action[data-name="retract"]').click()
    mark = len(bob.stanzas)
    target.locator('button[data-name="retract-confirm"]').click()
    got = bob.wait_for_stanza(lambda m: m.find(f"{{{RETRACT}}}retract") is not None, after=mark)
    assert got.find(f"{{{RETRACT}}}retract").get("id") == mine_id  # type: ignore[union-attr]
    assert got.find("{urn:xmpp:fasten:0}apply-to") is not None and got.find("{urn:xmpp:hints}store") is not None
    assert target.locator(".cpy-tombstone").inner_text() == "You removed a message"
    assert page.js("window.out.retracted") == ["oops-1", mine_id]


def test_a_spoiler_is_hidden_until_shown_and_bob_s_headlines_get_their_own_box(
        page: ClientPage, alice: Account, bob: Any, bob_account: Account) -> None:
    box = chat_box(bob_account.jid)
    send(bob, alice.jid, "sp-1", "<body>Both Romeo and Juliet die.</body>"
         "<spoiler xmlns='urn:xmpp:spoiler:0'>Love story end</spoiler>")
    spoiler = row(page, box, "sp-1")
    spoiler.wait_for()
    assert "Spoiler: Love story end" in spoiler.inner_text() and "Juliet" not in spoiler.inner_text()
    spoiler.locator('button[data-name="spoiler-show"]').click()
    page.wait_for(f"document.querySelector('{box} li.cpy-msg[data-id=\"sp-1\"]').textContent.includes('Juliet')")
    # the toolbar's toggle makes the next message a spoiler with the hint typed in the composer
    page.page.locator(f'{box} button.cpy-toolbar-button[data-name="spoiler"]').click()
    page.page.locator(f'{box} [data-role="spoiler-hint"]').fill("Whodunit")
    mark = len(bob.stanzas)
    page.page.locator(f"{box} textarea").fill("The butler")
    page.page.locator(f"{box} textarea").press("Enter")
    got = bob.wait_for_stanza(lambda m: m.find("{urn:xmpp:spoiler:0}spoiler") is not None, after=mark)
    assert got.findtext("{urn:xmpp:spoiler:0}spoiler") == "Whodunit" and got.findtext("{jabber:client}body") == "The butler"
    # a headline is an announcement: a box of its own, no composer, not bob's chat
    bob.send_raw(f"<message to='{alice.jid}' type='headline' id='news-1'><subject>News</subject>"
                 "<body>Release 2.0 is out</body></message>")
    headlines = page.page.locator(f'#conversejs section.cpy-headlines[data-headlines="{bob_account.jid}"]')
    headlines.locator("li.cpy-msg").wait_for()
    assert f"Announcements from {bob_account.jid}" in headlines.locator("header").inner_text()
    assert "Release 2.0 is out" in headlines.locator("li.cpy-msg").inner_text()
    assert headlines.locator("textarea").count() == 0
    assert "Release 2.0" not in page.page.locator(f"{box} ol.cpy-messages").inner_text()


def test_in_a_room_bob_s_reply_and_retraction_show_and_alice_s_reply_names_the_room_s_stanza_id(
        page: ClientPage, alice: Account, bob: Any) -> None:
    room = f"replies-{uuid.uuid4().hex[:8]}@{SERVICE}"
    page.js(f"() => window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')(window.capi.rooms.get({json.dumps(room)}))",
                  timeout=15_000)
    bob.send_raw(f"<presence to='{room}/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    bob.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/bob" and kind == "available")
    mark = len(bob.stanzas)
    bob.send_raw(f"<message to='{room}' type='groupchat' id='rb-1'><body>Lunch at noon?</body></message>")
    echo = bob.wait_for_stanza(lambda m: m.get("id") == "rb-1", after=mark)
    sid = next(e.get("id") for e in echo.findall("{urn:xmpp:sid:0}stanza-id") if e.get("by") == room)
    bob.send_raw(f"<message to='{room}' type='groupchat' id='rb-2'><body>&gt; bob:\n&gt; Lunch at noon?\nor one</body>"
                 f"<reply to='{room}/bob' id='{sid}' xmlns='{REPLY}'/>"
                 f"<fallback xmlns='{FALLBACK}' for='{REPLY}'><body start='0' end='24'/></fallback></message>")
    bob.send_raw(f"<message to='{room}' type='groupchat' id='rb-3'><body>wrong room</body></message>")
    echo3 = bob.wait_for_stanza(lambda m: m.get("id") == "rb-3", after=mark)
    sid3 = next(e.get("id") for e in echo3.findall("{urn:xmpp:sid:0}stanza-id") if e.get("by") == room)
    bob.send_raw(f"<message to='{room}' type='groupchat' id='rb-4'><retract id='{sid3}' xmlns='{RETRACT}'/>"
                 f"<fallback xmlns='{FALLBACK}' for='{RETRACT}'/><body>/me retracted a previous message</body>"
                 "<store xmlns='urn:xmpp:hints'/></message>")
    box = f'#conversejs section.cpy-chatroom[data-jid="{room}"]'
    page.page.locator(f"{box} li.cpy-msg .cpy-tombstone").wait_for()
    reply = page.page.locator(f"{box} li.cpy-msg.cpy-reply")
    assert reply.locator(".cpy-body").inner_text() == "or one"
    assert reply.locator(".cpy-quote-text").inner_text() == "Lunch at noon?"
    shown = page.page.locator(f"{box} ol.cpy-messages").inner_text()
    assert "wrong room" not in shown and "retracted a previous message" not in shown
    assert "bob removed a message" in shown
    # alice replies from Python: the reply names the room's stanza-id of bob's message
    mark = len(bob.stanzas)
    page.js("code => window.runPython(code)", f"""
class Snippet:
    def initialize(self):
        room = self._converse.api.rooms.get({room!r})
        room.reply({sid!r}, "noon works")

converse.plugins.add("py-reply-{uuid.uuid4().hex[:8]}", Snippet)
""")
    got = bob.wait_for_stanza(lambda m: m.find(f"{{{REPLY}}}reply") is not None, after=mark)
    answered = got.find(f"{{{REPLY}}}reply")
    assert answered is not None and answered.get("id") == sid and answered.get("to") == f"{room}/bob"


def test_after_a_reload_the_archive_shows_replies_and_applies_retractions(
        page: ClientPage, alice: Account, bob_account: Account) -> None:
    page.page.reload()
    page.wait_for("window.out && window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    page.js(GRAB)
    page.js(f"() => window.capi.chats.open({json.dumps(bob_account.jid)})")
    box = chat_box(bob_account.jid)
    reply = page.page.locator(f"{box} li.cpy-msg.cpy-in.cpy-reply")
    reply.first.wait_for(timeout=20_000)
    page.page.locator(f'{box} li.cpy-msg[data-id="sp-1"], {box} li.cpy-msg .cpy-spoiler-hidden').first.wait_for()
    assert reply.first.locator(".cpy-body").inner_text() == "Great idea!"
    assert reply.first.locator(".cpy-quote-text").inner_text() == "We should bake a cake"
    shown = page.page.locator(f"{box} ol.cpy-messages").inner_text()
    assert "hunter2" not in shown and "retracted a previous message" not in shown
    assert "keep this" not in shown  # alice's own retraction holds in the archive too
    assert "Chocolate?" in shown


def test_nothing_went_to_the_console_as_an_error(page: ClientPage) -> None:
    assert page.page_errors == []
    assert not [line for line in page.console if line.startswith("error")], page.console
