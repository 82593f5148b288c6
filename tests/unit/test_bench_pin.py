"""bench/run.py ``--server-cpu``: the server gets one CPU to itself, the bench (and the browser
it starts) the others; on a machine with one CPU it refuses rather than measuring as if pinned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, subprocess, sys
from bench.run import pin_server
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
class Server:
    pid = child.pid
try:
    print(pin_server(Server(), int(sys.argv[1])))
    print(sorted(os.sched_getaffinity(child.pid)), sorted(os.sched_getaffinity(0)))
finally:
    child.kill()
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_the_server_gets_its_cpu_and_the_bench_the_others() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(cpus[0])], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    said, affinities = proc.stdout.strip().splitlines()
    assert said.startswith(f"Prosody on CPU {cpus[0]};")
    assert affinities == f"[{cpus[0]}] {cpus[1:]}"


def test_a_cpu_the_bench_may_not_use_is_refused() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, "4096"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and "--server-cpu 4096: needs another CPU" in proc.stderr
