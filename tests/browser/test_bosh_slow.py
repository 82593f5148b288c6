"""BOSH with slow responses: a proxy between the page and the server holds some responses back
(a few seconds, and once longer than Strophe's patience for a second request), so requests
overlap, time out and are re-sent with the same rid. The session survives or reconnects; every
message goes through exactly once, in order, and nothing escapes into the page."""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from .support import grab_api, open_client_page, unique_account

#: Response delays (seconds) applied in turn to the BOSH responses while the proxy is "slow".
DELAYS = (2.5, 0.0, 4.0, 0.0, 8.0, 0.0, 3.0)


class SlowProxy:
    """Forwards every request to ``target`` (a BOSH URL); while ``slow`` it waits before answering."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.slow = False
        self.delayed: list[float] = []
        self._turn = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_OPTIONS(self) -> None:  # CORS pre-flight: the server answers it
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, proxy.target.path, body=body, headers=headers)
                reply = upstream.getresponse()
                data = reply.read()
                delay = proxy.next_delay() if self.command == "POST" else 0.0
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.getheaders():
                        if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the browser gave up on this request meanwhile
                finally:
                    upstream.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.target.path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next_delay(self) -> float:
        with self._lock:
            if not self.slow:
                return 0.0
            delay = DELAYS[self._turn % len(DELAYS)]
            self._turn += 1
            self.delayed.append(delay)
            return delay

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def slow_proxy(prosody: Any) -> Iterator[SlowProxy]:
    proxy = SlowProxy(prosody.bosh_url)
    yield proxy
    proxy.close()


def test_slow_bosh_responses_lose_and_double_nothing(browser: Any, web_server: Any, prosody: Any, bot: Any,
                                                     slow_proxy: SlowProxy) -> None:
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    bob_bot = bot(bob)
    settings = {"bosh_service_url": slow_proxy.url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "auto_reconnect": True, "keepalive": False,
                "show_controlbox_by_default": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    passed = False
    try:
        grab_api(page)
        page.js(f"window.capi.chats.open({json.dumps(bob.jid)})")
        slow_proxy.slow = True
        expected_in, expected_out = [], []
        for n in range(6):
            bob_bot.send_message(alice.jid, f"slow in {n}")
            expected_in.append(f"slow in {n}")
            page.js(f"window.capi.chats.get({json.dumps(bob.jid)}).model.sendMessage('slow out {n}')")
            expected_out.append(f"slow out {n}")
            page.page.wait_for_timeout(1500)
        page.wait_for(f"""() => {{
            const shown = Array.from(document.querySelectorAll('#conversejs .cpy-chatbox .cpy-msg.cpy-in .cpy-body'))
                .map((e) => e.textContent);
            return {json.dumps(expected_in)}.every((t) => shown.includes(t));
        }}""", timeout=90_000)
        assert any(d >= 4 for d in slow_proxy.delayed), f"the proxy held too little back: {slow_proxy.delayed}"
        slow_proxy.slow = False
        shown = page.js("Array.from(document.querySelectorAll('#conversejs .cpy-chatbox .cpy-msg.cpy-in .cpy-body'))"
                        ".map((e) => e.textContent)")
        assert shown == expected_in  # each once, in order
        bob_bot.wait_for_message(expected_out[-1], timeout=60)
        time.sleep(0.5)
        from_alice = [body for frm, body in bob_bot.received if frm.startswith(alice.jid)]
        assert from_alice == expected_out
        assert page.js("window.capi.connection.connected") is True
        assert page.page_errors == []
        # a disposed connection's callbacks are unhooked before their proxies go
        assert not [line for line in page.console if "already been destroyed" in line]
        passed = True
    finally:
        if not passed:
            print("\n".join(line[:300] for line in page.console[-120:]))
        page.close()
