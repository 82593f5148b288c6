"""Start-up snapshots (static/pyodide-snapshot.mjs).

- Prebuilt: tools/build.py makes a Pyodide memory snapshot at build time and the server serves
  it; a first visit in a fresh profile restores it and the client boots, logs in and works.
- A page that opts out (``data-prebuilt-snapshot="off"``), or a server without the prebuilt
  file, boots Pyodide normally and stores a snapshot in the Cache API (made in a worker once
  the page is idle); the next visit in the same profile restores that one.
- By default ("auto") the prebuilt snapshot is only downloaded from a near server: over a
  network with a long round trip the first visit boots Pyodide itself and downloads less.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

#: One pass is enough: Pyodide's start-up snapshots are the same whichever server the page logs in to.
pytestmark = pytest.mark.one_server

PAGE = "/bench/pages/converse-py.html"
PAGE_HTML = (Path(__file__).resolve().parents[2] / "bench" / "pages" / "converse-py.html").read_text(encoding="utf-8")
SHIM_TAG = '<script src="/static/converse.js"></script>'
# Variants of the bench page, served by the test (see variant_pages):
OPT_OUT_PAGE = "/tests/startup-no-prebuilt.html"  # data-prebuilt-snapshot="off" on the shim's tag
OPT_IN_PAGE = "/tests/startup-prebuilt.html"  # data-prebuilt-snapshot="on": whatever the network
HELD_PAGE = "/tests/startup-held.html"  # + a report of where its Python modules came from
HELD_REPORT = """<script type="py">
import json
import os
import sys

from js import document

import converse_py.browser.main  # noqa: F401  (imported by the boot script already)

names = ("pyscript", "pyscript.context", "converse_py.browser.main", "converse_py.dom.views.chatbox")
document.body.dataset.held = json.dumps({
    "loaders": {name: type(sys.modules[name].__loader__).__name__ for name in names},
    "package_files": os.path.exists("/home/pyodide/converse_py"),
})
</script>
"""
MARKS = "performance.getEntriesByType('mark').map((m) => m.name)"
#: Files the shim asks for as soon as it runs (static/converse.js, preloadHints).
PRELOADED = ("pyodide-snapshot-prepare.mjs", "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
             "python_stdlib.zip", "pyodide-lock.json", "pyscript.toml")


def variant_pages() -> dict[str, str]:
    assert SHIM_TAG in PAGE_HTML and "</head>" in PAGE_HTML
    return {
        OPT_OUT_PAGE: PAGE_HTML.replace(SHIM_TAG, SHIM_TAG.replace("<script ", '<script data-prebuilt-snapshot="off" ')),
        OPT_IN_PAGE: PAGE_HTML.replace(SHIM_TAG, SHIM_TAG.replace("<script ", '<script data-prebuilt-snapshot="on" ')),
        HELD_PAGE: PAGE_HTML.replace(SHIM_TAG, SHIM_TAG.replace("<script ", '<script data-prebuilt-snapshot="on" '))
                            .replace("</head>", HELD_REPORT + "</head>"),
    }


@pytest.fixture(autouse=True, scope="module")
def _variant_pages(web_server: Any) -> Iterator[None]:
    # Served by the real server: a page fulfilled by a Playwright route may not reach loopback.
    pages = variant_pages()
    for path, html in pages.items():
        web_server.add_route(path, lambda _handler, html=html: (200, "text/html; charset=utf-8", html.encode()))
    yield
    for path in pages:
        web_server.remove_route(path)


def new_context(browser: Any, prosody: Any, account: Any) -> Any:
    context = browser.new_context()
    settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password}
    context.add_init_script(f"window.BENCH = {json.dumps({'settings': settings})};")
    return context


def visit(context: Any, url: str) -> Any:
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.benchApi && window.benchApi.connection.connected === true", timeout=60_000)
    return page


def assert_logged_in(page: Any, account: Any) -> None:
    assert page.evaluate("window.benchApi.user.jid()").startswith(account.jid + "/")
    # Python from the restored interpreter still reaches the page (js works after a restore).
    assert page.evaluate("document.querySelector('#conversejs.converse-py') !== null")


def test_first_visit_restores_the_prebuilt_snapshot_and_later_visits_a_decoded_copy(
        browser: Any, web_server: Any, prosody: Any, new_account: Any) -> None:
    account = new_account("snapbuilt")
    context = new_context(browser, prosody, account)
    snapshots: list[int] = []
    context.on("response", lambda r: snapshots.append(r.status) if "/static/snapshots/" in r.url else None)
    try:
        page = visit(context, web_server.url + OPT_IN_PAGE)
        marks = page.evaluate(MARKS)
        assert "cpy:prebuilt-restored" in marks, marks
        assert "cpy:snapshot-pending" in marks  # the copy for later visits, once idle
        # (a second 200, from the HTTP cache, when the idle-time copy ran already: a slow machine)
        assert snapshots[:1] == [200] and set(snapshots) == {200}, snapshots
        assert_logged_in(page, account)
        page.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0", timeout=60_000)
        page.close()

        # The next visit restores the Cache API's copy: no snapshot request, nothing left to copy.
        del snapshots[:]
        second = visit(context, web_server.url + OPT_IN_PAGE)
        marks = second.evaluate(MARKS)
        assert "cpy:snapshot-restored" in marks, marks
        assert "cpy:prebuilt-restored" not in marks
        assert "cpy:snapshot-pending" not in marks
        assert snapshots == []
        assert_logged_in(second, account)
    finally:
        context.close()


def check_local_snapshot_cycle(context: Any, url: str, account: Any) -> None:
    first = visit(context, url)
    marks = first.evaluate(MARKS)
    assert "cpy:snapshot-restored" not in marks  # no prebuilt, and nothing cached yet
    assert "cpy:snapshot-pending" in marks
    assert_logged_in(first, account)
    first.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0", timeout=60_000)
    first.close()

    second = visit(context, url)
    marks = second.evaluate(MARKS)
    assert "cpy:snapshot-restored" in marks
    assert "cpy:prebuilt-restored" not in marks
    assert "cpy:snapshot-pending" not in marks
    assert_logged_in(second, account)


def test_opting_out_boots_normally_then_restores_the_cached_snapshot(browser: Any, web_server: Any,
                                                                     prosody: Any, new_account: Any) -> None:
    account = new_account("snapoff")
    context = new_context(browser, prosody, account)
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url) if "/static/snapshots/" in r.url else None)
    try:
        check_local_snapshot_cycle(context, web_server.url + OPT_OUT_PAGE, account)
        assert asked == []  # the prebuilt file was never downloaded
    finally:
        context.close()


def test_over_a_slow_network_auto_skips_the_prebuilt_snapshot_and_the_package_zip_too(
        browser: Any, web_server: Any, prosody: Any, new_account: Any) -> None:
    account = new_account("snapfar")
    context = new_context(browser, prosody, account)
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url))
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150,
                                                      "downloadThroughput": 8e6 / 8, "uploadThroughput": 8e6 / 8})
        page.goto(web_server.url + PAGE)
        page.wait_for_function("window.benchApi && window.benchApi.connection.connected === true", timeout=120_000)
        marks = page.evaluate(MARKS)
        assert "cpy:prebuilt-skipped" in marks and "cpy:snapshot-restored" not in marks, marks
        assert not [url for url in asked if "/static/snapshots/" in url]
        assert_logged_in(page, account)
        # The shim's preload hints were used: each file fetched once (a hint the loader's own
        # request did not match would fetch it twice); the boot script is inline.
        hinted = page.evaluate("Array.from(document.querySelectorAll('link[rel=preload], link[rel=modulepreload]'),"
                               " (l) => l.href)")
        assert {url.rsplit("/", 1)[-1] for url in hinted} >= set(PRELOADED), hinted
        assert all(asked.count(url) == 1 for url in hinted), sorted(asked)
        assert not [url for url in asked if url.endswith("/boot.py")]
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                      "downloadThroughput": -1, "uploadThroughput": -1})
        page.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0", timeout=60_000)
        page.close()
        del asked[:]
        # The later visit restores the snapshot its first visit made; the id comes from
        # static/build.json, so converse_py.zip is not downloaded at all. PyScript's chunks,
        # named by their contents, come from the HTTP cache without a round trip (immutable);
        # its entry point and the shim are revalidated, so a new build is seen.
        second = context.new_page()
        cdp = context.new_cdp_session(second)
        from_cache: dict[str, bool] = {}
        cdp.on("Network.responseReceived",
               lambda e: from_cache.setdefault(e["response"]["url"], bool(e["response"].get("fromDiskCache"))))
        cdp.send("Network.enable")
        second.goto(web_server.url + PAGE)
        second.wait_for_function("window.benchApi && window.benchApi.connection.connected === true", timeout=60_000)
        assert "cpy:snapshot-restored" in second.evaluate(MARKS)
        assert not [url for url in asked if url.endswith("/static/converse_py.zip")], asked
        chunks = {url: hit for url, hit in from_cache.items() if re.search(r"/vendor/pyscript/core-\w+\.js$", url)}
        assert chunks and all(chunks.values()), from_cache
        assert from_cache[web_server.url + "/static/vendor/pyscript/core.js"] is False, from_cache
        assert from_cache[web_server.url + "/static/converse.js"] is False, from_cache
        assert_logged_in(second, account)
    finally:
        context.close()


def test_without_a_prebuilt_snapshot_the_page_boots_and_caches_its_own(browser: Any, web_server: Any,
                                                                       prosody: Any, new_account: Any) -> None:
    account = new_account("snapnone")
    context = new_context(browser, prosody, account)
    context.route("**/static/snapshots/*", lambda route: route.fulfill(status=404, body="not built"))
    try:
        check_local_snapshot_cycle(context, web_server.url + PAGE, account)
    finally:
        context.close()



def test_a_restored_page_imports_its_python_from_memory(browser: Any, web_server: Any, prosody: Any,
                                                      new_account: Any) -> None:
    """The prebuilt snapshot holds converse_py whole (the modules that need the page compiled,
    converse_py/preload.py) and PyScript's own package compiled: a restoring page unpacks no
    package files and compiles none of those modules."""
    account = new_account("snapheld")
    context = new_context(browser, prosody, account)
    try:
        page = visit(context, web_server.url + HELD_PAGE)
        page.wait_for_function("document.body.dataset.held !== undefined", timeout=30_000)
        held = json.loads(page.evaluate("document.body.dataset.held"))
        assert "cpy:prebuilt-restored" in page.evaluate(MARKS)
        assert held == {"loaders": {"pyscript": "InMemoryModules", "pyscript.context": "InMemoryModules",
                                    "converse_py.browser.main": "InMemoryModules",
                                    "converse_py.dom.views.chatbox": "InMemoryModules"},
                        "package_files": False}, held
        assert_logged_in(page, account)
    finally:
        context.close()
