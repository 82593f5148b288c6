"""Smoke tests of bench/: one tiny scenario (converse-py start-up, one run) and a tiny soak
(2 rooms x 20 s) end to end, so the harnesses cannot rot. The figures are not judged, only that
they exist (the soak's own verdict must pass)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from serve import StaticServer

#: One pass is enough: bench/ runs against Prosody only.
pytestmark = pytest.mark.one_server

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_run_writes_a_results_table(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    raw = tmp_path / "raw.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out), "--json", str(raw)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "<!-- bench:generated:begin -->" in text
    cold = re.search(r"\| 1\. navigation → roster rendered \(1 contact\), cold \| (\d+) ms \|", text)
    warm = re.search(r"\| 1\. navigation → roster rendered \(1 contact\), warm \| (\d+) ms \|", text)
    assert cold and warm, text
    assert 0 < int(cold.group(1)) < 60_000
    assert re.search(r"\| 7\. bytes shipped, gzip \| \d+\.\d\d MB \|", text), text
    assert "No request left this machine." in text
    assert re.search(r"CPU check \(2M-step CPython loop\): \d+ ms before the run, \d+ ms after\.", text), text


def test_burst_probe_tiny_run_reports_responses_cpu_and_profile() -> None:
    """bench/probe_burst.py with one burst of 100 and a CPU profile: every part of its report is there."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.probe_burst", "--runs", "1", "--count", "100", "--profile"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    assert re.search(r"^100 messages in \d+ ms \(\d+ msg/s\), [1-9]\d* responses with messages$", out, re.M), out
    sizes = re.search(r"^  sizes: ([\d ]+)$", out, re.M)
    assert sizes and sum(int(n) for n in sizes.group(1).split()) >= 100, out  # every message came in some response
    assert re.search(r"^  CPU over the burst: .*chromium \d+ ms", out, re.M), out
    assert re.search(r"^  page main thread: TaskDuration \d+ ms, ScriptDuration \d+ ms", out, re.M), out
    assert len(re.findall(r"^ +\d+\.\d ms  \S", out, re.M)) >= 5, out  # the profile's heaviest functions


def test_soak_tiny_run_samples_and_judges(tmp_path: Path) -> None:
    """bench/soak.py at 2 rooms x 20 s: the counters pass their calibration, every sample has
    numbers, traffic arrived, and the verdict was computed and passed."""
    raw = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--rooms", "2", "--duration", "20", "--interval", "5",
         "--warmup", "5", "--wanderers", "2", "--json", str(raw)],
        cwd=ROOT, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    result = json.loads(raw.read_text(encoding="utf-8"))
    assert result["ok"] and not result["problems"], result["text"]
    samples = result["samples"]
    assert len(samples) >= 4, result["text"]
    for s in samples:
        for key in ("pyproxies", "jsrefs", "gc_objects", "heap", "wasm", "dom_nodes", "nodes", "listeners"):
            assert isinstance(s[key], (int, float)) and s[key] > 0, (key, s)
    assert samples[-1]["received"] > samples[0]["received"] > 0
    assert samples[-1]["dom_messages"] > 0
    assert set(result["growth"]) == {"pyproxies", "jsrefs"}
    assert "Result: PASS" in result["text"]


def test_bench_harness_lists_outside_requests_and_keeps_the_http_cache(browser: Browser, web_server: StaticServer) -> None:
    """The bench's browser profiles: a request to anything but this machine fails and is listed
    (by name and by IP literal), and a second fetch of a static file is answered from the HTTP
    cache (revalidated: a few hundred bytes, not the file) — a Playwright route, the guard used
    before, disables that cache, which made "warm" visits download everything again."""
    from bench.run import Harness

    h = Harness(None, web_server, browser.browser_type)  # type: ignore[arg-type]  # no XMPP here
    context = h.new_context()  # a browser of its own, like the bench's
    try:
        page = context.new_page()
        page.goto(web_server.url + "/tests/browser/pages/blank.html")
        outcome = page.evaluate("""async () => {
            const tries = {};
            for (const url of ['http://example.com/x', 'http://192.0.2.1/y']) {
                try { await fetch(url, {mode: 'no-cors'}); tries[url] = 'reached'; }
                catch (err) { tries[url] = 'failed'; }
            }
            const css = location.origin + '/static/converse.css';
            await (await fetch(css)).text();
            await (await fetch(css, {cache: 'no-cache'})).text();  // a revalidation
            await new Promise((done) => setTimeout(done, 100));  // entries are queued
            const entries = performance.getEntriesByName(css, 'resource');
            const last = entries[entries.length - 1];
            return {tries: tries, transfer: last.transferSize, size: last.decodedBodySize};
        }""")
    finally:
        context.close()
    assert outcome["tries"] == {"http://example.com/x": "failed", "http://192.0.2.1/y": "failed"}, outcome
    assert {"http://example.com/x", "http://192.0.2.1/y"} <= set(h.outside), h.outside
    assert 0 < outcome["size"] and outcome["transfer"] < outcome["size"] / 4, outcome
