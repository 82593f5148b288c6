"""Screens: the main screens at a phone's, a tablet's and a laptop's size in the light and the dark
theme: nothing runs off the screen or overlaps, no horizontal scrolling, one pane at a time on the
phone (with a working back button), axe finds nothing serious in either theme, and a box's
drag-resized size is kept. One login (Prosody: layout does not depend on the server).

Screenshots of each screen go to docs/screenshots/ only when UPDATE_SCREENSHOTS=1 (the committed
PNGs are not rewritten on every run); the layout checks always run.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from .support import Account, ClientPage, auto_login_page, grab_api, unique_account
from .test_a11y import axe_violations

#: One pass is enough: layout does not depend on the server.
pytestmark = pytest.mark.one_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
SIZES = [(360, 640), (768, 1024), (1280, 800)]
THEMES = ["light", "dark"]
ROOM = f"screens-{uuid.uuid4().hex[:8]}@conference.localhost"

#: The layout check: every shown header, composer, message list and button inside the viewport;
#: shown headers, composers and lists of one box not overlapping; no horizontal scrolling.
LAYOUT_PROBLEMS = """() => {
    const problems = [];
    const width = window.innerWidth, height = window.innerHeight;
    if (document.documentElement.scrollWidth > width) {
        problems.push(`horizontal scroll: ${document.documentElement.scrollWidth} > ${width}`);
    }
    const shown = el => el.checkVisibility() && el.getClientRects().length > 0
        && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
    const name = el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
        + (el.getAttribute('data-action') ? `[${el.getAttribute('data-action')}]` : '');
    const parts = '#conversejs header, #conversejs form.cpy-compose, #conversejs ol.cpy-messages';
    for (const el of document.querySelectorAll(parts + ', #conversejs button')) {
        if (!shown(el)) continue;
        if (el.closest('.cpy-msg, .cpy-minimized')) continue;  // rows scroll inside their list
        const r = el.getBoundingClientRect();
        if (r.left < -0.5 || r.top < -0.5 || r.right > width + 0.5 || r.bottom > height + 0.5) {
            problems.push(`${name(el)} off-screen: ${Math.round(r.left)},${Math.round(r.top)} `
                          + `${Math.round(r.right)},${Math.round(r.bottom)}`);
        }
    }
    for (const box of document.querySelectorAll('#conversejs section.cpy-chatbox, #conversejs section.cpy-controlbox')) {
        if (!shown(box)) continue;
        const own = [...box.querySelectorAll(':scope > header, form.cpy-compose, ol.cpy-messages')].filter(shown);
        for (let i = 0; i < own.length; i++) for (let j = i + 1; j < own.length; j++) {
            const a = own[i].getBoundingClientRect(), b = own[j].getBoundingClientRect();
            if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
                problems.push(`${name(own[i])} overlaps ${name(own[j])}`);
            }
        }
    }
    const boxes = [...document.querySelectorAll('#conversejs section.cpy-chatbox, #conversejs section.cpy-controlbox')]
        .filter(shown);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].getBoundingClientRect(), b = boxes[j].getBoundingClientRect();
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
            problems.push(`${name(boxes[i])} overlaps ${name(boxes[j])}`);
        }
    }
    return problems;
}"""


@pytest.fixture(scope="module")
def people(prosody: Any, bot: Any) -> tuple[Account, Account]:
    me, pal = unique_account(prosody, "screens"), unique_account(prosody, "pal")
    seeder = bot(me)
    seeder.send_raw(f'<iq type="set" id="seed"><query xmlns="jabber:iq:roster">'
                    f'<item jid="{pal.jid}" name="Robin Pal"><group>Friends</group></item></query></iq>')
    seeder.wait_for_iq_result("seed", timeout=10)
    seeder.stop()
    return me, pal


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, people: tuple[Account, Account],
         bot: Any) -> Iterator[ClientPage]:
    me, pal = people
    handle = auto_login_page(browser, web_server.url, prosody, me, show_controlbox_by_default=True,
                             roster_groups=True)
    grab_api(handle, "rosterContactsFetched")
    handle.page.set_viewport_size({"width": 1280, "height": 800})
    other = bot(pal, resource="screens")
    for text in ("Hi! Are we still on for lunch?", "The new place by the river opens today.",
                 "I can book a table for 12:30 🍝"):
        other.send_message(me.jid, text)
    handle.page.wait_for_selector("#conversejs .cpy-msg.cpy-in >> text=book a table", timeout=20_000)
    box = f'#conversejs section.cpy-chatbox[data-jid="{pal.jid}"]'
    handle.page.fill(f"{box} textarea", "Yes, 12:30 works for me.")
    handle.page.press(f"{box} textarea", "Enter")
    handle.page.wait_for_selector(f"{box} .cpy-msg.cpy-out", timeout=10_000)
    handle.js(f"() => window.capi.rooms.open({json.dumps(ROOM)}, {{nick: 'me'}})")
    room = f'#conversejs section.cpy-chatroom[data-jid="{ROOM}"]'
    handle.page.wait_for_selector(room, timeout=15_000)
    handle.page.fill(f"{room} textarea", "Good morning, everyone!")
    handle.page.press(f"{room} textarea", "Enter")
    handle.page.wait_for_selector(f"{room} .cpy-msg >> text=Good morning", timeout=15_000)
    other.stop()
    yield handle
    handle.close()


def show(page: ClientPage, jid: str | None) -> None:
    """The chat or room ``jid`` as the shown pane (small screens), or the contacts (None)."""
    if jid is None:
        page.page.evaluate("document.querySelector('#conversejs').classList.remove('cpy-pane-chat')")
    else:
        page.js("""jid => { for (const el of document.querySelectorAll('#conversejs section.cpy-chatbox'))
            el.classList.toggle('cpy-active', el.getAttribute('data-jid') === jid);
            document.querySelector('#conversejs').classList.add('cpy-pane-chat'); }""", jid)


def check_and_shoot(page: ClientPage, name: str) -> None:
    page.page.wait_for_timeout(150)  # a frame for the layout (and the list's scroll) to settle
    problems = page.js(LAYOUT_PROBLEMS)
    assert problems == [], f"{name}: {problems}"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(SHOTS / f"{name}.png"), animations="disabled", caret="hide")


@pytest.mark.parametrize("theme", THEMES)
def test_the_main_screens_fit_every_size_without_overlap_in_both_themes(
        page: ClientPage, people: tuple[Account, Account], theme: str) -> None:
    _, pal = people
    page.page.emulate_media(color_scheme=theme)
    page.wait_for(f"document.querySelector('#conversejs').classList.contains('cpy-theme-{theme}')", timeout=5_000)
    for width, height in SIZES:
        page.page.set_viewport_size({"width": width, "height": height})
        if width <= 600:
            show(page, None)
            check_and_shoot(page, f"{theme}-{width}x{height}-contacts")
            show(page, pal.jid)
            check_and_shoot(page, f"{theme}-{width}x{height}-chat")
            show(page, ROOM)
            check_and_shoot(page, f"{theme}-{width}x{height}-room")
        else:
            check_and_shoot(page, f"{theme}-{width}x{height}")
    page.page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.parametrize("theme", THEMES)
def test_axe_finds_nothing_serious_in_either_theme(page: ClientPage, theme: str) -> None:
    page.page.emulate_media(color_scheme=theme)
    page.wait_for(f"document.querySelector('#conversejs').classList.contains('cpy-theme-{theme}')", timeout=5_000)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_a_phone_shows_one_pane_and_the_back_button_returns_to_the_contacts(
        page: ClientPage, people: tuple[Account, Account]) -> None:
    _, pal = people
    page.page.set_viewport_size({"width": 360, "height": 640})
    try:
        show(page, None)
        contact = f'#conversejs .cpy-controlbox button[data-action="open-chat"][data-jid="{pal.jid}"]'
        page.page.click(contact)
        box = f'#conversejs section.cpy-chatbox[data-jid="{pal.jid}"]'
        page.wait_for(f"document.querySelector('{box}').classList.contains('cpy-active')", timeout=5_000)
        assert not page.page.is_visible("#conversejs .cpy-controlbox")
        assert not page.page.is_visible(f'#conversejs section.cpy-chatroom[data-jid="{ROOM}"]')
        back = f'{box} button[data-action="back-to-contacts"]'
        assert page.page.get_attribute(back, "aria-label") == "Back to contacts"
        size = page.js(f"() => {{ const r = document.querySelector('{back}').getBoundingClientRect(); "
                       "return [r.width, r.height]; }")
        assert size[0] >= 44 and size[1] >= 44  # a touch target
        page.page.focus(back)
        page.page.keyboard.press("Enter")
        page.page.wait_for_selector("#conversejs .cpy-controlbox", state="visible", timeout=5_000)
        assert not page.page.is_visible(box)
        assert page.js("document.activeElement && document.activeElement.getAttribute('data-jid')") == pal.jid
    finally:
        page.page.set_viewport_size({"width": 1280, "height": 800})


def drag_top_left(page: ClientPage, box: str) -> dict[str, float]:
    """Drag ``box``'s top-left grip 60 px left and 80 px up; its new bounding box."""
    grip = page.page.locator(f"{box} .cpy-dragresize-topleft")
    before = page.page.locator(box).bounding_box()
    start = grip.bounding_box()
    assert before is not None and start is not None
    page.page.mouse.move(start["x"] + 3, start["y"] + 3)
    page.page.mouse.down()
    page.page.mouse.move(start["x"] - 60, start["y"] - 80, steps=4)
    page.page.mouse.up()
    after = page.page.locator(box).bounding_box()
    assert after is not None
    assert abs(after["width"] - (before["width"] + 63)) <= 2 and abs(after["height"] - (before["height"] + 83)) <= 2
    return after


def saved_with_width(page: ClientPage) -> list[str]:
    """What tab (or lasting) storage holds that names a width."""
    return list(page.js("() => Object.keys(sessionStorage).concat(Object.keys(localStorage)).map("
                        "k => sessionStorage.getItem(k) || localStorage.getItem(k)).filter(v => v && v.includes('\"width\"'))"))


def test_dragging_a_box_edge_resizes_it_and_the_size_is_kept(page: ClientPage, people: tuple[Account, Account]) -> None:
    _, pal = people
    show(page, pal.jid)
    after = drag_top_left(page, f'#conversejs section.cpy-chatbox[data-jid="{pal.jid}"]')
    model = page.js("jid => [window.capi.chats.get(jid).model.get('width'), "
                    "window.capi.chats.get(jid).model.get('height')]", pal.jid)
    assert model == [round(after["width"]), round(after["height"])]
    assert any(f'"width": {model[0]}' in value or f'"width":{model[0]}' in value for value in saved_with_width(page))
    # a room's box too: its size is kept with the open rooms (they come back after a reload)
    show(page, ROOM)
    after = drag_top_left(page, f'#conversejs section.cpy-chatroom[data-jid="{ROOM}"]')
    room = page.js("jid => [window.capi.rooms.get(jid).model.get('width'), window.capi.rooms.get(jid).model.get('height')]", ROOM)
    assert room == [round(after["width"]), round(after["height"])]
    rows = [row for value in saved_with_width(page) if value.startswith("[")
            for row in json.loads(value) if isinstance(row, dict) and row.get("jid") == ROOM]
    assert rows and (rows[0]["width"], rows[0]["height"]) == tuple(room)


def test_the_theme_setting_overrides_the_system_preference_at_once(page: ClientPage) -> None:
    page.page.emulate_media(color_scheme="light")
    root = "document.querySelector('#conversejs').classList"
    page.wait_for(f"{root}.contains('cpy-theme-light')", timeout=5_000)
    try:
        page.js("() => window.capi.settings.set({theme: 'dark'})")
        page.wait_for(f"{root}.contains('cpy-theme-dark') && !{root}.contains('cpy-theme-light')", timeout=5_000)
        background = page.js("getComputedStyle(document.querySelector('#conversejs .cpy-controlbox')).backgroundColor")
        assert background == "rgb(27, 31, 36)"
        page.page.emulate_media(color_scheme="dark")  # dark_theme: 'dark' too
        page.js("() => window.capi.settings.set({dark_theme: 'light'})")
        page.wait_for(f"{root}.contains('cpy-theme-light')", timeout=5_000)
    finally:
        page.js("() => window.capi.settings.set({theme: 'light', dark_theme: 'dark'})")
        page.page.emulate_media(color_scheme="light")
