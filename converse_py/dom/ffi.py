"""Proxy lifetimes for JS callbacks (every callback JS keeps goes through here).

A ``create_proxy`` handed to JS must stay referenced from Python while JS may
call it, and be destroyed when JS no longer holds it, or it leaks.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

try:
    from pyodide.ffi import jsnull  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Pyodide before jsnull existed converts null to None
    jsnull = None


def found(value: Any) -> bool:
    """True unless a DOM lookup (``querySelector``, ``closest``…) gave ``null``, which Pyodide
    hands to Python as ``jsnull`` (not ``None``)."""
    return value is not None and value is not jsnull


class ProxyKeeper:
    """Owns proxies created for one purpose (a view, a transport) and destroys them together."""

    def __init__(self) -> None:
        self._proxies: list[Any] = []

    def keep(self, fn: Callable[..., Any]) -> Any:
        """A JS-callable proxy of ``fn`` that lives until ``destroy_all``."""
        proxy = create_proxy(fn)
        self._proxies.append(proxy)
        return proxy

    def destroy_all(self) -> None:
        """Destroy every proxy kept so far (JS must no longer call them)."""
        proxies, self._proxies = self._proxies, []
        for proxy in proxies:
            try:
                proxy.destroy()
            except Exception:
                pass

    def __len__(self) -> int:
        return len(self._proxies)
