"""Bench scenario ``recovery`` (issue 29): how fast a page gets back after its network is cut.

The page is logged in with a chat open; its network is cut for ``OUTAGE_S`` seconds (Playwright's
offline emulation: requests fail, the browser fires ``offline`` then ``online``) while the
contact sends ``COUNT`` messages spread over the outage. Measured once the network is back: the
time until the page shows every one of them, how many never showed (lost) and how many showed
twice (duplicates). Converse.js 14 in the same run.

    python -m bench.run --scenarios recovery --runs 3
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import seed

COUNT = 300
OUTAGE_S = 10.0
MARKER = "r"
#: How long the page gets to catch up once the network is back.
CATCH_UP_MS = 60_000

#: In the page: wait until ``n`` markers with the prefix are in, or the timeout; then count the
#: distinct markers present and the ones present more than once (duplicates), from the DOM.
CATCH_UP_JS = """async ([prefix, n, timeoutMs, t0]) => {
    const B = window.__bench;
    const count = () => { let c = 0; for (const k of B.seen.keys()) if (k.startsWith(prefix)) c++; return c; };
    while (count() < n && performance.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 50));
    let last = 0;
    for (const [k, t] of B.seen) if (k.startsWith(prefix)) last = Math.max(last, t);
    await new Promise((r) => setTimeout(r, 1000));  // duplicates may trail
    const found = new Map(), re = new RegExp('bm(' + prefix + '\\\\d{4})', 'g');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        for (const m of node.data.matchAll(re)) found.set(m[1], (found.get(m[1]) || 0) + 1);
    }
    let dups = 0;
    for (const v of found.values()) if (v > 1) dups += v - 1;
    return {seen: count(), present: found.size, dups, last};
}"""


def fixtures(h: Any, fx: dict[str, Any]) -> None:
    if "recovery_owner" in fx:
        return
    owner, peer = seed.new_account(h.prosody, "recowner"), seed.new_account(h.prosody, "recpeer")
    seed.befriend(h.prosody, owner, peer)
    fx["recovery_owner"], fx["recovery_peer"] = owner, peer
    fx["recovery_bot"] = seed.start_bot(h.prosody, peer, "sender")
    fx["recovery_runs"] = 0


def send_spread(bot: Any, to: str, bodies: list[str], seconds: float) -> None:
    """Queue ``bodies`` on the bot's loop, evenly over ``seconds`` (returns at once)."""
    from slixmpp import JID

    async def send_all() -> None:
        target = JID(to)
        gap = seconds / max(1, len(bodies))
        for body in bodies:
            bot.xmpp.send_message(mto=target, mbody=body, mtype="chat")
            await asyncio.sleep(gap)
    asyncio.run_coroutine_threadsafe(send_all(), bot._loop)


def scenario_recovery(h: Any, client: Any, run: int, fx: dict[str, Any]) -> dict[str, Any]:
    from bench.run import open_chat

    fixtures(h, fx)
    fx["recovery_runs"] += 1
    prefix = f"{MARKER}{fx['recovery_runs']:02d}"  # each run's messages are its own
    owner, peer, bot = fx["recovery_owner"], fx["recovery_peer"], fx["recovery_bot"]
    context, page, _ = h.open(client, owner)
    debug_lines: list[str] = []
    page.on("console", lambda m: debug_lines.append(f"{m.type}: {m.text}"))
    try:
        open_chat(page, client, peer.jid)
        time.sleep(2.0)  # settled: archive page in, presence sent
        bodies = [f"outage {i} bm{prefix}{i:04d}" for i in range(1, COUNT + 1)]
        context.set_offline(True)
        send_spread(bot, owner.jid, bodies, OUTAGE_S)
        time.sleep(OUTAGE_S)
        t0 = float(page.evaluate("performance.now()"))
        context.set_offline(False)
        got = page.evaluate(CATCH_UP_JS, [prefix, COUNT, CATCH_UP_MS, t0])
        import os
        if os.environ.get("RECOVERY_DEBUG"):
            h.log("    state: " + str(page.evaluate("() => ({online: navigator.onLine})")))
            for line in debug_lines[-60:]:
                h.log("    | " + line[:300])
        out: dict[str, Any] = {"recovery.lost": float(COUNT - got["present"]), "recovery.dups": float(got["dups"])}
        out["recovery.ms"] = float(got["last"] - t0) if got["seen"] >= COUNT else f"timeout ({got['seen']} of {COUNT})"
        return out
    finally:
        context.close()
