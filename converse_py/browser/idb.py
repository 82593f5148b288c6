"""An ``OmemoStore`` (plugins/omemo/store.py) on IndexedDB: one database per account
(``converse-py-omemo:<bare JID>``), one object store ``records`` of text values.

Values are written as given (JSON text) and never logged; errors name the operation only.

Python (in the page)::

    store = IndexedDBStore("alice@example.org")
    await store.put("device|alice@example.org", text)
    text = await store.get("device|alice@example.org")
"""

from __future__ import annotations

import asyncio
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from ..dom.ffi import found

DB_PREFIX = "converse-py-omemo:"
STORE = "records"


def _wait(request: Any, what: str) -> asyncio.Future[Any]:
    """A future for an IDBRequest (or an IDBOpenDBRequest, which may need an upgrade)."""
    future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
    proxies: list[Any] = []

    def done(result: Any = None, error: str | None = None) -> None:
        for proxy in proxies:
            proxy.destroy()
        if future.done():
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(OSError(f"IndexedDB: {what} failed ({error})"))

    def on_success(*_: Any) -> None:
        done(request.result)

    def on_error(*_: Any) -> None:
        name = getattr(request.error, "name", "error") if found(request.error) else "error"
        done(error=str(name))

    def on_upgrade(*_: Any) -> None:
        database = request.result
        if not database.objectStoreNames.contains(STORE):
            database.createObjectStore(STORE)

    for attribute, handler in (("onsuccess", on_success), ("onerror", on_error), ("onupgradeneeded", on_upgrade)):
        proxy = create_proxy(handler)
        proxies.append(proxy)
        setattr(request, attribute, proxy)
    return future


class IndexedDBStore:
    """``OmemoStore`` on the account's IndexedDB database (opened on first use)."""

    def __init__(self, account: str) -> None:
        self.name = DB_PREFIX + account
        self._db: Any = None

    async def _store(self, mode: str) -> Any:
        if self._db is None:
            self._db = await _wait(js.indexedDB.open(self.name, 1), "open")
        return self._db.transaction(STORE, mode).objectStore(STORE)

    async def get(self, key: str) -> str | None:
        value = await _wait((await self._store("readonly")).get(key), "read")
        return str(value) if found(value) else None

    async def put(self, key: str, value: str) -> None:
        await _wait((await self._store("readwrite")).put(value, key), "write")

    async def delete(self, key: str) -> None:
        await _wait((await self._store("readwrite")).delete(key), "delete")
