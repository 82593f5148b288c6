"""converse-py vs the real Converse.js 14: the same Prosody, the same headless
Chromium, one run, clients alternating A/B; prints medians and ratios and
writes them into bench/RESULTS.md (between the generated-section markers).

    python -m bench.run                     # everything (~20 min on 2 cores)
    python -m bench.run --quick             # 1 run, start-up only (the smoke test)
    python -m bench.run --runs 3 --scenarios startup,roster --clients py
    python -m bench.run --server-cpu 0      # Prosody on CPU 0 alone, the rest on the others
    python -m bench.run --scenarios network --runs 1   # Chrome's network emulation (NETWORKS)
    python -m bench.run --scenarios startup --busy-core   # with one core kept busy by a spinning process

Converse.js 14 is a benchmark-only dependency: ``bench/package.json`` (npm
``converse.js``), installed into bench/node_modules by this script when
missing and copied to bench/vendor/conversejs/ so the same static server
serves both clients. Bytes on the wire are Chrome's own count (CDP ``encodedDataLength``:
headers plus the body as sent, compressed or not), XMPP traffic excluded. Targets (issue 27):
start-up cold ≤ 1.0× and warm ≤ 0.8× (also with ``--busy-core``), a first visit ≤ 6 MB and a
repeat visit ≤ 50 KB, over 8 Mbit/s with 150 ms a first visit ≤ 2× and a repeat ≤ 1.0×; the
whole-path message latency target (0.5×) is retired, the client's own part stays ≤ 0.4×.
Every request a page makes to anything but this machine
fails at a closed local proxy port and is reported (there should be none).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Callable
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import BrowserContext, BrowserType, Page, Request, sync_playwright  # noqa: E402

from bench import media, omemo, recovery, seed  # noqa: E402
from bench.crowd import Crowd  # noqa: E402
from serve import StaticServer  # noqa: E402
from tools.build import build, check  # noqa: E402
from tools.chromium import CHROMIUM, chromium_args  # noqa: E402
from tools.prosody import ProsodyServer  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
OBSERVE_JS = (BENCH / "observe.js").read_text(encoding="utf-8")
CONVERSEJS_DIST = BENCH / "node_modules" / "converse.js" / "dist"
CONVERSEJS_VENDOR = BENCH / "vendor" / "conversejs"
CHROMIUM_ARGS = chromium_args()
#: Requests to anything but this machine go to a closed local port (Chromium sends loopback
#: requests direct, never through a proxy) and fail there; the harness lists them from the
#: request events. Not a Playwright route: routing disables the HTTP cache, and then a "warm"
#: visit downloads everything again.
GUARD_ARGS = ["--proxy-server=http://127.0.0.1:9"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
BEGIN = "<!-- bench:generated:begin -->"
END = "<!-- bench:generated:end -->"

NA = "n/a (not implemented)"


# ----- the two clients -------------------------------------------------------
@dataclass(frozen=True)
class Client:
    key: str
    name: str
    page: str
    row_selector: str          # one element per roster contact row
    chat_selector: str         # the open chat's element; {jid} is substituted


CLIENTS = {
    "py": Client("py", "converse-py", "/bench/pages/converse-py.html",
                 "li.cpy-contact[data-jid]", 'section.cpy-chatbox[data-jid="{jid}"]'),
    "js": Client("js", "Converse.js 14", "/bench/pages/conversejs.html",
                 "converse-roster-contact", 'converse-chat[jid="{jid}"]'),
}


# ----- harness ----------------------------------------------------------------
@dataclass
class Harness:
    prosody: ProsodyServer
    server: StaticServer
    chromium: BrowserType
    outside: list[str] = field(default_factory=list)
    log: Callable[[str], None] = print
    _profiles_root: str = ""

    def new_context(self) -> BrowserContext:
        """A fresh browser profile: a new Chromium with its own temporary profile directory
        (empty HTTP disk cache, storage and IndexedDB, as for a first visit; a second
        navigation in it is a warm visit), with bench/observe.js in every page."""
        if not self._profiles_root:  # Chromium writes a profile's last files after "close": removed at exit
            self._profiles_root = tempfile.mkdtemp(prefix="cpy-bench-profiles-")
            atexit.register(shutil.rmtree, self._profiles_root, ignore_errors=True)
        profile = tempfile.mkdtemp(dir=self._profiles_root)
        context = self.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + GUARD_ARGS)
        context.on("close", lambda _: shutil.rmtree(profile, ignore_errors=True))
        context.add_init_script(OBSERVE_JS)
        context.on("request", self._note_outside)
        return context

    def _note_outside(self, request: Request) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            self.outside.append(url)

    def open(self, client: Client, account: seed.BenchAccount, *, rows: int = 1,
             context: BrowserContext | None = None, requests: list[str] | None = None,
             timeout_ms: int = 60_000, websocket: bool = False,
             before_goto: Callable[[Page], None] | None = None,
             settings: dict[str, Any] | None = None) -> tuple[BrowserContext, Page, float]:
        """Load the client's bench page logged in as ``account`` (over BOSH, or WebSocket);
        return once ``rows`` roster rows are in the DOM, with navigation → that moment (ms).
        ``before_goto(page)`` runs on the new page before it navigates (network emulation,
        a WireMeter); ``settings`` are added to the client's ``initialize`` settings."""
        context = context or self.new_context()
        url = {"websocket_url": self.prosody.websocket_url} if websocket else {"bosh_service_url": self.prosody.bosh_url}
        settings = {**url, "jid": account.jid, "password": account.password, **(settings or {})}
        context.add_init_script(
            f"window.BENCH = {json.dumps({'settings': settings})}; window.__bench.watch('rows', function () {{"
            f" return document.querySelectorAll({json.dumps(client.row_selector)}).length >= {rows:d}; }});")
        page = context.new_page()
        for other in context.pages:  # the blank tab a new profile opens with
            if other is not page and other.url == "about:blank":
                other.close()
        if requests is not None:
            page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: self.log(f"    [{client.key}] page error: {e}"))
        page.on("console", lambda m: self.log(f"    [{client.key}] console.{m.type}: {m.text[:3000]}")
                if m.type in ("error", "warning") else None)
        if before_goto is not None:
            before_goto(page)
        page.goto(self.server.url + client.page)
        page.wait_for_function("window.__bench.marks.rows !== undefined", timeout=timeout_ms)
        return context, page, float(page.evaluate("window.__bench.marks.rows"))

    def memory(self, page: Page) -> dict[str, float]:
        """JS heap (after a GC) and WebAssembly memory of the page, MiB."""
        cdp = page.context.new_cdp_session(page)
        try:
            cdp.send("HeapProfiler.collectGarbage")
            cdp.send("Performance.enable")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        finally:
            cdp.detach()
        wasm = float(page.evaluate("window.__bench.wasmBytes()"))
        return {"heap": metrics.get("JSHeapUsedSize", 0.0) / 2**20, "wasm": wasm / 2**20}


class WireMeter:
    """Bytes a page received on the wire (Chrome's encodedDataLength: headers and the body as
    sent, compressed or not; 0 for what the HTTP cache or a service worker answered), static
    files only: XMPP traffic (BOSH, WebSocket) is left out."""

    def __init__(self, page: Page) -> None:
        self.urls: dict[str, str] = {}
        self.bytes = 0
        self.requests = 0
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        url = self.urls.get(event["requestId"], "")
        if url.startswith("http") and "/http-bind" not in url and "/xmpp-websocket" not in url:
            self.bytes += int(event.get("encodedDataLength") or 0)
            self.requests += 1


#: Chrome's network emulation profiles (scenario "network"): name → (bits/s down and up, latency ms).
NETWORKS = {"20mbit": (20e6, 40), "8mbit": (8e6, 150)}


def emulate(profile: str) -> Callable[[Page], None]:
    """A before_goto hook: the page's network throttled to ``profile`` (NETWORKS)."""
    bits, latency = NETWORKS[profile]

    def apply(page: Page) -> None:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": latency,
            "downloadThroughput": bits / 8, "uploadThroughput": bits / 8})
    return apply


def scenario_network(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    """Navigation → roster shown over emulated networks: a first visit (fresh profile), then a
    repeat visit in the same profile (after the first one's idle-time snapshot, as a real
    later visit would come), with the bytes each received."""
    out: Result = {}
    for profile in NETWORKS:
        meters: list[WireMeter] = []

        def hooks(page: Page, profile: str = profile, meters: list[WireMeter] = meters) -> None:
            emulate(profile)(page)
            meters.append(WireMeter(page))
        context, page, cold = h.open(client, fx["startup"], before_goto=hooks, timeout_ms=180_000)
        out[f"net.{profile}.cold"] = cold
        out[f"net.{profile}.cold.bytes"] = meters[-1].bytes / 1e6
        marks = page.evaluate(MARKS_JS)
        if "cpy:snapshot-pending" in marks and fx["wait_snapshot"]:
            page.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0",
                                   timeout=120_000)
        page.close()
        page2 = context.new_page()
        hooks(page2)
        page2.goto(h.server.url + client.page)
        page2.wait_for_function("window.__bench.marks.rows !== undefined", timeout=180_000)
        out[f"net.{profile}.warm"] = float(page2.evaluate("window.__bench.marks.rows"))
        out[f"net.{profile}.warm.bytes"] = meters[-1].bytes / 1e3
        context.close()
    return out


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def wait_marker(page: Page, marker: str, timeout_ms: int) -> bool:
    try:
        page.wait_for_function("(m) => window.__bench.seen.has(m)", arg=marker, timeout=timeout_ms)
        return True
    except Exception:
        return False


#: Wait (in the page) until ``n`` markers starting with ``prefix`` were seen; their count and the
#: time the last one entered the DOM.
COUNT_MARKERS_JS = """async ([prefix, n, timeoutMs]) => {
    const B = window.__bench, t0 = performance.now();
    const count = () => { let c = 0; for (const k of B.seen.keys()) if (k.startsWith(prefix)) c++; return c; };
    while (count() < n && performance.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 50));
    let last = 0;
    for (const [k, t] of B.seen) if (k.startsWith(prefix)) last = Math.max(last, t);
    return {count: count(), last: last};
}"""


def open_chat(page: Page, client: Client, jid: str) -> float:
    """Open the chat with ``jid`` through the page's _converse.api; return performance.now() at the call."""
    t0 = float(page.evaluate(
        "(jid) => { const t = performance.now(); window.benchApi.chats.open(jid); return t; }", jid))
    page.wait_for_function("(s) => !!document.querySelector(s)",
                           arg=client.chat_selector.format(jid=jid), timeout=30_000)
    return t0


# ----- scenarios ------------------------------------------------------------------
# Each scenario function takes (harness, client, run index, fixtures) and returns
# {metric: value}; a value is a float, or a string (NA, "timeout", ...).
Result = dict[str, Any]


def scenario_startup(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    requests: list[str] = []
    meters: list[WireMeter] = []
    context, page, cold = h.open(client, fx["startup"], requests=requests,
                                 before_goto=lambda p: meters.append(WireMeter(p)))
    out: Result = {"startup.cold": cold, "bytes.wire.cold": meters[0].bytes / 1e6}
    marks = page.evaluate(MARKS_JS)
    for name in STARTUP_MARKS:
        if name in marks:
            out[f"startup.mark.{name}"] = float(marks[name])
    if "cpy:snapshot-pending" in marks and fx["wait_snapshot"]:  # let the page prime its cache
        page.wait_for_function("performance.getEntriesByName('cpy:snapshot-stored').length > 0",
                               timeout=60_000)
    page.close()
    page2 = context.new_page()
    meters.append(WireMeter(page2))
    page2.goto(h.server.url + client.page)
    page2.wait_for_function("window.__bench.marks.rows !== undefined", timeout=60_000)
    out["startup.warm"] = float(page2.evaluate("window.__bench.marks.rows"))
    out["bytes.wire.warm"] = meters[1].bytes / 1e3
    marks = page2.evaluate(MARKS_JS)
    for name in STARTUP_MARKS:
        if name in marks:
            out[f"startup.warm.mark.{name}"] = float(marks[name])
    context.close()
    if run == 0:
        out.update(shipped(h, requests))
    return out


#: converse-py's start-up marks (static/converse.js, static/boot.py), cold visit.
STARTUP_MARKS = ("cpy:shim", "cpy:pyodide-start", "cpy:prebuilt-skipped", "cpy:prebuilt-restored",
                 "cpy:pyscript-asks", "cpy:pyodide-loaded", "cpy:py-ready", "cpy:boot-start", "cpy:imported", "cpy:attached")


MARKS_JS = ("Object.fromEntries(performance.getEntriesByType('mark')"
            ".filter((m) => m.name.startsWith('cpy:')).map((m) => [m.name, m.startTime]))")


def shipped(h: Harness, urls: list[str]) -> Result:
    """Static bytes of a cold visit (XMPP traffic excluded), raw and as served gzipped."""
    files = sorted({u for u in urls if urlsplit(u).scheme in ("http", "https")
                    and urlsplit(u).hostname in LOCAL_HOSTS and "/http-bind" not in u and "/xmpp-websocket" not in u})
    raw = gz = 0
    for url in files:
        with urllib.request.urlopen(urllib.request.Request(url)) as resp:
            raw += len(resp.read())
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as resp:
            gz += len(resp.read())
    return {"bytes.raw": raw / 1e6, "bytes.gzip": gz / 1e6, "bytes.requests": float(len(files))}


def scenario_roster(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    out: Result = {}
    context, _page, t = h.open(client, fx["roster200"], rows=200)
    out["roster.200"] = t
    context.close()
    big = fx["roster_big_count"]
    try:
        context, page, t = h.open(client, fx["roster_big"], rows=big, timeout_ms=120_000)
    except Exception:
        out["roster.big"] = out["roster.big.longtask"] = "timeout"
        return out
    arrived = float(page.evaluate("window.__bench.rosterArrived"))
    out["roster.big.nav"] = t
    out["roster.big"] = t - arrived if arrived else "no roster XHR seen"
    out["roster.big.longtask"] = float(page.evaluate(
        "([a, b]) => window.__bench.maxLongTask(a, b)", [arrived or 0, t]))
    context.close()
    return out


def scenario_mam(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    owner, peer, count = fx["mam_owner"], fx["mam_peer"], fx["mam_count"]
    context, page, _ = h.open(client, owner)
    out: Result = {}
    try:
        has_mam = page.evaluate("!!(window.benchApi.archive && window.benchApi.archive.query)")
        if not has_mam:
            return {"mam.open": NA, "mam.back": NA, "mem.mam.heap": NA, "mem.mam.wasm": NA}
        latest = f"a{count:04d}"
        t0 = open_chat(page, client, peer.jid)
        if not wait_marker(page, latest, 30_000):
            return {"mam.open": "timeout", "mam.back": "timeout"}
        out["mam.open"] = float(page.evaluate("(m) => window.__bench.seen.get(m)", latest)) - t0
        back = page.evaluate("""async (timeoutMs) => {
            const B = window.__bench, t0 = performance.now();
            const count = () => { let n = 0; for (const k of B.seen.keys()) if (k[0] === 'a') n++; return n; };
            while (!B.seen.has('a0001')) {
                if (performance.now() - t0 > timeoutMs) return {error: 'timeout', count: count()};
                const el = B.scrollerOf('a');
                // A real scroll from just below the top up to it; -scrollHeight clamps to
                // the top both in a normal list and in a column-reverse one (Converse.js).
                if (el) {
                    el.scrollTop = -el.scrollHeight;
                    el.scrollTop = el.scrollTop + Math.min(200, el.clientHeight / 2);
                    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 30)));
                    el.scrollTop = -el.scrollHeight;
                }
                const before = count(), t1 = performance.now();
                while (count() === before && !B.seen.has('a0001') && performance.now() - t1 < 3000) {
                    await new Promise((r) => setTimeout(r, 15));
                }
            }
            return {ms: B.seen.get('a0001') - t0, count: count()};
        }""", fx["mam_back_timeout_ms"])
        out["mam.back"] = float(back["ms"]) if "ms" in back else f"timeout ({back['count']} of {count})"
        mem = h.memory(page)
        out["mem.mam.heap"], out["mem.mam.wasm"] = mem["heap"], mem["wasm"]
        return out
    finally:
        context.close()


def send_timed(bot: Any, to: str, body: str) -> float:
    """Send one message from the bot's own loop; the wall clock (ms) just before it left."""
    from slixmpp import JID

    async def send() -> float:
        t = time.time() * 1000
        bot.xmpp.send_message(mto=JID(to), mbody=body, mtype="chat")
        return t
    return float(bot._call(send()))


def scenario_messages(h: Harness, client: Client, run: int, fx: dict[str, Any],
                      websocket: bool = False) -> Result:
    """Scenarios 4 and 5 (and the memory after them), over BOSH; ``websocket``: the same
    over WebSocket, figures keyed ``ws.*`` (no memory figures)."""
    # Fresh accounts each run: an earlier run's page leaves its BOSH session
    # behind (closed without logout) and it must not compete for the messages.
    owner = seed.new_account(h.prosody, "msgowner")
    peer = seed.new_account(h.prosody, "msgpeer")
    seed.befriend(h.prosody, owner, peer)
    bot = seed.start_bot(h.prosody, peer)
    n_latency, n_burst = fx["latency_count"], fx["burst_count"]
    out: Result = {}
    try:
        context, page, _ = h.open(client, owner, websocket=websocket)
    except Exception:
        bot.stop()
        raise
    try:
        open_chat(page, client, peer.jid)
        origin = float(page.evaluate("performance.timeOrigin"))
        latencies: list[float] = []
        to_page: list[float] = []
        in_page: list[float] = []
        page.evaluate("window.__bench.recordArrivals = true")
        for i in range(1, n_latency + 1):
            # One by one, spaced: sent right after the previous one shows, a message
            # would land in the gap before the client re-issues its held BOSH request
            # (Strophe does so from a 100 ms idle timer) and measure that gap instead.
            time.sleep(fx["latency_gap_s"])
            marker = f"l{run:02d}_{i:03d}"
            sent = send_timed(bot, owner.jid, f"latency {i} bm{marker}")
            # The page stamps the row itself; the harness looks only after a quiet wait, so
            # its polling (a script every animation frame) does not compete with the client
            # for the main thread while the message is on its way.
            time.sleep(fx["latency_quiet_s"])
            if not wait_marker(page, marker, 15_000):
                out["latency.median"] = out["latency.p95"] = f"timeout at message {i}"
                break
            seen, arrived = page.evaluate(
                "(m) => [window.__bench.seen.get(m), window.__bench.arrivals.get(m)]", marker)
            latencies.append(origin + float(seen) - sent)
            if arrived is not None:
                to_page.append(origin + float(arrived) - sent)
                in_page.append(float(seen) - float(arrived))
        else:
            out["latency.median"], out["latency.p95"] = median(latencies), p95(latencies)
            if len(in_page) == len(latencies):
                out["latency.to_page"], out["latency.in_page"] = median(to_page), median(in_page)
        page.evaluate("window.__bench.recordArrivals = false")
        bodies = [f"burst {i} bmb{i:04d}" for i in range(1, n_burst + 1)]
        first = seed.send_burst(bot, owner.jid, bodies, reactions_every=fx["burst_reactions_every"],
                                replies_every=fx["burst_replies_every"])
        done = page.evaluate(COUNT_MARKERS_JS, ["b", n_burst, fx["burst_timeout_ms"]])
        if done["count"] < n_burst:
            out["burst.ms"] = out["burst.rate"] = f"timeout ({done['count']} of {n_burst})"
        else:
            elapsed = origin + float(done["last"]) - first
            out["burst.ms"] = elapsed
            out["burst.rate"] = n_burst / (elapsed / 1000)
        chat = client.chat_selector.format(jid=peer.jid)
        order = page.evaluate("(s) => window.__bench.markersInOrder('b', document.querySelector(s))", chat)
        out["burst.ordered"] = burst_order_verdict(order, int(done["count"]), n_burst)
        if websocket:
            return {"ws." + key: value for key, value in out.items()}
        mem = h.memory(page)
        out["mem.burst.heap"], out["mem.burst.wasm"] = mem["heap"], mem["wasm"]
        return out
    finally:
        context.close()
        bot.stop()


def scenario_messages_ws(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    return scenario_messages(h, client, run, fx, websocket=True)


def scenario_room(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    """Open a room with ``room_occupants`` occupants (bench/crowd.py), then take a fast stream of
    ``room_stream`` groupchat messages; both with the longest main-thread task meanwhile."""
    crowd, room = fx["room_crowd"], fx["room_jid"]
    n_occupants, n_stream = fx["room_occupants"], fx["room_stream"]
    owner = seed.new_account(h.prosody, "roomuser")  # fresh: an earlier page's occupant lingers
    seed.seed_roster(h.prosody, owner, 1)
    context, page, _ = h.open(client, owner)
    out: Result = {}
    try:
        t0 = float(page.evaluate("""([jid, nick]) => { const t = performance.now();
            window.benchApi.rooms.open(jid, {nick: nick}); return t; }""", [room, f"bench{run}{client.key}"]))
        done = page.evaluate(COUNT_MARKERS_JS, ["o", n_occupants, 30_000])
        if done["count"] < n_occupants:
            out["room.occupants"] = out["room.occupants.longtask"] = f"timeout ({done['count']} of {n_occupants})"
        else:
            out["room.occupants"] = float(done["last"]) - t0
            out["room.occupants.longtask"] = float(page.evaluate(
                "([a, b]) => window.__bench.maxLongTask(a, b)", [t0, float(done["last"])]))
        page.wait_for_timeout(1000)  # let the join settle (history, subject)
        origin = float(page.evaluate("performance.timeOrigin"))
        tag = f"r{run}{client.key}_"
        first = crowd.say(room, [f"stream {i} bm{tag}{i:04d}" for i in range(1, n_stream + 1)])
        t1 = first - origin
        done = page.evaluate(COUNT_MARKERS_JS, [tag, n_stream, 60_000])
        if done["count"] < n_stream:
            out["room.stream"] = out["room.stream.rate"] = f"timeout ({done['count']} of {n_stream})"
            return out
        out["room.stream"] = origin + float(done["last"]) - first
        out["room.stream.rate"] = n_stream / (out["room.stream"] / 1000)
        out["room.stream.longtask"] = float(page.evaluate(
            "([a, b]) => window.__bench.maxLongTask(a, b)", [t1, float(done["last"])]))
        return out
    finally:
        context.close()


#: In the page: ``pairs`` times, a file of ``size`` bytes sent with ``api.upload.send`` (call →
#: URL: slot request, PUT with progress events, message sent), and the same size PUT with a bare
#: ``fetch`` to a fresh slot of the same service (the slot asked for untimed: a slot takes one PUT),
#: in alternating order (the server's speed drifts with the machine's load).
UPLOAD_JS = """async ([jid, size, pairs]) => {
    const api = window.benchApi, $iq = converse.env.$iq;
    const service = await api.upload.service();
    const file = () => new File([new Uint8Array(size)], 'bench.bin', {type: 'application/octet-stream'});
    const viaClient = async () => {
        const body = file(), t = performance.now();
        await api.upload.send(jid, body);
        return performance.now() - t;
    };
    const viaFetch = async () => {
        const slot = await api.sendIQ($iq({type: 'get', to: service.jid}).c('request', {
            xmlns: 'urn:xmpp:http:upload:0', filename: 'bench.bin', size: String(size),
            'content-type': 'application/octet-stream'}));
        const put = slot.querySelector('put'), headers = {'Content-Type': 'application/octet-stream'};
        for (const header of put.querySelectorAll('header')) headers[header.getAttribute('name')] = header.textContent;
        const body = file(), t = performance.now();
        const response = await fetch(put.getAttribute('url'), {method: 'PUT', headers: headers, body: body});
        if (!response.ok) throw new Error('bare PUT: HTTP ' + response.status);
        return performance.now() - t;
    };
    const cpy = [], bare = [];
    for (let i = 0; i < pairs; i++) {  // ABBA: neither goes first every time
        if (i % 2 === 0) { cpy.push(await viaClient()); bare.push(await viaFetch()); }
        else { bare.push(await viaFetch()); cpy.push(await viaClient()); }
    }
    return {cpy: cpy, bare: bare};
}"""


def scenario_upload(h: Harness, client: Client, run: int, fx: dict[str, Any]) -> Result:
    """Upload a 10 MB file over loopback (XEP-0363, Prosody's http_file_share) with converse-py's
    ``api.upload.send`` and with a bare ``fetch`` PUT to a slot of the same service (converse-py only:
    the comparison is with the browser's own PUT, not with Converse.js)."""
    if client.key != "py":
        return {"upload.cpy": NA, "upload.fetch": NA}
    context, page, _ = h.open(client, fx["upload_owner"])
    try:
        times = page.evaluate(UPLOAD_JS, [fx["upload_peer"].jid, fx["upload_size"], fx["upload_pairs"]])
    finally:
        context.close()
    cpy, bare = median(times["cpy"]), median(times["bare"])
    return {"upload.cpy": cpy, "upload.fetch": bare, "upload.ratio": cpy / bare}


def burst_order_verdict(order: list[str], seen: int, n: int) -> str:
    """All ``n`` burst markers entered the DOM (``seen``) and the ones still in
    it at the end are the newest, consecutive and in order (a client may keep
    only a window of the latest messages in the DOM, as Converse.js 14 does)."""
    expected = [f"b{i:04d}" for i in range(1, n + 1)]
    if seen < n:
        return f"no ({seen} of {n} arrived)"
    if order == expected:
        return "yes"
    if order and order == expected[-len(order):]:
        return f"yes (latest {len(order)} kept in the DOM)"
    return f"no (DOM order differs: {len(order)} present)"


SCENARIOS: dict[str, Callable[[Harness, Client, int, dict[str, Any]], Result]] = {
    "startup": scenario_startup,
    "network": scenario_network,
    "roster": scenario_roster,
    "mam": scenario_mam,
    "messages": scenario_messages,
    "messages-ws": scenario_messages_ws,
    "room": scenario_room,
    "media": media.scenario_media,
    "recovery": recovery.scenario_recovery,
    "upload": scenario_upload,
    "omemo": omemo.scenario_omemo,
}


# ----- fixtures (seeded once, read-only during runs) ------------------------------
def make_fixtures(prosody: ProsodyServer, scenarios: list[str], quick: bool,
                  log: Callable[[str], None]) -> dict[str, Any]:
    fx: dict[str, Any] = {}
    if "startup" in scenarios or "network" in scenarios:
        fx["startup"] = seed.new_account(prosody, "start")
        # A real second visit comes well after the first one's idle-time snapshot
        # (static/pyodide-snapshot.mjs); --quick skips that wait.
        fx["wait_snapshot"] = not quick
        seed.seed_roster(prosody, fx["startup"], 1)
    if "roster" in scenarios:
        fx["roster200"] = seed.new_account(prosody, "rosterb")
        seed.seed_roster(prosody, fx["roster200"], 200)
        fx["roster_big_count"] = 500 if quick else 5000
        fx["roster_big"] = seed.new_account(prosody, "rosterc")
        seed.seed_roster(prosody, fx["roster_big"], fx["roster_big_count"])
    if "mam" in scenarios:
        fx["mam_count"] = 100 if quick else 1000
        fx["mam_back_timeout_ms"] = 20_000
        fx["mam_owner"] = seed.new_account(prosody, "mamowner")
        fx["mam_peer"] = seed.new_account(prosody, "mampeer")
        seed.befriend(prosody, fx["mam_owner"], fx["mam_peer"])
        began = time.monotonic()
        seed.seed_archive(prosody, fx["mam_owner"], fx["mam_peer"], fx["mam_count"], "archived", "a")
        log(f"  seeded {fx['mam_count']} archived messages in {time.monotonic() - began:.1f}s")
    if "messages" in scenarios or "messages-ws" in scenarios:
        fx["latency_count"] = 10 if quick else 50
        fx["latency_gap_s"] = 0.2
        fx["latency_quiet_s"] = 0.05
        fx["burst_count"] = 100 if quick else 1000
        fx["burst_timeout_ms"] = 180_000
        fx["burst_reactions_every"] = 10  # issue 24: reactions mixed in (100 in a burst of 1,000)
        fx["burst_replies_every"] = 10  # and replies with their quoted fallback (100 more)
    if "room" in scenarios:
        fx["room_occupants"] = 50 if quick else 500
        fx["room_stream"] = 50 if quick else 100
        fx["room_jid"] = "benchroom@conference." + prosody.domain
        crowd_account = seed.new_account(prosody, "crowd")
        began = time.monotonic()
        fx["room_crowd"] = Crowd("127.0.0.1", prosody.c2s_port, prosody.domain,
                                 crowd_account.jid.split("@")[0], crowd_account.password).start()
        fx["room_crowd"].join(fx["room_jid"], fx["room_occupants"], "bmo")
        log(f"  {fx['room_occupants']} occupants joined {fx['room_jid']} in {time.monotonic() - began:.1f}s")
    if "upload" in scenarios:
        fx["upload_size"] = 10 * 1000 * 1000
        fx["upload_pairs"] = 2 if quick else 6
        fx["upload_owner"] = seed.new_account(prosody, "uploader")
        fx["upload_peer"] = seed.new_account(prosody, "uploadpeer")
        seed.befriend(prosody, fx["upload_owner"], fx["upload_peer"])
    return fx


# ----- report -------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    target: str = ""
    # ratio bound for "met": value_py / value_js <= bound (or >= for throughput)
    bound: float | None = None
    higher_is_better: bool = False
    absolute: Callable[[float], bool] | None = None


ROWS = [
    Row("startup.cold", "1. navigation → roster rendered (1 contact), cold", "ms", "≤ 1.0×", 1.0),
    Row("startup.warm", "1. navigation → roster rendered (1 contact), warm", "ms", "≤ 0.8×", 0.8),
    Row("bytes.wire.cold", "1. first visit: bytes on the wire (XMPP excluded)", "MB", "≤ 6 MB", None,
        absolute=lambda v: v <= 6.0),
    Row("bytes.wire.warm", "1. repeat visit: bytes on the wire (XMPP excluded)", "KB", "≤ 50 KB", None,
        absolute=lambda v: v <= 50.0),
    *[Row(f"net.{name}.{key}", f"1n. {name[:-4]} Mbit/s, {NETWORKS[name][1]} ms: {label}", unit, target, bound,
          absolute=absolute)
      for name in NETWORKS
      for key, label, unit, target, bound, absolute in (
          ("cold", "navigation → roster shown, first visit", "ms",
           "≤ 2×" if name == "8mbit" else "", 2.0 if name == "8mbit" else None, None),
          ("cold.bytes", "first visit, bytes on the wire", "MB", "≤ 6 MB", None, lambda v: v <= 6.0),
          ("warm", "navigation → roster shown, repeat visit", "ms", "≤ 1.0×", 1.0, None),
          ("warm.bytes", "repeat visit, bytes on the wire", "KB", "≤ 50 KB", None, lambda v: v <= 50.0))],
    *[Row(f"startup.{kind}mark.{name}", f"1. {label}: navigation → {what}", "ms")
      for kind, label in (("", "cold"), ("warm.", "warm"))
      for name, what in (("cpy:shim", "shim running"), ("cpy:pyodide-start", "Pyodide starts loading (shim)"),
                         ("cpy:prebuilt-skipped", "prebuilt snapshot skipped (server not near)"),
                         ("cpy:prebuilt-restored", "prebuilt snapshot restored"),
                         ("cpy:pyscript-asks", "PyScript asks for Pyodide"),
                         ("cpy:pyodide-loaded", "Pyodide loaded"), ("cpy:py-ready", "PyScript ready"),
                         ("cpy:boot-start", "boot.py starts"), ("cpy:imported", "converse_py imported"),
                         ("cpy:attached", "attached to the shim"))],
    Row("roster.200", "2. navigation → 200 contacts in the DOM", "ms"),
    Row("roster.big.nav", "2. navigation → 5,000 contacts in the DOM", "ms"),
    Row("roster.big", "2. roster result arrived → 5,000 rows rendered", "ms", "≤ 1 s", None,
        absolute=lambda v: v <= 1000),
    Row("roster.big.longtask", "2. longest main-thread task meanwhile", "ms", "≤ 200 ms", None,
        absolute=lambda v: v <= 200),
    Row("mam.open", "3. open chat → latest page of 1,000 archived rendered", "ms", "≤ 0.25×", 0.25),
    Row("mam.back", "3. then page back to the first message", "ms"),
    Row("latency.median", "4. bot send → in DOM, median of 50 (the 0.5× target is retired: issue 27)", "ms"),
    Row("latency.p95", "4. bot send → in DOM, p95 of 50", "ms"),
    Row("latency.to_page", "4. of which bot send → BOSH response handed to the page (median)", "ms"),
    Row("latency.in_page", "4. of which response → in DOM: the client's own part (median)", "ms", "≤ 0.4×", 0.4),
    Row("burst.ms", "5. burst of 1,000 (100 of them replies, and 100 reactions): first send → last in DOM", "ms"),
    Row("burst.rate", "5. burst throughput", "msg/s", "≥ 25×", 25.0, higher_is_better=True),
    Row("burst.ordered", "5. all 1,000 present and in order", ""),
    Row("ws.latency.median", "4w. the same over WebSocket: bot send → in DOM, median of 50", "ms"),
    Row("ws.latency.p95", "4w. over WebSocket: bot send → in DOM, p95 of 50", "ms"),
    Row("ws.latency.to_page", "4w. of which bot send → frame handed to the page (median)", "ms"),
    Row("ws.latency.in_page", "4w. of which frame → in DOM: the client's own part (median)", "ms"),
    Row("ws.burst.rate", "5w. over WebSocket: burst throughput", "msg/s", higher_is_better=True),
    Row("ws.burst.ordered", "5w. over WebSocket: all 1,000 present and in order", ""),
    Row("room.occupants", "8. open a room with 500 occupants → all in the DOM", "ms"),
    Row("room.occupants.longtask", "8. longest main-thread task meanwhile", "ms", "≤ 200 ms", None,
        absolute=lambda v: v <= 200),
    Row("room.stream", "8. then 100 room messages sent at once: first send → last in DOM", "ms"),
    Row("room.stream.rate", "8. room stream throughput (bound by the server's fan-out to 501)", "msg/s",
        higher_is_better=True),
    Row("room.stream.longtask", "8. longest main-thread task during the stream", "ms", "≤ 200 ms", None,
        absolute=lambda v: v <= 200),
    Row("media.load", "9. open a chat of 200 image messages → all 200 in (paging back)", "ms"),
    Row("media.load.longtask", "9. longest main-thread task meanwhile", "ms"),
    Row("media.scroll.longtask", "9. longest main-thread task scrolling those 200 images", "ms", "≤ 200 ms", None,
        absolute=lambda v: v <= 200),
    Row("media.images", "9. images in the DOM after scrolling", ""),
    Row("recovery.ms", "10. network back after a 10 s cut → all 300 messages sent meanwhile shown", "ms"),
    Row("recovery.lost", "10. of those 300, never shown (lost)", "", "0", None, absolute=lambda v: v == 0),
    Row("recovery.dups", "10. shown twice (duplicates)", "", "0", None, absolute=lambda v: v == 0),
    Row("upload.cpy", "9. upload 10 MB over loopback with api.upload.send (slot, PUT, message)", "ms"),
    Row("upload.fetch", "9. the same size PUT with a bare fetch to a slot of the same service", "ms"),
    Row("upload.ratio", "9. api.upload.send / bare fetch PUT", "×", "≤ 1.5×", None, absolute=lambda v: v <= 1.5),
    Row("omemo.first_use", "11. OMEMO turned on → ready (core loaded, keys made, published)", "ms"),
    Row("omemo.first_message", "11. first OMEMO message to a new device → decrypted by the contact", "ms"),
    Row("omemo.first_message.cpu", "11. of which the page's main-thread CPU time", "ms", "≤ 200 ms", None,
        absolute=lambda v: v <= 200),
    Row("omemo.first_message.longtask", "11. longest main-thread task meanwhile", "ms"),
    Row("omemo.burst.ms", "11. 1,000 OMEMO messages sent at once → all decrypted in the DOM", "ms"),
    Row("omemo.burst.rate", "11. encrypted burst throughput", "msg/s", higher_is_better=True),
    Row("omemo.burst.cpu_per_msg", "11. main-thread CPU per encrypted message", "ms"),
    Row("omemo.burst.longtask", "11. longest main-thread task during the encrypted burst", "ms", "≤ 200 ms", None,
        absolute=lambda v: v <= 200),
    Row("mem.mam.heap", "6. JS heap after scenario 3", "MiB"),
    Row("mem.mam.wasm", "6. WebAssembly memory after scenario 3", "MiB"),
    Row("mem.burst.heap", "6. JS heap after scenario 5 (4+5)", "MiB"),
    Row("mem.burst.wasm", "6. WebAssembly memory after scenario 5 (4+5)", "MiB"),
    Row("bytes.raw", "7. bytes shipped, raw", "MB"),
    Row("bytes.gzip", "7. bytes shipped, gzip", "MB"),
    Row("bytes.requests", "7. requests (XMPP traffic excluded)", ""),
]


def summarize(values: list[Any]) -> Any:
    """Median of the numeric values; a string when no run gave a number."""
    numbers = [v for v in values if isinstance(v, (int, float))]
    if numbers and len(numbers) == len(values):
        return median(numbers)
    if numbers:
        return f"{median(numbers):.1f}*"  # some runs failed
    strings = sorted({str(v) for v in values})
    return "; ".join(strings) if strings else ""


def fmt(value: Any, unit: str) -> str:
    if isinstance(value, float):
        if unit in ("MiB", "MB", "KB"):
            return f"{value:.2f} {unit}"
        if unit == "msg/s":
            return f"{value:.1f} {unit}"
        if unit == "×":
            return f"{value:.2f}×"
        if unit == "":
            return f"{value:.0f}"
        if unit == "ms" and value < 100:  # latencies: their tenths matter
            return f"{value:.1f} ms"
        return f"{value:.0f} {unit}"
    if isinstance(value, str) and value.endswith("*") and unit:
        return f"{value} {unit}"
    return str(value) if value != "" else "—"


def table(results: dict[str, dict[str, list[Any]]], runs: dict[str, int]) -> str:
    lines = ["| scenario | converse-py | Converse.js 14 | ratio py/js | target | met |",
             "|---|---|---|---|---|---|"]
    py, js = results.get("py", {}), results.get("js", {})
    for row in ROWS:
        if row.key not in py and row.key not in js:
            continue
        a = summarize(py.get(row.key, []))
        b = summarize(js.get(row.key, []))
        ratio = met = ""
        if isinstance(a, float) and isinstance(b, float) and b:
            r = a / b
            ratio = f"{r:.2f}×"
            if row.bound is not None:
                met = "yes" if (r >= row.bound if row.higher_is_better else r <= row.bound) else "no"
        if row.absolute is not None and isinstance(a, float):
            met = "yes" if row.absolute(a) else "no"
        lines.append(f"| {row.label} | {fmt(a, row.unit)} | {fmt(b, row.unit)} | {ratio} | {row.target} | {met} |")
    lines.append("")
    lines.append("Medians of " + ", ".join(f"{k}: {v} run(s)" for k, v in runs.items())
                 + " per client (a * marks a median over the runs that did not fail).")
    return "\n".join(lines)


def machine() -> str:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    pv = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "prosody"],
                        capture_output=True, text=True).stdout.strip() or "?"
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB; "
            f"{chromium}; Prosody {pv}; Python {platform.python_version()}")


def cpu_check() -> float:
    """Seconds this machine's CPython takes for a fixed loop of 2 million additions (best of
    three): the machines these runs land on differ by ~3x per core, and both clients' figures
    move with it, so the header says how fast this one was."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - began)
    return best


def pin_server(prosody: Any, cpu: int) -> str:
    """Prosody on ``cpu`` alone; this process, and so Chromium and the bots it starts, on the others.
    Returns what it did, for the log."""
    cpus = os.sched_getaffinity(0)
    if cpu not in cpus or len(cpus) < 2:
        raise SystemExit(f"--server-cpu {cpu}: needs another CPU besides it (this process may use {sorted(cpus)})")
    os.sched_setaffinity(prosody.pid, {cpu})
    os.sched_setaffinity(0, cpus - {cpu})
    return f"Prosody on CPU {cpu}; the browser, the bots and the harness on {sorted(cpus - {cpu})}"


def start_spinner(cpu: int, log: Callable[[str], None]) -> subprocess.Popen[bytes]:
    """A process spinning on one core (``cpu`` >= 0: pinned there) until killed: --busy-core."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    if cpu >= 0:
        os.sched_setaffinity(spinner.pid, {cpu})
    log(f"busy core: a spinning process (pid {spinner.pid}) on "
        + (f"CPU {cpu}" if cpu >= 0 else "any CPU"))
    return spinner


def write_results(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = "# Benchmarks: converse-py vs Converse.js 14\n\n" + block + "\n" + old
    path.write_text(new, encoding="utf-8")


# ----- setup ----------------------------------------------------------------------
def ensure_conversejs(log: Callable[[str], None]) -> bool:
    """Install the bench-only npm package and copy its dist next to the pages."""
    if not CONVERSEJS_DIST.is_dir():
        if shutil.which("npm") is None:
            log("npm not found: Converse.js cannot be installed")
            return False
        log("installing Converse.js 14 (bench/package.json) ...")
        cmd = ["npm", "ci" if (BENCH / "package-lock.json").is_file() else "install",
               "--no-audit", "--no-fund"]
        if subprocess.run(cmd, cwd=BENCH).returncode != 0:
            return False
    for src in CONVERSEJS_DIST.rglob("*"):
        if src.is_dir() or src.suffix == ".map":
            continue
        dst = CONVERSEJS_VENDOR / src.relative_to(CONVERSEJS_DIST)
        if dst.is_file() and dst.stat().st_size == src.stat().st_size:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario and client (default 5)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--clients", default="py,js", help="py, js or py,js (default)")
    parser.add_argument("--quick", action="store_true",
                        help="1 run, start-up only, converse-py only unless --clients says otherwise")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (default bench/RESULTS.md)")
    parser.add_argument("--json", type=Path, help="also write every run's raw figures here")
    parser.add_argument("--server-cpu", type=int, metavar="N",
                        help="run Prosody on CPU N only, and the browser, the bots and the harness on the "
                             "others (as when the server is another machine); default: all share every CPU")
    parser.add_argument("--busy-core", type=int, nargs="?", const=-1, metavar="N",
                        help="keep one core busy throughout (a spinning process, as another program working "
                             "on the same machine): on CPU N, or wherever the scheduler puts it without N")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
        if "--scenarios" not in (argv if argv is not None else sys.argv):
            args.scenarios = "startup"
        if "--clients" not in (argv if argv is not None else sys.argv):
            args.clients = "py"
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    clients = [CLIENTS[c] for c in args.clients.split(",") if c]

    def log(text: str) -> None:
        print(text, flush=True)

    problems = check()
    if problems:
        log("; ".join(problems))
        return 1
    log(build())
    if any(c.key == "js" for c in clients) and not ensure_conversejs(log):
        log("Converse.js 14 is not available: run with --clients py")
        return 1

    cpu_before = cpu_check()
    spinner = start_spinner(args.busy_core, log) if args.busy_core is not None else None
    began = time.monotonic()
    results: dict[str, dict[str, list[Any]]] = {c.key: {} for c in clients}
    prosody = ProsodyServer().start()
    server = StaticServer(str(ROOT)).start()
    fx: dict[str, Any] = {}
    h: Harness | None = None
    try:
        if args.server_cpu is not None:  # (a refusal still stops the servers: finally below)
            log(pin_server(prosody, args.server_cpu))
        fx = make_fixtures(prosody, scenarios, args.quick, log)
        with sync_playwright() as pw:
            h = Harness(prosody, server, pw.chromium, log=log)
            for name in scenarios:
                log(f"scenario {name}:")
                for run in range(args.runs):
                    order = clients if run % 2 == 0 else list(reversed(clients))
                    for client in order:
                        t = time.monotonic()
                        try:
                            figures = SCENARIOS[name](h, client, run, fx)
                        except Exception as exc:  # one failed run must not lose the others
                            figures = {}
                            log(f"  run {run + 1} {client.name}: FAILED {type(exc).__name__}: {str(exc)[:300]}")
                        for key, value in figures.items():
                            results[client.key].setdefault(key, []).append(value)
                        shown = ", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in figures.items())
                        log(f"  run {run + 1} {client.name} ({time.monotonic() - t:.1f}s): {shown}")
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
        if "room_crowd" in fx:
            fx["room_crowd"].stop()
        if "recovery_bot" in fx:
            fx["recovery_bot"].stop()
        server.stop()
        prosody.cleanup()
    outside = sorted(set(h.outside)) if h is not None else []
    if outside:
        log(f"requests off this machine (failed at the guard): {outside}")
    elapsed = time.monotonic() - began
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = (f"CPU check (2M-step CPython loop): {cpu_before * 1000:.0f} ms before the run, "
           f"{cpu_check() * 1000:.0f} ms after.")
    text = (f"Run {stamp} in {elapsed / 60:.1f} min on {machine()}.\n{cpu}\n"
            f"Command: `python -m bench.run {' '.join(argv if argv is not None else sys.argv[1:])}`\n\n"
            + table(results, {s: args.runs for s in scenarios})
            + ("\n\nRequests off this machine (failed at the guard): " + ", ".join(outside)
               if outside else "\n\nNo request left this machine."))
    print("\n" + text)
    write_results(args.out, text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
