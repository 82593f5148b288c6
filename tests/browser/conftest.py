"""Session fixtures for browser tests: Prosody, the static server, Chromium,
unique accounts, pages that record what they did, and slixmpp bots.

Fixtures (all factories are plain callables):
    xmpp_server        the XMPP server under test, one per run: ProsodyServer, or
                       EjabberdServer with ``--xmpp-server=ejabberd`` (same interface:
                       bosh_url, websocket_url, domain, c2s_port, register(), stop())
    prosody            the same object (the name the tests were written with)
    web_server         StaticServer on the repo root (``.url``, ``.add_route``)
    playwright         playwright's sync API (one per run)
    browser            playwright Browser (Debian Chromium, headless)
    new_account(prefix="user") -> Account        unique, registered
    new_page(path="/tests/browser/pages/blank.html") -> PageHandle
    bot(account) -> Bot                          logged in, presence sent
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from serve import StaticServer
from tools.bot import Bot
from tools.chromium import CHROMIUM, chromium_args
from tools.ejabberd import EjabberdServer
from tools.prosody import ProsodyServer

#: ``--xmpp-server`` (declared in tests/conftest.py) picks one of these.
XMPP_SERVERS = {"prosody": ProsodyServer, "ejabberd": EjabberdServer}

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM_ARGS = chromium_args()


def pytest_report_header(config: pytest.Config) -> str:
    return f"xmpp server: {config.getoption('--xmpp-server')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with ``browser``; outside the Prosody pass, leave out
    the tests marked ``one_server`` (the server plays no part in what they check)."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
    if config.getoption("--xmpp-server") == "prosody":
        return
    left_out = [item for item in items if item.get_closest_marker("one_server")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("one_server")]


# ----- servers --------------------------------------------------------------
@pytest.fixture(scope="session")
def xmpp_server(pytestconfig: pytest.Config) -> Iterator[Any]:
    """One server for the run (``--xmpp-server``); its log is kept in tests/artifacts/."""
    name = pytestconfig.getoption("--xmpp-server")
    server = XMPP_SERVERS[name]().start()
    yield server
    server.stop()
    log = Path(server.workdir) / f"{name}.log"
    if log.is_file():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"{name}.log")
    server.cleanup()


@pytest.fixture(scope="session")
def prosody(xmpp_server: Any) -> Any:
    """The server under test (Prosody unless ``--xmpp-server`` says otherwise)."""
    return xmpp_server


@pytest.fixture(scope="session")
def web_server() -> Iterator[StaticServer]:
    """The repo root over HTTP on a free port; tests may ``add_route``.
    The browser build runs first, so pages always load the package as it is on disk."""
    from tools.build import build, check
    problems = check()
    if problems:
        pytest.fail("browser build: " + "; ".join(problems))
    build()
    server = StaticServer(str(ROOT)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, started once: a thread can run only one (tests that need a browser
    started with other switches launch it from here)."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian Chromium through Playwright's sync API (temp profile)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


# ----- accounts and bots ----------------------------------------------------
@dataclass(frozen=True)
class Account:
    username: str
    password: str
    domain: str = "localhost"

    @property
    def jid(self) -> str:
        """Bare JID, e.g. ``user-1a2b3c4d@localhost``."""
        return f"{self.username}@{self.domain}"


@pytest.fixture(scope="session")
def new_account(prosody: ProsodyServer) -> Callable[..., Account]:
    """Factory: a fresh account per call (session scope so module fixtures can use it)."""
    def make(prefix: str = "user") -> Account:
        account = Account(f"{prefix}-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:12],
                          prosody.domain)
        prosody.register(account.username, account.password)
        return account
    return make


@pytest.fixture(scope="session")
def _all_bots() -> Iterator[list[Bot]]:
    bots: list[Bot] = []
    yield bots
    for b in bots:
        b.stop()


@pytest.fixture(autouse=True)
def _stop_test_bots(_all_bots: list[Bot]) -> Iterator[None]:
    """Bots made during a test (body or function fixtures) stop after it;
    bots made by module/session fixtures live until the run ends."""
    before = len(_all_bots)
    yield
    for b in _all_bots[before:]:
        b.stop()


@pytest.fixture(scope="session")
def bot(prosody: ProsodyServer, _all_bots: list[Bot]) -> Callable[[Any], Bot]:
    """Factory: ``bot(account)`` -> a logged-in Bot (account has .jid/.password)."""
    def make(account: Any, resource: str = "bot") -> Bot:
        b = Bot(account.jid, account.password, "127.0.0.1", prosody.c2s_port, resource)
        _all_bots.append(b)
        return b.start()
    return make


# ----- pages ----------------------------------------------------------------
@dataclass
class PageHandle:
    """A page in its own context, plus everything it requested and logged."""

    page: Page
    context: BrowserContext
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(browser: Browser, web_server: StaticServer) -> Iterator[Callable[..., PageHandle]]:
    """Factory: open ``path`` of web_server in a fresh context (closed after the test)."""
    contexts: list[BrowserContext] = []

    def make(path: str = "/tests/browser/pages/blank.html") -> PageHandle:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        handle = PageHandle(page, context)
        page.on("request", lambda request: handle.requests.append(request.url))
        page.on("console", lambda msg: handle.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda error: handle.page_errors.append(str(error)))
        page.goto(web_server.url + path)
        return handle

    yield make
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """On a failure, add the last console lines of any page the test used to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name, value in getattr(item, "funcargs", {}).items():
        console = getattr(value, "console", None)
        if isinstance(console, list) and console:
            report.sections.append((f"browser console ({name}, last 40 lines)", "\n".join(console[-40:])))
