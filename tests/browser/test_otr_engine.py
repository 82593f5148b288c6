"""The OTR engine inside Pyodide (Python 3.14 in Chromium): randomness from crypto.getRandomValues,
DSA key generation, a full version-3 AKE, messages both ways, SMP and disconnect between two
in-page sessions — and how long each costs there."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, ClientPage, open_client_page

ENGINE_RUN = r"""
import json, time
from converse_py.browser.random import random_bytes
from converse_py.plugins.otr import OtrSession, OtrState, load_private_key, save_private_key
from converse_py.plugins.otr.crypto import DSAPrivateKey, aes128_ctr

out = {}
chunks = [random_bytes(32) for _ in range(4)]
out["random_distinct"] = len(set(chunks)) == 4 and all(len(c) == 32 for c in chunks)
out["random_big"] = len(random_bytes(70000))
t = time.perf_counter(); alice_key = DSAPrivateKey.generate(random_bytes); out["keygen_s"] = time.perf_counter() - t
bob_key = load_private_key(save_private_key(DSAPrivateKey.generate(random_bytes)))
t = time.perf_counter(); aes128_ctr(bytes(16), bytes(16), bytes(16 * 1000)); out["aes_1000_blocks_s"] = time.perf_counter() - t
events = []
alice = OtrSession(alice_key, random_bytes, on_event=lambda n, d: events.append(n))
bob = OtrSession(bob_key, random_bytes)

def deliver(sender, texts):
    got = []
    while texts:
        receiver = bob if sender is alice else alice
        replies = []
        for text in texts:
            r = receiver.handle_incoming(text)
            if r.plaintext is not None:
                got.append(r.plaintext)
            replies += r.replies
        texts, sender = replies, receiver
    return got

t = time.perf_counter(); deliver(alice, [alice.start()]); out["ake_s"] = time.perf_counter() - t
out["states"] = [alice.state.value, bob.state.value, alice.version]
t = time.perf_counter()
out["to_bob"] = deliver(alice, alice.encrypt("hello from Pyodide ✓"))
out["to_alice"] = deliver(bob, bob.encrypt("hi alice"))
out["message_pair_s"] = time.perf_counter() - t
t = time.perf_counter()
deliver(alice, alice.smp_start("shared secret", "our secret?"))
deliver(bob, bob.smp_respond("shared secret"))
out["smp_s"] = time.perf_counter() - t
out["verified"] = [alice.state.value, bob.state.value]
deliver(alice, alice.end())
out["ended"] = [alice.state.value, bob.state.value]
out["events"] = events
window.out.otr = json.dumps(out)
"""


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any) -> Iterator[ClientPage]:
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", {"auto_login": False})
    handle.wait_for("window.out.initialized && typeof window.runPython === 'function'", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_otr_engine_runs_in_pyodide(page: ClientPage) -> None:
    page.js("code => window.runPython(code)", ENGINE_RUN)
    out = json.loads(page.js("window.out.otr"))
    print("OTR in Pyodide:", {k: v for k, v in out.items() if k.endswith("_s")})
    assert out["random_distinct"] and out["random_big"] == 70000
    assert out["states"] == ["unverified", "unverified", 3]
    assert out["to_bob"] == ["hello from Pyodide ✓"] and out["to_alice"] == ["hi alice"]
    assert out["verified"] == ["verified", "verified"]
    assert out["ended"] == ["not-private", "finished"]
    assert out["events"][:2] == ["state-changed", "session-started"] and "smp" in out["events"]
    # Tolerable on a loaded 2-core machine: a one-time key generation, then sub-second steps.
    assert out["keygen_s"] < 30 and out["ake_s"] < 10 and out["message_pair_s"] < 2 and out["smp_s"] < 20
