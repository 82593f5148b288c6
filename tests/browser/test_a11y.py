"""Accessibility: the chat UI works by keyboard alone, new messages are announced (aria-live), and
axe-core (npm, injected into the real page) finds no serious or critical violations in the login
form, the logged-in control box, or an open chat box."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

#: One pass is enough: keyboard use and axe's findings do not depend on the server.
pytestmark = pytest.mark.one_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGE = "/tests/browser/pages/embedding.html"


def axe_violations(page: ClientPage) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations inside the client (WCAG 2.x A/AA rules)."""
    if not page.js("typeof window.axe !== 'undefined'"):
        page.page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.page.evaluate("""async () => {
        const result = await axe.run('#conversejs', {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        });
        return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return found


def tab_to(page: ClientPage, selector: str, limit: int = 40, key: str = "Tab") -> None:
    """Press Tab (or ``key``) until the focused element matches ``selector`` (fails after ``limit`` presses)."""
    for _ in range(limit):
        if page.js("sel => document.activeElement && document.activeElement.matches(sel)", selector):
            return
        page.page.keyboard.press(key)
    focused = page.js("document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
    pytest.fail(f"{key} never reached {selector!r}; focus is on {focused}")


def focused_html(page: ClientPage) -> str:
    return str(page.js("document.activeElement.outerHTML"))


@pytest.fixture(scope="module")
def people(prosody: Any, bot: Any) -> tuple[Account, Account]:
    me, pal = unique_account(prosody, "kbd"), unique_account(prosody, "pal")
    seeder = bot(me)
    seeder.send_raw(f'<iq type="set" id="seed"><query xmlns="jabber:iq:roster">'
                    f'<item jid="{pal.jid}" name="Pal"><group>Friends</group></item></query></iq>')
    seeder.wait_for_iq_result("seed", timeout=10)
    seeder.stop()
    return me, pal


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any) -> Iterator[ClientPage]:
    handle = open_client_page(browser, web_server.url, PAGE, {
        "bosh_service_url": prosody.bosh_url, "show_controlbox_by_default": True,
        "roster_groups": True, "debug": False})
    handle.page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_axe_finds_nothing_serious_in_the_login_form(page: ClientPage) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_logging_in_by_keyboard_alone(page: ClientPage, people: tuple[Account, Account]) -> None:
    me, pal = people
    page.page.focus("body")
    tab_to(page, "#cpy-jid")
    page.page.keyboard.type(me.jid)
    page.page.keyboard.press("Tab")
    assert page.js("document.activeElement.id") == "cpy-password"
    page.page.keyboard.type(me.password)
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector(f'#conversejs li.cpy-contact[data-jid="{pal.jid}"]', timeout=20_000)


def test_axe_finds_nothing_serious_in_the_control_box(page: ClientPage) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_opening_a_chat_and_sending_by_keyboard_alone(page: ClientPage, people: tuple[Account, Account],
                                                      bot: Any) -> None:
    me, pal = people
    other = bot(pal)
    tab_to(page, f'#conversejs button[data-action="open-chat"][data-jid="{pal.jid}"]')
    page.page.keyboard.press("Enter")
    box = f'#conversejs .cpy-chatbox[data-jid="{pal.jid}"]'
    page.page.wait_for_selector(box, timeout=10_000)
    tab_to(page, f"{box} textarea")
    page.page.keyboard.type("typed without a mouse")
    page.page.keyboard.press("Enter")
    sender, _ = other.wait_for_message("typed without a mouse", timeout=10)
    assert sender.startswith(me.jid + "/")
    assert page.page_errors == []  # no key press on the way raised in the page


def test_new_messages_are_announced_to_screen_readers(page: ClientPage, people: tuple[Account, Account],
                                                      bot: Any) -> None:
    me, pal = people
    bot(pal, resource="announcer").send_message(me.jid, "can you hear me?")
    item = page.page.wait_for_selector("#conversejs .cpy-msg.cpy-in >> text=can you hear me?", timeout=10_000)
    live = item.evaluate("""el => { const region = el.closest('[aria-live]');
        return region && [region.getAttribute('aria-live'), region.getAttribute('aria-relevant'),
                          region.getAttribute('role')]; }""")
    assert live is not None, "the message is not inside an aria-live region"
    assert live[0] in ("polite", "assertive")
    assert live[1] in (None, "additions", "additions text")  # new rows are announced


def test_a_messages_actions_are_reached_by_keyboard(page: ClientPage, people: tuple[Account, Account]) -> None:
    """The list is one tab stop; ↑ and ↓ go from row to row, the focused row shows its actions,
    Tab goes into them, Enter runs one, Escape goes back to the list."""
    _, pal = people
    box = f'#conversejs .cpy-chatbox[data-jid="{pal.jid}"]'
    page.page.wait_for_selector(f"{box} li.cpy-msg.cpy-in >> text=can you hear me?")
    tab_to(page, f"{box} ol.cpy-messages", key="Shift+Tab")
    page.page.keyboard.press("ArrowUp")  # the newest row
    assert page.js("document.activeElement.matches('li.cpy-msg.cpy-in')"), focused_html(page)
    assert "can you hear me?" in focused_html(page)
    page.page.keyboard.press("ArrowUp")  # the one before: the user's own
    assert page.js("document.activeElement.matches('li.cpy-msg.cpy-out')"), focused_html(page)
    row = page.page.locator(f"{box} li.cpy-msg.cpy-out", has_text="typed without a mouse")
    assert row.locator(".cpy-msg-actions").evaluate("e => getComputedStyle(e).opacity") == "1"
    assert page.page.locator(f"{box} .cpy-msg-actions").count() == 1  # one row's bar at a time
    page.page.keyboard.press("ArrowDown")
    page.page.keyboard.press("ArrowUp")
    tab_to(page, f'{box} li.cpy-msg.cpy-out button.cpy-msg-action[data-name="quote"]', limit=8)
    page.page.keyboard.press("Enter")
    textarea = page.page.locator(f"{box} textarea")
    assert textarea.input_value() == "> typed without a mouse\n"
    assert page.js("document.activeElement.tagName") == "TEXTAREA"
    textarea.fill("")
    tab_to(page, f"{box} ol.cpy-messages", key="Shift+Tab")
    page.page.keyboard.press("ArrowUp")
    page.page.keyboard.press("Escape")  # from a row back to the list
    assert page.js(f"document.activeElement === document.querySelector('{box} ol.cpy-messages')")
    assert page.page_errors == []


def test_axe_finds_nothing_serious_with_a_chat_open(page: ClientPage) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_closing_the_chat_and_the_control_box_by_keyboard(page: ClientPage,
                                                          people: tuple[Account, Account]) -> None:
    _, pal = people
    box = f'#conversejs .cpy-chatbox[data-jid="{pal.jid}"]'
    tab_to(page, f'{box} button[data-action="close-chat"]')
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector(box, state="hidden", timeout=5_000)
    toggle = '#conversejs button[data-action="toggle-controlbox"]'
    tab_to(page, toggle)
    before = page.page.get_attribute(toggle, "aria-expanded")
    page.page.keyboard.press("Enter")
    page.wait_for("([sel, was]) => document.querySelector(sel).getAttribute('aria-expanded') !== was",
                  arg=[toggle, before], timeout=5_000)
    assert page.page.get_attribute(toggle, "aria-expanded") != before
