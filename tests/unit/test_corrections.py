"""XEP-0308 last message correction: the correction sent, corrections received live, as carbons and
from the archive, and the ones refused (forged sender, unknown message)."""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.plugins.chats.models import ChatBox, ShownMessage
from converse_py.plugins.corrections.stanzas import add_replace, replace_id
from converse_py.plugins.chats.stanzas import chat_message
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, carbon, chat, logged_in

BOB = "bob@localhost/phone"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def replace(msg_id: str) -> str:
    return f"<replace xmlns='urn:xmpp:message-correct:0' id='{msg_id}'/>"


def test_correction_matches_example_2_plus_our_origin_id() -> None:
    built = add_replace(chat_message("juliet@capulet.net/balcony",
                                     "But soft, what light through yonder window breaks?"), "bad1")
    built.set("id", "good1")
    built.find("origin-id").set("id", "good1")
    assert canonical(serialize(built)) == canonical(
        "<message xmlns='jabber:client' to='juliet@capulet.net/balcony' id='good1' type='chat'>"
        "<body>But soft, what light through yonder window breaks?</body>"
        "<origin-id xmlns='urn:xmpp:sid:0' id='good1'/>"
        "<replace id='bad1' xmlns='urn:xmpp:message-correct:0'/></message>")
    assert replace_id(parse(chat(BOB, "x", "y", "<replace xmlns='urn:xmpp:message-correct:0'/>"))) == ""
    with pytest.raises(ValueError):
        add_replace(chat_message("bob@localhost", "x"), "")


def test_the_model_applies_only_corrections_by_the_same_sender_of_known_messages() -> None:
    box = ChatBox("bob@localhost")
    updates: list[tuple[str, tuple[str, ...]]] = []
    box.on_update(lambda _b, m, changed: updates.append((m.body, changed)))
    box.add_messages([ShownMessage("m1", "bob@localhost", "teh", T0, False)])
    added = box.add_messages([
        ShownMessage("c0", "eve@localhost", "forged", T0, False, replaces="m1"),   # another sender
        ShownMessage("c1", "bob@localhost", "nothing", T0, False, replaces="zz"),  # unknown message
        ShownMessage("c2", "bob@localhost", "the", T0, False, replaces="m1"),
        ShownMessage("c2", "bob@localhost", "the", T0, False, replaces="m1"),      # seen: dedupe
        ShownMessage("c3", "bob@localhost", "the!", T0, False, replaces="c2"),     # names the correction
    ])
    assert added == []
    assert [(m.body, m.edited) for m in box.messages] == [("the!", True)]
    assert updates == [("the", ("body", "edited")), ("the!", ("body",))]


def test_an_archived_correction_waits_for_its_original_on_an_older_page() -> None:
    box = ChatBox("bob@localhost")
    box.add_messages([ShownMessage("c1", "bob@localhost", "fixed", T0, False, stanza_id="A2", replaces="m1",
                                   archived=True)], older=True)
    assert box.messages == []
    box.add_messages([ShownMessage("m1", "bob@localhost", "fixd", T0, False, stanza_id="A1", archived=True)],
                     older=True)
    assert [(m.body, m.edited) for m in box.messages] == [("fixed", True)]


async def _with_bob_message() -> tuple[Client, Any, list[Any]]:
    client = await logged_in()
    events: list[Any] = []
    client.api.listen.on("messageCorrected", lambda box, m: events.append((box.get("jid"), m.body, m.edited)))
    client.transport.receive(chat(BOB, "m1", "helo"))
    return client, client.api.chats.get("bob@localhost"), events


def test_incoming_corrections_live_and_as_carbons_update_the_row_and_never_add_one() -> None:
    async def body() -> tuple[list[Any], list[Any]]:
        client, box, events = await _with_bob_message()
        client.transport.receive(chat(BOB, "c1", "hello", replace("m1")))
        client.transport.receive(chat("eve@localhost/x", "c2", "pwned", replace("m1")))  # forged
        client.transport.receive(chat(BOB, "c3", "ghost", replace("nope")))  # unknown: not shown
        client.transport.receive(carbon("received", chat("bob@localhost/laptop", "c4", "hello!", replace("m1"))))
        return events, [(m.body, m.edited) for m in box.messages]
    events, rows = arun(body())
    assert rows == [("hello!", True)]
    assert events == [("bob@localhost", "hello", True), ("bob@localhost", "hello!", True)]


def test_correcting_the_last_message_sends_a_replace_and_updates_it() -> None:
    async def body() -> tuple[Client, list[Any], Any]:
        client, box, events = await _with_bob_message()
        sent = box.send_message("wrnog")
        corrected = box.model.correct_message("wrong, sorry")
        again = box.correct_message("right")
        return client, events, (sent, corrected, again, list(box.messages))
    client, events, (sent, corrected, again, rows) = arun(body())
    stanzas = [parse(x) for x in client.sent("message") if "message-correct" in x]
    assert [(s.find("{jabber:client}body").text, s.find("{urn:xmpp:message-correct:0}replace").get("id"))
            for s in stanzas] == [("wrong, sorry", sent.id), ("right", sent.id)]
    assert all(s.find("{urn:xmpp:receipts}request") is not None for s in stanzas)
    assert (corrected.id, corrected.body, corrected.edited) == (sent.id, "wrong, sorry", True)
    assert [(m.body, m.outgoing) for m in rows] == [("helo", False), ("right", True)]
    assert events[-2:] == [("bob@localhost", "wrong, sorry", True), ("bob@localhost", "right", True)]


async def _sent_and_corrected(text: str, correction: str) -> tuple[Client, ChatBox, ShownMessage, Any]:
    """alice sends ``text`` to bob and corrects it: the client, box, sent message, correction stanza."""
    client = await logged_in()
    box = client.api.chats.open("bob@localhost")
    sent = box.send_message(text)
    box.correct_message(correction)
    return client, box, sent, parse([x for x in client.sent("message") if "message-correct" in x][-1])


def test_a_receipt_naming_the_correction_marks_the_original_and_its_carbon_is_not_a_new_row() -> None:
    async def body() -> list[Any]:
        client, box, sent, correction = await _sent_and_corrected("one", "uno")
        client.transport.receive(chat(BOB, "r", None,
                                      f"<received xmlns='urn:xmpp:receipts' id='{correction.get('id')}'/>"))
        # the user's other client sends a correction of the same message: shown as an edit
        client.transport.receive(carbon("sent", "<message xmlns='jabber:client' from='alice@localhost/phone' "
                                        f"to='bob@localhost' type='chat' id='c9'><body>eins</body>"
                                        f"{replace(sent.id)}</message>"))
        return [(m.body, m.delivered, m.edited) for m in box.messages]
    assert arun(body()) == [("eins", True, True)]


def test_an_earlier_correction_coming_back_from_the_archive_does_not_undo_a_later_one() -> None:
    async def body() -> list[Any]:
        _client, box, sent, first = await _sent_and_corrected("a", "b")
        box.correct_message("c")
        box.add_messages([ShownMessage(first.get("id") or "", "alice@localhost", "b", T0, True,
                                       origin_id=first.get("id") or "", stanza_id="A9", replaces=sent.id,
                                       archived=True)], newer=True)
        return [(m.body, m.edited) for m in box.messages]
    assert arun(body()) == [("c", True)]


def test_corrections_refused_by_setting_or_without_a_message() -> None:
    async def body() -> list[str]:
        errors = []
        client = await logged_in({"allow_message_corrections": "last"})
        box = client.api.chats.open("bob@localhost")
        for call in (lambda: box.correct_message("x"),
                     lambda: box.correct_message("x", "unknown")):
            try:
                call()
            except ConverseError as exc:
                errors.append(str(exc))
        first = box.send_message("first")
        box.send_message("second")
        for call in (lambda: box.correct_message("x", first.id), lambda: box.correct_message("  ")):
            try:
                call()
            except ConverseError as exc:
                errors.append(str(exc))
        off = await logged_in({"allow_message_corrections": False})
        off_box = off.api.chats.open("bob@localhost")
        off_box.send_message("x")
        try:
            off_box.correct_message("y")
        except ConverseError as exc:
            errors.append(str(exc))
        return errors
    errors = arun(body())
    assert len(errors) == 5
    assert "no message of yours" in errors[0] and "'unknown'" in errors[1]
    assert "only the last" in errors[2] and "needs some text" in errors[3] and "off" in errors[4]
