"""Bench scenario ``media`` (issue 22): a chat whose 200 archived messages each carry an image URL
(400x300 PNGs served by the bench's own static server). Both clients open the chat, page back
until all 200 are in, then scroll the history from top to bottom; the longest main-thread task
of each phase (target ≤ 200 ms while scrolling) and the time to have all 200 rows in.

    python -m bench.run --scenarios media --runs 3
"""

from __future__ import annotations

import struct
import time
import zlib
from typing import Any

from bench import seed

COUNT = 200
MARKER = "m"


def png(width: int, height: int, shade: int) -> bytes:
    """A real PNG of ``width`` x ``height`` pixels of one grey ``shade``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def fixtures(h: Any, fx: dict[str, Any]) -> None:
    """Seed once per bench run (not timed): accounts, image routes, the archive."""
    if "media_owner" in fx:
        return
    owner, peer = seed.new_account(h.prosody, "mediaowner"), seed.new_account(h.prosody, "mediapeer")
    seed.befriend(h.prosody, owner, peer)
    bodies = []
    for i in range(1, COUNT + 1):
        path = f"/bench-media/{i}.png"
        image = png(400, 300, 40 + i % 200)
        h.server.add_route(path, lambda handler, image=image: (200, "image/png", image))
        bodies.append(f"picture {i} bm{MARKER}{i:04d} {h.server.url}{path}")
    receiver = seed.start_bot(h.prosody, owner, "seeder")
    sender = seed.start_bot(h.prosody, peer, "seeder")
    began = time.monotonic()
    try:
        seed.send_burst(sender, owner.jid, bodies)
        receiver.wait_for_message(bodies[-1], timeout=120)
    finally:
        sender.stop()
        receiver.stop()
    h.log(f"  seeded {COUNT} archived image messages in {time.monotonic() - began:.1f}s")
    fx["media_owner"], fx["media_peer"] = owner, peer


#: In the page: page back (scrolling to the top) until the first message is in; then scroll from
#: top to bottom in steps of half a screen, a frame and a pause apart; the longest task of each.
SCROLL_JS = """async ([marker, first, timeoutMs]) => {
    const B = window.__bench, t0 = performance.now();
    let el = null;
    while (!B.seen.has(first)) {
        if (performance.now() - t0 > timeoutMs) return {error: 'timeout paging back'};
        el = B.scrollerOf(marker) || el;
        if (el) { el.scrollTop = -el.scrollHeight; el.scrollTop = el.scrollTop + 100;
                  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 30)));
                  el.scrollTop = -el.scrollHeight; }
        await new Promise((r) => setTimeout(r, 100));
    }
    const loaded = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    el = B.scrollerOf(marker);
    const reversed = getComputedStyle(el).flexDirection === 'column-reverse';
    const top = reversed ? -el.scrollHeight : 0, bottom = reversed ? 0 : el.scrollHeight;
    el.scrollTop = top;
    await new Promise((r) => setTimeout(r, 200));
    const s0 = performance.now();
    const step = Math.max(100, el.clientHeight / 2);
    for (let y = top; y <= bottom; y += step) {
        el.scrollTop = y;
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 16)));
    }
    const s1 = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    const images = el.querySelectorAll('img').length;
    return {load: loaded - t0, loadLong: B.maxLongTask(t0, loaded), scroll: s1 - s0,
            scrollLong: B.maxLongTask(s0, s1 + 300), images};
}"""


def scenario_media(h: Any, client: Any, run: int, fx: dict[str, Any]) -> dict[str, Any]:
    from bench.run import open_chat, wait_marker

    fixtures(h, fx)
    context, page, _ = h.open(client, fx["media_owner"])
    try:
        open_chat(page, client, fx["media_peer"].jid)
        if not wait_marker(page, f"{MARKER}{COUNT:04d}", 30_000):
            seen = page.evaluate("(p) => Array.from(window.__bench.seen.keys()).filter(k => k[0] === p).length", MARKER)
            return {"media.load": f"timeout (latest not shown; {seen} of {COUNT} seen)"}
        got = page.evaluate(SCROLL_JS, [MARKER, f"{MARKER}0001", 60_000])
        if "error" in got:
            return {"media.load": got["error"]}
        return {"media.load": float(got["load"]), "media.load.longtask": float(got["loadLong"]),
                "media.scroll.longtask": float(got["scrollLong"]), "media.images": float(got["images"])}
    finally:
        context.close()
