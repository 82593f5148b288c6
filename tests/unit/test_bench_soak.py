"""The soak's verdict (bench/soak.py): the bound applies to the growth after the warm-up, a
count that grows with the messages fails, and too short a run fails rather than passes."""

from __future__ import annotations

from typing import Any

from bench.soak import judge, slope, type_growth


def samples(pyproxies: list[int], jsrefs: list[int], every: float = 15, rate: int = 75) -> list[dict[str, Any]]:
    return [{"t": i * every, "received": i * rate, "pyproxies": p, "jsrefs": j}
            for i, (p, j) in enumerate(zip(pyproxies, jsrefs))]


def test_flat_counts_pass_and_warm_up_growth_is_not_counted() -> None:
    # Rooms still filling during the warm-up (0-30 s), flat after it, a little noise.
    verdict = judge(samples([50, 400, 650, 652, 650, 651], [140, 900, 1500, 1500, 1502, 1500]), warmup=30, bound=50)
    assert verdict.ok, verdict
    assert verdict.reference is not None and verdict.reference["t"] == 30
    assert verdict.growth == {"pyproxies": 2, "jsrefs": 2}
    assert abs(verdict.per_1000["pyproxies"]) < 20


def test_growth_with_messages_past_the_bound_fails_and_names_the_count() -> None:
    # One PyProxy kept per 3 messages (25 per 15 s sample), JS refs flat.
    verdict = judge(samples([650 + 25 * i for i in range(8)], [1500] * 8), warmup=15, bound=50)
    assert not verdict.ok
    assert verdict.grew == ["pyproxies"]
    assert verdict.growth["pyproxies"] == 150
    assert round(verdict.per_1000["pyproxies"]) == 333


def test_the_highest_later_sample_counts_not_the_last() -> None:
    verdict = judge(samples([100, 100, 200, 100], [10, 10, 10, 10]), warmup=0, bound=50)
    assert not verdict.ok and verdict.growth["pyproxies"] == 100


def test_too_few_samples_after_the_warm_up_fail() -> None:
    verdict = judge(samples([1, 1, 1], [1, 1, 1]), warmup=30, bound=50)
    assert not verdict.ok and "too few samples" in verdict.note


def test_slope_and_type_growth() -> None:
    assert slope([0, 1, 2, 3], [5, 7, 9, 11]) == 2
    assert slope([1, 1], [0, 9]) == 0
    ref = {"types": {"dict": 10, "JID": 5}}
    last = {"types": {"dict": 12, "JID": 5, "ShownMessage": 40}}
    assert type_growth(ref, last) == [("ShownMessage", 40), ("dict", 2)]
