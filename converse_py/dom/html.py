"""Escape-by-default HTML building: every string is text unless it is ``Markup``.

>>> str(tag("li", {"class": "msg"}, "<img src=x onerror=alert(1)>"))
'<li class="msg">&lt;img src=x onerror=alert(1)&gt;</li>'
"""

from __future__ import annotations

from html import escape
from typing import Union
from collections.abc import Iterable, Mapping

_VOID = {"input", "br", "img", "hr", "meta", "link"}
#: Attribute names already checked (a page renders the same few names thousands of times).
_GOOD_NAMES: set[str] = set()
#: The characters ``escape(..., quote=True)`` changes: text without any is used as it is.
_SPECIAL = frozenset("&<>\"'")


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
    parts = ["<", name]
    if attrs:
        for key, value in attrs.items():
            if value is None or value is False:
                continue
            if key not in _GOOD_NAMES:
                if not key.replace("-", "").replace("_", "").isalnum():
                    raise ValueError(f"bad attribute name {key!r}")
                _GOOD_NAMES.add(key)
            if value is True:
                parts.append(" " + key)
            else:
                parts.extend((" ", key, '="', escape_text(str(value)), '"'))
    parts.append(">")
    if name in _VOID:
        return Markup("".join(parts))
    _render_into(parts, children)
    parts.extend(("</", name, ">"))
    return Markup("".join(parts))


def escape_text(value: str) -> str:
    """``value`` escaped for text or an attribute value (``html.escape(value, quote=True)``),
    without its five replacements when nothing needs one.

    >>> escape_text('<b title="x">'), escape_text("plain")
    ('&lt;b title=&quot;x&quot;&gt;', 'plain')
    """
    return escape(value, quote=True) if not _SPECIAL.isdisjoint(value) else value


def join(children: Iterable[Child]) -> Markup:
    """Concatenate children (escaping plain strings)."""
    out: list[str] = []
    _render_into(out, children)
    return Markup("".join(out))


def _render_into(out: list[str], children: Iterable[Child]) -> None:
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            out.append(child)
        elif isinstance(child, str):
            out.append(escape_text(child))
        elif isinstance(child, int):
            out.append(str(child))
        else:
            _render_into(out, child)
