"""Off-the-Record chats in a real page against the real Prosody: alice is converse-py in Chromium,
bob is python-potr 1.0.2 (OTR v2) on CPython, carried by slixmpp (tools/bot.py) and driven from the
test thread. Sessions started from either side, messages both ways, the padlock, SMP from the
padlock menu, the refusal to send in the clear, the archive holding only ciphertext, and the end.
"""

from __future__ import annotations

import json
import pathlib
import time
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account
from .test_a11y import axe_violations

interop = pytest.importorskip("tests.unit.test_otr_interop", reason="python-potr or pycryptodome is not installed")
potr = interop.potr


class PotrBob:
    """A potr context whose messages travel through a slixmpp bot."""

    def __init__(self, bot: Any, alice: Account) -> None:
        self.bot = bot
        self.alice = alice
        self.context = interop.make_potr()
        self.plaintexts: list[str] = []
        self.seen = 0
        self.smp_asked = False

    def pump(self) -> None:
        """Read what arrived, let potr answer."""
        with self.bot._cond:
            new = self.bot.received[self.seen:]
            self.seen += len(new)
        for _sender, body in new:
            try:
                text, tlvs = self.context.receiveMessage(body.encode("utf-8"))
            except (potr.context.NotOTRMessage, potr.context.NotEncryptedError):
                text, tlvs = None, []
            if text:
                self.plaintexts.append(text.decode("utf-8"))
            if any(type(t).__name__ in ("SMP1TLV", "SMP1QTLV") for t in tlvs):
                self.smp_asked = True
        self.flush()

    def flush(self) -> None:
        out, self.context.outbox = self.context.outbox, []
        for body in out:
            self.bot.send_message(self.alice.jid, body)

    def until(self, condition: Any, timeout: float = 20.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; bob got {self.bot.received!r}")

    def encrypted(self) -> bool:
        return bool(self.context.state == potr.context.STATE_ENCRYPTED)

    def say(self, text: str) -> None:
        out = self.context.sendMessage(potr.context.FRAGMENT_SEND_ALL, text.encode("utf-8"))
        if out:
            self.context.outbox.append(out.decode("ascii"))
        self.flush()


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    settings = {"bosh_service_url": prosody.bosh_url, "jid": alice.jid, "password": alice.password,
                "auto_login": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('otr-test', {
        initialize() {
            const api = this._converse.api;
            window.otrEvents = [];
            api.listen.on('otrStateChanged', (box, state) => window.otrEvents.push([box.model.get('jid'), state]));
            api.listen.on('otrSmpResult', (box, result) => window.otrEvents.push([box.model.get('jid'), result]));
            window.cpyApi = api;
            api.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
    yield handle
    handle.close()


def box_sel(jid: str) -> str:
    return f'section.cpy-chatbox[data-jid="{jid}"]'


def padlock_state(page: ClientPage, jid: str) -> Any:
    return page.js("(sel) => { const b = document.querySelector(sel + ' [data-action=\"otr-menu\"]');"
                   " return b && b.dataset.otrState; }", box_sel(jid))


def wait_padlock(page: ClientPage, jid: str, state: str) -> None:
    page.wait_for("([sel, state]) => { const b = document.querySelector(sel + ' [data-action=\"otr-menu\"]');"
                  " return b && b.dataset.otrState === state; }", arg=[box_sel(jid), state], timeout=20_000)


def rows(page: ClientPage, jid: str) -> list[str]:
    return page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))
        .map(e => e.textContent)""", box_sel(jid))


def archive_bodies(page: ClientPage, jid: str) -> list[str]:
    page.js("""(jid) => { window.otrArchive = null;
        window.cpyApi.archive.query({'with': jid, 'max': 100}, (messages) => {
            window.otrArchive = messages.map(m => m.getElementsByTagName('body')[0].textContent); },
            () => { window.otrArchive = ['query failed']; }); }""", jid)
    page.wait_for("window.otrArchive !== null")
    return list(page.js("window.otrArchive"))


def test_alice_starts_with_initiate_otr_messages_both_ways_archive_is_ciphertext_then_end(
        page: ClientPage, prosody: Any, alice: Account, bot: Any) -> None:
    bob_account = unique_account(prosody, "bob")
    bob = PotrBob(bot(bob_account, "potr"), alice)
    jid = bob_account.jid
    page.js("(jid) => { window.otrBox = window.cpyApi.chats.open(jid); window.otrBox.model.initiateOTR(); }", jid)
    bob.until(bob.encrypted, what="the AKE")
    wait_padlock(page, jid, "unverified")
    assert page.js("window.otrBox.model.get('otr_state')") == "unverified"
    assert bob.context.getCurrentKey() is not None
    # the fingerprint alice's menu shows is the one potr saw
    page.page.click(f'{box_sel(jid)} [data-action="otr-menu"]')
    shown_fps = page.js("(sel) => Array.from(document.querySelectorAll(sel + ' .cpy-otr-fp')).map(e => e.textContent)",
                        box_sel(jid))
    # potr prints fingerprints as five groups of eight hex digits too
    assert shown_fps == [str(bob.context.getCurrentKey()), str(bob.context.user.getPrivkey())]
    assert axe_violations(page) == []  # padlock and open menu
    # alice → bob through the composer: bob's potr decrypts it
    textarea = page.page.locator(f"{box_sel(jid)} textarea")
    textarea.fill("hello bob, privately")
    textarea.press("Enter")
    bob.until(lambda: "hello bob, privately" in bob.plaintexts, what="alice's message")
    assert textarea.input_value() == ""
    assert not any("hello bob" in body for _sender, body in bob.bot.received)  # only ciphertext travelled
    # bob → alice: alice's DOM shows the plaintext, as text
    bob.say("hi alice <b>from potr</b>")
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length >= 2", arg=box_sel(jid))
    assert rows(page, jid) == ["hello bob, privately", "hi alice <b>from potr</b>"]
    # Prosody's archive of alice holds ciphertext only
    archived = archive_bodies(page, jid)
    assert len(archived) >= 5, archived  # query, AKE messages, two data messages
    assert all(body.startswith("?OTR") for body in archived), archived
    assert not any("privately" in body or "from potr" in body for body in archived)
    # bob ends: finished; alice's composer refuses to send in the clear and keeps the text
    bob.context.disconnect()
    bob.flush()
    wait_padlock(page, jid, "finished")
    textarea.fill("this must not go in the clear")
    textarea.press("Enter")
    page.wait_for("(sel) => { const n = document.querySelector(sel + ' [data-role=\"otr-notice\"]');"
                  " return n && !n.hidden && n.textContent.includes('Not sent'); }", arg=box_sel(jid))
    assert textarea.input_value() == "this must not go in the clear"
    assert "this must not go in the clear" not in rows(page, jid)
    assert axe_violations(page) == []  # finished padlock, notice, refreshed menu
    bot_count = len(bob.bot.received)
    page.js("() => window.otrBox.model.endOTR()")
    wait_padlock(page, jid, "not-private")
    time.sleep(0.5)
    assert not any("must not go" in body for _sender, body in bob.bot.received[bot_count:])
    assert [e for e in page.js("window.otrEvents") if e[0] == jid] == \
        [[jid, "unverified"], [jid, "finished"], [jid, "not-private"]]


def test_bob_starts_alice_accepts_and_verifies_with_smp(page: ClientPage, prosody: Any, alice: Account,
                                                       bot: Any) -> None:
    bob_account = unique_account(prosody, "bob")
    bob = PotrBob(bot(bob_account, "potr"), alice)
    jid = bob_account.jid
    bob.bot.send_message(alice.jid, "?OTRv2?")
    bob.until(bob.encrypted, what="the AKE bob asked for")
    wait_padlock(page, jid, "unverified")
    bob.say("bob started this")
    page.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length >= 1", arg=box_sel(jid))
    assert rows(page, jid) == ["bob started this"]  # the query and the AKE were not shown
    textarea = page.page.locator(f"{box_sel(jid)} textarea")
    textarea.fill("accepted")
    textarea.press("Enter")
    bob.until(lambda: "accepted" in bob.plaintexts, what="alice's reply")
    # SMP from alice's padlock menu; potr answers with the same secret
    page.page.click(f'{box_sel(jid)} [data-action="otr-menu"]')
    form = page.page.locator(f'{box_sel(jid)} form[data-action="otr-verify"]')
    form.locator('input[name="secret"]').fill("blue whale")
    form.locator("button").click()
    bob.until(lambda: bob.smp_asked, what="alice's SMP request")
    bob.context.smpGotSecret(b"blue whale")
    bob.flush()
    deadline = time.monotonic() + 20
    while padlock_state(page, jid) != "verified" and time.monotonic() < deadline:
        bob.pump()
        time.sleep(0.05)
    assert padlock_state(page, jid) == "verified"
    assert [jid, "succeeded"] in page.js("window.otrEvents")
    trusted = json.loads(page.js("(key) => localStorage.getItem(key)", "converse-py-otr-trust:" + alice.jid))
    assert trusted == {jid: [str(bob.context.user.getPrivkey())]}
    # the menu's end button: the padlock opens, bob's potr learns the session is over
    page.page.click(f'{box_sel(jid)} [data-action="otr-end"]')
    wait_padlock(page, jid, "not-private")
    bob.until(lambda: bob.context.state == potr.context.STATE_FINISHED, what="the disconnect")


def test_the_key_outlives_the_tab_in_local_storage_without_the_password(page: ClientPage, alice: Account) -> None:
    stored = page.js("() => Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))")
    key = json.loads(stored["converse-py-otr-account:" + alice.jid])
    assert key["key"].startswith("otr-dsa-1:") and key["instance_tag"] >= 0x100
    assert not any(alice.password in value for value in stored.values())
    assert page.js("(k) => sessionStorage.getItem(k)", "converse-py-otr-account:" + alice.jid) is None


def test_allow_otr_false_no_padlock_no_answer_and_initiate_otr_throws(browser: Any, web_server: Any, prosody: Any,
                                                                     bot: Any) -> None:
    carol, dave = unique_account(prosody, "carol"), unique_account(prosody, "dave")
    settings = {"bosh_service_url": prosody.bosh_url, "jid": carol.jid, "password": carol.password,
                "auto_login": True, "allow_otr": False}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    try:
        handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
        handle.js("""() => new Promise((resolve) => converse.plugins.add('no-otr', { initialize() {
            window.cpyApi = this._converse.api; this._converse.api.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
        peer = bot(dave, "potr")
        peer.send_message(carol.jid, "?OTRv2? let us talk privately")
        handle.wait_for("(sel) => document.querySelectorAll(sel + ' li.cpy-msg').length >= 1", arg=box_sel(dave.jid))
        assert rows(handle, dave.jid) == ["?OTRv2? let us talk privately"]  # plain text, as sent
        assert handle.page.locator(f'{box_sel(dave.jid)} [data-action="otr-menu"]').count() == 0
        error = handle.js("""(jid) => { try { window.cpyApi.chats.get(jid).model.initiateOTR(); return null; }
                                        catch (e) { return [e.name, e.message]; } }""", dave.jid)
        assert error == ["OtrDisabledError",
                         "initiateOTR: Off-the-Record is disabled (the allow_otr setting is false)"]
        textarea = handle.page.locator(f"{box_sel(dave.jid)} textarea")
        textarea.fill("plain reply")
        textarea.press("Enter")
        peer.wait_for_message("plain reply")  # exactly the text: no whitespace tag, no query
        assert not any(body.startswith("?OTR") for _sender, body in peer.received)
        assert handle.js("() => Object.keys(localStorage).filter(k => k.startsWith('converse-py-otr'))") == []
    finally:
        handle.close()


def test_readme_example_runs_as_written(page: ClientPage, prosody: Any, alice: Account, bot: Any) -> None:
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Off-the-Record chats", 1)[1]
    example = section.split("```js", 1)[1].split("```", 1)[0]
    plugin = example[example.index("converse.plugins.add("):]
    bob_account = unique_account(prosody, "bob")
    bob = PotrBob(bot(bob_account, "potr"), alice)
    assert plugin.count("'bob@localhost'") == 1
    page.js(f"() => {{ {plugin.replace(chr(39) + 'bob@localhost' + chr(39), json.dumps(bob_account.jid))} }}")
    bob.until(bob.encrypted, what="the AKE the README example starts")
    wait_padlock(page, bob_account.jid, "unverified")
    deadline = time.monotonic() + 10
    expected = f"log: {bob_account.jid} unverified"
    while expected not in page.console and time.monotonic() < deadline:
        page.page.wait_for_timeout(100)  # lets Playwright deliver console events
    assert expected in page.console, page.console[-5:]


def test_require_otr_refuses_in_the_clear_keeps_the_text_and_starts_the_session(
        page: ClientPage, prosody: Any, alice: Account, bot: Any) -> None:
    bob_account = unique_account(prosody, "bob")
    bob = PotrBob(bot(bob_account, "potr"), alice)
    jid = bob_account.jid
    page.js("(jid) => { window.cpyApi.settings.set('require_otr', true); window.cpyApi.chats.open(jid); }", jid)
    try:
        textarea = page.page.locator(f"{box_sel(jid)} textarea")
        textarea.fill("for your eyes only")
        textarea.press("Enter")
        page.wait_for("(sel) => { const n = document.querySelector(sel + ' [data-role=\"otr-notice\"]');"
                      " return n && !n.hidden && n.textContent.includes('Not sent'); }", arg=box_sel(jid))
        assert textarea.input_value() == "for your eyes only"  # kept in the composer
        assert rows(page, jid) == []
        bob.until(bob.encrypted, what="the AKE require_otr started")  # the refusal sent a query, not the text
        assert not any("eyes only" in body for _sender, body in bob.bot.received)
        wait_padlock(page, jid, "unverified")
        assert page.js("(sel) => document.querySelector(sel + ' [data-role=\"otr-notice\"]').hidden", box_sel(jid))
        textarea.press("Enter")
        bob.until(lambda: "for your eyes only" in bob.plaintexts, what="the message, now encrypted")
        assert rows(page, jid) == ["for your eyes only"] and textarea.input_value() == ""
    finally:
        page.js("() => window.cpyApi.settings.set('require_otr', false)")
