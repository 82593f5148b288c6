"""Large messages and failed deliveries in a real page against the real server (issue 29), with
slixmpp playing bob: 0.9 MB and 1 MB messages show collapsed with "Show more (size)"; one over the
client's 2 MiB cap (the test servers accept 4 MiB: tools/prosody.cfg.lua, tools/ejabberd.yml) is an
info line naming its sender and size; a message to a user that does not exist and one to a
moderated room where the page has no voice show as not delivered, with a Resend button.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from collections.abc import Callable, Iterator

import pytest

from tools.bot import Bot

from .support import Account, ClientPage, auto_login_page, unique_account

SERVICE = "conference.localhost"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('bigmsg-events', {
        initialize() {
            const api = this._converse.api;
            window.failures = [];
            api.listen.on('messageFailed', (box, msg, why) => window.failures.push([box.model.get('jid'), msg.body, why]));
            window.cpyApi = api;
            api.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
    yield handle
    assert not handle.page_errors
    handle.close()


@pytest.fixture
def bob(prosody: Any, bot: Callable[..., Bot]) -> tuple[Account, Bot]:
    account = unique_account(prosody, "bob")
    return account, bot(account)


def rows(page: ClientPage, jid: str) -> list[dict[str, Any]]:
    return page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg')).map(li => ({
        kind: li.classList.contains('cpy-info') ? 'info' : 'message', id: li.dataset.id,
        length: li.querySelector('.cpy-body').textContent.length,
        body: li.querySelector('.cpy-body').textContent.slice(0, 200),
        more: (li.querySelector('[data-action="show-more"]') || {}).textContent || '',
        failed: (li.querySelector('.cpy-failed') || {}).textContent || ''}))""",
                   f'section[data-jid="{jid}"]')


def test_large_messages_show_collapsed_and_expand_and_one_over_the_cap_is_an_info_line(
        page: ClientPage, alice: Account, bob: tuple[Account, Bot]) -> None:
    account, peer = bob
    peer.send_message(alice.jid, "a" * 900_000)
    peer.send_message(alice.jid, "b" * 1_000_000)
    peer.send_message(alice.jid, "c" * 2_500_000)  # over the client's cap, under the server's
    peer.send_message(alice.jid, "still here")
    sel = f'section[data-jid="{account.jid}"]'
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length === 4", arg=sel, timeout=30_000)
    shown = rows(page, account.jid)
    assert [r["more"] for r in shown[:2]] == ["Show more (900 KB)", "Show more (1.0 MB)"]
    assert all(r["length"] < 2000 for r in shown[:2])  # not in the page until asked
    assert shown[2]["kind"] == "info"
    assert shown[2]["body"] == f"A message too large to show (2.5 MB) arrived from {account.jid}"
    assert shown[3]["body"] == "still here"
    page.page.locator(f'{sel} li.cpy-msg[data-id="{shown[1]["id"]}"] [data-action="show-more"]').click()
    page.wait_for("""([sel, id]) => document.querySelector(`${sel} li.cpy-msg[data-id="${id}"] .cpy-body`)
        .textContent.length === 1000000""", arg=[sel, shown[1]["id"]])


def test_a_message_to_a_user_that_does_not_exist_is_marked_failed_and_can_be_resent(page: ClientPage) -> None:
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@localhost"
    page.js(f"() => window.cpyApi.chats.open({json.dumps(nobody)})")
    textarea = page.page.locator(f'section[data-jid="{nobody}"] textarea')
    textarea.fill("hello, anyone?")
    textarea.press("Enter")
    sel = f'section[data-jid="{nobody}"]'
    page.wait_for("(sel) => document.querySelector(sel + ' li.cpy-msg .cpy-failed')", arg=sel)
    first = rows(page, nobody)[0]
    assert first["failed"].startswith("⚠ Not delivered: ") and first["failed"].endswith("Resend")
    failures = [f for f in page.js("window.failures") if f[0] == nobody]
    assert failures and failures[0][1] == "hello, anyone?" and failures[0][2] in first["failed"]
    page.page.locator(f'{sel} li.cpy-msg[data-id="{first["id"]}"] [data-action="resend"]').click()
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg .cpy-failed').length === 2", arg=sel)
    after = [r for r in rows(page, nobody) if r["kind"] == "message"]
    assert [r["body"] for r in after] == ["hello, anyone?", "hello, anyone?"]
    assert "Sent again" in after[0]["failed"] and after[1]["failed"].endswith("Resend")


def test_a_message_to_a_moderated_room_without_voice_is_marked_failed(
        page: ClientPage, bob: tuple[Account, Bot]) -> None:
    _account, peer = bob
    room = f"quiet-{uuid.uuid4().hex[:8]}@{SERVICE}"
    peer.send_raw(f"<presence to='{room}/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    peer.wait_for_presence(lambda sender, *_: sender == f"{room}/bob")
    peer.send_raw(f"<iq type='set' id='cfg1' to='{room}'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                  "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                  "<value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                  "<field var='muc#roomconfig_moderatedroom'><value>1</value></field>"
                  "<field var='muc#roomconfig_persistentroom'><value>1</value></field></x></query></iq>")
    assert "type=\"result\"" in peer.wait_for_iq_result("cfg1").replace("'", '"')
    page.js(f"() => window.cpyApi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    sel = f'section[data-jid="{room}"]'
    page.wait_for("(room) => window.cpyApi.rooms.get(room)?.model.get('connection_status') === 'entered'", arg=room)
    peer.send_raw(f"<iq type='set' id='mute1' to='{room}'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                  "<item nick='alice' role='visitor'/></query></iq>")
    assert "type=\"result\"" in peer.wait_for_iq_result("mute1").replace("'", '"')
    # the server changed the role before answering: the page's next message meets it
    textarea = page.page.locator(f"{sel} textarea")
    textarea.fill("may I speak?")
    textarea.press("Enter")
    page.wait_for("(sel) => document.querySelector(sel + ' li.cpy-msg .cpy-failed')", arg=sel)
    failed = [r for r in rows(page, room) if r["failed"]]
    assert len(failed) == 1 and failed[0]["body"] == "may I speak?"
    assert failed[0]["failed"].startswith("⚠ Not delivered: ")
    assert [f for f in page.js("window.failures") if f[0] == room][0][1] == "may I speak?"
