"""XEP-0393 message styling: the XEP's own examples, and hostile bodies staying text."""

from __future__ import annotations

import time

import pytest

from converse_py.plugins.styling.parse import Line, Pre, Quote, Span, parse_body, parse_spans, plain_text
from converse_py.plugins.styling.render import render_body


def styles(text: str) -> list[tuple[str, str]]:
    """(style, inner text) of each top-level span of one line."""
    found = []
    for part in parse_spans(text):
        if isinstance(part, Span):
            inner = "".join(p if isinstance(p, str) else "<span>" for p in part.parts[1:-1])
            found.append((part.style, inner))
    return found


@pytest.mark.parametrize("text, expected", [
    # XEP-0393 §5.2: "each of the following would be styled as indicated"
    ("*strong*", [("strong", "strong")]),
    ("plain *strong* plain", [("strong", "strong")]),
    ("*strong* plain *strong*", [("strong", "strong"), ("strong", "strong")]),
    ("*strong*plain*", [("strong", "strong")]),
    ("* plain *strong*", [("strong", "strong")]),
    # §5.2.2-5.2.5
    ("The full title is _Twelfth Night, or What You Will_ but", [("emphasis", "Twelfth Night, or What You Will")]),
    ("Everyone ~dis~likes cake.", [("strike", "dis")]),
    ("Wow, I can write in `monospace`!", [("pre", "monospace")]),
    ("This is `*monospace*`", [("pre", "*monospace*")]),
])
def test_the_xeps_styled_examples(text: str, expected: list[tuple[str, str]]) -> None:
    assert styles(text) == expected


@pytest.mark.parametrize("text", ["not strong*", "*not strong", "*not *strong", "**", "****"])
def test_the_xeps_unstyled_examples(text: str) -> None:
    assert parse_spans(text) == [text]


def test_a_span_never_crosses_a_line() -> None:
    assert parse_body("*not \n strong*") == [Line(("*not ",)), Line((" strong*",))]


def test_monospace_inside_strong_and_emphasis_around_strong() -> None:
    [strong] = parse_spans("*`monospace and bold`*")
    assert strong == Span("strong", ("*", Span("pre", ("`", "monospace and bold", "`")), "*"))
    [emph] = parse_spans("_emphasized span containing *strong span*_")
    assert emph.parts[2] == Span("strong", ("*", "strong span", "*"))  # type: ignore[union-attr]


def test_preformatted_blocks_as_the_xep_shows_them() -> None:
    body = '```ignored\n(println "Hello, world!")\n```\n\nThis should show up as monospace'
    blocks = parse_body(body)
    assert blocks[0] == Pre("```ignored", ('(println "Hello, world!")',), "```")
    assert blocks[1:] == [Line(()), Line(("This should show up as monospace",))]
    # No closing fence: the block runs to the end of its parent (here the quotation).
    quoted = parse_body('> ```\n> (println "Hello, world!")\n\nThe entire blockquote is a preformatted text block')
    assert isinstance(quoted[0], Quote)
    assert quoted[0].blocks == (Pre("```", ('(println "Hello, world!")',), None),)
    assert quoted[1:] == [Line(()), Line(("The entire blockquote is a preformatted text block",))]


def test_nested_quotations_as_the_xep_shows_them() -> None:
    blocks = parse_body(">> That that is, is.\n> Said the old hermit of Prague.\n\nWho?")
    outer = blocks[0]
    assert isinstance(outer, Quote) and outer.prefixes == (">", "> ")
    inner = outer.blocks[0]
    assert isinstance(inner, Quote) and inner.blocks == (Line(("That that is, is.",)),)
    assert outer.blocks[1] == Line(("Said the old hermit of Prague.",))
    assert blocks[1:] == [Line(()), Line(("Who?",))]


@pytest.mark.parametrize("body", [
    "plain", "> a\n>> b *c*\n```\nx\n```\n_d_ ~e~ `f`", "```\nunterminated *x*", ">" * 5000 + " deep",
    "*" * 3000, "_a " * 2000, "* * * *a* *", "`` ` `` `", "\n\n\n", "> ```\n> x\ny",
])
def test_the_parse_loses_nothing(body: str) -> None:
    assert plain_text(parse_body(body)) == body


@pytest.mark.parametrize("body", [
    "<img src=x onerror=alert(1)>", "*<script>alert(1)</script>*", "> <b>quoted</b>", "```\n<i>pre</i>\n```",
    "`<svg onload=alert(1)>`", "_\"quotes\" & 'apostrophes'_",
])
def test_markup_looking_text_stays_text_inside_every_kind_of_block_and_span(body: str) -> None:
    html = str(render_body(body))
    assert "<img" not in html and "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "<svg" not in html
    # The only tags are the renderer's own.
    import re
    assert set(re.findall(r"</?([a-z]+)", html)) <= {"strong", "em", "del", "code", "pre", "blockquote", "span"}


def test_the_text_function_renders_plain_pieces_but_never_preformatted_ones() -> None:
    html = str(render_body("see *this* and `that`", text=lambda piece: piece.upper()))
    assert "SEE" in html and "THIS" in html and ">that<" in html


def test_hostile_nesting_and_long_lines_parse_quickly() -> None:
    started = time.perf_counter()
    for body in ("*a " * 20000, ">" * 60000, "_*~`" * 15000, ("*" + "_" * 10 + " ") * 5000):
        render_body(body)
    assert time.perf_counter() - started < 2.0  # quadratic matching would take minutes
