"""Start-up snapshot (static/pyodide-snapshot.mjs): a first visit stores a Pyodide
memory snapshot in the Cache API (made in a worker once the page is idle); the next
visit in the same profile restores it, and the client still boots, logs in and works."""

from __future__ import annotations

import json
from typing import Any

PAGE = "/bench/pages/converse-py.html"
MARKS = "performance.getEntriesByType('mark').map((m) => m.name)"


def visit(context: Any, url: str) -> Any:
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.benchApi && window.benchApi.connection.connected === true", timeout=60_000)
    return page


def test_second_visit_restores_the_snapshot_and_logs_in(browser: Any, web_server: Any, prosody: Any,
                                                        new_account: Any) -> None:
    account = new_account("snap")
    context = browser.new_context()
    try:
        settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password}
        context.add_init_script(f"window.BENCH = {json.dumps({'settings': settings})};")
        first = visit(context, web_server.url + PAGE)
        marks = first.evaluate(MARKS)
        assert "cpy:snapshot-restored" not in marks  # fresh profile: nothing cached yet
        assert "cpy:snapshot-pending" in marks
        first.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0", timeout=60_000)
        first.close()

        second = visit(context, web_server.url + PAGE)
        marks = second.evaluate(MARKS)
        assert "cpy:snapshot-restored" in marks
        assert "cpy:snapshot-pending" not in marks
        assert second.evaluate("window.benchApi.user.jid()").startswith(account.jid + "/")
        # Python from the restored interpreter still reaches the page (js works after a restore).
        assert second.evaluate("document.querySelector('#conversejs.converse-py') !== null")
    finally:
        context.close()
