"""BOSH under faults: requests refused (aborted) or answered 503 for a while. The client either keeps
its session (Strophe retries) or notices the loss and reconnects; either way nothing is lost or
doubled — messages to alice come live or from the archive, alice's own go out once — and no
error escapes into the page."""

from __future__ import annotations

import json
import time
from typing import Any

from .support import grab_api, open_client_page, unique_account


def test_failing_bosh_requests_lose_and_double_nothing(browser: Any, web_server: Any, prosody: Any,
                                                       bot: Any) -> None:
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    bob_bot = bot(bob)
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "auto_reconnect": True, "keepalive": False, "show_controlbox_by_default": True,
                "debug": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    faults = {"left": 0, "seen": 0}

    def route(request_route: Any) -> None:
        if faults["left"] > 0:
            faults["left"] -= 1
            faults["seen"] += 1
            if faults["seen"] % 2:
                request_route.abort("connectionreset")
            else:
                request_route.fulfill(status=503, body="busy")
            return
        request_route.continue_()

    passed = False
    try:
        grab_api(page)
        page.js(f"window.capi.chats.open({json.dumps(bob.jid)})")
        bob_bot.send_message(alice.jid, "before the faults")
        page.page.wait_for_selector('#conversejs .cpy-body:text-is("before the faults")', timeout=15_000)

        page.context.route("**/http-bind", route)
        faults["left"] = 6
        for n in range(3):
            bob_bot.send_message(alice.jid, f"during {n}")
            page.js(f"""window.capi.send(converse.env.$msg({{to: {json.dumps(bob.jid)}, type: 'chat'}})
                        .c('body').t('alice during {n}'))""")
            page.page.wait_for_timeout(300)
        deadline = time.monotonic() + 30
        while faults["left"] > 0 and time.monotonic() < deadline:
            page.page.wait_for_timeout(200)  # the route handler runs while Playwright waits
        assert faults["seen"] >= 6, "the client stopped talking to the server"

        page.wait_for("window.capi.connection.connected === true", timeout=60_000)
        bob_bot.send_message(alice.jid, "after the faults")
        page.page.wait_for_selector('#conversejs .cpy-body:text-is("after the faults")', timeout=30_000)
        expected = ["before the faults", "during 0", "during 1", "during 2", "after the faults"]
        page.wait_for(f"""() => {{
            const shown = Array.from(document.querySelectorAll('#conversejs .cpy-chatbox .cpy-msg.cpy-in .cpy-body'))
                .map((e) => e.textContent);
            return {json.dumps(expected)}.every((t) => shown.includes(t));
        }}""", timeout=30_000)
        shown = page.js("Array.from(document.querySelectorAll('#conversejs .cpy-chatbox .cpy-msg.cpy-in .cpy-body'))"
                        ".map((e) => e.textContent)")
        assert sorted(shown) == sorted(expected)  # each exactly once
        bob_bot.wait_for_message("alice during 2", timeout=30)
        time.sleep(0.5)
        from_alice = [body for frm, body in bob_bot.received if frm.startswith(alice.jid)]
        assert from_alice == ["alice during 0", "alice during 1", "alice during 2"]
        assert page.page_errors == []
        # a disposed connection's callbacks are unhooked before their proxies go
        assert not [line for line in page.console if "already been destroyed" in line]
        passed = True
    finally:
        if not passed:  # what the client said about the faults, for the report
            print("\n".join(line[:300] for line in page.console[-120:]))
        page.close()
