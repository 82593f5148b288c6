"""Replies (XEP-0461 + XEP-0428 fallback), retraction (XEP-0424) and spoilers (XEP-0382): stanzas
against the XEPs' examples, fallback stripping in code points, who may retract what, and archive
order (a retraction or a quoted original on an older page)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from converse_py.plugins.replies.stanzas import REPLY, Reply, add_reply, fallback_ranges, parse_reply, strip_fallback
from converse_py.plugins.retraction.stanzas import is_tombstone, retraction, retraction_of
from converse_py.plugins.spoilers.stanzas import add_spoiler, spoiler_hint
from converse_py.xmpp.stanza import canonical, message, parse, serialize

from .conftest import arun, settle
from .test_mam import _answer_query, _logged_in
from .test_message_stanza import ROOM, room_message

# -- stanzas: the XEPs' own examples ---------------------------------------------------------------

XEP_0461_EXAMPLE = ("<message xmlns='jabber:client' to='anna@example.com' id='message-id2' type='chat'>"
                    "<body>&gt; Anna wrote:\n&gt; We should bake a cake\nGreat idea!</body>"
                    "<reply to='anna@example.com/tablet' id='message-id1' xmlns='urn:xmpp:reply:0'/>"
                    "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                    "<body start='0' end='38'/></fallback></message>")


def test_a_reply_is_built_and_read_as_xep_0461_example_1() -> None:
    built = message(to="anna@example.com", type_="chat", body="Great idea!", id_="message-id2")
    add_reply(built, Reply("anna@example.com/tablet", "message-id1"), "> Anna wrote:\n> We should bake a cake\n")
    assert canonical(serialize(built)) == canonical(XEP_0461_EXAMPLE)
    example = parse(XEP_0461_EXAMPLE)
    assert parse_reply(example) == Reply("anna@example.com/tablet", "message-id1")
    assert strip_fallback(example.findtext("{jabber:client}body"), fallback_ranges(example, REPLY)) == "Great idea!"


def test_fallback_ranges_count_code_points_so_astral_characters_strip_exactly() -> None:
    # "> 🎂🎂 Anna:\n" is 11 code points (UTF-16 would count 13, UTF-8 bytes 17)
    body = "> 🎂🎂 Anna:\n😀 yes"
    stanza = parse("<message xmlns='jabber:client'><body>x</body><reply xmlns='urn:xmpp:reply:0' id='a'/>"
                   "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='11'/>"
                   "</fallback></message>")
    assert strip_fallback(body, fallback_ranges(stanza, REPLY)) == "😀 yes"


def test_a_fallback_range_out_of_bounds_overlapping_or_malformed_leaves_the_body_whole() -> None:
    def ranges(inner: str) -> list[tuple[int, int]] | None:
        return fallback_ranges(parse("<message xmlns='jabber:client'><fallback xmlns='urn:xmpp:fallback:0' "
                                     f"for='urn:xmpp:reply:0'>{inner}</fallback></message>"), REPLY)
    body = "> quote\nanswer"
    assert strip_fallback(body, ranges("<body start='0' end='99'/>")) == body
    assert strip_fallback(body, ranges("<body start='0' end='5'/><body start='3' end='8'/>")) == body
    assert strip_fallback(body, ranges("<body start='x' end='8'/>")) == body
    assert strip_fallback(body, ranges("<body start='8' end='2'/>")) == body
    assert strip_fallback(body, ranges("<body start='-1' end='8'/>")) == body
    # a fallback for another specification strips nothing of a reply
    other = parse("<message xmlns='jabber:client'><fallback xmlns='urn:xmpp:fallback:0' "
                  "for='urn:example:x'><body start='0' end='8'/></fallback></message>")
    assert strip_fallback(body, fallback_ranges(other, REPLY)) == body


XEP_0424_EXAMPLE_3 = ("<message xmlns='jabber:client' type='chat' to='lord@capulet.example' id='retract-message-1'>"
                      "<retract id='origin-id-1' xmlns='urn:xmpp:message-retract:1'/>"
                      "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
                      "<body>/me retracted a previous message, but it's unsupported by your client.</body>"
                      "<store xmlns='urn:xmpp:hints'/></message>")


def test_a_retraction_carries_both_forms_the_fallback_and_the_store_hint_as_xep_0424_shows() -> None:
    built = retraction("lord@capulet.example", "origin-id-1")
    built.set("id", "retract-message-1")
    ours = parse(serialize(built))
    example = parse(XEP_0424_EXAMPLE_3)
    # every element of the XEP's example, the same; plus the :0 form inside apply-to for older clients
    for child in example:
        twin = ours.find(child.tag)
        assert twin is not None and canonical(ET.tostring(twin, encoding="unicode")) == canonical(
            ET.tostring(child, encoding="unicode")), child.tag
    apply_to = ours.find("{urn:xmpp:fasten:0}apply-to")
    assert apply_to is not None and apply_to.get("id") == "origin-id-1"
    assert apply_to.find("{urn:xmpp:message-retract:0}retract") is not None
    assert retraction_of(example) == retraction_of(ours) == "origin-id-1"
    assert retraction_of(parse("<message xmlns='jabber:client' type='chat'>"
                               "<apply-to xmlns='urn:xmpp:fasten:0' id='o2'>"
                               "<retract xmlns='urn:xmpp:message-retract:0'/></apply-to></message>")) == "o2"
    assert retraction("room@muc.localhost", "S1", groupchat=True).get("type") == "groupchat"


def test_archive_tombstones_of_xep_0424_and_0425_are_recognised() -> None:
    assert is_tombstone(parse("<message xmlns='jabber:client' type='chat' id='origin-id-1'>"
                              "<retracted id='retract-message-1' stamp='2019-09-20T23:09:32Z' "
                              "xmlns='urn:xmpp:message-retract:1'/></message>"))
    assert is_tombstone(parse("<message xmlns='jabber:client' type='groupchat'>"
                              "<moderated by='room@muc/mod' xmlns='urn:xmpp:message-moderate:0'>"
                              "<retracted stamp='2019-09-20T23:09:32Z' xmlns='urn:xmpp:message-retract:0'/>"
                              "</moderated></message>"))
    assert not is_tombstone(parse("<message xmlns='jabber:client'><body>hi</body></message>"))


def test_a_spoiler_is_built_and_read_as_xep_0382_shows() -> None:
    built = message(to="romeo@montague.net/orchard", type_="chat", body="Both die.", id_="spoiler2")
    add_spoiler(built, "Love story end")
    assert canonical(serialize(built)) == canonical(
        "<message xmlns='jabber:client' to='romeo@montague.net/orchard' type='chat' id='spoiler2'>"
        "<body>Both die.</body><spoiler xmlns='urn:xmpp:spoiler:0'>Love story end</spoiler></message>")
    assert spoiler_hint(parse(serialize(add_spoiler(message(to="x@y", body="b"))))) == ""


# -- in a client ----------------------------------------------------------------------------------

def chat(frm: str, msg_id: str, inner: str) -> str:
    return (f'<message xmlns="jabber:client" from="{frm}" to="alice@localhost/web" type="chat" id="{msg_id}">'
            f'{inner}</message>')


RETRACT_BY = ('<retract id="{id}" xmlns="urn:xmpp:message-retract:1"/>'
              '<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:message-retract:1"/>'
              '<body>/me retracted a previous message</body><store xmlns="urn:xmpp:hints"/>')


def sent_messages(client: Any) -> list[ET.Element]:
    return [parse(x) for x in client.transport.sent if x.startswith("<message")]


def test_a_received_reply_quotes_its_original_and_hides_its_fallback_and_replying_sends_xep_0461() -> None:
    async def body() -> tuple[Any, Any, ET.Element]:
        client, _ = await _logged_in(())
        client.transport.receive(chat("bob@localhost/phone", "m1", "<body>We should bake a cake</body>"))
        client.transport.receive(chat("bob@localhost/phone", "m2", "<body>&gt; bob:\n&gt; We should bake a cake\n"
                                      "&lt;b&gt;Yes&lt;/b&gt;</body><reply xmlns='urn:xmpp:reply:0' to='bob@localhost' id='m1'/>"
                                      "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                                      "<body start='0' end='31'/></fallback>"))
        await settle()
        box = client.api.chats.get("bob@localhost")
        box.reply("m2", "Chocolate")
        await settle()
        return box.messages, box.get("reply_to"), sent_messages(client)[-1]
    rows, pending, sent = arun(body())
    assert [m.body for m in rows] == ["We should bake a cake", "<b>Yes</b>", "Chocolate"]
    assert rows[1].extras["reply"] == {"id": "m1", "to": "bob@localhost", "author": "bob@localhost",
                                       "text": "We should bake a cake"}
    assert rows[2].outgoing and rows[2].extras["reply"]["id"] == "m2"
    assert pending is None  # the composer's "Replying to" is done
    reply = sent.find("{urn:xmpp:reply:0}reply")
    assert reply is not None and (reply.get("to"), reply.get("id")) == ("bob@localhost", "m2")
    text = sent.findtext("{jabber:client}body") or ""
    fallback = sent.find("{urn:xmpp:fallback:0}fallback")
    assert fallback is not None and fallback.get("for") == REPLY
    span = fallback.find("{urn:xmpp:fallback:0}body")
    assert span is not None and span.get("start") == "0"
    assert text[int(span.get("end") or 0):] == "Chocolate" and text.startswith("> bob@localhost:\n> <b>Yes</b>\n")


def test_a_reply_whose_original_is_on_an_older_archive_page_gets_its_quote_when_that_page_comes() -> None:
    async def body() -> list[Any]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 1})
        box = client.api.chats.open("bob@localhost")
        await settle()
        _answer_query(client, [("a2", "bob@localhost/x", "alice@localhost", "&gt; x\nyes")],
                      extra={"a2": "<reply xmlns='urn:xmpp:reply:0' to='bob@localhost' id='m-a1'/>"
                                   "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                                   "<body start='0' end='4'/></fallback>"})
        await settle()
        before = dict(box.messages[0].extras["reply"])
        box.load_older()
        await settle()
        _answer_query(client, [("a1", "bob@localhost/x", "alice@localhost", "cake?")], complete=True)
        await settle()
        return [before, [(m.body, m.extras.get("reply")) for m in box.messages]]
    before, rows = arun(body())
    assert before["text"] is None  # "a message not loaded"
    assert rows == [("cake?", None), ("yes", {"id": "m-a1", "to": "bob@localhost", "author": "bob@localhost",
                                              "text": "cake?"})]


def test_a_sender_retracts_their_message_but_not_anyone_else_s_and_the_fallback_never_shows() -> None:
    async def body() -> tuple[list[Any], list[Any], ET.Element]:
        client, _ = await _logged_in(())
        retracted: list[Any] = []
        client.api.listen.on("messageRetracted", lambda box, m: retracted.append(m.id))
        client.transport.receive(chat("bob@localhost/phone", "m1", "<body>oops</body>"))
        box = client.api.chats.get("bob@localhost")
        mine = box.send_message("mine")
        await settle()
        client.transport.receive(chat("bob@localhost/phone", "r1", RETRACT_BY.format(id="m1")))
        client.transport.receive(chat("bob@localhost/phone", "r2", RETRACT_BY.format(id=mine.id)))  # not his
        client.transport.receive(chat("eve@localhost/x", "r3", RETRACT_BY.format(id="m1")))
        await settle()
        box.retract(mine.id)
        await settle()
        return [(m.body, m.extras.get("retracted", False)) for m in box.messages], retracted, sent_messages(client)[-1]
    rows, retracted, sent = arun(body())
    assert rows == [("", True), ("", True)]
    assert retracted[0] == "m1" and len(retracted) == 2
    assert sent.get("type") == "chat" and retraction_of(sent) and sent.find("{urn:xmpp:hints}store") is not None


def test_a_retraction_naming_someone_else_s_message_changes_nothing() -> None:
    async def body() -> list[Any]:
        client, _ = await _logged_in(())
        client.transport.receive(chat("bob@localhost/phone", "m1", "<body>hi</body>"))
        box = client.api.chats.get("bob@localhost")
        mine = box.send_message("mine")
        await settle()
        client.transport.receive(chat("bob@localhost/phone", "r2", RETRACT_BY.format(id=mine.id)))
        await settle()
        try:
            box.retract("m1")  # not the user's either
        except Exception as exc:
            assert "no message of yours" in str(exc)
        else:
            raise AssertionError("retracting bob's message did not fail")
        return [(m.body, m.extras.get("retracted", False)) for m in box.messages]
    assert arun(body()) == [("hi", False), ("mine", False)]


def test_in_a_room_the_occupant_id_decides_who_may_retract_else_the_nick() -> None:
    async def body() -> tuple[list[Any], ET.Element]:
        client, _ = await _logged_in(())
        room = client.api.rooms.open(ROOM, {"nick": "alice"})
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/alice" to="alice@localhost/web">'
                                 '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" '
                                 'role="participant"/><status code="110"/></x></presence>')
        await settle()
        client.transport.receive(room_message("bob", "S1", "<body>one</body>", "occ-bob"))
        client.transport.receive(room_message("bob", "S2", "<body>two</body>"))
        client.transport.receive(room_message("carol", "S3", "<body>three</body>", "occ-carol"))
        # a new "bob" (another occupant-id) may not retract the first bob's message; eve not carol's
        client.transport.receive(room_message("bob", "R1", RETRACT_BY.format(id="S1"), "occ-impostor"))
        client.transport.receive(room_message("eve", "R2", RETRACT_BY.format(id="S3"), "occ-eve"))
        # the real bob retracts S1 (occupant-id) and S2 (no occupant-id on it: the nick)
        client.transport.receive(room_message("bob", "R3", RETRACT_BY.format(id="S1"), "occ-bob"))
        client.transport.receive(room_message("bob", "R4", RETRACT_BY.format(id="S2"), "occ-bob"))
        mine = room.send_message("mine")
        await settle()
        # the room reflects the user's message with its stanza-id: that is what a retraction names
        client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/alice" to="alice@localhost/web" '
                                 f'type="groupchat" id="{mine.id}"><body>mine</body>'
                                 f'<origin-id xmlns="urn:xmpp:sid:0" id="{mine.id}"/>'
                                 f'<stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="S9"/></message>')
        await settle()
        room.retract(mine.id)
        return [(m.body, m.extras.get("retracted", False)) for m in room.messages], sent_messages(client)[-1]
    rows, sent = arun(body())
    assert rows == [("", True), ("", True), ("three", False), ("", True)]
    assert sent.get("type") == "groupchat" and retraction_of(sent) == "S9"


def test_archive_pages_apply_retractions_whose_message_is_on_an_older_page_and_show_tombstones() -> None:
    async def body() -> list[Any]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 2})
        box = client.api.chats.open("bob@localhost")
        await settle()
        _answer_query(client, [("a3", "bob@localhost/x", "alice@localhost", "/me retracted a previous message"),
                               ("a4", "bob@localhost/x", "alice@localhost", "still here")],
                      extra={"a3": '<retract id="m-a1" xmlns="urn:xmpp:message-retract:1"/>'
                                   '<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:message-retract:1"/>'})
        await settle()
        box.load_older()
        await settle()
        _answer_query(client, [("a1", "bob@localhost/x", "alice@localhost", "secret"),
                               ("a2", "bob@localhost/x", "alice@localhost", "kept")],
                      extra={"a2": "<retracted xmlns='urn:xmpp:message-retract:1' id='r' "
                                   "stamp='2026-03-01T12:05:00Z'/>"}, complete=True)
        await settle()
        return [(m.body, m.extras.get("retracted", False)) for m in box.messages]
    assert arun(body()) == [("", True), ("", True), ("still here", False)]


def test_a_spoiler_is_received_hidden_and_sent_with_its_hint() -> None:
    async def body() -> tuple[Any, ET.Element]:
        client, _ = await _logged_in(())
        client.transport.receive(chat("bob@localhost/phone", "m1", "<body>Both die.</body>"
                                      "<spoiler xmlns='urn:xmpp:spoiler:0'>Love story end</spoiler>"))
        await settle()
        box = client.api.chats.get("bob@localhost")
        box.send_spoiler("The butler did it", "Whodunit")
        await settle()
        return box.messages, sent_messages(client)[-1]
    rows, sent = arun(body())
    assert rows[0].extras["spoiler"] == {"hint": "Love story end", "shown": False}
    assert rows[1].extras["spoiler"] == {"hint": "Whodunit", "shown": False}
    assert sent.findtext("{urn:xmpp:spoiler:0}spoiler") == "Whodunit"


def test_rows_show_the_quote_as_text_the_tombstone_and_the_hidden_spoiler_and_buttons_act() -> None:
    from converse_py.dom.hooks import message_actions_for, message_parts_for
    from converse_py.dom.templates import message_item
    from converse_py.dom.ui_declaration import UIDeclaration
    from .conftest import Client

    async def body() -> tuple[list[str], list[str], Any]:
        client = Client()
        client.converse.plugins.add(UIDeclaration.name, UIDeclaration, core=True)
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        client.transport.receive(chat("bob@localhost/phone", "m1", "<body>&lt;img src=x onerror=alert(1)&gt;</body>"))
        client.transport.receive(chat("bob@localhost/phone", "m2", "<body>yes</body>"
                                      "<reply xmlns='urn:xmpp:reply:0' to='bob@localhost' id='m1'/>"))
        client.transport.receive(chat("bob@localhost/phone", "m3", "<body>Both die.</body>"
                                      "<spoiler xmlns='urn:xmpp:spoiler:0'>&lt;i&gt;end</spoiler>"))
        client.transport.receive(chat("bob@localhost/phone", "m4", "<body>gone</body>"))
        client.transport.receive(chat("bob@localhost/phone", "r4", RETRACT_BY.format(id="m4")))
        box = client.api.chats.get("bob@localhost")
        mine = box.send_message("mine")
        await settle()
        parts_for = message_parts_for(client.converse, box)
        actions_for = message_actions_for(client.converse, box)
        assert parts_for is not None and actions_for is not None
        rows = [str(message_item(m, parts=parts_for(m), actions=actions_for(m))) for m in box.messages]
        names = [[b["name"] for b in actions_for(m)] for m in box.messages]
        # the Retract action asks first; confirming sends the retraction
        retract = next(b for b in actions_for(box.messages[-1]) if b["name"] == "retract")
        retract["handler"](box, mine)
        confirming = str(message_item(box.messages[-1], parts=parts_for(box.messages[-1])))
        assert 'data-name="retract-confirm"' in confirming
        client.converse.trigger("messagePartClicked", box, box.messages[-1], "retract-confirm")
        client.converse.trigger("messagePartClicked", box, box.messages[2], "spoiler-show")
        return rows, [str(n) for n in names], box.messages
    rows, names, messages = arun(body())
    assert "onerror" not in rows[1].replace("onerror=alert(1)&gt;", "")  # the quote is text
    assert "&lt;img src=x onerror=alert(1)&gt;" in rows[1] and 'data-action="show-message"' in rows[1]
    assert 'data-ref="m1"' in rows[1] and "cpy-reply" in rows[1]
    assert "Spoiler: &lt;i&gt;end" in rows[2] and "Both die." not in rows[2]
    assert "bob@localhost removed a message" in rows[3]
    assert "gone" not in rows[3]
    assert names[0] == "['reply']" and names[4] == "['retract', 'reply']" and names[3] == "[]"
    assert messages[-1].extras.get("retracted") and messages[2].extras["spoiler"]["shown"]


def test_headlines_get_their_own_box_per_sender_never_answered_and_strangers_are_ignored() -> None:
    from converse_py.core.errors import ConverseError

    async def body() -> tuple[Any, Any, Any, list[Any]]:
        client, _ = await _logged_in(())
        opened: list[Any] = []
        client.api.listen.on("headlinesBoxOpened", lambda box: opened.append(box.get("jid")))
        client.transport.receive('<message xmlns="jabber:client" type="headline" from="localhost" '
                                 'to="alice@localhost"><subject>Maintenance</subject>'
                                 '<body>&lt;b&gt;at 10:00&lt;/b&gt;</body></message>')
        client.transport.receive('<message xmlns="jabber:client" type="headline" from="spam@localhost/x" '
                                 'to="alice@localhost"><body>buy now</body></message>')
        client.transport.receive('<message xmlns="jabber:client" type="headline" from="localhost" '
                                 'to="alice@localhost"><event xmlns="http://jabber.org/protocol/pubsub#event"/>'
                                 '</message>')  # no body, no subject: nothing to show
        client.transport.receive(chat("localhost", "c1", "<body>a chat from the server</body>"))
        await settle()
        return client.api.headlines.get("localhost"), client.api.headlines.get(), \
            client.api.chats.get("localhost"), opened
    box, every, chat_box, opened = arun(body())
    assert box.get("type") == "headline" and [m.body for m in box.messages] == ["Maintenance\n<b>at 10:00</b>"]
    assert every == [box] and opened == ["localhost"]
    assert chat_box is not None and chat_box is not box and [m.body for m in chat_box.messages] == [
        "a chat from the server"]
    try:
        box.send_message("reply")
    except ConverseError as exc:
        assert "cannot be answered" in str(exc)
    else:
        raise AssertionError("a headline box was answered")


def test_carbons_of_the_user_s_other_client_reply_and_retract_as_live_messages_do() -> None:
    from .conftest import carbon

    def sent(msg_id: str, inner: str) -> str:
        return carbon("sent", f"<message xmlns='jabber:client' from='alice@localhost/phone' to='bob@localhost' "
                              f"type='chat' id='{msg_id}'>{inner}</message>")

    async def body() -> list[Any]:
        client, _ = await _logged_in(())
        client.transport.receive(chat("bob@localhost/phone", "m1", "<body>cake?</body>"))
        client.transport.receive(sent("p1", "<body>&gt; bob:\n&gt; cake?\nyes!</body>"
                                            "<reply xmlns='urn:xmpp:reply:0' to='bob@localhost' id='m1'/>"
                                            "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                                            "<body start='0' end='15'/></fallback>"))
        client.transport.receive(sent("p2", "<body>typo</body>"))
        # the retraction from the phone: with its fallback body, and one without any body
        client.transport.receive(sent("p3", RETRACT_BY.format(id="p2")))
        client.transport.receive(sent("p4", '<retract id="p1" xmlns="urn:xmpp:message-retract:1"/>'))
        await settle()
        box = client.api.chats.get("bob@localhost")
        return [(m.body, m.outgoing, m.extras.get("retracted", False), (m.extras.get("reply") or {}).get("text"))
                for m in box.messages]
    assert arun(body()) == [("cake?", False, False, None), ("", True, True, "cake?"), ("", True, True, None)]
