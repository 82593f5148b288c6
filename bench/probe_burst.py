"""Where a burst's time goes (converse-py only): for each run, a bot bursts messages at a fresh
page over BOSH, and this prints the burst's duration, the BOSH responses that carried messages
(sizes, arrival), CPU time per process over the burst (from /proc), the page's main-thread
task/script/layout/style time (CDP ``Performance.getMetrics``) and, with ``--profile``, the
heaviest functions of a CDP CPU profile (JS, Pyodide's wasm, the browser's built-ins).

    python -m bench.probe_burst                      # 4 runs of 1,000 messages
    python -m bench.probe_burst --runs 8 --profile   # and a CPU profile of each

Figures are for reading, not for targets: bench/run.py measures the burst against Converse.js.
bench/RESULTS.md ("Attempt 13") shows what such runs found.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench import seed  # noqa: E402
from bench.run import CLIENTS, COUNT_MARKERS_JS, Harness, open_chat  # noqa: E402
from serve import StaticServer  # noqa: E402
from tools.build import build  # noqa: E402
from tools.prosody import ProsodyServer  # noqa: E402

#: Records each finished XHR: when, how many <message> elements its response held, its length.
RESPONSES_JS = """
window.__responses = [];
(function () {
    const Native = window.XMLHttpRequest;
    function Recorded() {
        const xhr = new Native();
        xhr.addEventListener('readystatechange', function () {
            if (xhr.readyState !== 4) return;
            const text = String(xhr.responseText || '');
            let count = 0, at = -1;
            while ((at = text.indexOf('<message', at + 1)) !== -1) count++;
            window.__responses.push([performance.now(), count, text.length]);
        });
        return xhr;
    }
    Recorded.prototype = Native.prototype;
    window.XMLHttpRequest = Recorded;
})();
"""


def cpu_by_process() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of every process: pid → (name, seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                data = stat.read()
        except OSError:
            continue  # gone meanwhile
        name = data[data.index("(") + 1:data.rindex(")")]
        fields = data[data.rindex(")") + 2:].split()
        out[int(entry)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return out


def chromium_cpu_by_thread() -> dict[str, float]:
    """CPU seconds so far of Chromium's threads, summed by process type and thread name."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                args = cmdline.read().split(b"\0")
            if not args or b"chrom" not in args[0]:
                continue
            kind = next((a.split(b"=", 1)[1].decode() for a in args if a.startswith(b"--type=")), "browser")
            for tid in os.listdir(f"/proc/{entry}/task"):
                with open(f"/proc/{entry}/task/{tid}/stat", encoding="utf-8", errors="replace") as stat:
                    data = stat.read()
                name = data[data.index("(") + 1:data.rindex(")")]
                fields = data[data.rindex(")") + 2:].split()
                key = f"{kind}/{name}"
                out[key] = out.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return out


def _descends_from_us(pid: int) -> bool:
    """Whether process ``pid`` was started, at any depth, by this process (our Playwright's
    Chromium, not another one running on the machine)."""
    own = os.getpid()
    for _ in range(32):
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
                data = stat.read()
        except OSError:
            return False
        pid = int(data[data.rindex(")") + 2:].split()[1])
        if pid == own:
            return True
        if pid <= 1:
            return False
    return False


def renderer_main_cpu() -> float:
    """CPU seconds so far of the main threads of the renderer processes of this process's own
    Chromium (the page's main thread: its work, whatever else shares the cores meanwhile)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or not _descends_from_us(int(entry)):
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"--type=renderer" not in cmdline.read():
                    continue
            with open(f"/proc/{entry}/task/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                data = stat.read()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_spent(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds spent between two readings, summed by process name (a process is matched by
    pid and name, so a reused pid or a renamed kernel worker does not count its whole life)."""
    spent: dict[str, float] = {}
    for pid, (name, seconds) in after.items():
        earlier = before.get(pid)
        base = earlier[1] if earlier is not None and earlier[0] == name else None
        if base is None:
            continue  # started (or renamed) during the burst: its start is unknown
        if seconds > base:
            spent[name] = spent.get(name, 0.0) + seconds - base
    return spent


def page_metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def trace_self_times(trace: bytes, top: int) -> list[tuple[str, float]]:
    """Self time (ms) by trace event name on the page's main thread (CrRendererMain) of a
    Chromium trace: each complete event's duration minus its children's."""
    import json as _json

    events = _json.loads(trace)
    events = events.get("traceEvents", events) if isinstance(events, dict) else events
    mains = {(e["pid"], e["tid"]) for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"
             and e.get("args", {}).get("name") == "CrRendererMain"}
    spans: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for e in events:
        if e.get("ph") == "X" and (e["pid"], e["tid"]) in mains and "dur" in e:
            spans.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"], e["name"]))
    spent: dict[str, float] = {}
    for items in spans.values():
        items.sort(key=lambda i: (i[0], -i[1]))
        stack: list[list[Any]] = []  # [end, name, child time]

        def close(entry: list[Any], start: float) -> None:
            spent[entry[1]] = spent.get(entry[1], 0.0) + (entry[0] - entry[3] - entry[2]) / 1000

        for start, end, name in items:
            while stack and stack[-1][0] <= start:
                done = stack.pop()
                close(done, start)
            if stack:
                stack[-1][2] += end - start
            stack.append([end, name, 0.0, start])
        while stack:
            close(stack.pop(), 0)
    return sorted(spent.items(), key=lambda item: -item[1])[:top]


def time_by_file(profile: dict[str, Any]) -> list[tuple[str, float]]:
    """Self time (ms) by script file of a CDP profile (the browser's own work: "(native)")."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    spent: dict[str, float] = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node_id]["callFrame"]
        where = frame.get("url", "").rsplit("/", 1)[-1]
        if not where:
            name = frame["functionName"]
            where = name if name.startswith("(") else "(native)"
        spent[where] = spent.get(where, 0.0) + delta / 1000
    return sorted(spent.items(), key=lambda item: -item[1])


def heaviest_functions(profile: dict[str, Any], top: int) -> list[tuple[str, float]]:
    """Self time (ms) by function name and file of a CDP ``Profiler.stop`` profile."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    spent: dict[str, float] = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node_id]["callFrame"]
        where = frame.get("url", "").rsplit("/", 1)[-1]
        key = f"{frame['functionName'] or '(anonymous)'}" + (f" @{where}" if where else "")
        spent[key] = spent.get(key, 0.0) + delta / 1000
    return sorted(spent.items(), key=lambda item: -item[1])[:top]


def one_burst(h: Harness, prosody: ProsodyServer, count: int, profile: bool, reactions_every: int = 0,
              replies_every: int = 0, trace: bool = False) -> list[str]:
    """One burst at a fresh page; the lines to print."""
    client = CLIENTS["py"]
    owner = seed.new_account(prosody, "probeowner")
    peer = seed.new_account(prosody, "probepeer")
    seed.befriend(prosody, owner, peer)
    bot = seed.start_bot(prosody, peer)
    context = h.new_context()
    context.add_init_script(RESPONSES_JS)
    lines: list[str] = []
    try:
        context, page, _ = h.open(client, owner, context=context)
        open_chat(page, client, peer.jid)
        page.wait_for_timeout(1000)  # the chat's opening settles
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        if profile:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            cdp.send("Profiler.start")
        browser = page.context.browser
        if trace and browser is not None:
            browser.start_tracing(page=page, categories=["devtools.timeline", "v8", "blink", "toplevel"])
        metrics_before, cpu_before, main_before = page_metrics(cdp), cpu_by_process(), renderer_main_cpu()
        threads_before = chromium_cpu_by_thread()
        page.evaluate("window.__responses.length = 0")
        origin = float(page.evaluate("performance.timeOrigin"))
        first = seed.send_burst(bot, owner.jid, [f"burst {i} bmp{i:04d}" for i in range(1, count + 1)],
                                reactions_every=reactions_every, replies_every=replies_every)
        done = page.evaluate(COUNT_MARKERS_JS, ["p", count, 60_000])
        cpu_after, metrics_after, main_after = cpu_by_process(), page_metrics(cdp), renderer_main_cpu()
        lines.extend(describe(page, origin, first, done, count))
        spent = cpu_spent(cpu_before, cpu_after)
        lines.append("  CPU over the burst: " + ", ".join(
            f"{name} {seconds * 1000:.0f} ms" for name, seconds in sorted(spent.items(), key=lambda i: -i[1])[:6]))
        lines.append(f"  renderer main thread CPU: {1000 * (main_after - main_before):.0f} ms")
        threads_after = chromium_cpu_by_thread()
        by_thread = sorted(((k, v - threads_before.get(k, 0.0)) for k, v in threads_after.items()), key=lambda i: -i[1])
        lines.append("  chromium threads: " + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in by_thread[:10] if v > 0))
        lines.append("  page main thread: " + ", ".join(
            f"{key} {1000 * (metrics_after[key] - metrics_before[key]):.0f} ms"
            for key in ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")))
        if trace and browser is not None:
            taken_trace = browser.stop_tracing()
            Path("/tmp/probe-trace.json").write_bytes(taken_trace)
            for name, ms in trace_self_times(taken_trace, 25):
                lines.append(f"    {ms:7.1f} ms  trace: {name[:100]}")
        if profile:
            taken = cdp.send("Profiler.stop")["profile"]
            lines.append("  by file: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in time_by_file(taken)))
            for name, ms in heaviest_functions(taken, 25):
                lines.append(f"    {ms:7.1f} ms  {name[:100]}")
        cdp.detach()
    finally:
        context.close()
        bot.stop()
    return lines


def describe(page: Page, origin: float, first: float, done: dict[str, Any], count: int) -> list[str]:
    if done["count"] < count:
        return [f"timeout: {done['count']} of {count} messages in the DOM"]
    elapsed = origin + float(done["last"]) - first
    responses = [r for r in page.evaluate("window.__responses.slice()") if r[1] > 0]
    return [f"{count} messages in {elapsed:.0f} ms ({count / (elapsed / 1000):.0f} msg/s), "
            f"{len(responses)} responses with messages",
            "  sizes: " + " ".join(str(r[1]) for r in responses),
            "  arrived (ms after the first send): " + " ".join(f"{origin + r[0] - first:.0f}" for r in responses)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4, help="bursts, each at a fresh page (default 4)")
    parser.add_argument("--count", type=int, default=1000, help="messages per burst (default 1000)")
    parser.add_argument("--profile", action="store_true", help="also take a CDP CPU profile of each burst")
    parser.add_argument("--reactions-every", type=int, default=0,
                        help="follow every Nth message with a XEP-0444 reaction to it (default 0: none)")
    parser.add_argument("--trace", action="store_true",
                        help="also take a Chromium trace and print main-thread self time by event")
    parser.add_argument("--replies-every", type=int, default=0,
                        help="make every Nth message a XEP-0461 reply to the one before (default 0: none)")
    args = parser.parse_args(argv)
    with probe_harness() as (h, prosody):
        for run in range(args.runs):
            for line in [f"run {run + 1}:"] + one_burst(h, prosody, args.count, args.profile, args.reactions_every,
                                                         args.replies_every, args.trace):
                print(line, flush=True)
        if h.outside:
            print(f"requests off this machine (failed at the guard): {sorted(set(h.outside))}")
            return 1
    return 0


@contextmanager
def probe_harness() -> Iterator[tuple[Harness, ProsodyServer]]:
    """A fresh build, Prosody, the static server and Chromium for a probe's runs."""
    print(build(), flush=True)
    prosody = ProsodyServer().start()
    server = StaticServer(str(ROOT)).start()
    try:
        with sync_playwright() as pw:
            yield Harness(prosody, server, pw.chromium), prosody
    finally:
        server.stop()
        prosody.cleanup()


if __name__ == "__main__":
    sys.exit(main())
