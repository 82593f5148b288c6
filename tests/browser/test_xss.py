"""Hostile text everywhere the client shows text: 400 payloads (tests/browser/xss_corpus.py) as
message bodies, plus roster names and groups, status messages, vCard names and URLs, room names,
subjects, nicks, room messages and invitation reasons — sent by slixmpp through Prosody. Nothing
runs (alert/canary/navigation traps), no active markup appears, and every payload reads back
as the literal text that was sent."""

from __future__ import annotations

import json
import uuid
from html import escape
from typing import Any

from .support import BOOT_TIMEOUT_MS, open_client_page, unique_account
from .xss_corpus import payloads

TEXT_ONLY = [".cpy-body", ".cpy-name", ".cpy-status-msg", ".cpy-nick", ".cpy-subject", ".cpy-from",
             ".cpy-title > *", "[data-role=room-name]", ".cpy-group-head > *", ".cpy-invitation span"]


def xml_attr(text: str) -> str:
    return escape(text, quote=True)


def test_no_payload_runs_and_every_one_reads_back_as_text(browser: Any, web_server: Any, prosody: Any,
                                                          bot: Any) -> None:
    corpus = payloads()
    assert len(corpus) >= 200
    alice, bob, carol = (unique_account(prosody, n) for n in ("alice", "bob", "carol"))
    room = f"xss-{uuid.uuid4().hex[:8]}@conference.localhost"
    # Alice's roster: bob (mutual subscription, no name: his vCard's hostile FN is shown) and 40
    # example.com contacts named and grouped with payloads.
    setup = bot(alice, "setup")
    bob_bot = bot(bob)
    bob_bot.send_raw("<iq type='set' id='vc'><vCard xmlns='vcard-temp'>"
                     f"<FN>{escape(corpus[0])}</FN><URL>javascript:alert(1)</URL></vCard></iq>")
    bob_bot.wait_for_iq_result("vc")
    setup.send_raw(f"<iq type='set' id='rb'><query xmlns='jabber:iq:roster'><item jid='{bob.jid}'/></query></iq>")
    setup.wait_for_iq_result("rb")
    named = corpus[1:41]
    for index, name in enumerate(named):
        setup.send_raw(f"<iq type='set' id='r{index}'><query xmlns='jabber:iq:roster'>"
                       f"<item jid='x{index}@example.com' name='{xml_attr(name)}'><group>{escape(name[:60])}</group>"
                       "</item></query></iq>")
        setup.wait_for_iq_result(f"r{index}")
    setup.send_presence(pto=bob.jid, ptype="subscribe")
    bob_bot.wait_for_presence(lambda frm, kind, *_: frm.startswith(alice.jid) and kind == "available")
    setup.stop()
    # Carol makes a room whose name, subject and her nick are payloads.
    carol_bot = bot(carol)
    nick = corpus[20]  # "<img src=x onerror=alert(1)>"-style, a valid resourcepart
    carol_bot.send_raw(f"<presence to='{room}/{xml_attr(nick)}'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    carol_bot.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/{nick}")
    carol_bot.send_raw(f"<iq type='set' id='cfg' to='{room}'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                       "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                       "http://jabber.org/protocol/muc#roomconfig</value></field>"
                       f"<field var='muc#roomconfig_roomname'><value>{escape(corpus[30])}</value></field>"
                       "</x></query></iq>")
    carol_bot.wait_for_iq_result("cfg")
    carol_bot.send_raw(f"<message to='{room}' type='groupchat'><subject>{escape(corpus[40])}</subject></message>")

    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "keepalive": False, "show_controlbox_by_default": True, "roster_groups": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/xss.html", settings)
    try:
        page.wait_for("window.out.ready", timeout=BOOT_TIMEOUT_MS)
        # The server has the page's presence (bob sees it): messages to alice's bare JID now reach
        # the page, not offline storage (ejabberd can strand some that race its offline flush).
        bob_bot.wait_for_presence(lambda frm, kind, *_: frm.startswith(alice.jid + "/")
                                  and not frm.endswith("/setup") and kind == "available")
        # Message bodies: the whole corpus, from bob.
        for text in corpus:
            bob_bot.send_message(alice.jid, text)
        page.wait_for(f"document.querySelectorAll('#conversejs .cpy-chatbox .cpy-msg .cpy-body').length >= "
                      f"{len(corpus)}", timeout=60_000)
        shown = page.js("Array.from(document.querySelectorAll('#conversejs .cpy-chatbox .cpy-msg .cpy-body'))"
                        ".map((e) => e.textContent)")
        assert shown == corpus
        # Status messages from bob; his vCard.
        for text in corpus[50:55]:
            bob_bot.send_presence(pstatus=text)
        row = f'#conversejs li.cpy-contact[data-jid="{bob.jid}"]'
        page.wait_for(f"(r => r && r.querySelector('.cpy-status-msg').textContent === {json.dumps(corpus[54])})"
                      f"(document.querySelector({json.dumps(row)}))", timeout=15_000)
        page.wait_for(f"window.capi.contacts.get({json.dumps(bob.jid)}).get('vcard_updated')", timeout=15_000)
        assert page.js(f"document.querySelector({json.dumps(row)} + ' .cpy-name').textContent") == corpus[0]
        assert page.js(f"window.capi.contacts.get({json.dumps(bob.jid)}).get('url')") is None
        # Roster names.
        names = page.js("Array.from(document.querySelectorAll('#conversejs li.cpy-contact .cpy-name'))"
                        ".map((e) => e.textContent)")
        assert all(name in names for name in named)
        # The room: name, subject, nick, messages; and an invitation with a hostile reason.
        page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
        room_box = f'#conversejs section.cpy-chatroom[data-jid="{room}"]'
        page.page.wait_for_selector(f'{room_box} li.cpy-occupant[data-nick={json.dumps(nick)}]', timeout=15_000)
        for text in corpus[60:80]:
            carol_bot.send_message(room, text, mtype="groupchat")
        page.wait_for(f"document.querySelectorAll({json.dumps(room_box + ' .cpy-msg .cpy-body')}).length >= 20",
                      timeout=15_000)
        room_bodies = page.js(f"Array.from(document.querySelectorAll({json.dumps(room_box + ' .cpy-msg .cpy-body')}))"
                              ".map((e) => e.textContent)")
        assert room_bodies[-20:] == corpus[60:80]
        assert page.js(f"document.querySelector({json.dumps(room_box + ' [data-role=subject]')}).textContent") \
            == corpus[40]
        page.wait_for(f"document.querySelector({json.dumps(room_box + ' [data-role=room-name]')}).textContent === "
                      f"{json.dumps(corpus[30])}", timeout=10_000)
        carol_bot.send_raw(f"<message to='{alice.jid}'><x xmlns='jabber:x:conference' jid='{room}' "
                           f"reason='{xml_attr(corpus[90])}'/></message>")
        page.page.wait_for_selector(f'#conversejs li.cpy-invitation[data-jid="{room}"]', timeout=10_000)
        assert corpus[90] in page.page.text_content(f'#conversejs li.cpy-invitation[data-jid="{room}"]')

        # Nothing ran, nothing active was inserted, text stayed text.
        page.page.wait_for_timeout(500)
        assert page.js("window.__xss") == 0
        assert page.js("window.__alerts") == []
        assert page.js("window.__dangerous") == []
        assert page.js("location.href === window.__startUrl")
        nested = page.js("""(selectors) => selectors.map((s) =>
            Array.from(document.querySelectorAll('#conversejs ' + s)).filter((e) => e.children.length).length)""",
                         TEXT_ONLY)
        assert nested == [0] * len(TEXT_ONLY)
        assert page.page_errors == []
    finally:
        page.close()
