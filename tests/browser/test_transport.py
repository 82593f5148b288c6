"""Transport choice (issue 9): WebSocket (RFC 7395), WebSocket preferred over BOSH with BOSH as the
fallback, and XEP-0156 discovery from host-meta, against the real Prosody."""

from __future__ import annotations

from typing import Any

from tools.prosody import free_port

from .support import BOOT_TIMEOUT_MS, ClientPage, open_client_page, unique_account

PAGE = "/tests/browser/pages/transport.html"
CONNECTED = "window.record.events.some(e => e.name === 'connected')"


def open_page(browser: Any, web_server: Any, settings: dict[str, Any]) -> tuple[ClientPage, list[str]]:
    """The transport page, plus the URLs of every WebSocket it opened."""
    sockets: list[str] = []
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/blank.html")
    handle.page.on("websocket", lambda ws: sockets.append(ws.url))
    handle.context.add_init_script(f"window.TEST_SETTINGS = {__import__('json').dumps(settings)};")
    handle.page.goto(web_server.url + PAGE)
    return handle, sockets


def bosh_requests(handle: ClientPage) -> list[str]:
    return [url for url in handle.requests if "/http-bind" in url]


def test_websocket_url_alone_logs_in_over_websocket(browser: Any, web_server: Any, prosody: Any) -> None:
    kim = unique_account(prosody, "kim")
    handle, sockets = open_page(browser, web_server, {
        "websocket_url": prosody.websocket_url, "jid": kim.jid, "password": kim.password, "auto_login": True})
    try:
        handle.wait_for(CONNECTED, timeout=BOOT_TIMEOUT_MS)
        assert handle.js("window.testApi.user.jid()").startswith(kim.jid + "/")
        assert sockets == [prosody.websocket_url]
        assert bosh_requests(handle) == []
        assert handle.js("window.testApi.tokens.get('sid')") is None  # no BOSH session
    finally:
        handle.close()


def test_both_urls_prefer_websocket(browser: Any, web_server: Any, prosody: Any, bot: Any) -> None:
    lee = unique_account(prosody, "lee")
    other = unique_account(prosody, "leebot")
    handle, sockets = open_page(browser, web_server, {
        "websocket_url": prosody.websocket_url, "bosh_service_url": prosody.bosh_url,
        "jid": lee.jid, "password": lee.password, "auto_login": True})
    try:
        handle.wait_for(CONNECTED, timeout=BOOT_TIMEOUT_MS)
        assert sockets == [prosody.websocket_url]
        assert bosh_requests(handle) == []
        peer = bot(other)
        peer.send_message(lee.jid, "over the socket")
        handle.wait_for("window.record.bodies.includes('over the socket')")
        handle.js(f"window.testSend({other.jid!r}, 'and back')")
        assert peer.wait_for_message("and back")[1] == "and back"
    finally:
        handle.close()


def test_dead_websocket_falls_back_to_bosh(browser: Any, web_server: Any, prosody: Any) -> None:
    max_ = unique_account(prosody, "max")
    dead = f"ws://localhost:{free_port()}/xmpp-websocket"  # nothing listens there
    handle, sockets = open_page(browser, web_server, {
        "websocket_url": dead, "bosh_service_url": prosody.bosh_url,
        "jid": max_.jid, "password": max_.password, "auto_login": True})
    try:
        handle.wait_for(CONNECTED, timeout=BOOT_TIMEOUT_MS)
        assert sockets == [dead], "WebSocket is tried first"
        assert bosh_requests(handle), "then BOSH carries the session"
        assert int(handle.js("window.testApi.tokens.get('rid')")) > 0
        assert any("trying the next connection method" in line for line in handle.console)
    finally:
        handle.close()


def _serve_host_meta(web_server: Any, prosody: Any) -> None:
    xrd = (f'<?xml version="1.0" encoding="utf-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">'
           f'<Link rel="urn:xmpp:alt-connections:xbosh" href="{prosody.bosh_url}"/>'
           f'<Link rel="urn:xmpp:alt-connections:websocket" href="{prosody.websocket_url}"/></XRD>')
    web_server.add_route("/.well-known/host-meta", lambda _h: (200, "application/xrd+xml", xrd.encode()))


def test_xep0156_discovery_from_host_meta(browser: Any, web_server: Any, prosody: Any) -> None:
    nia = unique_account(prosody, "nia")
    _serve_host_meta(web_server, prosody)
    try:
        handle, sockets = open_page(browser, web_server, {
            "host_meta_url": web_server.url + "/.well-known/host-meta",
            "jid": nia.jid, "password": nia.password, "auto_login": True})
        try:
            handle.wait_for(CONNECTED, timeout=BOOT_TIMEOUT_MS)
            discovered = handle.js("window.record.events.find(e => e.name === 'connectionMethodsDiscovered').arg")
            assert '"websocket": "' + prosody.websocket_url in discovered.replace('":"', '": "')
            assert any(url.endswith("/.well-known/host-meta") for url in handle.requests)
            assert sockets == [prosody.websocket_url], "the discovered WebSocket URL is preferred"
        finally:
            handle.close()
    finally:
        web_server.remove_route("/.well-known/host-meta")
