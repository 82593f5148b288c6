"""The event bus behind ``api.listen`` (``on`` / ``once`` / ``not``) and ``trigger``.

A listener that raises is logged and the others still run: an event never
stops the client.

>>> bus = EventBus()
>>> seen = []
>>> bus.on("message", seen.append)
>>> bus.trigger("message", "hello")
>>> seen
['hello']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

from .log import logger

Callback = Callable[..., Any]


@dataclass
class _Listener:
    callback: Callback
    context: Any
    once: bool
    key: Any  # what ``not_`` matches: the callback itself, or the JS function it wraps


class EventBus:
    """Named events with ordered listeners."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[_Listener]] = {}

    def on(self, name: str, callback: Callback, context: Any = None, *, key: Any = None) -> None:
        """Call ``callback(*args)`` every time ``name`` is triggered.

        ``context`` is kept for callers that bind ``this`` (the JS bridge); ``key`` is
        what ``not_`` compares against (defaults to ``callback``).
        """
        self._add(name, callback, context, once=False, key=key)

    def once(self, name: str, callback: Callback, context: Any = None, *, key: Any = None) -> None:
        """Like ``on``, but the listener is removed after its first call."""
        self._add(name, callback, context, once=True, key=key)

    def not_(self, name: str, callback: Callback | None = None) -> None:
        """Stop ``callback`` listening to ``name``; with no callback, remove every listener of ``name``."""
        if callback is None:
            self._listeners.pop(name, None)
            return
        kept = [entry for entry in self._listeners.get(name, []) if not _same(entry.key, callback)]
        self._listeners[name] = kept

    def trigger(self, name: str, *args: Any) -> None:
        """Call the listeners of ``name`` in registration order with ``args``."""
        listeners = self._listeners.get(name)
        if not listeners:
            return
        for entry in list(listeners):
            if entry.once:
                self._remove_entry(name, entry)
            try:
                entry.callback(*args)
            except Exception:  # a listener's bug must not stop the client
                logger.exception("listener for %r raised", name)

    def count(self, name: str) -> int:
        """How many listeners ``name`` has (for tests and leak checks)."""
        return len(self._listeners.get(name, []))

    def _add(self, name: str, callback: Callback, context: Any, *, once: bool, key: Any) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError("event name must be a non-empty string")
        if not callable(callback):
            raise TypeError(f"listener for {name!r} must be callable, got {type(callback).__name__}")
        entry = _Listener(callback, context, once, callback if key is None else key)
        self._listeners.setdefault(name, []).append(entry)

    def _remove_entry(self, name: str, entry: _Listener) -> None:
        listeners = self._listeners.get(name, [])
        self._listeners[name] = [e for e in listeners if e is not entry]


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)  # JS function proxies compare by JS identity
    except Exception:
        return False
