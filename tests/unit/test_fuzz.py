"""Hostile and malformed input, fuzzed with hypothesis: every parser returns a value or None (never
raises), the session drops what it cannot read, no handler crashes on odd stanzas, and the client
still works afterwards."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converse_py.plugins.chats.stanzas import parse_message
from converse_py.plugins.muc.stanzas import (
    parse_disco_info, parse_disco_items, parse_form, parse_invitation, parse_occupant, parse_room_message,
)
from converse_py.plugins.bookmarks.stanzas import parse_event, parse_items, parse_private
from converse_py.plugins.roster.stanzas import parse_presence, parse_roster, push_is_trusted
from converse_py.plugins.vcard.stanzas import parse_vcard
from converse_py.xmpp.errors import parse_error
from converse_py.xmpp.stanza import MAX_STANZA_CHARS, StanzaParseError, parse, serialize

from .conftest import Client, arun, settle

NAMESPACES = ["jabber:client", "jabber:iq:roster", "http://jabber.org/protocol/muc#user", "urn:xmpp:sid:0",
              "urn:xmpp:delay", "vcard-temp", "jabber:x:data", "jabber:x:conference", "urn:xmpp:mam:2",
              "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
              "urn:ietf:params:xml:ns:xmpp-stanzas", "urn:xmpp:carbons:2", "", "evil:ns",
              "urn:xmpp:bookmarks:1", "storage:bookmarks", "jabber:iq:private", "http://jabber.org/protocol/pubsub",
              "http://jabber.org/protocol/pubsub#event"]
TAGS = ["message", "presence", "iq", "body", "subject", "query", "item", "group", "x", "status", "show",
        "priority", "stanza-id", "origin-id", "delay", "vCard", "FN", "URL", "PHOTO", "TYPE", "BINVAL", "field",
        "value", "option", "invite", "reason", "password", "error", "text", "identity", "feature", "result",
        "forwarded", "fin", "set", "conflict", "not-authorized", "script", "img", "conference", "storage",
        "pubsub", "items", "event", "retract"]
ATTRS = ["type", "from", "to", "id", "jid", "subscription", "ask", "name", "code", "affiliation", "role", "nick",
         "by", "stamp", "var", "ver", "reason", "password", "category", "onerror", "xmlns:foo"]
WEIRD = st.one_of(
    st.sampled_from(["", " ", "chat", "groupchat", "error", "result", "set", "get", "unavailable", "subscribe",
                     "remove", "both", "110", "201", "303", "owner", "moderator", "alice@localhost",
                     "alice@localhost/web", "room@conference.localhost/nick", "@", "a@b@c", "/", "x" * 3000,
                     "2026-13-45T99:99:99Z", "javascript:alert(1)", "<script>", "\u202e", "\ufeff", "-1",
                     "999999999999999999999", "image/png", "image/svg+xml"]),
    st.text(max_size=40))


def elements(depth: int) -> st.SearchStrategy[ET.Element]:
    def build(tag: str, ns: str, attrs: dict[str, str], text: str | None, children: list[ET.Element]) -> ET.Element:
        el = ET.Element(f"{{{ns}}}{tag}" if ns else tag)
        for key, value in attrs.items():
            if ":" not in key:
                el.set(key, _xml_safe(value))
        el.text = _xml_safe(text) if text is not None else None
        el.extend(children)
        return el
    children = st.lists(elements(depth - 1), max_size=4) if depth > 0 else st.just([])
    return st.builds(build, st.sampled_from(TAGS), st.sampled_from(NAMESPACES),
                     st.dictionaries(st.sampled_from(ATTRS), WEIRD, max_size=5),
                     st.one_of(st.none(), WEIRD), children)


def _xml_safe(text: str) -> str:
    """Only characters XML 1.0 can carry (the network could not deliver others)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD)


STANZAS = st.builds(lambda kind, inner, attrs: _stanza(kind, inner, attrs),
                    st.sampled_from(["message", "presence", "iq"]), st.lists(elements(3), max_size=4),
                    st.dictionaries(st.sampled_from(ATTRS), WEIRD, max_size=5))


def _stanza(kind: str, inner: list[ET.Element], attrs: dict[str, str]) -> ET.Element:
    el = ET.Element(f"{{jabber:client}}{kind}")
    for key, value in attrs.items():
        if ":" not in key:
            el.set(key, _xml_safe(value))
    el.extend(inner)
    return el


PARSERS: list[Callable[[ET.Element], Any]] = [
    parse_message, parse_presence, parse_roster, parse_vcard, parse_error, parse_occupant, parse_room_message,
    parse_invitation, parse_form, parse_disco_items, parse_disco_info,
    lambda el: push_is_trusted(el, "alice@localhost/web"),
    parse_items, parse_private, lambda el: parse_event(el, "alice@localhost"),
]

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(STANZAS)
def test_every_parser_returns_instead_of_raising(stanza: ET.Element) -> None:
    for parser in PARSERS:
        parser(stanza)
    # What the network delivers is text: the round trip must parse back.
    parser_input = serialize(stanza)
    reparsed = parse(parser_input)
    for parser in PARSERS:
        parser(reparsed)


@FUZZ
@given(st.text(max_size=300))
def test_parse_rejects_garbage_with_one_error_type(text: str) -> None:
    try:
        parse(text)
    except StanzaParseError:
        pass


@pytest.mark.parametrize("xml", [
    "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><message xmlns='jabber:client'>&a;</message>",  # entity expansion
    "<message xmlns='jabber:client'>" + "<x>" * 200 + "</x>" * 200 + "</message>",  # deep nesting
    "<message xmlns='jabber:client'><body>" + "A" * (MAX_STANZA_CHARS + 1) + "</body></message>",  # oversized
    "<message xmlns='jabber:client'><body>unclosed",
    "\x00<message/>",
])
def test_known_hostile_documents_are_refused(xml: str) -> None:
    with pytest.raises(StanzaParseError):
        parse(xml)


def test_the_client_keeps_working_after_a_storm_of_odd_stanzas(caplog: pytest.LogCaptureFixture) -> None:
    storm: list[str] = []

    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(STANZAS)
    def collect(stanza: ET.Element) -> None:
        storm.append(serialize(stanza))
    collect()

    async def body() -> tuple[Client, list[Any]]:
        client = Client()
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        request = parse(client.transport.sent[0])
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{request.get("id")}">'
                                 '<query xmlns="jabber:iq:roster"/></iq>')
        await settle()
        for xml in storm:
            client.transport.receive(xml)
        await settle()
        client.transport.receive("<not even xml")
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="evil" from="mallory@evil.example/x">'
                                 '<query xmlns="jabber:iq:roster"><item jid="mallory@evil.example" '
                                 'subscription="both"/></query></iq>')
        messages: list[Any] = []
        client.api.listen.on("message", messages.append)
        client.transport.receive('<message xmlns="jabber:client" from="bob@localhost/x" type="chat" id="ok">'
                                 '<body>still here</body></message>')
        client.api.send('<message xmlns="jabber:client" to="bob@localhost" type="chat"><body>and you?</body>'
                        '</message>')
        return client, messages
    with caplog.at_level(logging.WARNING, logger="converse_py"):
        client, messages = arun(body())
    crashes = [r for r in caplog.records if r.exc_info]
    assert crashes == [], [r.getMessage() for r in crashes]
    assert len(messages) == 1 and client.api.connection.connected
    assert client.api.contacts.get("mallory@evil.example") is None
    assert "and you?" in client.transport.sent[-1]
