"""Bench scenario ``omemo`` (issue 28): what OMEMO costs the page.

A fresh account with a chat open to a contact whose client is slixmpp-omemo (python-omemo, the
peer of tests/browser/omemo_bot.py). Measured in the page:

- **first use**: OMEMO turned on in the chat → ``omemoReady`` (the core's archive downloaded and
  imported, the device's keys and 100 pre-keys made, device list and bundle published);
- **first message to a new device**: ``sendMessage`` → the contact's client has decrypted it
  (the bundle fetched and the X3DH session made on the way, then the server's hop); its
  **main-thread time** is the CPU time of the renderer's main thread meanwhile (``/proc``, 10 ms
  ticks: the figure issue 28's ≤ 200 ms target is about), and the longest task (Long Tasks API);
- **encrypted burst**: the contact sends 1,000 OMEMO messages at once (encrypted beforehand, so
  the peer's own encryption is not timed) → all 1,000 plaintexts in the DOM: throughput, the
  renderer main thread's CPU per message and the longest task.

Converse.js 14 in the same run: its OMEMO (libomemo, loaded by itself when needed) starts at
login with ``omemo_default`` on, so its "first use" is not timed; the first message and the
burst are, the same way.

    python -m bench.run --scenarios omemo --runs 3
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import seed

NA = "n/a"
BURST = 1_000
MARKER = "o"

#: Turn OMEMO on in the open chat with ``jid``; resolves with the ms until ``omemoReady``.
FIRST_USE_JS = """(jid) => new Promise((resolve, reject) => {
    const api = window.benchApi, t0 = performance.now();
    api.listen.once('omemoReady', () => resolve(performance.now() - t0));
    api.chats.get(jid).model.set('omemo_active', true);
    setTimeout(() => reject(new Error('no omemoReady in 60 s')), 60000);
})"""

#: Send ``text`` through the chat's model (encrypted: OMEMO is on); performance.now() at the call.
FIRST_MESSAGE_JS = {
    "py": """([jid, text]) => {
        const t0 = performance.now();
        window.benchApi.chats.get(jid).model.sendMessage(text);
        return t0;
    }""",
    "js": """async ([jid, text]) => {
        const chat = await window.benchApi.chats.get(jid);
        const t0 = performance.now();
        chat.sendMessage({body: text});
        return t0;
    }""",
}

#: Converse.js: OMEMO initialized (device list and bundle published) and the chat's OMEMO on.
JS_READY_JS = """async (jid) => {
    await window.benchApi.waitUntil('OMEMOInitialized');
    const chat = await window.benchApi.chats.get(jid);
    if (!chat.get('omemo_active')) chat.save({omemo_active: true});
    return chat.get('omemo_active');
}"""

#: Wait until ``n`` markers with ``prefix`` are in the DOM: [count, last seen - t0].
BURST_DONE_JS = """async ([prefix, n, timeoutMs, t0]) => {
    const B = window.__bench;
    const count = () => { let c = 0; for (const k of B.seen.keys()) if (k.startsWith(prefix)) c++; return c; };
    while (count() < n && performance.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 100));
    let last = 0;
    for (const [k, t] of B.seen) if (k.startsWith(prefix)) last = Math.max(last, t);
    return [count(), last - t0];
}"""


def encrypt_all(bot: Any, to: str, bodies: list[str]) -> list[str]:
    """The OMEMO message stanzas (as text) ``bot`` would send ``to`` for ``bodies``, made now."""
    from slixmpp import JID

    async def encrypt() -> list[str]:
        plugin = bot.xmpp.plugin["xep_0384"]
        manager = await plugin.get_session_manager()
        await manager.refresh_device_list("eu.siacs.conversations.axolotl", JID(to).bare)  # the page's 0.3 device
        out: list[str] = []
        for body in bodies:
            message = bot.xmpp.make_message(mto=JID(to), mtype="chat")
            message["body"] = body
            encrypted, errors = await plugin.encrypt_message(message, JID(to))
            if encrypted is None:
                raise RuntimeError(f"slixmpp-omemo could not encrypt: {errors!r}")
            out.append(str(encrypted))
        return out
    return list(bot._call(encrypt(), timeout=600))


def send_all(bot: Any, stanzas: list[str]) -> float:
    """Put every stanza on the bot's stream in one go; the wall time (ms) before the first left."""
    async def send() -> float:
        t = time.time() * 1000
        for xml in stanzas:
            bot.xmpp.send_raw(xml)
        return t
    return float(bot._call(send(), timeout=60))


def oldmemo_only_plugin() -> Any:
    """slixmpp-omemo's plugin (as tests/browser/omemo_bot.py configures it) whose session manager
    has the OMEMO 0.3 backend only: both clients reach the contact with 0.3 (Converse.js 14
    prefers omemo:2 when a contact has both; converse-py writes 0.3 then)."""
    import oldmemo
    import oldmemo.oldmemo
    from slixmpp_omemo.base_session_manager import TrustLevel
    from slixmpp_omemo.xep_0384 import _make_session_manager
    from tests.browser.omemo_bot import PeerOmemo

    class OldmemoOnly(PeerOmemo):  # type: ignore[misc]
        async def get_session_manager(self) -> Any:
            built = getattr(self, "_only_03", None)
            if built is None:
                built = self._only_03 = asyncio.ensure_future(self._build_03())
            return await built

        async def _build_03(self) -> Any:
            manager = await _make_session_manager(self.xmpp, self).create(
                [oldmemo.Oldmemo(self.storage)], self.storage, self.xmpp.boundjid.bare, initial_own_label=None,
                undecided_trust_level_name=TrustLevel.UNDECIDED.value)
            await manager.after_history_sync()
            return manager

        async def _on_device_list_update(self, msg: Any) -> None:
            if msg.xml.find(f".//{{{oldmemo.oldmemo.NAMESPACE}}}list") is not None:
                await super()._on_device_list_update(msg)
    return OldmemoOnly


def scenario_omemo(h: Any, client: Any, run: int, fx: dict[str, Any]) -> dict[str, Any]:
    from bench.probe_burst import renderer_main_cpu
    from bench.run import open_chat
    from tests.browser.omemo_bot import OmemoBot

    owner, peer = seed.new_account(h.prosody, "omemoowner"), seed.new_account(h.prosody, "omemopeer")
    seed.befriend(h.prosody, owner, peer)
    from slixmpp.plugins import register_plugin
    from tests.browser.omemo_bot import PeerOmemo

    bot = OmemoBot(peer.jid, peer.password, "127.0.0.1", h.prosody.c2s_port, "omemo")
    bot.start()
    out: dict[str, Any] = {}
    try:
        register_plugin(oldmemo_only_plugin(), name="xep_0384")  # this contact speaks OMEMO 0.3 only
        try:
            bot.start_omemo()
        finally:
            register_plugin(PeerOmemo)  # as the tests have it
        context, page, _ = h.open(client, owner, settings={"omemo_default": True} if client.key == "js" else None)
        try:
            open_chat(page, client, peer.jid)
            time.sleep(1.0)  # the chat's opening settles
            if client.key == "py":
                out["omemo.first_use"] = float(page.evaluate(FIRST_USE_JS, peer.jid))
            elif not page.evaluate(JS_READY_JS, peer.jid):
                raise RuntimeError("Converse.js did not turn OMEMO on in the chat")
            else:
                out["omemo.first_use"] = NA
            time.sleep(1.0)  # the bundle's publication is answered
            cpu_before, started = renderer_main_cpu(), time.monotonic()
            t0 = float(page.evaluate(FIRST_MESSAGE_JS[client.key], [peer.jid, "the first one"]))
            if bot.wait_for_plaintext("the first one") is None:
                raise RuntimeError(f"the peer could not decrypt the first message: {bot.decrypt_errors!r}")
            wall = (time.monotonic() - started) * 1000
            cpu = renderer_main_cpu() - cpu_before
            out["omemo.first_message"] = wall
            out["omemo.first_message.cpu"] = cpu * 1000
            out["omemo.first_message.longtask"] = float(page.evaluate(
                "([a, b]) => window.__bench.maxLongTask(a, b)", [t0, t0 + wall]))

            prefix = f"{MARKER}{run:02d}"
            stanzas = encrypt_all(bot, owner.jid, [f"secret {i} bm{prefix}{i:04d}" for i in range(1, BURST + 1)])
            time.sleep(1.0)
            origin = float(page.evaluate("performance.timeOrigin"))
            cpu_before = renderer_main_cpu()
            sent = send_all(bot, stanzas)
            t0 = sent - origin
            count, last = page.evaluate(BURST_DONE_JS, [prefix, BURST, 120_000, t0])
            cpu = renderer_main_cpu() - cpu_before
            if count < BURST:
                out["omemo.burst.ms"] = out["omemo.burst.rate"] = f"timeout ({count} of {BURST})"
            else:
                out["omemo.burst.ms"] = float(last)
                out["omemo.burst.rate"] = BURST / (float(last) / 1000)
                out["omemo.burst.cpu_per_msg"] = cpu * 1000 / BURST
                out["omemo.burst.longtask"] = float(page.evaluate(
                    "([a, b]) => window.__bench.maxLongTask(a, b)", [t0, t0 + float(last)]))
        finally:
            context.close()
    finally:
        bot.stop()
    return out
