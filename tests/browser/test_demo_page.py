"""The demo page (index.html): a login form rendered by Python, errors for bad credentials,
and the roster after logging in, against the real server; then the demo command itself
(serve.py with its own server, demo accounts, echo bot and room), stopped by Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def accounts(prosody: Any, bot: Any) -> tuple[Account, Account]:
    dave, erin = unique_account(prosody, "dave"), unique_account(prosody, "erin")
    seeder = bot(dave)
    seeder.send_raw(f'<iq type="set" id="seed1"><query xmlns="jabber:iq:roster">'
                    f'<item jid="{erin.jid}" name="Erin &lt;the tester&gt;"><group>Friends</group></item>'
                    f'</query></iq>')
    assert 'type="result"' in seeder.wait_for_iq_result("seed1", timeout=10).replace("'", '"')
    seeder.stop()
    return dave, erin


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any) -> Iterator[ClientPage]:
    body = json.dumps({"bosh_service_url": prosody.bosh_url, "websocket_url": None,
                       "domain": "localhost", "accounts": []}).encode()
    web_server.add_route("/demo-settings.json", lambda handler: (200, "application/json", body))
    handle = open_client_page(browser, web_server.url, "/")
    handle.page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_the_login_form_is_rendered_by_python(page: ClientPage) -> None:
    form = page.page.locator("#conversejs form.cpy-login")
    assert form.locator("input[name=jid]").count() == 1
    assert form.locator("input[name=password][type=password]").count() == 1


def test_a_wrong_password_shows_a_clear_error_and_keeps_the_form(page: ClientPage,
                                                                accounts: tuple[Account, Account]) -> None:
    dave, _ = accounts
    page.page.fill("#cpy-jid", dave.jid)
    page.page.fill("#cpy-password", "definitely-wrong")
    page.page.click("#conversejs form.cpy-login button[type=submit]")
    page.page.wait_for_selector("#conversejs .cpy-error", timeout=20_000)
    assert page.page.inner_text("#conversejs .cpy-error") == "Wrong XMPP address or password."


def test_logging_in_shows_the_seeded_roster(page: ClientPage, accounts: tuple[Account, Account]) -> None:
    dave, erin = accounts
    page.page.fill("#cpy-jid", dave.jid)
    page.page.fill("#cpy-password", dave.password)
    page.page.click("#conversejs form.cpy-login button[type=submit]")
    row = f'#conversejs li.cpy-contact[data-jid="{erin.jid}"]'
    page.page.wait_for_selector(row, timeout=20_000)
    assert page.page.text_content(f"{row} .cpy-name") == "Erin <the tester>"
    assert page.page.text_content("#conversejs .cpy-group-head") == "Friends"
    assert page.page.inner_text("#conversejs .cpy-my-jid").startswith(dave.jid + "/")


def test_logout_returns_to_the_login_form(page: ClientPage) -> None:
    page.page.click("#conversejs button[data-action=logout]")
    page.page.wait_for_selector("#conversejs form.cpy-login", timeout=10_000)


# ----- the demo command: serve.py with its own server, accounts, bot and room -------------------
@pytest.fixture(scope="module")
def demo(web_server: Any, pytestconfig: Any) -> Iterator[dict[str, Any]]:
    """``serve.py --port 0`` as ``scripts/demo`` runs it (on the server kind under test);
    web_server's fixture has built the browser package first."""
    server_kind = pytestconfig.getoption("--xmpp-server")
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, "serve.py", "--port", "0", "--server", server_kind],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Open "):
            break
    url = lines[-1].split()[1] if lines and lines[-1].startswith("Open ") else None
    info = {"proc": proc, "url": url, "lines": lines, "ready_seconds": time.monotonic() - began}
    yield info
    if proc.poll() is None:  # the test below normally stopped it already
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_the_demo_command_starts_within_seconds(demo: dict[str, Any]) -> None:
    assert demo["url"], "".join(demo["lines"])
    assert demo["ready_seconds"] < 30, demo["ready_seconds"]
    text = "".join(demo["lines"])
    for expected in ("account alice@localhost  password secret", "account bob@localhost  password secret",
                     "bot     echo@localhost", "room    demo@conference.localhost"):
        assert expected in text
    settings = json.loads(urllib.request.urlopen(demo["url"] + "demo-settings.json", timeout=10).read())
    assert settings["accounts"] == ["alice@localhost", "bob@localhost"]
    assert settings["room"] == "demo@conference.localhost" and settings["bot"] == "echo@localhost"


def test_a_newcomer_sees_the_bot_online_and_chats_with_it(browser: Any, demo: dict[str, Any]) -> None:
    handle = open_client_page(browser, demo["url"].rstrip("/"), "/")
    try:
        page = handle.page
        page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
        page.fill("#cpy-jid", "alice@localhost")
        page.fill("#cpy-password", "secret")
        page.click("#conversejs form.cpy-login button[type=submit]")
        # The seeded roster: the bot online, bob (nobody logged in as bob) offline.
        page.wait_for_selector('#conversejs li.cpy-contact.cpy-online[data-jid="echo@localhost"]', timeout=20_000)
        assert page.text_content('#conversejs li.cpy-contact[data-jid="echo@localhost"] .cpy-name') == "Echo bot"
        assert page.locator('#conversejs li.cpy-contact.cpy-offline[data-jid="bob@localhost"]').count() == 1
        # The demo's bookmark: the room is joined at log-in and listed among the open rooms.
        page.wait_for_selector('#conversejs section.cpy-chatroom[data-jid="demo@conference.localhost"] '
                               '[data-role="room-status"]:text-is("entered")', timeout=20_000)
        page.wait_for_selector('#conversejs li.cpy-open-room[data-jid="demo@conference.localhost"] .cpy-bookmarked')
        # The bot's greeting opens a chat box that names the room.
        box = '#conversejs .cpy-chatbox[data-jid="echo@localhost"]'
        page.wait_for_selector(f"{box} .cpy-msg.cpy-in", timeout=10_000)
        assert "demo@conference.localhost" in (page.text_content(f"{box} .cpy-msg.cpy-in .cpy-body") or "")
        page.fill(f"{box} textarea", "hello from the demo test")
        page.press(f"{box} textarea", "Enter")
        page.wait_for_function(
            """sel => [...document.querySelectorAll(sel + ' .cpy-msg.cpy-in .cpy-body')]
                      .some(e => e.textContent === 'You said: hello from the demo test')""",
            arg=box, timeout=10_000)
    finally:
        handle.close()


def test_the_demo_room_is_listed_and_the_bot_answers_there(demo: dict[str, Any]) -> None:
    from tools.bot import Bot
    settings = json.loads(urllib.request.urlopen(demo["url"] + "demo-settings.json", timeout=10).read())
    c2s_port = int(re.search(r"c2s\s+127\.0\.0\.1:(\d+)", "".join(demo["lines"])).group(1))  # type: ignore[union-attr]
    bob = Bot("bob@localhost", "secret", "127.0.0.1", c2s_port, "room-test").start()
    try:
        bob.send_raw('<iq type="get" id="rooms" to="conference.localhost">'
                     '<query xmlns="http://jabber.org/protocol/disco#items"/></iq>')
        assert 'jid="demo@conference.localhost"' in bob.wait_for_iq_result("rooms").replace("'", '"')
        bob.send_raw('<iq type="get" id="marks"><query xmlns="jabber:iq:private">'
                     '<storage xmlns="storage:bookmarks"/></query></iq>')
        marks = bob.wait_for_iq_result("marks").replace("'", '"')
        assert 'jid="demo@conference.localhost"' in marks and 'autojoin="true"' in marks, marks
        room = settings["room"]
        bob.send_raw(f'<presence to="{room}/bob"><x xmlns="http://jabber.org/protocol/muc">'
                     f'<history maxstanzas="0"/></x></presence>')
        time.sleep(0.5)  # the join is processed before our message
        bob.send_message(room, "hi echo, are you there?", mtype="groupchat")
        sender, body = bob.wait_for_message(lambda f, b: b.startswith("bob: You said"), timeout=10)
        assert sender == f"{room}/echo" and body == "bob: You said: hi echo, are you there?"
        time.sleep(1.5)  # a second answer would have come by now
        answers = [x for x in bob.stanzas if "bob: You said: hi echo" in x]
        assert len(answers) == 1, answers
    finally:
        bob.stop()


def test_the_bot_greets_an_account_once_per_demo_run(demo: dict[str, Any]) -> None:
    """alice was greeted when she logged in in the newcomer test above: her later logins (two
    more sessions, one after the other, as reloads without keepalive make) are not greeted again."""
    from tools.bot import Bot
    c2s_port = int(re.search(r"c2s\s+127\.0\.0\.1:(\d+)", "".join(demo["lines"])).group(1))  # type: ignore[union-attr]
    for resource in ("again-1", "again-2"):
        alice = Bot("alice@localhost", "secret", "127.0.0.1", c2s_port, resource).start()
        try:
            time.sleep(2.0)  # a greeting for this session would have come by now
            greetings = [x for x in alice.stanzas if "the converse-py demo bot" in x and "<delay" not in x]
            assert greetings == [], f"the bot greeted alice again: {greetings}"
        finally:
            alice.stop()


def test_ctrl_c_stops_the_demo_and_its_server(demo: dict[str, Any]) -> None:
    proc = demo["proc"]
    data_dir = re.search(r"\(data in (\S+)\)", "".join(demo["lines"])).group(1)  # type: ignore[union-attr]
    assert os.path.isdir(data_dir)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the process group
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Stopping." in out and "Traceback" not in out, out
    assert not os.path.exists(data_dir)  # server stopped and its data removed
    leftovers = subprocess.run(["pgrep", "-f", data_dir], capture_output=True, text=True).stdout
    assert leftovers == "", leftovers
