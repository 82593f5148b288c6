"""The RSM object handed to ``archive.query`` callbacks: the query's options plus the page's
first/last/count, with ``next(n)`` / ``previous(n)`` to page on."""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping

from .stanzas import FORM_OPTIONS, QUERY_OPTIONS, RSMResult


class RSM:
    """What a page of results says about where it is in the archive.

    ``next(max)`` and ``previous(max)`` turn this object into the options of the following or
    preceding page (``after`` = this page's last id / ``before`` = its first id, the same
    with/start/end) and return it, so both ``query(rsm.next(10), …)`` and
    ``rsm.previous(5); query(rsm, …)`` work, as the seed's examples use them.

    >>> rsm = RSM({"with": "bob@localhost", "max": 2}, RSMResult(first="a", first_index=0, last="b", count=5))
    >>> rsm.last, rsm.count, rsm.next(2).to_options()
    ('b', 5, {'with': 'bob@localhost', 'max': 2, 'after': 'b'})
    >>> RSM({"before": ""}, RSMResult(first="x", last="y")).previous(5).to_options()
    {'max': 5, 'before': 'x'}
    """

    def __init__(self, options: Mapping[str, Any], result: RSMResult, complete: bool = False) -> None:
        self.attrs: dict[str, Any] = {k: options[k] for k in QUERY_OPTIONS if options.get(k) is not None}
        for key in ("first", "last", "count", "index"):
            self.attrs.pop(key, None)
        values = {"first": result.first, "last": result.last, "count": result.count, "index": result.first_index}
        self.attrs.update({k: v for k, v in values.items() if v is not None})
        self.complete = complete
        self._js: Any = None

    def __getattr__(self, name: str) -> Any:
        if name in QUERY_OPTIONS:
            return self.attrs.get(name)
        raise AttributeError(name)

    def get(self, name: str) -> Any:
        """An attribute: ``with``, ``start``, ``end``, ``max``, ``first``, ``last``, ``count``, ``index``, …"""
        return self.attrs.get(name)

    def to_options(self) -> dict[str, Any]:
        """The query options this object stands for."""
        return dict(self.attrs)

    def next(self, max: int | None = None) -> RSM:
        """Become the options of the page after this one (``max`` results) and return self."""
        return self._page("after", self.attrs.get("last"), max)

    def previous(self, max: int | None = None) -> RSM:
        """Become the options of the page before this one (``max`` results) and return self."""
        return self._page("before", self.attrs.get("first"), max)

    def _page(self, direction: str, anchor: str | None, max_: int | None) -> RSM:
        kept = {k: self.attrs[k] for k in FORM_OPTIONS if k in self.attrs}
        size = max_ if max_ is not None else self.attrs.get("max")
        if size is not None:
            kept["max"] = size
        if anchor is None:  # an empty page: stay where the query was
            anchor = self.attrs.get(direction)
        if anchor is not None:
            kept[direction] = anchor
        self.attrs = kept
        self._sync_js()
        return self

    # -- the JS object (one per RSM, kept in step with the Python attributes) -------------
    def js_facade(self, bridge: Any) -> Any:
        if self._js is None:
            self._js = bridge.to_js({})
            self._js.next = bridge.method(self.next)
            self._js.previous = bridge.method(self.previous)
            self._js_bridge = bridge
            self._shown: set[str] = set()
        self._sync_js()
        return self._js

    def _sync_js(self) -> None:
        if self._js is None:
            return
        for key in self._shown - set(self.attrs):
            delattr(self._js, key)
        for key, value in self.attrs.items():
            setattr(self._js, key, self._js_bridge.to_js(value))
        self._shown = set(self.attrs)
        self._js.complete = self.complete
