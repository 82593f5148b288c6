"""Escape-by-default HTML building: every string is text unless it is ``Markup``.

>>> str(tag("li", {"class": "msg"}, "<img src=x onerror=alert(1)>"))
'<li class="msg">&lt;img src=x onerror=alert(1)&gt;</li>'
"""

from __future__ import annotations

from html import escape
from typing import Iterable, Mapping, Union

_VOID = {"input", "br", "img", "hr", "meta", "link"}


class Markup(str):
    """HTML produced by ``tag`` (already escaped): inserted as is."""


Child = Union["Markup", str, int, None, Iterable["Child"]]


def text(value: object) -> Markup:
    """``value`` as escaped text."""
    return Markup(escape(str(value), quote=True))


def tag(name: str, attrs: Mapping[str, object] | None = None, *children: Child) -> Markup:
    """``<name attrs>children</name>``; attribute values and text children are escaped.

    Attribute values of None/False are left out; True gives a bare attribute.
    """
    parts = [f"<{name}"]
    for key, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        if not key.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"bad attribute name {key!r}")
        parts.append(f" {key}" if value is True else f' {key}="{escape(str(value), quote=True)}"')
    parts.append(">")
    if name in _VOID:
        return Markup("".join(parts))
    parts.extend(_render(children))
    parts.append(f"</{name}>")
    return Markup("".join(parts))


def join(children: Iterable[Child]) -> Markup:
    """Concatenate children (escaping plain strings)."""
    return Markup("".join(_render(children)))


def _render(children: Iterable[Child]) -> list[str]:
    out: list[str] = []
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            out.append(child)
        elif isinstance(child, (str, int)):
            out.append(escape(str(child), quote=True))
        else:
            out.extend(_render(child))
    return out
