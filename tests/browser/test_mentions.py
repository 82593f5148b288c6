"""Mentions in a real page against the real server (Prosody, or ejabberd with
``--xmpp-server=ejabberd``), with slixmpp occupants: the ``@`` autocomplete driven with the
keyboard (ARIA listbox, the recent speaker first, Escape closes), the sent message carrying the
XEP-0372 reference the peer receives, and a peer's mention of the page's nick (a reference as the
XEP writes it) highlighted in the row and counted in the open rooms list. One page for the module.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, auto_login_page, grab_api, unique_account

REFERENCE = "urn:xmpp:reference:0"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice, keepalive=False,
                             show_controlbox_by_default=True)
    grab_api(handle)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def room(page: ClientPage, prosody: Any, bot: Any) -> dict[str, Any]:
    """A room alice (the page) is in with the slixmpp occupants bob and carol; carol spoke last."""
    jid = f"mention-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    page.js(f"window.capi.rooms.open({json.dumps(jid)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')(window.capi.rooms.get({json.dumps(jid)}))",
                  timeout=BOOT_TIMEOUT_MS)
    peers = {}
    for nick in ("bob", "carol"):
        peer = bot(unique_account(prosody, nick))
        peer.send_raw(f"<presence to='{jid}/{nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        peer.wait_for_presence(lambda frm, kind, *_, nick=nick: frm == f"{jid}/{nick}" and kind == "available")
        peers[nick] = peer
    peers["carol"].send_message(jid, "carol was here", mtype="groupchat")
    section = f'#conversejs section.cpy-chatroom[data-jid="{jid}"]'
    page.page.wait_for_selector(f'{section} li.cpy-msg .cpy-body:text-is("carol was here")')
    return {"jid": jid, "section": section, **peers}


def options(page: ClientPage, section: str) -> list[str]:
    return page.js(f"""Array.from(document.querySelectorAll({json.dumps(section + ' [data-role="mention-complete"] [role="option"]')}))
        .map(o => o.querySelector('.cpy-nick').textContent + (o.getAttribute('aria-selected') === 'true' ? '*' : ''))""")


def test_the_at_autocomplete_works_with_the_keyboard_and_the_peer_receives_the_reference(
        page: ClientPage, room: dict[str, Any]) -> None:
    section, jid = room["section"], room["jid"]
    textarea = page.page.locator(f"{section} form.cpy-compose textarea")
    textarea.click()
    page.page.keyboard.type("hi @")
    page.page.wait_for_selector(f'{section} [data-role="mention-complete"][role="listbox"]')
    assert options(page, section) == ["carol*", "bob"]  # the recent speaker first, never the user
    assert textarea.get_attribute("aria-activedescendant") == textarea.get_attribute("aria-controls") + "-0"
    page.page.keyboard.press("ArrowDown")
    assert options(page, section) == ["carol", "bob*"]
    assert textarea.get_attribute("aria-activedescendant") == textarea.get_attribute("aria-controls") + "-1"
    page.page.keyboard.press("Enter")  # inserts; does not send
    assert textarea.input_value() == "hi @bob "
    assert page.page.locator(f'{section} [data-role="mention-complete"]').count() == 0
    page.page.keyboard.type("and @ca")
    page.page.wait_for_selector(f'{section} [data-role="mention-complete"] [role="option"]')
    assert options(page, section) == ["carol*"]
    page.page.keyboard.press("Escape")
    assert page.page.locator(f'{section} [data-role="mention-complete"]').count() == 0
    page.page.keyboard.type("rol")
    page.page.wait_for_selector(f'{section} [data-role="mention-complete"] [role="option"]')
    page.page.keyboard.press("Tab")
    assert textarea.input_value() == "hi @bob and @carol "
    after = len(room["bob"].stanzas)
    page.page.keyboard.type("👋")
    textarea.press("Enter")
    stanza = room["bob"].wait_for_stanza(lambda s: s.findtext("{jabber:client}body") == "hi @bob and @carol 👋",
                                         after=after)
    refs = [(r.get("type"), r.get("begin"), r.get("end"), r.get("uri"))
            for r in stanza.findall(f"{{{REFERENCE}}}reference")]
    assert refs == [("mention", "4", "7", f"xmpp:{jid}/bob"), ("mention", "13", "18", f"xmpp:{jid}/carol")]


def test_a_peers_mention_of_the_pages_nick_is_highlighted_and_counted_in_the_open_rooms_list(
        page: ClientPage, room: dict[str, Any]) -> None:
    section, jid = room["section"], room["jid"]
    page.page.locator(f'{section} header button[data-action="minimize-room"]').click()
    open_row = f'#conversejs li.cpy-open-room[data-jid="{jid}"]'
    # XEP-0372 as written: a mention reference to alice's occupant JID; her nick in a body with a
    # reference to someone else is not a mention of her; a hostile reference is ignored.
    room["bob"].send_raw(f"<message to='{jid}' type='groupchat' id='m1'><body>look here, boss</body>"
                         f"<reference xmlns='{REFERENCE}' type='mention' begin='11' end='15' uri='xmpp:{jid}/alice'/>"
                         "</message>")
    room["bob"].send_raw(f"<message to='{jid}' type='groupchat' id='m2'><body>alice asked carol</body>"
                         f"<reference xmlns='{REFERENCE}' type='mention' begin='12' end='17' uri='xmpp:{jid}/carol'/>"
                         f"<reference xmlns='{REFERENCE}' type='mention' begin='0' end='999' uri='xmpp:{jid}/alice'/>"
                         "</message>")
    room["carol"].send_raw(f"<message to='{jid}' type='groupchat' id='m3'><body>&lt;b&gt;alice&lt;/b&gt; "
                           "\u202egnirts</body></message>")  # no references: her nick as a word
    page.page.wait_for_selector(f"{open_row} .cpy-mentions:text-is('@2')")
    page.page.locator(f'{open_row} button[data-action="show-room"]').click()
    page.page.wait_for_selector(f'{section} li.cpy-msg[data-id="m3"]')
    assert page.page.locator(f'{section} li.cpy-msg[data-id="m1"]').get_attribute("class").split().count("cpy-mentioned") == 1
    assert page.page.locator(f'{section} li.cpy-msg[data-id="m1"] .cpy-mention-me').inner_text() == "boss"
    assert "cpy-mentioned" not in (page.page.locator(f'{section} li.cpy-msg[data-id="m2"]').get_attribute("class") or "")
    assert page.page.locator(f'{section} li.cpy-msg[data-id="m2"] .cpy-mention').inner_text() == "carol"
    m3 = page.page.locator(f'{section} li.cpy-msg[data-id="m3"]')
    assert "cpy-mentioned" in (m3.get_attribute("class") or "")
    assert m3.locator("b").count() == 0 and m3.locator(".cpy-mention-me").inner_text() == "alice"
    assert m3.locator(".cpy-body").inner_text().startswith("<b>alice</b>")
    page.page.wait_for_selector(f"{open_row} .cpy-mentions[hidden]", state="attached")
