"""The ``messageStanza`` hook: every message stanza of a box passes its listeners once, from every
source (live, carbon, archive, sent; chats and rooms), with or without a body; a listener can
change an earlier message (``box.change_message``, which waits for messages not loaded yet) and
consume the stanza; rows with extras ask ``getMessageParts``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from converse_py.plugins.chats.message_stanza import MessageStanza
from converse_py.plugins.chats.models import MAX_WAITING_CHANGES, ChatBox, ShownMessage

from .conftest import Client, arun, settle
from .test_mam import _answer_query, _logged_in, _sent_iqs

STAR = "urn:example:star"


def star_plugin(client: Client) -> list[tuple[str, bool, str, str | None]]:
    """A made-up extension as a plugin would write it: ``<star id=…/>`` marks the message it names
    (only the sender's own messages; no row for the star); ``<hidden/>`` messages show no row."""
    seen: list[tuple[str, bool, str, str | None]] = []

    def on_stanza(context: MessageStanza, shown: ShownMessage | None) -> None:
        seen.append((context.source, context.outgoing, context.sender, shown.body if shown else None))
        star = context.stanza.find(f"{{{STAR}}}star")
        if star is not None:
            sender = context.sender

            def mark(target: ShownMessage) -> dict[str, Any] | None:
                if target.sender != sender:
                    return None  # nobody stars someone else's message
                return {"extras": {**target.extras, "starred": True}}
            context.box.change_message(star.get("id") or "", mark)
            context.consume()
        elif context.stanza.find(f"{{{STAR}}}hidden") is not None:
            context.consume()
    client.api.listen.on("messageStanza", on_stanza)
    return seen


def message(frm: str, msg_id: str, inner: str) -> str:
    return (f'<message xmlns="jabber:client" from="{frm}" to="alice@localhost/web" type="chat" id="{msg_id}">'
            f'{inner}</message>')


def test_live_stanzas_with_and_without_a_body_pass_the_hook_and_can_change_an_earlier_message() -> None:
    async def body() -> tuple[list[Any], list[tuple[str, bool]], list[tuple[str, bool, str, str | None]]]:
        client, _ = await _logged_in(())
        seen = star_plugin(client)
        client.transport.receive(message("bob@localhost/phone", "m1", "<body>hi</body>"))
        client.transport.receive(message("bob@localhost/phone", "m2", "<body>also</body>"))
        box = client.api.chats.get("bob@localhost")
        box.send_message("mine")
        await settle()
        client.transport.receive(message("bob@localhost/phone", "s1", f'<star xmlns="{STAR}" id="m1"/>'))
        # bob may not star alice's message; a hidden message shows no row
        client.transport.receive(message("bob@localhost/phone", "s2",
                                         f'<star xmlns="{STAR}" id="{box.messages[-1].id}"/>'))
        client.transport.receive(message("bob@localhost/phone", "h1", f'<body>fallback</body><hidden xmlns="{STAR}"/>'))
        await settle()
        return [m.extras.get("starred", False) for m in box.messages], \
            [(m.body, m.outgoing) for m in box.messages], seen
    starred, rows, seen = arun(body())
    assert rows == [("hi", False), ("also", False), ("mine", True)]
    assert starred == [True, False, False]
    assert seen[:3] == [("live", False, "bob@localhost", "hi"), ("live", False, "bob@localhost", "also"),
                        ("sent", True, "alice@localhost", "mine")]
    assert seen[3:] == [("live", False, "bob@localhost", None), ("live", False, "bob@localhost", None),
                        ("live", False, "bob@localhost", "fallback")]


def archived(query_id: str, aid: str, frm: str, inner: str, minute: int) -> str:
    return (f'<message xmlns="jabber:client" to="alice@localhost/web" from="alice@localhost">'
            f'<result xmlns="urn:xmpp:mam:2" queryid="{query_id}" id="{aid}"><forwarded xmlns="urn:xmpp:forward:0">'
            f'<delay xmlns="urn:xmpp:delay" stamp="2026-03-01T12:{minute:02d}:00Z"/>'
            f'<message xmlns="jabber:client" type="chat" from="{frm}" to="alice@localhost" id="m-{aid}">{inner}'
            f'</message></forwarded></result></message>')


def test_an_archived_change_waits_for_its_message_on_an_older_page() -> None:
    async def body() -> tuple[list[tuple[str, bool]], list[str]]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 2})
        seen = star_plugin(client)
        box = client.api.chats.open("bob@localhost")
        await settle()
        request = _sent_iqs(client, "{urn:xmpp:mam:2}query")[-1]
        qid = request.find("{urn:xmpp:mam:2}query").get("queryid")  # type: ignore[union-attr]
        # the newest page: a star for m-a1 (on the page before) and one for m-a3 (on this page)
        for aid, inner, minute in (("a3", "<body>three</body>", 3),
                                   ("a4", f'<star xmlns="{STAR}" id="m-a1"/><star xmlns="{STAR}" id="m-a3"/>', 4)):
            client.transport.receive(archived(qid or "", aid, "bob@localhost/x", inner, minute))
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{request.get("id")}">'
                                 '<fin xmlns="urn:xmpp:mam:2"><set xmlns="http://jabber.org/protocol/rsm">'
                                 '<first>a3</first><last>a4</last></set></fin></iq>')
        await settle()
        box.load_older()
        await settle()
        _answer_query(client, [("a1", "bob@localhost/x", "alice@localhost", "one"),
                               ("a2", "bob@localhost/x", "alice@localhost", "two")], complete=True)
        await settle()
        return [(m.body, bool(m.extras.get("starred"))) for m in box.messages], [s[0] for s in seen]
    rows, sources = arun(body())
    # only the first star of a4 was seen by find(): the plugin reads one star per stanza
    assert rows == [("one", True), ("two", False), ("three", False)]
    assert set(sources) == {"archive"}


def test_waiting_changes_are_bounded_and_a_failing_change_loses_no_message() -> None:
    box = ChatBox("bob@localhost")
    for n in range(MAX_WAITING_CHANGES + 10):
        box.change_message(f"gone-{n}", lambda m: {"extras": {"x": 1}})
    assert sum(len(v) for v in box._waiting_changes.values()) == MAX_WAITING_CHANGES
    assert "gone-0" not in box._waiting_changes and f"gone-{MAX_WAITING_CHANGES + 9}" in box._waiting_changes

    def broken(_m: ShownMessage) -> dict[str, Any]:
        raise RuntimeError("plugin bug")
    box.change_message("m1", broken)
    shown = box.add_messages([ShownMessage("m1", "bob@localhost", "hi", datetime.now(UTC), False)])
    assert [m.body for m in shown] == ["hi"] and box.messages[0].extras == {}


ROOM = "room@muc.localhost"


def room_message(nick: str, sid: str, inner: str, occupant: str = "") -> str:
    occ = f'<occupant-id xmlns="urn:xmpp:occupant-id:0" id="{occupant}"/>' if occupant else ""
    return (f'<message xmlns="jabber:client" from="{ROOM}/{nick}" to="alice@localhost/web" type="groupchat" '
            f'id="{sid}-o">{inner}<stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="{sid}"/>{occ}</message>')


def test_room_messages_pass_the_hook_with_their_stanza_and_occupant_ids() -> None:
    async def body() -> tuple[list[tuple[str, bool]], list[Any], list[tuple[str, str]]]:
        client, _ = await _logged_in(())
        seen = star_plugin(client)
        ids: list[tuple[str, str]] = []
        client.api.listen.on("messageStanza", lambda ctx, shown: ids.append((ctx.stanza_id, ctx.occupant_id)))
        room = client.api.rooms.open(ROOM, {"nick": "alice"})
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/alice" to="alice@localhost/web">'
                                 '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" '
                                 'role="participant"/><status code="110"/></x></presence>')
        await settle()
        client.transport.receive(room_message("bob", "S1", "<body>hello room</body>", "occ-bob"))
        client.transport.receive(room_message("bob", "S2", f'<star xmlns="{STAR}" id="S1"/>', "occ-bob"))
        client.transport.receive(room_message("eve", "S3", f'<star xmlns="{STAR}" id="S1"/>', "occ-eve"))
        room.send_message("hi all")
        await settle()
        return [(m.body, bool(m.extras.get("starred"))) for m in room.messages], seen, ids
    rows, seen, ids = arun(body())
    assert rows == [("hello room", True), ("hi all", False)]
    assert [s[:3] for s in seen] == [("live", False, "bob"), ("live", False, "bob"), ("live", False, "eve"),
                                     ("sent", True, "alice")]
    assert ids[:3] == [("S1", "occ-bob"), ("S2", "occ-bob"), ("S3", "occ-eve")]


def test_a_context_reads_as_a_plain_object_for_js_listeners() -> None:
    class Bridge:
        def to_js(self, value: Any) -> Any:
            return type("Obj", (), dict(value))() if isinstance(value, dict) else value

        def method(self, fn: Any) -> Any:
            return fn
    context = MessageStanza(ChatBox("bob@localhost"), ET.Element("message"), "live", False, "bob@localhost")
    facade = context.js_facade(Bridge())
    assert facade.source == "live" and facade.sender == "bob@localhost"
    facade.consume()
    assert context.consumed
