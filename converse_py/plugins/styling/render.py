"""XEP-0393 styled bodies as HTML built from escaped text: every piece of the body goes through the
escaping ``text`` function (by default ``escape_text``; the chat rows pass their linkifier), and the
only tags are the ones written here. The directives stay visible, in the span's style.

>>> str(render_body("*hi* <b>"))
'<strong class="cpy-st"><span class="cpy-sd">*</span>hi<span class="cpy-sd">*</span></strong> &lt;b&gt;'
>>> str(render_body("> `x<y`"))
'<blockquote class="cpy-st-quote"><span class="cpy-sd">&gt; </span><code class="cpy-st"><span class="cpy-sd">`</span>x&lt;y<span class="cpy-sd">`</span></code></blockquote>'
"""

from __future__ import annotations

from collections.abc import Callable

from ...dom.html import Markup, escape_text
from .parse import Block, Line, Part, Pre, Quote, parse_body

#: Span style → the element that shows it.
TAGS = {"strong": "strong", "emphasis": "em", "strike": "del", "pre": "code"}
_DIRECTIVE = '<span class="cpy-sd">{}</span>'


def render_body(body: str, text: Callable[[str], str] = escape_text) -> Markup:
    """``body`` with its styling as HTML; ``text`` turns a plain piece into escaped HTML (it may add
    links); preformatted text is only ever escaped. Lines are separated by newlines (the row's
    ``white-space: pre-wrap`` shows them)."""
    out: list[str] = []
    _blocks(parse_body(body), text, out)
    return Markup("".join(out))


def _blocks(blocks: list[Block] | tuple[Block, ...], text: Callable[[str], str], out: list[str]) -> None:
    for index, block in enumerate(blocks):
        if index:
            out.append("\n")
        if isinstance(block, Line):
            _parts(block.parts, text, out, False)
        elif isinstance(block, Pre):
            lines = [block.opening, *block.lines] + ([block.closing] if block.closing is not None else [])
            out.append('<pre class="cpy-st-pre">' + escape_text("\n".join(lines)) + "</pre>")
        else:
            _quote(block, text, out)


def _quote(block: Quote, text: Callable[[str], str], out: list[str]) -> None:
    out.append('<blockquote class="cpy-st-quote">')
    inner: list[str] = []
    _blocks(block.blocks, text, inner)
    # Each line of the quotation starts with its ">" prefix, shown like a directive.
    lines = "".join(inner).split("\n")
    out.append("\n".join(_DIRECTIVE.format(escape_text(prefix)) + line
                         for prefix, line in zip(block.prefixes, lines)))
    out.append("</blockquote>")


def _parts(parts: tuple[Part, ...] | list[Part], text: Callable[[str], str], out: list[str], pre: bool) -> None:
    for part in parts:
        if isinstance(part, str):
            out.append(escape_text(part) if pre else text(part))
            continue
        name = TAGS[part.style]
        opening, *inner, closing = part.parts
        out.append(f'<{name} class="cpy-st">')
        out.append(_DIRECTIVE.format(escape_text(str(opening))))
        _parts(inner, text, out, pre or part.style == "pre")
        out.append(_DIRECTIVE.format(escape_text(str(closing))))
        out.append(f"</{name}>")
