"""After the login, the password is in no object a page script can reach: not through
``window.converse``, not through a plugin's ``_converse`` (JS), not anywhere in Python (the
interpreter is reachable from same-origin JS), not in Strophe's connection, not in web storage.
Prosody and ejabberd offer SCRAM, so even with auto_reconnect on the clear password is gone:
the SCRAM keys derived from it replace it, and a reconnection logs in with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .support import BOOT_TIMEOUT_MS, ClientPage, open_client_page, unique_account

WALKER = (Path(__file__).parent.parent / "unit" / "password_walk.py").read_text()

# Every object reachable from window.converse and from a plugin's _converse, through own data
# properties and prototypes (DOM nodes are the page's; PyProxies are walked on the Python side).
JS_WALK = """(needle) => {
    const isPyProxy = (o) => typeof o.toJs === 'function' && typeof o.destroy === 'function';
    const stack = [window.converse, window.pluginConverse];
    const seen = new Set();
    const found = [];
    while (stack.length) {
        const obj = stack.pop();
        if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function') || seen.has(obj)) continue;
        seen.add(obj);
        if (obj === window || obj instanceof Node || isPyProxy(obj)) continue;
        for (const key of Reflect.ownKeys(obj)) {
            let desc;
            try { desc = Object.getOwnPropertyDescriptor(obj, key); } catch (e) { continue; }
            if (!desc || !('value' in desc)) continue;
            if (typeof desc.value === 'string') {
                if (desc.value.includes(needle)) found.push(String(key));
            } else {
                stack.push(desc.value);
            }
        }
        stack.push(Object.getPrototypeOf(obj));
    }
    return {found: found, walked: seen.size};
}"""

PY_WALK = WALKER + """

def _check():
    needle = str(window.needle)
    window.out.pyHolders = to_js(holders(needle))
    window.needle = None


_check()
"""


def python_holders(page: ClientPage, password: str) -> list[str]:
    page.js("(needle) => { window.out.pyHolders = undefined; window.needle = needle; }", password)
    page.js("(code) => window.runPython(code)", PY_WALK)
    page.wait_for("window.out.pyHolders !== undefined", timeout=60_000)
    return list(page.js("window.out.pyHolders"))


def strophe_connection_copy(page: ClientPage) -> dict[str, Any]:
    """What a script that wraps Strophe's prototypes after the login finds on the connection."""
    return page.js("""() => new Promise((resolve) => {
        const proto = converse.env.Strophe.Connection.prototype;
        const onIdle = proto._onIdle;
        proto._onIdle = function () {
            proto._onIdle = onIdle;
            window.grabbedConnection = this;
            resolve({pass: this.pass === null ? null : typeof this.pass,
                     keys: this.scram_keys ? Object.keys(this.scram_keys).sort() : null});
            return onIdle.apply(this, arguments);
        };
    })""")


def test_after_login_the_password_is_nowhere_a_script_can_reach_and_reconnecting_uses_scram_keys(
        browser: Any, web_server: Any, prosody: Any) -> None:
    account = unique_account(prosody, "secretive")
    settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True, "auto_reconnect": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    try:
        page.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
        page.js("""() => { delete window.TEST_SETTINGS; }""")  # the test's own copy, not the client's
        page.js("""() => new Promise((resolve) => converse.plugins.add('grab', { initialize() {
            window.pluginConverse = this._converse;
            window.capi = this._converse.api;
            window.out.log = [];
            for (const name of ['will-reconnect', 'reconnected', 'disconnected']) {
                window.capi.listen.on(name, () => window.out.log.push(name));
            }
            window.capi.waitUntil('connected').then(resolve);
        }}))""")

        walked = page.js(JS_WALK, account.password)
        assert walked["found"] == [] and walked["walked"] > 50
        assert python_holders(page, account.password) == []
        assert strophe_connection_copy(page) == {"pass": None, "keys": ["ck", "iter", "name", "salt", "sk"]}
        assert page.js("(needle) => JSON.stringify([{...sessionStorage}, {...localStorage}]).includes(needle)",
                       account.password) is False

        # The connection drops: the client logs in again with the SCRAM keys, not the password.
        # (Known issue: after this artificial drop the first attempt with the keys hangs until the
        # 30 s login timeout and the second one succeeds; after a real outage, test_reconnect.py and
        # test_smacks.py, the keys log in at once. Not yet understood.)
        page.js("() => window.grabbedConnection._doDisconnect()")
        page.wait_for("window.out.log.includes('reconnected') && window.capi.connection.connected", timeout=75_000)
        assert "disconnected" not in page.js("window.out.log")
        assert page.js(JS_WALK, account.password)["found"] == []
        assert python_holders(page, account.password) == []
        assert page.page_errors == []
    finally:
        page.close()


def test_without_reconnection_nothing_is_kept_not_even_scram_keys(
        browser: Any, web_server: Any, prosody: Any) -> None:
    account = unique_account(prosody, "forgetful")
    settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True, "auto_reconnect": False}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    try:
        page.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
        page.js("""() => new Promise((resolve) => converse.plugins.add('grab', { initialize() {
            window.pluginConverse = this._converse;
            this._converse.api.waitUntil('connected').then(resolve);
        }}))""")
        page.js("(code) => window.runPython(code)", "from converse_py.public import converse as c\n"
                "window.out.keeps = c._instance.connection.can_log_in_again")
        assert page.js("window.out.keeps") is False
        assert page.js(JS_WALK, account.password)["found"] == []
        assert python_holders(page, account.password) == []
    finally:
        page.close()
