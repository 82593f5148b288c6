"""A small attribute model with change events: what ``model.get/set`` mean for JS and Python callers.

>>> m = Model({"jid": "bob@localhost"})
>>> changes = []
>>> m.on_change(lambda model, changed: changes.append(changed))
>>> m.set("fullname", "Bob")
>>> m.get("fullname"), changes
('Bob', [{'fullname': 'Bob'}])
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Mapping

ChangeListener = Callable[["Model", dict[str, Any]], None]


class Model:
    """Attributes plus listeners called with the attributes that actually changed."""

    def __init__(self, attrs: Mapping[str, Any] | None = None) -> None:
        self._attrs: dict[str, Any] = dict(attrs or {})
        self._listeners: list[ChangeListener] = []

    def get(self, name: str) -> Any:
        """The attribute ``name`` (None when unset)."""
        return self._attrs.get(name)

    def set(self, name: str | Mapping[str, Any], value: Any = None) -> None:
        """``set("height", 300)`` or ``set({"height": 300, ...})``; listeners hear only real changes."""
        updates = {name: value} if isinstance(name, str) else dict(name)  # str first: Mapping's check is slow
        changed = {k: v for k, v in updates.items() if self._attrs.get(k, _MISSING) != v}
        if not changed:
            return
        self._attrs.update(changed)
        for listener in list(self._listeners):
            listener(self, changed)

    def to_dict(self) -> dict[str, Any]:
        """A shallow copy of all attributes."""
        return dict(self._attrs)

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(model, changed)`` after each change."""
        self._listeners.append(listener)

    def off_change(self, listener: ChangeListener) -> None:
        """Remove a listener added with ``on_change``."""
        self._listeners = [x for x in self._listeners if x is not listener]


_MISSING = object()
