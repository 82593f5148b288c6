"""The event bus behind ``api.listen`` (``on`` / ``once`` / ``not``) and ``trigger``.

A listener that raises is logged and the others still run: an event never
stops the client.

>>> bus = EventBus()
>>> seen = []
>>> bus.on("message", seen.append)
>>> bus.trigger("message", "hello")
>>> seen
['hello']

Python listeners may take fewer or more arguments than an event passes: extra arguments are
left off, and missing ones (without a default) are None, as JS functions see ``undefined``.

>>> bus.on("message", lambda: seen.append("no args"))
>>> bus.on("message", lambda stanza, box: seen.append((stanza, box)))
>>> bus.trigger("message", "again")
>>> seen[1:]
['again', 'no args', ('again', None)]

Hooks are pipelines on the same listeners (``api.hook``): each listener gets the context and the
data, and what it returns (unless None) is the data the next listener gets.

>>> bus.on("textHook", lambda box, text: text.upper())
>>> bus.on("textHook", lambda box, text: None)      # looked, changed nothing
>>> bus.run_hook("textHook", None, "hi")
'HI'
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .log import logger

Callback = Callable[..., Any]


@dataclass
class _Listener:
    callback: Callback
    context: Any
    once: bool
    key: Any  # what ``not_`` matches: the callback itself, or the JS function it wraps
    arity: tuple[int, int] | None = field(default=None)  # (required, most) positional args; None: all

    def call(self, args: tuple[Any, ...]) -> Any:
        arity = self.arity
        if arity is None:
            return self.callback(*args)
        required, most = arity
        if required <= len(args) <= most:  # the usual case: the arguments fit as they are
            return self.callback(*args)
        fitted = args[:most]
        if len(fitted) < required:
            fitted += (None,) * (required - len(fitted))
        return self.callback(*fitted)


def _arity(callback: Callback) -> tuple[int, int] | None:
    """How many positional arguments a Python callable takes (None: any number, or not Python).
    Plain functions and bound methods are read from their code object (a plugin registers dozens
    of listeners at start-up: ``inspect.signature`` would be most of its initialize time).

    >>> _arity(lambda a, b=1: None), _arity(lambda *a: None), _arity(print)
    ((1, 2), None, None)
    """
    function, bound = callback, 0
    if isinstance(function, types.MethodType):
        function, bound = function.__func__, 1
    code = getattr(function, "__code__", None)
    if isinstance(code, types.CodeType) and isinstance(function, types.FunctionType):
        if code.co_flags & inspect.CO_VARARGS:
            return None
        most = code.co_argcount - bound
        return max(0, most - len(function.__defaults__ or ())), most
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):  # builtins without a signature, JS functions
        return None
    required = most = 0
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            return None
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            most += 1
            if param.default is param.empty:
                required += 1
    return required, most


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
        count = len(args)
        for entry in tuple(listeners):
            if entry.once:
                self._remove_entry(name, entry)
            try:
                arity = entry.arity  # the arguments fit as they are: called here (a frame fewer)
                if arity is None or arity[0] <= count <= arity[1]:
                    entry.callback(*args)
                else:
                    entry.call(args)
            except Exception:  # a listener's bug must not stop the client
                logger.exception("listener for %r raised", name)

    def run_hook(self, name: str, context: Any, data: Any) -> Any:
        """Pass ``data`` through the listeners of ``name`` in order: each is called with
        ``(context, data)`` and what it returns, unless None, replaces ``data``. A listener that
        raises is logged and skipped (the data goes on unchanged). Returns the final data."""
        for entry in tuple(self._listeners.get(name, ())):
            if entry.once:
                self._remove_entry(name, entry)
            try:
                arity = entry.arity
                if arity is None or arity[0] <= 2 <= arity[1]:
                    result = entry.callback(context, data)
                else:
                    result = entry.call((context, data))
            except Exception:
                logger.exception("hook listener for %r raised", name)
                continue
            if result is not None:
                data = result
        return data

    def names(self) -> list[str]:
        """Every event name that has listeners."""
        return [name for name, entries in self._listeners.items() if entries]

    def count(self, name: str) -> int:
        """How many listeners ``name`` has (for tests and leak checks)."""
        return len(self._listeners.get(name, []))

    def _add(self, name: str, callback: Callback, context: Any, *, once: bool, key: Any) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError("event name must be a non-empty string")
        if not callable(callback):
            raise TypeError(f"listener for {name!r} must be callable, got {type(callback).__name__}")
        entry = _Listener(callback, context, once, callback if key is None else key, _arity(callback))
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
