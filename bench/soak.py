"""Bounded soak: one converse-py page in many busy rooms for minutes, sampling what should stay flat
(live Pyodide proxies both ways) next to what may grow (messages kept in the DOM).

    python -m bench.soak                          # 50 rooms x 5 minutes (~5.5 min with set-up)
    python -m bench.soak --rooms 2 --duration 20  # the smoke test's size

It starts its own Prosody (tools/prosody.py) and static server (serve.py) as bench/run.py does,
logs ``bench/pages/soak.html`` in (headless Debian Chromium), opens the rooms through
``_converse.api.rooms.open`` one by one as a page's code would, and has a crowd of occupants
(bench/crowd.py: two residents per room and a few wanderers) keep sending for the whole duration:
``--rate`` groupchat messages a second in random rooms, a resident's presence change every
second and a wanderer leaving one room for another every two seconds. Every ``--interval`` seconds
it collects garbage on both sides (Python ``gc.collect()``, then Chromium's GC through CDP, twice,
so that proxies released by one side free what they held on the other) and samples:

- live PyProxies (JS handles on Python objects): counted by bench/soak.js from Pyodide's
  allocation tracing, weakly, until each is destroyed or garbage-collected;
- the JS reference table (``Module.hiwire.num_keys()``: JS values Python holds, one per live
  JsProxy plus Pyodide's own; JsProxy objects are not gc-tracked, so ``gc.get_objects()`` cannot
  count them);
- Python's gc object count, the JS heap and WebAssembly memory, DOM nodes (in the document, and
  Chromium's count including detached ones), JS event listeners, and messages in the DOM.

Verdict: from the first sample at or after ``--warmup`` seconds to the end, no proxy count may
grow by more than ``--bound``; else the soak prints what grew (the live PyProxies by Python type,
the Python types whose instances grew) and exits 1. Before the rooms open, a calibration holds and
releases 100 proxies each way and fails the soak unless both counts follow; ``--inject-leak`` makes
the page keep a proxy each way per message, to see the bound trip. Nothing leaves this machine
(requests elsewhere fail at the guard, bench/run.py GUARD_ARGS).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from playwright.sync_api import CDPSession, Page

    from bench.crowd import Crowd

SOAK_JS = (ROOT / "bench" / "soak.js").read_text(encoding="utf-8")
ROOM_SELECTOR = "section.cpy-chatroom"

#: The proxy counts the verdict bounds (their growth after the warm-up); the other columns are reported.
BOUNDED = ("pyproxies", "jsrefs")
#: Default of --bound: see docs/reliability.md ("Soak") for how it was chosen.
BOUND = 50
COLUMNS: list[tuple[str, str, str]] = [
    # key, header, format
    ("t", "t (s)", "{:.0f}"),
    ("sent", "msgs sent", "{:d}"),
    ("received", "msgs received", "{:d}"),
    ("dom_messages", "msgs in DOM", "{:d}"),
    ("pyproxies", "live PyProxies", "{:d}"),
    ("jsrefs", "JS refs (hiwire)", "{:d}"),
    ("gc_objects", "Python gc objects", "{:d}"),
    ("heap", "JS heap (MiB)", "{:.1f}"),
    ("wasm", "Wasm (MiB)", "{:.0f}"),
    ("dom_nodes", "DOM nodes", "{:d}"),
    ("nodes", "nodes incl. detached", "{:d}"),
    ("listeners", "JS listeners", "{:d}"),
]


# ----- the verdict (pure: unit-tested) --------------------------------------------
@dataclass
class Verdict:
    ok: bool
    reference: dict[str, Any] | None
    growth: dict[str, int] = field(default_factory=dict)
    #: Growth per 1,000 messages received after the warm-up (least squares slope).
    per_1000: dict[str, float] = field(default_factory=dict)
    grew: list[str] = field(default_factory=list)
    note: str = ""


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0 when xs do not vary)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def judge(samples: list[dict[str, Any]], warmup: float, bound: int) -> Verdict:
    """Each bounded count's growth from the first sample at or after ``warmup`` seconds to the
    highest later sample must be at most ``bound``. Needs that reference and one later sample."""
    after = [s for s in samples if s["t"] >= warmup]
    if len(after) < 2:
        return Verdict(False, after[0] if after else None,
                       note=f"too few samples after the {warmup:.0f} s warm-up ({len(after)}; need 2)")
    ref, rest = after[0], after[1:]
    verdict = Verdict(True, ref)
    for key in BOUNDED:
        grown = max(int(s[key]) for s in rest) - int(ref[key])
        verdict.growth[key] = grown
        verdict.per_1000[key] = 1000 * slope([float(s["received"]) for s in after], [float(s[key]) for s in after])
        if grown > bound:
            verdict.ok = False
            verdict.grew.append(key)
    return verdict


def table(samples: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(h for _, h, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for s in samples:
        lines.append("| " + " | ".join(fmt.format(s[k]) for k, _, fmt in COLUMNS) + " |")
    return "\n".join(lines)


# ----- traffic ------------------------------------------------------------------
class Traffic:
    """Drives the crowd from a thread: per second ``rate`` messages in random rooms, one resident's
    presence change, and every other second a wanderer moving to another room."""

    SHOWS = ("away", "xa", "dnd", "chat", "")

    def __init__(self, crowd: Crowd, rooms: list[str], residents: dict[str, list[str]],
                 wanderers: dict[str, str], rate: float, seed: int = 8) -> None:
        self.crowd, self.rooms, self.residents, self.wanderers = crowd, rooms, residents, wanderers
        self.rate = rate
        self.random = random.Random(seed)
        self.sent = self.presences = self.moves = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="soak traffic")

    def start(self) -> Traffic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        try:
            second = 0
            began = time.monotonic()
            owed = 0.0
            while not self._stop.is_set():
                owed += self.rate
                stanzas = [self._message() for _ in range(int(owed))]
                owed -= int(owed)
                stanzas.append(self._presence())
                if second % 2 == 0 and self.wanderers:
                    stanzas.extend(self._move())
                self.crowd.send(stanzas)
                second += 1
                self._stop.wait(max(0.0, began + second - time.monotonic()))
        except BaseException as exc:  # reported by the soak, which then fails
            self.error = exc

    def _message(self) -> tuple[str, str]:
        room = self.random.choice(self.rooms)
        nick = self.random.choice(self.residents[room])
        self.sent += 1
        body = f"soak message {self.sent} from {nick}: " + " ".join(
            self.random.choice(("lorem", "ipsum", "dolor", "sit", "amet", "https://example.org/x", ":)"))
            for _ in range(self.random.randint(3, 20)))
        return nick, (f"<message to='{room}' type='groupchat' id='soak{self.sent}'>"
                      f"<body>{body}</body></message>")

    def _presence(self) -> tuple[str, str]:
        room = self.random.choice(self.rooms)
        nick = self.random.choice(self.residents[room])
        show = self.random.choice(self.SHOWS)
        self.presences += 1
        inner = (f"<show>{show}</show>" if show else "") + f"<status>status {self.presences}</status>"
        return nick, f"<presence to='{room}/{nick}'>{inner}</presence>"

    def _move(self) -> list[tuple[str, str]]:
        nick = self.random.choice(sorted(self.wanderers))
        old = self.wanderers[nick]
        new = self.random.choice([r for r in self.rooms if r != old] or [old])
        self.wanderers[nick] = new
        self.moves += 1
        return [(nick, f"<presence to='{old}/{nick}' type='unavailable'/>"),
                (nick, f"<presence to='{new}/{nick}'><x xmlns='http://jabber.org/protocol/muc'>"
                       "<history maxstanzas='0'/></x></presence>")]


# ----- sampling -----------------------------------------------------------------
PAGE_FIGURES_JS = """() => {
    const py = JSON.parse(window.__soakPy.sample());
    const px = window.__soak.pyproxies(8);
    return {
        pyproxies: px.live, created: px.created, destroyed: px.destroyed, collected: px.collected,
        kinds: px.kinds, jsrefs: window.__soak.jsrefs(), gc_objects: py.gc_objects, types: py.types,
        wasm: window.__bench.wasmBytes() / 1048576,
        dom_nodes: (function () { let n = 0; const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
                                  while (w.nextNode()) n++; return n + 1; })(),
        dom_messages: document.querySelectorAll('section.cpy-chatroom li.cpy-msg').length,
        occupants: document.querySelectorAll('section.cpy-chatroom li.cpy-occupant').length,
        received: window.__soak.received,
    };
}"""


def collect_garbage(page: Page, cdp: CDPSession) -> None:
    """Python's collector, then Chromium's, twice: a JsProxy freed by Python releases its JS
    value; a PyProxy collected by JS releases its Python object (from a FinalizationRegistry
    callback, which runs on a later task: hence the pause)."""
    for _ in range(2):
        page.evaluate("window.__soakPy.sample()")
        cdp.send("HeapProfiler.collectGarbage")
        page.wait_for_timeout(250)


def sample(page: Page, cdp: CDPSession, t: float, sent: int) -> dict[str, Any]:
    collect_garbage(page, cdp)
    figures: dict[str, Any] = page.evaluate(PAGE_FIGURES_JS)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    figures.update(t=t, sent=sent, heap=metrics.get("JSHeapUsedSize", 0.0) / 2**20,
                   nodes=int(metrics.get("Nodes", 0)), listeners=int(metrics.get("JSEventListeners", 0)))
    return figures


# ----- the run --------------------------------------------------------------------
CALIBRATION = 100


def calibrate(page: Page, cdp: CDPSession, log: Callable[[str], None]) -> str:
    """Check the counters count: hold CALIBRATION PyProxies and as many JsProxies in the page, then
    let them go; an empty string if both counts rose by that much and came back, else what failed."""
    base = sample(page, cdp, 0.0, 0)
    page.evaluate("(n) => window.__soakPy.calibrate(n)", CALIBRATION)
    held = sample(page, cdp, 0.0, 0)
    page.evaluate("() => window.__soakPy.calibrate(0)")
    gone = sample(page, cdp, 0.0, 0)
    figures = {k: (base[k], held[k], gone[k]) for k in BOUNDED}
    log("calibration (before, holding, released): "
        + ", ".join(f"{k} {a}/{b}/{c}" for k, (a, b, c) in figures.items()))
    problems = []
    # Each held PyProxy is one proxy; JS refs: a JsProxy per PyProxy (create_proxy's) and per JS object.
    for key, rise in (("pyproxies", CALIBRATION), ("jsrefs", 2 * CALIBRATION)):
        a, b, c = figures[key]
        if b - a < rise or c - a > 5:
            problems.append(f"{key} {a} -> {b} holding {CALIBRATION} -> {c} released (expected +{rise}, then back)")
    return "; ".join(problems)


def type_growth(ref: dict[str, Any], last: dict[str, Any], top: int = 8) -> list[tuple[str, int]]:
    """Python types whose gc-tracked instances grew most from ``ref`` to ``last``."""
    before, after = ref.get("types", {}), last.get("types", {})
    grown = [(name, int(n) - int(before.get(name, 0))) for name, n in after.items()]
    return sorted((g for g in grown if g[1] > 0), key=lambda g: -g[1])[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=50, help="rooms open (default 50)")
    parser.add_argument("--duration", type=float, default=300, help="seconds of traffic (default 300)")
    parser.add_argument("--interval", type=float, default=15, help="seconds between samples (default 15)")
    parser.add_argument("--warmup", type=float, default=60,
                        help="seconds of traffic before the reference sample (default 60)")
    parser.add_argument("--rate", type=float, default=5, help="room messages per second, all rooms (default 5)")
    parser.add_argument("--wanderers", type=int, default=10, help="occupants moving between rooms (default 10)")
    parser.add_argument("--bound", type=int, default=BOUND,
                        help=f"largest growth of each proxy count after the warm-up (default {BOUND})")
    parser.add_argument("--inject-leak", action="store_true",
                        help="make the page keep a PyProxy and a JsProxy per message (checks the soak fails)")
    parser.add_argument("--json", type=Path, help="write the samples and the verdict here")
    args = parser.parse_args(argv)
    if args.rooms < 1 or args.duration <= 0 or args.interval <= 0:
        parser.error("--rooms, --duration and --interval must be positive")

    from bench.run import machine
    from tools.build import build, check

    problems = check()
    if problems:
        print("; ".join(problems))
        return 1
    print(build(), flush=True)
    began = time.monotonic()
    run = Soak(args)
    run.run()
    verdict = judge(run.samples, args.warmup, args.bound)
    text = report(args, run, verdict, machine(), time.monotonic() - began,
                  "python -m bench.soak " + " ".join(argv if argv is not None else sys.argv[1:]))
    ok = verdict.ok and not run.problems
    print("\n" + text, flush=True)
    if args.json:
        args.json.write_text(json.dumps({
            "samples": [{k: v for k, v in s.items() if k not in ("types", "kinds")} for s in run.samples],
            "closed": run.closed, "info": run.info, "ok": ok, "growth": verdict.growth,
            "per_1000": verdict.per_1000, "grew": verdict.grew, "problems": run.problems, "text": text,
        }, indent=1), encoding="utf-8")
    return 0 if ok else 1


class Soak:
    """One soak: servers, crowd, page, rooms, traffic and samples (``run``)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.samples: list[dict[str, Any]] = []
        self.closed: dict[str, Any] = {}       # the sample after every room was closed
        self.before_rooms: dict[str, Any] = {}  # the sample before any room was opened
        self.info: dict[str, Any] = {}
        self.problems: list[str] = []           # each one fails the soak

    @staticmethod
    def log(text: str) -> None:
        print(text, flush=True)

    def run(self) -> None:
        from playwright.sync_api import sync_playwright

        from bench import seed
        from bench.crowd import Crowd
        from bench.run import Client, Harness
        from serve import StaticServer
        from tools.prosody import ProsodyServer

        args, log = self.args, self.log
        prosody = ProsodyServer().start()
        server = StaticServer(str(ROOT)).start()
        crowd: Crowd | None = None
        traffic: Traffic | None = None
        try:
            owner = seed.new_account(prosody, "soaker")
            seed.seed_roster(prosody, owner, 1)
            crowd_account = seed.new_account(prosody, "soakcrowd")
            crowd = Crowd("127.0.0.1", prosody.c2s_port, prosody.domain,
                          crowd_account.username, crowd_account.password).start()
            rooms = [f"soak{i:02d}@{prosody.muc_domain}" for i in range(1, args.rooms + 1)]
            residents: dict[str, list[str]] = {}
            t = time.monotonic()
            for i, room in enumerate(rooms, 1):
                crowd.join(room, 2, f"s{i:02d}o")
                residents[room] = [f"s{i:02d}o0001", f"s{i:02d}o0002"]
            wanderers: dict[str, str] = {}
            for i in range(args.wanderers):
                crowd.join(rooms[i % len(rooms)], 1, f"w{i:02d}x")
                wanderers[f"w{i:02d}x0001"] = rooms[i % len(rooms)]
            log(f"{len(rooms)} rooms with {2 * len(rooms)} residents and {len(wanderers)} wanderers "
                f"in {time.monotonic() - t:.1f}s")

            with sync_playwright() as pw:
                h = Harness(prosody, server, pw.chromium, log=log)
                context = h.new_context()
                context.add_init_script(SOAK_JS)
                context.add_init_script(f"window.soakInjectLeak = {json.dumps(bool(args.inject_leak))};")
                client = Client("soak", "converse-py", "/bench/pages/soak.html", "li.cpy-contact[data-jid]", "")
                t = time.monotonic()
                context, page, _ = h.open(client, owner, context=context)
                page.on("pageerror", lambda e: self.problems.append(f"page error: {str(e)[:300]}"))
                page.wait_for_function("window.__soak.module !== null && !!window.__soakPy", timeout=30_000)
                # A plugin's listener, as a page would add one: counts the room messages received.
                page.evaluate("""() => { window.__soak.received = 0;
                    window.benchApi.listen.on('message', function (stanza) {
                        if (stanza.getAttribute('type') === 'groupchat') window.__soak.received++;
                    }); }""")
                log(f"logged in in {time.monotonic() - t:.1f}s")
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                failed = calibrate(page, cdp, log)
                if failed:
                    self.problems.append("calibration: the counters did not count: " + failed)
                self.before_rooms = sample(page, cdp, 0.0, 0)

                t = time.monotonic()
                for room in rooms:  # one by one, as a page's code would
                    page.evaluate("(jid) => { window.benchApi.rooms.open(jid, {nick: 'soaker'}); }", room)
                page.wait_for_function(
                    """([sel, rooms, occupants]) => document.querySelectorAll(sel).length >= rooms
                        && document.querySelectorAll(sel + ' li.cpy-occupant').length >= occupants""",
                    arg=[ROOM_SELECTOR, len(rooms), 3 * len(rooms)], timeout=120_000)  # 2 residents + us
                self.info["rooms_open_s"] = time.monotonic() - t
                log(f"{len(rooms)} rooms open in {self.info['rooms_open_s']:.1f}s")

                traffic = Traffic(crowd, rooms, residents, wanderers, args.rate).start()
                self._sample_during(page, cdp, traffic)
                traffic.stop()
                self.info.update(sent=traffic.sent, presences=traffic.presences, moves=traffic.moves)

                page.evaluate("() => { window.benchApi.rooms.close(); }")
                page.wait_for_function("(sel) => Array.from(document.querySelectorAll(sel)).every((e) => e.hidden)",
                                       arg=ROOM_SELECTOR, timeout=60_000)  # closed rooms' boxes are hidden
                page.wait_for_timeout(1000)
                self.closed = sample(page, cdp, self.samples[-1]["t"], traffic.sent)
                cdp.detach()
                if h.outside:
                    self.problems.append("requests off this machine (failed at the guard): " + ", ".join(sorted(set(h.outside))))
                context.close()
        finally:
            if traffic is not None:
                traffic.stop()
            if crowd is not None:
                crowd.stop()
            server.stop()
            prosody.cleanup()

    def _sample_during(self, page: Page, cdp: CDPSession, traffic: Traffic) -> None:
        args = self.args
        t0 = time.monotonic()
        while True:
            now = time.monotonic() - t0
            figures = sample(page, cdp, round(now, 1), traffic.sent)
            self.samples.append(figures)
            self.log("  " + ", ".join(f"{k}={fmt.format(figures[k])}" for k, _h, fmt in COLUMNS))
            if traffic.error is not None:
                raise RuntimeError(f"traffic failed: {traffic.error!r}")
            if now >= args.duration:
                return
            next_at = t0 + min(args.duration, len(self.samples) * args.interval)
            time.sleep(max(0.0, next_at - time.monotonic()))


def report(args: argparse.Namespace, run: Soak, verdict: Verdict, machine: str, seconds: float,
           command: str) -> str:
    samples, info = run.samples, run.info
    last = samples[-1]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Soak {stamp} on {machine}.",
        f"Command: `{command.strip()}`; {seconds:.0f} s in all.",
        f"{args.rooms} rooms open in {info.get('rooms_open_s', 0):.1f} s; {args.duration:g} s of traffic: "
        f"{info.get('sent', 0)} room messages sent ({args.rate:g}/s), {last['received']} received by the page, "
        f"{info.get('presences', 0)} presence changes, {info.get('moves', 0)} occupants moving room "
        f"(a leave and a join each); {len(samples)} samples every {args.interval:g} s"
        + (" (leak injected: a PyProxy and a JsProxy kept per message)" if args.inject_leak else "") + ".",
        "",
        table(samples),
        "",
        f"PyProxies made since the probe was installed (before login): {last['created']}; "
        f"destroyed {last['destroyed']}, garbage-collected {last['collected']}, alive {last['pyproxies']}.",
    ]
    if run.before_rooms and run.closed:
        b, c = run.before_rooms, run.closed
        lines.append(
            "Before opening the rooms → after closing them all at the end: "
            + ", ".join(f"{h} {fmt.format(b[k])} → {fmt.format(c[k])}" for k, h, fmt in COLUMNS
                        if k in ("pyproxies", "jsrefs", "gc_objects", "heap", "dom_nodes", "nodes", "listeners"))
            + ".")
    if verdict.reference is not None:
        lines.append(
            f"Bound: from the first sample after the {args.warmup:g} s warm-up ({verdict.reference['t']:.0f} s) "
            f"to the end, each proxy count may grow by at most {args.bound}. Growth: "
            + ", ".join(f"{k} {verdict.growth[k]:+d} ({verdict.per_1000[k]:+.2f} per 1,000 messages received)"
                        for k in BOUNDED) + ".")
    lines.extend(f"Problem: {p}" for p in run.problems)
    if verdict.ok and not run.problems:
        lines.append("Result: PASS")
    else:
        lines.append("Result: FAIL: " + (verdict.note or ("grew past the bound: " + ", ".join(verdict.grew)
                                                         if verdict.grew else "see the problems above")))
    if not verdict.ok and verdict.reference is not None:
        lines.append("Live PyProxies by Python type, at the end: "
                     + "; ".join(f"{n} × {kind}" for kind, n in last["kinds"]))
        lines.append("Python types that grew most (gc-tracked instances): "
                     + "; ".join(f"{name} {n:+d}" for name, n in type_growth(verdict.reference, last)))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
