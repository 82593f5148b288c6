"""plugins/omemo/cached_store.py: reads from memory once read, writes gathered and written
together (in one ``put_many`` when the store below has one), nothing lost when a write fails."""

from __future__ import annotations

import asyncio

import pytest

from converse_py.plugins.omemo.cached_store import CachedStore, written
from converse_py.plugins.omemo.store import MemoryStore


class CountingStore(MemoryStore):
    """A MemoryStore that counts its reads and batch writes, and can fail them."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.batches: list[dict[str, str | None]] = []
        self.fail = False

    async def get(self, key: str) -> str | None:
        self.reads += 1
        return await super().get(key)

    async def put_many(self, changes: dict[str, str | None]) -> None:
        if self.fail:
            raise OSError("IndexedDB: a write failed (QuotaExceededError)")
        self.batches.append(dict(changes))
        for key, value in changes.items():
            if value is None:
                self.records.pop(key, None)
            else:
                self.records[key] = value


def test_a_record_is_read_from_the_store_below_once() -> None:
    async def run() -> tuple[int, list[str | None]]:
        disk = CountingStore()
        disk.records["trust|bob@example.org"] = "{}"
        store = CachedStore(disk)
        values = [await store.get("trust|bob@example.org") for _ in range(5)]
        values += [await store.get("session|absent") for _ in range(3)]
        return disk.reads, values
    reads, values = asyncio.run(run())
    assert reads == 2 and values == ["{}"] * 5 + [None] * 3


def test_changes_of_a_burst_are_written_once_each_in_one_batch_after_the_delay() -> None:
    async def run() -> tuple[list[dict[str, str | None]], list[dict[str, str | None]], str | None]:
        disk = CountingStore()
        disk.records["plain|old"] = "gone soon"
        store = CachedStore(disk, delay=0.02)
        for n in range(100):
            await store.put("session|bob", f"state {n}")
            await store.put(f"plain|bob|i:{n}", f"text {n}")
        await store.delete("plain|old")
        before = list(disk.batches)
        await asyncio.sleep(0.05)
        return before, disk.batches, await store.get("session|bob")
    before, batches, current = asyncio.run(run())
    assert before == []  # nothing written while the burst goes on
    assert len(batches) == 1 and len(batches[0]) == 102
    assert batches[0]["session|bob"] == "state 99" and batches[0]["plain|old"] is None
    assert current == "state 99"


def test_written_returns_once_everything_is_on_disk_and_a_plain_store_writes_through() -> None:
    async def run() -> tuple[dict[str, str], int, dict[str, str]]:
        disk = CountingStore()
        store = CachedStore(disk, delay=60)
        await store.put("session|bob", "sending chain 7")
        await written(store)
        plain = MemoryStore()
        await plain.put("k", "v")
        await written(plain)  # no flush: nothing to wait for
        return dict(disk.records), store.pending, plain.records
    records, pending, plain = asyncio.run(run())
    assert records == {"session|bob": "sending chain 7"} and pending == 0 and plain == {"k": "v"}


def test_a_failed_write_keeps_the_changes_to_write_again_newer_ones_win() -> None:
    async def run() -> tuple[dict[str, str], str | None]:
        disk = CountingStore()
        store = CachedStore(disk, delay=60)
        await store.put("session|bob", "one")
        disk.fail = True
        with pytest.raises(OSError, match="QuotaExceededError"):
            await store.flush()
        value = await store.get("session|bob")  # still readable while unwritten
        await store.put("session|carol", "two")
        disk.fail = False
        await store.flush()
        return dict(disk.records), value
    records, value = asyncio.run(run())
    assert records == {"session|bob": "one", "session|carol": "two"} and value == "one"


def test_the_memory_holds_a_bounded_number_of_written_records() -> None:
    async def run() -> tuple[int, int]:
        disk = CountingStore()
        store = CachedStore(disk, delay=60, size=10)
        for n in range(50):
            await store.put(f"plain|bob|i:{n}", str(n))
        await store.flush()
        reads_before = disk.reads
        assert await store.get("plain|bob|i:0") == "0"  # evicted: read again from below
        assert await store.get("plain|bob|i:49") == "49"  # recent: from memory
        return disk.reads - reads_before, len(disk.records)
    reads, kept = asyncio.run(run())
    assert reads == 1 and kept == 50
