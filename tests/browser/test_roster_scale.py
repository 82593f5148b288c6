"""A 5,000-contact roster renders completely, in many separate tasks (the page keeps handling
input between chunks), and filtering it works. Timings belong to bench/, not here."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, ClientPage, open_client_page, unique_account

BIG = 5000


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any) -> Iterator[ClientPage]:
    account = unique_account(prosody, "big")
    settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True, "keepalive": False, "show_controlbox_by_default": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('wait-status', {
        initialize() { this._converse.api.waitUntil('statusInitialized').then(resolve); }}))""")
    yield handle
    handle.close()


def test_five_thousand_contacts_render_in_chunks_and_filter(page: ClientPage) -> None:
    # Count the separate tasks in which rows were added to the list.
    page.js("""() => {
        window.out.batches = 0;
        const ul = document.querySelector('#conversejs ul[data-role="roster"]');
        new MutationObserver(() => { window.out.batches += 1; }).observe(ul, {childList: true});
    }""")
    # The roster result as the roster plugin would apply it (5,000 items from the server).
    page.js("code => window.runPython(code)", f"""
from converse_py.plugins.roster.plugin import RosterState
from converse_py.plugins.roster.stanzas import RosterItem
class Big:
    def initialize(self):
        state = self._converse.get(RosterState)
        state.apply_items([RosterItem(f"user{{i:05d}}@example.com", f"User {{i}}", "both", None, ())
                           for i in range({BIG})], full=False)
        self._converse.trigger("roster", list(state.contacts.values()))
converse.plugins.add("big-roster", Big)
""")
    page.wait_for(f"document.querySelector('#conversejs ul[data-role=\"roster\"]').getAttribute('data-count') "
                  f"=== '{BIG}'", timeout=60_000)
    assert page.js("document.querySelectorAll('#conversejs li.cpy-contact').length") == BIG
    assert page.js("window.out.batches") >= 10  # 250-row chunks, each in its own task
    page.page.fill("#conversejs input.cpy-filter", "user0421")
    page.wait_for("document.querySelectorAll('#conversejs li.cpy-contact').length === 10")
    names = page.page.locator("#conversejs li.cpy-contact .cpy-name").all_inner_texts()
    assert names == sorted(names, key=str.lower) and all(n.startswith("User 421") for n in names)


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
