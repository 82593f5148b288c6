"""An ``OmemoStore`` in front of a slower one (IndexedDB): reads come from memory once read, and
writes are gathered and written together a moment later.

Each decrypted message read its session, wrote it back and kept its text, each a sealed
IndexedDB record in a transaction of its own: 9 writes and 6 reads a message, 17 ms of the main
thread's time a message in a burst of encrypted messages (bench/probe_omemo.py). Here the
records a burst touches are written once, sealed in one go, in one transaction.

What waits to be written is written ``delay`` seconds after the first change, and at once by
``flush()``: the service calls it before an encrypted message leaves (a sending chain's state is
on disk before anything encrypted with it is on the wire, so a reload never reuses a message
key). What a closed page loses is at most the last ``delay`` of received messages' ratchet steps
(their texts are kept under their ids, so they show again from the archive).

>>> import asyncio
>>> from converse_py.plugins.omemo.store import MemoryStore
>>> async def demo():
...     disk = MemoryStore()
...     store = CachedStore(disk, delay=0.01)
...     await store.put("session|x", "one")
...     await store.put("session|x", "two")
...     before = dict(disk.records)
...     await store.flush()
...     return before, disk.records, await store.get("session|x")
>>> asyncio.run(demo())
({}, {'session|x': 'two'}, 'two')
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from ...core.log import logger
from .store import OmemoStore

#: Seconds between the first unwritten change and its write.
FLUSH_DELAY = 0.05
#: Records kept in memory once written (sessions, trust, texts); unwritten ones always are.
CACHE_SIZE = 2_000


class CachedStore:
    """``OmemoStore`` over ``backing``; ``backing.put_many(changes)`` (name → text, None to
    delete) is used when it has one, else its ``put``/``delete`` one by one."""

    def __init__(self, backing: OmemoStore, delay: float = FLUSH_DELAY, size: int = CACHE_SIZE) -> None:
        self.backing = backing
        self.delay = delay
        self.size = size
        self._cache: OrderedDict[str, str | None] = OrderedDict()  # None: known to be absent
        self._dirty: dict[str, str | None] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._writing = asyncio.Lock()

    async def get(self, key: str) -> str | None:
        if key in self._dirty:
            return self._dirty[key]
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = await self.backing.get(key)
        if key not in self._dirty:  # not changed while it was being read
            self._remember(key, value)
        return self._dirty.get(key, value)

    async def put(self, key: str, value: str) -> None:
        self._change(key, value)

    async def delete(self, key: str) -> None:
        self._change(key, None)

    async def flush(self) -> None:
        """Write every change made so far (returns once they are written)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._writing:
            while self._dirty:
                changes, self._dirty = self._dirty, {}
                try:
                    await self._write(changes)
                except BaseException:
                    for key, value in changes.items():  # kept to be written again, unless changed since
                        self._dirty.setdefault(key, value)
                    raise
                for key, value in changes.items():
                    self._remember(key, value)

    @property
    def pending(self) -> int:
        """How many records wait to be written."""
        return len(self._dirty)

    # -- inside --------------------------------------------------------------------------------
    def _change(self, key: str, value: str | None) -> None:
        self._dirty[key] = value
        self._cache.pop(key, None)
        if self._timer is None:
            self._timer = asyncio.get_event_loop().call_later(self.delay, self._flush_later)

    def _flush_later(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self.flush())
        task.add_done_callback(_report)

    async def _write(self, changes: dict[str, str | None]) -> None:
        put_many = getattr(self.backing, "put_many", None)
        if put_many is not None:
            await put_many(changes)
            return
        for key, value in changes.items():
            if value is None:
                await self.backing.delete(key)
            else:
                await self.backing.put(key, value)

    def _remember(self, key: str, value: str | None) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)


async def written(store: OmemoStore) -> None:
    """Once every change made to ``store`` so far is written (at once for a store that writes
    through)."""
    flush = getattr(store, "flush", None)
    if flush is not None:
        await flush()


def _report(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("OMEMO: records could not be written: %s", type(task.exception()).__name__)
