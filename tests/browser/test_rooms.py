"""Multi-user chat in a real page against Prosody's MUC component (conference.localhost), with
slixmpp bots as the other occupants. One page (alice) is shared by the module; each test uses
its own rooms.
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


def new_room(prefix: str = "room") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@{SERVICE}"


def box(jid: str) -> str:
    return f'#conversejs section.cpy-chatroom[data-jid="{jid}"]'


def join(bot: Any, room: str, nick: str) -> None:
    """A bot enters ``room`` and waits for its own presence back."""
    bot.send_raw(f"<presence to='{room}/{escape(nick, quote=True)}'>"
                 "<x xmlns='http://jabber.org/protocol/muc'/></presence>")
    bot.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/{nick}" and kind == "available")


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
        window.out.events = [];
        for (const name of ['roomOpened', 'roomEntered', 'enteredNewRoom', 'roomError', 'leaveRoom', 'roomInvite']) {
            window.capi.listen.on(name, (arg) => window.out.events.push(
                [name, arg && typeof arg.model === 'object' ? arg.model.get('jid') : arg]));
        }
        window.capi.waitUntil('statusInitialized').then(resolve);
    }}))""")
    yield handle
    handle.close()


def room_attr(page: ClientPage, room: str, attr: str) -> Any:
    return page.js(f"(window.capi.rooms.get({json.dumps(room)}) || {{model: {{get: () => null}}}}).model.get("
                   f"{json.dumps(attr)})")


def wait_entered(page: ClientPage, room: str) -> None:
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')"
                  f"(window.capi.rooms.get({json.dumps(room)}))", timeout=15_000)


def test_seed_auto_configure_example_configures_the_new_room(page: ClientPage, alice: Account, bot: Any) -> None:
    room = new_room("myroom")
    page.js(f"""() => converse.plugins.add('seed-roomconfig-{uuid.uuid4().hex[:8]}', {{ initialize: function () {{
        this._converse.api.rooms.open(
            {json.dumps(room)},
            {{ 'nick': 'coolguy69',
              'auto_configure': true,
              'roomconfig': {{
                  'changesubject': false,
                  'membersonly': true,
                  'persistentroom': true,
                  'publicroom': true,
                  'roomdesc': 'Comfy room for hanging out',
                  'whois': 'anyone'
              }}
            }},
            true
        );
    }} }})""")
    wait_entered(page, room)
    assert ["enteredNewRoom", room] in page.js("window.out.events")
    # Alice's second resource (same bare JID: an owner) reads the configuration back.
    owner = bot(alice, "owner-check")
    fields: dict[str, list[str]] = {}
    for _ in range(20):  # the form is submitted just after entering
        owner.send_raw(f"<iq type='get' id='cfg-{_}' to='{room}'>"
                       "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>")
        form = owner.wait_for_iq_result(f"cfg-{_}")
        fields = {f.get("var") or "": [v.text or "" for v in f.findall("{jabber:x:data}value")]
                  for f in ET.fromstring(form).iter("{jabber:x:data}field")}
        if fields.get("muc#roomconfig_roomdesc") == ["Comfy room for hanging out"]:
            break
        page.page.wait_for_timeout(100)
    assert fields["muc#roomconfig_changesubject"] in ([], ["0"], ["false"])  # Prosody omits false values
    assert fields["muc#roomconfig_membersonly"] in (["1"], ["true"])
    assert fields["muc#roomconfig_persistentroom"] in (["1"], ["true"])
    assert fields["muc#roomconfig_publicroom"] in (["1"], ["true"])
    assert fields["muc#roomconfig_roomdesc"] == ["Comfy room for hanging out"]
    assert fields["muc#roomconfig_whois"] == ["anyone"]
    assert room_attr(page, room, "nick") == "coolguy69"


def test_occupants_chat_and_the_dom_follows(page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("chat")
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    wait_entered(page, room)
    bob, carol = bot(unique_account(prosody, "bob")), bot(unique_account(prosody, "carol"))
    join(bob, room, "bob")
    join(carol, room, "carol <3")
    page.page.wait_for_selector(f'{box(room)} li.cpy-occupant[data-nick="carol <3"]')
    nicks = page.page.locator(f"{box(room)} li.cpy-occupant .cpy-nick").all_inner_texts()
    assert sorted(nicks) == ["alice", "bob", "carol <3"]
    # alice is the room's creator: owner and moderator, listed first.
    assert page.page.locator(f"{box(room)} li.cpy-occupant").first.get_attribute("data-nick") == "alice"
    bob.send_message(room, "<b>hello</b> room", mtype="groupchat")
    carol.send_message(room, "second", mtype="groupchat")
    page.wait_for(f"document.querySelectorAll({json.dumps(box(room) + ' li.cpy-msg')}).length === 2")
    bodies = page.page.locator(f"{box(room)} li.cpy-msg .cpy-body").all_text_contents()
    assert sorted(bodies) == ["<b>hello</b> room", "second"]  # two senders: either may arrive first
    assert page.page.locator(f"{box(room)} li.cpy-msg b").count() == 0
    # alice replies through the composer: both bots get it; her box shows it once.
    page.page.fill(f"{box(room)} textarea", "hi both")
    page.page.press(f"{box(room)} textarea", "Enter")
    bob.wait_for_message(lambda frm, body: frm == f"{room}/alice" and body == "hi both")
    carol.wait_for_message(lambda frm, body: frm == f"{room}/alice" and body == "hi both")
    page.page.wait_for_timeout(300)  # let the reflection arrive
    assert page.page.locator(f"{box(room)} li.cpy-msg .cpy-body").all_text_contents() == bodies + ["hi both"]
    # Someone leaves: the occupant list follows.
    carol.send_raw(f"<presence to='{room}/carol &lt;3' type='unavailable'/>")
    page.page.wait_for_selector(f'{box(room)} li.cpy-occupant[data-nick="carol <3"]', state="detached")


def test_subject_is_shown_and_can_be_changed(page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("subject")
    page.js(f"window.capi.rooms.open({json.dumps(room)})")
    wait_entered(page, room)
    page.page.click(f"{box(room)} details.cpy-room-tools summary")
    page.page.fill(f'{box(room)} form[data-action="set-subject"] input', "Fire & <cauldron>")
    page.page.click(f'{box(room)} form[data-action="set-subject"] button')
    page.page.wait_for_selector(f'{box(room)} [data-role="subject"]:not([hidden])')
    assert page.page.inner_text(f'{box(room)} [data-role="subject"]') == "Fire & <cauldron>"
    assert room_attr(page, room, "subject") == "Fire & <cauldron>"


def test_nickname_conflict_is_retried_with_a_suffix(page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("conflict")
    squatter = bot(unique_account(prosody, "squatter"))
    join(squatter, room, "alice")
    page.js(f"window.capi.rooms.open({json.dumps(room)}, 'alice')")  # the pre-1.0.7 string form
    wait_entered(page, room)
    assert room_attr(page, room, "nick") == "alice-2"


def test_invitation_notice_joins_the_room(page: ClientPage, prosody: Any, bot: Any, alice: Account) -> None:
    room = new_room("invite")
    host = bot(unique_account(prosody, "host"))
    join(host, room, "host")
    host.send_raw(f"<message to='{alice.jid}'><x xmlns='jabber:x:conference' jid='{room}' reason='come &amp; see'/>"
                  "</message>")
    notice = f'#conversejs li.cpy-invitation[data-jid="{room}"]'
    page.page.wait_for_selector(notice, timeout=10_000)
    assert "come & see" in page.page.inner_text(notice)
    page.page.click(f'{notice} [data-action="accept-invite"]')
    wait_entered(page, room)
    host.wait_for_presence(lambda frm, kind, *_: frm.startswith(f"{room}/") and not frm.endswith("/host")
                           and kind == "available")


def test_join_form_and_public_room_listing(page: ClientPage) -> None:
    room = new_room("listed")
    page.page.click("#conversejs details.cpy-rooms summary")
    page.page.fill("#cpy-room-name", room.split("@")[0])
    assert page.page.input_value("#cpy-room-server") == SERVICE
    page.page.click('#conversejs form[data-action="join-room"] button[type="submit"]')
    wait_entered(page, room)
    page.page.click('#conversejs [data-action="list-rooms"]')
    page.page.wait_for_selector(f'#conversejs [data-role="room-list"] [data-jid="{room}"]', timeout=10_000)


def test_close_one_several_and_all(page: ClientPage, prosody: Any, bot: Any) -> None:
    rooms = [new_room("close") for _ in range(4)]
    watcher = bot(unique_account(prosody, "watcher"))
    for room in rooms:
        page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    for room in rooms:
        wait_entered(page, room)
        join(watcher, room, "watcher")

    def left(room: str) -> None:
        watcher.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/alice" and kind == "unavailable")
        page.page.wait_for_selector(box(room), state="hidden")
        assert room_attr(page, room, "connection_status") == "left"

    page.js("""(jids) => converse.plugins.add('seed-close-' + Math.random(), { initialize: function () {
        this._converse.api.rooms.close(jids[0]);
        this._converse.api.rooms.close([jids[1], jids[2]]);
    } })""", rooms)
    for room in rooms[:3]:
        left(room)
    assert room_attr(page, rooms[3], "connection_status") == "entered"
    page.js("window.capi.rooms.close()")
    left(rooms[3])
    assert page.js("window.capi.rooms.open()") == []
    events = page.js("window.out.events")
    assert all(["leaveRoom", room] in events for room in rooms)


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []


def test_history_comes_from_the_rooms_archive_once_and_in_order(page: ClientPage, prosody: Any, bot: Any) -> None:
    room = new_room("history")
    poet = bot(unique_account(prosody, "poet"))
    join(poet, room, "poet")
    lines = [f"line {n:02d}" for n in range(30)]
    for text in lines:
        poet.send_message(room, text, mtype="groupchat")
    poet.wait_for_message(lambda frm, body: body == lines[-1])  # the room reflected the last one
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'reader'}})")
    wait_entered(page, room)
    # The room's own join history holds 20; the rest comes from its archive (MUC MAM).
    page.wait_for(f"document.querySelectorAll({json.dumps(box(room) + ' li.cpy-msg')}).length >= 30",
                  timeout=15_000)
    page.page.wait_for_timeout(300)
    bodies = page.page.locator(f"{box(room)} li.cpy-msg .cpy-body").all_text_contents()
    assert bodies == lines
    assert "urn:xmpp:mam:2" in room_attr(page, room, "features")


def test_seed_open_snippets_single_array_and_nick(page: ClientPage) -> None:
    one, two, three = new_room("group"), new_room("group1"), new_room("group2")
    page.js(f"""() => converse.plugins.add('seed-open-{uuid.uuid4().hex[:8]}', {{ initialize: function () {{

        this._converse.api.rooms.open({json.dumps(one)})

    }} }})""")
    page.js(f"""() => converse.plugins.add('seed-open-many-{uuid.uuid4().hex[:8]}', {{ initialize: function () {{

        this._converse.api.rooms.open([{json.dumps(two)}, {json.dumps(three)}])

    }} }})""")
    for room in (one, two, three):
        wait_entered(page, room)
    page.js(f"""() => converse.plugins.add('seed-open-nick-{uuid.uuid4().hex[:8]}', {{ initialize: function () {{

        this._converse.api.rooms.open({json.dumps(one)}, {{'nick': 'mycustomnick'}})

    }} }})""")
    # Already in the room: opening it again (with a nick) keeps it entered under the same nick.
    assert room_attr(page, one, "connection_status") == "entered"
    assert room_attr(page, one, "nick") != "mycustomnick"
    got = page.js(f"window.capi.rooms.get([{json.dumps(two)}, {json.dumps(three)}]).map((r) => r.model.get('jid'))")
    assert got == [two, three]
    page.js(f"window.capi.rooms.close([{json.dumps(one)}, {json.dumps(two)}, {json.dumps(three)}])")


def test_a_message_corrected_by_its_sender_changes_its_row_in_place(page: ClientPage, prosody: Any,
                                                                     bot: Any) -> None:
    """XEP-0308 in a room: the sender's correction replaces the text of its row (marked edited);
    another occupant's "correction" of it changes nothing and adds no row."""
    room = new_room("fix")
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    wait_entered(page, room)
    dora, eve = bot(unique_account(prosody, "dora")), bot(unique_account(prosody, "eve"))
    join(dora, room, "dora")
    join(eve, room, "eve")
    dora.send_raw(f"<message to='{room}' type='groupchat' id='d1'><body>teh plan</body></message>")
    page.page.wait_for_selector(f"{box(room)} li.cpy-msg >> text=teh plan")
    eve.send_raw(f"<message to='{room}' type='groupchat' id='e1'><body>hijacked</body>"
                 "<replace xmlns='urn:xmpp:message-correct:0' id='d1'/></message>")
    dora.send_raw(f"<message to='{room}' type='groupchat' id='d2'><body>the plan</body>"
                  "<replace xmlns='urn:xmpp:message-correct:0' id='d1'/></message>")
    eve.send_message(room, "after", mtype="groupchat")
    page.wait_for(f"document.querySelectorAll({json.dumps(box(room) + ' li.cpy-msg')}).length === 2")
    page.page.wait_for_selector(f"{box(room)} li.cpy-msg .cpy-edited")
    assert page.page.locator(f"{box(room)} li.cpy-msg .cpy-body").all_text_contents() == ["the plan", "after"]
    assert page.page.locator(f"{box(room)} li.cpy-msg .cpy-edited").count() == 1
    assert page.page.locator(f"{box(room)} li.cpy-msg").first.locator(".cpy-from").text_content() == "dora"
