"""PyScript's document observer and the client's own subtree (static/converse.js,
``scopePyScriptObservers``).

PyScript wires ``py-*`` event attributes (``py-click="handler"``) on any element added to the
page, through a MutationObserver that runs an XPath query over every added element. The shim
hands that observer only the mutations outside ``#conversejs``: the host page keeps the feature,
the client's rows cost no XPath query each, and no ``py-*`` attribute inside the client can run
Python. Other observers (the page's own) still see everything.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, ClientPage, open_client_page

#: PyScript plays the same part whichever server the client talks to.
pytestmark = pytest.mark.one_server

#: A handler in PyScript's main namespace, as a page's ``<script type="py">`` would define it.
DEFINE_HANDLER = """
import __main__
def on_py_click(event):
    window.pyClicks.push(event.target.id)
__main__.on_py_click = on_py_click
"""

#: The same ``py-click`` element added outside and inside the client's root, plus an observer of
#: the page's own made after start-up; each element is clicked once PyScript's observer ran.
ADD_AND_CLICK_JS = """async () => {
    window.pyClicks = [];
    const seenByPage = [];
    new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n.id) seenByPage.push(n.id);
    }).observe(document.body, { childList: true, subtree: true });
    const make = (id) => {
        const el = document.createElement('span');
        el.id = id;
        el.setAttribute('py-click', 'on_py_click');
        el.textContent = id;
        return el;
    };
    document.getElementById('conversejs').appendChild(make('inside'));
    document.body.appendChild(make('outside'));
    await new Promise((r) => setTimeout(r, 50));
    document.getElementById('inside').click();
    document.getElementById('outside').click();
    return seenByPage;
}"""


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any) -> Iterator[ClientPage]:
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html",
                              {"bosh_service_url": prosody.bosh_url})
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_py_attributes_work_in_the_host_page_but_not_inside_the_client(page: ClientPage) -> None:
    page.js("(code) => window.runPython(code)", DEFINE_HANDLER)
    seen_by_page = page.js(ADD_AND_CLICK_JS)
    page.wait_for("window.pyClicks.length >= 1", timeout=10_000)
    page.page.wait_for_timeout(300)  # a click inside would have been handled before the one outside
    assert page.js("() => window.pyClicks") == ["outside"]
    assert seen_by_page == ["inside", "outside"]  # the page's own observers see the client's subtree
    assert page.js("() => window.MutationObserver.toString().includes('[native code]')"), \
        "the global is the browser's own once PyScript has loaded"
