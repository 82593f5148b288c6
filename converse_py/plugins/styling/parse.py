"""XEP-0393 message styling, pure: a message body parsed into blocks and spans.

Blocks first (XEP-0393 §5.1): a line starting with ```` ``` ```` opens a preformatted block that runs
to a line holding only ```` ``` ```` or to the end of its parent; lines starting with ``>`` form a
quotation (one leading whitespace character trimmed after the ``>``; quotations nest); every other
line is a plain block. Then spans in plain blocks (§5.2): ``*strong*``, ``_emphasis_``,
``~strike~`` and ```pre``` (nothing styled inside). An opening directive stands at the start of the
line, after whitespace or after another opening directive, and is not followed by whitespace; the
closing one is the first same character after some text that is not preceded by whitespace (spans
are matched lazily, left to right, and never cross a line). The directives stay in the text, as the
XEP recommends; the renderer shows them in the span's style.

The parse never fails: whatever the input, the concatenated text of the tree is the body.

>>> parse_body("plain *strong* plain")
[Line(parts=('plain ', Span(style='strong', parts=('*', 'strong', '*')), ' plain'))]
>>> parse_body("> quoted\\nsaid")
[Quote(blocks=(Line(parts=('quoted',)),), prefixes=('> ',)), Line(parts=('said',))]
>>> parse_body("not strong*, *not \\n strong*")
[Line(parts=('not strong*, *not ',)), Line(parts=(' strong*',))]
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

#: Span styling directives → the style they open.
DIRECTIVES = {"*": "strong", "_": "emphasis", "~": "strike", "`": "pre"}
#: Quotations nested deeper than this are kept as plain text (a hostile ">>>>…" costs nothing).
MAX_QUOTE_DEPTH = 8
#: Spans nested deeper than this are kept as plain text.
MAX_SPAN_DEPTH = 8


@dataclass(frozen=True)
class Span:
    """Styled text: ``style`` is strong, emphasis, strike or pre; ``parts`` include the directives."""

    style: str
    parts: tuple[Part, ...]


Part = str | Span


@dataclass(frozen=True)
class Line:
    """A plain block: one line of text and spans."""

    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Pre:
    """A preformatted block: its lines as written (``opening``/``closing`` are the fence lines)."""

    opening: str
    lines: tuple[str, ...]
    closing: str | None  # None when the block ran to the end of its parent


@dataclass(frozen=True)
class Quote:
    """A quotation: child blocks, and each line's prefix (``>`` plus the trimmed whitespace)."""

    blocks: tuple[Block, ...]
    prefixes: tuple[str, ...]


Block = Line | Pre | Quote


def parse_body(body: str) -> list[Block]:
    """The blocks of a message body (see the module docstring)."""
    return _blocks(body.split("\n"), 0)


def _blocks(lines: list[str], depth: int) -> list[Block]:
    blocks: list[Block] = []
    i, count = 0, len(lines)
    while i < count:
        line = lines[i]
        if line.startswith("```"):
            end = i + 1
            while end < count and lines[end] != "```":
                end += 1
            closing = lines[end] if end < count else None
            blocks.append(Pre(line, tuple(lines[i + 1:end]), closing))
            i = end + 1
        elif line.startswith(">") and depth < MAX_QUOTE_DEPTH:
            end = i
            while end < count and lines[end].startswith(">"):
                end += 1
            prefixes, inner = [], []
            for quoted in lines[i:end]:
                cut = 2 if len(quoted) > 1 and quoted[1].isspace() else 1
                prefixes.append(quoted[:cut])
                inner.append(quoted[cut:])
            blocks.append(Quote(tuple(_blocks(inner, depth + 1)), tuple(prefixes)))
            i = end
        else:
            blocks.append(Line(tuple(parse_spans(line))))
            i += 1
    return blocks


def parse_spans(text: str, depth: int = 0) -> list[Part]:
    """The spans of one line (or of a span's inside, whose start counts as a line's start: a
    directive may follow an opening one).

    >>> parse_spans("*_both_*")
    [Span(style='strong', parts=('*', Span(style='emphasis', parts=('_', 'both', '_')), '*'))]
    >>> parse_spans("**"), parse_spans("*strong*plain*")
    (['**'], [Span(style='strong', parts=('*', 'strong', '*')), 'plain*'])
    """
    closers = _closers(text)
    parts: list[Part] = []
    plain_from = i = 0
    length = len(text)
    while i < length:
        char = text[i]
        style = DIRECTIVES.get(char)
        if style is None or not _may_open(text, i):
            i += 1
            continue
        candidates = closers[char]
        k = bisect.bisect_left(candidates, i + 2)
        if k == len(candidates):
            i += 1
            continue
        close = candidates[k]
        if plain_from < i:
            parts.append(text[plain_from:i])
        if style == "pre" or depth >= MAX_SPAN_DEPTH:
            parts.append(Span(style, (char, text[i + 1:close], char)))
        else:
            parts.append(Span(style, (char, *parse_spans(text[i + 1:close], depth + 1), char)))
        i = plain_from = close + 1
    if plain_from < length:
        parts.append(text[plain_from:])
    return _merge(parts)


def _may_open(text: str, i: int) -> bool:
    """Whether the directive at ``i`` may open a span: at the start or after whitespace, and not
    followed by whitespace or by the same character (``**`` is no span)."""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if not nxt or nxt.isspace() or nxt == text[i]:
        return False
    return i == 0 or text[i - 1].isspace()


def _closers(text: str) -> dict[str, list[int]]:
    """Per directive, the positions where it may close a span (not preceded by whitespace), in
    order: finding a span's end is a binary search, so a hostile line costs O(n log n)."""
    found: dict[str, list[int]] = {char: [] for char in DIRECTIVES}
    for j in range(1, len(text)):
        positions = found.get(text[j])
        if positions is not None and not text[j - 1].isspace():
            positions.append(j)
    return found


def _merge(parts: list[Part] | tuple[Part, ...]) -> list[Part]:
    """Adjacent strings joined (the tree stays small whatever the input)."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def plain_text(blocks: list[Block] | tuple[Block, ...]) -> str:
    """The body again, from its blocks (the parse loses nothing).

    >>> body = "> a *b*\\n```py\\nx = 1\\n```\\n_c_"
    >>> plain_text(parse_body(body)) == body
    True
    """
    return "\n".join(_block_lines(blocks))


def _block_lines(blocks: list[Block] | tuple[Block, ...]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Line):
            lines.append(_parts_text(block.parts))
        elif isinstance(block, Pre):
            lines.append(block.opening)
            lines.extend(block.lines)
            if block.closing is not None:
                lines.append(block.closing)
        else:
            inner = _block_lines(block.blocks)
            lines.extend(prefix + line for prefix, line in zip(block.prefixes, inner))
    return lines


def _parts_text(parts: tuple[Part, ...] | list[Part]) -> str:
    return "".join(part if isinstance(part, str) else _parts_text(part.parts) for part in parts)
