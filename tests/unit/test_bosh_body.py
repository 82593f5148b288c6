"""parse_bosh_body: a BOSH response's stanzas parsed in one go are the stanzas ``parse`` makes of
each one's text; anything but an ordinary body is refused (None), so the transport hands it over
stanza by stanza instead."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from converse_py.xmpp.stanza import MAX_DEPTH, MAX_STANZA_CHARS, parse, parse_bosh_body, serialize

HTTPBIND = "xmlns='http://jabber.org/protocol/httpbind'"
# XEP-0124 §9.1's example 8 ("Responding to a request with data"), one stanza more.
STANZAS = [
    "<message xmlns='jabber:client' from='contact@example.com' to='user@example.com'>"
    "<body>I said \"Hi!\"</body></message>",
    "<message xmlns='jabber:client' from='friend@example.com' to='user@example.com'>"
    "<body>I&apos;m bored. Entertain me &lt;now&gt;.</body></message>",
    "<presence xmlns='jabber:client' from='kim@example.com/x'><show>away</show></presence>",
]


def body(inner: str, attrs: str = "") -> str:
    return f"<body {HTTPBIND}{attrs}>{inner}</body>"


def test_the_stanzas_of_a_body_are_those_parse_makes_of_each() -> None:
    got = parse_bosh_body(body("\n".join(STANZAS)))
    assert got is not None
    assert [serialize(el) for el in got] == [serialize(parse(text)) for text in STANZAS]


def test_an_empty_body_brings_nothing() -> None:
    assert parse_bosh_body(body("")) == []
    assert parse_bosh_body(f"<body {HTTPBIND} sid='s' ack='2'/>") == []


def test_anything_but_an_ordinary_body_is_refused() -> None:
    deep = "<a>" * (MAX_DEPTH + 1) + "</a>" * (MAX_DEPTH + 1)
    refused = [
        body("", " type='terminate' condition='remote-stream-error'"),
        body("", " type='error'"),
        body(STANZAS[0] + "<message xmlns='jabber:client'>cut off"),
        "<!DOCTYPE x [<!ENTITY a 'b'>]>" + body("&a;"),
        STANZAS[0],  # a stanza, not a body
        "<body xmlns='jabber:client'/>",  # a body of another namespace
        body("<message xmlns='jabber:client'><body>" + "x" * MAX_STANZA_CHARS + "</body></message>"),
        body(f"<message xmlns='jabber:client'>{deep}</message>"),
        body("") + "<body/>",
        "",
    ]
    assert [parse_bosh_body(text) for text in refused] == [None] * len(refused)


def test_a_refused_body_does_not_spoil_the_next() -> None:
    assert parse_bosh_body(body("<message xmlns='jabber:client'>cut off")) is None
    got = parse_bosh_body(body(STANZAS[2]))
    assert got is not None and [el.tag for el in got] == ["{jabber:client}presence"]
    assert isinstance(got[0], ET.Element)
