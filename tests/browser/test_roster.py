"""Roster, presence, subscriptions, vCards and own status in a real page against Prosody,
with slixmpp bots playing the contacts. One page (alice) is shared by the module; each test
uses its own contacts.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

# A 1×1 PNG (a valid one: the avatars plugin shows only what the browser decodes as an image).
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f00050001ff56c72f0d0000000049454e44ae426082")).decode()


def roster_set_xml(jid: str, name: str = "", groups: tuple[str, ...] = (), iq_id: str = "rs") -> str:
    name_attr = f" name='{name}'" if name else ""
    group_xml = "".join(f"<group>{g}</group>" for g in groups)
    return (f"<iq type='set' id='{iq_id}'><query xmlns='jabber:iq:roster'>"
            f"<item jid='{jid}'{name_attr}>{group_xml}</item></query></iq>")


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def bob(prosody: Any) -> Account:
    return unique_account(prosody, "bob")


@pytest.fixture(scope="module")
def bob_bot(bot: Any, bob: Account) -> Any:
    return bot(bob)


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, bot: Any, alice: Account, bob: Account,
         bob_bot: Any) -> Iterator[ClientPage]:
    # Before alice's page loads, give her a roster: three example.com buddies (no subscription)
    # and bob with a mutual subscription (bob's bot approves and asks back; alice's bot approves).
    setup = bot(alice, "setup")
    for index, (jid, name, groups) in enumerate((("buddy@example.com", "Buddy", ("Friends",)),
                                                 ("buddy1@example.com", "", ()),
                                                 ("buddy2@example.com", "Buddy Two", ("Friends", "Work")))):
        setup.send_raw(roster_set_xml(jid, name, groups, f"rs{index}"))
        assert "type=\"result\"" in setup.wait_for_iq_result(f"rs{index}")
    setup.send_raw(roster_set_xml(bob.jid, "Bob", ("Friends",), "rsbob"))
    setup.wait_for_iq_result("rsbob")
    setup.send_presence(pto=bob.jid, ptype="subscribe")
    bob_bot.wait_for_presence(lambda frm, kind, *_: frm.startswith(alice.jid) and kind == "available",
                              timeout=10)
    setup.stop()
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True, "keepalive": False, "show_controlbox_by_default": True,
                "roster_groups": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/roster.html", settings)
    handle.wait_for("window.out.all && window.out.statusInitialized", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def contact(page: ClientPage, jid: str) -> Any:
    """The contact's attributes as JSON-able dict (None when not in the roster)."""
    return page.js("""(jid) => {
        const c = window.capi.contacts.get(jid);
        if (!c) return null;
        const out = {};
        for (const k of ['ask', 'fullname', 'jid', 'requesting', 'subscription', 'id', 'chat_status', 'user_id',
                         'resources', 'groups', 'status', 'image_type', 'image', 'url', 'vcard_updated']) {
            out[k] = c.get(k);
        }
        return out;
    }""", jid)


def row(jid: str) -> str:
    return f'#conversejs li.cpy-contact[data-jid="{jid}"]'


# -- the seed's contacts.get snippets -----------------------------------------------------------
def test_seed_contacts_get_snippets_run_as_written(page: ClientPage, bob: Account) -> None:
    assert page.js("window.out.one") == {"jid": "buddy@example.com", "fullname": "Buddy",
                                         "groups": ["Friends"], "subscription": "none"}
    assert page.js("window.out.many") == ["buddy1@example.com", "buddy2@example.com"]
    assert page.js("window.out.all") == sorted(["buddy@example.com", "buddy1@example.com", "buddy2@example.com",
                                                bob.jid])
    assert page.js("window.capi.contacts.get('nobody@example.com')") is None


def test_contacts_carry_every_seed_attribute(page: ClientPage, bob: Account) -> None:
    got = contact(page, bob.jid)
    assert got["jid"] == got["id"] == bob.jid
    assert got["user_id"] == bob.username
    assert got["fullname"] == "Bob" and got["groups"] == ["Friends"]
    assert got["subscription"] == "both" and got["ask"] is None and got["requesting"] is False
    nameless = contact(page, "buddy1@example.com")
    assert nameless["fullname"] == "buddy1@example.com"  # no name: the JID is shown
    assert set(got) == {"ask", "fullname", "jid", "requesting", "subscription", "id", "chat_status", "user_id",
                        "resources", "groups", "status", "image_type", "image", "url", "vcard_updated"}


def test_roster_is_grouped_with_a_contact_in_each_of_its_groups(page: ClientPage) -> None:
    heads = page.page.locator("#conversejs .cpy-group-head").all_inner_texts()
    assert [h.strip().lower() for h in heads] == ["friends", "work", "ungrouped"]
    assert page.page.locator(row("buddy2@example.com")).count() == 2
    assert page.page.text_content(f'{row("buddy@example.com")} .cpy-name') == "Buddy"


# -- presence ---------------------------------------------------------------------------------------
def test_presence_of_every_resource_decides_chat_status_and_the_dom_follows(
        page: ClientPage, bob: Account, bob_bot: Any, bot: Any) -> None:
    page.wait_for(f"window.capi.contacts.get({json.dumps(bob.jid)}).get('chat_status') === 'online'")
    bob_bot.send_presence(pshow="away", pstatus="lunch")
    page.wait_for(f"window.capi.contacts.get({json.dumps(bob.jid)}).get('chat_status') === 'away'")
    page.page.wait_for_selector(f"{row(bob.jid)}.cpy-away")
    assert page.page.text_content(f"{row(bob.jid)} .cpy-status-msg") == "lunch"
    phone = bot(bob, "phone")
    phone.send_presence(ppriority=5)
    page.wait_for(f"window.capi.contacts.get({json.dumps(bob.jid)}).get('resources').length === 2")
    got = contact(page, bob.jid)
    assert got["chat_status"] == "online" and sorted(got["resources"]) == ["bot", "phone"]
    page.page.wait_for_selector(f"{row(bob.jid)}.cpy-online")
    phone.stop()
    page.wait_for(f"window.capi.contacts.get({json.dumps(bob.jid)}).get('resources').length === 1")
    assert contact(page, bob.jid)["chat_status"] == "away"
    page.page.wait_for_selector(f"{row(bob.jid)}.cpy-away")
    events = page.js("window.out.events")
    assert ["contactStatusChanged", bob.jid] in events


# -- subscriptions --------------------------------------------------------------------------------------
def test_add_then_they_accept_and_ask_back_then_accept_gives_both(page: ClientPage, prosody: Any,
                                                                  bot: Any) -> None:
    carol = unique_account(prosody, "carol")
    carol_bot = bot(carol)  # slixmpp approves requests and asks back by default
    page.js(f"""() => converse.plugins.add('seed-add-{carol.username}', {{ initialize: function () {{
        var _converse = this._converse;
        window.out.added = _converse.api.contacts.add({json.dumps(carol.jid)}, 'Carol');
    }} }})""")
    page.wait_for(f"window.capi.contacts.get({json.dumps(carol.jid)}) !== null")
    # Carol approves: subscription "to"; she asks back: a request shows with Accept / Decline.
    request = f'#conversejs li.cpy-request[data-jid="{carol.jid}"]'
    page.page.wait_for_selector(request, timeout=10_000)
    got = contact(page, carol.jid)
    assert got["subscription"] == "to" and got["requesting"] is True and got["fullname"] == "Carol"
    assert ["contactRequest", carol.jid] in page.js("window.out.events")
    page.page.click(f'{request} [data-action="accept-request"]')
    page.wait_for(f"window.capi.contacts.get({json.dumps(carol.jid)}).get('subscription') === 'both'")
    page.page.wait_for_selector(request, state="detached")
    carol_bot.wait_for_presence(lambda frm, kind, *_: frm.startswith(page.js("window.capi.user.jid()"))
                                and kind == "available", timeout=10)
    page.page.wait_for_selector(f"{row(carol.jid)}.cpy-online")


def test_contacts_add_sets_ask_until_they_answer(page: ClientPage, prosody: Any) -> None:
    silent = unique_account(prosody, "silent")  # never logs in, so never answers
    page.js(f"window.capi.contacts.add({json.dumps(silent.jid)})")
    page.wait_for(f"(c => c && c.get('ask') === 'subscribe')(window.capi.contacts.get({json.dumps(silent.jid)}))")
    got = contact(page, silent.jid)
    assert got["fullname"] == silent.jid and got["subscription"] == "none"
    page.page.wait_for_selector(f'{row(silent.jid)} .cpy-status-msg:text-is("Awaiting approval")')


def test_declining_a_request_tells_them_and_forgets_them(page: ClientPage, prosody: Any, bot: Any,
                                                        alice: Account) -> None:
    dave = unique_account(prosody, "dave")
    dave_bot = bot(dave)
    dave_bot.send_presence(pto=alice.jid, ptype="subscribe", pstatus="let me in")
    request = f'#conversejs li.cpy-request[data-jid="{dave.jid}"]'
    page.page.wait_for_selector(request, timeout=10_000)
    assert page.page.text_content(f"{request} .cpy-status-msg") == "let me in"
    page.page.click(f'{request} [data-action="decline-request"]')
    dave_bot.wait_for_presence(lambda frm, kind, *_: frm.startswith(alice.jid) and kind == "unsubscribed")
    page.page.wait_for_selector(request, state="detached")
    assert contact(page, dave.jid) is None


def test_removing_a_contact_updates_models_and_dom(page: ClientPage) -> None:
    page.page.wait_for_selector(row("buddy1@example.com"))
    page.js("window.capi.contacts.remove('buddy1@example.com')")
    page.page.wait_for_selector(row("buddy1@example.com"), state="detached")
    assert contact(page, "buddy1@example.com") is None
    assert ["rosterPush", "buddy1@example.com"] in page.js("window.out.events")


# -- vCards --------------------------------------------------------------------------------------------------
def test_vcard_of_a_new_contact_is_fetched_and_the_avatar_shown(page: ClientPage, prosody: Any, bot: Any) -> None:
    erin = unique_account(prosody, "erin")
    erin_bot = bot(erin)
    erin_bot.send_raw("<iq type='set' id='vc1'><vCard xmlns='vcard-temp'><FN>Erin Example</FN>"
                      "<URL>https://example.com/erin</URL><PHOTO><TYPE>image/png</TYPE>"
                      f"<BINVAL>{PNG}</BINVAL></PHOTO></vCard></iq>")
    assert 'type="result"' in erin_bot.wait_for_iq_result("vc1")
    # Added through the control box's form, without a name: the vCard's FN becomes the fullname.
    page.page.click("#conversejs details.cpy-add summary")
    page.page.fill("#cpy-add-jid", erin.jid)
    page.page.click('#conversejs form[data-action="add-contact"] button[type="submit"]')
    page.wait_for(f"(c => c && c.get('vcard_updated'))(window.capi.contacts.get({json.dumps(erin.jid)}))",
                  timeout=10_000)
    got = contact(page, erin.jid)
    assert (got["fullname"], got["image_type"], got["image"], got["url"]) == \
        ("Erin Example", "image/png", PNG, "https://example.com/erin")
    avatar = page.page.locator(f"{row(erin.jid)} img.cpy-avatar")
    avatar.wait_for()
    assert avatar.get_attribute("src") == f"data:image/png;base64,{PNG}"
    assert "Request sent" in page.page.text_content('#conversejs [data-role="add-feedback"]')


def test_add_contact_form_reports_a_bad_address(page: ClientPage) -> None:
    if not page.js("document.querySelector('#conversejs details.cpy-add').open"):
        page.page.click("#conversejs details.cpy-add summary")
    page.page.fill("#cpy-add-jid", "not a jid@")
    page.page.click('#conversejs form[data-action="add-contact"] button[type="submit"]')
    feedback = page.page.locator('#conversejs [data-role="add-feedback"].cpy-error')
    feedback.wait_for()
    assert "not a jid@" in feedback.inner_text() or "JID" in feedback.inner_text()


# -- the filter box ---------------------------------------------------------------------------------------
def test_filter_box_narrows_the_roster_by_name_or_jid(page: ClientPage, bob: Account) -> None:
    page.page.fill("#conversejs input.cpy-filter", "BUDDY t")
    page.wait_for("document.querySelectorAll('#conversejs li.cpy-contact').length === 2")  # in two groups
    assert page.page.locator(row("buddy2@example.com")).count() == 2
    page.page.fill("#conversejs input.cpy-filter", bob.username)
    page.page.wait_for_selector(row(bob.jid))
    assert page.page.locator("#conversejs li.cpy-contact").count() == 1
    page.page.fill("#conversejs input.cpy-filter", "zzz-no-such-contact")
    page.page.wait_for_selector('#conversejs [data-role="roster-empty"]:not([hidden])')
    page.page.fill("#conversejs input.cpy-filter", "")
    page.wait_for("document.querySelectorAll('#conversejs li.cpy-contact').length > 4")


# -- own status ----------------------------------------------------------------------------------------------
def test_status_selector_and_seed_snippets_send_presence_and_survive_a_reload(
        page: ClientPage, bob_bot: Any, alice: Account, bob: Account) -> None:
    assert page.js("window.out.statusInitialized") == "online"
    page.page.select_option("#cpy-status-select", "away")
    bob_bot.wait_for_presence(lambda frm, kind, show, _s: frm.startswith(alice.jid) and show == "away")
    # The seed's examples, as written.
    page.js("""() => converse.plugins.add('seed-status-get', { initialize: function () {
        alert(this._converse.api.user.status.get()); // For example "dnd"
    } })""")
    assert page.js("window.alerts.pop()") == "away"
    page.js("""() => converse.plugins.add('seed-status-set', { initialize: function () {
        this._converse.api.user.status.set('dnd', 'In a meeting');
    } })""")
    bob_bot.wait_for_presence(lambda frm, kind, show, status: frm.startswith(alice.jid) and show == "dnd"
                              and status == "In a meeting")
    got = page.js("""() => new Promise((resolve) => converse.plugins.add('seed-status-message', {
        initialize: function () {
            this._converse.api.user.status.message.set('In a meeting');
            // Returns "In a meeting"
            resolve(this._converse.api.user.status.message.get());
        } }))""")
    assert got == "In a meeting"
    assert page.page.input_value("#cpy-status-select") == "dnd"
    assert page.page.input_value("#cpy-status-message") == "In a meeting"
    events = page.js("window.out.events")
    assert ["statusChanged", "away"] in events and ["statusChanged", "dnd"] in events
    assert ["statusMessageChanged", "In a meeting"] in events
    # A bad value is refused with a clear error.
    error = page.js("() => { try { window.capi.user.status.set('busy'); } catch (e) { return e.message; } }")
    assert "busy" in error and "online" in error
    # Reload: the same tab logs in again and announces the kept status.
    bob_bot.presences.clear()
    page.page.reload()
    page.wait_for("window.out.statusInitialized", timeout=BOOT_TIMEOUT_MS)
    assert page.js("window.out.statusInitialized") == "dnd"
    assert page.js("window.capi.user.status.message.get()") == "In a meeting"
    bob_bot.wait_for_presence(lambda frm, kind, show, status: frm.startswith(alice.jid) and show == "dnd")
    assert page.page.input_value("#cpy-status-select") == "dnd"
    # The roster came back through XEP-0237 versioning (cached items + the server's answer).
    cache = page.js("JSON.parse(sessionStorage.getItem('converse-py:roster:' + "
                    f"{json.dumps(alice.jid)}))")
    assert cache["ver"] and bob.jid in [item["jid"] for item in cache["items"]]
    page.page.wait_for_selector(row(bob.jid))
    # Offline: an unavailable presence goes out.
    page.js("window.capi.user.status.set('offline')")
    bob_bot.wait_for_presence(lambda frm, kind, *_: frm.startswith(alice.jid) and kind == "unavailable")


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
