"""Where an encrypted burst's time goes in the page: bench/omemo.py's burst (a slixmpp-omemo
contact sends ``--count`` OMEMO messages at once, encrypted beforehand) with the renderer main
thread's CPU time and, with ``--profile``, cProfile inside Pyodide over the burst.

    python -m bench.probe_omemo --count 200 --profile --sort tottime

Figures are for comparing two trees on one machine; bench/run.py's ``omemo`` scenario is the
measurement.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench.omemo import BURST_DONE_JS, FIRST_MESSAGE_JS, FIRST_USE_JS, encrypt_all, send_all  # noqa: E402
from bench.probe_burst import probe_harness, renderer_main_cpu  # noqa: E402
from bench.probe_feed import PAGE, add_profile_options, profile_report, start_profile  # noqa: E402
from bench.run import CLIENTS, Harness, open_chat  # noqa: E402
from tests.browser.omemo_bot import OmemoBot  # noqa: E402
from tools.prosody import ProsodyServer  # noqa: E402


def one_run(h: Harness, prosody: ProsodyServer, count: int, profile: bool, sort: tuple[str, ...],
            callees: str) -> str:
    owner, peer = seed.new_account(prosody, "probeowner"), seed.new_account(prosody, "probepeer")
    seed.befriend(prosody, owner, peer)
    bot = OmemoBot(peer.jid, peer.password, "127.0.0.1", prosody.c2s_port, "omemo")
    bot.start()
    try:
        bot.start_omemo()
        client = dataclasses.replace(CLIENTS["py"], page=PAGE)
        context, page, _ = h.open(client, owner)
        try:
            open_chat(page, client, peer.jid)
            page.wait_for_function("typeof window.runPython === 'function'")
            page.evaluate(FIRST_USE_JS, peer.jid)
            page.evaluate(FIRST_MESSAGE_JS["py"], [peer.jid, "the first one"])
            if bot.wait_for_plaintext("the first one") is None:
                raise RuntimeError(f"the peer could not decrypt: {bot.decrypt_errors!r}")
            stanzas = encrypt_all(bot, owner.jid, [f"secret {i} bmp{i:04d}" for i in range(1, count + 1)])
            time.sleep(1.0)
            if profile:
                start_profile(page)
            origin = float(page.evaluate("performance.timeOrigin"))
            before = renderer_main_cpu()
            t0 = send_all(bot, stanzas) - origin
            done, last = page.evaluate(BURST_DONE_JS, ["p", count, 120_000, t0])
            cpu = renderer_main_cpu() - before
            tasks = page.evaluate("""([a, b]) => window.__bench.longtasks
                .filter(([start, d]) => start + d >= a && start <= b).map(([, d]) => Math.round(d))
                .sort((x, y) => y - x).slice(0, 8)""", [t0, t0 + last])
            line = (f"{done} of {count} decrypted in {last:.0f} ms; renderer main thread CPU {cpu * 1000:.0f} ms "
                    f"({cpu * 1000 / max(1, done):.1f} ms a message); longest tasks {tasks} ms")
            if profile:
                line += "\n" + profile_report(page, sort, callees)
            return line
        finally:
            context.close()
    finally:
        bot.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--count", type=int, default=200, help="messages in the burst (default 200)")
    add_profile_options(parser, "the burst")
    args = parser.parse_args(argv)
    with probe_harness() as (h, prosody):
        for run in range(args.runs):
            line = one_run(h, prosody, args.count, args.profile, tuple(args.sort.split(",")), args.callees)
            print(f"run {run + 1}: {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
