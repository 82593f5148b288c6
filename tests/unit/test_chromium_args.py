"""tools.chromium: the switches Chromium starts with in the tests and the benchmark."""

from __future__ import annotations

import doctest

import tools.chromium
from tools.chromium import BASE_ARGS, SHM_NEEDED, chromium_args


def test_small_dev_shm_moves_shared_memory_out_of_it() -> None:
    assert chromium_args(shm_free=lambda: SHM_NEEDED - 1) == BASE_ARGS + ["--disable-dev-shm-usage"]


def test_roomy_dev_shm_keeps_the_base_switches() -> None:
    assert chromium_args(shm_free=lambda: SHM_NEEDED) == BASE_ARGS


def test_the_list_is_a_copy_each_time() -> None:
    chromium_args(shm_free=lambda: 0).append("--mutated")
    assert "--mutated" not in BASE_ARGS


def test_doctests() -> None:
    result = doctest.testmod(tools.chromium)
    assert result.attempted > 0 and result.failed == 0
