"""XEP-0444 message reactions: stanzas as the XEP shows them, one set per sender replacing the
last, nobody changing anyone else's, from every source (live, carbons, archive pages, rooms), the
user's own sent as standard stanzas, a room's restrictions, and hostile values ignored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.dom.templates import MessageParts
from converse_py.plugins.reactions.plugin import ReactionsState
from converse_py.plugins.reactions.stanzas import parse_reactions, reactions_message
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, carbon, chat, logged_in, settle
from .test_mam import _answer_query, _logged_in, _sent_iqs

NS = "urn:xmpp:reactions:0"
BOB = "bob@localhost"
ROOM = "room@muc.localhost"


def reactions(target: str, *emojis: str) -> str:
    return f"<reactions xmlns='{NS}' id='{target}'>" + "".join(f"<reaction>{e}</reaction>" for e in emojis) \
        + "</reactions><store xmlns='urn:xmpp:hints'/>"


def sent_reactions(client: Client) -> list[ET.Element]:
    return [el for el in (parse(x) for x in client.sent("message")) if el.find(f"{{{NS}}}reactions") is not None]


def chips(message: Any) -> list[tuple[str, int, tuple[str, ...], bool]]:
    state = ReactionsState.__new__(ReactionsState)
    return [(s["emoji"], s["count"], tuple(s["reactors"]), s["mine"]) for s in state.summary_of(message)]


# -- stanzas ---------------------------------------------------------------------------------------
def test_the_reactions_element_is_read_and_written_as_xep_0444_examples_2_and_3_show() -> None:
    example_2 = ("<message xmlns='jabber:client' to='romeo@capulet.net/orchard' "
                 "id='96d73204-a57a-11e9-88b8-4889e7820c76' type='chat'>"
                 "<reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'>"
                 "<reaction>👋</reaction><reaction>🐢</reaction></reactions>"
                 "<store xmlns='urn:xmpp:hints'/></message>")
    parsed = parse_reactions(parse(example_2))
    assert parsed is not None and parsed.target == "744f6e18-a57a-11e9-a656-4889e7820c76"
    assert parsed.emojis == ("👋", "🐢")
    built = reactions_message("romeo@capulet.net/orchard", "chat", "744f6e18-a57a-11e9-a656-4889e7820c76",
                              ["👋", "🐢"], msg_id="96d73204-a57a-11e9-88b8-4889e7820c76")
    assert canonical(serialize(built)) == canonical(example_2)
    # Example 3: all reactions removed is an empty <reactions/>
    removal = parse(serialize(reactions_message("romeo@capulet.net/orchard", "chat",
                                                "744f6e18-a57a-11e9-a656-4889e7820c76", [], msg_id="x")))
    assert parse_reactions(removal) == ("744f6e18-a57a-11e9-a656-4889e7820c76", ())
    assert list(removal.find(f"{{{NS}}}reactions") or []) == []


def test_hostile_reaction_values_are_left_out_and_a_flood_is_capped() -> None:
    hostile = parse(f"<message xmlns='jabber:client' type='chat'><reactions xmlns='{NS}' id='m1'>"
                    "<reaction>&lt;img src=x onerror=alert(1)&gt;</reaction><reaction>not an emoji</reaction>"
                    f"<reaction>{'👍' * 500}</reaction><reaction>👍</reaction><reaction>👍</reaction>"
                    "<reaction><b>🎉</b></reaction></reactions></message>")
    assert parse_reactions(hostile) == ("m1", ("👍",))
    flood = "".join(f"<reaction>{chr(0x1F600 + n % 80)}</reaction>" for n in range(1000))
    parsed = parse_reactions(parse(f"<message xmlns='jabber:client'><reactions xmlns='{NS}' id='m1'>{flood}"
                                   "</reactions></message>"))
    assert parsed is not None and len(parsed.emojis) == 20 and len(set(parsed.emojis)) == 20
    assert parse_reactions(parse(f"<message xmlns='jabber:client'><reactions xmlns='{NS}'>"
                                 "<reaction>👍</reaction></reactions></message>")) is None  # names no message


# -- one-to-one chats ------------------------------------------------------------------------------
def test_a_contacts_reactions_replace_their_last_set_and_an_empty_set_removes_them() -> None:
    async def body() -> tuple[list[Any], list[Any], list[Any], list[Any], int]:
        client = await logged_in()
        changed: list[Any] = []
        client.api.listen.on("reactionsChanged", lambda box, message, r: changed.append(r))
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hello"))
        await settle()
        box = client.api.chats.get(BOB)
        client.transport.receive(chat(f"{BOB}/phone", "r1", None, reactions("m1", "👍", "🐢")))
        await settle()
        first = chips(box.messages[0])
        client.transport.receive(chat(f"{BOB}/phone", "r2", None, reactions("m1", "🐢")))
        await settle()
        second = chips(box.messages[0])
        client.transport.receive(chat(f"{BOB}/phone", "r3", None, reactions("m1")))
        await settle()
        return first, second, chips(box.messages[0]), changed, len(box.messages)
    first, second, third, changed, rows = arun(body())
    assert first == [("👍", 1, (BOB,), False), ("🐢", 1, (BOB,), False)]
    assert second == [("🐢", 1, (BOB,), False)]
    assert third == [] and rows == 1  # no row for a reaction
    assert [[r["emoji"] for r in event] for event in changed] == [["👍", "🐢"], ["🐢"], []]


def test_the_users_reaction_is_sent_as_a_standard_stanza_and_toggling_sends_the_reduced_set() -> None:
    async def body() -> tuple[list[ET.Element], list[Any], list[Any], list[str]]:
        client = await logged_in()
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hello"))
        client.transport.receive(chat(f"{BOB}/phone", "r1", None, reactions("m1", "👍")))
        await settle()
        box = client.api.chats.get(BOB)
        assert client.api.reactions.toggle(BOB, "m1", "👍") == ["👍"]
        both = chips(box.messages[0])
        client.api.reactions.toggle(BOB, "m1", "🎉")
        client.api.reactions.toggle(BOB, "m1", "👍")
        result = client.api.reactions.get(BOB, "m1")
        cleared = client.api.reactions.set(BOB, "m1", [])
        return sent_reactions(client), both, result, cleared
    sent, both, result, cleared = arun(body())
    assert both == [("👍", 2, (BOB, "you"), True)]
    assert [(m.get("to"), m.get("type"), m.find(f"{{{NS}}}reactions").get("id"),  # type: ignore[union-attr]
             [r.text for r in m.iter(f"{{{NS}}}reaction")]) for m in sent] == [
        (BOB, "chat", "m1", ["👍"]), (BOB, "chat", "m1", ["👍", "🎉"]), (BOB, "chat", "m1", ["🎉"]),
        (BOB, "chat", "m1", [])]
    assert all(m.find("{urn:xmpp:hints}store") is not None for m in sent)
    assert result == [{"emoji": "👍", "count": 1, "reactors": [BOB], "mine": False},
                      {"emoji": "🎉", "count": 1, "reactors": ["you"], "mine": True}]
    assert cleared == []


def test_bad_reactions_from_the_api_get_clear_errors_and_send_nothing() -> None:
    async def body() -> tuple[list[str], list[ET.Element]]:
        client = await logged_in()
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hello"))
        await settle()
        errors = []
        for call in (lambda: client.api.reactions.toggle(BOB, "m1", "<img>"),
                     lambda: client.api.reactions.toggle(BOB, "m1", "👍👍"),
                     lambda: client.api.reactions.toggle(BOB, "nope", "👍"),
                     lambda: client.api.reactions.toggle("carol@localhost", "m1", "👍"),
                     lambda: client.api.reactions.set(BOB, "m1", "👍")):
            with pytest.raises(ConverseError) as info:
                call()
            errors.append(str(info.value))
        return errors, sent_reactions(client)
    errors, sent = arun(body())
    assert "not a single emoji" in errors[0] and "not a single emoji" in errors[1]
    assert "no message 'nope'" in errors[2] and "no open chat or room with carol@localhost" in errors[3]
    assert "a list of emoji" in errors[4] and sent == []


def test_the_users_reactions_from_another_client_arrive_as_carbons_and_count_as_theirs() -> None:
    async def body() -> list[Any]:
        client = await logged_in()
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hello"))
        await settle()
        client.transport.receive(carbon("sent", f"<message xmlns='jabber:client' from='alice@localhost/phone' "
                                                f"to='{BOB}' type='chat' id='r1'>{reactions('m1', '❤️')}</message>"))
        await settle()
        return chips(client.api.chats.get(BOB).messages[0])
    assert arun(body()) == [("❤️", 1, ("you",), True)]


def test_an_archived_reaction_waits_for_its_message_and_an_older_set_never_replaces_a_newer() -> None:
    async def body() -> list[Any]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 2})
        box = client.api.chats.open(BOB)
        await settle()
        # the newest page: bob's latest set (🎉) for m-a1, which is on the page before
        _answer_query(client, [("a3", f"{BOB}/x", "alice@localhost", "three"),
                               ("a4", f"{BOB}/x", "alice@localhost", "four")],
                      extra={"a4": reactions("m-a1", "🎉")})
        await settle()
        box.load_older()
        await settle()
        # the older page: the message, and bob's earlier set (👍) for it
        _answer_query(client, [("a1", f"{BOB}/x", "alice@localhost", "one"),
                               ("a2", f"{BOB}/x", "alice@localhost", "two")],
                      extra={"a2": reactions("m-a1", "👍")}, complete=True)
        await settle()
        return [(m.body, chips(m)) for m in box.messages]
    rows = arun(body())
    assert [body for body, _ in rows] == ["one", "three"]  # a reaction's fallback body is no row
    assert rows[0][1] == [("🎉", 1, (BOB,), False)]


# -- rooms -----------------------------------------------------------------------------------------
def room_message(nick: str, sid: str, inner: str, occupant: str = "", msg_id: str = "") -> str:
    occ = f'<occupant-id xmlns="urn:xmpp:occupant-id:0" id="{occupant}"/>' if occupant else ""
    return (f'<message xmlns="jabber:client" from="{ROOM}/{nick}" to="alice@localhost/web" type="groupchat" '
            f'id="{msg_id or sid + "-o"}">{inner}<stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="{sid}"/>{occ}'
            '</message>')


async def in_room(features: tuple[str, ...], form: str = "") -> tuple[Client, Any]:
    client = await logged_in()
    room = client.api.rooms.open(ROOM, {"nick": "alice"})
    client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/alice" to="alice@localhost/web">'
                             '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" '
                             'role="participant"/><status code="110"/></x></presence>')
    await settle()
    answered: set[str] = set()
    for _ in range(2):  # the room's disco#info, then (when it has reactions) ours for its restrictions
        asked = [el for el in _sent_iqs(client, "{http://jabber.org/protocol/disco#info}query")
                 if el.get("to") == ROOM and el.get("id") not in answered]
        if not asked:
            break
        answered.add(asked[-1].get("id") or "")
        feats = "".join(f'<feature var="{f}"/>' for f in ("http://jabber.org/protocol/muc", *features))
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" from="{ROOM}" id="{asked[-1].get("id")}">'
                                 f'<query xmlns="http://jabber.org/protocol/disco#info">{feats}{form}</query></iq>')
        await settle()
    client.transport.sent.clear()
    return client, room


def test_room_reactions_name_the_rooms_stanza_id_and_each_occupant_changes_only_their_own() -> None:
    async def body() -> tuple[list[Any], list[ET.Element], list[Any]]:
        client, room = await in_room(("urn:xmpp:occupant-id:0",))
        client.transport.receive(room_message("bob", "S1", "<body>hello room</body>", "occ-bob"))
        client.transport.receive(room_message("bob", "S2", reactions("S1", "👍"), "occ-bob"))
        client.transport.receive(room_message("carol", "S3", reactions("S1", "👍", "😂"), "occ-carol"))
        # eve claims bob's occupant-id: the room puts its own last, so she stays eve
        client.transport.receive(
            f'<message xmlns="jabber:client" from="{ROOM}/eve" to="alice@localhost/web" type="groupchat" id="x">'
            f'{reactions("S1")}<occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ-bob"/>'
            '<occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ-eve"/></message>')
        await settle()
        client.api.reactions.toggle(ROOM, "S1", "😂")
        mine = chips(room.messages[0])
        # the room reflects the user's reaction: it stays one reaction
        client.transport.receive(room_message("alice", "S4", reactions("S1", "😂"), "occ-alice"))
        await settle()
        return mine, sent_reactions(client), chips(room.messages[0])
    mine, sent, reflected = arun(body())
    assert mine == [("👍", 2, ("bob", "carol"), False), ("😂", 2, ("carol", "you"), True)]
    assert [(m.get("to"), m.get("type"), m.find(f"{{{NS}}}reactions").get("id"))  # type: ignore[union-attr]
            for m in sent] == [(ROOM, "groupchat", "S1")]
    assert reflected == mine


def test_without_occupant_ids_a_room_keys_reactions_by_nick() -> None:
    async def body() -> list[Any]:
        client, room = await in_room(())
        client.transport.receive(room_message("bob", "S1", "<body>hi</body>"))
        client.transport.receive(room_message("bob", "S2", reactions("S1", "👍")))
        # an occupant-id the room does not vouch for changes nothing: carol's set is her own
        client.transport.receive(room_message("carol", "S3", reactions("S1"), "whatever"))
        await settle()
        return chips(room.messages[0])
    assert arun(body()) == [("👍", 1, ("bob",), False)]


def test_the_users_own_room_message_takes_the_rooms_stanza_id_from_its_reflection() -> None:
    async def body() -> tuple[str, list[ET.Element]]:
        client, room = await in_room(())
        sent = room.send_message("my message")
        client.transport.receive(room_message("alice", "S9", "<body>my message</body>", msg_id=sent.id))
        await settle()
        client.api.reactions.toggle(ROOM, sent.id, "👍")
        return room.messages[-1].stanza_id, sent_reactions(client)
    stanza_id, sent = arun(body())
    assert stanza_id == "S9"
    assert sent[-1].find(f"{{{NS}}}reactions").get("id") == "S9"  # type: ignore[union-attr]


RESTRICTIONS_FORM = ("<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>"
                     "<value>urn:xmpp:reactions:0:restrictions</value></field>"
                     "<field var='max_reactions_per_user'><value>1</value></field>"
                     "<field var='allowlist'><value>👍</value><value>❤️</value></field></x>")


def test_a_rooms_advertised_restrictions_are_respected() -> None:
    async def body() -> tuple[str, list[list[str]]]:
        client, room = await in_room((NS,), RESTRICTIONS_FORM)
        client.transport.receive(room_message("bob", "S1", "<body>hi</body>"))
        await settle()
        with pytest.raises(ConverseError) as info:
            client.api.reactions.toggle(ROOM, "S1", "🎉")
        client.api.reactions.toggle(ROOM, "S1", "👍")
        client.api.reactions.toggle(ROOM, "S1", "❤️")  # one per user: it replaces 👍
        return str(info.value), [[r.text or "" for r in m.iter(f"{{{NS}}}reaction")] for m in sent_reactions(client)]
    error, sent = arun(body())
    assert error.endswith("👍 ❤️")
    assert sent == [["👍"], ["❤️"]]


# -- the UI hooks ----------------------------------------------------------------------------------
def test_rows_get_a_react_button_and_chips_that_show_names_as_text() -> None:
    async def body() -> tuple[list[Any], MessageParts]:
        client = await logged_in()
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hello"))
        client.transport.receive(chat(f"{BOB}/phone", "r1", None, reactions("m1", "👍")))
        await settle()
        state = client.converse.get(ReactionsState)
        state.picker = lambda box, message: None
        box = client.api.chats.get(BOB)
        box.set("fullname", "<b>Bob</b>")
        client.transport.receive(chat(f"{BOB}/phone", "r2", None, reactions("m1", "👍", "🎉")))
        await settle()
        buttons = state.action_buttons({"box": box, "message": box.messages[0]}, [])
        parts = state.message_parts({"box": box, "message": box.messages[0]}, MessageParts())
        return buttons or [], parts
    buttons, parts = arun(body())
    assert [b["name"] for b in buttons] == ["react"]
    html = "".join(parts.after)
    assert 'title="&lt;b&gt;Bob&lt;/b&gt;"' in html and "<b>" not in html
    assert ">👍 1</button>" in html and ">🎉 1</button>" in html and 'aria-pressed="false"' in html


def test_the_client_announces_reactions_and_a_reaction_made_offline_waits_in_the_outbox() -> None:
    async def body() -> tuple[list[str], list[str], list[str]]:
        client = await logged_in()
        client.transport.receive(f"<iq xmlns='jabber:client' type='get' id='q1' from='{BOB}/phone'>"
                                 "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        features = [f.get("var") or "" for f in parse(client.transport.sent[-1]).iter(
            "{http://jabber.org/protocol/disco#info}feature")]
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hello"))
        await settle()
        client.transport.drop()
        await settle()
        client.api.reactions.toggle(BOB, "m1", "👍")
        return features, list(client.converse.session.outbox), [e["emoji"] for e in client.api.reactions.get(BOB, "m1")]
    features, outbox, shown = arun(body())
    assert NS in features
    assert len(outbox) == 1 and f'<reactions xmlns="{NS}" id="m1"><reaction>👍</reaction>' in outbox[0]
    assert shown == ["👍"]


def test_a_contact_that_advertises_restrictions_is_asked_once_and_respected() -> None:
    async def body() -> tuple[int, str, list[list[str]]]:
        client = await logged_in()
        client.transport.receive(chat(f"{BOB}/gateway", "m1", "hello"))
        await settle()
        state, box = client.converse.get(ReactionsState), client.api.chats.get(BOB)
        asked = state.restrictions_of(box)
        assert state.restrictions_of(box) is asked  # once per session
        await settle()
        request = [el for el in _sent_iqs(client, "{http://jabber.org/protocol/disco#info}query")
                   if el.get("to") == BOB]
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" from="{BOB}" id="{request[-1].get("id")}">'
                                 f'<query xmlns="http://jabber.org/protocol/disco#info"><feature var="{NS}"/>'
                                 f'{RESTRICTIONS_FORM}</query></iq>')
        await settle()
        with pytest.raises(ConverseError) as info:
            client.api.reactions.toggle(BOB, "m1", "🎉")
        client.api.reactions.toggle(BOB, "m1", "👍")
        client.api.reactions.toggle(BOB, "m1", "❤️")
        return len(request), str(info.value), [[r.text or "" for r in m.iter(f"{{{NS}}}reaction")]
                                               for m in sent_reactions(client)]
    asked, error, sent = arun(body())
    assert asked == 1 and error.endswith("👍 ❤️")
    assert sent == [["👍"], ["❤️"]]
