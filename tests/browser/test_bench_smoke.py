"""Smoke test of bench/: one tiny scenario (converse-py start-up, one run) end to
end, so the harness cannot rot. The figures are not judged, only that they exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
