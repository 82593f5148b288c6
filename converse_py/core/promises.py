"""The promise registry behind ``api.waitUntil``.

A promise resolves once; a waiter added after resolution still gets the value.
An unknown name gives a failed future whose error names it.

>>> import asyncio
>>> async def demo():
...     reg = PromiseRegistry(["connected"])
...     reg.resolve("connected", "alice@localhost/web")
...     return await reg.wait_until("connected")
>>> asyncio.run(demo())
'alice@localhost/web'
"""

from __future__ import annotations

import asyncio
from typing import Any
from collections.abc import Iterable

from .aio import new_future
from .errors import ConverseError


class UnknownPromiseError(ConverseError, KeyError):
    """``waitUntil`` was asked for a promise nobody registered."""

    def __str__(self) -> str:
        return str(self.args[0])


_UNRESOLVED = object()


class PromiseRegistry:
    """Named one-shot promises."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._values: dict[str, Any] = {}
        self._waiters: dict[str, list[asyncio.Future[Any]]] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        """Register ``name`` (idempotent: an existing promise keeps its state)."""
        self._values.setdefault(name, _UNRESOLVED)
        self._waiters.setdefault(name, [])

    def names(self) -> list[str]:
        """All registered promise names."""
        return list(self._values)

    def is_resolved(self, name: str) -> bool:
        """True once ``name`` has been resolved."""
        return self._values.get(name, _UNRESOLVED) is not _UNRESOLVED

    def resolve(self, name: str, value: Any = None) -> bool:
        """Resolve ``name`` with ``value``; a second resolution is ignored. Returns True the first time."""
        if name not in self._values or self.is_resolved(name):
            return False
        self._values[name] = value
        for waiter in self._waiters.pop(name, []):
            if not waiter.done():
                waiter.set_result(value)
        self._waiters[name] = []
        return True

    def wait_until(self, name: str) -> asyncio.Future[Any]:
        """A future for ``name``; already done when the promise is resolved."""
        future: asyncio.Future[Any] = new_future()
        if name not in self._values:
            known = ", ".join(sorted(self._values))
            future.set_exception(UnknownPromiseError(
                f"waitUntil: no promise named {name!r} (known: {known})"))
        elif self.is_resolved(name):
            future.set_result(self._values[name])
        else:
            self._waiters[name].append(future)
        return future

    def reset(self, name: str) -> None:
        """Make ``name`` pending again (used when a session ends and a new one starts)."""
        if name in self._values:
            self._values[name] = _UNRESOLVED
