"""converse-py speaks for itself (issue 21) in a real page against the real server, with slixmpp
peers doing what other clients do: they query the page (disco#info and its caps node, software
version, entity time) and check its XEP-0115 hash with slixmpp's own implementation; they block
and get blocked (XEP-0191), send /me actions and styled text, and write as strangers.
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import escape
from typing import Any

import pytest
import slixmpp
from slixmpp.stanza import Iq

from tools.bot import Bot

from .support import Account, ClientPage, auto_login_page, unique_account

CAPS = "http://jabber.org/protocol/caps"
DISCO = "http://jabber.org/protocol/disco#info"
SERVICE = "conference.localhost"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    handle = auto_login_page(browser, web_server.url, prosody, alice)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('discovery-test', {
        initialize() {
            window.capi = this._converse.api;
            window.blockEvents = [];
            window.capi.listen.on('blocklistChanged', (change) => window.blockEvents.push(change));
            window.capi.waitUntil('blocklistInitialized').then(resolve);
        }}))""")
    yield handle
    assert not handle.page_errors
    assert not [line for line in handle.console if line.startswith("error")]
    handle.close()


def verstring_by_slixmpp(result_xml: str) -> str:
    """The XEP-0115 ver of a disco#info result, computed by slixmpp's xep_0115 (not by our code)."""
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        checker = slixmpp.ClientXMPP("checker@localhost/x", "unused")
        for plugin in ("xep_0030", "xep_0004", "xep_0115"):
            checker.register_plugin(plugin)
        iq = Iq(checker, xml=ET.fromstring(result_xml))
        return str(checker.plugin["xep_0115"].generate_verstring(iq["disco_info"], "sha-1"))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def ask(peer: Bot, to: str, child: str) -> ET.Element:
    iq_id = f"q-{uuid.uuid4().hex[:8]}"
    peer.send_raw(f"<iq type='get' id='{iq_id}' to='{to}'>{child}</iq>")
    return ET.fromstring(peer.wait_for_iq_result(iq_id))


def join(peer: Bot, room: str, nick: str) -> None:
    peer.send_raw(f"<presence to='{room}/{escape(nick, quote=True)}'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    peer.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/{nick}" and kind == "available")


def test_a_peer_queries_the_page_and_verifies_its_caps_hash(page: ClientPage, prosody: Any, bot: Any) -> None:
    peer = bot(unique_account(prosody, "peer"))
    room = f"caps-{uuid.uuid4().hex[:8]}@{SERVICE}"
    join(peer, room, "peer")
    page.js("(room) => window.capi.rooms.open(room, {nick: 'alice'})", room)
    # the page's join presence, reflected to the room, carries our <c/>
    peer.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/alice" and kind == "available")
    presence = next(ET.fromstring(x) for x in peer.presence_stanzas if f"from=\"{room}/alice\"" in x
                    or f"from='{room}/alice'" in x)
    c = presence.find(f"{{{CAPS}}}c")
    assert c is not None and c.get("hash") == "sha-1" and c.get("node")
    full_jid = page.js("window.capi.user.jid()")
    # XEP-0115 §6.2: the peer asks node#ver and checks the hash of the answer itself
    answer = ask(peer, full_jid, f"<query xmlns='{DISCO}' node='{c.get('node')}#{c.get('ver')}'/>")
    assert answer.get("type") == "result"
    assert verstring_by_slixmpp(ET.tostring(answer, encoding="unicode")) == c.get("ver")
    plain = ask(peer, full_jid, f"<query xmlns='{DISCO}'/>")
    identity = plain.find(f".//{{{DISCO}}}identity")
    assert identity is not None and (identity.get("category"), identity.get("type"), identity.get("name")) \
        == ("client", "web", "converse-py")
    features = {f.get("var") for f in plain.iter(f"{{{DISCO}}}feature")}
    for feature in (DISCO, CAPS, "urn:xmpp:receipts", "http://jabber.org/protocol/chatstates",
                    "urn:xmpp:chat-markers:0", "urn:xmpp:message-correct:0", "urn:xmpp:carbons:2",
                    "urn:xmpp:ping", "http://jabber.org/protocol/muc", "jabber:iq:version", "urn:xmpp:time"):
        assert feature in features, feature
    items = ask(peer, full_jid, "<query xmlns='http://jabber.org/protocol/disco#items'/>")
    assert items.get("type") == "result"
    version = ask(peer, full_jid, "<query xmlns='jabber:iq:version'/>")
    assert version.findtext(".//{jabber:iq:version}name") == "converse-py"
    assert version.find(".//{jabber:iq:version}os") is None  # only with version_show_os
    clock = ask(peer, full_jid, "<time xmlns='urn:xmpp:time'/>")
    assert (clock.findtext(".//{urn:xmpp:time}utc") or "").endswith("Z")
    page.js("(room) => window.capi.rooms.close(room)", room)


def test_block_from_js_and_python_and_a_push_from_another_client_apply_live(
        page: ClientPage, prosody: Any, bot: Any, alice: Account) -> None:
    troll = unique_account(prosody, "troll")
    pest = unique_account(prosody, "pest")
    page.js("(jid) => window.capi.blocklist.add(jid)", troll.jid)
    page.wait_for("(jid) => window.capi.blocklist.isBlocked(jid)", arg=troll.jid)
    # the server now drops what troll sends: the page never shows it
    talker = bot(troll)
    talker.send_message(alice.jid, "can you hear me?")
    # Python plugin API: block pest
    page.js("code => window.runPython(code)", f"""
import asyncio
class Blocker:
    def initialize(self):
        api = self._converse.api
        async def run():
            window.out.pyBlocked = list(await api.blocklist.add({pest.jid!r}))
        asyncio.ensure_future(run())
converse.plugins.add("py-blocker-{uuid.uuid4().hex[:6]}", Blocker)
""")
    page.wait_for("(jid) => (window.out.pyBlocked || []).includes(jid)", arg=pest.jid)
    # another client of the same account unblocks troll: the page hears the server's push
    other = bot(alice, "phone")
    other.send_raw(f"<iq type='set' id='unblock-1'><unblock xmlns='urn:xmpp:blocking'><item jid='{troll.jid}'/>"
                   "</unblock></iq>")
    other.wait_for_iq_result("unblock-1")
    page.wait_for("(jid) => !window.capi.blocklist.isBlocked(jid)", arg=troll.jid)
    events = page.js("window.blockEvents")
    assert {"added": [troll.jid], "removed": []} in events and {"added": [], "removed": [troll.jid]} in events
    # troll's message sent while blocked was dropped by the server: no box shows it
    assert page.js("(jid) => window.capi.chats.get(jid)", troll.jid) is None
    talker.send_message(alice.jid, "now?")
    page.wait_for("(jid) => { const b = window.capi.chats.get(jid); return b && "
                  "document.querySelector(`section.cpy-chatbox[data-jid=\"${jid}\"] li.cpy-msg`) !== null; }",
                  arg=troll.jid)
    page.js("(jid) => window.capi.blocklist.remove(jid)", pest.jid)


def test_a_stranger_gets_a_banner_to_add_or_block_and_is_never_added_silently(
        page: ClientPage, prosody: Any, bot: Any, alice: Account) -> None:
    stranger = unique_account(prosody, "stranger")
    peer = bot(stranger)
    peer.send_message(alice.jid, "hello, we have not met")
    box = f'section.cpy-chatbox[data-jid="{stranger.jid}"]'
    page.wait_for(f"() => !document.querySelector('{box} [data-role=stranger]')?.hidden")
    banner = page.page.locator(f"{box} [data-role=stranger]")
    assert stranger.jid + " is not in your contacts." in banner.text_content()
    assert page.js("(jid) => window.capi.contacts.get(jid)", stranger.jid) is None
    assert "hello, we have not met" in page.page.locator(f"{box} li.cpy-msg").first.text_content()
    banner.locator("[data-action=stranger-block]").click()
    page.wait_for("(jid) => window.capi.blocklist.isBlocked(jid)", arg=stranger.jid)
    page.wait_for(f"() => document.querySelector('{box} [data-role=stranger]').textContent.includes('is blocked')")
    banner.locator("[data-action=stranger-block]").click()  # now "Unblock"
    page.wait_for("(jid) => !window.capi.blocklist.isBlocked(jid)", arg=stranger.jid)
    page.wait_for(f"() => document.querySelector('{box} [data-action=stranger-add]') !== null")
    banner.locator("[data-action=stranger-add]").click()
    page.wait_for("(jid) => window.capi.contacts.get(jid) !== null", arg=stranger.jid)
    page.wait_for(f"() => document.querySelector('{box} [data-role=stranger]').hidden")
    # a contact is blocked and unblocked from the chat's header
    toggle = page.page.locator(f"{box} header [data-action=toggle-block]")
    assert toggle.get_attribute("aria-label") == f"Block {stranger.jid}"
    toggle.click()
    page.wait_for("(jid) => window.capi.blocklist.isBlocked(jid)", arg=stranger.jid)
    page.wait_for(f"() => document.querySelector('{box} header [data-action=toggle-block]')"
                  ".getAttribute('aria-pressed') === 'true'")
    page.page.locator(f"{box} header [data-action=toggle-block]").click()
    page.wait_for("(jid) => !window.capi.blocklist.isBlocked(jid)", arg=stranger.jid)
    page.js("(jid) => window.capi.chats.get(jid).close()", stranger.jid)


def test_me_actions_and_styling_from_a_peer_and_to_a_peer(page: ClientPage, prosody: Any, bot: Any,
                                                          alice: Account) -> None:
    dora = unique_account(prosody, "dora")
    peer = bot(dora)
    peer.send_message(alice.jid, "/me waves")
    peer.send_message(alice.jid, "*bold* _it_ ~gone~ `co*de*` <img src=x onerror=alert(1)>\n> quoted *too*\n```\n*raw*\n```")
    box = f'section.cpy-chatbox[data-jid="{dora.jid}"]'
    page.wait_for(f"() => document.querySelectorAll('{box} li.cpy-msg').length >= 2")
    action = page.page.locator(f"{box} li.cpy-action")
    assert action.locator(".cpy-from").text_content() == f"* {dora.jid}"  # the name rows show: not a contact
    assert action.locator(".cpy-body").text_content() == " waves"
    styled = page.page.locator(f"{box} li.cpy-msg").nth(1)
    assert styled.locator("strong").first.text_content() == "*bold*"
    assert styled.locator("em").first.text_content() == "_it_"
    assert styled.locator("del").first.text_content() == "~gone~"
    assert styled.locator("code").first.text_content() == "`co*de*`"  # nothing styled inside pre spans
    assert styled.locator("blockquote strong").text_content() == "*too*"
    assert styled.locator("pre").text_content() == "```\n*raw*\n```"
    assert styled.locator("img").count() == 0 and "<img src=x" in styled.text_content()
    # the page's own /me goes out as typed (XEP-0245: the body keeps the command)
    page.js("(jid) => window.capi.chats.open(jid).model.sendMessage('/me nods')", dora.jid)
    peer.wait_for_message("/me nods")
    page.wait_for(f"() => document.querySelectorAll('{box} li.cpy-action').length === 2")
    # and with allow_message_styling off, the same text is plain
    page.js("() => window.capi.settings.set('allow_message_styling', false)")
    peer.send_message(alice.jid, "*plain now*")
    page.wait_for(f"() => Array.from(document.querySelectorAll('{box} li.cpy-msg .cpy-body'))"
                  ".some((b) => b.textContent === '*plain now*')")
    assert page.page.locator(f"{box} li.cpy-msg").last.locator("strong").count() == 0
    page.js("() => window.capi.settings.set('allow_message_styling', true)")
