"""How the tests and the benchmark start Debian's Chromium (never a downloaded one).

>>> chromium_args(shm_free=lambda: 64 * 2**20)[-1]
'--disable-dev-shm-usage'
>>> '--disable-dev-shm-usage' in chromium_args(shm_free=lambda: 24 * 2**30)
False
>>> [a for a in chromium_args(extra_features=["A:p/1"]) if "enable-features" in a][0].split(",")[-2:]
['StackScanMaxFramePointerToStackEndGap', 'A:p/1']
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence

CHROMIUM = "/usr/bin/chromium"

#: Features switched on. A later ``--enable-features`` replaces an earlier one rather than adding
#: to it, so Playwright's own two are named again here.
ENABLED_FEATURES = [
    "CDPScreenshotNewSurface", "SkipListAccountsWithoutGaiaCookies",
    # Chromium 156's frame-pointer stack walk (base::debug::TraceStackFramePointers) scans on from
    # the last frame pointer, 8 KB at a time, toward the main thread's stack end. While Pyodide
    # runs on a WebAssembly secondary stack (JSPI), that end is far away: the scan runs off the
    # secondary stack's mapping and the renderer dies with SIGSEGV ("Target crashed"). The walk
    # runs for sampled allocations when the in-process heap profiler is on, which Chromium turns
    # on at random for some browser launches. This feature (off by default) skips the scan when
    # the frame pointer is more than 100 MB from the stack end.
    "StackScanMaxFramePointerToStackEndGap",
]

#: Headless, and quiet on a machine without outside network: no background connections
#: (refused here, many at a time), component updates or sync.
BASE_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--enable-features=" + ",".join(ENABLED_FEATURES),
]

#: Below this much free space in /dev/shm Chromium's renderers can crash for want of shared
#: memory; Debian's launcher means to add ``--disable-dev-shm-usage`` then, but its test of
#: the free space fails with a shell error on these machines and never adds it.
SHM_NEEDED = 4_080_218_931


def _shm_free() -> int:
    try:
        return shutil.disk_usage("/dev/shm").free
    except OSError:
        return 0


def chromium_args(shm_free: Callable[[], int] = _shm_free, extra_features: Sequence[str] = ()) -> list[str]:
    """The command-line switches for Chromium on this machine (``extra_features``: more
    ``--enable-features`` entries, e.g. ``"Name:param/value"``)."""
    args = list(BASE_ARGS)
    if extra_features:
        args[args.index(BASE_ARGS[-1])] = "--enable-features=" + ",".join([*ENABLED_FEATURES, *extra_features])
    if shm_free() < SHM_NEEDED:
        args.append("--disable-dev-shm-usage")  # shared memory in /tmp instead
    return args
