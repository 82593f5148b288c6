"""omemo:2 in a members-only, non-anonymous room, in a real page against the real server: alice
(converse-py in Chromium) creates the room and makes romeo a member; romeo is an omemo:2-ONLY peer
(python-omemo's twomemo backend alone, tests/browser/omemo2_bot.py) that enters the room with
slixmpp's XEP-0045 and writes and reads the XEP-0420 envelopes itself (XEP-0384 0.8 §6: ``<to/>``
the room's bare JID, ``<from/>`` the sender's real bare JID). What alice types reaches romeo in an
envelope (the server carries only the fallback); what romeo sends shows decrypted; an envelope
addressed to another room is refused. One login for the module.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from .omemo2_bot import FALLBACK as PEER_FALLBACK, Omemo2Bot, body_element, running_peer
from .support import Account, ClientPage, unique_account
from .test_omemo import FALLBACK, open_api_page
from .test_omemo_rooms import SERVICE, open_room, room_rows, section, wait_row

TWO = "urn:xmpp:omemo:2"
AXOLOTL = "eu.siacs.conversations.axolotl"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    yield from open_api_page(browser, web_server, prosody, alice)


@pytest.fixture(scope="module")
def romeo(prosody: Any) -> Iterator[Omemo2Bot]:
    yield from running_peer(prosody, "romeo")


def bare(bot: Omemo2Bot) -> str:
    return bot.jid.split("/")[0]


@pytest.fixture(scope="module")
def room(page: ClientPage, romeo: Omemo2Bot) -> str:
    """A members-only, non-anonymous room alice owns, with romeo as a member in it."""
    jid = f"verona-{uuid.uuid4().hex[:8]}@{SERVICE}"
    open_room(page, jid, {"membersonly": True, "whois": "anyone", "persistentroom": True})
    page.wait_for(f"(r => ['muc_membersonly', 'muc_nonanonymous'].every(f => r.model.get('features').includes(f)))"
                  f"(window.cpyApi.rooms.get({json.dumps(jid)}))", timeout=30_000)
    page.js("async ([room, who]) => await window.cpyApi.rooms.get(room).model.setAffiliation(who, 'member')",
            [jid, bare(romeo)])
    romeo.join_room(jid, "romeo")
    page.page.wait_for_selector(f'{section(jid)} li.cpy-occupant[data-nick="romeo"]', state="attached", timeout=15_000)
    return jid


def groupchats(bot: Omemo2Bot) -> list[ET.Element]:
    """The omemo:2 groupchat messages the server delivered to the peer, as parsed stanzas."""
    with bot._cond:
        return [ET.fromstring(xml) for xml in bot.stanzas if TWO in xml and "<encrypted" in xml and "groupchat" in xml]


def test_the_user_types_in_the_room_and_the_omemo_2_member_reads_an_envelope_from_the_users_bare_jid(
        page: ClientPage, alice: Account, room: str, romeo: Omemo2Bot) -> None:
    button = f'{section(room)} [data-role=toolbar] button[data-name="omemo"]'
    page.page.wait_for_selector(button)
    page.page.click(button)
    page.page.wait_for_function("(sel) => document.querySelector(sel)?.textContent.includes('🔒')", arg=button)
    text = "two households, both alike in dignity ✓"
    composer = f"{section(room)} textarea[name=body]"
    page.page.fill(composer, text)
    page.page.press(composer, "Enter")
    envelope = romeo.wait_for_envelope(text, timeout=60)
    assert envelope is not None, romeo.decrypt_errors
    assert envelope.sender == alice.jid  # decrypted with the session of alice's real JID
    assert envelope.from_jid == alice.jid and envelope.to_jid == room and envelope.has_rpad
    assert envelope.content_tags() == ["{jabber:client}body"]
    [wire] = [s for s in groupchats(romeo) if s.find(f"{{{TWO}}}encrypted") is not None]
    assert text not in ET.tostring(wire, encoding="unicode")  # the raw stanza: no plaintext
    assert wire.find(f"{{{AXOLOTL}}}encrypted") is None  # romeo has no 0.3 device: omemo:2 only
    assert wire.find("{urn:xmpp:eme:0}encryption").get("namespace") == TWO
    assert wire.findtext("{jabber:client}body") == FALLBACK
    wait_row(page, room, text)
    page.page.wait_for_timeout(500)  # the room's reflection has arrived by now: the same row
    mine = [r for r in room_rows(page, room) if r["body"] == text]
    assert len(mine) == 1 and mine[0]["locked"], room_rows(page, room)


def test_the_omemo_2_members_envelope_shows_decrypted_in_the_room(
        page: ClientPage, alice: Account, room: str, romeo: Omemo2Bot) -> None:
    romeo.send_sce_to_room(room, {alice.jid}, [body_element("from ancient grudge break to new mutiny 🌙")])
    wait_row(page, room, "from ancient grudge break to new mutiny 🌙")
    rows = room_rows(page, room)
    assert [r["locked"] for r in rows if r["body"] == "from ancient grudge break to new mutiny 🌙"] == [True]
    assert not any(r["body"] in (FALLBACK, PEER_FALLBACK) or "could not" in r["text"] for r in rows), rows
    # the page answers on the same ratchet
    page.js("(jid) => window.cpyApi.rooms.get(jid).model.sendMessage('where civil blood')", room)
    answer = romeo.wait_for_envelope("where civil blood", timeout=60)
    assert answer is not None and answer.to_jid == room, romeo.decrypt_errors


def test_an_envelope_addressed_to_another_room_is_refused(
        page: ClientPage, alice: Account, room: str, romeo: Omemo2Bot) -> None:
    romeo.send_sce_to_room(room, {alice.jid}, [body_element("meant for elsewhere")],
                           to_jid=f"elsewhere@{SERVICE}")
    page.wait_for("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))
        .some(e => e.textContent.includes('could not be decrypted'))""", arg=section(room), timeout=30_000)
    assert not any(r["body"] == "meant for elsewhere" for r in room_rows(page, room))
    romeo.send_sce_to_room(room, {alice.jid}, [body_element("the session goes on")])
    wait_row(page, room, "the session goes on")


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
