"""The vertical slice in a real page against the real Prosody: page JS → shim → Python → Strophe
BOSH → Prosody → DOM, with slixmpp playing the other side.

One page is shared by the module's tests (Pyodide boots once); each test module has its own accounts.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, non_local_requests, open_client_page, unique_account


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def client(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "debug": False, "play_sound": True}  # a typo'd setting
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/slice.html", settings)
    handle.wait_for("window.record.events.some(e => e.name === 'connected')", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_initialize_called_before_python_loaded_connects_with_auto_login(client: ClientPage,
                                                                        alice: Account) -> None:
    record = client.js("window.record")
    assert record["bootPendingAtInit"] is True, "initialize must have been called before Python booted"
    assert record["initializeReturnsPromise"] is True
    assert record.get("initializeError") is None
    connected = [e for e in record["events"] if e["name"] == "connected"]
    assert len(connected) == 1
    assert connected[0]["jid"].startswith(alice.jid + "/") and len(connected[0]["jid"]) > len(alice.jid) + 1
    assert connected[0]["arg"] == connected[0]["jid"]


def test_plugin_initialize_runs_with_this_as_the_plugin_and_listener_context(client: ClientPage) -> None:
    record = client.js("window.record")
    assert record["thisIsPlugin"] is True
    assert [e["thisIsContext"] for e in record["events"] if e["name"] == "connected"] == [True]


def test_loading_indicator_is_shown_then_replaced_by_the_client_ui(client: ClientPage, alice: Account) -> None:
    assert client.js("window.record.loadingShown") is True
    # show_controlbox_by_default is off (the default): the box opens from its toggle button.
    toggle = client.page.locator('#conversejs [data-action="toggle-controlbox"]')
    toggle.wait_for()
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    client.page.wait_for_selector("#conversejs .cpy-my-jid")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert client.page.locator("#conversejs .cpy-loading").count() == 0
    assert client.page.inner_text("#conversejs .cpy-my-jid").startswith(alice.jid)


def test_window_converse_exposes_no_password_connection_or_private_api(client: ClientPage,
                                                                      alice: Account) -> None:
    found = client.js("""(password) => {
        const problems = [];
        const seen = new Set();
        const forbidden = /password|connection|_converse|^api$|session|credentials/i;
        function walk(value, path, depth) {
            if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
                if (typeof value === 'string' && value.includes(password)) problems.push(path + ' holds the password');
                return;
            }
            if (seen.has(value) || depth > 6) return;
            seen.add(value);
            let obj = value;
            while (obj && obj !== Object.prototype && obj !== Function.prototype) {
                for (const key of Reflect.ownKeys(obj)) {
                    const name = String(key);
                    if (forbidden.test(name) && path.indexOf('.env.') === -1) problems.push(path + '.' + name);
                    let child;
                    try { child = value[key]; } catch (e) { continue; }
                    walk(child, path + '.' + name, depth + 1);
                }
                obj = Object.getPrototypeOf(obj);
            }
        }
        walk(window.converse, 'converse', 0);
        if ('__converse_py_boot' in window) problems.push('the boot channel is still on window');
        if (JSON.stringify(Object.keys(window.converse).sort()) !== JSON.stringify(['env', 'initialize', 'plugins']))
            problems.push('unexpected keys ' + Object.keys(window.converse));
        return problems;
    }""", alice.password)
    assert found == []


def test_every_request_the_page_made_went_to_localhost(client: ClientPage) -> None:
    assert client.requests, "the page made no requests at all?"
    assert non_local_requests(client.requests) == []
    assert any("/http-bind" in url for url in client.requests)
    assert any("pyodide.asm.wasm" in url for url in client.requests)


def test_a_message_from_a_slixmpp_user_appears_in_the_dom_as_text(client: ClientPage, alice: Account,
                                                                  bob: Account, bot: Any) -> None:
    sender = bot(bob)
    payload = '<b>bold</b> & <img src=x onerror="window.pwned=1"> 안녕'
    # To the page's own resource: a message to the bare JID that overtakes the page's initial
    # presence goes to offline storage (ejabberd may then keep it until the next login).
    full_jid = next(e["jid"] for e in client.js("window.record.events") if e["name"] == "connected")
    sender.send_message(full_jid, payload)
    selector = f'#conversejs .cpy-chatbox[data-jid="{bob.jid}"] .cpy-msg.cpy-in .cpy-body'
    client.page.wait_for_selector(selector, timeout=15_000)
    assert client.page.text_content(selector) == payload
    assert client.page.locator(f'#conversejs .cpy-chatbox[data-jid="{bob.jid}"] .cpy-messages img').count() == 0
    assert client.js("window.pwned") is None
    messages = [e for e in client.js("window.record.events") if e["name"] == "message"]
    assert messages and messages[-1]["isElement"] is True and messages[-1]["from"].startswith(bob.jid)


def test_the_seed_send_example_reaches_the_other_user(client: ClientPage, alice: Account, bob: Account,
                                                      bot: Any) -> None:
    receiver = bot(bob)
    client.js("([to, body]) => window.testSend(to, body)", [bob.jid, "sent with api.send"])
    got = receiver.wait_for_message("sent with api.send", timeout=10)
    assert got[0].startswith(alice.jid)


def test_typing_in_the_chat_box_and_pressing_enter_sends(client: ClientPage, alice: Account, bob: Account,
                                                         bot: Any) -> None:
    receiver = bot(bob)
    receiver.send_message(alice.jid, "ping from bob")
    box = f'#conversejs .cpy-chatbox[data-jid="{bob.jid}"]'
    client.page.wait_for_selector(box)
    client.page.fill(f"{box} textarea", "line one")
    client.page.press(f"{box} textarea", "Shift+Enter")
    client.page.type(f"{box} textarea", "line two")
    client.page.press(f"{box} textarea", "Enter")
    got = receiver.wait_for_message("line one\nline two", timeout=10)
    assert got[0].startswith(alice.jid)
    assert client.page.input_value(f"{box} textarea") == ""
    # text_content: rows have content-visibility:auto, and innerText is '' until the row is first laid out
    assert client.page.locator(f"{box} .cpy-msg.cpy-out .cpy-body").last.text_content() == "line one\nline two"


def test_an_unknown_setting_is_reported_in_the_console_by_name(client: ClientPage) -> None:
    warnings = [line for line in client.console if line.startswith("warning:")]
    assert any("unknown setting(s) 'play_sound'" in line for line in warnings), client.console


def test_no_uncaught_errors_in_the_page(client: ClientPage) -> None:
    assert client.page_errors == []
    assert not [line for line in client.console if line.startswith("error:")], client.console
