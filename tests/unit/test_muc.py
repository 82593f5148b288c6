"""Multi-user chat against XEP-0045 / XEP-0249 examples: joining, occupants, status codes,
configuration, messages, subjects, invitations, closing and re-joining."""

from __future__ import annotations

from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.plugins.muc.stanzas import (
    RoomConfigError, config_submit, direct_invite, instant_room, join_presence, leave_presence, mediated_invite,
    parse_form, parse_invitation, parse_occupant, parse_room_message,
)
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, settle

ROOM = "coven@chat.shakespeare.lit"

# XEP-0045 Example 163: the room configuration form (trimmed to representative field types).
CONFIG_FORM = f'''<iq xmlns="jabber:client" from="{ROOM}" id="{{id}}" to="alice@localhost/web" type="result">
<query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="form">
<title>Configuration for "coven" Room</title>
<field type="hidden" var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field>
<field label="Natural-Language Room Name" type="text-single" var="muc#roomconfig_roomname"><value>A Dark Cave</value></field>
<field label="Short Description of Room" type="text-single" var="muc#roomconfig_roomdesc"><value/></field>
<field label="Allow Occupants to Change Subject?" type="boolean" var="muc#roomconfig_changesubject"><value>1</value></field>
<field label="Make Room Members Only?" type="boolean" var="muc#roomconfig_membersonly"><value>0</value></field>
<field label="Make Room Persistent?" type="boolean" var="muc#roomconfig_persistentroom"><value>0</value></field>
<field label="Make Room Publicly Searchable?" type="boolean" var="muc#roomconfig_publicroom"><value>1</value></field>
<field label="Who May Discover Real JIDs?" type="list-single" var="muc#roomconfig_whois"><value>moderators</value>
  <option label="Moderators Only"><value>moderators</value></option><option label="Anyone"><value>anyone</value></option></field>
<field label="Roles for which Presence is Broadcasted" type="list-multi" var="muc#roomconfig_presencebroadcast">
  <value>moderator</value><option label="Moderator"><value>moderator</value></option></field>
<field type="fixed"><value>Instructions</value></field>
</x></query></iq>'''


def values_of(xml: str) -> dict[str, list[str]]:
    form = parse(xml)
    out: dict[str, list[str]] = {}
    for f in form.iter("{jabber:x:data}field"):
        out[f.get("var") or ""] = [v.text or "" for v in f.iter("{jabber:x:data}value")]
    return out


# -- pure stanzas -----------------------------------------------------------------------------------
def test_join_and_leave_presences_match_xep0045_examples() -> None:
    assert canonical(serialize(join_presence(ROOM, "thirdwitch"))) == canonical(
        f'<presence xmlns="jabber:client" to="{ROOM}/thirdwitch"><x xmlns="http://jabber.org/protocol/muc"/></presence>')
    with_password = serialize(join_presence(ROOM, "thirdwitch", password="cauldronburn", max_history=0))
    assert "<password>cauldronburn</password>" in with_password and 'maxstanzas="0"' in with_password
    assert canonical(serialize(leave_presence(ROOM, "thirdwitch"))) == canonical(
        f'<presence xmlns="jabber:client" to="{ROOM}/thirdwitch" type="unavailable"/>')


def test_occupant_presences_are_parsed_with_status_codes() -> None:
    own = parse_occupant(parse(
        f'<presence xmlns="jabber:client" from="{ROOM}/thirdwitch" to="hag66@shakespeare.lit/pda">'
        '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" role="participant" '
        'jid="hag66@shakespeare.lit/pda"/><status code="100"/><status code="110"/><status code="210"/></x>'
        '</presence>'))
    assert own is not None and own.is_self and own.jid == "hag66@shakespeare.lit/pda"
    assert (own.affiliation, own.role, own.codes) == ("member", "participant", frozenset({"100", "110", "210"}))
    renamed = parse_occupant(parse(
        f'<presence xmlns="jabber:client" from="{ROOM}/oldhag" type="unavailable">'
        '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" nick="wiccarocks" '
        'role="participant"/><status code="303"/></x></presence>'))
    assert renamed is not None and renamed.new_nick == "wiccarocks" and renamed.show == "offline"
    error = parse_occupant(parse(
        f'<presence xmlns="jabber:client" from="{ROOM}/thirdwitch" type="error"><error type="auth">'
        '<registration-required xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>'))
    assert error is not None and error.error == "registration-required"
    assert parse_occupant(parse('<presence xmlns="jabber:client" from="not a jid@@"/>')) is None
    weird = parse_occupant(parse(f'<presence xmlns="jabber:client" from="{ROOM}/x"><x xmlns="'
                                 'http://jabber.org/protocol/muc#user"><item affiliation="god" role="king"/></x>'
                                 '</presence>'))
    assert weird is not None and (weird.affiliation, weird.role) == ("none", "none")


def test_config_submit_maps_roomconfig_names_and_keeps_other_values() -> None:
    fields = parse_form(parse(CONFIG_FORM.format(id="c1")))
    submitted = serialize(config_submit(ROOM, fields, {
        "changesubject": False, "membersonly": True, "persistentroom": True, "publicroom": True,
        "roomdesc": "Comfy room for hanging out", "whois": "anyone"}))
    values = values_of(submitted)
    assert values["FORM_TYPE"] == ["http://jabber.org/protocol/muc#roomconfig"]
    assert values["muc#roomconfig_changesubject"] == ["0"] and values["muc#roomconfig_membersonly"] == ["1"]
    assert values["muc#roomconfig_persistentroom"] == ["1"] and values["muc#roomconfig_publicroom"] == ["1"]
    assert values["muc#roomconfig_roomdesc"] == ["Comfy room for hanging out"]
    assert values["muc#roomconfig_whois"] == ["anyone"]
    assert values["muc#roomconfig_roomname"] == ["A Dark Cave"]  # untouched fields keep their values
    assert 'type="submit"' in submitted and "Instructions" not in submitted


@pytest.mark.parametrize("config, message", [
    ({"nosuchfield": True}, "no such field"),
    ({"presencebroadcast": "moderator"}, "multi-list values are not supported"),
    ({"whois": "everybody"}, "not one of moderators, anyone"),
    ({"membersonly": "perhaps"}, "expected true or false"),
])
def test_config_submit_rejects_what_the_form_cannot_take(config: dict[str, Any], message: str) -> None:
    fields = parse_form(parse(CONFIG_FORM.format(id="c1")))
    with pytest.raises(RoomConfigError, match=message):
        config_submit(ROOM, fields, config)


def test_instant_room_matches_xep0045_example() -> None:
    built = instant_room(ROOM)
    built.set("id", "create1")
    assert canonical(serialize(built)) == canonical(
        f'<iq xmlns="jabber:client" id="create1" to="{ROOM}" type="set"><query xmlns="http://jabber.org/protocol/'
        'muc#owner"><x xmlns="jabber:x:data" type="submit"/></query></iq>')


def test_invitations_both_kinds_match_the_xeps() -> None:
    mediated = mediated_invite(ROOM, "hecate@shakespeare.lit", "Hey Hecate, this is the place for all good witches!")
    mediated.set("id", "nzd143v8")
    assert canonical(serialize(mediated)) == canonical(
        f'<message xmlns="jabber:client" id="nzd143v8" to="{ROOM}"><x xmlns="http://jabber.org/protocol/muc#user">'
        '<invite to="hecate@shakespeare.lit"><reason>Hey Hecate, this is the place for all good witches!</reason>'
        '</invite></x></message>')
    got = parse_invitation(parse(
        f'<message xmlns="jabber:client" from="{ROOM}" id="nzd143v8" to="hecate@shakespeare.lit">'
        '<x xmlns="http://jabber.org/protocol/muc#user"><invite from="crone1@shakespeare.lit/desktop">'
        '<reason>Hey Hecate</reason></invite><password>cauldronburn</password></x></message>'))
    assert got is not None and (got.room, got.inviter, got.reason, got.password, got.direct) == \
        (ROOM, "crone1@shakespeare.lit", "Hey Hecate", "cauldronburn", False)
    direct = direct_invite("hecate@shakespeare.lit", "darkcave@macbeth.shakespeare.lit", "Hey Hecate",
                           "cauldronburn")
    assert 'xmlns="jabber:x:conference"' in serialize(direct)
    parsed = parse_invitation(parse(
        '<message xmlns="jabber:client" from="crone1@shakespeare.lit/desktop" to="hecate@shakespeare.lit">'
        '<x xmlns="jabber:x:conference" jid="darkcave@macbeth.shakespeare.lit" reason="Hey Hecate"/></message>'))
    assert parsed is not None and parsed.direct and parsed.room == "darkcave@macbeth.shakespeare.lit"


def test_room_messages_trust_only_the_rooms_stanza_id() -> None:
    msg = parse_room_message(parse(
        f'<message xmlns="jabber:client" from="{ROOM}/secondwitch" type="groupchat" id="m1">'
        '<body>Thrice the brinded cat hath mew\'d.</body>'
        f'<stanza-id xmlns="urn:xmpp:sid:0" by="evil@example.com" id="forged"/>'
        f'<stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="real"/>'
        '<delay xmlns="urn:xmpp:delay" stamp="2002-10-13T23:58:37Z"/></message>'))
    assert msg is not None and msg.nick == "secondwitch" and msg.stanza_id == "real" and msg.delayed
    assert parse_room_message(parse(f'<message xmlns="jabber:client" from="{ROOM}/x" type="chat">'
                                    '<body>pm</body></message>')) is None


# -- the plugin ----------------------------------------------------------------------------------------------
async def logged_in(settings: dict[str, Any] | None = None) -> Client:
    client = Client()
    await client.converse.initialize(settings or {})
    await client.api.user.login({"jid": "hag66@shakespeare.lit", "password": "secret"})
    await settle()
    return client


def enter(client: Client, nick: str = "hag66", codes: tuple[str, ...] = ("110",), affiliation: str = "member",
          role: str = "participant") -> None:
    status = "".join(f'<status code="{c}"/>' for c in codes)
    client.transport.receive(
        f'<presence xmlns="jabber:client" from="{ROOM}/{nick}" to="hag66@shakespeare.lit/web">'
        f'<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="{affiliation}" role="{role}"/>'
        f'{status}</x></presence>')


def test_rooms_get_create_and_nick_rules() -> None:
    async def body() -> dict[str, Any]:
        client = await logged_in()
        missing = client.api.rooms.get(ROOM)
        created = client.api.rooms.get(ROOM, {"nick": "bloodninja"}, True)
        legacy = client.api.rooms.get("other@chat.shakespeare.lit", "oldstyle", True)
        default = client.api.rooms.get("third@chat.shakespeare.lit", None, True)
        errors = []
        for args in ((ROOM, {"nick": 5}), (ROOM, {"nick": ""}), ("chat.shakespeare.lit",), (ROOM, ["x"])):
            try:
                client.api.rooms.get(*args)
            except ConverseError as exc:
                errors.append(str(exc))
        return {"missing": missing, "created": created.get("nick"), "legacy": legacy.get("nick"),
                "default": default.get("nick"), "all": len(client.api.rooms.get()), "errors": errors,
                "sent": [x for x in client.transport.sent if "muc" in x]}
    got = arun(body())
    assert got["missing"] is None and got["created"] == "bloodninja" and got["legacy"] == "oldstyle"
    assert got["default"] == "hag66" and got["all"] == 3
    assert len(got["errors"]) == 4 and all(e.startswith("rooms.get") for e in got["errors"])
    assert got["sent"] == []  # get() never joins


def test_open_joins_and_entering_fills_occupants_and_fires_events() -> None:
    async def body() -> tuple[Client, Any, list[str]]:
        client = await logged_in()
        events: list[str] = []
        for name in ("roomOpened", "roomEntered", "chatBoxOpened", "enteredNewRoom"):
            client.api.listen.on(name, lambda *_a, name=name: events.append(name))
        room = client.api.rooms.open(ROOM, {"nick": "thirdwitch"})
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/firstwitch"><x xmlns="'
                                 'http://jabber.org/protocol/muc#user"><item affiliation="owner" role="moderator"/>'
                                 '</x></presence>')
        enter(client, "thirdwitch")
        await settle()
        return client, room, events
    client, room, events = arun(body())
    join = next(x for x in client.transport.sent if x.startswith("<presence"))
    assert f'to="{ROOM}/thirdwitch"' in join and "http://jabber.org/protocol/muc" in join
    assert room.get("connection_status") == "entered" and sorted(room.occupants) == ["firstwitch", "thirdwitch"]
    assert room.occupants["firstwitch"].get("role") == "moderator"
    assert events == ["chatBoxOpened", "roomOpened", "roomEntered"]
    assert any("disco#info" in x for x in client.transport.sent)


def test_new_room_with_auto_configure_submits_roomconfig() -> None:
    async def body() -> tuple[Client, list[str]]:
        client = await logged_in()
        new_rooms: list[str] = []
        client.api.listen.on("enteredNewRoom", lambda room: new_rooms.append(room.get("jid")))
        client.api.rooms.open(ROOM, {"nick": "coolguy69", "auto_configure": True, "roomconfig": {
            "changesubject": False, "membersonly": True, "persistentroom": True, "publicroom": True,
            "roomdesc": "Comfy room for hanging out", "whois": "anyone"}}, True)
        enter(client, "coolguy69", ("110", "201"), "owner", "moderator")
        await settle()
        request = next(x for x in client.transport.sent if "muc#owner" in x)
        client.transport.receive(CONFIG_FORM.format(id=parse(request).get("id")))
        await settle()
        return client, new_rooms
    client, new_rooms = arun(body())
    assert new_rooms == [ROOM]
    submit = next(x for x in client.transport.sent if 'type="submit"' in x)
    values = values_of(submit)
    assert values["muc#roomconfig_membersonly"] == ["1"] and values["muc#roomconfig_whois"] == ["anyone"]


def test_new_room_without_auto_configure_is_made_instant() -> None:
    async def body() -> Client:
        client = await logged_in()
        client.api.rooms.open(ROOM)
        enter(client, codes=("110", "201"), affiliation="owner", role="moderator")
        await settle()
        return client
    client = arun(body())
    assert any("muc#owner" in x and 'type="submit"' in x and "<field" not in x for x in client.transport.sent)


def test_multi_list_roomconfig_is_refused_up_front() -> None:
    async def body() -> str:
        client = await logged_in()
        with pytest.raises(ConverseError) as caught:
            client.api.rooms.open(ROOM, {"auto_configure": True, "roomconfig": {"presencebroadcast": ["moderator"]}})
        return str(caught.value)
    assert "multi-list values are not supported" in arun(body())


def test_nick_conflict_retries_with_a_suffix_then_join_errors_are_explained() -> None:
    async def body() -> tuple[Client, Any, Any, list[str]]:
        client = await logged_in()
        room = client.api.rooms.open(ROOM, {"nick": "thirdwitch"})
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/thirdwitch" type="error">'
                                 '<error type="cancel"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
                                 '</error></presence>')
        retried_nick = room.get("nick")
        enter(client, "thirdwitch-2")
        errors: list[str] = []
        client.api.listen.on("roomError", lambda r: errors.append(r.get("error")))
        members = client.api.rooms.open("members@chat.shakespeare.lit")
        client.transport.receive('<presence xmlns="jabber:client" from="members@chat.shakespeare.lit/hag66" '
                                 'type="error"><error type="auth"><registration-required xmlns="urn:ietf:params:'
                                 'xml:ns:xmpp-stanzas"/></error></presence>')
        return client, (retried_nick, room.get("connection_status")), members, errors
    client, (nick, status), members, errors = arun(body())
    assert nick == "thirdwitch-2" and status == "entered"
    assert members.get("connection_status") == "error" and "members-only" in members.get("error")
    assert errors == [members.get("error")]


def test_messages_subject_reflection_and_history_are_shown_once() -> None:
    async def body() -> tuple[Client, Any]:
        client = await logged_in()
        room = client.api.rooms.open(ROOM)
        enter(client)
        history = (f'<message xmlns="jabber:client" from="{ROOM}/firstwitch" type="groupchat" id="h1">'
                   f'<body>old news</body><stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="s1"/>'
                   '<delay xmlns="urn:xmpp:delay" stamp="2026-01-01T10:00:00Z"/></message>')
        client.transport.receive(history)
        client.transport.receive(history)  # the same history again (e.g. after a re-join)
        client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/firstwitch" type="groupchat">'
                                 '<subject>Fire Burn and Cauldron Bubble!</subject></message>')
        room.send_message("hello <all>")
        sent = parse(client.transport.sent[-1])
        origin = sent.find("{urn:xmpp:sid:0}origin-id")
        assert origin is not None
        client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/hag66" type="groupchat" '
                                 f'id="{sent.get("id")}"><body>hello &lt;all&gt;</body>'
                                 f'<origin-id xmlns="urn:xmpp:sid:0" id="{origin.get("id")}"/>'
                                 f'<stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="s2"/></message>')
        return client, room
    client, room = arun(body())
    assert [(m.sender, m.body, m.outgoing) for m in room.messages] == [
        ("firstwitch", "old news", False), ("hag66", "hello <all>", True)]
    assert room.get("subject") == "Fire Burn and Cauldron Bubble!" and room.get("subject_by") == "firstwitch"
    sent_messages = [x for x in client.transport.sent if x.startswith("<message")]
    assert len(sent_messages) == 1 and 'type="groupchat"' in sent_messages[0] and f'to="{ROOM}"' in sent_messages[0]


def test_occupant_nick_change_and_departure() -> None:
    async def body() -> Any:
        client = await logged_in()
        room = client.api.rooms.open(ROOM)
        enter(client)
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/oldhag"><x xmlns="'
                                 'http://jabber.org/protocol/muc#user"><item affiliation="member" role="participant"/>'
                                 '</x></presence>')
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/oldhag" type="unavailable"><x '
                                 'xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" '
                                 'nick="wiccarocks" role="participant"/><status code="303"/></x></presence>')
        after_rename = sorted(room.occupants)
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/wiccarocks" type="unavailable"/>')
        return after_rename, sorted(room.occupants)
    after_rename, after_leave = arun(body())
    assert after_rename == ["hag66", "wiccarocks"] and after_leave == ["hag66"]


def test_close_all_one_or_several_sends_unavailable_presence() -> None:
    async def body() -> tuple[list[str], list[str], list[str], list[str]]:
        client = await logged_in()
        jids = [f"r{i}@chat.shakespeare.lit" for i in range(4)]
        for jid in jids:
            client.api.rooms.open(jid)
            client.transport.receive(f'<presence xmlns="jabber:client" from="{jid}/hag66"><x xmlns="'
                                     'http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant"/>'
                                     '<status code="110"/></x></presence>')
        left: list[str] = []
        client.api.listen.on("leaveRoom", lambda room: left.append(room.get("jid")))
        client.api.rooms.close(jids[0])
        one = list(left)
        client.api.rooms.close(jids[1:3])
        several = list(left)
        client.api.rooms.close()
        unavailable = [parse(x).get("to") or "" for x in client.transport.sent if 'type="unavailable"' in x]
        return one, several, list(left), unavailable
    one, several, everything, unavailable = arun(body())
    assert one == ["r0@chat.shakespeare.lit"]
    assert several == ["r0@chat.shakespeare.lit", "r1@chat.shakespeare.lit", "r2@chat.shakespeare.lit"]
    assert everything[-1] == "r3@chat.shakespeare.lit" and len(everything) == 4
    assert unavailable == [f"r{i}@chat.shakespeare.lit/hag66" for i in range(4)]


def test_invitations_fire_room_invite() -> None:
    async def body() -> list[Any]:
        client = await logged_in()
        invites: list[Any] = []
        client.api.listen.on("roomInvite", invites.append)
        client.transport.receive('<message xmlns="jabber:client" from="crone1@shakespeare.lit/desktop">'
                                 f'<x xmlns="jabber:x:conference" jid="{ROOM}" reason="Hey"/></message>')
        return invites
    assert arun(body()) == [{"room": ROOM, "from": "crone1@shakespeare.lit", "reason": "Hey", "password": "",
                             "direct": True}]


def test_rooms_are_entered_again_after_a_reconnection() -> None:
    async def body() -> tuple[str, list[str], str]:
        client = await logged_in({"auto_reconnect": False})  # the test logs in again itself
        room = client.api.rooms.open(ROOM)
        enter(client)
        client.transport.drop()
        await settle()
        status_while_down = room.get("connection_status")
        sent_before = len(client.transport.sent)
        await client.api.user.login({"jid": "hag66@shakespeare.lit", "password": "secret"})
        await settle()
        joins = [x for x in client.transport.sent[sent_before:] if x.startswith("<presence") and ROOM in x]
        return status_while_down, joins, room.get("connection_status")
    status, joins, status_after = arun(body())
    assert status == "disconnected" and status_after == "entering"
    assert len(joins) == 1 and f'to="{ROOM}/hag66"' in joins[0]


def test_a_groupchat_correction_by_its_sender_updates_the_message_in_place() -> None:
    """XEP-0308 in a room: the nick that sent a message may correct it (update listeners get the
    new message, no new row); a correction from another nick, or naming no shown message, is dropped."""
    async def body() -> tuple[Any, list[tuple[str, tuple[str, ...]]], list[Any]]:
        client = await logged_in()
        room = client.api.rooms.open(ROOM)
        enter(client)
        updates: list[tuple[str, tuple[str, ...]]] = []
        room.on_update(lambda _room, message, changed: updates.append((message.body, changed)))
        shown: list[Any] = []
        client.converse.api.listen.on("roomMessage", lambda _room, message: shown.append(message))

        def say(nick: str, msg_id: str, text: str, replaces: str = "") -> None:
            correction = f'<replace xmlns="urn:xmpp:message-correct:0" id="{replaces}"/>' if replaces else ""
            client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/{nick}" type="groupchat" '
                                     f'id="{msg_id}"><body>{text}</body>{correction}</message>')
        say("firstwitch", "w1", "helo")
        say("secondwitch", "x1", "not yours", replaces="w1")
        say("firstwitch", "w2", "hello", replaces="w1")
        say("firstwitch", "w3", "lost", replaces="nothing")
        return room, updates, shown
    room, updates, shown = arun(body())
    assert [(m.sender, m.body, m.edited) for m in room.messages] == [("firstwitch", "hello", True)]
    assert updates == [("hello", ("body", "edited"))]
    assert [m.body for m in shown] == ["helo"]  # roomMessage: only messages that got a row
