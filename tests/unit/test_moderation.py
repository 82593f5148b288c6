"""Room moderation: XEP-0045 role and affiliation stanzas and XEP-0425 moderation against the
XEPs' own examples; the user's own role checked before anything is sent; the room's errors shown;
moderations announced by the room (and only by the room) turning messages into tombstones."""

from __future__ import annotations

from typing import Any

from converse_py.core.errors import ConverseError
from converse_py.plugins.chats.models import ShownMessage
from converse_py.plugins.moderation.plugin import MODERATED, ModerationState, split_target, tombstone_text
from converse_py.plugins.moderation.stanzas import (
    affiliation_list_request, affiliation_request, moderate_request, parse_affiliation_list,
    parse_moderated_tombstone, parse_moderation, role_request,
)
from converse_py.plugins.muc.models import Room
from converse_py.plugins.retraction.plugin import is_retracted
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, settle
from .test_muc import ROOM, enter, logged_in

ADMIN = "http://jabber.org/protocol/muc#admin"


def example(xml: str) -> str:
    """A XEP example as we send it: in jabber:client, without the 'from' the server adds."""
    stanza = parse(xml.replace("<iq ", "<iq xmlns='jabber:client' ", 1))
    stanza.attrib.pop("from", None)
    return canonical(serialize(stanza))


# -- XEP-0045 §8-§10 ---------------------------------------------------------------------------------
def test_kick_voice_and_ban_requests_are_the_xep_0045_examples() -> None:
    kick = role_request("harfleur@chat.shakespeare.lit", "pistol", "none", "Avaunt, you cullion!", id_="kick1")
    assert canonical(serialize(kick)) == example(
        f"<iq from='fluellen@shakespeare.lit/pda' id='kick1' to='harfleur@chat.shakespeare.lit' type='set'>"
        f"<query xmlns='{ADMIN}'><item nick='pistol' role='none'><reason>Avaunt, you cullion!</reason>"
        "</item></query></iq>")
    voice = role_request("coven@chat.shakespeare.lit", "thirdwitch", "participant", id_="voice1")
    assert canonical(serialize(voice)) == example(
        f"<iq from='crone1@shakespeare.lit/desktop' id='voice1' to='coven@chat.shakespeare.lit' type='set'>"
        f"<query xmlns='{ADMIN}'><item nick='thirdwitch' role='participant'/></query></iq>")
    ban = affiliation_request("southampton@chat.shakespeare.lit", "earlofcambridge@shakespeare.lit", "outcast",
                              "Treason", id_="ban1")
    assert canonical(serialize(ban)) == example(
        f"<iq from='kinghenryv@shakespeare.lit/throne' id='ban1' to='southampton@chat.shakespeare.lit' type='set'>"
        f"<query xmlns='{ADMIN}'><item affiliation='outcast' jid='earlofcambridge@shakespeare.lit'>"
        "<reason>Treason</reason></item></query></iq>")
    member = affiliation_request("coven@chat.shakespeare.lit", "hag66@shakespeare.lit", "member", id_="member1")
    assert canonical(serialize(member)) == example(
        f"<iq from='crone1@shakespeare.lit/desktop' id='member1' to='coven@chat.shakespeare.lit' type='set'>"
        f"<query xmlns='{ADMIN}'><item affiliation='member' jid='hag66@shakespeare.lit'/></query></iq>")


def test_the_ban_list_request_and_result_are_the_xep_0045_examples() -> None:
    request = affiliation_list_request("southampton@chat.shakespeare.lit", "outcast", id_="ban2")
    assert canonical(serialize(request)) == example(
        f"<iq from='kinghenryv@shakespeare.lit/throne' id='ban2' to='southampton@chat.shakespeare.lit' type='get'>"
        f"<query xmlns='{ADMIN}'><item affiliation='outcast'/></query></iq>")
    result = parse(f"<iq xmlns='jabber:client' from='southampton@chat.shakespeare.lit' id='ban2' "
                   f"to='kinghenryv@shakespeare.lit/throne' type='result'><query xmlns='{ADMIN}'>"
                   "<item affiliation='outcast' jid='earlofcambridge@shakespeare.lit'><reason>Treason</reason></item>"
                   "</query></iq>")
    assert parse_affiliation_list(result) == [{"jid": "earlofcambridge@shakespeare.lit", "affiliation": "outcast",
                                               "nick": "", "role": "", "reason": "Treason"}]


def test_unknown_roles_affiliations_and_lists_are_refused() -> None:
    for call in (lambda: role_request(ROOM, "x", "king"), lambda: affiliation_request(ROOM, "a@b", "friend"),
                 lambda: affiliation_list_request(ROOM, "none"), lambda: moderate_request(ROOM, "")):
        try:
            call()
        except ValueError:
            continue
        raise AssertionError("accepted")


# -- XEP-0425 ----------------------------------------------------------------------------------------
REASON = "This message contains inappropriate content for this forum"
XEP_0425_REQUEST = ("<iq type='set' to='room@muc.example.com' id='retract-request-1'>"
                    "<moderate id='stanza-id-1' xmlns='urn:xmpp:message-moderate:1'>"
                    "<retract xmlns='urn:xmpp:message-retract:1'/>"
                    f"<reason>{REASON}</reason></moderate></iq>")
XEP_0425_0_2_REQUEST = ("<iq type='set' to='room@muc.example.com' id='retract-request-1'>"
                        "<apply-to id='stanza-id-1' xmlns='urn:xmpp:fasten:0'>"
                        "<moderate xmlns='urn:xmpp:message-moderate:0'><retract xmlns='urn:xmpp:message-retract:0'/>"
                        f"<reason>{REASON}</reason></moderate></apply-to></iq>")
XEP_0425_ANNOUNCEMENT = (
    "<message xmlns='jabber:client' type='groupchat' id='retraction-id-1' from='room@muc.example.com' "
    "to='room@muc.example.com/macbeth'><retract id='stanza-id-1' xmlns='urn:xmpp:message-retract:1'>"
    "<moderated by='room@muc.example.com/macbeth' xmlns='urn:xmpp:message-moderate:1'>"
    "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/></moderated>"
    f"<reason>{REASON}</reason></retract></message>")
XEP_0425_0_2_ANNOUNCEMENT = (
    "<message xmlns='jabber:client' type='groupchat' id='retraction-id-1' from='room@muc.example.com' "
    "to='room@muc.example.com/macbeth'><apply-to id='stanza-id-1' xmlns='urn:xmpp:fasten:0'>"
    "<moderated by='room@muc.example.com/macbeth' xmlns='urn:xmpp:message-moderate:0'>"
    f"<retract xmlns='urn:xmpp:message-retract:0'/><reason>{REASON}</reason></moderated></apply-to></message>")
XEP_0425_TOMBSTONE = (
    "<message xmlns='jabber:client' type='groupchat' from='room@muc.example.com/oldhag' "
    "to='room@muc.example.com/macbeth' id='message-id-1'>"
    "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='ef73b09de9c90a38ba552f7c68cbeef1dca24429'/>"
    "<retracted stamp='2019-09-20T23:19:12Z' xmlns='urn:xmpp:message-retract:0'>"
    "<moderated by='witch@shakespeare.example' xmlns='urn:xmpp:message-moderate:1'>"
    "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/></moderated>"
    f"<reason>{REASON}</reason></retracted></message>")


def test_the_moderation_request_is_the_xep_0425_example_in_both_versions() -> None:
    ours = moderate_request("room@muc.example.com", "stanza-id-1", REASON, id_="retract-request-1")
    assert canonical(serialize(ours)) == example(XEP_0425_REQUEST)
    legacy = moderate_request("room@muc.example.com", "stanza-id-1", REASON, legacy=True, id_="retract-request-1")
    assert canonical(serialize(legacy)) == example(XEP_0425_0_2_REQUEST)


def test_a_moderation_counts_only_when_the_room_itself_announces_it() -> None:
    for announcement in (XEP_0425_ANNOUNCEMENT, XEP_0425_0_2_ANNOUNCEMENT):
        moderation = parse_moderation(parse(announcement), "room@muc.example.com")
        assert moderation is not None and moderation.target == "stanza-id-1"
        assert moderation.moderator == "macbeth" and moderation.reason == REASON
    assert parse_moderation(parse(XEP_0425_ANNOUNCEMENT), "room@muc.example.com").occupant_id.startswith("dd72")  # type: ignore[union-attr]
    # the same stanza from an occupant (relayed by the room from room/nick), or another room: ignored
    spoofed = XEP_0425_ANNOUNCEMENT.replace("from='room@muc.example.com'", "from='room@muc.example.com/oldhag'")
    assert parse_moderation(parse(spoofed), "room@muc.example.com") is None
    assert parse_moderation(parse(XEP_0425_ANNOUNCEMENT), "other@muc.example.com") is None
    # a plain retraction by the sender is no moderation
    own = "<message xmlns='jabber:client' from='room@muc.example.com'><retract id='x' xmlns='urn:xmpp:message-retract:1'/></message>"
    assert parse_moderation(parse(own), "room@muc.example.com") is None


def test_archive_tombstones_say_who_removed_the_message_and_why() -> None:
    tombstone = parse_moderated_tombstone(parse(XEP_0425_TOMBSTONE))
    assert tombstone is not None and tombstone.by == "witch@shakespeare.example" and tombstone.reason == REASON
    old = parse("<message xmlns='jabber:client'><moderated by='room@muc.example.com/macbeth' "
                "xmlns='urn:xmpp:message-moderate:0'><retracted xmlns='urn:xmpp:message-retract:0'/>"
                "<reason>spam</reason></moderated></message>")
    assert parse_moderated_tombstone(old) is not None and parse_moderated_tombstone(old).moderator == "macbeth"  # type: ignore[union-attr]
    assert parse_moderated_tombstone(parse("<message xmlns='jabber:client'><retracted "
                                           "xmlns='urn:xmpp:message-retract:1'/></message>")) is None
    assert tombstone_text({"by": "macbeth", "reason": ""}) == "Message removed by macbeth"
    assert tombstone_text({"by": "", "reason": "spam"}) == "Message removed by a moderator: spam"


def test_a_nick_with_spaces_is_taken_whole_from_the_command_arguments() -> None:
    room = Room(ROOM, "hag66")
    room.occupants.update({"Bob": None, "Bob Smith": None})  # type: ignore[dict-item]
    assert split_target(room, "Bob Smith spam") == ("Bob Smith", "spam")
    assert split_target(room, "Bob") == ("Bob", None)
    assert split_target(room, "carol@shakespeare.lit no reason") == ("carol@shakespeare.lit", "no reason")


# -- the plugin ------------------------------------------------------------------------------------------
def peer(client: Client, nick: str, role: str = "participant", affiliation: str = "none", jid: str = "",
         occupant_id: str = "") -> None:
    real = f' jid="{jid}"' if jid else ""
    occ = f'<occupant-id xmlns="urn:xmpp:occupant-id:0" id="{occupant_id}"/>' if occupant_id else ""
    client.transport.receive(
        f'<presence xmlns="jabber:client" from="{ROOM}/{nick}" to="hag66@shakespeare.lit/web">'
        f'<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="{affiliation}" role="{role}"{real}/>'
        f'</x>{occ}</presence>')


async def in_room(role: str, affiliation: str, features: tuple[str, ...] = ()) -> tuple[Client, Room]:
    client = await logged_in()
    room = client.api.rooms.open(ROOM)
    peer(client, "firstwitch", jid="crone1@shakespeare.lit/desktop", occupant_id="occ-1")
    enter(client, role=role, affiliation=affiliation)
    await settle()
    room.set("features", list(features))
    return client, room


def infos(room: Room) -> list[str]:
    return [m.body for m in room.messages if m.kind == "info"]


def iqs(client: Client) -> list[str]:
    return [x for x in client.transport.sent if x.startswith("<iq") and (ADMIN in x or "message-moderate" in x)]


def test_a_participant_is_refused_before_anything_is_sent() -> None:
    async def body() -> tuple[Client, Room, list[str]]:
        client, room = await in_room("participant", "member")
        for text in ("/kick firstwitch", "/ban firstwitch", "/op firstwitch", "/owner firstwitch"):
            room.send_message(text)
        errors = []
        for call in (lambda: room.kick("firstwitch"), lambda: room.get_affiliation_list("outcast")):  # type: ignore[attr-defined]
            try:
                call()
            except ConverseError as exc:
                errors.append(str(exc))
        return client, room, errors
    client, room, errors = arun(body())
    assert infos(room) == ["You need to be a moderator to kick.", "You need to be an admin or owner of the room to ban.",
                           "You need to be an admin or owner of the room to make moderators.",
                           "You need to be an owner of the room to make owners."]
    assert errors == ["You need to be a moderator to kick.",
                      "You need to be an admin or owner of the room to see affiliation lists."]
    assert iqs(client) == [] and not any(x.startswith("<message") for x in client.transport.sent)


def test_a_moderator_kicks_by_command_and_the_rooms_refusal_is_an_info_line() -> None:
    async def body() -> tuple[Client, Room, str]:
        client, room = await in_room("moderator", "admin")
        room.send_message("/kick firstwitch flooding the room")
        await settle()
        sent = iqs(client)[-1]
        request = parse(sent)
        client.transport.receive(
            f"<iq xmlns='jabber:client' type='error' from='{ROOM}' id='{request.get('id')}'><error type='cancel'>"
            "<not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:"
            "xmpp-stanzas'>You cannot kick an owner</text></error></iq>")
        await settle()
        return client, room, sent
    client, room, sent = arun(body())
    item = parse(sent).find(f"{{{ADMIN}}}query/{{{ADMIN}}}item")
    assert item is not None and item.get("nick") == "firstwitch" and item.get("role") == "none"
    assert item.findtext(f"{{{ADMIN}}}reason") == "flooding the room"
    assert infos(room) == ["The room refused /kick: You cannot kick an owner"]


def test_an_admin_bans_by_nick_with_the_occupants_real_jid_and_lists_members() -> None:
    async def body() -> tuple[Client, list[dict[str, str]]]:
        client, room = await in_room("moderator", "admin")
        room.send_message("/ban firstwitch")
        pending = room.get_affiliation_list("member")  # type: ignore[attr-defined]
        await settle()
        request = parse(iqs(client)[-1])
        client.transport.receive(f"<iq xmlns='jabber:client' type='result' from='{ROOM}' id='{request.get('id')}'>"
                                 f"<query xmlns='{ADMIN}'><item affiliation='member' jid='hag66@shakespeare.lit' "
                                 "nick='thirdwitch' role='participant'/></query></iq>")
        return client, await pending
    client, members = arun(body())
    ban = parse(iqs(client)[-2]).find(f"{{{ADMIN}}}query/{{{ADMIN}}}item")
    assert ban is not None and ban.get("affiliation") == "outcast" and ban.get("jid") == "crone1@shakespeare.lit"
    assert members == [{"jid": "hag66@shakespeare.lit", "affiliation": "member", "nick": "thirdwitch",
                        "role": "participant", "reason": ""}]


def test_role_changes_removals_and_occupant_ids_from_presences() -> None:
    async def body() -> tuple[Client, Room, list[str]]:
        client, room = await in_room("moderator", "owner")
        changed: list[str] = []
        client.api.listen.on("occupantRoleChanged", lambda _room, occupant: changed.append(occupant.get("role")))
        peer(client, "firstwitch", role="visitor", occupant_id="occ-1")
        peer(client, "secondwitch")
        client.transport.receive(
            f'<presence xmlns="jabber:client" type="unavailable" from="{ROOM}/secondwitch"><x xmlns="'
            'http://jabber.org/protocol/muc#user"><item affiliation="outcast" role="none"><reason>Treason</reason>'
            '</item><status code="301"/></x></presence>')
        await settle()
        return client, room, changed
    _client, room, changed = arun(body())
    assert changed == ["visitor"]
    assert room.occupants["firstwitch"].get("occupant_id") == "occ-1"
    assert infos(room) == ["firstwitch was muted", "secondwitch was banned: Treason"]


def room_message(nick: str, sid: str, body: str) -> str:
    return (f'<message xmlns="jabber:client" from="{ROOM}/{nick}" type="groupchat" id="{sid}-o"><body>{body}</body>'
            f'<stanza-id xmlns="urn:xmpp:sid:0" by="{ROOM}" id="{sid}"/></message>')


def announcement(target: str, sender: str = ROOM) -> str:
    return (f"<message xmlns='jabber:client' type='groupchat' id='r1' from='{sender}'>"
            f"<retract id='{target}' xmlns='urn:xmpp:message-retract:1'><moderated by='{ROOM}/firstwitch' "
            "xmlns='urn:xmpp:message-moderate:1'/><reason>spam</reason></retract></message>")


def test_a_moderation_from_the_room_makes_a_tombstone_and_one_from_an_occupant_is_ignored() -> None:
    async def body() -> tuple[Room, list[str]]:
        client, room = await in_room("participant", "member")
        moderated: list[str] = []
        client.api.listen.on("roomModerated", lambda _room, message: moderated.append(message.stanza_id))
        client.transport.receive(room_message("firstwitch", "s1", "buy potions"))
        client.transport.receive(room_message("firstwitch", "s2", "more potions"))
        client.transport.receive(announcement("s2", f"{ROOM}/firstwitch"))  # an occupant: ignored
        client.transport.receive(announcement("s1-o"))  # not the room's stanza-id: ignored
        client.transport.receive(announcement("s1"))
        await settle()
        return room, moderated
    room, moderated = arun(body())
    first, second = [m for m in room.messages if m.kind == "message"]
    assert is_retracted(first) and first.body == "" and first.extras[MODERATED]["by"] == "firstwitch"
    assert first.extras[MODERATED]["reason"] == "spam" and moderated == ["s1"]
    assert second.body == "more potions" and not is_retracted(second)


def test_remove_for_everyone_is_offered_to_moderators_in_rooms_that_announce_it() -> None:
    async def body() -> dict[str, Any]:
        client, room = await in_room("moderator", "admin", ("urn:xmpp:message-moderate:1",))
        client.transport.receive(room_message("firstwitch", "s1", "buy potions"))
        await settle()
        state = client.converse.get(ModerationState)
        message: ShownMessage = room.messages[-1]
        names = [b["name"] for b in state.action_buttons({"box": room, "message": message}, [])]
        room.moderate_message(message.id, "spam")  # type: ignore[attr-defined]
        sent = iqs(client)[-1]
        room.set("features", [])
        without = [b["name"] for b in state.action_buttons({"box": room, "message": message}, [])]
        try:
            room.moderate_message(message.id)  # type: ignore[attr-defined]
            refused = ""
        except ConverseError as exc:
            refused = str(exc)
        return {"names": names, "sent": sent, "without": without, "refused": refused}
    got = arun(body())
    assert got["names"] == ["moderate"] and got["without"] == []
    moderate = parse(got["sent"]).find("{urn:xmpp:message-moderate:1}moderate")
    assert moderate is not None and moderate.get("id") == "s1" and moderate.findtext(
        "{urn:xmpp:message-moderate:1}reason") == "spam"
    assert got["refused"] == "This room does not support removing messages (XEP-0425)."


def test_the_occupant_menu_offers_only_what_the_users_role_allows() -> None:
    async def body() -> tuple[str, str, Any]:
        client, room = await in_room("moderator", "member")
        state = client.converse.get(ModerationState)
        moderator_menu = str(state.occupant_menu(room, room.occupants["firstwitch"]))
        own = state.occupant_menu(room, room.own_occupant())
        room.occupants["hag66"].set({"role": "moderator", "affiliation": "owner"})
        owner_menu = str(state.occupant_menu(room, room.occupants["firstwitch"]))
        return moderator_menu, owner_menu, own
    moderator_menu, owner_menu, own = arun(body())
    names = lambda html: [part.split('"')[0] for part in html.split('data-name="')[1:]]  # noqa: E731
    assert names(moderator_menu) == ["mute", "kick"]  # a moderator who is only a member: no op, no ban
    assert names(owner_menu) == ["mute", "op", "kick", "ban"]
    assert own is None  # nothing to do to oneself
