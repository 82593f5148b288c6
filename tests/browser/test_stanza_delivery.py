"""How incoming stanzas cross from Strophe into Python (``helpers.stanzaDelivery`` in the shim):
the stanzas Strophe hands over in one task (a BOSH response's) reach Python in one call, in order,
once that task's code is done; ``flush()`` hands over what is collected at once (the transport
calls it before reporting a status change), and nothing is delivered twice. The helper is the
shim's own, driven from the page's Python through the session's Strophe transport."""

from __future__ import annotations

from typing import Any

from .support import BOOT_TIMEOUT_MS, auto_login_page, grab_api, open_client_page, unique_account

SNIPPET = r"""
from js import DOMParser, queueMicrotask, window
from pyodide.ffi import create_proxy, to_js

BODY = ("<body xmlns='http://jabber.org/protocol/httpbind'>"
        "<message xmlns='jabber:client' id='m1' type='chat'><body>a &lt;b&gt; &amp; c</body></message>"
        "<presence xmlns='jabber:client' from='kim@localhost/x'/>"
        "<iq xmlns='jabber:client' id='q1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>"
        "</body>")


class Snippet:
    def initialize(self):
        helpers = self._converse.session.transport._helpers  # made on first use; not connected
        calls = []
        delivery = helpers.stanzaDelivery(create_proxy(lambda joined: calls.append(str(joined))))
        children = list(DOMParser.new().parseFromString(BODY, "text/xml").documentElement.children)
        out = {"kept": [bool(delivery.handler(child)) for child in children], "sync": len(calls)}

        def after_microtasks(*_):
            out["batched"] = [call.split("\x00") for call in calls]
            delivery.handler(children[0])
            delivery.flush()
            out["flushed"] = len(calls)

            def later(*_):
                out["after_flush"] = len(calls)
                out["last"] = calls[-1]
                window.out.delivery = to_js(out, dict_converter=window.Object.fromEntries)
            queueMicrotask(create_proxy(later))
        queueMicrotask(create_proxy(after_microtasks))


converse.plugins.add("delivery-probe", Snippet)
"""


def test_one_response_crosses_in_one_call_in_order_and_flush_hands_over_at_once(
        browser: Any, web_server: Any, prosody: Any) -> None:
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html",
                              {"bosh_service_url": prosody.bosh_url})
    try:
        handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
        handle.js("code => window.runPython(code)", SNIPPET)
        handle.wait_for("window.out.delivery !== undefined")
        got = handle.js("window.out.delivery")
        assert got["kept"] == [True, True, True]  # Strophe keeps a handler that returns true
        assert got["sync"] == 0  # nothing crosses while Strophe's loop is still running
        assert len(got["batched"]) == 1  # the three stanzas: one call, in the order received
        stanzas = got["batched"][0]
        assert [s.split(" ")[0] for s in stanzas] == ["<message", "<presence", "<iq"]
        assert "a &lt;b&gt; &amp; c" in stanzas[0] and "urn:xmpp:ping" in stanzas[2]
        # flush() delivers what was collected at once, and its queued microtask then finds nothing
        assert got["flushed"] == 2 and got["after_flush"] == 2
        assert got["last"].startswith("<message") and "\x00" not in got["last"]
        assert handle.page_errors == []
    finally:
        handle.close()


WHOLE_BODIES = r"""
from js import window


class Snippet:
    def initialize(self):
        window.out.wholeBodies = self._converse.session.transport.whole_bodies


converse.plugins.add("delivery-probe", Snippet)
"""


def test_once_logged_in_a_response_is_parsed_once_from_its_text(browser: Any, web_server: Any, prosody: Any,
                                                                 bot: Any) -> None:
    """helpers.wholeBodies: after login, BOSH responses reach Python as text, parsed once; what
    they bring (including escaped text and a stanza of another namespace) reads as sent."""
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    sender = bot(bob)
    handle = auto_login_page(browser, web_server.url, prosody, alice)
    try:
        grab_api(handle, "statusInitialized")
        texts = ["plain", "a <b> & c", "ünïcødé 🙂", "line\nbreak"]
        for text in texts:
            sender.send_message(alice.jid, text)
        handle.wait_for(f"document.querySelectorAll('#conversejs .cpy-msg .cpy-body').length >= {len(texts)}",
                        timeout=30_000)
        shown = handle.js("Array.from(document.querySelectorAll('#conversejs .cpy-msg .cpy-body'))"
                          ".map((e) => e.textContent)")
        assert shown == texts
        handle.js("code => window.runPython(code)", WHOLE_BODIES)
        assert handle.js("window.out.wholeBodies") >= 1
        assert handle.page_errors == []
    finally:
        handle.close()
