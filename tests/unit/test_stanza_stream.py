"""xmpp/stanza.py's StanzaStream: one expat parser for stanza after stanza gives what a parser of
its own gives each text (``ET.fromstring``), whatever came before it, and errors stay errors."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

from converse_py.xmpp.stanza import MAX_DEPTH, StanzaParseError, StanzaStream, parse

SAMPLES = [
    "<message xmlns='jabber:client' from='bob@localhost/phone' to='alice@localhost' type='chat' id='m1'>"
    "<body>hi &amp; bye &lt;3</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "<presence xmlns='jabber:client' from='bob@localhost/x'><show>away</show><status>out</status></presence>",
    "<iq xmlns='jabber:client' type='result' id='q1'><query xmlns='jabber:iq:roster' ver='v1'>"
    "<item jid='carol@localhost' name='Carol'><group>Friends</group></item></query></iq>",
    "<message xmlns='jabber:client'><body>a<b xmlns='urn:x'>b</b>c</body>tail</message>",
]
#: Texts that are not one element (or not well-formed) and pieces that cut stanzas.
NASTY = ["", " ", "junk", "</s>", "<_/>", "<a>", "</a>", "<a/><b/>", "<!-- c -->", "<?pi x?>", "&amp;",
         "<x:y/>", "<a b='1' b='2'/>", "]]>", "<![CDATA[x]]>", "\x00", "<?xml version='1.0'?><a/>"]


def alone(text: str) -> tuple[str, str]:
    """What a parser of its own makes of ``text``: its element serialized, or the error."""
    try:
        el = ET.fromstring(text)
    except ET.ParseError as exc:
        return "error", f"malformed stanza: {exc}"
    return "ok", ET.tostring(el, encoding="unicode")


def streamed(stream: StanzaStream, text: str) -> tuple[str, str]:
    el, _ = stream.parse(text)
    if el is None:
        return alone(text)  # as parse() does
    return "ok", ET.tostring(el, encoding="unicode")


def test_the_stream_gives_what_a_parser_per_stanza_gives_after_any_sequence_of_texts() -> None:
    rng = random.Random(4242)
    stream = StanzaStream(renew_after=5_000)  # renewed many times over the run, too
    for _ in range(4_000):
        roll = rng.random()
        if roll < 0.4:
            text = rng.choice(SAMPLES)
        elif roll < 0.6:
            text = rng.choice(NASTY)
        else:  # a sample cut, doubled or wrapped in text
            sample = rng.choice(SAMPLES)
            cut = rng.randrange(len(sample))
            text = rng.choice([sample[:cut], sample[cut:], sample + sample, " \n" + sample + "\t",
                               rng.choice(NASTY) + sample, sample + rng.choice(NASTY)])
        assert streamed(stream, text) == alone(text), text


def test_a_stanza_after_hostile_text_parses_as_it_would_alone() -> None:
    for nasty in NASTY:
        for sample in SAMPLES:
            stream = StanzaStream()
            stream.parse(nasty)
            el, _ = stream.parse(sample)
            assert el is not None and ET.tostring(el) == ET.tostring(ET.fromstring(sample)), (nasty, sample)
            assert el.tail is None


def test_depth_is_counted_by_the_stream_and_too_deep_is_refused() -> None:
    ok = "<a>" * MAX_DEPTH + "</a>" * MAX_DEPTH
    assert StanzaStream().parse(ok)[1] == MAX_DEPTH
    parse(ok)
    too_deep = "<a>" * (MAX_DEPTH + 1) + "</a>" * (MAX_DEPTH + 1)
    try:
        parse(too_deep)
    except StanzaParseError as exc:
        assert "deeply" in str(exc)
    else:
        raise AssertionError("a stanza nested too deeply was accepted")


def test_a_returned_stanza_is_not_changed_by_what_comes_after_it() -> None:
    stream = StanzaStream()
    first, _ = stream.parse(SAMPLES[0])
    assert first is not None
    before = ET.tostring(first)
    for text in ["  trailing text<a/>", SAMPLES[1], "<a>", SAMPLES[2]]:
        stream.parse(text)
    assert ET.tostring(first) == before and first.tail is None
