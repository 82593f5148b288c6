"""Large messages are always reported (shown, collapsed, or an info line past the parser's cap) and
error stanzas answering the user's messages mark them failed (issue 29)."""

from __future__ import annotations

from typing import Any

from converse_py.dom.templates import BODY_PREVIEW, SOFT_BODY, message_item
from converse_py.plugins.chats.errors import MessageError, parse_message_error, reason
from converse_py.xmpp.jid import JID
from converse_py.xmpp.stanza import MAX_STANZA_CHARS, OVERSIZED_SCAN_CHARS, oversized, parse

from .conftest import arun, carbon, chat, logged_in, settle
from datetime import UTC

ROOM = "coven@chat.shakespeare.lit"


def error_for(msg_id: str, sender: str, condition: str, text: str = "", kind: str = "cancel") -> str:
    text_xml = f"<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{text}</text>" if text else ""
    return (f"<message xmlns='jabber:client' type='error' id='{msg_id}' from='{sender}' to='alice@localhost/web'>"
            f"<error type='{kind}'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>{text_xml}</error>"
            "</message>")


# -- limits ----------------------------------------------------------------------------------------
def test_a_one_megabyte_body_is_kept_whole_and_no_body_is_cut() -> None:
    async def body() -> Any:
        client = await logged_in()
        client.transport.receive(chat("bob@localhost/x", "big", "y" * 1_000_000))
        await settle()
        return client.api.chats.get("bob@localhost").messages
    messages = arun(body())
    assert [len(m.body) for m in messages] == [1_000_000]


def test_a_stanza_over_the_cap_is_reported_as_an_info_line_naming_sender_and_size() -> None:
    async def body() -> Any:
        client = await logged_in()
        seen: list[Any] = []
        client.api.listen.on("stanzaTooLarge", seen.append)
        client.transport.receive(chat("bob@localhost/x", "huge", "z" * (MAX_STANZA_CHARS + 10)))
        client.transport.receive(chat("eve@localhost/x", "ok", "after it"))
        await settle()
        return seen, client.api.chats.get("bob@localhost").messages, client.api.chats.get("eve@localhost")
    seen, messages, eve = arun(body())
    assert len(seen) == 1 and seen[0].kind == "message" and seen[0].attrs["from"] == "bob@localhost/x"
    assert [(m.kind, m.body) for m in messages] == [
        ("info", "A message too large to show (2.1 MB) arrived from bob@localhost")]
    assert eve.messages[0].body == "after it"  # the client goes on


def test_an_oversized_room_message_and_a_forged_oversized_carbon() -> None:
    async def body() -> Any:
        client = await logged_in()
        room = client.api.rooms.open(ROOM, {"nick": "alice"})
        client.transport.receive(
            f"<presence xmlns='jabber:client' from='{ROOM}/alice' to='alice@localhost/web'>"
            "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/>"
            "<status code='110'/></x></presence>")
        big = "q" * (MAX_STANZA_CHARS + 1)
        client.transport.receive(chat(f"{ROOM}/witch", "r1", big, kind="groupchat"))
        client.transport.receive(carbon("received", chat("bob@localhost/x", "c1", big), sender="mallory@localhost"))
        await settle()
        return room.messages, client.api.chats.get("bob@localhost")
    room_messages, bob = arun(body())
    assert [m.body for m in room_messages] == ["A message too large to show (2.1 MB) arrived from witch"]
    assert bob is None  # a carbon only the user's account may send: ignored


def test_the_oversized_scan_reads_only_the_start_and_keeps_hostile_text_as_data() -> None:
    hostile = ("<message from='&lt;img src=x onerror=alert(1)&gt;@evil' type='chat'>"
               + "<b>" * 100_000)
    info = oversized(hostile)
    assert info.attrs["from"] == "<img src=x onerror=alert(1)>@evil" and info.size == len(hostile)
    late = "<message type='chat'>" + " " * OVERSIZED_SCAN_CHARS + "<message from='late@x'/>"
    assert oversized(late).inner is None
    archived = oversized("<message from='alice@localhost'><result xmlns='urn:xmpp:mam:2' id='1'>"
                         "<forwarded xmlns='urn:xmpp:forward:0'><message from='bob@localhost/x' type='chat'>")
    assert archived.archived and archived.inner == {"from": "bob@localhost/x", "type": "chat"}


def test_a_long_body_renders_collapsed_until_expanded_and_short_ones_are_untouched() -> None:
    from datetime import datetime
    from converse_py.plugins.chats.models import ShownMessage
    when = datetime(2026, 1, 1, tzinfo=UTC)
    long = ShownMessage("m1", "bob@localhost", "a" * 200_000 + "END", when, False)
    collapsed = str(message_item(long))
    assert 'data-action="show-more"' in collapsed and "Show more (200 KB)" in collapsed
    assert "END" not in collapsed and len(collapsed) < BODY_PREVIEW + 1000
    from dataclasses import replace
    assert "END" in str(message_item(replace(long, expanded=True)))
    short = ShownMessage("m2", "bob@localhost", "b" * SOFT_BODY, when, False)
    assert "show-more" not in str(message_item(short))
    me = ShownMessage("m3", "bob@localhost", "/me " + "c" * 100_000, when, False)
    assert len(str(message_item(me))) < BODY_PREVIEW + 1000


# -- failed deliveries -----------------------------------------------------------------------------
def test_error_conditions_become_words_with_the_servers_text() -> None:
    err = parse_message_error(parse(error_for("m1", "nobody@localhost", "service-unavailable", "User &lt;b&gt;gone")))
    assert err is not None and err.id == "m1" and err.condition == "service-unavailable"
    assert reason(err) == "The recipient cannot receive messages (User <b>gone)"
    assert reason(MessageError("m", JID.parse("x@y"), "policy-violation", "")) == "The message breaks the server's rules"
    assert parse_message_error(parse(chat("bob@localhost/x", "m1"))) is None


def test_an_error_answering_a_sent_message_marks_it_failed_and_resend_sends_it_again() -> None:
    async def body() -> Any:
        client = await logged_in()
        failed: list[tuple[str, str]] = []
        client.api.listen.on("messageFailed", lambda box, message, why: failed.append((message.id, why)))
        box = client.api.chats.open("nobody@localhost")
        sent = box.send_message("hello?")
        client.transport.receive(error_for(sent.id, "nobody@localhost", "service-unavailable"))
        await settle()
        marked = box.find_message(sent.id)
        client.transport.sent.clear()
        again = box.resend_message(sent.id)
        return failed, marked, box.find_message(sent.id), again, client.sent("message")
    failed, marked, old, again, stanzas = arun(body())
    assert failed == [(marked.id, "The recipient cannot receive messages")]
    assert marked.error == "The recipient cannot receive messages" and not marked.resent
    html = str(message_item(marked))
    assert "Not delivered: The recipient cannot receive messages" in html and 'data-action="resend"' in html
    assert old.resent and "Sent again" in str(message_item(old))
    assert again.id != marked.id and again.body == "hello?" and not again.error
    assert len(stanzas) == 1 and again.id in stanzas[0] and "hello?" in stanzas[0]


def test_a_server_error_finds_the_message_in_any_box_and_unknown_ids_are_one_info_line() -> None:
    async def body() -> Any:
        client = await logged_in()
        box = client.api.chats.open("bob@remote.example")
        sent = box.send_message("hi")
        client.transport.receive(error_for(sent.id, "remote.example", "remote-server-not-found"))
        for _ in range(3):  # e.g. chat states bouncing: one line, not three
            client.transport.receive(error_for("unknown", "bob@remote.example", "recipient-unavailable"))
        client.transport.receive(error_for("x", "stranger@localhost", "forbidden"))
        await settle()
        return box.messages, client.api.chats.get("stranger@localhost")
    messages, stranger = arun(body())
    assert messages[0].error == "The recipient's server could not be found"
    assert [m.body for m in messages[1:]] == ["bob@remote.example reported an error: The recipient is not available"]
    assert stranger is None  # no box is opened for an error


def test_a_room_error_marks_the_room_message_failed() -> None:
    async def body() -> Any:
        client = await logged_in()
        room = client.api.rooms.open(ROOM, {"nick": "alice"})
        client.transport.receive(
            f"<presence xmlns='jabber:client' from='{ROOM}/alice' to='alice@localhost/web'>"
            "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='visitor'/>"
            "<status code='110'/></x></presence>")
        failed: list[str] = []
        client.api.listen.on("messageFailed", lambda box, message, why: failed.append(box.get("jid")))
        sent = room.send_message("may I speak?")
        client.transport.receive(error_for(sent.id, ROOM, "forbidden", "You are not allowed to speak", "auth"))
        client.transport.receive(error_for("nope", ROOM, "not-acceptable"))
        await settle()
        return failed, room.messages, client.api.chats.get(ROOM)
    failed, messages, as_chat = arun(body())
    assert failed == [ROOM]
    assert messages[0].error == "You are not allowed to send this message (You are not allowed to speak)"
    assert messages[1].kind == "info" and messages[1].body == f"{ROOM} reported an error: The message was not accepted"
    assert as_chat is None
