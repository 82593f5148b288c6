"""Room life against XEP-0045 / XEP-0004 / XEP-0410 examples: nick changes and their refusals,
room info as words, the configuration form (every field type) submitted and cancelled, destroying
a room, /clear, and self-ping timing on a ManualClock."""

from __future__ import annotations

from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.plugins.room_life.forms import (
    FIELD_TYPES, FormError, cancel_config, config_form_of, submit_config,
)
from converse_py.plugins.room_life.stanzas import destroy_request, parse_destroyed, parse_room_details, self_ping
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, advance, arun, logged_in, settle

ROOM = "coven@chat.shakespeare.lit"
MUC_USER = "http://jabber.org/protocol/muc#user"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

# XEP-0045 Example 163 (every field type of XEP-0004 §3.3 appears at least once).
FORM = f'''<iq xmlns="jabber:client" from="{ROOM}" id="{{id}}" to="alice@localhost/web" type="result">
<query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="form">
<title>Configuration for "coven" Room</title>
<instructions>Complete this form to modify the configuration of your room.</instructions>
<field type="hidden" var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field>
<field label="Natural-Language Room Name" type="text-single" var="muc#roomconfig_roomname"><value>A Dark Cave</value></field>
<field label="Full List of Room Admins" type="jid-multi" var="muc#roomconfig_roomadmins"><value>wiccarocks@shakespeare.lit</value>
  <value>hecate@shakespeare.lit</value></field>
<field label="Make Room Persistent?" type="boolean" var="muc#roomconfig_persistentroom"><desc>Keep it</desc><value>0</value></field>
<field label="Who May Discover Real JIDs?" type="list-single" var="muc#roomconfig_whois"><value>moderators</value>
  <option label="Moderators Only"><value>moderators</value></option><option label="Anyone"><value>anyone</value></option></field>
<field label="Roles for which Presence is Broadcasted" type="list-multi" var="muc#roomconfig_presencebroadcast">
  <value>moderator</value><option label="Moderator"><value>moderator</value></option>
  <option label="Participant"><value>participant</value></option></field>
<field label="A Password" type="text-private" var="muc#roomconfig_roomsecret"><value>cauldronburn</value></field>
<field label="Short Description of Room" type="text-multi" var="muc#roomconfig_roomdesc"><value>line one</value></field>
<field label="Room owner" type="jid-single" var="muc#roomconfig_owner"><value>crone1@shakespeare.lit</value></field>
<field type="fixed"><value>You may set a password</value></field>
</x></query></iq>'''


def test_the_configuration_form_keeps_every_field_type_with_labels_and_options() -> None:
    form = config_form_of(parse(FORM.format(id="c1")))
    assert form.title == 'Configuration for "coven" Room' and form.instructions[0].startswith("Complete")
    assert {f.type for f in form.fields} == set(FIELD_TYPES)
    admins = form.field("muc#roomconfig_roomadmins")
    assert admins is not None and admins.values == ("wiccarocks@shakespeare.lit", "hecate@shakespeare.lit")
    persistent = form.field("muc#roomconfig_persistentroom")
    assert persistent is not None and persistent.desc == "Keep it" and persistent.label == "Make Room Persistent?"
    whois = form.field("muc#roomconfig_whois")
    assert whois is not None and [(o.value, o.label) for o in whois.options] == [
        ("moderators", "Moderators Only"), ("anyone", "Anyone")]


def test_a_submitted_form_carries_the_changes_and_keeps_the_rest_as_xep0045_example_164() -> None:
    form = config_form_of(parse(FORM.format(id="c1")))
    stanza = serialize(submit_config(ROOM, form, {
        "muc#roomconfig_persistentroom": True, "muc#roomconfig_presencebroadcast": ["moderator", "participant"],
        "muc#roomconfig_roomdesc": "line one\nline two", "muc#roomconfig_whois": "anyone"}, iq_id="create2"))
    sent = parse(stanza)
    assert (sent.get("type"), sent.get("to"), sent.get("id")) == ("set", ROOM, "create2")
    x = sent.find("{http://jabber.org/protocol/muc#owner}query/{jabber:x:data}x")
    assert x is not None and x.get("type") == "submit"
    values = {f.get("var"): [v.text or "" for v in f] for f in x}
    assert values["FORM_TYPE"] == ["http://jabber.org/protocol/muc#roomconfig"]
    assert values["muc#roomconfig_persistentroom"] == ["1"]
    assert values["muc#roomconfig_presencebroadcast"] == ["moderator", "participant"]
    assert values["muc#roomconfig_roomdesc"] == ["line one", "line two"]
    assert values["muc#roomconfig_whois"] == ["anyone"]
    assert values["muc#roomconfig_roomname"] == ["A Dark Cave"]
    assert values["muc#roomconfig_roomadmins"] == ["wiccarocks@shakespeare.lit", "hecate@shakespeare.lit"]
    assert None not in values  # the fixed field is not sent back


def test_bad_form_values_are_refused_with_the_field_named() -> None:
    form = config_form_of(parse(FORM.format(id="c1")))
    with pytest.raises(FormError, match="Who May Discover"):
        submit_config(ROOM, form, {"muc#roomconfig_whois": "everybody"})
    with pytest.raises(FormError, match="true or false"):
        submit_config(ROOM, form, {"muc#roomconfig_persistentroom": "maybe"})
    with pytest.raises(FormError, match="no field"):
        submit_config(ROOM, form, {"muc#roomconfig_nonsense": "1"})


def test_cancel_destroy_and_self_ping_match_the_xep_examples() -> None:
    # XEP-0045 Example 165 (cancel), Example 201 (destroy); XEP-0410 Example 1 (self-ping).
    assert canonical(serialize(cancel_config(ROOM, "cancel1"))) == canonical(
        f'<iq xmlns="jabber:client" id="cancel1" to="{ROOM}" type="set"><query xmlns="http://jabber.org/protocol/'
        'muc#owner"><x xmlns="jabber:x:data" type="cancel"/></query></iq>')
    assert canonical(serialize(destroy_request("heath@chat.shakespeare.lit", "Macbeth doth come.", ROOM,
                                               iq_id="begone"))) == canonical(
        '<iq xmlns="jabber:client" id="begone" to="heath@chat.shakespeare.lit" type="set"><query xmlns="'
        f'http://jabber.org/protocol/muc#owner"><destroy jid="{ROOM}"><reason>Macbeth doth come.</reason>'
        '</destroy></query></iq>')
    assert canonical(serialize(self_ping(ROOM, "hag66", iq_id="s2c1"))) == canonical(
        f'<iq xmlns="jabber:client" id="s2c1" to="{ROOM}/hag66" type="get"><ping xmlns="urn:xmpp:ping"/></iq>')


def test_the_destroy_notice_of_xep0045_example_203_is_understood() -> None:
    notice = parse_destroyed(parse(
        '<presence xmlns="jabber:client" from="heath@chat.shakespeare.lit/firstwitch" type="unavailable">'
        f'<x xmlns="{MUC_USER}"><item affiliation="none" role="none"/><destroy jid="{ROOM}">'
        '<reason>Macbeth doth come.</reason></destroy></x></presence>'))
    assert notice is not None and (notice.room, notice.reason, notice.alternate) == (
        "heath@chat.shakespeare.lit", "Macbeth doth come.", ROOM)
    assert parse_destroyed(parse(f'<presence xmlns="jabber:client" from="{ROOM}/x" type="unavailable"/>')) is None


def test_room_info_features_become_words_with_the_occupant_count() -> None:
    # XEP-0045 Example 10 (with the muc#roominfo extension of Example 11)
    details = parse_room_details(parse(
        f'<iq xmlns="jabber:client" from="{ROOM}" type="result" id="i1"><query xmlns="http://jabber.org/'
        'protocol/disco#info"><identity category="conference" name="A Dark Cave" type="text"/>'
        '<feature var="http://jabber.org/protocol/muc"/><feature var="muc_passwordprotected"/>'
        '<feature var="muc_hidden"/><feature var="muc_temporary"/><feature var="muc_open"/>'
        '<feature var="muc_unmoderated"/><feature var="muc_nonanonymous"/>'
        '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>'
        'http://jabber.org/protocol/muc#roominfo</value></field><field var="muc#roominfo_description">'
        '<value>The place for all good witches!</value></field><field var="muc#roominfo_occupants">'
        '<value>3</value></field></x></query></iq>'))
    assert details.name == "A Dark Cave" and details.description == "The place for all good witches!"
    assert details.occupants == 3
    assert details.features == ("muc_hidden", "muc_open", "muc_unmoderated", "muc_nonanonymous",
                                "muc_passwordprotected", "muc_temporary")


# -- the plugin on a client ---------------------------------------------------------------------
def presence(nick: str, extra: str = "", kind: str = "", item: str = 'affiliation="owner" role="moderator"') -> str:
    type_attr = f' type="{kind}"' if kind else ""
    return (f'<presence xmlns="jabber:client" from="{ROOM}/{nick}" to="alice@localhost/web"{type_attr}>'
            f'<x xmlns="{MUC_USER}"><item {item}/>{extra}</x></presence>')


async def in_room(settings: dict[str, Any] | None = None) -> tuple[Client, Any]:
    client = await logged_in(settings)
    room = client.api.rooms.open(ROOM, {"nick": "alice"})
    await settle()
    client.transport.receive(presence("firstwitch", item='affiliation="member" role="participant"'))
    client.transport.receive(presence("alice", '<status code="110"/>'))
    await settle()
    client.transport.sent.clear()
    return client, room


def room_pings(client: Client) -> list[str]:
    """Self-pings sent (the keep-alive pings to the server are not)."""
    return [s for s in client.sent("iq") if "urn:xmpp:ping" in s and f'to="{ROOM}/' in s]


def infos(room: Any) -> list[str]:
    return [m.body for m in room.messages if m.kind == "info"]


def test_nick_changes_follow_xep0045_status_303_for_others_and_for_us() -> None:
    async def run() -> None:
        client, room = await in_room()
        # Example 96: another occupant changes nick
        client.transport.receive(presence("firstwitch", '<status code="303"/>', "unavailable",
                                          'affiliation="member" role="participant" nick="oldhag"'))
        client.transport.receive(presence("oldhag", "", item='affiliation="member" role="participant"'))
        await settle()
        assert "firstwitch is now known as oldhag." in infos(room)
        assert set(room.occupants) == {"oldhag", "alice"}
        client.api.room_life.set_nick(ROOM, "crone")
        change = parse(client.sent("presence")[-1])  # Example 95 (plus our caps)
        assert (change.get("to"), change.get("type")) == (f"{ROOM}/crone", None)
        client.transport.receive(presence("alice", '<status code="303"/><status code="110"/>', "unavailable",
                                          'affiliation="owner" role="moderator" nick="crone"'))
        client.transport.receive(presence("crone", '<status code="110"/>'))
        await settle()
        assert room.get("nick") == "crone" and "You are now known as crone." in infos(room)
        assert room.entered
    arun(run())


def test_a_nick_conflict_is_reported_in_words_and_we_stay_in_the_room() -> None:
    async def run() -> None:
        client, room = await in_room()
        room.send_message("/nick firstwitch")
        assert client.sent("presence")[-1].count(f'to="{ROOM}/firstwitch"') == 1
        # Example 99: the nick is taken
        client.transport.receive(f'<presence xmlns="jabber:client" from="{ROOM}/firstwitch" type="error">'
                                 f'<x xmlns="http://jabber.org/protocol/muc"/><error by="{ROOM}" type="cancel">'
                                 f'<conflict xmlns="{STANZAS}"/></error></presence>')
        await settle()
        assert "The nickname firstwitch is already taken in this room." in infos(room)
        assert room.get("nick") == "alice" and room.entered
        assert not client.sent("presence")[1:]  # no re-join under another nick
        with pytest.raises(ConverseError, match="nickname is needed"):
            client.api.room_life.set_nick(ROOM, "  ")
    arun(run())


def test_destroying_needs_an_owner_and_others_see_the_room_destroyed() -> None:
    async def run() -> None:
        client, room = await in_room()
        task = client.api.room_life.destroy(ROOM, "Macbeth doth come.")
        await settle()
        request = parse(client.sent("iq")[-1])
        assert request.find("{http://jabber.org/protocol/muc#owner}query/{http://jabber.org/protocol/muc#owner}"
                            "destroy/{http://jabber.org/protocol/muc#owner}reason").text == "Macbeth doth come."
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" from="{ROOM}" id="{request.get("id")}"/>')
        await task
        client.transport.receive(presence("alice", '<destroy jid="other@chat.shakespeare.lit"><reason>Macbeth doth '
                                          'come.</reason></destroy>', "unavailable", 'affiliation="none" role="none"'))
        await settle()
        assert "The room was destroyed. Reason: Macbeth doth come. The discussion continues in " \
               "other@chat.shakespeare.lit." in infos(room)
        assert room.get("connection_status") == "left"

        client2, room2 = await in_room()
        room2.own_occupant().set("affiliation", "member")
        with pytest.raises(ConverseError, match="Only an owner"):
            await client2.api.room_life.destroy(ROOM)
    arun(run())


def test_the_config_form_is_fetched_submitted_and_cancelled_through_the_api() -> None:
    async def run() -> None:
        client, _room = await in_room()
        fetching = client.api.room_life.get_config(ROOM)
        await settle()
        request = parse(client.sent("iq")[-1])
        client.transport.receive(FORM.format(id=request.get("id")))
        form = await fetching
        assert [f["type"] for f in form["fields"]][:3] == ["hidden", "text-single", "jid-multi"]
        submitting = client.api.room_life.submit_config(ROOM, {"muc#roomconfig_roomname": "Tea"})
        await settle()
        submitted = parse(client.sent("iq")[-1])
        names = [f for f in submitted.iter("{jabber:x:data}field") if f.get("var") == "muc#roomconfig_roomname"]
        assert [v.text for v in names[0]] == ["Tea"]
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" from="{ROOM}" id="{submitted.get("id")}"/>')
        await submitting
        cancelling = client.api.room_life.cancel_config(ROOM)
        await settle()
        cancel = parse(client.sent("iq")[-1])
        assert cancel.find("{http://jabber.org/protocol/muc#owner}query/{jabber:x:data}x").get("type") == "cancel"
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" from="{ROOM}" id="{cancel.get("id")}"/>')
        await cancelling
    arun(run())


def test_clear_empties_the_shown_history_and_help_lists_the_room_commands() -> None:
    async def run() -> None:
        client, room = await in_room()
        client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/firstwitch" type="groupchat" '
                                 'id="m1"><body>Thrice the brinded cat hath mew\'d.</body></message>')
        await settle()
        assert any(m.body.startswith("Thrice") for m in room.messages)
        room.send_message("/clear")
        assert room.messages == [] and not client.sent("message")
        room.send_message("/help")
        help_text = infos(room)[-1]
        for command in ("/nick", "/destroy", "/clear", "/me", "/help"):
            assert command in help_text
    arun(run())


def test_self_ping_waits_for_quiet_then_rejoins_when_not_acceptable() -> None:
    async def run() -> None:
        client, room = await in_room({"muc_self_ping_interval": 300})
        await advance(client, 200)
        client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/firstwitch" type="groupchat" '
                                 'id="m1"><body>traffic</body></message>')
        await advance(client, 150)  # 350 s since entering, only 150 s since the last traffic
        assert not room_pings(client)
        await advance(client, 160)
        pings = [parse(s) for s in room_pings(client)]
        assert len(pings) == 1 and pings[0].get("to") == f"{ROOM}/alice"
        client.transport.sent.clear()
        # XEP-0410: not-acceptable means we are not in the room any more
        client.transport.receive(f'<iq xmlns="jabber:client" type="error" from="{ROOM}/alice" '
                                 f'id="{pings[0].get("id")}"><error type="cancel"><not-acceptable xmlns="{STANZAS}"/>'
                                 '</error></iq>')
        await settle()
        joins = [parse(s) for s in client.sent("presence")]
        assert [j.get("to") for j in joins] == [f"{ROOM}/alice"]
        assert joins[0].find("{http://jabber.org/protocol/muc}x") is not None
        assert room.get("connection_status") == "entering"
    arun(run())


@pytest.mark.parametrize("condition, rejoins", [("service-unavailable", False), ("feature-not-implemented", False),
                                                ("item-not-found", False), ("remote-server-timeout", False),
                                                ("not-allowed", True)])
def test_self_ping_answers_mean_what_xep0410_says(condition: str, rejoins: bool) -> None:
    async def run() -> None:
        client, room = await in_room({"muc_self_ping_interval": 60})
        await advance(client, 61)
        ping = parse(room_pings(client)[0])
        client.transport.sent.clear()
        client.transport.receive(f'<iq xmlns="jabber:client" type="error" from="{ROOM}/alice" id="{ping.get("id")}">'
                                 f'<error type="cancel"><{condition} xmlns="{STANZAS}"/></error></iq>')
        await settle()
        assert bool(client.sent("presence")) is rejoins
        assert room.entered is not rejoins
        await advance(client, 61)  # still pinging every interval
        assert bool(room_pings(client)) is not rejoins
    arun(run())


def test_self_ping_is_off_with_an_interval_of_zero_and_stops_when_leaving() -> None:
    async def run() -> None:
        client, _room = await in_room({"muc_self_ping_interval": 0})
        await advance(client, 10_000)
        assert not room_pings(client)
        client2, _room2 = await in_room({"muc_self_ping_interval": 60})
        client2.api.rooms.close(ROOM)
        await advance(client2, 600)
        assert not room_pings(client2)
    arun(run())


def test_private_messages_go_both_ways_in_their_own_box_as_xep0045_section_7_5() -> None:
    async def run() -> None:
        client, room = await in_room()
        # Example 47/48: a private message from an occupant arrives from its occupant JID
        client.transport.receive(f'<message xmlns="jabber:client" from="{ROOM}/firstwitch" to="alice@localhost/web" '
                                 'type="chat" id="pm1"><body>I\'ll give thee a wind.</body>'
                                 f'<x xmlns="{MUC_USER}"/></message>')
        await settle()
        chats = client.api.chats.get()
        private = [b for b in chats if b.get("jid") == f"{ROOM}/firstwitch"]
        assert len(private) == 1 and private[0].get("fullname") == "firstwitch (in coven)"
        assert [m.body for m in private[0].messages] == ["I'll give thee a wind."]
        assert not [b for b in chats if b.get("jid") == ROOM]  # not mixed with a chat with the room
        assert not [m for m in room.messages if m.kind == "message"]
        box = client.api.room_life.open_private(ROOM, "firstwitch")
        assert box is private[0]
        box.send_message("Thou'rt kind.")
        sent = parse(client.sent("message")[-1])  # Example 49
        assert (sent.get("to"), sent.get("type")) == (f"{ROOM}/firstwitch", "chat")
        assert sent.findtext("{jabber:client}body") == "Thou'rt kind."
        assert sent.find(f"{{{MUC_USER}}}x") is not None
        with pytest.raises(ConverseError, match="yourself"):
            client.api.room_life.open_private(ROOM, "alice")
        # a chat from someone who is no room keeps going to a bare-JID box, without the MUC <x/>
        client.api.chats.open("bob@localhost").send_message("hi")
        assert parse(client.sent("message")[-1]).find(f"{{{MUC_USER}}}x") is None
    arun(run())


def test_the_config_form_renders_every_field_type_as_escaped_text() -> None:
    from converse_py.dom.room_life_templates import config_form, room_info
    hostile = FORM.format(id="c1").replace("Natural-Language Room Name", "&lt;img src=x onerror=alert(1)&gt;") \
        .replace("A Dark Cave", "&lt;script&gt;bad()&lt;/script&gt;").replace("Keep it", "&lt;b&gt;keep&lt;/b&gt;")
    html = config_form(ROOM, config_form_of(parse(hostile)))
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b&gt;keep&lt;/b&gt;" in html
    assert 'value="&lt;script&gt;bad()&lt;/script&gt;"' in html
    for kind in ("boolean", "jid-multi", "jid-single", "list-multi", "list-single", "text-multi", "text-private",
                 "text-single"):
        assert f'data-type="{kind}"' in html
    assert 'type="password"' in html and "<select" in html and " multiple" in html and "<textarea" in html
    assert 'type="checkbox"' in html and "You may set a password" in html  # the fixed field, as text
    assert "http://jabber.org/protocol/muc#roomconfig" not in html  # hidden fields are not shown
    info = room_info(ROOM, {"name": "<i>x</i>", "description": "", "features": ["moderated"], "occupants": 3})
    assert "<i>" not in info and "&lt;i&gt;x&lt;/i&gt;" in info and "<li>moderated</li>" in info
