"""JIDs and stanza building/parsing, compared canonically with RFC examples."""

from __future__ import annotations

import pytest

from converse_py.xmpp import ns, stanza
from converse_py.xmpp.errors import parse_error
from converse_py.xmpp.jid import JID, bare_jid, is_valid_jid
from converse_py.xmpp.stanza import (
    StanzaParseError, MAX_STANZA_CHARS, canonical, error_reply, message, parse, presence, serialize,
)


@pytest.mark.parametrize("text, bare, resource", [
    ("juliet@example.com/balcony", "juliet@example.com", "balcony"),
    ("Juliet@Example.COM", "juliet@example.com", ""),
    ("example.com", "example.com", ""),
    ("room@conference.localhost/nick with spaces/and/slashes", "room@conference.localhost",
     "nick with spaces/and/slashes"),
])
def test_jids_parse_into_bare_and_resource(text: str, bare: str, resource: str) -> None:
    jid = JID.parse(text)
    assert (jid.bare, jid.resource) == (bare, resource)


@pytest.mark.parametrize("bad", ["", "   ", "@example.com", "a@", "a b@example.com", "a@b@c", "x@y/", 42,
                                 "a\u00a0b@example.com", "a\tb@example.com", "a@exa mple.com", "a@exa\u2003mple.com",
                                 '"a"@example.com', "a&b@example.com", "a'b@example.com", "a:b@example.com",
                                 "a<b@example.com", "a>b@example.com"])
def test_invalid_jids_are_rejected_with_a_clear_error(bad: object) -> None:
    assert not is_valid_jid(bad)
    with pytest.raises(ValueError, match="not a JID"):
        JID.parse(bad)  # type: ignore[arg-type]


def test_bare_jid_drops_the_resource() -> None:
    assert bare_jid("romeo@example.net/orchard") == "romeo@example.net"


def test_message_builder_matches_rfc6121_example() -> None:
    # RFC 6121 §5.2.1 (ids and addresses adapted)
    built = serialize(message(to="juliet@example.com", type_="chat", body="Art thou not Romeo, and a Montague?",
                              id_="ktx72v49"))
    expected = ('<message xmlns="jabber:client" id="ktx72v49" to="juliet@example.com" type="chat">'
                '<body>Art thou not Romeo, and a Montague?</body></message>')
    assert canonical(built) == canonical(expected)


def test_presence_builder_matches_rfc6121_example() -> None:
    # RFC 6121 §4.7.2.1 show + status
    built = serialize(presence(show="dnd", status="Wooing Juliet"))
    expected = '<presence xmlns="jabber:client"><show>dnd</show><status>Wooing Juliet</status></presence>'
    assert canonical(built) == canonical(expected)


def test_body_text_is_escaped_not_interpreted() -> None:
    built = serialize(message(to="bob@localhost", body="<script>alert(1)</script> & \"q\"", id_="m1"))
    assert "<script>" not in built
    assert parse(built).find(f"{{{ns.CLIENT}}}body").text == "<script>alert(1)</script> & \"q\""


def test_parsed_stanzas_reserialize_without_prefixes() -> None:
    xml = ('<message xmlns="jabber:client" from="a@b/c"><body>x</body>'
           '<active xmlns="http://jabber.org/protocol/chatstates"/></message>')
    out = serialize(parse(xml))
    assert "ns0" not in out and canonical(out) == canonical(xml)


@pytest.mark.parametrize("hostile", [
    "<message",
    "not xml at all",
    '<!DOCTYPE m [<!ENTITY a "aaaa">]><message xmlns="jabber:client">&a;</message>',
    "<a>" * 100 + "</a>" * 100,
    "<message>" + "x" * (MAX_STANZA_CHARS + 1) + "</message>",
])
def test_hostile_or_malformed_input_raises_stanza_parse_error(hostile: str) -> None:
    with pytest.raises(StanzaParseError):
        parse(hostile)


def test_error_reply_matches_rfc6120_service_unavailable() -> None:
    request = parse('<iq xmlns="jabber:client" type="get" id="v1" from="romeo@example.net/orchard">'
                    '<query xmlns="jabber:iq:version"/></iq>')
    expected = ('<iq xmlns="jabber:client" type="error" id="v1" to="romeo@example.net/orchard">'
                '<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
                '</error></iq>')
    assert canonical(serialize(error_reply(request, "cancel", "service-unavailable"))) == canonical(expected)


def test_parse_error_reads_condition_type_and_text() -> None:
    err = parse_error(parse('<iq xmlns="jabber:client" type="error"><error type="auth">'
                            '<forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
                            '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">go away</text></error></iq>'))
    assert (err.type, err.condition, err.text) == ("auth", "forbidden", "go away")


@pytest.mark.parametrize("levels, refused", [(1, False), (3, False), (stanza.MAX_DEPTH, False),
                                             (stanza.MAX_DEPTH + 1, True), (stanza.MAX_DEPTH + 40, True)])
def test_parse_refuses_stanzas_nested_deeper_than_the_limit(levels: int, refused: bool) -> None:
    xml = "<message xmlns='jabber:client'>" + "<x>" * (levels - 1) + "</x>" * (levels - 1) + "</message>"
    if refused:
        with pytest.raises(stanza.StanzaParseError, match="nested too deeply"):
            stanza.parse(xml)
    else:
        assert stanza.parse(xml).tag == "{jabber:client}message"


def test_depth_counts_the_deepest_branch_not_the_first() -> None:
    xml = "<a><b/><c><d><e/></d></c><f/></a>"
    assert stanza._depth(stanza.parse(xml)) == 4
