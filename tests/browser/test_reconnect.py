"""auto_reconnect against a real outage: Prosody is killed mid-session and restarted seconds later.
The client shows that it is reconnecting, comes back with backoff, re-enters its room, and the
messages alice sent while offline reach bob exactly once, in order.

(This module restarts the run's one Prosody; its data and ports survive the restart.)
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from .support import BOOT_TIMEOUT_MS, open_client_page, unique_account


def test_client_survives_a_server_crash_and_loses_nothing(browser: Any, web_server: Any, prosody: Any,
                                                           bot: Any) -> None:
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    room = f"outage-{uuid.uuid4().hex[:8]}@conference.localhost"
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "auto_reconnect": True, "keepalive": False,
                "show_controlbox_by_default": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    try:
        page.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
        page.js("""() => new Promise((resolve) => converse.plugins.add('grab', { initialize() {
            window.capi = this._converse.api;
            window.out.log = [];
            for (const name of ['connected', 'disconnected', 'will-reconnect', 'reconnected']) {
                window.capi.listen.on(name, () => window.out.log.push(name));
            }
            window.capi.waitUntil('statusInitialized').then(resolve);
        }}))""")
        page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
        page.wait_for(f"window.capi.rooms.get({json.dumps(room)}).model.get('connection_status') === 'entered'")

        prosody.kill()
        crashed_at = time.monotonic()
        page.wait_for("window.capi.connection.connected === false", timeout=30_000)
        page.page.wait_for_selector('#conversejs .cpy-loading:has-text("Reconnecting")', timeout=15_000)
        # Sent while there is no server: queued, not dropped.
        for text in ("offline one", "offline two"):
            page.js(f"""window.capi.send(converse.env.$msg({{to: {json.dumps(bob.jid)}, type: 'chat'}})
                        .c('body').t({json.dumps(text)}))""")
        time.sleep(max(0.0, 5.0 - (time.monotonic() - crashed_at)))
        prosody.start()
        bob_bot = bot(bob)

        page.wait_for("window.capi.connection.connected === true", timeout=60_000)
        log = page.js("window.out.log")
        assert "will-reconnect" in log and "reconnected" in log
        assert "disconnected" not in log  # repaired before giving up: listeners never saw it drop for good
        page.page.wait_for_selector("#conversejs .cpy-my-jid", timeout=15_000)
        bob_bot.wait_for_message("offline two", timeout=15)
        time.sleep(0.5)  # a duplicate would arrive within this
        from_alice = [body for frm, body in bob_bot.received if frm.startswith(alice.jid)]
        assert from_alice == ["offline one", "offline two"]
        # The room was entered again; messages flow both ways after the outage.
        page.wait_for(f"window.capi.rooms.get({json.dumps(room)}).model.get('connection_status') === 'entered'",
                      timeout=15_000)
        bob_bot.send_message(alice.jid, "welcome back")
        page.page.wait_for_selector('#conversejs .cpy-msg .cpy-body:has-text("welcome back")', timeout=15_000)
        assert page.page_errors == []
        # a disposed connection's callbacks are unhooked before their proxies go
        assert not [line for line in page.console if "already been destroyed" in line]
    finally:
        page.close()
        if not prosody.running:
            prosody.start()
