"""XEP-0444 reactions in a real page against the real server (Prosody, or ejabberd with
``--xmpp-server=ejabberd``), with slixmpp peers sending the XEP's raw XML: the archive brings
reactions (the contact's and the user's own from another client); a contact's live reaction shows
as a chip with its count and who; the page's own reaction, picked in the UI, reaches the peer as a
standard stanza; clicking the chip takes it back (the reduced set is sent); a room shows two
occupants' reactions and the page's reaction names the room's stanza-id. One page for the module.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, auto_login_page, grab_api, unique_account

NS = "urn:xmpp:reactions:0"


def reactions_xml(target: str, *emojis: str) -> str:
    return (f"<reactions xmlns='{NS}' id='{target}'>" + "".join(f"<reaction>{e}</reaction>" for e in emojis)
            + "</reactions><store xmlns='urn:xmpp:hints'/>")


def reactions_of(stanza: ET.Element) -> tuple[str, list[str]] | None:
    """(target id, emoji) of a received message carrying reactions (None for any other)."""
    element = stanza.find(f"{{{NS}}}reactions")
    if element is None:
        return None
    return element.get("id") or "", [r.text or "" for r in element.findall(f"{{{NS}}}reaction")]


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def bob_bot(bot: Any, alice: Account, bob: Account) -> Any:
    """Bob, who before alice's page logs in sent "an old message" and reacted 🐢 to it; alice's
    other client reacted ❤️ to it (both are in alice's archive)."""
    alice_phone, peer = bot(alice, "phone"), bot(bob)
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='old-1'><body>an old message</body></message>")
    alice_phone.wait_for_message("an old message")
    peer.send_raw(f"<message to='{alice.jid}' type='chat' id='old-r1'>{reactions_xml('old-1', '🐢')}</message>")
    alice_phone.send_raw(f"<message to='{bob.jid}' type='chat' id='old-r2'>{reactions_xml('old-1', '❤️')}</message>")
    peer.wait_for_stanza(lambda s: reactions_of(s) == ("old-1", ["❤️"]))
    alice_phone.wait_for_stanza(lambda s: reactions_of(s) == ("old-1", ["🐢"]))
    alice_phone.stop()
    return peer


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account, bob_bot: Any) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice, keepalive=False)
    grab_api(handle)
    yield handle
    handle.close()


def chips(page: ClientPage, row: str) -> list[list[str]]:
    """[text, title, pressed] of each reaction chip of the row ``row`` (a CSS selector)."""
    return page.js(f"""Array.from(document.querySelectorAll({json.dumps(row + ' .cpy-reaction')}))
        .map(c => [c.textContent, c.title, c.getAttribute('aria-pressed')])""")


def wait_chips(page: ClientPage, row: str, texts: list[str]) -> None:
    page.wait_for(f"""(want => JSON.stringify(Array.from(document.querySelectorAll({json.dumps(row + ' .cpy-reaction')}))
        .map(c => c.textContent)) === JSON.stringify(want))""", arg=texts)


def row_selector(section: str, key: str) -> str:
    return f'{section} li.cpy-msg[data-id="{key}"]'


def test_the_archive_brings_the_contacts_and_the_users_own_reactions(page: ClientPage, bob: Account) -> None:
    page.js("jid => window.capi.chats.open(jid)", bob.jid)
    section = f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"]'
    row = row_selector(section, "old-1")
    page.wait_for(f"document.querySelector({json.dumps(row)})", timeout=BOOT_TIMEOUT_MS)
    page.wait_for(f"document.querySelectorAll({json.dumps(row + ' .cpy-reaction')}).length === 2")
    # sent within the same second (the archive's resolution): either order
    assert sorted(chips(page, row)) == [["❤️ 1", "you", "true"], ["🐢 1", bob.jid, "false"]]
    result = page.js("([jid]) => window.capi.reactions.get(jid, 'old-1')", [bob.jid])
    assert sorted(result, key=lambda r: r["emoji"]) == [
        {"emoji": "❤️", "count": 1, "reactors": ["you"], "mine": True},
        {"emoji": "🐢", "count": 1, "reactors": [bob.jid], "mine": False}]
    assert page.page.locator(f"{section} li.cpy-msg").count() == 1  # no row for a reaction


def test_live_reactions_the_picker_and_toggling_off_reach_the_peer_as_standard_stanzas(
        page: ClientPage, alice: Account, bob: Account, bob_bot: Any) -> None:
    section = f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"]'
    bob_bot.send_raw(f"<message to='{alice.jid}' type='chat' id='live-1'><body>react to me</body></message>")
    row = row_selector(section, "live-1")
    page.wait_for(f"document.querySelector({json.dumps(row)})")
    page.js("() => { window.out.reactions = []; window.capi.listen.on('reactionsChanged', "
            "(box, message, reactions) => window.out.reactions.push([message.id, reactions.map(r => r.emoji)])); }")
    # Hostile values first (HTML, text, a flood): nothing of them shows; then a real reaction.
    flood = "".join(f"<reaction>{chr(0x1F600 + n % 60)}</reaction>" for n in range(1000))
    bob_bot.send_raw(f"<message to='{alice.jid}' type='chat' id='live-r0'><reactions xmlns='{NS}' id='live-1'>"
                     "<reaction>&lt;img src=x onerror=window.__xss=1&gt;</reaction><reaction>hello</reaction>"
                     f"{flood}</reactions></message>")
    page.wait_for(f"document.querySelectorAll({json.dumps(row + ' .cpy-reaction')}).length === 20")
    assert page.js("window.__xss") is None and page.page.locator(row + " img").count() == 0
    bob_bot.send_raw(f"<message to='{alice.jid}' type='chat' id='live-r1'>{reactions_xml('live-1', '👍')}</message>")
    wait_chips(page, row, ["👍 1"])
    assert chips(page, row) == [["👍 1", bob.jid, "false"]]
    assert [e[1] for e in page.js("window.out.reactions")][-1] == ["👍"]
    # The picker: hover, the React button, then 👍 (pointer), as a user would.
    after = len(bob_bot.stanzas)
    message = page.page.locator(row)
    message.hover()
    message.locator('button[data-name="react"]').click()
    picker = message.locator(".cpy-reaction-picker")
    assert picker.get_attribute("role") == "dialog"
    picker.locator('button[data-emoji="👍"]').click()
    stanza = bob_bot.wait_for_stanza(lambda s: reactions_of(s) is not None, after=after)
    assert reactions_of(stanza) == ("live-1", ["👍"]) and stanza.get("type") == "chat"
    assert stanza.find("{urn:xmpp:hints}store") is not None
    wait_chips(page, row, ["👍 2"])
    assert chips(page, row) == [["👍 2", f"{bob.jid}, you", "true"]]
    assert picker.count() == 0
    # Keyboard: the React button on focus, Enter; any one emoji in the field; Enter sends it.
    after = len(bob_bot.stanzas)
    message.locator('button[data-name="react"]').focus()
    page.page.keyboard.press("Enter")
    field = message.locator('.cpy-reaction-picker input[name="emoji"]')
    field.fill("not one emoji")
    field.press("Enter")
    assert message.locator(".cpy-reaction-error").text_content() == "Enter one emoji"
    field.fill("🎉")
    field.press("Enter")
    stanza = bob_bot.wait_for_stanza(lambda s: reactions_of(s) is not None, after=after)
    assert reactions_of(stanza) == ("live-1", ["👍", "🎉"])
    # The chip toggles the user's own reaction off: the reduced set goes out.
    after = len(bob_bot.stanzas)
    page.page.locator(row + ' .cpy-reaction[data-emoji="👍"]').click()
    stanza = bob_bot.wait_for_stanza(lambda s: reactions_of(s) is not None, after=after)
    assert reactions_of(stanza) == ("live-1", ["🎉"])
    wait_chips(page, row, ["👍 1", "🎉 1"])
    # Escape closes the picker and gives the focus back to the React button.
    message.hover()
    message.locator('button[data-name="react"]').click()
    page.page.keyboard.press("Escape")
    assert message.locator(".cpy-reaction-picker").count() == 0
    assert page.js("document.activeElement.getAttribute('data-name')") == "react"
    # A Python plugin uses the same API: an empty set removes the user's reactions.
    after = len(bob_bot.stanzas)
    page.js("code => window.runPython(code)", f"""
from js import window
from pyodide.ffi import to_js

class PyReactions:
    def initialize(self):
        api = self._converse.api
        window.out.py_mine = to_js([r["emoji"] for r in api.reactions.get({bob.jid!r}, "live-1") if r["mine"]])
        window.out.py_sent = to_js(api.reactions.set({bob.jid!r}, "live-1", []))

converse.plugins.add("py-reactions", PyReactions)
""")
    page.wait_for("window.out.py_sent !== undefined")
    assert page.js("[window.out.py_mine, window.out.py_sent]") == [["🎉"], []]
    stanza = bob_bot.wait_for_stanza(lambda s: reactions_of(s) is not None, after=after)
    assert reactions_of(stanza) == ("live-1", [])
    wait_chips(page, row, ["👍 1"])


def test_a_room_shows_two_occupants_reactions_and_the_pages_names_the_rooms_stanza_id(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = f"react-{uuid.uuid4().hex[:8]}@conference.localhost"
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')"
                  f"(window.capi.rooms.get({json.dumps(room)}))", timeout=BOOT_TIMEOUT_MS)
    carol, dave = bot(unique_account(prosody, "carol")), bot(unique_account(prosody, "dave"))
    for peer, nick in ((carol, "carol"), (dave, "dave")):
        peer.send_raw(f"<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        peer.wait_for_presence(lambda frm, kind, *_, nick=nick: frm == f"{room}/{nick}" and kind == "available")
    carol.send_raw(f"<message to='{room}' type='groupchat' id='c1'><body>vote here</body></message>")
    # What everyone names the message by: the room's stanza-id (XEP-0359), as XEP-0444 says.
    reflected = dave.wait_for_stanza(lambda s: s.findtext("{jabber:client}body") == "vote here")
    stanza_id = next((s.get("id") for s in reflected.findall("{urn:xmpp:sid:0}stanza-id") if s.get("by") == room),
                     None) or "c1"
    section = f'#conversejs section.cpy-chatroom[data-jid="{room}"]'
    row = row_selector(section, "c1")
    for count, peer in enumerate((carol, dave), 1):
        peer.send_raw(f"<message to='{room}' type='groupchat'>{reactions_xml(stanza_id, '👍')}</message>")
        wait_chips(page, row, [f"👍 {count}"])
    assert chips(page, row) == [["👍 2", "carol, dave", "false"]]
    after = len(carol.stanzas)
    page.page.locator(row + ' .cpy-reaction[data-emoji="👍"]').click()
    stanza = carol.wait_for_stanza(lambda s: reactions_of(s) is not None and s.get("from") == f"{room}/alice",
                                   after=after)
    assert reactions_of(stanza) == (stanza_id, ["👍"]) and stanza.get("type") == "groupchat"
    wait_chips(page, row, ["👍 3"])
    assert chips(page, row) == [["👍 3", "carol, dave, you", "true"]]
    assert page.page.locator(f"{section} li.cpy-msg").count() == 1
