"""The test browser's renderer survives Chromium's native stack walks while Pyodide runs on a
WebAssembly secondary stack (tools/chromium.py, ``StackScanMaxFramePointerToStackEndGap``).

Chromium turns its in-process heap profiler on at random for some browser launches; each sampled
allocation then walks the native stack. Here the profiler is forced on and samples every 64
bytes, so a page that boots the client, logs in and shows a few messages makes a great many
walks, many of them while Python runs on a secondary stack. Without the feature, 4 of 10 such
pages crashed (most while booting or logging in) and this test failed in 2 of 3 runs; with it,
none of 36 pages did. It is never rerun: a crash here is the failure it looks for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright

from tools.chromium import CHROMIUM, chromium_args

from .support import auto_login_page, grab_api, unique_account

pytestmark = pytest.mark.one_server

#: The heap profiler on in every launch and every renderer, one sample per 64 bytes allocated.
HEAP_PROFILER_ALWAYS = ("HeapProfilerReporting:stable-probability/1.0/nonstable-probability/1.0/"
                        "renderer-sampling-rate-bytes/64")
PAGES = 6
MESSAGES = 30


@pytest.fixture(scope="module")
def profiled_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=chromium_args(extra_features=[HEAP_PROFILER_ALWAYS]))
    yield browser
    browser.close()


@pytest.mark.flaky(reruns=0)
def test_pages_under_the_heap_profiler_do_not_crash(profiled_browser: Browser, web_server: Any,
                                                     prosody: Any, bot: Any) -> None:
    crashed: list[int] = []
    for number in range(PAGES):
        alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
        sender = bot(bob)
        page = auto_login_page(profiled_browser, web_server.url, prosody, alice)
        page.page.on("crash", lambda _page, number=number: crashed.append(number))
        try:
            grab_api(page, "statusInitialized")  # online: Prosody keeps anything earlier for the login
            for index in range(MESSAGES):
                sender.send_message(alice.jid, f"message {index} of page {number}")
            page.wait_for(f"document.querySelectorAll('#conversejs .cpy-msg .cpy-body').length >= {MESSAGES}",
                          timeout=60_000)
            texts = page.js("Array.from(document.querySelectorAll('#conversejs .cpy-msg .cpy-body'))"
                            ".map((e) => e.textContent)")
            assert texts == [f"message {index} of page {number}" for index in range(MESSAGES)]
        finally:
            page.close()
    assert crashed == []
