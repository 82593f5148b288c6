"""XEP-0333 chat markers: markable outgoing messages, one displayed marker for the newest message the
user has seen (box open, not minimized, page visible), and incoming markers marking messages read."""

from __future__ import annotations

from typing import Any

from converse_py.plugins.markers.stanzas import add_markable, displayed, displayed_id, is_markable
from converse_py.xmpp.stanza import canonical, element, parse, serialize

from .conftest import Client, arun, carbon, chat, logged_in

BOB = "bob@localhost/phone"
MARKABLE = "<markable xmlns='urn:xmpp:chat-markers:0'/>"


def test_markable_and_displayed_match_the_xep_examples() -> None:
    msg = element("message", {"from": "northumberland@shakespeare.lit/westminster", "id": "message-1",
                              "to": "ingrichard@royalty.england.lit/throne"}, xmlns="jabber:client")
    add_markable(msg)
    add_markable(msg)
    assert canonical(serialize(msg)) == canonical(
        "<message xmlns='jabber:client' from='northumberland@shakespeare.lit/westminster' id='message-1'"
        " to='ingrichard@royalty.england.lit/throne'><markable xmlns='urn:xmpp:chat-markers:0'/></message>")
    marker = displayed("northumberland@shakespeare.lit/westminster", "message-1", type_=None, id_="message-2",
                       store=False)
    marker.set("from", "kingrichard@royalty.england.lit/throne")
    assert canonical(serialize(marker)) == canonical(
        "<message xmlns='jabber:client' from='kingrichard@royalty.england.lit/throne' id='message-2'"
        " to='northumberland@shakespeare.lit/westminster'>"
        "<displayed xmlns='urn:xmpp:chat-markers:0' id='message-1'/></message>")
    stored = parse(serialize(displayed("bob@localhost", "m1")))
    assert stored.get("type") == "chat" and stored.find("{urn:xmpp:hints}store") is not None


def test_parsers_with_hostile_input() -> None:
    assert is_markable(parse(chat(BOB, "m1", extra=MARKABLE)))
    assert not is_markable(parse(chat(BOB, "", extra=MARKABLE)))
    assert not is_markable(parse(chat(BOB, "m1", extra=MARKABLE, kind="error")))
    assert displayed_id(parse(chat(BOB, "x", None, "<displayed xmlns='urn:xmpp:chat-markers:0'/>"))) is None
    assert displayed_id(parse(chat(BOB, "x", None, "<displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/>",
                                   kind="error"))) is None


def _markers(client: Client) -> list[tuple[str, str]]:
    found = []
    for xml in client.sent("message"):
        marker = parse(xml).find("{urn:xmpp:chat-markers:0}displayed")
        if marker is not None:
            found.append((parse(xml).get("to") or "", marker.get("id") or ""))
    return found


def test_displayed_is_sent_once_for_the_newest_message_when_seen() -> None:
    async def body() -> list[list[tuple[str, str]]]:
        client = await logged_in()
        seen: list[list[tuple[str, str]]] = []
        client.transport.receive(chat(BOB, "m1", "one", MARKABLE))
        client.transport.receive(chat(BOB, "m2", "two", MARKABLE))
        client.transport.receive(chat(BOB, "m3", "not markable"))
        box = client.api.chats.get("bob@localhost")
        seen.append(_markers(client))          # nothing shown yet: nothing sent
        box.composer_activity("seen")
        seen.append(_markers(client))          # the newest markable one
        box.composer_activity("seen")
        seen.append(_markers(client))          # not again
        return seen
    assert arun(body()) == [[], [("bob@localhost", "m2")], [("bob@localhost", "m2")]]


def test_minimized_closed_or_hidden_boxes_wait() -> None:
    async def body() -> list[list[tuple[str, str]]]:
        client = await logged_in()
        steps: list[list[tuple[str, str]]] = []
        client.transport.receive(chat(BOB, "m1", "one", MARKABLE))
        box = client.api.chats.get("bob@localhost")
        box.minimize()
        box.composer_activity("seen")
        steps.append(_markers(client))
        box.maximize()
        client.platform.set_hidden(True)
        box.composer_activity("seen")
        steps.append(_markers(client))
        client.platform.set_hidden(False)  # the view had it on screen: shown now
        steps.append(_markers(client))
        client.transport.receive(chat(BOB, "m2", "two", MARKABLE))
        box.close()
        box.composer_activity("seen")
        steps.append(_markers(client))
        return steps
    assert arun(body()) == [[], [], [("bob@localhost", "m1")], [("bob@localhost", "m1")]]


def test_markers_can_be_turned_off_and_another_client_marking_first_counts() -> None:
    async def body() -> list[list[tuple[str, str]]]:
        off = await logged_in({"send_chat_markers": []})
        off.transport.receive(chat(BOB, "m1", "one", MARKABLE))
        off.api.chats.get("bob@localhost").composer_activity("seen")
        other = await logged_in()
        other.transport.receive(chat(BOB, "m1", "one", MARKABLE))
        other.transport.receive(carbon("sent", "<message xmlns='jabber:client' from='alice@localhost/phone' "
                                       "to='bob@localhost' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' "
                                       "id='m1'/></message>"))
        other.api.chats.get("bob@localhost").composer_activity("seen")
        return [_markers(off), _markers(other)]
    assert arun(body()) == [[], []]


def test_outgoing_messages_are_markable_and_a_contact_marker_reads_them_and_all_before() -> None:
    async def body() -> tuple[list[Any], list[tuple[str, bool, bool]], bool]:
        client = await logged_in()
        events: list[Any] = []
        client.api.listen.on("messageDisplayed", lambda box, m: events.append(m.body))
        box = client.api.chats.open("bob@localhost")
        one, two = box.send_message("one"), box.send_message("two")
        box.send_message("three")
        markable = parse(client.sent("message")[-1]).find("{urn:xmpp:chat-markers:0}markable") is not None
        marker = "<displayed xmlns='urn:xmpp:chat-markers:0' id='{}'/>"
        client.transport.receive(chat("eve@localhost/x", "e", None, marker.format(two.id)))  # forged: not bob
        client.transport.receive(chat(BOB, "d0", None, marker.format("unknown")))
        client.transport.receive(chat(BOB, "d1", None, marker.format(two.id)))
        client.transport.receive(chat(BOB, "d2", None, marker.format(two.id)))  # again: nothing new
        rows = [(m.body, m.displayed, m.delivered) for m in box.messages]
        updates: list[str] = []
        box.on_update(lambda _b, m, _c: updates.append(m.body))
        client.transport.receive(chat(BOB, "d3", None, marker.format(box.messages[-1].id)))
        assert updates == ["three"]  # the earlier ones were read already: their rows are left alone
        assert one.id
        return events, rows, markable
    events, rows, markable = arun(body())
    assert markable
    assert events == ["two", "three"]  # once each
    assert rows == [("one", True, True), ("two", True, True), ("three", False, False)]
