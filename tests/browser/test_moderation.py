"""Room moderation in a real page against Prosody or ejabberd, with slixmpp occupants: the page
(the room's owner) mutes, gives voice and bans by slash command, kicks from the occupant list's
menu, and the peers see it; a
non-moderator's commands are refused before anything is sent; a moderation stanza from an
occupant (not the room) changes nothing; XEP-0425 moderation where the server offers it.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from html import escape
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

SERVICE = "conference.localhost"
MUC_USER = "{http://jabber.org/protocol/muc#user}"


def new_room(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@{SERVICE}"


def box(jid: str) -> str:
    return f'#conversejs section.cpy-chatroom[data-jid="{jid}"]'


def join(bot: Any, room: str, nick: str) -> None:
    bot.send_raw(f"<presence to='{room}/{escape(nick, quote=True)}'><x xmlns='http://jabber.org/protocol/muc'/>"
                 "</presence>")
    bot.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/{nick}" and kind == "available")


def own_presence(bot: Any, room: str, nick: str, predicate: Any, after: int = 0) -> ET.Element:
    """Wait for the room's presence about ``nick`` (from index ``after`` on) that ``predicate(element)`` accepts."""
    def probe() -> ET.Element | None:
        for xml in bot.presence_stanzas[after:]:
            element = ET.fromstring(xml)
            if element.get("from") == f"{room}/{nick}" and predicate(element):
                return element
        return None
    found = bot._wait(probe, 10.0)
    assert found is not None, f"no such presence for {nick}: {bot.presence_stanzas[-3:]}"
    return found


def role_of(element: ET.Element) -> str:
    item = element.find(f"{MUC_USER}x/{MUC_USER}item")
    return item.get("role") or "" if item is not None else ""


def codes_of(element: ET.Element) -> set[str]:
    return {s.get("code") or "" for s in element.findall(f"{MUC_USER}x/{MUC_USER}status")}


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "keepalive": False, "show_controlbox_by_default": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('grab-api', { initialize() {
        window.capi = this._converse.api;
        window.capi.waitUntil('statusInitialized').then(resolve);
    }}))""")
    yield handle
    handle.close()


def open_room(page: ClientPage, room: str, attrs: dict[str, Any]) -> None:
    """Enter ``room`` as the page's one open room (the earlier tests' rooms are closed first, so
    its box is in view whatever the window's width)."""
    page.js("window.capi.rooms.close()")
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {json.dumps(attrs)})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')"
                  f"(window.capi.rooms.get({json.dumps(room)}))", timeout=15_000)


def type_in(page: ClientPage, room: str, text: str) -> None:
    page.page.fill(f"{box(room)} textarea", text)
    page.page.press(f"{box(room)} textarea", "Enter")


def wait_info(page: ClientPage, room: str, text: str) -> None:
    page.page.wait_for_selector(f"{box(room)} li.cpy-info:has-text({json.dumps(text)})", timeout=10_000)


def test_the_owner_mutes_voices_kicks_and_bans_by_command_and_the_peers_see_it(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("modroom")
    open_room(page, room, {"nick": "alice", "auto_configure": True, "roomconfig": {"moderatedroom": True}})
    bob_account, carol_account = unique_account(prosody, "bob"), unique_account(prosody, "carol")
    bob, carol = bot(bob_account), bot(carol_account)
    join(bob, room, "bob")
    join(carol, room, "carol")
    page.page.wait_for_selector(f'{box(room)} li.cpy-occupant[data-nick="carol"]')

    # a new occupant of a moderated room may come in as a visitor (Prosody) or a participant
    # (ejabberd): give bob voice first, so that the mute below is a change on both servers
    type_in(page, room, "/voice bob")
    own_presence(bob, room, "bob", lambda e: role_of(e) == "participant")

    mark = len(bob.presence_stanzas)
    type_in(page, room, "/mute bob")
    own_presence(bob, room, "bob", lambda e: role_of(e) == "visitor", after=mark)
    wait_info(page, room, "bob was muted")
    # bob's next message is refused by the room
    errors = len(bob.stanzas)
    bob.send_message(room, "can I speak?", mtype="groupchat")
    bob.wait_for_stanza(lambda e: e.get("type") == "error" and e.get("from") == room, after=errors)

    mark = len(bob.presence_stanzas)
    type_in(page, room, "/voice bob")
    own_presence(bob, room, "bob", lambda e: role_of(e) == "participant", after=mark)
    wait_info(page, room, "bob can speak now")
    bob.send_message(room, "thanks", mtype="groupchat")
    page.page.wait_for_selector(f"{box(room)} li.cpy-msg .cpy-body:text-is('thanks')")
    assert page.page.locator(f"{box(room)} li.cpy-msg .cpy-body:text-is('can I speak?')").count() == 0

    # the kick from bob's menu in the occupant list, confirmed with a reason
    menu = f'{box(room)} li.cpy-occupant[data-nick="bob"] details.cpy-occupant-menu'
    page.page.click(f"{menu} summary")
    names = page.page.locator(f"{menu} button").evaluate_all("els => els.map(e => e.dataset.name)")
    assert "kick" in names and "ban" in names and "deop" not in names and "voice" not in names
    page.page.click(f'{menu} button[data-name="kick"]')
    confirm = f'{box(room)} li.cpy-occupant[data-nick="bob"] form.cpy-occupant-confirm'
    page.page.fill(f"{confirm} input", "enough")
    page.page.click(f'{confirm} button[type="submit"]')
    kicked = own_presence(bob, room, "bob", lambda e: e.get("type") == "unavailable", after=mark)
    assert "307" in codes_of(kicked)
    wait_info(page, room, "bob was kicked: enough")
    page.page.wait_for_selector(f'{box(room)} li.cpy-occupant[data-nick="bob"]', state="detached")

    # the ban goes to carol's real JID (the room tells its owner)
    type_in(page, room, "/ban carol spam")
    banned = own_presence(carol, room, "carol", lambda e: e.get("type") == "unavailable")
    assert "301" in codes_of(banned)
    wait_info(page, room, "carol was banned")
    outcasts = page.js(f"window.capi.rooms.get({json.dumps(room)}).model.getAffiliationList('outcast')"
                       ".then(list => list.map(i => i.jid))")
    assert carol_account.jid in outcasts
    # carol cannot come back
    carol.send_raw(f"<presence to='{room}/carol'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    own_presence(carol, room, "carol", lambda e: e.get("type") == "error")


def test_a_participants_commands_are_refused_and_an_occupants_moderation_is_ignored(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("notmine")
    dave = bot(unique_account(prosody, "dave"))
    join(dave, room, "dave")  # dave made the room: its owner
    open_room(page, room, {"nick": "alice"})
    page.page.wait_for_selector(f'{box(room)} li.cpy-occupant[data-nick="dave"]')
    before = len(dave.presences)
    for command, refusal in (("/kick dave", "You need to be a moderator to kick."),
                             ("/ban dave", "You need to be an admin or owner of the room to ban."),
                             ("/op alice", "You need to be an admin or owner of the room to make moderators.")):
        type_in(page, room, command)
        wait_info(page, room, refusal)
    dave.send_message(room, "original words", mtype="groupchat")
    row = f"{box(room)} li.cpy-msg:has(.cpy-body:text-is('original words'))"
    page.page.wait_for_selector(row)
    reflected = dave.wait_for_stanza(lambda e: e.findtext("{jabber:client}body") == "original words")
    stanza_id = next((e.get("id") for e in reflected.findall("{urn:xmpp:sid:0}stanza-id") if e.get("by") == room), "")
    assert stanza_id
    # dave (an occupant, not the room) claims a moderation of his own message: the room relays it
    # from room/dave, and it changes nothing
    dave.send_raw(f"<message to='{room}' type='groupchat' id='fake-1'><retract id='{stanza_id}' "
                  f"xmlns='urn:xmpp:message-retract:1'><moderated by='{room}/dave' "
                  "xmlns='urn:xmpp:message-moderate:1'/><reason>fake</reason></retract>"
                  "<body>fallback</body></message>")
    dave.send_message(room, "after", mtype="groupchat")
    page.page.wait_for_selector(f"{box(room)} li.cpy-msg .cpy-body:text-is('after')")
    assert page.page.locator(f"{row} .cpy-body").inner_text() == "original words"
    assert page.page.locator(f"{box(room)} .cpy-moderated").count() == 0
    # no occupant menu and no "Remove for everyone" action for a participant (the row's other
    # actions show: its action bar was made)
    assert page.page.locator(f"{box(room)} .cpy-occupant-menu").count() == 0
    page.page.hover(row)
    page.page.wait_for_selector(f'{row} .cpy-msg-actions [data-name="copy"]')
    assert page.page.locator(f'{box(room)} [data-name="moderate"]').count() == 0
    assert len(dave.presences) == before  # nothing was done to dave


def test_a_moderator_removes_a_message_for_everyone_where_the_room_offers_it(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("xep425")
    open_room(page, room, {"nick": "alice"})
    page.wait_for(f"window.capi.rooms.get({json.dumps(room)}).model.get('features').length > 0", timeout=10_000)
    features = page.js(f"window.capi.rooms.get({json.dumps(room)}).model.get('features')")
    if not any(f.startswith("urn:xmpp:message-moderate:") for f in features):
        pytest.skip(f"{type(prosody).__name__} here does not offer XEP-0425 in rooms (ejabberd 23.01 predates "
                    "XEP-0425; Prosody 0.12 offers it with mod_muc_moderation from Debian's prosody-modules)")
    erin = bot(unique_account(prosody, "erin"))
    join(erin, room, "erin")
    erin.send_message(room, "buy potions", mtype="groupchat")
    row = f"{box(room)} li.cpy-msg:has(.cpy-body:text-is('buy potions'))"
    page.page.wait_for_selector(row)
    page.page.hover(row)
    page.page.click(f'{row} [data-name="moderate"]')
    page.page.click(f'{box(room)} [data-name="moderate-confirm"]')
    page.page.wait_for_selector(f"{box(room)} .cpy-moderated:has-text('Message removed by alice')")
    erin.wait_for_stanza(lambda e: e.get("from") == room and any("message-moderate" in c.tag for c in e.iter()))
