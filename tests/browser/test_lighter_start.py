"""A lighter first visit (issue 27): the trimmed standard library covers what the client
imports at run time, and the service worker lets the demo page open offline and say so."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tools import build, stdlib_trim

from .support import BOOT_TIMEOUT_MS, auto_login_page, grab_api, non_local_requests, unique_account

#: One pass is enough: what a first visit downloads does not depend on the server.
pytestmark = pytest.mark.one_server

ROOT = Path(__file__).resolve().parents[2]

#: Runs in the page: every module the interpreter holds, and which of ``names`` it can find.
REPORT = """
import importlib.util, json, sys
names = json.loads(window.cpyNames)
found = {}
for name in names:
    try:
        found[name] = importlib.util.find_spec(name) is not None
    except Exception as exc:
        found[name] = repr(exc)
window.cpyReport = json.dumps({"modules": sorted(sys.modules), "found": found})
"""


def zip_modules(data: bytes) -> set[str]:
    """Module names in a stdlib archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name for name in map(stdlib_trim.module_name, zf.namelist()) if name}


def test_every_stdlib_module_the_client_imports_is_in_the_trimmed_archive(
        browser: Any, web_server: Any, prosody: Any, bot: Any) -> None:
    full = zip_modules(build.STDLIB_SOURCE.read_bytes())
    trimmed = zip_modules(build.STDLIB_PATH.read_bytes())
    assert len(trimmed) < len(full) // 2  # it is trimmed
    # Every stdlib module converse_py names in an import, anywhere (also in functions not run here).
    named = sorted(name for name in build.stdlib_roots() if name in full)
    assert "asyncio" in named and "xml.etree.ElementTree" in named and "hmac" in named

    owner, peer = unique_account(prosody, "trimowner"), unique_account(prosody, "trimpeer")
    peer_bot = bot(peer)
    handle = auto_login_page(browser, web_server.url, prosody, owner)
    try:
        grab_api(handle, "rosterContactsFetched")
        # Exercise the client: a chat both ways, then its archive.
        handle.js("(jid) => window.capi.chats.open(jid)", peer.jid)
        handle.wait_for(f"!!document.querySelector('section.cpy-chatbox[data-jid=\"{peer.jid}\"]')")
        textarea = handle.page.locator(f'section.cpy-chatbox[data-jid="{peer.jid}"] textarea')
        textarea.click()
        textarea.type("hello, trimmed world")
        textarea.press("Enter")
        peer_bot.wait_for_message("hello, trimmed world", timeout=15)
        peer_bot.send_message(owner.jid, "héllo back <b>not bold</b> https://example.org/x")
        handle.wait_for("document.body.textContent.includes('héllo back')")
        handle.js("(jid) => window.capi.archive.query({with: jid, max: 5})", peer.jid)
        handle.js(f"window.cpyNames = {json.dumps(json.dumps(named))}")
        handle.js("(code) => window.runPython(code)", REPORT)
        report = json.loads(handle.js("window.cpyReport"))
    finally:
        handle.close()
    missing = {name: ok for name, ok in report["found"].items() if ok is not True}
    assert missing == {}, missing
    used = {name for name in report["modules"] if name in full}
    assert "asyncio" in used and "json" in used
    assert used <= trimmed, sorted(used - trimmed)
    assert non_local_requests(handle.requests) == []


#: The URLs (of the list given) that have no copy in the worker's cache yet, once every one has
#: or the time given (ms) ran out.
KEPT_COPIES_MISSING = """async ([urls, timeoutMs]) => {
    const cache = await caches.open('converse-py-offline-v1');
    const started = performance.now();
    let missing = urls;
    while (missing.length && performance.now() - started < timeoutMs) {
        const found = await Promise.all(missing.map((url) => cache.match(url)));
        missing = missing.filter((url, i) => !found[i]);
        if (missing.length) await new Promise((r) => setTimeout(r, 100));
    }
    return missing;
}"""


def worth_keeping(response: Any, origin: str) -> bool:
    """What static/service-worker.js keeps: an ok GET of the page's origin, not marked
    no-store, not a prebuilt snapshot."""
    request = response.request
    return (request.method == "GET" and response.ok and response.url.startswith(origin)
            and "/static/snapshots/" not in response.url
            and "no-store" not in (response.headers.get("cache-control") or "").lower())


def test_the_demo_page_opens_offline_from_the_service_worker_and_says_it_is_offline(
        browser: Any, web_server: Any, prosody: Any) -> None:
    body = json.dumps({"bosh_service_url": prosody.bosh_url, "websocket_url": None,
                       "domain": "localhost", "accounts": []}).encode()
    web_server.add_route("/demo-settings.json", lambda handler: (200, "application/json", body))
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.goto(web_server.url + "/")
        page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
        page.wait_for_function("navigator.serviceWorker.controller !== null"
                               " || navigator.serviceWorker.ready.then(() => true)", timeout=30_000)
        assert page.locator("#cpy-offline").count() == 0  # online: no banner
        # A visit that restored the prebuilt snapshot keeps its own copy in the Cache API once the
        # page has settled (the worker leaves snapshots to the page): wait for it, or for the
        # package download that a visit without the snapshot made (which the worker keeps).
        page.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0"
                               " || performance.getEntriesByName('cpy:prebuilt-restored').length === 0",
                               timeout=90_000)
        # A second visit with the worker in control, so that it has seen (and kept) every file.
        kept: list[str] = []
        context.on("response", lambda response: kept.append(response.url) if worth_keeping(
            response, web_server.url) else None)
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
        page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
        # The worker keeps its copies after answering (Cache API writes take a while): going
        # offline before the last one is written would lose it. The package among them, also
        # when this visit restored a snapshot and never asked for it: an offline visit without
        # a snapshot boots from it.
        kept.append(web_server.url + "/static/converse_py.zip")
        missing = page.evaluate(KEPT_COPIES_MISSING, [sorted(set(kept)), 20_000])
        assert missing == [], f"the worker kept no copy of {missing}"

        context.set_offline(True)
        page.reload()
        banner = page.wait_for_selector("#cpy-offline", timeout=30_000)
        assert banner.get_attribute("role") == "status"
        assert banner.text_content() == "You are offline. The chat connects again when the network is back."
        assert page.title() == "converse-py demo"
        # The client itself starts from the kept copies: Python renders its login form.
        page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)

        context.set_offline(False)
        page.wait_for_function("document.getElementById('cpy-offline') === null", timeout=10_000)
    finally:
        context.close()
        web_server.remove_route("/demo-settings.json")
    assert non_local_requests(requests) == []
