"""The page's own cost of messages, without the server: stanzas are handed straight to the
session in the page (the transport's path from "response arrived" on), so every run sees the
same batches and the same number of frames, and an A/B of a change reads a few percent.

- ``--mode burst``: issue 24's mixed burst (1,000 messages, 100 of them replies, and 100
  reactions) in 22 tasks of 50 stanzas, a frame between each; prints the renderer main thread's
  CPU time (from /proc: its own work, whatever else shares the cores) and the wall time.
- ``--mode single``: 60 single messages 60 ms apart; prints the median time from handing one to
  the transport (as one BOSH response) until its row is in the DOM (the client's own part of a
  message's latency, without Strophe's), and until the call returned (parse, dispatch, models,
  and the row drawn at the end of the batch; the rest is the browser's mutation observers).
- ``--profile``: cProfile inside Pyodide over the same work (its modules are read from Pyodide's
  full standard library in node_modules: the shipped one is trimmed).

    python -m bench.probe_feed --runs 4
    python -m bench.probe_feed --mode single --profile

Figures are for comparing two trees on one machine, not targets: bench/run.py measures against
Converse.js. bench/RESULTS.md ("Rows without content-visibility") shows what it found.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page  # noqa: E402

from bench import seed  # noqa: E402
from bench.probe_burst import probe_harness, renderer_main_cpu  # noqa: E402
from bench.run import CLIENTS, Harness, open_chat  # noqa: E402
from tools.prosody import ProsodyServer  # noqa: E402

PAGE = "/bench/pages/converse-py-feed.html"
BATCH = 50

#: Finds the page's session and exposes window.__feed(joined): NUL-separated stanzas, received in order
#: as the transport receives one BOSH response.
INSTALL_FEED = """
import gc, js
from pyodide.ffi import create_proxy
from converse_py.core.session import Session
session = next(o for o in gc.get_objects() if isinstance(o, Session) and o.converse is not None)
def feed(joined):
    session.transport._on_stanzas(str(joined))  # the transport's path: its inbox, its end of batch
js.window.__feed = create_proxy(feed)
"""

FEED_BATCHES_JS = """async ([batches]) => {
    const t0 = performance.now();
    for (const batch of batches) {
        await new Promise((r) => setTimeout(r, 0));
        window.__feed(batch);
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    }
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
}"""

FEED_SINGLES_JS = """async ([stanzas]) => {
    const list = document.querySelector('section.cpy-chatbox ol.cpy-messages');
    const out = [];
    for (const xml of stanzas) {
        await new Promise((r) => setTimeout(r, 60));
        let inserted = 0;
        const observer = new MutationObserver(() => { if (!inserted) inserted = performance.now(); });
        observer.observe(list, { childList: true });
        const t0 = performance.now();
        window.__feed(xml);
        const received = performance.now();
        await new Promise((r) => setTimeout(r, 0));
        observer.disconnect();
        out.push([inserted - t0, received - t0]);
    }
    return out;
}"""

PROFILE_START = """
import builtins, os, sys
os.makedirs("/tmp/profile-modules", exist_ok=True)
for name, source in SOURCES.items():
    with open(f"/tmp/profile-modules/{name}", "w") as out:
        out.write(source)
sys.path.insert(0, "/tmp/profile-modules")
import cProfile
builtins._bench_profile = cProfile.Profile()
builtins._bench_profile.enable()
"""

PROFILE_STOP = """
import builtins, io, pstats
builtins._bench_profile.disable()
text = io.StringIO()
stats = pstats.Stats(builtins._bench_profile, stream=text).sort_stats(*SORT)
stats.print_stats(60)
if CALLEES:
    stats.print_callees(CALLEES)
result = text.getvalue()
"""


def mixed_burst(peer: str, me: str, count: int = 1000) -> list[str]:
    """The stanzas of issue 24's mixed burst, as a peer's client sends them (every 10th message,
    offset by 5, a XEP-0461 reply with its XEP-0428 fallback; every 10th followed by a reaction)."""
    out: list[str] = []
    previous = ""
    for n in range(1, count + 1):
        if n % 10 == 5 and previous:
            quote = "&gt; an earlier message\n"
            out.append(f"<message xmlns='jabber:client' from='{peer}' to='{me}' type='chat' id='r{n}'>"
                       f"<body>{quote}burst {n} bmp{n:04d}</body><reply xmlns='urn:xmpp:reply:0' to='{peer}' id='{previous}'/>"
                       "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='22'/></fallback>"
                       "</message>")
            previous = f"r{n}"
            continue
        out.append(f"<message xmlns='jabber:client' from='{peer}' to='{me}' type='chat' id='m{n}'>"
                   f"<body>burst {n} bmp{n:04d}</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>")
        previous = f"m{n}"
        if n % 10 == 0:
            out.append(f"<message xmlns='jabber:client' from='{peer}' to='{me}' type='chat' id='x{n}'>"
                       f"<reactions xmlns='urn:xmpp:reactions:0' id='m{n}'><reaction>👍</reaction></reactions>"
                       "<store xmlns='urn:xmpp:hints'/></message>")
    return out


def run_python(page: Page, code: str) -> Any:
    return page.evaluate("(code) => window.runPython(code)", code)


def start_profile(page: Page) -> None:
    """cProfile on in the page's Python (its modules copied from Pyodide's standard library, which
    the page's own trimmed one leaves out)."""
    stdlib = zipfile.ZipFile(ROOT / "node_modules" / "pyodide" / "python_stdlib.zip")
    sources = {name: stdlib.read(name).decode() for name in ("cProfile.py", "profile.py", "pstats.py")}
    run_python(page, f"SOURCES = {sources!r}\n" + PROFILE_START)


def profile_report(page: Page, sort: tuple[str, ...], callees: str) -> str:
    """cProfile off; its report (the heaviest 60 by ``sort``, and what ``callees`` called)."""
    return str(run_python(page, f"SORT = {sort!r}\nCALLEES = {callees!r}\n" + PROFILE_STOP))


def add_profile_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--profile`` (over ``what``), ``--sort`` and ``--callees``."""
    parser.add_argument("--profile", action="store_true", help=f"cProfile inside Pyodide over {what}")
    parser.add_argument("--callees", default="", help="also what the functions matching this regex called")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats keys, comma-separated)")


def one_run(h: Harness, prosody: ProsodyServer, mode: str, profile: bool,
            sort: tuple[str, ...] = ("cumulative",), callees: str = "") -> str:
    owner = seed.new_account(prosody, "feedowner")
    peer = seed.new_account(prosody, "feedpeer")
    seed.befriend(prosody, owner, peer)
    client = dataclasses.replace(CLIENTS["py"], page=PAGE)
    context, page, _ = h.open(client, owner)
    try:
        open_chat(page, client, peer.jid)
        page.wait_for_function("typeof window.runPython === 'function'")
        page.wait_for_timeout(800)  # the chat's opening settles
        run_python(page, INSTALL_FEED)
        me = str(page.evaluate("() => window.benchApi.user.jid()"))
        if profile:
            start_profile(page)
        if mode == "single":
            stanzas = [f"<message xmlns='jabber:client' from='{peer.jid}/phone' to='{me}' type='chat' id='s{n}'>"
                       f"<body>single {n}</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>"
                       for n in range(60)]
            times = page.evaluate(FEED_SINGLES_JS, [stanzas])[10:]  # the first ones warm up
            line = (f"handed to the transport → row in the DOM: median {statistics.median(t[0] for t in times):.2f} ms; "
                    f"back from the transport (rows drawn at the batch end): median {statistics.median(t[1] for t in times):.2f} ms")
        else:
            stanzas = mixed_burst(peer.jid + "/phone", me)
            batches = ["\x00".join(stanzas[i:i + BATCH]) for i in range(0, len(stanzas), BATCH)]
            before = renderer_main_cpu()
            wall = float(page.evaluate(FEED_BATCHES_JS, [batches]))
            cpu = renderer_main_cpu() - before
            rows = int(page.evaluate("() => document.querySelectorAll('section.cpy-chatbox li.cpy-msg').length"))
            line = f"renderer main thread CPU {cpu * 1000:.0f} ms, wall {wall:.0f} ms, {rows} rows"
        if profile:
            line += "\n" + profile_report(page, sort, callees)
        return line
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh pages, one after the other (default 3)")
    parser.add_argument("--mode", choices=("burst", "single"), default="burst")
    add_profile_options(parser, "the same work, printed per run")
    args = parser.parse_args(argv)
    with probe_harness() as (h, prosody):
        for run in range(args.runs):
            line = one_run(h, prosody, args.mode, args.profile, tuple(args.sort.split(",")), args.callees)
            print(f"run {run + 1}: {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
