"""keepalive: reloading the page resumes the BOSH session (same full JID, no new login)."""

from __future__ import annotations

from typing import Any

from .support import BOOT_TIMEOUT_MS, open_client_page, unique_account


def test_reload_resumes_the_same_session(browser: Any, web_server: Any, prosody: Any) -> None:
    ivan = unique_account(prosody, "ivan")
    settings = {"bosh_service_url": prosody.bosh_url, "jid": ivan.jid, "password": ivan.password,
                "auto_login": True, "keepalive": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/slice.html", settings)
    try:
        handle.wait_for("window.record.events.some(e => e.name === 'connected')", timeout=BOOT_TIMEOUT_MS)
        first = handle.js("window.record.events.find(e => e.name === 'connected').jid")
        bosh_posts_before = len(handle.requests)
        stored = handle.js("sessionStorage.getItem('strophe-bosh-session')")
        assert stored and ivan.password not in stored, "only jid/sid/rid may be cached, never the password"
        handle.page.reload()
        handle.wait_for("window.record.events.some(e => e.name === 'connected')", timeout=BOOT_TIMEOUT_MS)
        second = handle.js("window.record.events.find(e => e.name === 'connected').jid")
        assert second == first, "the resumed session keeps its full JID (a new login gets a new resource)"
        assert bosh_posts_before > 0
        for key in ("localStorage", "sessionStorage"):
            dump = handle.js(f"JSON.stringify({key})")
            assert ivan.password not in dump
        handle.page.wait_for_selector("#conversejs .cpy-my-jid", state="attached")
    finally:
        handle.close()
