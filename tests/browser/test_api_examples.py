"""Every example of the API reference (docs/api.md, generated from the docstrings) runs as written.

Each method's ``JS: ``...```` and ``Python: ``...```` examples are parsed out of docs/api.md and run
in Chromium against the real server: JS ones with ``_converse`` (a JS plugin's ``this._converse``)
and ``converse`` in scope, Python ones in the page's Pyodide with ``api`` (a Python plugin's
``self._converse.api``), ``_converse`` and ``converse``. An example must run to completion
(its promise or awaitable is awaited) without throwing; where it is cheap, its effect is checked.

The examples use the demo's names; the test swaps in its own: ``alice@localhost`` / ``secret``
(the page's fresh account), ``bob@localhost`` (a fresh account played by a bot, already alice's
contact), ``carol@localhost`` (a fresh account, not a contact), rooms ``*@conference.localhost``
(fresh names on the server's MUC service) and the BOSH URL.

One logged-in page runs all the examples but ``converse.initialize``'s (each gets a fresh page);
the ones that cut the connection or undo something run last, and each example's preconditions
(connected or not, the plugin or contact or room it removes being there) are set up before it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import pytest

from tools import gen_docs
from tools.bot import Bot
from tools.demo_bot import befriend

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
PAGE = "/tests/browser/pages/api-examples.html"
HEADING = re.compile(r"^### `([^`]+)`", re.M)
LITERAL = re.compile(r"``(.+?)``", re.S)


@dataclass(frozen=True)
class Example:
    method: str      # as in the heading, e.g. "_converse.api.sendIQ"
    lang: str        # "js" or "py"
    code: str
    line: int
    number: int = 1  # a method may show several JS (or Python) examples

    @property
    def id(self) -> str:
        return f"{self.method}[{self.lang}{'' if self.number == 1 else self.number}]"


def extract(text: str) -> list[Example]:
    """The examples of every ``###`` method section: the literals after ``JS:`` (up to
    ``Python:``) and after ``Python:`` (up to the end of the paragraph)."""
    examples: list[Example] = []
    headings = list(HEADING.finditer(text))
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        section_start = heading.start()
        section = text[section_start:end]
        found = re.search(r"^JS: (.*?)^Python: (.*?)(?:\n\n|\Z)", section, re.S | re.M)
        if found is None:
            continue
        for lang, group in (("js", 1), ("py", 2)):
            for number, literal in enumerate(LITERAL.finditer(found.group(group)), 1):
                offset = section_start + found.start(group) + literal.start()
                examples.append(Example(heading.group(1), lang, literal.group(1),
                                        text.count("\n", 0, offset) + 1, number))
    return examples


ALL = extract(API_MD.read_text(encoding="utf-8"))


def test_every_documented_method_has_a_js_and_a_python_example() -> None:
    methods = HEADING.findall(API_MD.read_text(encoding="utf-8"))
    generated = HEADING.findall(gen_docs.api())  # what the generator documents, parsed independently
    assert methods == generated and len(methods) > 0
    for lang in ("js", "py"):
        missing = [m for m in methods if not any(e.method == m and e.lang == lang for e in ALL)]
        assert missing == [], f"methods without a {lang} example: {missing}"
    assert len(ALL) >= 2 * len(methods)


# ----- order: the page is shared, so what disconnects or removes things runs last --------------
INITIALIZE = "converse.initialize"
LAST = ["_converse.api.contacts.remove", "_converse.api.rooms.close", "_converse.api.connection.disconnect",
        "_converse.api.user.logout", "_converse.api.user.login"]


def _order(example: Example) -> tuple[int, int]:
    rank = LAST.index(example.method) + 1 if example.method in LAST else 0
    return rank, ALL.index(example)


ON_PAGE = sorted((e for e in ALL if e.method != INITIALIZE), key=_order)
ON_FRESH_PAGE = [e for e in ALL if e.method == INITIALIZE]


# ----- people and pages ------------------------------------------------------------------------
@dataclass
class World:
    server: Any
    alice: Account
    bob: Account
    carol: Account
    bob_bot: Bot
    rooms: str = field(default_factory=lambda: f"api-{uuid.uuid4().hex[:8]}")

    def localize(self, code: str) -> str:
        code = code.replace("http://localhost:5280/http-bind", self.server.bosh_url)
        for name, account in (("alice", self.alice), ("bob", self.bob), ("carol", self.carol)):
            code = code.replace(f"{name}@localhost", account.jid)
        code = re.sub(r"\b([a-z]+)@conference\.localhost",
                      lambda m: f"{m.group(1)}-{self.rooms}@{self.server.muc_domain}", code)
        code = code.replace("'conference.localhost'", f"'{self.server.muc_domain}'")
        code = code.replace("'localhost'", f"'{self.server.domain}'").replace('"localhost"', f'"{self.server.domain}"')
        return code.replace("'secret'", json.dumps(self.alice.password)).replace('"secret"', json.dumps(self.alice.password))

    def room(self, name: str = "room") -> str:
        return f"{name}-{self.rooms}@{self.server.muc_domain}"


@pytest.fixture(scope="module")
def world(prosody: Any, bot: Callable[..., Bot]) -> World:
    """alice (fresh) with bob (fresh, a bot) as a mutual contact; carol (fresh) is nobody's contact."""
    alice, bob, carol = (unique_account(prosody, name) for name in ("alice", "bob", "carol"))
    bob_bot = bot(bob)
    seeder = Bot(alice.jid, alice.password, "127.0.0.1", prosody.c2s_port, "api-setup").start()
    try:
        befriend({"alice": seeder, "bob": bob_bot})
    finally:
        seeder.stop()
    return World(prosody, alice, bob, carol, bob_bot)


class Runner:
    """A page of api-examples.html and the calls the test makes into it."""

    def __init__(self, handle: ClientPage, world: World) -> None:
        self.handle = handle
        self.world = world
        self.listeners = 0  # listen.on examples run on this page (each logs every message)

    def grab(self) -> None:
        """Hand ``_converse`` to both languages, as JS and Python plugins get it."""
        self.handle.js("() => window.grabConverse()")
        self.handle.js("() => window.grabPyConverse()")

    def run(self, example: Example) -> Any:
        code = self.world.localize(example.code)
        runner = "window.runJsExample" if example.lang == "js" else "window.runPyExample"
        try:
            value = self.handle.js(f"async (code) => await {runner}(code)", code)
        except Exception as exc:  # the message names the example as documented (no password)
            raise AssertionError(f"{example.id} (docs/api.md line {example.line}) failed: "
                                 f"{example.code}\n{_error_text(exc)}") from None
        return json.loads(value) if example.lang == "py" else value

    def py(self, code: str, **args: Any) -> Any:
        """Set-up or check code (not an example) in Pyodide: ``api``, ``registry``, ``args``;
        top-level await works; returns what it puts in ``result``."""
        return json.loads(self.handle.js("async ([code, args]) => await window.runPySetup(code, args)",
                                         [code, json.dumps(args)]))

    def wait(self, predicate: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self.handle.page.wait_for_timeout(100)

    def connected(self) -> bool:
        return bool(self.py("result = api.connection.connected"))

    def console_lines(self, text: str) -> list[str]:
        return [line for line in self.handle.console if text in line]


def _error_text(exc: Exception) -> str:
    """The error's first line, and for a Python traceback its last one (the exception)."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()] or [type(exc).__name__]
    return lines[0] + ("\n" + lines[-1] if "Traceback" in lines[0] else "")


def new_runner(browser: Any, web_server: Any, world: World, settings: dict[str, Any] | None) -> Runner:
    handle = open_client_page(browser, web_server.url, PAGE, settings)
    ready = "typeof window.runPyExample === 'function'"
    handle.wait_for(f"(window.out.initialized || !window.TEST_SETTINGS) && {ready}", timeout=BOOT_TIMEOUT_MS)
    assert "initError" not in handle.js("window.out"), handle.js("window.out.initError")
    return Runner(handle, world)


@pytest.fixture(scope="module")
def runner(browser: Any, web_server: Any, prosody: Any, world: World) -> Iterator[Runner]:
    """alice logged in over BOSH (so the tokens exist), chat and roster loaded."""
    settings = {"bosh_service_url": prosody.bosh_url, "jid": world.alice.jid,
                "password": world.alice.password, "auto_login": True}
    page = new_runner(browser, web_server, world, settings)
    page.grab()
    page.py("await api.wait_until('rosterContactsFetched')")
    yield page
    page.handle.close()


# ----- preconditions and checks, by method -------------------------------------------------------
Step = Callable[[Runner, Example, Any], None]


def ensure_logged_in(page: Runner) -> None:
    if not page.connected():
        page.py("result = await api.user.login({'jid': args['jid'], 'password': args['password']})",
                jid=page.world.alice.jid, password=page.world.alice.password)
        page.wait(page.connected, "the login")
    page.py("await api.wait_until('rosterContactsFetched')")


def before_login(page: Runner) -> None:
    if page.connected():
        page.py("api.user.logout()")
        page.wait(lambda: not page.connected(), "the logout")


BEFORE: dict[str, Callable[[Runner], None]] = {
    "converse.plugins.add": lambda page: page.py(
        "result = registry.remove('myplugin')"),
    "converse.plugins.remove": lambda page: page.py(
        "if 'myplugin' not in registry.names(): converse.plugins.add('myplugin', {})"),
    "_converse.api.trigger": lambda page: page.handle.js(
        "() => { window.out.fired = 0; _converse.api.listen.once('myPluginReady', () => window.out.fired++); }"),
    "_converse.api.contacts.remove": lambda page: page.py(
        "if api.contacts.get(args['jid']) is None: await api.contacts.add(args['jid'])", jid=page.world.carol.jid),
    "_converse.api.rooms.close": lambda page: page.py(
        "api.rooms.open(args['jid'], {'nick': 'alice'})", jid=page.world.room()),
    "_converse.api.bookmarks.remove": lambda page: page.py(
        "await api.bookmarks.add({'jid': args['jid']})", jid=page.world.room("demo")),
    **{f"_converse.api.roomLife.{name}": lambda page: _alice_in_room(page)
       for name in ("cancelConfig", "clear", "getConfig", "info", "openPrivate", "selfPing", "setNick",
                    "submitConfig")},
    # a destroyed room may not come back (Prosody keeps a tombstone): each example destroys its own
    "_converse.api.roomLife.destroy": lambda page: [_alice_in_room(page, name) for name in ("old", "older")
                                                    if page.py("result = api.rooms.get(args['jid']) is None",
                                                               jid=page.world.room(name))],
    "_converse.api.reactions.get": lambda page: _bobs_m1(page),
    "_converse.api.mentions.find": lambda page: _alice_named_alice(page),
    "_converse.api.reactions.set": lambda page: _bobs_m1(page),
    "_converse.api.reactions.toggle": lambda page: _bobs_m1(page),
}


def _alice_in_room(page: Runner, name: str = "room") -> None:
    """alice is in one of the examples' rooms (its owner: she made it)."""
    jid = page.world.room(name)
    page.py("api.rooms.open(args['jid'], {'nick': 'alice'})", jid=jid)
    page.wait(lambda: page.py("result = api.rooms.get(args['jid']).get('connection_status') == 'entered'", jid=jid),
              "alice to be in the room")


def _alice_named_alice(page: Runner) -> None:
    """alice is in the examples' room as "alice" (the roomLife.setNick example renames her)."""
    _alice_in_room(page)
    jid = page.world.room()
    if page.py("result = api.rooms.get(args['jid']).get('nick')", jid=jid) != "alice":
        page.py("api.room_life.set_nick(args['jid'], 'alice')", jid=jid)
        page.wait(lambda: page.py("result = api.rooms.get(args['jid']).get('nick') == 'alice'", jid=jid),
                  "alice to be called alice again")


def _bobs_m1(page: Runner) -> None:
    """bob's message ``m1`` is in alice's chat with him (the api.reactions examples name it)."""
    shown = "box = api.chats.get(args['jid'])\nresult = box is not None and box.find_target('m1') is not None"
    if page.py(shown, jid=page.world.bob.jid):
        return
    to = page.py("result = api.user.jid()")
    page.world.bob_bot.send_raw(f'<message to="{to}" id="m1" type="chat"><body>react to me</body></message>')
    page.wait(lambda: page.py(shown, jid=page.world.bob.jid), "bob's message m1")


def _send_from_bob(page: Runner) -> str:
    """bob sends alice's page a chat message with a fresh id (returned)."""
    message_id = f"api-{uuid.uuid4().hex[:8]}"
    to = page.py("result = api.user.jid()")
    page.world.bob_bot.send_raw(f'<message to="{to}" id="{message_id}" type="chat"><body>hey</body></message>')
    return message_id


def check_setting(name: str, expected: Any) -> Step:
    def check(page: Runner, example: Example, value: Any) -> None:
        assert page.py(f"result = api.settings.get({name!r})") == expected
    return check


def check_value(predicate: Callable[[Runner, Example, Any], bool]) -> Step:
    """``predicate`` gets the example's value (the expression's, else the variable it sets; for a
    JS example ``alert(...)``, what it showed)."""
    def check(page: Runner, example: Example, value: Any) -> None:
        if example.code.startswith("alert("):
            value = page.handle.js("window.alerts[window.alerts.length - 1]")
        assert predicate(page, example, value), f"{example.id} gave {value!r}"
    return check


def check_listen_on(page: Runner, example: Example, value: Any) -> None:
    page.listeners += 1
    message_id = _send_from_bob(page)
    page.wait(lambda: len(page.console_lines(f"message {message_id}")) >= page.listeners,
              f"{page.listeners} 'message {message_id}' lines in the console")


def check_send(page: Runner, example: Example, value: Any) -> None:
    alice = page.world.alice.jid
    page.world.bob_bot.wait_for_message(lambda sender, body: sender.startswith(alice + "/") and body == "hi")
    page.world.bob_bot.received.clear()


def check_plugin_added(page: Runner, example: Example, value: Any) -> None:
    assert "myplugin" in page.py("result = registry.names()")
    page.wait(lambda: page.console_lines(f"myplugin sees {page.world.alice.jid}/"), "myplugin's console line")
    page.handle.console.clear()


def check_plugin_removed(page: Runner, example: Example, value: Any) -> None:
    assert "myplugin" not in page.py("result = registry.names()")


def check_triggered(page: Runner, example: Example, value: Any) -> None:
    assert page.handle.js("window.out.fired") == 1, "the myPluginReady listener did not fire once"


def check_connected(page: Runner, example: Example, value: Any) -> None:
    if example.lang == "js":
        page.wait(lambda: page.console_lines("online"), "'online' in the console")
    else:
        assert value is True


def check_disconnected(page: Runner, example: Example, value: Any) -> None:
    page.wait(lambda: not page.connected(), "the disconnection")


def check_logged_out(page: Runner, example: Example, value: Any) -> None:
    page.wait(lambda: page.py("result = api.user.jid()") is None, "user.jid() to be null after the logout")


def check_status(page: Runner, example: Example, value: Any) -> None:
    assert page.py("result = api.user.status.get()") == ("dnd" if example.lang == "js" else "away")


def check_status_message(page: Runner, example: Example, value: Any) -> None:
    assert page.py("result = api.user.status.message.get()") == "In a meeting"


def check_contact_removed(page: Runner, example: Example, value: Any) -> None:
    page.wait(lambda: page.py("result = api.contacts.get(args['jid'])", jid=page.world.carol.jid) is None,
              "carol to leave the roster")


def check_room_closed(page: Runner, example: Example, value: Any) -> None:
    page.wait(lambda: page.world.room() not in page.py("result = [room.get('jid') for room in api.rooms.open()]"),
              "the room to be closed")


def _jid_of(value: Any) -> Any:
    return value.get("jid") if isinstance(value, dict) else None


def _alice_full(page: Runner, value: Any) -> bool:
    return isinstance(value, str) and value.startswith(page.world.alice.jid + "/")


def _contact_added(page: Runner, value: Any) -> bool:
    in_roster = page.py("result = api.contacts.get(args['jid'])", jid=page.world.carol.jid) is not None
    return in_roster and _jid_of(value) == page.world.carol.jid


STATUSES = {"online", "away", "dnd", "xa", "unavailable", "offline"}

CHECKS: dict[str, Step] = {
    "converse.plugins.add": check_plugin_added,
    "converse.plugins.remove": check_plugin_removed,
    "_converse.api.send": check_send,
    "_converse.api.sendIQ": check_value(lambda page, ex, v: v == {"tag": "iq", "type": "result"}),
    "_converse.api.trigger": check_triggered,
    "_converse.api.listen.on": check_listen_on,
    "_converse.api.settings.extend": check_setting("my_plugin_colour", "blue"),
    "_converse.api.settings.get": check_value(lambda page, ex, v: isinstance(v, bool)),
    "_converse.api.connection.connected": check_connected,
    "_converse.api.connection.disconnect": check_disconnected,
    "_converse.api.tokens.get": check_value(
        lambda page, ex, v: isinstance(v, str) and (v.isdigit() if ex.lang == "js" else bool(v))),
    "_converse.api.user.jid": check_value(lambda page, ex, v: _alice_full(page, v)),
    "_converse.api.user.login": check_value(lambda page, ex, v: _alice_full(page, v) and page.connected()),
    "_converse.api.user.logout": check_logged_out,
    "_converse.api.user.status.get": check_value(lambda page, ex, v: v in STATUSES),
    "_converse.api.user.status.set": check_status,
    "_converse.api.user.status.message.get": check_value(lambda page, ex, v: isinstance(v, str)),
    "_converse.api.user.status.message.set": check_status_message,
    "_converse.api.contacts.add": check_value(lambda page, ex, v: _contact_added(page, v)),
    "_converse.api.contacts.get": check_value(
        lambda page, ex, v: _jid_of(v[0] if isinstance(v, list) else v) == page.world.bob.jid),
    "_converse.api.contacts.remove": check_contact_removed,
    "_converse.api.chats.open": check_value(lambda page, ex, v: _jid_of(v) == page.world.bob.jid),
    "_converse.api.rooms.open": check_value(lambda page, ex, v: _jid_of(v) == page.world.room()),
    "_converse.api.rooms.get": check_value(lambda page, ex, v: _jid_of(v) == page.world.room()),
    "_converse.api.rooms.listRooms": check_value(lambda page, ex, v: isinstance(v, list)),
    "_converse.api.rooms.close": check_room_closed,
    "_converse.api.bookmarks.get": check_value(lambda page, ex, v: isinstance(v, list) or v is None
                                               or (isinstance(v, dict) and v.get("jid") == page.world.room("demo"))),
    "_converse.api.bookmarks.add": check_value(
        lambda page, ex, v: isinstance(v, dict) and v.get("jid") == page.world.room("demo")),
    "_converse.api.bookmarks.remove": check_value(lambda page, ex, v: v is True),
    "_converse.api.archive.query": check_value(lambda page, ex, v: isinstance(v, dict) and "messages" in v),
    "_converse.api.ping": check_value(lambda page, ex, v: v is True),
    "_converse.api.reactions.get": check_value(lambda page, ex, v: isinstance(v, list)),
    "_converse.api.mentions.find": check_value(
        lambda page, ex, v: v == f"xmpp:{page.world.room()}/alice" if isinstance(v, str)  # Python: [0]["uri"]
        else (v[0]["me"], v[0]["uri"]) == (True, f"xmpp:{page.world.room()}/alice")),
    "_converse.api.reactions.set": check_value(lambda page, ex, v: v in ([], ["👍", "🐢"])),
    "_converse.api.reactions.toggle": check_value(lambda page, ex, v: isinstance(v, list) and len(v) <= 3),
}


@pytest.mark.parametrize("example", ON_PAGE, ids=[e.id for e in ON_PAGE])
def test_the_reference_example_runs(example: Example, runner: Runner) -> None:
    if example.method == "_converse.api.user.login":
        before_login(runner)
    else:
        ensure_logged_in(runner)
    if example.method in BEFORE:
        BEFORE[example.method](runner)
    value = runner.run(example)
    if example.method in CHECKS:
        CHECKS[example.method](runner, example, value)
    assert runner.handle.page_errors == [], runner.handle.page_errors


@pytest.mark.parametrize("example", ON_FRESH_PAGE, ids=[e.id for e in ON_FRESH_PAGE])
def test_the_initialize_example_runs_on_a_fresh_page(example: Example, browser: Any, web_server: Any,
                                                      prosody: Any, world: World) -> None:
    page = new_runner(browser, web_server, world, None)
    try:
        # The harness's own plugins (grab) get _converse only when whitelisted, as any plugin.
        whitelist = {"js": "{whitelisted_plugins: ['examples-*'], ", "py": '{"whitelisted_plugins": ["examples-*"], '}
        page.run(replace(example, code=example.code.replace("initialize({", "initialize(" + whitelist[example.lang], 1)))
        page.grab()
        assert page.py("result = api.settings.get('bosh_service_url')") == prosody.bosh_url
        assert page.py("result = api.connection.connected") is False
        assert page.handle.page_errors == [], page.handle.page_errors
    finally:
        page.handle.close()
