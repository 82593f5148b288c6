"""Avatars beside messages (setting ``show_message_avatar``) against the real server (Prosody, or
ejabberd with --xmpp-server=ejabberd). One logged-in page for the module: bob (a slixmpp peer,
alice's contact) sends two messages in a row: the first row shows his initial, the second none;
he then publishes a XEP-0084 avatar with the XEP's own stanzas and the row's avatar becomes his
picture; alice's own group starts with hers; in a room, an occupant's message shows the nick's
initial on the nick's XEP-0392 colour; with the setting off, new rows show none; a row an older
archive page continues loses its avatar.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from converse_py.plugins.avatars.colors import css_color

from .support import BOOT_TIMEOUT_MS, ClientPage, unique_account
from .test_avatars import World, alice_and_bob, img_loaded, png, publish_avatar_data


@pytest.fixture(scope="module")
def world(browser: Any, web_server: Any, prosody: Any, bot: Any) -> Iterator[World]:
    yield from alice_and_bob(browser, web_server, prosody, bot)


def avatars_of(page: ClientPage, section: str) -> list[dict[str, Any]]:
    """Each message row of ``section``: its id, whether it is a followup, and its avatar (if any)."""
    return page.js("""(section) => Array.from(document.querySelectorAll(section + ' li.cpy-msg')).map(li => {
        const a = li.querySelector(':scope > .cpy-msg-avatar');
        return {id: li.getAttribute('data-id'), followup: li.classList.contains('cpy-followup'),
                avatar: a && {tag: a.tagName, text: a.textContent, for: a.getAttribute('data-avatar-for'),
                              style: a.getAttribute('style') || '', src: a.getAttribute('src') || '',
                              shown: a.getBoundingClientRect().width > 0}};
    })""", section)


def test_a_contacts_group_shows_one_avatar_that_becomes_the_picture_he_publishes(world: World) -> None:
    page, bob = world.page, world.bob
    page.js(f"window.capi.chats.open({json.dumps(bob.jid)})")
    section = f'#conversejs section.cpy-chatbox[data-jid="{bob.jid}"]'
    # The (empty) history is fetched first: bob's messages then arrive live, not with the archive.
    page.wait_for("(jid) => window.capi.chats.get(jid).model.get('archive_complete') === true", arg=bob.jid)
    world.bob_bot.send_message(world.alice.jid, "first of two")
    world.bob_bot.send_message(world.alice.jid, "second of two")
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("first of two")')
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("second of two")')
    rows = avatars_of(page, section)
    assert [r["followup"] for r in rows] == [False, True]
    first, second = rows
    assert first["avatar"] == {"tag": "SPAN", "text": "B", "for": bob.jid, "style": f"background-color: {css_color(bob.jid)}",
                               "src": "", "shown": True}
    assert second["avatar"] is None
    assert page.js(f"document.querySelector({json.dumps(section + ' ol.cpy-messages')}).classList"
                   ".contains('cpy-msg-avatars')")

    # XEP-0084 Examples 1 and 2: data, then metadata; the row already shown is redrawn.
    image = png(32, 32, (200, 40, 90))
    _, metadata = publish_avatar_data(world.bob_bot, image, 32)
    row_avatar = f'{section} li.cpy-msg[data-id="{first["id"]}"] > .cpy-msg-avatar'
    for attempt in range(4):
        # ejabberd notifies only once it has our caps (+notify) from its disco#info query, which
        # may still be under way (see test_avatars.py): the same metadata is published again.
        world.bob_bot.send_raw(f"<iq type='set' id='pub-meta{attempt}'>{metadata}</iq>")
        assert 'type="result"' in world.bob_bot.wait_for_iq_result(f"pub-meta{attempt}")
        try:
            img_loaded(page, row_avatar, timeout=5_000 if attempt < 3 else 20_000)
            break
        except AssertionError:
            if attempt == 3:
                raise
    first, second = avatars_of(page, section)
    assert first["avatar"]["tag"] == "IMG" and first["avatar"]["src"].startswith("data:image/png;base64,")
    assert base64.b64decode(first["avatar"]["src"].split(",", 1)[1]) == image
    assert second["avatar"] is None

    # alice's own group starts with her (default) avatar; her second message follows it.
    textarea = page.page.locator(f"{section} form.cpy-compose textarea")
    for body in ("mine one", "mine two"):
        textarea.fill(body)
        textarea.press("Enter")
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("mine two")')
    mine = avatars_of(page, section)[2:]
    assert [r["followup"] for r in mine] == [False, True]
    assert mine[0]["avatar"]["for"] == world.alice.jid and mine[0]["avatar"]["text"] == "A"
    assert mine[1]["avatar"] is None
    # Rows do not overlap: the avatar sits in the row's indent, left of the time.
    boxes = page.js(f"""(() => {{ const li = document.querySelector({json.dumps(row_avatar)}).parentElement;
        const a = li.querySelector('.cpy-msg-avatar').getBoundingClientRect();
        const t = li.querySelector('time').getBoundingClientRect(); const r = li.getBoundingClientRect();
        return [a.right <= t.left + 0.5, a.bottom <= r.bottom + 0.5, a.left >= r.left - 0.5]; }})()""")
    assert boxes == [True, True, True]
    # Right to left (Arabic, Hebrew): the avatar sits at the row's right, the time left of it.
    root = "document.querySelector('#conversejs')"
    before = page.js(f"{root}.getAttribute('dir')")
    page.js(f"{root}.setAttribute('dir', 'rtl')")
    try:
        sides = page.js(f"""(() => {{ const li = document.querySelector({json.dumps(row_avatar)}).parentElement;
            const a = li.querySelector('.cpy-msg-avatar').getBoundingClientRect();
            const t = li.querySelector('time').getBoundingClientRect(); const r = li.getBoundingClientRect();
            return [Math.abs(a.right - r.right) < 1, t.right <= a.left + 0.5]; }})()""")
        assert sides == [True, True]
    finally:
        page.js(f"{root}.removeAttribute('dir')" if before is None else f"{root}.setAttribute('dir', {json.dumps(before)})")


def test_a_room_occupants_message_shows_the_nicks_initial_and_the_setting_off_shows_none(
        world: World, bot: Any) -> None:
    page = world.page
    jid = f"avatars-{uuid.uuid4().hex[:8]}@{world.server.muc_domain}"
    page.js(f"window.capi.rooms.open({json.dumps(jid)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')(window.capi.rooms.get({json.dumps(jid)}))",
                  timeout=BOOT_TIMEOUT_MS)
    carol = unique_account(world.server, "carol")
    peer = bot(carol)
    peer.send_raw(f"<presence to='{jid}/zoe'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    peer.wait_for_presence(lambda frm, kind, *_: frm == f"{jid}/zoe" and kind == "available")
    peer.send_message(jid, "hello <b>room</b>", mtype="groupchat")
    section = f'#conversejs section.cpy-chatroom[data-jid="{jid}"]'
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("hello <b>room</b>")')
    row = next(r for r in avatars_of(page, section) if r["avatar"] and r["avatar"]["text"] == "Z")
    # alice owns the room, so it discloses carol's real JID to her; else the occupant JID.
    assert row["avatar"]["for"] in (carol.jid, f"{jid}/zoe")
    assert row["avatar"]["style"] == f"background-color: {css_color('zoe')}" and row["avatar"]["shown"]

    page.js("window.capi.settings.set('show_message_avatar', false)")
    try:
        peer.send_message(jid, "/me leaves no avatar", mtype="groupchat")  # an action: a group start
        page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("leaves no avatar")')
        last = avatars_of(page, section)[-1]
        assert last["avatar"] is None and not last["followup"]
        assert not page.js(f"document.querySelector({json.dumps(section + ' ol.cpy-messages')}).classList"
                           ".contains('cpy-msg-avatars')")
        # The rows shown before hide theirs (no indent to hold them).
        assert not any(r["avatar"]["shown"] for r in avatars_of(page, section) if r["avatar"])
    finally:
        page.js("window.capi.settings.set('show_message_avatar', true)")


def test_a_row_an_older_archive_page_continues_loses_its_avatar(world: World, bot: Any) -> None:
    """dave's first message reaches alice's other client only (a XEP-0280 private message: the page
    gets no copy; the server archives it); his second reaches the page, which then loads the archive
    page before it: the second row continues the first one's group and shows no avatar."""
    page = world.page
    other = bot(world.alice, resource="other")
    dave = unique_account(world.server, "dave")
    dave_bot = bot(dave)
    dave_bot.send_raw(f"<message to='{world.alice.jid}/other' type='chat' id='early'><body>archived first</body>"
                      "<private xmlns='urn:xmpp:carbons:2'/><no-copy xmlns='urn:xmpp:hints'/></message>")
    other.wait_for_message("archived first")
    dave_bot.send_message(world.alice.jid, "live second")
    section = f'#conversejs section.cpy-chatbox[data-jid="{dave.jid}"]'
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("archived first")', timeout=20_000)
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("live second")')
    rows = avatars_of(page, section)
    assert [(r["followup"], r["avatar"] is not None) for r in rows] == [(False, True), (True, False)]
    assert rows[0]["avatar"]["for"] == dave.jid and rows[0]["avatar"]["text"] == "D"
    other.stop()
