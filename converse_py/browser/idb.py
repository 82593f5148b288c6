"""An ``OmemoStore`` (plugins/omemo/store.py) on IndexedDB: one database per account
(``converse-py-omemo:<bare JID>``), one object store ``records``.

Nothing is kept in clear: each value (JSON text: keys, sessions, trust, message texts) is
encrypted with AES-256-GCM under the database's own key, a **non-extractable** WebCrypto
``CryptoKey`` made on first use and kept in the same store (IndexedDB keeps a ``CryptoKey`` as it
is: no script, nor anything reading the stored records, gets its bytes). The record's name is the
additional data, so a value moved to another record does not decrypt. Values are never logged;
errors name the operation only.

Python (in the page)::

    store = IndexedDBStore("alice@example.org")
    await store.put("device|alice@example.org", text)
    text = await store.get("device|alice@example.org")
"""

from __future__ import annotations

import asyncio
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]

from ..core.log import logger
from ..dom.ffi import found
from .random import random_bytes
from .webcrypto import algorithm, js_bytes, py_bytes, subtle_api, usages

DB_PREFIX = "converse-py-omemo:"
STORE = "records"
#: The record holding the database's AES-GCM key (a CryptoKey, not extractable).
KEY_RECORD = "\x00key"
IV_BYTES = 12


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


def _complete(transaction: Any) -> asyncio.Future[None]:
    """A future for an IDBTransaction's end: done on ``complete``, an ``OSError`` on ``error`` or
    ``abort`` (nothing of it was written)."""
    future: asyncio.Future[None] = asyncio.get_event_loop().create_future()
    proxies: list[Any] = []

    def finish(error: str | None) -> None:
        for attribute in ("oncomplete", "onerror", "onabort"):
            setattr(transaction, attribute, None)  # an error is followed by an abort: no call to a freed proxy
        for proxy in proxies:
            proxy.destroy()
        if future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(OSError(f"IndexedDB: a write failed ({error})"))

    def on_complete(*_: Any) -> None:
        finish(None)

    def on_failure(*_: Any) -> None:
        error = transaction.error
        finish(str(getattr(error, "name", "aborted")) if found(error) else "aborted")

    for attribute, handler in (("oncomplete", on_complete), ("onerror", on_failure), ("onabort", on_failure)):
        proxy = create_proxy(handler)
        proxies.append(proxy)
        setattr(transaction, attribute, proxy)
    return future


def _aes_gcm(iv: bytes, record: str) -> Any:
    return algorithm(name="AES-GCM", iv=js_bytes(iv), additionalData=js_bytes(record.encode()))


class IndexedDBStore:
    """``OmemoStore`` on the account's IndexedDB database (opened on first use), each value
    encrypted under the database's non-extractable key."""

    def __init__(self, account: str) -> None:
        self.name = DB_PREFIX + account
        self._db: Any = None
        self._key: Any = None

    async def _store(self, mode: str) -> Any:
        if self._db is None:
            self._db = await _wait(js.indexedDB.open(self.name, 1), "open")
        return self._db.transaction(STORE, mode).objectStore(STORE)

    async def _crypto_key(self) -> Any:
        """The database's AES-GCM key: read, or made (not extractable) and kept on first use."""
        if self._key is None:
            key = await _wait((await self._store("readonly")).get(KEY_RECORD), "read")
            if not found(key):
                key = await subtle_api().generateKey(algorithm(name="AES-GCM", length=256), False,
                                                 usages("encrypt", "decrypt"))
                await _wait((await self._store("readwrite")).put(key, KEY_RECORD), "write")
            self._key = key
        return self._key

    async def get(self, key: str) -> str | None:
        value = await _wait((await self._store("readonly")).get(key), "read")
        if not found(value):
            return None
        try:
            plain = await subtle_api().decrypt(_aes_gcm(py_bytes(value.iv), key), await self._crypto_key(), value.data)
            return py_bytes(plain).decode()
        except Exception:  # not ours, damaged, or sealed under a key since lost: as good as absent
            logger.warning("IndexedDB: a stored OMEMO record could not be read; it is treated as absent")
            return None

    async def put(self, key: str, value: str) -> None:
        iv = random_bytes(IV_BYTES)
        sealed = await subtle_api().encrypt(_aes_gcm(iv, key), await self._crypto_key(), js_bytes(value.encode()))
        record = js.Object.fromEntries(to_js([["iv", js_bytes(iv)], ["data", sealed]]))
        await _wait((await self._store("readwrite")).put(record, key), "write")

    async def delete(self, key: str) -> None:
        await _wait((await self._store("readwrite")).delete(key), "delete")

    async def put_many(self, changes: dict[str, str | None]) -> None:
        """Write ``changes`` (name → text; None deletes) in one transaction: the values sealed
        together first, then written; returns once the transaction is complete (all or nothing)."""
        if not changes:
            return
        crypto_key = await self._crypto_key()

        async def seal(key: str, value: str) -> Any:
            iv = random_bytes(IV_BYTES)
            sealed = await subtle_api().encrypt(_aes_gcm(iv, key), crypto_key, js_bytes(value.encode()))
            return js.Object.fromEntries(to_js([["iv", js_bytes(iv)], ["data", sealed]]))
        writes = [(key, value) for key, value in changes.items() if value is not None]
        records = await asyncio.gather(*(seal(key, value) for key, value in writes))
        if self._db is None:
            await self._store("readonly")
        transaction = self._db.transaction(STORE, "readwrite")
        store = transaction.objectStore(STORE)
        for (key, _), record in zip(writes, records):
            store.put(record, key)
        for key in (key for key, value in changes.items() if value is None):
            store.delete(key)
        await _complete(transaction)
