"""How the tests and the benchmark start Debian's Chromium (never a downloaded one).

>>> chromium_args(shm_free=lambda: 64 * 2**20)[-1]
'--disable-dev-shm-usage'
>>> '--disable-dev-shm-usage' in chromium_args(shm_free=lambda: 24 * 2**30)
False
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

CHROMIUM = "/usr/bin/chromium"

#: Headless, and quiet on a machine without outside network: no background connections
#: (refused here, many at a time), component updates or sync.
BASE_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
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


def chromium_args(shm_free: Callable[[], int] = _shm_free) -> list[str]:
    """The command-line switches for Chromium on this machine."""
    args = list(BASE_ARGS)
    if shm_free() < SHM_NEEDED:
        args.append("--disable-dev-shm-usage")  # shared memory in /tmp instead
    return args
