"""``ChatBox.find_target``: the newest shown message a stanza-id, origin-id or id names, as later
stanzas (reactions, replies, retractions) point at it, kept in an index rather than found by a walk
back through the messages. These check that the index answers as that walk did."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from converse_py.plugins.chats.models import ChatBox, ShownMessage

T0 = datetime(2026, 12, 6, 12, tzinfo=UTC)


def message(msg_id: str, minute: int, *, stanza_id: str = "", origin_id: str = "", sender: str = "bob@localhost",
            body: str = "") -> ShownMessage:
    return ShownMessage(msg_id, sender, body or msg_id, T0 + timedelta(minutes=minute), False,
                        stanza_id=stanza_id, origin_id=origin_id)


def walk_back(box: ChatBox, ref: str) -> ShownMessage | None:
    """What find_target answered before the index: the newest message with ``ref`` in any id."""
    return next((m for m in reversed(box.messages) if ref in (m.stanza_id, m.origin_id, m.id)), None)


def test_each_id_of_a_message_finds_it_and_an_unknown_one_finds_nothing() -> None:
    box = ChatBox("bob@localhost")
    box.add_messages([message("m1", 1, stanza_id="S1", origin_id="O1")])
    assert [box.find_target(ref).body for ref in ("m1", "S1", "O1")] == ["m1"] * 3  # type: ignore[union-attr]
    assert box.find_target("nope") is None and box.find_target("") is None


def test_a_reused_id_names_the_newest_message_live_or_from_an_older_archive_page() -> None:
    box = ChatBox("bob@localhost")
    box.add_messages([message("1", 5, sender="bob@localhost", body="bob's")])
    box.add_messages([message("1", 6, sender="carol@localhost", body="carol's")])
    box.add_messages([message("1", 1, sender="dave@localhost", body="dave's (older page)")], older=True)
    assert box.find_target("1") is walk_back(box, "1")
    assert box.find_target("1").body == "carol's"  # type: ignore[union-attr]


def test_messages_arriving_out_of_order_are_found_as_the_walk_finds_them() -> None:
    box = ChatBox("bob@localhost")
    box.add_messages([message("a", 1), message("b", 10)])
    box.add_messages([message("c", 5, stanza_id="shared"), message("d", 3, stanza_id="shared")])
    for ref in ("a", "b", "c", "d", "shared"):
        assert box.find_target(ref) is walk_back(box, ref)


def test_an_updated_message_is_found_as_it_is_now() -> None:
    box = ChatBox("bob@localhost")
    [original] = box.add_messages([message("m1", 1)])
    edited = box.update_message(original, body="edited")
    assert box.find_target("m1") is edited
    with_stanza_id = box.update_message(edited, stanza_id="S9")  # a room's reflection names it
    assert box.find_target("S9") is with_stanza_id and box.find_target("m1") is with_stanza_id


def test_a_correction_s_id_finds_the_message_it_corrected() -> None:
    box = ChatBox("bob@localhost")
    box.add_messages([message("m1", 1)])
    box.add_messages([ShownMessage("m2", "bob@localhost", "fixed", T0 + timedelta(minutes=2), False, replaces="m1")])
    assert box.find_target("m2").body == "fixed"  # type: ignore[union-attr]


def test_cleared_messages_are_not_found() -> None:
    box = ChatBox("bob@localhost")
    box.add_messages([message("m1", 1)])
    box.clear_messages()
    assert box.find_target("m1") is None


def test_ids_a_message_gains_or_loses_are_found_as_the_walk_finds_them() -> None:
    box = ChatBox("room@muc.localhost")
    [first] = box.add_messages([message("a", 1)])
    [second] = box.add_messages([message("b", 2, stanza_id="S-taken")])
    reflected = box.update_message(first, stanza_id="S-new")  # a fresh id: no other message has it
    assert box.find_target("S-new") is reflected is walk_back(box, "S-new")
    clashing = box.update_message(reflected, stanza_id="S-taken")  # the newer message keeps its own
    assert box.find_target("S-taken") is walk_back(box, "S-taken") is second
    assert box.find_target("S-new") is walk_back(box, "S-new") is None
    assert box.find_target("a") is clashing
