"""XEP-0199 (ping answered, api.ping) and XEP-0352 (client state follows page visibility), with
slixmpp as the other side, on one logged-in page (WebSocket)."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

PAGE = "/tests/browser/pages/transport.html"


@pytest.fixture(scope="module")
def rose(prosody: Any) -> Account:
    return unique_account(prosody, "rose")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, rose: Account) -> Iterator[ClientPage]:
    settings = {"websocket_url": prosody.websocket_url, "jid": rose.jid, "password": rose.password,
                "auto_login": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/blank.html")
    handle.context.add_init_script(f"window.TEST_SETTINGS = {json.dumps(settings)};")
    handle.page.goto(web_server.url + PAGE)
    handle.wait_for("window.record.events.some(e => e.name === 'connected')", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_a_ping_to_the_full_jid_is_answered(page: ClientPage, prosody: Any, bot: Any) -> None:
    peer = bot(unique_account(prosody, "pinger"))
    full = page.js("window.testApi.user.jid()")
    peer.send_raw(f"<iq type='get' to='{full}' id='ping-1'><ping xmlns='urn:xmpp:ping'/></iq>")
    answer = peer.wait_for_iq_result("ping-1")
    assert 'type="result"' in answer and f'from="{full}"' in answer


def test_api_ping_reaches_the_server_and_a_contact(page: ClientPage, prosody: Any, bot: Any) -> None:
    peer_account = unique_account(prosody, "pingee")
    bot(peer_account)
    assert page.page.evaluate("window.testApi.ping()") is True
    assert page.page.evaluate(f"window.testApi.ping({peer_account.jid + '/bot'!r}, 5000)") is True


def set_hidden(page: ClientPage, hidden: bool) -> None:
    page.js("""hidden => {
        Object.defineProperty(document, 'visibilityState', {value: hidden ? 'hidden' : 'visible', configurable: true});
        Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def test_hidden_page_is_inactive_and_the_server_holds_back_presence(page: ClientPage, prosody: Any,
                                                                     bot: Any) -> None:
    peer = bot(unique_account(prosody, "csi"))
    full = page.js("window.testApi.user.jid()")
    set_hidden(page, True)
    page.wait_for("window.record.events.some(e => e.name === 'clientStateChanged' && e.arg === 'inactive')")
    assert page.js("window.record.events.filter(e => e.name === 'windowStateChanged').pop().arg") == \
        '{"state":"hidden"}'
    # The event fires as the page sends <inactive/>; give the server a moment to process it, or
    # the bot's presence, on another connection, can get there first (seen once on ejabberd). Not a
    # ping to be sure: a stanza from the client counts as activity to Prosody's mod_csi_simple.
    page.page.wait_for_timeout(500)
    peer.send_raw(f"<presence to='{full}'><status>held back</status></presence>")
    page.page.wait_for_timeout(1500)
    assert "held back" not in page.js("window.record.presences"), "the server's CSI support buffers presence"
    set_hidden(page, False)
    page.wait_for("window.record.events.some(e => e.name === 'clientStateChanged' && e.arg === 'active')")
    page.wait_for("window.record.presences.includes('held back')", timeout=5000)
