"""Helpers for browser tests that share one loaded page per module (Pyodide boots once per page)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: Hosts a converse-py page may talk to.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
#: Generous bound for Pyodide's boot + a BOSH login on a loaded 2-core CI machine.
BOOT_TIMEOUT_MS = 60_000


@dataclass
class Account:
    username: str
    password: str
    domain: str = "localhost"

    @property
    def jid(self) -> str:
        return f"{self.username}@{self.domain}"


def unique_account(prosody: Any, prefix: str) -> Account:
    """Register a fresh account in the session's Prosody (tests never share accounts)."""
    account = Account(f"{prefix}-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex[:12]}")
    prosody.register(account.username, account.password)
    return account


@dataclass
class ClientPage:
    """A page, its context, and everything it did."""

    context: Any
    page: Any
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait_for(self, expression: str, timeout: int = 15_000, arg: Any = None) -> Any:
        return self.page.wait_for_function(expression, arg=arg, timeout=timeout)


#: The plugins the browser tests add (by name or name prefix): only whitelisted plugins get
#: ``_converse`` (``whitelisted_plugins``), so the test pages' settings name them.
TEST_PLUGINS = ["grab", "grab-*", "wait-*", "seed-*", "pre-*", "iq-*", "check-*", "snippet-*", "pysnippet-*",
                "chat-snippet-*", "archive-snippet-*", "py-*", "js-*", "buttons-*", "examples-*", "scale-wait",
                "discovery-test", "messaging-events", "otr-test", "no-otr", "dice", "blacklist-probe",
                "late-plugin", "delivery-probe", "big-roster", "myplugin", "otr-example", "bigmsg-events"]


def with_test_plugins(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` whitelisting the tests' plugins too (``TEST_PLUGINS``)."""
    return {**settings, "whitelisted_plugins": [*settings.get("whitelisted_plugins", []), *TEST_PLUGINS]}


def open_client_page(browser: Any, base_url: str, path: str, settings: dict[str, Any] | None = None,
                     locale: str | None = None) -> ClientPage:
    """Open ``path`` in a fresh context with ``window.TEST_SETTINGS`` set before any page script runs
    (``locale``: the browser's language, ``navigator.language``, e.g. "de-DE")."""
    context = browser.new_context(**({"locale": locale} if locale else {}))
    page = context.new_page()
    handle = ClientPage(context, page)
    page.on("request", lambda request: handle.requests.append(request.url))
    page.on("console", lambda message: handle.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: handle.page_errors.append(str(error)))
    if settings is not None:
        context.add_init_script(f"window.TEST_SETTINGS = {json.dumps(with_test_plugins(settings))};")
    page.goto(base_url + path)
    return handle


def auto_login_page(browser: Any, base_url: str, prosody: Any, account: Account, **settings: Any) -> ClientPage:
    """The API test page logging ``account`` in over BOSH at start-up (more ``settings`` on top),
    returned once ``converse.initialize`` is done and the page's Python hook is there."""
    handle = open_client_page(browser, base_url, "/tests/browser/pages/api.html", {
        "bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password,
        "auto_login": True, **settings})
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    return handle


def grab_api(handle: ClientPage, promise: str = "statusInitialized") -> None:
    """Once the page's ``converse.initialize`` is done, put ``_converse.api`` at ``window.capi``
    (through a JS plugin, as plugin authors get it) and wait for ``promise``."""
    handle.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    handle.js("""(promise) => new Promise((resolve) => converse.plugins.add('grab', { initialize() {
        window.capi = this._converse.api;
        window.capi.waitUntil(promise).then(resolve);
    }}))""", promise)


def non_local_requests(urls: list[str]) -> list[str]:
    """URLs whose host is not this machine (data: and blob: URLs are local by nature)."""
    outside = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname not in LOCAL_HOSTS:
            outside.append(url)
    return outside
