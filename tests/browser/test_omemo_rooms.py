"""OMEMO 0.3 in a members-only, non-anonymous room, in a real page against the real server: alice
(converse-py in Chromium) creates the room and makes bob, a slixmpp-omemo 2.2.0 peer with XEP-0045,
a member; what alice types (🔒 on) and sends from the JS API bob decrypts, while the server carried
only the fallback; what bob sends encrypted the page shows in clear; the reflection of alice's own
message is the row she already sees. A room that is not members-only gets no switch. One login.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from slixmpp import JID

from .omemo_bot import OmemoBot
from .support import Account, ClientPage, unique_account
from .test_omemo import FALLBACK, open_api_page, prepare, raw_with

SERVICE = "conference.localhost"


class RoomOmemoBot(OmemoBot):
    """An OmemoBot that enters rooms (slixmpp's XEP-0045, which slixmpp-omemo asks for the real JIDs
    of groupchat senders) and sends encrypted groupchat messages."""

    def join_room(self, room: str, nick: str) -> None:
        async def join() -> None:
            assert self.xmpp is not None
            if "xep_0045" not in self.xmpp.plugin:
                self.xmpp.register_plugin("xep_0045")
            await self.xmpp.plugin["xep_0045"].join_muc_wait(JID(room), nick, maxstanzas=0, timeout=20)
        self._call(join(), timeout=30)

    def send_to_room(self, room: str, members: set[str], text: str) -> None:
        """XEP-0384 0.3.0 §5: a groupchat message encrypted for every device of ``members``."""
        async def send() -> None:
            assert self.xmpp is not None
            plugin = self.xmpp.plugin["xep_0384"]
            msg = self.xmpp.make_message(mto=JID(room), mtype="groupchat")
            msg["body"] = text
            recipients = {JID(member) for member in members}
            await plugin.refresh_device_lists(recipients, force_download=True)
            encrypted, errors = await plugin.encrypt_message(msg, recipients)
            if encrypted is None:
                raise RuntimeError(f"slixmpp-omemo could not encrypt: {errors!r}")
            encrypted.send()
        self._call(send(), timeout=60)


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    yield from open_api_page(browser, web_server, prosody, alice)


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Iterator[RoomOmemoBot]:
    account = unique_account(prosody, "bob")
    peer = RoomOmemoBot(account.jid, account.password, "127.0.0.1", prosody.c2s_port, "omemo")
    peer.start()
    peer.start_omemo()
    yield peer
    peer.stop()


def section(room: str) -> str:
    return f'section.cpy-chatroom[data-jid="{room}"]'


def room_rows(page: ClientPage, room: str) -> list[dict[str, Any]]:
    return page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg')).map(li => ({
        body: li.querySelector('.cpy-body')?.textContent, locked: !!li.querySelector('.cpy-omemo-lock'),
        text: li.textContent}))""", section(room))


def wait_row(page: ClientPage, room: str, text: str) -> None:
    page.wait_for("([sel, text]) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))"
                  ".some(e => e.textContent === text)", arg=[section(room), text], timeout=30_000)


def open_room(page: ClientPage, room: str, roomconfig: dict[str, Any] | None) -> None:
    """The page opens (and creates) ``room``, configured with ``roomconfig``, and waits until its
    disco#info features are known."""
    attrs: dict[str, Any] = {"nick": "alice"}
    if roomconfig is not None:
        attrs.update({"auto_configure": True, "roomconfig": roomconfig})
    page.js("([jid, attrs]) => window.cpyApi.rooms.open(jid, attrs, true)", [room, attrs])
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered' && "
                  f"(r.model.get('features') || []).length > 0)(window.cpyApi.rooms.get({json.dumps(room)}))",
                  timeout=30_000)


@pytest.fixture(scope="module")
def room(page: ClientPage, bob: RoomOmemoBot) -> str:
    """A members-only, non-anonymous room alice owns, with bob as a member in it."""
    jid = f"secret-{uuid.uuid4().hex[:8]}@{SERVICE}"
    open_room(page, jid, {"membersonly": True, "whois": "anyone", "persistentroom": True})
    page.wait_for(f"(r => ['muc_membersonly', 'muc_nonanonymous'].every(f => r.model.get('features').includes(f)))"
                  f"(window.cpyApi.rooms.get({json.dumps(jid)}))", timeout=30_000)
    page.js("async ([room, bob]) => await window.cpyApi.rooms.get(room).model.setAffiliation(bob, 'member')",
            [jid, bob.jid.split("/")[0]])
    bob.join_room(jid, "bob")
    page.page.wait_for_selector(f'{section(jid)} li.cpy-occupant[data-nick="bob"]', state="attached", timeout=15_000)
    return jid


def test_the_user_turns_omemo_on_in_a_members_only_room_and_the_member_decrypts_what_they_type(
        page: ClientPage, room: str, bob: RoomOmemoBot) -> None:
    button = f'{section(room)} [data-role=toolbar] button[data-name="omemo"]'
    page.page.wait_for_selector(button)
    assert "🔓" in page.page.inner_text(button)
    page.page.click(button)
    page.page.wait_for_function("(sel) => document.querySelector(sel)?.textContent.includes('🔒')", arg=button)
    text = "the meeting moved to Thursday ✓"
    composer = f"{section(room)} textarea[name=body]"
    page.page.fill(composer, text)
    page.page.press(composer, "Enter")
    assert bob.wait_for_plaintext(text, timeout=60) == text, bob.decrypt_errors
    carried = raw_with(bob, lambda xml: "groupchat" in xml and "eu.siacs.conversations.axolotl" in xml)
    assert carried and all(text not in xml for xml in carried)  # the server carried the fallback only
    assert any(FALLBACK in xml for xml in carried)
    wait_row(page, room, text)
    page.page.wait_for_timeout(500)  # the room's reflection of it has arrived by now
    rows = room_rows(page, room)
    mine = [r for r in rows if r["body"] == text]
    assert len(mine) == 1 and mine[0]["locked"], rows  # the reflection is the same row
    assert not any(r["body"] == FALLBACK or "could not" in r["text"] for r in rows), rows


def test_the_js_api_sends_encrypted_to_the_room_and_the_members_message_is_shown_decrypted(
        page: ClientPage, room: str, bob: RoomOmemoBot, alice: Account) -> None:
    page.js("""async (jid) => { const room = window.cpyApi.rooms.get(jid);
        room.model.set('omemo_active', true); room.model.sendMessage('sent from JS'); }""", room)
    assert bob.wait_for_plaintext("sent from JS", timeout=60) == "sent from JS", bob.decrypt_errors
    assert not raw_with(bob, lambda xml: "sent from JS" in xml)
    bob.send_to_room(room, {alice.jid}, "bob's encrypted answer 🌙")
    wait_row(page, room, "bob's encrypted answer 🌙")
    rows = room_rows(page, room)
    assert [r["locked"] for r in rows if r["body"] == "bob's encrypted answer 🌙"] == [True]
    assert not any(r["body"] == FALLBACK for r in rows)


def test_a_room_that_is_not_members_only_offers_no_switch(page: ClientPage) -> None:
    jid = f"open-{uuid.uuid4().hex[:8]}@{SERVICE}"
    open_room(page, jid, None)
    features = page.js(f"window.cpyApi.rooms.get({json.dumps(jid)}).model.get('features')")
    assert "muc_membersonly" not in features
    page.page.wait_for_selector(f'{section(jid)} [data-role=toolbar]', state="attached")
    assert page.page.locator(f'{section(jid)} [data-role=toolbar] button[data-name="omemo"]').count() == 0


def test_after_a_reload_the_rooms_history_shows_the_kept_texts_never_the_fallback(
        page: ClientPage, room: str) -> None:
    page.page.reload()
    prepare(page)
    restored = page.js(f"!!window.cpyApi.rooms.get({json.dumps(room)})")
    if not restored:
        page.js("(jid) => window.cpyApi.rooms.open(jid, {nick: 'alice'}, true)", room)
    # the room's history (on entering) and archive hold only the fallback and <encrypted/>: the
    # texts kept when they were read or sent here are shown
    for text in ("the meeting moved to Thursday ✓", "sent from JS", "bob's encrypted answer 🌙"):
        wait_row(page, room, text)
    page.page.wait_for_timeout(500)
    rows = room_rows(page, room)
    assert all(r["locked"] for r in rows if r["body"] in ("sent from JS", "bob's encrypted answer 🌙")), rows
    assert not any(r["body"] == FALLBACK or "could not" in r["text"] or "cannot" in r["text"] for r in rows), rows
