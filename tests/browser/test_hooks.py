"""Plugin hooks in a real page against the real server, with slixmpp playing bob: JS and Python
plugins rewrite, cancel and answer locally before a message is sent; chat commands (/roll, /help)
in a chat box and a room; local info lines render as text; the message event does not fire for
archive results (archivedMessage does).
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "keepalive": False}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('grab-hooks-api', { initialize() {
        const api = window.capi = this._converse.api;
        window.out.messageEvents = [];
        window.out.archived = [];
        api.listen.on('message', (stanza) => window.out.messageEvents.push(
            [stanza.getAttribute('from'), !!stanza.getElementsByTagNameNS('urn:xmpp:mam:2', 'result').length]));
        api.listen.on('archivedMessage', (message) => window.out.archived.push(message.getAttribute('id')));
        api.waitUntil('chatBoxesFetched').then(resolve);
    }}))""")
    yield handle
    handle.close()


def chat_box(jid: str) -> str:
    return f'#conversejs section.cpy-chatbox[data-jid="{jid}"]'


def room_box(jid: str) -> str:
    return f'#conversejs section.cpy-chatroom[data-jid="{jid}"]'


def type_and_send(page: ClientPage, box: str, text: str) -> None:
    page.page.fill(f"{box} textarea", text)
    page.page.press(f"{box} textarea", "Enter")
    page.wait_for(f"document.querySelector({json.dumps(box + ' textarea')}).value === ''")


def infos(page: ClientPage, box: str) -> list[str]:
    return page.page.locator(f"{box} li.cpy-info .cpy-body").all_text_contents()


def wait_infos(page: ClientPage, box: str, count: int) -> list[str]:
    page.wait_for(f"document.querySelectorAll({json.dumps(box + ' li.cpy-info')}).length >= {count}")
    return infos(page, box)


def test_js_and_python_plugins_rewrite_cancel_and_answer_locally(page: ClientPage, prosody: Any,
                                                                bot: Any) -> None:
    bob = unique_account(prosody, "bob")
    peer = bot(bob)
    page.js("""() => converse.plugins.add('js-gate', { initialize() {
        const api = this._converse.api;
        window.jsGate = function (box, data) {
            if (data.text.startsWith('js-cancel')) { data.cancel(); return data; }
            if (data.text.startsWith('js-ask')) { data.reply('js answered <b>locally</b> in ' + box.model.get('jid')); return data; }
            if (data.text.startsWith('js-up ')) { data.text = data.text.toUpperCase(); }  // nothing returned: still taken
        };
        api.listen.on('beforeMessageSend', window.jsGate);
    }})""")
    page.js("code => window.runPython(code)", """
class PyGate:
    def initialize(self):
        self._converse.api.listen.on("beforeMessageSend", self.gate)

    def gate(self, box, data):
        if data.text.startswith("py-cancel"):
            data.cancel()
        elif data.text.startswith("py-ask"):
            data.reply("python answered locally")
        elif data.text.startswith("py-rev "):
            data.text = "py-rev " + data.text[len("py-rev "):][::-1]
        return data

converse.plugins.add("py-gate", PyGate)
""")
    page.js("(jid) => window.capi.chats.open(jid)", bob.jid)
    box = chat_box(bob.jid)
    for text in ("js-up hello", "py-rev abc", "js-cancel one", "py-cancel two", "js-ask", "py-ask"):
        type_and_send(page, box, text)
    assert wait_infos(page, box, 2) == [f"js answered <b>locally</b> in {bob.jid}", "python answered locally"]
    assert page.page.locator(f"{box} li.cpy-info b").count() == 0  # text, never HTML
    page.js("() => window.capi.listen.not('beforeMessageSend', window.jsGate)")
    type_and_send(page, box, "js-cancel after not")
    peer.wait_for_message("js-cancel after not")
    bodies = [body for _sender, body in peer.received]
    assert bodies == ["JS-UP HELLO", "py-rev cba", "js-cancel after not"]
    shown = page.page.locator(f"{box} li.cpy-msg:not(.cpy-info) .cpy-body").all_text_contents()
    assert shown == bodies


def test_roll_and_help_answer_locally_in_a_chat_and_a_room(page: ClientPage, prosody: Any, bot: Any) -> None:
    bob = unique_account(prosody, "bob")
    peer = bot(bob)
    page.js("""() => converse.plugins.add('dice', { initialize() {
        this._converse.api.commands.add('roll', (box, args) => 'You rolled ' + (args || '4'), 'roll a die');
    }})""")
    page.js("(jid) => window.capi.chats.open(jid)", bob.jid)
    box = chat_box(bob.jid)
    type_and_send(page, box, "/roll 6")
    type_and_send(page, box, "/help")
    type_and_send(page, box, "/nosuch")
    lines = wait_infos(page, box, 3)
    assert lines[0] == "You rolled 6"
    assert "/roll — roll a die" in lines[1] and "/help" in lines[1]
    assert lines[2] == "Unknown command /nosuch. Type /help for the list of commands."
    type_and_send(page, box, "//slash is sent")
    peer.wait_for_message("/slash is sent")

    room = f"dice-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    page.js(f"window.capi.rooms.open({json.dumps(room)}, {{nick: 'alice'}})")
    page.wait_for(f"(r => r && r.model.get('connection_status') === 'entered')(window.capi.rooms.get({json.dumps(room)}))",
                  timeout=15_000)
    peer.send_raw(f"<presence to='{room}/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    peer.wait_for_presence(lambda frm, kind, *_: frm == f"{room}/bob" and kind == "available")
    rbox = room_box(room)
    type_and_send(page, rbox, "/roll")
    type_and_send(page, rbox, "/help")
    lines = wait_infos(page, rbox, 2)
    assert lines[0] == "You rolled 4" and "/roll — roll a die" in lines[1]
    type_and_send(page, rbox, "after the commands")
    peer.wait_for_message(lambda frm, body: frm == f"{room}/alice" and body == "after the commands")
    assert not [body for _sender, body in peer.received if body.startswith(("/roll", "/help", "/nosuch"))]


def test_the_message_event_does_not_fire_for_archive_results(page: ClientPage, prosody: Any, bot: Any,
                                                            alice: Account) -> None:
    carol = unique_account(prosody, "carol")
    peer = bot(carol)
    peer.send_message(alice.jid, "for the archive")
    page.wait_for(f"window.out.messageEvents.some(e => e[0].startsWith({json.dumps(carol.jid + '/')}))")
    page.js(f"""() => window.capi.archive.query({{'with': {json.dumps(carol.jid)}, 'before': '', 'max': 10}})
                .then(page => {{ window.out.archivePage = page.messages.length; }})""")
    page.wait_for("window.out.archivePage !== undefined", timeout=15_000)
    assert page.js("window.out.archivePage") >= 1
    assert page.js("window.out.archived.length") >= 1
    assert page.js("window.out.messageEvents.filter(e => e[1]).length") == 0


def test_a_js_parse_message_listener_adds_fields_python_reads_and_js_changes_what_is_shown(
        page: ClientPage, prosody: Any, bot: Any, alice: Account) -> None:
    dave = unique_account(prosody, "dave")
    peer = bot(dave)
    page.js("""() => converse.plugins.add('js-parse', { initialize() {
        const api = this._converse.api;
        api.listen.on('parseMessage', (stanza, data) => {
            if (data.body) data.shouting = data.body === data.body.toUpperCase();  // returns nothing: read back
        });
        api.listen.on('beforeMessageShown', (box, message) => {
            if (message.body === 'hide me') return false;
            message.body = message.body.replace('secret', '******');
            return message;
        });
    }})""")
    page.js("code => window.runPython(code)", """
import json


class Reader:
    seen = []

    def initialize(self):
        self._converse.api.listen.on("incomingMessage", self.read)

    def read(self, parsed):
        if parsed.chat is not None:
            self.seen.append([parsed.chat.body, parsed.get("shouting")])
            window.out.shouting = json.dumps(self.seen)

converse.plugins.add("py-reader", Reader)
""")
    for text in ("HELLO", "quiet secret", "hide me", "last"):
        peer.send_message(alice.jid, text)
    box = chat_box(dave.jid)
    page.wait_for(f"document.querySelectorAll({json.dumps(box + ' li.cpy-msg')}).length >= 3")
    page.wait_for("JSON.parse(window.out.shouting || '[]').length >= 4")
    assert json.loads(page.js("window.out.shouting")) == [["HELLO", True], ["quiet secret", False], ["hide me", False],
                                              ["last", False]]
    assert page.page.locator(f"{box} li.cpy-msg .cpy-body").all_text_contents() == ["HELLO", "quiet ******", "last"]
