"""keepalive: reloading the page resumes the BOSH session (same full JID, no new login)."""

from __future__ import annotations

from typing import Any

from tools.bot import Bot
from tools.demo_bot import befriend

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


def test_after_a_reload_contacts_are_still_online_and_earlier_ticks_still_shown(
        browser: Any, web_server: Any, prosody: Any) -> None:
    """The resumed session gets no presences again (the server sent them to the page before):
    the contacts' presences and the ticks of earlier messages come back from tab storage."""
    ivan, kate = unique_account(prosody, "ivan"), unique_account(prosody, "kate")
    host, port = "127.0.0.1", prosody.c2s_port
    setup = Bot(ivan.jid, ivan.password, host, port, "setup").start()
    friend = Bot(kate.jid, kate.password, host, port, "phone").start()
    try:
        befriend({"ivan": setup, "kate": friend})
        setup.stop()
        settings = {"bosh_service_url": prosody.bosh_url, "jid": ivan.jid, "password": ivan.password,
                    "auto_login": True, "keepalive": True, "show_controlbox_by_default": True}
        handle = open_client_page(browser, web_server.url, "/tests/browser/pages/slice.html", settings)
        try:
            page = handle.page
            online = f'#conversejs li.cpy-contact.cpy-online[data-jid="{kate.jid}"]'
            page.wait_for_selector(online, timeout=BOOT_TIMEOUT_MS)
            page.click(f'#conversejs li.cpy-contact[data-jid="{kate.jid}"] button[data-action="open-chat"]')
            box = page.locator(f'section.cpy-chatbox[data-jid="{kate.jid}"]')
            box.locator("textarea").fill("read before the reload")
            box.locator("textarea").press("Enter")
            sent = friend.wait_for_stanza(lambda el: el.findtext("{jabber:client}body") == "read before the reload")
            msg_id = sent.get("id")
            friend.send_raw(f'<message to="{ivan.jid}"><received xmlns="urn:xmpp:receipts" id="{msg_id}"/></message>')
            friend.send_raw(f'<message to="{ivan.jid}" type="chat">'
                            f'<displayed xmlns="urn:xmpp:chat-markers:0" id="{msg_id}"/></message>')
            ticked = f'section.cpy-chatbox[data-jid="{kate.jid}"] li.cpy-msg.cpy-out [data-role=tick]'
            page.wait_for_function("sel => document.querySelector(sel)?.textContent === '✓✓'", arg=ticked,
                                   timeout=10_000)
            page.wait_for_timeout(300)  # the presences are saved once the loop turn is over
            page.reload()
            handle.wait_for("window.record.events.some(e => e.name === 'connected')", timeout=BOOT_TIMEOUT_MS)
            page.wait_for_selector(online, timeout=5_000)
            page.wait_for_selector(f'section.cpy-chatbox[data-jid="{kate.jid}"] li.cpy-msg.cpy-out', timeout=15_000)
            page.wait_for_function("sel => document.querySelector(sel)?.textContent === '✓✓'", arg=ticked,
                                   timeout=5_000)
            # the server's later presences still count: kate going offline shows at once
            friend.stop()
            page.wait_for_selector(f'#conversejs li.cpy-contact.cpy-offline[data-jid="{kate.jid}"]', timeout=10_000)
        finally:
            handle.close()
    finally:
        setup.stop()
        friend.stop()
