"""Embedding in a host page: placement (view_mode overlayed / fullscreen), styles that neither leak
into the host page nor break under its aggressive global CSS, and a host page that passes settings
and listens to public events before Python has loaded.

The same client state is rendered in a plain page and in one with hostile global CSS
(pages/embedding.html?hostile); computed styles of every client element must match, the login
form must be pixel-identical, and screenshots of both are kept in tests/artifacts/ for review.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

#: One pass is enough: placement and styles in a host page do not depend on the server.
pytestmark = pytest.mark.one_server

PAGE = "/tests/browser/pages/embedding.html"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

#: Computed properties compared between the plain and the hostile page, for every element.
PROPERTIES = [
    "display", "position", "float", "box-sizing", "visibility", "opacity", "transform",
    "font-size", "font-family", "font-weight", "line-height", "letter-spacing", "text-transform",
    "text-align", "color", "background-color", "border-top-style", "border-top-width",
    "border-left-color", "margin-top", "margin-left", "padding-top", "padding-left",
    "list-style-type", "outline-style", "transition-duration", "z-index",
]

STYLES_JS = """([props]) => {
    const root = document.getElementById('conversejs');
    const out = {};
    const walk = (el, path) => {
        const cs = getComputedStyle(el);
        out[path] = props.map(p => p + '=' + cs.getPropertyValue(p)).join('; ')
            + '; ::before=' + getComputedStyle(el, '::before').getPropertyValue('content')
            + '; ::after=' + getComputedStyle(el, '::after').getPropertyValue('content');
        [...el.children].forEach((c, i) => walk(c, path + '>' + c.tagName.toLowerCase() + ':' + i));
    };
    walk(root, 'root');
    return out;
}"""


def styles(page: ClientPage) -> dict[str, str]:
    result: dict[str, str] = page.page.evaluate(STYLES_JS, [PROPERTIES])
    return result


def rect(page: ClientPage, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.page.evaluate(
        "sel => { const r = document.querySelector(sel).getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height, right: r.right, bottom: r.bottom}; }",
        selector)
    return box


def seeded_account(prosody: Any, bot: Any, prefix: str, pal: Account) -> Account:
    """A fresh account whose roster holds ``pal`` as "Pal" in group "Friends"."""
    account = unique_account(prosody, prefix)
    seeder = bot(account)
    seeder.send_raw(f'<iq type="set" id="seed"><query xmlns="jabber:iq:roster">'
                    f'<item jid="{pal.jid}" name="Pal"><group>Friends</group></item></query></iq>')
    seeder.wait_for_iq_result("seed", timeout=10)
    seeder.stop()
    return account


@pytest.fixture(scope="module")
def pal(prosody: Any) -> Account:
    return unique_account(prosody, "pal")


def open_embedding(browser: Any, web_server: Any, prosody: Any, query: str = "",
                   **settings: Any) -> ClientPage:
    base = {"bosh_service_url": prosody.bosh_url, "show_controlbox_by_default": True,
            "roster_groups": True, "debug": False}
    handle = open_client_page(browser, web_server.url, PAGE + query, {**base, **settings})
    handle.page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
    return handle


@pytest.fixture(scope="module")
def pages(browser: Any, web_server: Any, prosody: Any) -> Iterator[dict[str, ClientPage]]:
    """The same settings in a plain host page and in a hostile one, both at the login form."""
    plain = open_embedding(browser, web_server, prosody)
    hostile = open_embedding(browser, web_server, prosody, "?hostile")
    yield {"plain": plain, "hostile": hostile}
    plain.close()
    hostile.close()


def login(page: ClientPage, account: Account) -> None:
    page.page.fill("#cpy-jid", account.jid)
    page.page.fill("#cpy-password", account.password)
    page.page.press("#cpy-password", "Enter")
    page.page.wait_for_selector("#conversejs li.cpy-contact", timeout=20_000)


def test_the_hostile_css_is_really_on(pages: dict[str, ClientPage]) -> None:
    probe = "getComputedStyle(document.querySelector('h1')).textTransform"
    assert pages["hostile"].js(probe) == "uppercase"
    assert pages["plain"].js(probe) == "none"


def test_the_clients_rules_are_all_scoped_to_its_root(pages: dict[str, ClientPage]) -> None:
    """Nothing in converse.css can reach the host page: every selector starts at the root."""
    report = pages["plain"].js("""() => {
        const sheet = [...document.styleSheets].find(s => (s.href || '').endsWith('/static/converse.css'));
        const bad = [], keyframes = [];
        const selectors = (text) => {  // split at the top-level commas (not those inside :is(...))
            const out = []; let depth = 0, current = '';
            for (const ch of text) {
                if (ch === '(') depth++;
                if (ch === ')') depth--;
                if (ch === ',' && depth === 0) { out.push(current.trim()); current = ''; } else current += ch;
            }
            out.push(current.trim());
            return out;
        };
        const check = (rules) => { for (const rule of rules) {
            if (rule instanceof CSSStyleRule) {
                selectors(rule.selectorText)
                    .filter(s => !s.startsWith('#conversejs.converse-py')).forEach(s => bad.push(s));
            } else if (rule instanceof CSSKeyframesRule) { keyframes.push(rule.name); }
            else if (rule instanceof CSSMediaRule) { check(rule.cssRules); }  // small screens: scoped inside too
            else { bad.push(rule.cssText.slice(0, 60)); }
        } };
        check(sheet.cssRules);
        return {count: sheet.cssRules.length, bad, keyframes};
    }""")
    assert report["count"] > 20
    assert report["bad"] == []
    assert all(name.startswith("cpy-") for name in report["keyframes"])
    # rem follows the host's html { font-size }: the client's sizes are px or em.
    css = (Path(__file__).resolve().parents[2] / "static" / "converse.css").read_text()
    assert re.findall(r"[\d.]+rem\b", css) == []


def test_host_page_content_keeps_its_own_styles(pages: dict[str, ClientPage], browser: Any,
                                                web_server: Any) -> None:
    """The host's elements look the same as in the same page with converse.css blocked."""
    probe = """() => ['html', 'body', 'h1', 'p', '#host-widget'].map(sel => {
        const cs = getComputedStyle(document.querySelector(sel));
        return [sel, cs.fontSize, cs.fontFamily, cs.color, cs.margin, cs.padding, cs.boxSizing,
                cs.lineHeight, cs.display, cs.position].join('|');
    })"""
    context = browser.new_context()
    try:
        bare = context.new_page()
        bare.route("**/static/converse.css", lambda route: route.abort())
        bare.goto(web_server.url + PAGE)
        assert pages["plain"].js("document.querySelector('#conversejs.converse-py') !== null")
        assert pages["plain"].js(probe) == bare.evaluate(probe)
    finally:
        context.close()


def test_the_login_form_is_pixel_identical_under_hostile_css(pages: dict[str, ClientPage]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {}
    for name, page in pages.items():
        page.page.mouse.move(0, 0)
        # The form below the box's rounded top corners, where the host background shows.
        form = rect(page, "#conversejs form.cpy-login")
        clip = {"x": form["x"], "y": form["y"] + 10, "width": form["width"], "height": form["height"] - 10}
        shots[name] = page.page.screenshot(clip=clip, path=str(ARTIFACTS / f"embedding-login-{name}.png"),
                                           animations="disabled")
    assert styles(pages["plain"]) == styles(pages["hostile"])
    assert shots["plain"] == shots["hostile"], "see tests/artifacts/embedding-login-*.png"


def test_overlayed_sits_in_the_bottom_right_corner_and_leaves_the_page_usable(
        pages: dict[str, ClientPage]) -> None:
    for page in pages.values():
        classes = page.js("Array.from(document.getElementById('conversejs').classList)")
        assert classes[:2] == ["converse-py", "cpy-overlayed"] and set(classes[2:]) <= {"cpy-theme-light", "cpy-theme-dark"}
        width, height = page.js("[window.innerWidth, window.innerHeight]")
        root = rect(page, "#conversejs")
        assert abs(root["bottom"] - height) < 1 and abs(root["right"] - (width - 16)) < 1, root
        assert root["width"] < width / 2 and root["x"] > width / 2
    # The host's heading (top left) is still what a click there hits.
    plain = pages["plain"]
    assert plain.js("(() => { const r = document.querySelector('h1').getBoundingClientRect();"
                    " return document.elementFromPoint(r.x + 5, r.y + 5).tagName; })()") == "H1"


def test_settings_and_listeners_given_before_python_loaded_take_effect(
        pages: dict[str, ClientPage], prosody: Any, bot: Any, pal: Account) -> None:
    accounts = {name: seeded_account(prosody, bot, f"host{name[:3]}", pal) for name in pages}
    for name, page in pages.items():
        login(page, accounts[name])
    for page in pages.values():
        record = page.js("window.record")
        assert record["pythonPendingAtInit"] is True and record["initialized"] is True
        assert record["events"][:1] == ["connected"], record["events"]
        # roster_groups and show_controlbox_by_default, given before Python loaded, are applied.
        assert page.page.text_content("#conversejs .cpy-group-head") == "Friends"
    talker = bot(pal)
    for account in accounts.values():
        talker.send_message(account.jid, "hello from pal")
    for page in pages.values():
        page.wait_for("window.record.events.includes('message') && "
                      "window.record.events.includes('chatBoxOpened')")
        page.page.wait_for_selector("#conversejs .cpy-chatbox .cpy-msg.cpy-in", timeout=10_000)


def test_the_logged_in_client_renders_the_same_under_hostile_css(pages: dict[str, ClientPage]) -> None:
    """Needs the previous test's state: logged in, one contact, one chat box with one message."""
    for name, page in pages.items():
        page.page.mouse.move(0, 0)
        page.page.locator("#conversejs").screenshot(path=str(ARTIFACTS / f"embedding-chat-{name}.png"),
                                                    animations="disabled")
    plain, hostile = styles(pages["plain"]), styles(pages["hostile"])
    assert len(plain) > 30
    # The two pages log in as two accounts: the own avatar's initials sit on each JID's own
    # XEP-0392 colour (its background is the only thing allowed to differ).
    avatar = pages["plain"].js("() => { const a = document.querySelector('#conversejs .cpy-own-avatar, #conversejs "
                               "header details summary span'); return !!a; }")
    differences = {path: (plain[path], hostile.get(path)) for path in plain
                   if plain[path] != hostile.get(path)
                   and not (avatar and path.endswith(">summary:0>span:0")
                            and re.sub(r"background-color=[^;]*;", "", plain[path])
                            == re.sub(r"background-color=[^;]*;", "", hostile.get(path) or ""))}
    assert differences == {}, json.dumps(differences, indent=1)[:3000]
    for selector in ("#conversejs .cpy-controlbox", "#conversejs .cpy-chatbox", "#conversejs textarea"):
        a, b = rect(pages["plain"], selector), rect(pages["hostile"], selector)
        assert all(abs(a[k] - b[k]) < 1 for k in a), (selector, a, b)


def test_fullscreen_fills_the_viewport_even_under_hostile_css(browser: Any, web_server: Any,
                                                              prosody: Any) -> None:
    page = open_embedding(browser, web_server, prosody, "?hostile", view_mode="fullscreen")
    try:
        classes = page.js("Array.from(document.getElementById('conversejs').classList)")
        assert classes[:2] == ["converse-py", "cpy-fullscreen"] and set(classes[2:]) <= {"cpy-theme-light", "cpy-theme-dark"}
        width, height = page.js("[window.innerWidth, window.innerHeight]")
        root = rect(page, "#conversejs")
        assert (root["x"], root["y"], root["width"], root["height"]) == (0, 0, width, height)
        # It covers the host page: a click anywhere reaches the client, not the host.
        assert page.js("document.elementFromPoint(20, 20).closest('#conversejs') !== null") is True
    finally:
        page.close()
