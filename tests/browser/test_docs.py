"""The guides' examples run as written: every fenced ```html runnable``` block of docs/plugins-js.md,
docs/plugins-python.md, docs/troubleshooting.md, docs/features.md and docs/omemo.md is served as a page and loaded in Chromium against
the real server, and the console lines of the ```console expected``` block after it must appear, in
order (``...`` matches anything).

The docs use the demo's values; the test swaps in its own: the BOSH base URL
``http://localhost:5280/``, ``alice@localhost`` / ``secret`` (a fresh account) and
``bob@localhost`` (a fresh account played by the demo's echo bot, already alice's contact).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools.demo_bot import EchoBot, befriend
from tools.bot import Bot

from .support import BOOT_TIMEOUT_MS, Account, open_client_page, unique_account

#: One pass is enough: the guides' examples are checked once; every feature they show has its own tests on both servers.
pytestmark = pytest.mark.one_server

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = ["plugins-js.md", "plugins-python.md", "troubleshooting.md", "features.md", "omemo.md"]
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.S | re.M)


@dataclass
class Example:
    doc: str
    index: int
    line: int
    html: str
    expected: list[str]

    @property
    def id(self) -> str:
        return f"{self.doc}#{self.index}(line {self.line})"


def extract(doc: str) -> list[Example]:
    """Pairs of (```html runnable, the next ```console expected) blocks of one guide."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    examples: list[Example] = []
    pending: tuple[int, str] | None = None
    for match in FENCE.finditer(text):
        info, body = match.group(1).split(), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        if info[:2] == ["html", "runnable"]:
            assert pending is None, f"{doc}:{line}: runnable example without expected console output before it"
            pending = (line, body)
        elif info[:2] == ["console", "expected"]:
            assert pending is not None, f"{doc}:{line}: expected output without a runnable example"
            examples.append(Example(doc, len(examples) + 1, pending[0], pending[1],
                                    [x for x in body.splitlines() if x.strip()]))
            pending = None
    assert pending is None, f"{doc}: the last runnable example has no expected output"
    return examples


EXAMPLES = [example for doc in GUIDES for example in extract(doc)]


def test_every_guide_has_runnable_examples() -> None:
    counts = {doc: sum(1 for e in EXAMPLES if e.doc == doc) for doc in GUIDES}
    assert all(count >= 2 for count in counts.values()), counts


def matches_in_order(expected: list[str], console: list[str]) -> list[str]:
    """The expected lines not found (each must follow the previous one's match)."""
    position = 0
    for wanted in expected:
        pattern = re.compile("^" + ".*".join(re.escape(part) for part in wanted.split("...")) + "$")
        for i in range(position, len(console)):
            if pattern.match(console[i]):
                position = i + 1
                break
        else:
            return expected[expected.index(wanted):]
    return []


@pytest.fixture(scope="module")
def people(prosody: Any, _all_bots: list[Bot]) -> dict[str, Any]:
    """alice (fresh) with bob (fresh, an echo bot) as a mutual contact."""
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    host, port = "127.0.0.1", prosody.c2s_port
    echo = EchoBot(bob.jid, bob.password, host, port, room=f"docs-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}",
                   nick="bob")
    _all_bots.append(echo)
    echo.start()
    seeder = Bot(alice.jid, alice.password, host, port, "docs-setup").start()
    try:
        befriend({"alice": seeder, "bob": echo})
    finally:
        seeder.stop()
    return {"alice": alice, "bob": bob}


def localize(text: str, prosody: Any, alice: Account, bob: Account) -> str:
    base = prosody.bosh_url.rsplit("/", 1)[0] + "/"
    text = text.replace("http://localhost:5280/", base)
    text = text.replace("alice@localhost", alice.jid).replace("bob@localhost", bob.jid)
    return text.replace("'secret'", f"'{alice.password}'").replace('"secret"', f'"{alice.password}"')


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_the_guides_example_runs_as_written(example: Example, browser: Any, web_server: Any,
                                            prosody: Any, people: dict[str, Any]) -> None:
    alice, bob = people["alice"], people["bob"]
    html = localize(example.html, prosody, alice, bob).encode()
    path = f"/docs-examples/{example.doc.removesuffix('.md')}-{example.index}.html"
    web_server.add_route(path, lambda handler: (200, "text/html; charset=utf-8", html))
    expected = [localize(line, prosody, alice, bob) for line in example.expected]
    handle = open_client_page(browser, web_server.url, path)
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT_MS / 1000
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = [entry.split(": ", 1)[1] for entry in handle.console if ": " in entry]
            if not matches_in_order(expected, lines):
                break
            handle.page.wait_for_timeout(100)
        missing = matches_in_order(expected, lines)
        assert not missing, f"{example.id}: missing {missing!r} in the console:\n" + "\n".join(handle.console[-30:])
        assert handle.page_errors == [], handle.page_errors
    finally:
        handle.close()
        web_server.remove_route(path)
