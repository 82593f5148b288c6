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


# -- received and acknowledged (XEP-0333 0.4), ticks from archive pages -------------------------

def _sent_markers(client: Client, kind: str) -> list[tuple[str, str]]:
    found = []
    for xml in client.sent("message"):
        element_ = parse(xml).find(f"{{urn:xmpp:chat-markers:0}}{kind}")
        if element_ is not None:
            found.append((parse(xml).get("to") or "", element_.get("id") or ""))
    return found


def test_received_marker_matches_the_xep_example_and_marker_of_reads_all_three() -> None:
    from converse_py.plugins.markers.stanzas import marker, marker_of
    sent = marker("received", "northumberland@shakespeare.lit/westminster", "message-1", type_=None,
                  id_="message-2", store=False)
    sent.set("from", "kingrichard@royalty.england.lit/throne")
    # XEP-0333 (0.4) Example 2, the recipient's client saying it received message-1
    assert canonical(serialize(sent)) == canonical(
        "<message xmlns='jabber:client' from='kingrichard@royalty.england.lit/throne' id='message-2'"
        " to='northumberland@shakespeare.lit/westminster'>"
        "<received xmlns='urn:xmpp:chat-markers:0' id='message-1'/></message>")
    for kind in ("received", "displayed", "acknowledged"):
        xml = (f"<message xmlns='jabber:client' from='kingrichard@royalty.england.lit/throne' id='message-2' "
               f"to='northumberland@shakespeare.lit/westminster'><{kind} xmlns='urn:xmpp:chat-markers:0' "
               f"id='message-1'/></message>")
        assert marker_of(parse(xml)) == (kind, "message-1")
    assert marker_of(parse(chat(BOB, "x", None, "<received xmlns='urn:xmpp:chat-markers:0'/>"))) is None


def test_a_live_markable_message_is_answered_with_received_unless_a_receipt_answers_it() -> None:
    async def body() -> list[list[tuple[str, str]]]:
        client = await logged_in()
        client.transport.receive(chat(BOB, "m1", "one", MARKABLE))
        client.transport.receive(chat(BOB, "m2", "two", MARKABLE + "<request xmlns='urn:xmpp:receipts'/>"))
        client.transport.receive(carbon("received", chat(BOB, "m3", "carbon", MARKABLE)))
        off = await logged_in({"send_chat_markers": ["displayed"]})
        off.transport.receive(chat(BOB, "m1", "one", MARKABLE))
        return [_sent_markers(client, "received"), _sent_markers(off, "received")]
    assert arun(body()) == [[("bob@localhost", "m1")], []]


def test_incoming_received_marks_delivered_and_acknowledged_marks_read() -> None:
    async def body() -> list[tuple[str, bool, bool]]:
        client = await logged_in()
        delivered: list[str] = []
        client.api.listen.on("messageDelivered", lambda box, m: delivered.append(m.body))
        box = client.api.chats.open("bob@localhost")
        one, two, three = box.send_message("one"), box.send_message("two"), box.send_message("three")
        assert one and two and three
        client.transport.receive(chat(BOB, "r1", None, f"<received xmlns='urn:xmpp:chat-markers:0' id='{one.id}'/>"))
        client.transport.receive(chat(BOB, "a1", None,
                                      f"<acknowledged xmlns='urn:xmpp:chat-markers:0' id='{two.id}'/>"))
        assert delivered == ["one"]
        return [(m.body, m.delivered, m.displayed) for m in box.messages]
    assert arun(body()) == [("one", True, True), ("two", True, True), ("three", False, False)]


def _archive_result(query_id: str, stanza_id: str, inner: str) -> str:
    return (f"<message xmlns='jabber:client' from='alice@localhost' to='alice@localhost/web'>"
            f"<result xmlns='urn:xmpp:mam:2' queryid='{query_id}' id='{stanza_id}'>"
            f"<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-01T10:00:0{stanza_id[-1]}Z'/>"
            f"{inner}</forwarded></result></message>")


def test_markers_in_an_archive_page_restore_the_ticks_of_the_archived_messages() -> None:
    from converse_py.plugins.mam.plugin import MamState
    from converse_py.plugins.chats.plugin import ChatsState
    from .conftest import settle

    async def body() -> list[tuple[str, bool, bool]]:
        client = await logged_in()
        mam = client.converse.get(MamState)
        mam.supported = lambda: _true()  # type: ignore[method-assign]
        box = client.converse.get(ChatsState).open("bob@localhost")
        await settle()
        query = [x for x in client.sent("iq") if "urn:xmpp:mam:2" in x][-1]
        query_id = parse(query).find("{urn:xmpp:mam:2}query").get("queryid")  # type: ignore[union-attr]
        iq_id = parse(query).get("id")
        own = "<message xmlns='jabber:client' from='alice@localhost/old' to='bob@localhost' type='chat' id='{0}'>" \
              "<body>{0}</body></message>"
        bob = "<message xmlns='jabber:client' from='bob@localhost/phone' to='alice@localhost/old' type='chat' " \
              "id='{0}'>{1}</message>"
        for stanza_id, inner in (("A1", own.format("o1")), ("A2", own.format("o2")), ("A3", own.format("o3")),
                                 ("A4", bob.format("x1", "<received xmlns='urn:xmpp:receipts' id='o3'/>")),
                                 ("A5", bob.format("x2", "<displayed xmlns='urn:xmpp:chat-markers:0' id='o2'/>"))):
            client.transport.receive(_archive_result(query_id or "", stanza_id, inner))
        client.transport.receive(f"<iq xmlns='jabber:client' type='result' id='{iq_id}' from='alice@localhost'>"
                                 "<fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>")
        await settle()
        return [(m.body, m.delivered, m.displayed) for m in box.messages]
    assert arun(body()) == [("o1", True, True), ("o2", True, True), ("o3", True, False)]


async def _true() -> bool:
    return True
