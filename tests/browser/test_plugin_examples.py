"""The seed's plugin example in JS, as written, and the same plugin written in Python on the same page."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account


@pytest.fixture(scope="module")
def carol(prosody: Any) -> Account:
    return unique_account(prosody, "carol")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, carol: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": carol.jid, "password": carol.password,
                "auto_login": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/plugins.html", settings)
    handle.wait_for("window.log.filter(e => e[0] === 'js' || e[0] === 'py').length === 2", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_js_plugin_as_written_in_the_seed_gets_the_private_api(page: ClientPage, carol: Account) -> None:
    js_entries = [e for e in page.js("window.log") if e[0] == "js"]
    assert len(js_entries) == 1 and js_entries[0][1].startswith(carol.jid + "/")
    # The seed's alert(this._converse.api.user.jid()) ran in initialize, before the login finished.
    assert page.js("window.alerts") == ["null"]


def test_python_plugin_in_a_py_script_tag_gets_the_same_api(page: ClientPage, carol: Account) -> None:
    log = page.js("window.log")
    py_init = [e for e in log if e[0] == "py-init"]
    py_connected = [e for e in log if e[0] == "py"]
    assert len(py_init) == 1, "the Python plugin must be initialized exactly once"
    assert len(py_connected) == 1 and py_connected[0][1].startswith(carol.jid + "/")


def test_a_duplicate_plugin_name_is_rejected_with_a_clear_error(page: ClientPage) -> None:
    duplicates = [e for e in page.js("window.log") if e[0] == "duplicate"]
    assert duplicates == [["duplicate", "a plugin named 'myplugin' is already registered"]]


def test_public_calls_return_real_promises_and_reject_bad_settings(page: ClientPage) -> None:
    result = page.js("""async () => {
        const p = converse.plugins.add('late-plugin', {initialize() { window.lateInit = true; }});
        const isPromise = p instanceof Promise;
        await p;
        let error = null;
        try { await converse.initialize({play_sounds: 'yes'}); } catch (e) { error = e.name + ': ' + e.message; }
        return {isPromise, lateInit: window.lateInit === true, error};
    }""")
    assert result["isPromise"] is True
    assert result["lateInit"] is True, "a plugin added after initialize is initialized at once"
    assert result["error"] == "ConverseError: converse.initialize has already been called on this page"


def test_dependencies_order_and_a_broken_plugin_does_not_stop_the_others(page: ClientPage) -> None:
    assert page.js("window.order") == ["base", "needs-base", "after-broken", "pluginsInitialized"]
    errors = [line for line in page.console if line.startswith("error:") and "'broken'" in line]
    assert errors and "plugin bug" in errors[-1]


def test_a_plugin_not_in_whitelisted_plugins_never_gets_converse_and_the_console_says_what_to_add(
        page: ClientPage) -> None:
    page.js("""() => converse.plugins.add('stranger', { initialize() { window.strangerGot = this._converse; } })""")
    assert page.js("() => [window.uninvitedGot === undefined, window.strangerGot === undefined]") == [True, True]
    for name in ("uninvited", "stranger"):
        said = [line for line in page.console if f"plugin '{name}' is registered but not initialized" in line]
        assert said and said[0].startswith("warning:") and f"whitelisted_plugins: ['{name}']" in said[0]
