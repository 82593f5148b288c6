"""The core private API (issue: listen, waitUntil, settings, send, sendIQ, tokens, connection, user),
driven the way the seed's examples do: each snippet runs as written inside a plugin added to a
logged-in page, and its Python twin runs in the same page's interpreter.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

_names = itertools.count(1)


@pytest.fixture(scope="module")
def frank(prosody: Any) -> Account:
    return unique_account(prosody, "frank")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, frank: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": frank.jid, "password": frank.password,
                "auto_login": True, "keepalive": False}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('wait-connected', {
        initialize() { this._converse.api.waitUntil('connected').then(resolve); }}))""")
    yield handle
    handle.close()


def js_plugin(page: ClientPage, body: str) -> None:
    """Run ``body`` as the initialize of a new JS plugin (plugins added after initialize run at once)."""
    name = f"snippet-{next(_names)}"
    page.js(f"() => converse.plugins.add({json.dumps(name)}, {{ initialize: function () {{ {body} }} }})")


def py_plugin(page: ClientPage, body: str) -> None:
    """Run ``body`` (indented as a method body) as the initialize of a new Python plugin."""
    name = f"pysnippet-{next(_names)}"
    indented = "\n".join("        " + line for line in body.strip("\n").splitlines())
    page.js("code => window.runPython(code)",
            f"class Snippet:\n    def initialize(self):\n{indented}\n\nconverse.plugins.add({name!r}, Snippet)\n")


# -- user.jid, tokens, settings: the seed's alert() examples --------------------------------

def test_user_jid_alerts_the_full_jid(page: ClientPage, frank: Account) -> None:
    js_plugin(page, "alert(this._converse.api.user.jid());")
    assert page.js("window.alerts.pop()").startswith(frank.jid + "/")
    py_plugin(page, "window.out.pyJid = self._converse.api.user.jid()")
    assert page.js("window.out.pyJid").startswith(frank.jid + "/")


def test_tokens_get_rid_and_sid_over_bosh(page: ClientPage) -> None:
    js_plugin(page, "alert(this._converse.api.tokens.get('rid'));"
                    "window.out.sid = this._converse.api.tokens.get('sid');"
                    "try { this._converse.api.tokens.get('nope'); } catch (e) { window.out.tokErr = e.message; }")
    assert int(page.js("window.alerts.pop()")) > 0
    assert isinstance(page.js("window.out.sid"), str) and page.js("window.out.sid")
    assert "expected 'rid' or 'sid'" in page.js("window.out.tokErr")
    py_plugin(page, "window.out.pyRid = self._converse.api.tokens.get('rid')")
    assert page.js("window.out.pyRid") > 0


def test_settings_get_set_and_set_object(page: ClientPage) -> None:
    js_plugin(page, """
        // default value would be false;
        alert(this._converse.api.settings.get("play_sounds"));
        this._converse.api.settings.set("play_sounds", true);
        window.out.afterSet = this._converse.api.settings.get("play_sounds");
        this._converse.api.settings.set({"play_sounds": false, "hide_offline_users": true});
        window.out.afterObject = [this._converse.api.settings.get("play_sounds"),
                                  this._converse.api.settings.get("hide_offline_users")];
        try { this._converse.api.settings.set("play_sounds", "loud"); }
        catch (e) { window.out.settingError = e.name + ': ' + e.message; }
    """)
    assert page.js("window.alerts.pop()") == "false"
    assert page.js("window.out.afterSet") is True
    assert page.js("window.out.afterObject") == [False, True]
    assert page.js("window.out.settingError") == "SettingsError: play_sounds: expected a boolean, got str ('loud')"
    py_plugin(page, """
api = self._converse.api
api.settings.set({"hide_offline_users": False})
window.out.pyHide = api.settings.get("hide_offline_users")
""")
    assert page.js("window.out.pyHide") is False


# -- listen -----------------------------------------------------------------------------

def test_listen_on_once_not_with_context(page: ClientPage) -> None:
    js_plugin(page, """
        var api = this._converse.api, ctx = {name: 'ctx'}, calls = window.out.calls = [];
        function every(arg) { calls.push(['on', arg, this === ctx]); }
        function onlyOnce(arg) { calls.push(['once', arg]); }
        function removed(arg) { calls.push(['removed', arg]); }
        api.listen.on('customEvent', every, ctx);
        api.listen.once('customEvent', onlyOnce);
        api.listen.on('customEvent', removed);
        api.listen.not('customEvent', removed);
        api.trigger('customEvent', 1);
        api.trigger('customEvent', 2);
    """)
    assert page.js("window.out.calls") == [["on", 1, True], ["once", 1], ["on", 2, True]]
    py_plugin(page, """
api = self._converse.api
seen = []
def handler(value):
    seen.append(value)
api.listen.on("pyEvent", handler)
api.listen.once("pyEvent", lambda value: seen.append(("once", value)))
api.trigger("pyEvent", 1)
api.listen.not_("pyEvent", handler)
api.trigger("pyEvent", 2)
window.out.pySeen = repr(seen)
""")
    assert page.js("window.out.pySeen") == "[1, ('once', 1)]"


# -- waitUntil --------------------------------------------------------------------------

RESOLVED_BY_NOW = ["cachedRoster", "chatBoxesFetched", "connected", "pluginsInitialized", "roster", "rosterContactsFetched",
                   "rosterGroupsFetched", "rosterInitialized", "statusInitialized"]


def test_wait_until_fires_for_promises_resolved_earlier_and_rejects_unknown_names(page: ClientPage) -> None:
    page.wait_for("true")
    result = page.js("""async (names) => {
        const api = await new Promise((resolve) => converse.plugins.add('wait-' + Math.random(), {
            initialize() { resolve(this._converse.api); }}));
        const resolved = [];
        for (const name of names) { await api.waitUntil(name); resolved.push(name); }
        let unknown = null;
        try { await api.waitUntil('rosterContactsFetchd'); } catch (e) { unknown = e.message; }
        return {resolved, unknown, isPromise: api.waitUntil('connected') instanceof Promise};
    }""", RESOLVED_BY_NOW)
    assert result["resolved"] == RESOLVED_BY_NOW
    assert "no promise named 'rosterContactsFetchd'" in result["unknown"]
    assert result["isPromise"] is True
    # The seed's own line, as written:
    js_plugin(page, "this.initInviteWidget = function () { window.out.inviteWidget = true; };"
                    "this._converse.api.waitUntil('rosterContactsFetched').then(this.initInviteWidget.bind(this));")
    page.wait_for("window.out.inviteWidget === true")
    py_plugin(page, """
async def later(api=self._converse.api):
    await api.wait_until("rosterContactsFetched")
    window.out.pyWaited = True
asyncio.ensure_future(later())
""")
    page.wait_for("window.out.pyWaited === true")


# -- send and sendIQ ---------------------------------------------------------------------

def test_send_seed_example_as_written_keeps_the_client_working(page: ClientPage, frank: Account,
                                                              new_account: Any, bot: Any) -> None:
    js_plugin(page, """
        var msg = converse.env.$msg({
            from: 'juliet@example.com/balcony',
            to:'romeo@example.net',
            type:'chat'
        });
        this._converse.api.send(msg);
    """)
    other = new_account("romeo")
    receiver = bot(other)
    js_plugin(page, f"""
        var doc = new DOMParser().parseFromString(
            '<message xmlns="jabber:client" to="{other.jid}" type="chat"><body>from a DOM element</body></message>',
            'text/xml');
        this._converse.api.send(doc.documentElement);
    """)
    py_plugin(page, f"""
self._converse.api.send('<message to="{other.jid}" type="chat"><body>from python</body></message>')
import xml.etree.ElementTree as ET
msg = ET.Element("message", {{"to": "{other.jid}", "type": "chat"}})
ET.SubElement(msg, "body").text = "from an ElementTree element"
self._converse.api.send(msg)
""")
    for body in ("from a DOM element", "from python", "from an ElementTree element"):
        sender, _ = receiver.wait_for_message(body, timeout=10)
        assert sender.startswith(frank.jid)
    assert page.js("() => new Promise((resolve) => converse.plugins.add('check-' + Math.random(), "
                   "{initialize() { resolve(this._converse.api.connection.connected); }}))") is True


def test_send_iq_resolves_with_the_result_and_rejects_on_error(page: ClientPage) -> None:
    result = page.js("""() => new Promise((resolve) => converse.plugins.add('iq-' + Math.random(), {
        async initialize() {
            const api = this._converse.api, $iq = converse.env.$iq;
            const reply = await api.sendIQ($iq({type: 'get'}).c('query', {xmlns: 'jabber:iq:roster'}));
            let error = null;
            try {
                await api.sendIQ($iq({type: 'get', to: 'nowhere.invalid'}).c('query', {xmlns: 'jabber:iq:version'}));
            } catch (e) { error = e.name + ': ' + e.message; }
            resolve({isElement: reply instanceof Element, type: reply.getAttribute('type'),
                     query: reply.querySelector('query') !== null, error});
        }}))""")
    assert result["isElement"] and result["type"] == "result" and result["query"]
    # The condition is the server's: Prosody (s2s disabled) says not-allowed, ejabberd
    # (s2s_access: none) forbidden; both reject the IQ with the condition and its type.
    assert re.match(r"IQError: IQ \S+ failed: (not-allowed \(cancel\)|forbidden \(auth\))", result["error"]), \
        result["error"]


# -- connection and user: logout, login, credentials_url, prebind_url --------------------

def test_connection_connected_is_a_boolean_attribute(page: ClientPage) -> None:
    js_plugin(page, "window.out.connectedType = typeof this._converse.api.connection.connected;"
                    "window.out.connected = this._converse.api.connection.connected;")
    assert page.js("[window.out.connectedType, window.out.connected]") == ["boolean", True]


def test_logout_then_login_with_credentials(page: ClientPage, frank: Account) -> None:
    js_plugin(page, """
        var api = this._converse.api;
        window.out.events = [];
        api.listen.on('disconnected', function () { window.out.events.push('disconnected'); });
        api.listen.on('connected', function () { window.out.events.push('connected'); });
        window.api = null;  // nothing private is left on window
        this._converse.api.user.logout();
        window.out.afterLogout = [api.connection.connected, api.user.jid()];
    """)
    page.wait_for("window.out.events.includes('disconnected')")
    assert page.js("window.out.afterLogout") == [False, None]
    js_plugin(page, f"""
        this._converse.api.user.login({{
            'jid': {json.dumps(frank.jid)},
            'password': {json.dumps(frank.password)}
        }}).then(function (jid) {{ window.out.relogin = jid; }});
    """)
    page.wait_for("typeof window.out.relogin === 'string'", timeout=20_000)
    assert page.js("window.out.relogin").startswith(frank.jid + "/")


def test_login_without_arguments_uses_credentials_url(page: ClientPage, web_server: Any,
                                                       new_account: Any) -> None:
    grace = new_account("grace")
    body = json.dumps({"jid": grace.jid, "password": grace.password}).encode()
    web_server.add_route("/test/credentials", lambda handler: (200, "application/json", body))
    js_plugin(page, """
        var api = this._converse.api;
        api.user.logout();
        api.settings.set('credentials_url', '/test/credentials');
        api.user.login().then(function (jid) { window.out.credJid = jid; },
                              function (e) { window.out.credErr = e.message; });
    """)
    page.wait_for("window.out.credJid || window.out.credErr", timeout=20_000)
    assert page.js("window.out.credErr") is None
    assert page.js("window.out.credJid").startswith(grace.jid + "/")


def test_login_without_arguments_uses_prebind_url(page: ClientPage, web_server: Any, prosody: Any,
                                                  new_account: Any) -> None:
    from tools.prebind import prebind
    heidi = new_account("heidi")

    def endpoint(handler: Any) -> tuple[int, str, bytes]:
        session = prebind(prosody.bosh_url, heidi.jid, heidi.password)
        return 200, "application/json", json.dumps(session).encode()
    web_server.add_route("/test/prebind", endpoint)
    js_plugin(page, """
        var api = this._converse.api;
        api.user.logout();
        api.settings.set({credentials_url: null, prebind: true, prebind_url: '/test/prebind'});
        api.user.login().then(function (jid) { window.out.preJid = jid; },
                              function (e) { window.out.preErr = e.message; });
    """)
    page.wait_for("window.out.preJid || window.out.preErr", timeout=20_000)
    assert page.js("window.out.preErr") is None
    assert page.js("window.out.preJid").startswith(heidi.jid + "/")
    # The attached session really works: the roster IQ round-trips over it.
    got = page.js("""() => new Promise((resolve) => converse.plugins.add('pre-' + Math.random(), {
        initialize() {
            this._converse.api.sendIQ(converse.env.$iq({type: 'get'}).c('query', {xmlns: 'jabber:iq:roster'}))
                .then((r) => resolve(r.getAttribute('type')), (e) => resolve('error ' + e.message));
        }}))""")
    assert got == "result"
    js_plugin(page, "this._converse.api.settings.set('prebind', false);")


def test_connection_disconnect_then_python_twins_of_login_and_logout(page: ClientPage, frank: Account) -> None:
    js_plugin(page, """
        var api = this._converse.api;
        window.out.disc = [];
        api.listen.once('disconnected', function () { window.out.disc.push(api.connection.connected); });
        api.connection.disconnect();
    """)
    page.wait_for("window.out.disc.length === 1")
    assert page.js("window.out.disc") == [False]
    py_plugin(page, f"""
api = self._converse.api
async def cycle():
    jid = await api.user.login({{"jid": {frank.jid!r}, "password": {frank.password!r}}})
    connected_after_login = api.connection.connected
    api.user.logout()
    window.out.pyCycle = to_js([jid, connected_after_login, api.connection.connected, api.user.jid()])
asyncio.ensure_future(cycle())
""")
    page.wait_for("Array.isArray(window.out.pyCycle)", timeout=20_000)
    jid, connected_after_login, connected_after_logout, jid_after = page.js("window.out.pyCycle")
    assert jid.startswith(frank.jid + "/") and connected_after_login is True
    assert connected_after_logout is False and jid_after is None


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
