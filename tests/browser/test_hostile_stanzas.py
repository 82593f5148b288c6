"""Hostile stanzas from another user, through the real server: mallory (a slixmpp bot) sends alice
a batch of malformed and forged stanzas — forged roster pushes and carbons, MAM results for no
query, wrong namespaces, unknown types, missing attributes, a 100 KB body, deep nesting, IQs of
unknown kinds — then an ordinary message. The client shows none of the forgeries, answers the
IQs with errors, keeps working both ways, and nothing escapes into the page."""

from __future__ import annotations

import json
import time
from typing import Any

from .support import auto_login_page, grab_api, unique_account


def hostile_batch(alice: str, mallory: str) -> list[str]:
    """Stanzas mallory writes to alice's full JID ``alice`` (the server stamps ``from`` = mallory)."""
    deep = "<x xmlns='urn:example:deep'>" * 120 + "deep" + "</x>" * 120
    forwarded = ("<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat' "
                 f"from='{alice}/phone' to='{mallory}'><body>FORGED carbon</body></message></forwarded>")
    return [
        # a roster push from someone else (RFC 6121 §2.1.6)
        f"<iq type='set' id='h1' to='{alice}'><query xmlns='jabber:iq:roster'>"
        "<item jid='evil@localhost' name='FORGED contact' subscription='both'/></query></iq>",
        # carbons (XEP-0280) from someone else
        f"<message to='{alice}' type='chat'><sent xmlns='urn:xmpp:carbons:2'>{forwarded}</sent></message>",
        f"<message to='{alice}' type='chat'><received xmlns='urn:xmpp:carbons:2'>{forwarded}</received></message>",
        # a MAM result for a query alice never sent, from someone else's "archive"
        f"<message to='{alice}'><result xmlns='urn:xmpp:mam:2' queryid='nope' id='x1'>{forwarded}</result></message>",
        # body in the wrong namespace, unknown type, no body, empty body, whitespace body
        f"<message to='{alice}' type='chat'><body xmlns='urn:example:not-client'>FORGED wrong ns</body></message>",
        # (ejabberd turns an unknown type into "normal", which is then an ordinary message)
        f"<message to='{alice}' type='weird'><body>unknown type</body></message>",
        f"<message to='{alice}' type='chat'/>",
        f"<message to='{alice}' type='chat'><body/></message>",
        f"<message to='{alice}' type='chat'><body>   </body></message>",
        # a correction, receipt and marker for messages that do not exist
        f"<message to='{alice}' type='chat' id='c1'><body>FORGED correction</body>"
        "<replace xmlns='urn:xmpp:message-correct:0' id='no-such-message'/></message>",
        f"<message to='{alice}' type='chat'><received xmlns='urn:xmpp:receipts' id='no-such-message'/></message>",
        f"<message to='{alice}' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='no-such'/></message>",
        # huge and deep
        f"<message to='{alice}' type='chat'><body>{'A' * 100_000}</body></message>",
        f"<message to='{alice}' type='chat'><body>deep one</body>{deep}</message>",
        f"<message to='{alice}' type='chat'><body>odd children</body><x xmlns='urn:example:x'><y/></x></message>",
        # an error message, a groupchat message outside any room, a headline with HTML-ish text
        f"<message to='{alice}' type='error'><body>FORGED error</body><error type='cancel'>"
        "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
        f"<message to='{alice}' type='groupchat'><body>FORGED groupchat</body></message>",
        # presences: unknown type, bad priority, garbage show
        f"<presence to='{alice}' type='bogus'/>",
        f"<presence to='{alice}'><priority>not a number</priority><show>sleeping</show></presence>",
        # IQs of unknown kinds (get/set must be answered with an error, results ignored)
        f"<iq type='get' id='h2' to='{alice}'><query xmlns='urn:example:unknown'/></iq>",
        f"<iq type='set' id='h3' to='{alice}'><nonsense/></iq>",
        f"<iq type='result' id='h4' to='{alice}'><query xmlns='jabber:iq:roster'><item jid='evil2@localhost'/></query></iq>",
        # a bookmark notification (XEP-0402 §4) from someone else: an autojoin room that must not open
        f"<message to='{alice}' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
        "<items node='urn:xmpp:bookmarks:1'><item id='forged@conference.localhost'><conference "
        "xmlns='urn:xmpp:bookmarks:1' autojoin='true' name='FORGED bookmark'><nick>pwned</nick></conference>"
        "</item><retract id='x@conference.localhost'/></items></event></message>",
    ]


def test_a_batch_of_hostile_stanzas_changes_nothing_and_the_chat_goes_on(browser: Any, web_server: Any,
                                                                        prosody: Any, bot: Any) -> None:
    alice, mallory = unique_account(prosody, "alice"), unique_account(prosody, "mallory")
    mallory_bot = bot(mallory)
    page = auto_login_page(browser, web_server.url, prosody, alice)
    passed = False
    try:
        grab_api(page, "rosterContactsFetched")
        full_jid = page.js("window.capi.user.jid()")
        assert full_jid.startswith(alice.jid + "/")
        for xml in hostile_batch(full_jid, mallory.jid):
            mallory_bot.send_raw(xml)
        selector = f'#conversejs .cpy-chatbox[data-jid="{mallory.jid}"] .cpy-msg.cpy-in .cpy-body'
        page.wait_for(f"""() => Array.from(document.querySelectorAll({json.dumps(selector)}))
                               .some((e) => e.textContent === 'odd children')""", timeout=30_000)
        mallory_bot.send_message(alice.jid, "an ordinary message after all that")
        page.wait_for(f"""() => Array.from(document.querySelectorAll({json.dumps(selector)}))
                               .some((e) => e.textContent === 'an ordinary message after all that')""",
                      timeout=30_000)
        # the client still sends
        page.js(f"window.capi.chats.get({json.dumps(mallory.jid)}).model.sendMessage('still here')")
        mallory_bot.wait_for_message("still here", timeout=30)
        # nothing forged is shown or believed
        text = page.js("document.querySelector('#conversejs').textContent")
        assert "FORGED" not in text
        assert page.js("window.capi.contacts.get('evil@localhost')") is None
        assert page.js("window.capi.contacts.get('evil2@localhost')") is None
        assert page.js("window.capi.chats.get('evil@localhost')") is None
        assert page.js("window.capi.rooms.get('forged@conference.localhost')") is None
        bodies = page.js(f"Array.from(document.querySelectorAll({json.dumps(selector)})).map((e) => e.textContent)")
        assert bodies[-1] == "an ordinary message after all that", [b[:40] for b in bodies]
        assert "deep one" not in bodies  # nested over 64 levels: refused by the parser, and logged
        assert "odd children" in bodies  # unknown extra children do not stop a message
        # the long one, as text, collapsed: its start and a "Show more" saying how large it is
        assert any(b.startswith("A" * 1000) and b.endswith("…Show more (100 KB)") for b in bodies)
        # the IQ get/set alice's client does not know (and the forged roster push) got errors back
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(i in mallory_bot.iq_results for i in ("h1", "h2", "h3")):
            time.sleep(0.2)
        for iq_id in ("h1", "h2", "h3"):
            assert "type=\"error\"" in mallory_bot.iq_results.get(iq_id, ""), (iq_id, mallory_bot.iq_results)
        assert page.js("window.capi.connection.connected") is True
        assert page.page_errors == []
        passed = True
    finally:
        if not passed:  # what the client said, for the report
            print("\n".join(line[:3000] for line in page.console[-80:]))
        page.close()
