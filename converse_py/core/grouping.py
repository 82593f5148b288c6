"""Base class of API groupings, and how their names look from JavaScript.

The JS bridge walks a grouping's public attributes: methods become JS functions,
properties become getters, nested groupings become nested objects. Python names
are turned into the seed's JS names with ``js_name``.
"""

from __future__ import annotations

from typing import ClassVar


class Grouping:
    """An API grouping (``api.user``, ``api.listen``, …)."""

    #: Python attribute → JS name, where the rule in ``js_name`` does not fit.
    JS_NAMES: ClassVar[dict[str, str]] = {}
    #: Public Python methods that are not part of the JS API (e.g. ``API.add_grouping``).
    PYTHON_ONLY: ClassVar[tuple[str, ...]] = ()

    def js_members(self) -> dict[str, str]:
        """JS name → Python attribute name, for every public member."""
        members: dict[str, str] = {}
        for attr in dir(type(self)) + list(vars(self)):
            if attr.startswith("_") or attr in ("JS_NAMES", "PYTHON_ONLY", "js_members") or attr in self.PYTHON_ONLY:
                continue
            members[self.JS_NAMES.get(attr, js_name(attr))] = attr
        return members


def js_name(python_name: str) -> str:
    """``wait_until`` → ``waitUntil``; a trailing underscore (``not_``) is dropped.

    >>> js_name("wait_until"), js_name("not_"), js_name("jid")
    ('waitUntil', 'not', 'jid')
    """
    head, *rest = python_name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
