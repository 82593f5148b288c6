"""OMEMO 0.3 in a real page against the real server: alice is converse-py in Chromium; her
contacts are slixmpp-omemo 2.2.0 peers (python-omemo; tests/browser/omemo_bot.py). The WebCrypto
backend against published test vectors; the core loaded lazily; a message from the peer decrypted
in the page; messages from the page (the toolbar, JS and Python) decrypted by the peer, while the
server only ever carried the fallback body; a contact without OMEMO gets nothing, and the user sees
why. One login for the module.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any
from collections.abc import Callable, Iterator

import pytest

from .omemo_bot import OmemoBot
from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

FALLBACK = "I sent you an OMEMO encrypted message but your client doesn’t seem to support that."


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


#: Peers made by one test that a later one talks to again.
PEERS: dict[str, Any] = {}


def prepare(handle: ClientPage) -> None:
    """Once the page is up: ``window.cpyApi``, ``omemoReady`` ids, and the Python ``_converse`` for
    ``run_async`` (module ``omemo_test_state``)."""
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    handle.js("""() => new Promise((resolve) => converse.plugins.add('js-omemo-test', {
        initialize() {
            window.cpyApi = this._converse.api;
            window.omemoReady = [];
            window.cpyApi.listen.on('omemoReady', (id) => { window.omemoReady.push(id); window.omemoReadyAt = performance.now(); });
            window.cpyApi.waitUntil('chatBoxesFetched').then(resolve);
        }}))""")
    handle.js("code => window.runPython(code)", textwrap.dedent("""
        import sys, types
        class Grab:
            def initialize(self):
                sys.modules.setdefault("omemo_test_state", types.ModuleType("omemo_test_state")).converse = self._converse
        converse.plugins.add("py-omemo-grab", Grab)
        """))


def open_api_page(browser: Any, web_server: Any, prosody: Any, account: Account) -> Iterator[ClientPage]:
    """A module's page: api.html logged in as ``account``, then ``prepare``d; closed at the end."""
    settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True}
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    prepare(handle)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    yield from open_api_page(browser, web_server, prosody, alice)


@pytest.fixture(scope="module")
def omemo_peer(prosody: Any) -> Iterator[Callable[[Account], OmemoBot]]:
    bots: list[OmemoBot] = []

    def make(account: Account) -> OmemoBot:
        peer = OmemoBot(account.jid, account.password, "127.0.0.1", prosody.c2s_port, "omemo")
        bots.append(peer)
        peer.start()
        peer.start_omemo()
        return peer
    yield make
    for peer in bots:
        peer.stop()


def run_async(page: ClientPage, body: str, timeout: int = 60_000) -> Any:
    """Run ``body`` (the body of an async function, returning something JSON-able) in the page's
    Python; its result."""
    code = "async def main():\n" + textwrap.indent(textwrap.dedent(body), "    ") + textwrap.dedent("""

    async def wrapper():
        import json
        try:
            window.pyResult = json.dumps({"ok": await main()})
        except Exception as error:
            window.pyResult = json.dumps({"error": type(error).__name__ + ": " + str(error)})

    asyncio.ensure_future(wrapper())
    """)
    page.js("() => { window.pyResult = null; }")
    page.js("code => window.runPython(code)", code)
    page.wait_for("typeof window.pyResult === 'string'", timeout=timeout)
    result = json.loads(page.js("window.pyResult"))
    assert "error" not in result, result.get("error")
    return result["ok"]


def box_sel(jid: str) -> str:
    return f'section.cpy-chatbox[data-jid="{jid}"]'


def rows(page: ClientPage, jid: str) -> list[str]:
    return page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))
        .map(e => e.textContent)""", box_sel(jid))


def wait_row(page: ClientPage, jid: str, text: str) -> None:
    page.wait_for("([sel, text]) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))"
                  ".some(e => e.textContent === text)", arg=[box_sel(jid), text], timeout=30_000)


def locked(page: ClientPage, jid: str, text: str) -> bool:
    return page.js("""([sel, text]) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg'))
        .some(li => li.querySelector('.cpy-body')?.textContent === text && !!li.querySelector('.cpy-omemo-lock'))""",
                   [box_sel(jid), text])


def raw_with(peer: OmemoBot, predicate: Callable[[str], bool]) -> list[str]:
    with peer._cond:
        return [xml for xml in peer.stanzas if predicate(xml)]


# -- the WebCrypto backend -------------------------------------------------------------------
def test_webcrypto_backend_matches_rfc_7748_5869_4231_and_nist_vectors(page: ClientPage) -> None:
    result = run_async(page, """
        from converse_py.browser.webcrypto import WebCrypto
        from converse_py.plugins.omemo.errors import DecryptionError, KeyExchangeError
        c = WebCrypto()
        h = bytes.fromhex
        out = {}
        # RFC 7748 §6.1
        a = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        b_pub = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        out["x25519"] = (await c.x25519(a, b_pub)).hex()
        pair = await c.x25519_generate()
        out["generated"] = len(pair.private), len(pair.public)
        out["agree"] = (await c.x25519(pair.private, b_pub)) == (await c.x25519(
            h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"), pair.public))
        try:
            await c.x25519(a, bytes(32))
            out["low_order"] = "accepted"
        except KeyExchangeError as error:
            out["low_order"] = str(error)
        # RFC 5869 test case 1
        out["hkdf"] = (await c.hkdf_sha256(h("0b" * 22), salt=h("000102030405060708090a0b0c"),
                                           info=h("f0f1f2f3f4f5f6f7f8f9"), length=42)).hex()
        # RFC 4231 test case 2
        out["hmac"] = (await c.hmac_sha256(b"Jefe", b"what do ya want for nothing?")).hex()
        # NIST GCM test case 3 (AES-128)
        key, iv = h("feffe9928665731c6d6a8f9467308308"), h("cafebabefacedbaddecaf888")
        plain = h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
                  "b16aedf5aa0de657ba637b391aafd255")
        sealed = await c.aes_gcm_encrypt(key, iv, plain)
        out["gcm"] = sealed.hex()
        out["gcm_open"] = (await c.aes_gcm_decrypt(key, iv, sealed)) == plain
        try:
            await c.aes_gcm_decrypt(key, iv, sealed[:-1] + bytes([sealed[-1] ^ 1]))
            out["gcm_tamper"] = "accepted"
        except DecryptionError as error:
            out["gcm_tamper"] = str(error)
        # NIST SP 800-38A F.2.5 (CBC-AES256, first block; WebCrypto adds a PKCS#7 block)
        key = h("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
        iv = h("000102030405060708090a0b0c0d0e0f")
        cbc = await c.aes_cbc_encrypt(key, iv, h("6bc1bee22e409f96e93d7e117393172a"))
        out["cbc"] = cbc[:16].hex(), len(cbc)
        out["cbc_open"] = (await c.aes_cbc_decrypt(key, iv, cbc)).hex()
        try:
            await c.aes_cbc_decrypt(key, iv, cbc[:16])
            out["cbc_bad"] = "accepted"
        except DecryptionError as error:
            out["cbc_bad"] = str(error)
        return out
    """)
    assert result["x25519"] == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert result["generated"] == [32, 32] and result["agree"] is True
    assert "low-order" in result["low_order"]
    assert result["hkdf"] == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                              "34007208d5b887185865")
    assert result["hmac"] == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert result["gcm"] == ("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
                             "ac84aa051ba30b396a0aac973d58e091473f59854d5c2af327cd64a62cf35abd2ba6fab4")
    assert result["gcm_open"] is True and "tag" in result["gcm_tamper"]
    assert result["cbc"] == ["f58c4c04d6e5f1ba779eabfb5f7bfbd6", 32]
    assert result["cbc_open"] == "6bc1bee22e409f96e93d7e117393172a"
    assert "padding" in result["cbc_bad"]


def test_the_core_is_not_loaded_before_omemo_is_needed(page: ClientPage) -> None:
    assert run_async(page, """
        import sys
        return "converse_py.plugins.omemo.service" in sys.modules
    """) is False
    assert not [url for url in page.requests if url.endswith("/static/omemo.zip")]


# -- from the page to the peer ---------------------------------------------------------------
def test_a_row_held_for_its_change_is_drawn_once_changed_or_after_the_hold(page: ClientPage, prosody: Any) -> None:
    """How an incoming OMEMO message is drawn: its "Decrypting…" row is held back (HOLD) until
    it is decrypted, at most 150 ms, so the list draws it once, with its text."""
    jid = unique_account(prosody, "held").jid
    page.js("(jid) => window.cpyApi.chats.open(jid)", jid)
    page.wait_for("(sel) => !!document.querySelector(sel + ' [data-role=messages]')", arg=box_sel(jid))
    page.js("""(sel) => { window.heldSeen = [];
        new MutationObserver((records) => { for (const r of records) for (const n of r.addedNodes)
            if (n.nodeType === 1) window.heldSeen.push(n.textContent); })
        .observe(document.querySelector(sel + ' [data-role=messages]'), {childList: true, subtree: true}); }""",
            box_sel(jid))
    waited = run_async(page, """
        import asyncio
        from datetime import UTC, datetime
        import js
        from omemo_test_state import converse
        from converse_py.plugins.chats.models import HOLD, ShownMessage
        from converse_py.plugins.chats.plugin import ChatsState
        box = converse.get(ChatsState).boxes[JID]
        box.add_messages([ShownMessage("held-1", JID, "placeholder one", datetime.now(UTC), False, extras={HOLD: True})])
        await asyncio.sleep(0.03)
        box.change_message("held-1", lambda m: {"body": "changed in time", "extras": {}})
        box.add_messages([ShownMessage("held-2", JID, "never changed", datetime.now(UTC), False, extras={HOLD: True})])
        start = js.performance.now()
        while "never changed" not in js.document.body.textContent and js.performance.now() - start < 2000:
            await asyncio.sleep(0.01)
        return js.performance.now() - start
    """.replace("JID", repr(jid)))
    seen = " | ".join(page.js("window.heldSeen"))
    assert "placeholder one" not in seen and "changed in time" in seen
    assert "never changed" in seen and 100 <= waited < 1000, (seen, waited)


def test_user_turns_omemo_on_in_the_toolbar_and_the_peer_decrypts_what_they_type(
        page: ClientPage, prosody: Any, omemo_peer: Callable[[Account], OmemoBot]) -> None:
    bob_account = unique_account(prosody, "bob")
    bob = omemo_peer(bob_account)
    jid = bob_account.jid
    PEERS["bob"] = (bob, jid)
    page.js("(jid) => window.cpyApi.chats.open(jid)", jid)
    section = box_sel(jid)
    page.page.wait_for_selector(f'{section} [data-role=toolbar] button[data-name="omemo"]')
    assert page.page.locator(f'{section} [data-action="omemo-info"]').is_hidden()
    page.js("""() => { window.firstUseTasks = []; window.clickedAt = performance.now();
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.firstUseTasks.push(e.duration); })
            .observe({type: 'longtask'}); }""")
    page.page.click(f'{section} [data-role=toolbar] button[data-name="omemo"]')
    page.page.wait_for_selector(f'{section} [data-action="omemo-info"]:not([hidden])')
    page.page.wait_for_function("() => window.omemoReady.length === 1", timeout=60_000)
    first_use = page.js("() => [window.omemoReadyAt - window.clickedAt, window.firstUseTasks]")
    print(f"first OMEMO use (archive loaded, keys made, bundle and device list published): {first_use[0]:.0f} ms; "
          f"long tasks {first_use[1]}")
    assert any(url.endswith("/static/omemo.zip") for url in page.requests)

    text = "meet me at the usual place ✓"
    page.page.fill(f"{section} textarea[name=body]", text)
    page.page.press(f"{section} textarea[name=body]", "Enter")
    assert bob.wait_for_plaintext(text) == text, bob.decrypt_errors
    carried = raw_with(bob, lambda xml: "eu.siacs.conversations.axolotl" in xml and "<encrypted" in xml)
    assert carried and all(text not in xml for xml in carried)  # the server saw the fallback only
    assert any(FALLBACK in xml and "urn:xmpp:eme:0" in xml and "<store" in xml for xml in carried)
    wait_row(page, jid, text)
    assert locked(page, jid, text)
    assert page.page.input_value(f"{section} textarea[name=body]") == ""

    # the answer: slixmpp-omemo encrypts, the page shows the plaintext (never the fallback)
    bob.send_encrypted(page.js("() => window.cpyApi.user.jid()").split("/")[0], "see you there 🌙")
    wait_row(page, jid, "see you there 🌙")
    assert locked(page, jid, "see you there 🌙")
    assert FALLBACK not in rows(page, jid)

    # fingerprints: this device's and bob's device, as the header lock's panel shows them
    page.page.click(f'{section} [data-action="omemo-info"]')
    page.page.wait_for_selector(f"{section} .cpy-omemo-fingerprints")
    panel = page.page.inner_text(f"{section} .cpy-omemo-fingerprints")
    own = run_async(page, """
        from omemo_test_state import converse
        from converse_py.plugins.omemo.plugin import OmemoChats
        service = converse.get(OmemoChats).service
        return [service.device_id, service.own_fingerprint()]
    """)
    assert f"({own[0]}): {own[1]}" in panel
    bob_device = bob_device_id(bob)
    assert str(bob_device) in panel and "trusted until verified" in panel
    # verify bob's device by its fingerprint: the row says so, and offers the other choices
    row = f'{section} .cpy-omemo-fingerprints li[data-device="{bob_device}"]'
    page.page.click(f'{row} button[data-state="verified"]')
    page.page.wait_for_selector(f'{row}[data-trust="verified"]')
    assert "(verified)" in page.page.inner_text(row)
    assert page.page.locator(f'{row} button[data-state="distrusted"]').count() == 1


def bob_device_id(peer: OmemoBot) -> int:
    async def device() -> int:
        manager = await peer.xmpp.plugin["xep_0384"].get_session_manager()  # type: ignore[index]
        info, _ = await manager.get_own_device_information()
        return int(info.device_id)
    return peer._call(device())


def test_a_peer_that_starts_the_session_is_decrypted_in_the_page(
        page: ClientPage, prosody: Any, alice: Account, omemo_peer: Callable[[Account], OmemoBot]) -> None:
    carol_account = unique_account(prosody, "carol")
    carol = omemo_peer(carol_account)
    carol.send_encrypted(alice.jid, "hello from python-omemo")
    wait_row(page, carol_account.jid, "hello from python-omemo")
    assert locked(page, carol_account.jid, "hello from python-omemo")
    carol.send_encrypted(alice.jid, "and a second one")
    wait_row(page, carol_account.jid, "and a second one")


def test_js_and_python_api_send_encrypted_messages_the_peer_decrypts(
        page: ClientPage, prosody: Any, omemo_peer: Callable[[Account], OmemoBot]) -> None:
    dave_account = unique_account(prosody, "dave")
    dave = omemo_peer(dave_account)
    jid = dave_account.jid
    # Python: the first message to dave's new device, timed (device list + bundle fetched, X3DH,
    # encryption, send: an upper bound of the main thread's share), with the main thread's long
    # tasks (over 50 ms) seen meanwhile
    run_async(page, """
        from omemo_test_state import converse
        from converse_py.plugins.omemo.plugin import OmemoChats
        await converse.get(OmemoChats).ensure_service()  # loaded and started (when this test runs alone)
    """)
    page.js("""() => { window.longTasks = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); })
            .observe({type: 'longtask'}); }""")
    elapsed = run_async(page, """
        from js import performance
        from omemo_test_state import converse
        from converse_py.plugins.chats.plugin import ChatsState
        from converse_py.plugins.omemo.plugin import OmemoChats
        box = converse.get(ChatsState).open(JID)
        box.set("omemo_active", True)
        start = performance.now()
        await converse.get(OmemoChats).send_encrypted(box, "from Python")
        return performance.now() - start
    """.replace("JID", repr(jid)))
    assert dave.wait_for_plaintext("from Python") == "from Python", dave.decrypt_errors
    long_tasks = page.js("window.longTasks")
    print(f"first OMEMO message to a new device: {elapsed:.0f} ms in the page; long tasks {long_tasks}")
    assert elapsed < 5000
    # JS, as Converse.js plugins do it
    page.js("""async (jid) => { const box = await window.cpyApi.chats.open(jid);
        box.model.set('omemo_active', true); box.model.sendMessage('from JS'); }""", jid)
    assert dave.wait_for_plaintext("from JS") == "from JS", dave.decrypt_errors
    wait_row(page, jid, "from JS")
    assert not raw_with(dave, lambda xml: "from JS" in xml or "from Python" in xml)


def test_a_contact_without_omemo_gets_nothing_and_the_user_sees_why(
        page: ClientPage, prosody: Any, bot: Any) -> None:
    erin_account = unique_account(prosody, "erin")
    erin = bot(erin_account, "plain")
    jid = erin_account.jid
    page.js("""async (jid) => { const box = await window.cpyApi.chats.open(jid);
        box.model.set('omemo_active', true); box.model.sendMessage('not for the clear'); }""", jid)
    page.wait_for("(sel) => !!document.querySelector(sel + ' li.cpy-msg .cpy-omemo-lock')", arg=box_sel(jid),
                  timeout=30_000)
    assert "not for the clear" in rows(page, jid)
    failed = page.js("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg'))
        .map(li => li.textContent).join(' | ')""", box_sel(jid))
    assert "has no OMEMO device" in failed
    page.page.wait_for_timeout(500)
    with erin._cond:
        assert not any("not for the clear" in xml for xml in erin.stanzas)


def test_the_users_other_device_reads_what_the_page_sends_and_the_page_reads_its_carbons(
        page: ClientPage, alice: Account, prosody: Any) -> None:
    bob, jid = PEERS["bob"]
    phone = OmemoBot(alice.jid, alice.password, "127.0.0.1", prosody.c2s_port, "phone")
    try:
        phone.start()
        phone_device = phone.start_omemo()
        phone.enable_carbons()
        # python-omemo merged its device into alice's list; the page hears of it (+notify)
        run_async(page, """
            import asyncio
            from omemo_test_state import converse
            from converse_py.plugins.omemo.plugin import OmemoChats
            service = await converse.get(OmemoChats).ensure_service()
            for _ in range(300):
                if DEVICE in service.devices.get(service.own_jid, []):
                    return True
                await asyncio.sleep(0.05)
            raise AssertionError("the phone's device never showed up: " + repr(service.devices.get(service.own_jid)))
        """.replace("DEVICE", str(phone_device)))
        text = "to bob, readable on my phone"
        page.page.fill(f"{box_sel(jid)} textarea[name=body]", text)
        page.page.press(f"{box_sel(jid)} textarea[name=body]", "Enter")
        assert bob.wait_for_plaintext(text) == text, bob.decrypt_errors
        assert phone.wait_for_carbon(text) == text, phone.decrypt_errors
        # the phone writes to bob: the page gets the sent carbon, encrypted for it too
        phone.send_encrypted(jid, "typed on my phone")
        wait_row(page, jid, "typed on my phone")
        assert locked(page, jid, "typed on my phone")
        assert bob.wait_for_plaintext("typed on my phone") == "typed on my phone"
    finally:
        phone.stop()


def test_keys_sessions_and_the_chats_switch_survive_a_reload(page: ClientPage, alice: Account) -> None:
    bob, jid = PEERS["bob"]
    device = run_async(page, """
        from omemo_test_state import converse
        from converse_py.plugins.omemo.plugin import OmemoChats
        return (await converse.get(OmemoChats).ensure_service()).device_id
    """)
    page.page.reload()
    prepare(page)
    # the chat with bob comes back (tab storage) with OMEMO on (localStorage), so the device starts
    # from IndexedDB: same device id, no new device in the account's list
    after = run_async(page, """
        from omemo_test_state import converse
        from converse_py.plugins.chats.plugin import ChatsState
        from converse_py.plugins.omemo.plugin import OmemoChats
        service = await converse.get(OmemoChats).ensure_service()
        box = converse.get(ChatsState).boxes.get(JID)
        return [service.device_id, box is not None and box.get("omemo_active"), service.devices.get(service.own_jid)]
    """.replace("JID", repr(jid)))
    assert after[0] == device and after[1] is True and device in after[2]
    # the archive's copies show the texts kept when they were read or sent here (their keys are used up)
    wait_row(page, jid, "meet me at the usual place ✓")
    wait_row(page, jid, "see you there 🌙")
    assert locked(page, jid, "see you there 🌙") and FALLBACK not in rows(page, jid)
    bob.send_encrypted(alice.jid, "still there after the reload?")
    wait_row(page, jid, "still there after the reload?")
    text = "yes, same device"
    page.page.fill(f"{box_sel(jid)} textarea[name=body]", text)
    page.page.press(f"{box_sel(jid)} textarea[name=body]", "Enter")
    assert bob.wait_for_plaintext(text) == text, bob.decrypt_errors


#: Every record of the account's OMEMO database: the key record's class and extractability, and
#: for the others whether they are sealed ({iv, data}) and whether any stored text shows through.
STORED_RECORDS = """async ([account, peeks]) => {
    const db = await new Promise((ok, fail) => {
        const open = indexedDB.open('converse-py-omemo:' + account);
        open.onsuccess = () => ok(open.result);
        open.onerror = () => fail(open.error);
    });
    const store = db.transaction('records', 'readonly').objectStore('records');
    const [keys, values] = await Promise.all(['getAllKeys', 'getAll'].map((how) => new Promise((ok) => {
        const request = store[how]();
        request.onsuccess = () => ok(request.result);
    })));
    db.close();
    const decoder = new TextDecoder('utf-8', { fatal: false });
    return keys.map((key, i) => {
        const value = values[i];
        if (value instanceof CryptoKey) return { key, cryptoKey: true, extractable: value.extractable };
        const sealed = !!value && value.iv instanceof Uint8Array && value.data instanceof ArrayBuffer;
        const text = sealed ? decoder.decode(value.data) : JSON.stringify(value);
        return { key, sealed, shows: peeks.filter((peek) => text.includes(peek)) };
    });
}"""


def test_nothing_is_stored_in_clear(page: ClientPage, alice: Account) -> None:
    """Keys, sessions and message texts are sealed under the database's own AES-GCM key, which
    no script can read (a non-extractable CryptoKey)."""
    bob, jid = PEERS["bob"]
    bob.send_encrypted(alice.jid, "a secret for the database")
    wait_row(page, jid, "a secret for the database")
    # the identity key's public half, as the stored JSON writes it (the private half is not asked for:
    # a failure message would show it)
    public = run_async(page, """
        from omemo_test_state import converse
        from converse_py.plugins.omemo.plugin import OmemoChats
        service = await converse.get(OmemoChats).ensure_service()
        return service.keys.to_json()["identity"][1]
    """)
    peeks = ["a secret for the database", '"identity"', "device_id", public]
    records = page.js(STORED_RECORDS, [alice.jid, peeks])
    key_records = [r for r in records if r.get("cryptoKey")]
    assert key_records and all(r["extractable"] is False for r in key_records)
    others = [r for r in records if not r.get("cryptoKey")]
    assert len(others) >= 3  # the device, a session with bob, the message's text
    assert all(r["sealed"] and r["shows"] == [] for r in others), others


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
