"""Roster management and idle in a real page against the server (Prosody, or ejabberd with
--xmpp-server=ejabberd). One logged-in page (alice, ``auto_away`` 2 s) for the module.

alice renames and regroups bob and removes erin through the contact dialog (opened from the roster
row and, by keyboard, from the chat box header); a slixmpp client of alice's own account fetches
the server's roster (RFC 6121 §2.1.3) to see each change. Then the page is left alone: bob (a
slixmpp peer) sees alice go away with a XEP-0319 <idle/>, and online again after a mouse move.
"""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from converse_py.core.platform import ACTIVITY_EVENTS
from tools.bot import Bot
from tools.demo_bot import befriend

from .support import Account, ClientPage, auto_login_page, grab_api, unique_account

ROSTER_NS = "jabber:iq:roster"
IDLE_NS = "urn:xmpp:idle:1"
_ids = itertools.count()


@dataclass
class World:
    page: ClientPage
    alice: Account
    bob: Account
    bob_bot: Bot
    checker: Bot  # a second session of alice's account


@pytest.fixture(scope="module")
def world(browser: Any, web_server: Any, prosody: Any, bot: Any) -> Iterator[World]:
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    alice_bot, bob_bot = bot(alice, "setup"), bot(bob)
    befriend({"alice": alice_bot, "bob": bob_bot})
    for jid, name, group in (("erin@example.com", "Erin", "Friends"), ("dave@example.com", "Dave", "")):
        group_xml = f"<group>{group}</group>" if group else ""
        alice_bot.send_raw(f"<iq type='set' id='setup-{name}'><query xmlns='{ROSTER_NS}'>"
                           f"<item jid='{jid}' name='{name}'>{group_xml}</item></query></iq>")
        alice_bot.wait_for_iq_result(f"setup-{name}")
    alice_bot.stop()
    page = auto_login_page(browser, web_server.url, prosody, alice, show_controlbox_by_default=True,
                           roster_groups=True, auto_away=2, idle_presence_timeout=0)
    grab_api(page, "rosterContactsFetched")
    page.js(ACTIVITY_LOG_JS, list(ACTIVITY_EVENTS))
    checker = bot(alice, "checker")
    try:
        yield World(page, alice, bob, bob_bot, checker)
    finally:
        page.close()


#: For a failure message of the idle test: what the page counts as activity, and the stream's
#: ups and downs, with their times (``performance.now()``, ms).
ACTIVITY_LOG_JS = """(kinds) => {
    window.activityLog = [];
    const note = (...entry) => window.activityLog.push([Math.round(performance.now()), ...entry]);
    for (const kind of kinds) {
        window.addEventListener(kind, e => note(kind, e.target && (e.target.id || e.target.tagName)),
                                {capture: true, passive: true});
    }
    for (const name of ["disconnected", "will-reconnect", "reconnected", "streamResumed", "statusChanged"]) {
        window.capi.listen.on(name, value => note(name, String(value)));
    }
}"""


def server_roster(checker: Bot) -> dict[str, tuple[str, list[str]]]:
    """The roster the server holds: JID → (name, sorted groups)."""
    iq_id = f"check-{next(_ids)}"
    checker.send_raw(f"<iq type='get' id='{iq_id}'><query xmlns='{ROSTER_NS}'/></iq>")
    result = ET.fromstring(checker.wait_for_iq_result(iq_id))
    items = result.iter(f"{{{ROSTER_NS}}}item")
    return {i.get("jid", ""): (i.get("name") or "", sorted(g.text or "" for g in i.findall(f"{{{ROSTER_NS}}}group")))
            for i in items}


def wait_server(world: World, check: Any, timeout: float = 10.0) -> dict[str, tuple[str, list[str]]]:
    """The server's roster once ``check(roster)`` holds (the page's roster set is asynchronous)."""
    world.page.page.wait_for_timeout(100)
    deadline = 0.0
    roster = server_roster(world.checker)
    while not check(roster) and deadline < timeout:
        world.page.page.wait_for_timeout(250)
        deadline += 0.25
        roster = server_roster(world.checker)
    return roster


def row(jid: str) -> str:
    return f'#conversejs li.cpy-contact[data-jid="{jid}"]'


DIALOG = "#conversejs dialog.cpy-contact-dialog"


def test_rename_and_regroup_from_the_roster_row_changes_the_servers_roster(world: World) -> None:
    page, bob = world.page.page, world.bob
    page.click(f'{row(bob.jid)} button[data-action="manage-contact"] >> nth=0')
    page.wait_for_selector(f"{DIALOG}[open]")
    assert page.input_value(f'{DIALOG} input[name="name"]') == "Bob"
    assert world.page.js("() => document.activeElement.id") == "cpy-manage-name"
    page.fill(f'{DIALOG} input[name="name"]', "Bobby")
    page.check(f'{DIALOG} input[name="group"][value="Friends"]')  # erin's group
    page.fill(f'{DIALOG} input[name="new_group"]', "Work")
    page.click(f'{DIALOG} button[type="submit"]')
    roster = wait_server(world, lambda r: r.get(bob.jid, ("", []))[0] == "Bobby")
    assert roster[bob.jid] == ("Bobby", ["Demo", "Friends", "Work"])
    page.wait_for_selector(f"{DIALOG}[open]", state="detached")
    # the server's push renamed the rows (one per group)
    page.wait_for_selector(f'{row(bob.jid)} .cpy-name:text-is("Bobby")')
    assert page.locator(row(bob.jid)).count() == 3
    assert sorted(world.page.js("jid => window.capi.contacts.get(jid).get('groups')", bob.jid)) == ["Demo", "Friends", "Work"]


def test_the_chat_header_menu_works_from_the_keyboard(world: World) -> None:
    page, bob = world.page.page, world.bob
    page.click(f'{row(bob.jid)} button[data-action="open-chat"] >> nth=0')
    header_button = f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"] header button[data-action="manage-contact"]'
    page.wait_for_selector(header_button)
    page.focus(header_button)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{DIALOG}[open]")
    page.focus(f'{DIALOG} input[name="group"][value="Work"]')
    page.keyboard.press("Space")  # uncheck Work
    page.focus(f'{DIALOG} input[name="name"]')
    page.keyboard.press("Enter")  # submits the form
    roster = wait_server(world, lambda r: "Work" not in r.get(bob.jid, ("", ["Work"]))[1])
    assert roster[bob.jid] == ("Bobby", ["Demo", "Friends"])
    page.wait_for_selector(f"{DIALOG}[open]", state="detached")
    page.click(f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"] [data-action="close-chat"]')


def test_remove_asks_for_a_confirmation_naming_the_contact_then_the_server_drops_it(world: World) -> None:
    page = world.page.page
    erin = "erin@example.com"
    page.click(f'{row(erin)} button[data-action="manage-contact"]')
    page.wait_for_selector(f"{DIALOG}[open]")
    page.click(f'{DIALOG} button[data-action="remove-contact"]')
    confirm = f'{DIALOG} [data-role="confirm-remove"]'
    page.wait_for_selector(f"{confirm}:visible")
    assert "Erin" in page.text_content(confirm) and erin in page.text_content(confirm)
    page.click(f'{confirm} button[data-action="cancel-remove"]')  # changing one's mind keeps it
    page.wait_for_selector(f"{confirm}", state="hidden")
    assert erin in server_roster(world.checker)
    page.click(f'{DIALOG} button[data-action="remove-contact"]')
    page.click(f'{confirm} button[data-action="confirm-remove"]')
    roster = wait_server(world, lambda r: erin not in r)
    assert erin not in roster
    page.wait_for_selector(row(erin), state="detached")
    page.wait_for_selector(f"{DIALOG}[open]", state="detached")
    assert world.page.js("jid => window.capi.contacts.get(jid)", erin) is None


def test_js_and_python_apis_rename_regroup_and_remove(world: World) -> None:
    page = world.page
    dave = "dave@example.com"
    page.js("""async (jid) => {
        const contact = await window.capi.contacts.rename(jid, 'David');
        await contact.setGroups(['Neighbours']);
    }""", dave)
    roster = wait_server(world, lambda r: r.get(dave, ("", []))[1] == ["Neighbours"])
    assert roster[dave] == ("David", ["Neighbours"])
    page.js("code => window.runPython(code)", f"""
class Snippet:
    def initialize(self):
        api = self._converse.api

        async def run():
            await api.contacts.set_groups({dave!r}, ["Neighbours", "Street"])
            await api.contacts.get({dave!r}).remove()
            window.out.pyRemoved = True

        asyncio.ensure_future(run())

converse.plugins.add("py-roster-manage", Snippet)
""")
    page.wait_for("window.out.pyRemoved === true")
    assert dave not in wait_server(world, lambda r: dave not in r)
    assert page.js("() => window.capi.contacts.get('nobody@example.com') === null")
    error = page.js("""() => { try { window.capi.contacts.rename('nobody@example.com', 'X'); return null; }
                               catch (e) { return e.message; } }""")
    assert "not in the roster" in error


def idle_machine_state(page: ClientPage) -> str:
    """What the page's idle machine holds, whether it is connected, and the last activity and stream
    events it saw (for a failure message)."""
    page.js("code => window.runPython(code)", f"""
from converse_py.plugins.idle.plugin import IdleState


class IdleProbe:
    def initialize(self):
        converse = self._converse
        machine = converse.get(IdleState).machine
        state = "no idle machine"
        if machine is not None:
            state = (f"idle machine: running={{machine.running}} idle={{machine.idle}} "
                     f"auto={{machine.auto_status}} timer={{machine._timer is not None}} "
                     f"last activity {{machine.clock.now() - machine.last_activity:.1f}} s ago")
        window.out.idleState = f"{{state}}; connected={{converse.session.connected}}"

converse.plugins.add("py-idle-probe-{next(_ids)}", IdleProbe)
""")
    state = page.wait_for("() => window.out.idleState").json_value()
    log = page.js("() => [Math.round(performance.now()), window.activityLog.slice(-10)]")
    return f"{state}; now {log[0]} ms, last events {log[1]}"


def test_auto_away_sends_away_with_idle_and_activity_brings_online_back(world: World) -> None:
    page, bob_bot, alice = world.page, world.bob_bot, world.alice
    page.js("() => window.capi.user.status.message.set('writing a novel')")
    start = len(bob_bot.presence_stanzas)

    def presence_from_page(check: Any, after: int) -> ET.Element:
        found: list[ET.Element] = []

        def probe() -> bool:
            for xml in bob_bot.presence_stanzas[after:]:
                element = ET.fromstring(xml)
                if element.get("from", "").startswith(alice.jid + "/") and \
                        not element.get("from", "").endswith("/checker") and check(element):
                    found.append(element)
                    return True
            return False
        for _ in range(60):
            if probe():
                return found[0]
            page.page.wait_for_timeout(250)
        status = page.js("() => window.capi.user.status.get()")
        raise AssertionError(f"no matching presence (the page's status: {status!r}; {idle_machine_state(page)}); "
                             f"got {bob_bot.presence_stanzas[after:]!r}")

    # nobody touches the page: after 2 s alice is away, idle since her last interaction
    away = presence_from_page(lambda p: p.findtext("{jabber:client}show") == "away", start)
    idle = away.find(f"{{{IDLE_NS}}}idle")
    assert idle is not None and idle.get("since", "").endswith("Z")
    assert away.findtext("{jabber:client}status") == "writing a novel"
    assert page.js("() => window.capi.user.status.get()") == "away"
    after_away = len(bob_bot.presence_stanzas)
    page.page.mouse.move(40, 40)
    page.page.mouse.move(80, 90)
    back = presence_from_page(lambda p: p.get("type") is None and p.find("{jabber:client}show") is None, after_away)
    assert back.find(f"{{{IDLE_NS}}}idle") is None
    assert back.findtext("{jabber:client}status") == "writing a novel"
    assert page.js("() => window.capi.user.status.get()") == "online"


def test_a_contacts_idle_time_shows_in_the_roster_row_title(world: World) -> None:
    bob = world.bob
    world.bob_bot.send_raw(f"<presence><show>away</show><idle xmlns='{IDLE_NS}' since='2020-01-01T00:00:00Z'/>"
                           "</presence>")
    world.page.wait_for("jid => window.capi.contacts.get(jid).get('idle_since') !== null", arg=bob.jid)
    title = world.page.page.get_attribute(f'{row(bob.jid)} button[data-action="open-chat"] >> nth=0', "title")
    assert title is not None and "idle for" in title and "days" in title
    assert json.dumps(world.page.page_errors) == "[]"
