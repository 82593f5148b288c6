"""api.archive (XEP-0313 + XEP-0059) and chat history in a real page against the real Prosody, on an
archive seeded with known messages; the seed's snippets run as written; a second Prosody without
mod_mam gives the seed's "not supported" error.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from tools.prosody import CONFIG_PATH, ProsodyServer

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

_names = itertools.count(1)
BODIES = [f"msg {n:02d}" for n in range(1, 13)]
FROM_ALICE = {"msg 04", "msg 10"}  # the rest come from bob
PAGE = "/tests/browser/pages/archive.html"
UNSUPPORTED = "This server does not support XEP-0313, Message Archive Management"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def seeded(prosody: Any, bot: Any, alice: Account, bob: Account) -> str:
    """Archive 12 messages between alice and bob (a contact of alice's: no stranger banner takes the
    box's height); returns an instant between msg 06 and msg 07."""
    alice_bot, bob_bot = bot(alice, "seed"), bot(bob, "seed")
    alice_bot.send_raw(f"<iq type='set' id='roster-bob'><query xmlns='jabber:iq:roster'>"
                       f"<item jid='{bob.jid}' name='Bob'/></query></iq>")
    alice_bot.wait_for_iq_result("roster-bob")
    middle = ""
    for n, body in enumerate(BODIES, 1):
        if body in FROM_ALICE:
            alice_bot.send_message(bob.jid, body)
            bob_bot.wait_for_message(body)
        else:
            bob_bot.send_message(alice.jid, body)
            alice_bot.wait_for_message(body)
        if n == 6:
            time.sleep(1.2)
            middle = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            time.sleep(1.2)
    alice_bot.stop()
    bob_bot.stop()
    return middle


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account, seeded: str) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "archived_messages_page_size": 5, "message_archiving": "always"}
    handle = open_client_page(browser, web_server.url, PAGE, settings)
    handle.wait_for("window.out.initialized && window.out.mamQueries.length > 0", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def js_plugin(page: ClientPage, body: str) -> None:
    name = f"archive-snippet-{next(_names)}"
    page.js(f"() => converse.plugins.add({json.dumps(name)}, {{ initialize: function () {{ {body} }} }})")


#: JS: the bodies of result <message/>s (the forwarded message's <body>).
BODY_OF = "function bodyOf(m) { return m.getElementsByTagName('body')[0].textContent; }"


def test_service_discovered_snippet_sees_mam_and_queries(page: ClientPage) -> None:
    out = page.js("window.out")
    assert "urn:xmpp:mam:2" in out["discovered"]
    assert "http://jabber.org/protocol/disco#info" in out["discovered"]
    assert out["mamQueries"] == [3] and out["mamErrors"] == []


def test_query_with_max_then_page_forwards_with_next(page: ClientPage, bob: Account) -> None:
    js_plugin(page, f"""
        {BODY_OF}
        var _converse = this._converse, pages = window.out.forward = [];
        var errback = function (iq) {{ window.out.forwardError = iq ? iq.getAttribute('type') : 'none'; }};
        var callback = function (messages, rsm) {{
            pages.push(messages.map(bodyOf));
            if (messages.length && !rsm.complete) {{
                _converse.api.archive.query(rsm.next(5), callback, errback);
            }} else {{
                window.out.forwardDone = true;
            }}
        }};
        _converse.api.archive.query({{'with': {json.dumps(bob.jid)}, 'max': 5}}, callback, errback);
    """)
    page.wait_for("window.out.forwardDone === true || window.out.forwardError")
    pages = page.js("window.out.forward")
    assert [b for p in pages for b in p] == BODIES
    assert pages[:3] == [BODIES[:5], BODIES[5:10], BODIES[10:]]


def test_query_before_empty_pages_backwards_with_previous_as_written(page: ClientPage) -> None:
    js_plugin(page, f"""
        {BODY_OF}
        var _converse = this._converse, pages = window.out.backward = [];
        var errback = function (iq) {{ window.out.backwardError = true; }};
        var callback = function (message, rsm) {{
            pages.push(message.map(bodyOf));
            window.out.lastCount = rsm.count;
            if (rsm.complete || !message.length) {{ window.out.backwardDone = true; return; }}
            rsm.previous(5); // Call previous method, to update the object's parameters,
                             // passing in a limit value of 5.
            // Now we query again, to get the previous batch.
            _converse.api.archive.query(rsm, callback, errback);
        }};
        _converse.api.archive.query({{'before': '', 'max': 5}}, callback, errback);
    """)
    page.wait_for("window.out.backwardDone === true || window.out.backwardError")
    pages = page.js("window.out.backward")
    ours = [[b for b in p if b in BODIES] for p in pages]
    assert ours[0] == BODIES[7:] and ours[1] == BODIES[2:7] and ours[2] == BODIES[:2]
    assert page.js("window.out.lastCount") >= 12


def test_query_by_date_with_iso_strings_and_js_dates(page: ClientPage, bob: Account, seeded: str) -> None:
    js_plugin(page, f"""
        {BODY_OF}
        var api = this._converse.api, out = window.out.dates = {{}}, jid = {json.dumps(bob.jid)};
        var middle = {json.dumps(seeded)};
        var options = {{'with': jid, 'start': '2010-06-07T00:00:00Z', 'end': middle}};
        api.archive.query(options, function (messages) {{ out.before = messages.map(bodyOf); }});
        api.archive.query({{'with': jid, 'start': new Date(middle)}},
                          function (messages) {{ out.after = messages.map(bodyOf); }});
        api.archive.query({{'with': jid, 'end': '2010-07-07T13:23:54Z'}},
                          function (messages) {{ out.ancient = messages.length; }});
    """)
    page.wait_for("window.out.dates.before && window.out.dates.after && window.out.dates.ancient !== undefined")
    out = page.js("window.out.dates")
    assert out["before"] == BODIES[:6] and out["after"] == BODIES[6:] and out["ancient"] == 0


def test_errback_gets_the_error_iq_of_a_bad_query(page: ClientPage, bob: Account, pytestconfig: pytest.Config) -> None:
    if pytestconfig.getoption("--xmpp-server") == "ejabberd":
        pytest.skip("ejabberd answers an unknown 'after' id with an empty page, not an error "
                    "(docs/troubleshooting.md lists the differences)")
    js_plugin(page, f"""
        var errback = function (iq) {{
            window.out.bad = [iq.nodeName, iq.getAttribute('type'), iq.getElementsByTagName('error').length];
        }};
        var result = this._converse.api.archive.query({{'with': {json.dumps(bob.jid)}, 'after': 'no-such-id'}},
                                                      function () {{ window.out.bad = 'callback'; }}, errback);
        result.then(function (value) {{ window.out.badPromise = value; }});
        try {{ this._converse.api.archive.query({{'max': 'ten'}}); }} catch (e) {{ window.out.badMax = e.message; }}
    """)
    page.wait_for("window.out.bad !== undefined && 'badPromise' in window.out")
    assert page.js("window.out.bad") == ["iq", "error", 1]
    assert page.js("window.out.badPromise") is None
    assert "max" in page.js("window.out.badMax")


def test_python_awaits_the_archive_and_pages_back(page: ClientPage, bob: Account) -> None:
    name = f"py-archive-{next(_names)}"
    page.js("code => window.runPython(code)", f"""
import json

class Snippet:
    def initialize(self):
        api = self._converse.api

        async def run():
            pages = []
            result = await api.archive.query({{"with": {bob.jid!r}, "before": "", "max": 5}})
            while True:
                pages.append([m.find(".//{{jabber:client}}body").text for m in result["messages"]])
                rsm = result["rsm"]
                if rsm.complete or not result["messages"]:
                    break
                result = await api.archive.query(rsm.previous(5))
            window.out.pyPages = json.dumps(pages)

        asyncio.ensure_future(run())

converse.plugins.add({name!r}, Snippet)
""")
    page.wait_for("window.out.pyPages !== undefined")
    pages = json.loads(page.js("window.out.pyPages"))
    assert pages == [BODIES[7:], BODIES[2:7], BODIES[:2]]


def test_chat_box_fills_itself_from_the_archive_without_duplicates(page: ClientPage, alice: Account,
                                                                  bob: Account, bot: Any) -> None:
    # pages of 5 short rows do not fill the box, so it keeps asking for the page before until the
    # archive's start (scrolling up to load more is covered by test_chats_scale.py)
    page.js("(jid) => window.cpyApi.chats.open(jid)", bob.jid)
    selector = f'section.cpy-chatbox[data-jid="{bob.jid}"]'
    texts = f"""() => Array.from(document.querySelectorAll('{selector} li.cpy-msg .cpy-body'))
                      .map(e => e.textContent)"""
    page.wait_for(f"() => document.querySelectorAll('{selector} li.cpy-msg').length >= 12")
    page.wait_for("(jid) => window.cpyApi.chats.get(jid).model.get('archive_complete') === true", arg=bob.jid)
    assert page.js(texts) == BODIES
    outgoing = page.js(f"""() => Array.from(document.querySelectorAll('{selector} li.cpy-msg.cpy-out .cpy-body'))
                                .map(e => e.textContent)""")
    assert outgoing == sorted(FROM_ALICE)
    assert page.page.locator(f"{selector} li.cpy-day").count() == 1
    # a live message (with the server's stanza-id) after the archive: shown once, at the end
    peer = bot(bob, "live")
    peer.send_message(alice.jid, "msg 13")
    page.wait_for(f"() => document.querySelectorAll('{selector} li.cpy-msg').length >= 13")
    page.page.locator(f"{selector} ol.cpy-messages").evaluate(
        "e => { e.scrollTop = 0; e.dispatchEvent(new Event('scroll')); }")
    page.page.wait_for_timeout(500)
    assert page.js(texts) == BODIES + ["msg 13"]
    ids = page.js(f"() => Array.from(document.querySelectorAll('{selector} li.cpy-msg')).map(li => li.dataset.id)")
    assert len(set(ids)) == 13


def test_message_archiving_preference_was_set(page: ClientPage, prosody: Any, alice: Account) -> None:
    js_plugin(page, """
        var iq = converse.env.$iq({type: 'get'}).c('prefs', {xmlns: 'urn:xmpp:mam:2'});
        this._converse.api.sendIQ(iq).then(function (result) {
            window.out.prefs = result.getElementsByTagName('prefs')[0].getAttribute('default');
        });
    """)
    page.wait_for("window.out.prefs !== undefined")
    assert page.js("window.out.prefs") == "always"


# -- a server without mod_mam -----------------------------------------------------------

@pytest.fixture(scope="module")
def prosody_without_mam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    config = CONFIG_PATH.read_text()
    assert '"mam";' in config
    path = Path(tmp_path_factory.mktemp("no-mam")) / "prosody-no-mam.cfg.lua"
    path.write_text(config.replace('"mam";', ""))
    server = ProsodyServer(config=path).start()
    yield server
    server.cleanup()


def test_query_fails_on_a_server_without_mam(browser: Any, web_server: Any,
                                             prosody_without_mam: ProsodyServer) -> None:
    account = unique_account(prosody_without_mam, "nomam")
    settings = {"bosh_service_url": prosody_without_mam.bosh_url, "jid": account.jid,
                "password": account.password, "auto_login": True}
    handle = open_client_page(browser, web_server.url, PAGE, settings)
    try:
        handle.wait_for("window.out.discovered.length > 0", timeout=BOOT_TIMEOUT_MS)
        assert "urn:xmpp:mam:2" not in handle.js("window.out.discovered")
        js_plugin(handle, """
            try { this._converse.api.archive.query({'max': 5}, function () { window.out.nomam = 'called back'; }); }
            catch (e) { window.out.nomam = e.message; }
        """)
        assert handle.js("window.out.nomam") == UNSUPPORTED
        assert handle.js("window.out.mamQueries") == []
    finally:
        handle.close()


def test_seed_archive_snippets_run_as_written(page: ClientPage) -> None:
    page.js("() => { window.out.seedCalls = []; }")
    js_plugin(page, """
        var callback = function (messages) { window.out.seedCalls.push(['callback', messages.length]); };
        var errback = function (iq) { window.out.seedCalls.push(['errback', iq && iq.getAttribute('type')]); };
        // Requesting all archived messages
        this._converse.api.archive.query(callback, errback);
        // For a particular user
        this._converse.api.archive.query({'with': 'john@doe.net'}, callback, errback);
        // For a particular room
        this._converse.api.archive.query({'with': 'discuss@conference.doglovers.net'}, callback, errback);
        var options = {
            'with': 'john@doe.net',
            'start': '2010-06-07T00:00:00Z',
            'end': '2010-07-07T13:23:54Z'
        };
        this._converse.api.archive.query(options, callback, errback);
        // Return maximum 10 archived messages
        this._converse.api.archive.query({'with': 'john@doe.net', 'max':10}, callback, errback);
    """)
    page.wait_for("window.out.seedCalls.length === 5")
    calls = page.js("window.out.seedCalls")
    assert sorted(calls)[:4] == [["callback", 0]] * 4  # nothing archived with john or the room
    all_messages = [c for c in calls if c[1] not in (0, None)]
    assert len(all_messages) == 1 and all_messages[0][0] == "callback" and all_messages[0][1] >= 12
