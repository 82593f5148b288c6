"""OMEMO 0.3 in rooms (converse_py/plugins/omemo/rooms.py, group.py): which rooms qualify, whom a
message is encrypted for, whose session decrypts an incoming one, and a logged-in client in a
members-only, non-anonymous room talking with a python-omemo member (tests/unit/omemo_peer.py),
its own reflection matched to the row it shows.
"""

from __future__ import annotations

import asyncio
from typing import Any

import oldmemo
import pytest

from converse_py.plugins.chats.hooks import OutgoingMessage
from converse_py.plugins.muc.plugin import RoomsState
from converse_py.plugins.muc.stanzas import groupchat_message
from converse_py.plugins.omemo import plugin as omemo_plugin
from converse_py.plugins.omemo.plugin import FALLBACK_BODY, OmemoChats
from converse_py.plugins.omemo.rooms import (
    OmemoRooms, affiliated_jids, affiliation_query, config_changed_room, member_jids, room_qualifies, sender_jid)
from converse_py.plugins.omemo.store import MemoryStore
from converse_py.xmpp.stanza import canonical, find, parse, serialize

from .conftest import Client, arun, logged_in
from .omemo_crypto import CryptographyBackend
from .omemo_peer import Network, peer_receives, peer_sends, python_omemo_peer
from .test_omemo_plugin import FakePep, until

NS = oldmemo.oldmemo.NAMESPACE
ROOM = "coven@chat.shakespeare.lit"
MUC_USER = "http://jabber.org/protocol/muc#user"
QUALIFYING = ["http://jabber.org/protocol/muc", "muc_membersonly", "muc_nonanonymous", "muc_persistent"]


@pytest.fixture(autouse=True)
def crypto_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(omemo_plugin.BACKEND, "factory", lambda owner: (CryptographyBackend(), MemoryStore()))


# -- the pure rules -----------------------------------------------------------------------------
def test_only_members_only_non_anonymous_rooms_qualify() -> None:
    assert room_qualifies(QUALIFYING)
    assert not room_qualifies(["muc_membersonly", "muc_semianonymous"])  # real JIDs hidden from members
    assert not room_qualifies(["muc_open", "muc_nonanonymous"])  # anyone may read it
    assert not room_qualifies([]) and not room_qualifies(None)


def test_the_affiliation_list_query_and_result_match_xep_0045() -> None:
    # XEP-0045 §9.5 Example 106 (the member list request) and Example 107 (the result)
    request = affiliation_query("coven@chat.shakespeare.lit", "member")
    request.set("id", "member3")
    assert canonical(serialize(request)) == canonical(
        "<iq xmlns='jabber:client' id='member3' to='coven@chat.shakespeare.lit' type='get'>"
        "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>")
    result = parse("<iq xmlns='jabber:client' from='coven@chat.shakespeare.lit' id='member3' "
                   "to='crone1@shakespeare.lit/desktop' type='result'>"
                   "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                   "<item affiliation='member' jid='hag66@shakespeare.lit' nick='thirdwitch' role='participant'/>"
                   "<item affiliation='member' jid='shakespeare.lit'/><item affiliation='member'/>"
                   "</query></iq>")
    assert affiliated_jids(result) == ["hag66@shakespeare.lit"]  # a server JID or no JID is nobody's devices


def test_the_recipients_are_the_members_and_occupants_real_jids_without_the_user() -> None:
    occupants = ["crone1@shakespeare.lit/desktop", "wiccarocks@shakespeare.lit/laptop", None,
                 "hag66@shakespeare.lit/pda", "Hag66@Shakespeare.lit/phone"]
    members = ["hag66@shakespeare.lit", "secondwitch@shakespeare.lit", "crone1@shakespeare.lit"]
    assert member_jids(occupants, members, "hag66@shakespeare.lit") == {
        "crone1@shakespeare.lit", "wiccarocks@shakespeare.lit", "secondwitch@shakespeare.lit"}
    assert member_jids([], [], "hag66@shakespeare.lit") == set()


class FakeRoom:
    def __init__(self, occupants: dict[str, str | None]) -> None:
        from converse_py.core.model import Model
        self.occupants = {nick: Model({"nick": nick, "jid": jid}) for nick, jid in occupants.items()}


def test_the_sender_is_the_occupants_real_jid_or_the_rooms_item_in_an_archived_copy() -> None:
    room = FakeRoom({"firstwitch": "crone1@shakespeare.lit/desktop", "masked": None})
    live = parse(f"<message xmlns='jabber:client' from='{ROOM}/firstwitch' type='groupchat'><body>x</body>"
                 f"<x xmlns='{MUC_USER}'><item jid='mallory@evil.lit/x'/></x></message>")
    assert sender_jid(room, live, "firstwitch", archived=False) == "crone1@shakespeare.lit"  # the presence decides
    archived = parse(f"<message xmlns='jabber:client' from='{ROOM}/secondwitch' type='groupchat'><body>x</body>"
                     f"<x xmlns='{MUC_USER}'><item jid='wiccarocks@shakespeare.lit/laptop'/></x></message>")
    assert sender_jid(room, archived, "secondwitch", archived=True) == "wiccarocks@shakespeare.lit"
    bare = parse(f"<message xmlns='jabber:client' from='{ROOM}/firstwitch' type='groupchat'><body>x</body></message>")
    assert sender_jid(room, bare, "firstwitch", archived=True) == "crone1@shakespeare.lit"
    assert sender_jid(room, bare, "masked", archived=False) is None
    assert sender_jid(room, bare, "gone", archived=False) is None


def test_a_configuration_change_notice_is_recognised() -> None:
    # XEP-0045 §10.2.1 Example 165: the room tells its occupants that its configuration changed
    notice = parse(f"<message xmlns='jabber:client' from='{ROOM}' id='80349046-F26A-44F3-A7A6-54825064DD9E' "
                   f"to='crone1@shakespeare.lit/desktop' type='groupchat'><x xmlns='{MUC_USER}'>"
                   "<status code='104'/></x></message>")
    assert config_changed_room(notice) == ROOM
    from_occupant = parse(serialize(notice).replace(f"from=\"{ROOM}\"", f"from=\"{ROOM}/nick\""))
    assert config_changed_room(from_occupant) is None
    other = parse(serialize(notice).replace("104", "170"))
    assert config_changed_room(other) is None


# -- a client in a room with a python-omemo member --------------------------------------------------
async def answer_affiliations(client: Client, lists: dict[str, list[str]]) -> None:
    """Answers the client's muc#admin list queries from ``lists`` (affiliation → JIDs), forbidden
    for lists not given (as a room answers a member asking for the owner list)."""
    seen = 0
    while True:
        sent = client.transport.sent
        seen = 0 if seen > len(sent) else seen  # the test cleared what was sent
        while seen < len(sent):
            xml = sent[seen]
            seen += 1
            if xml.startswith("<iq") and "muc#admin" in xml:
                stanza = parse(xml)
                item = stanza.find(".//{http://jabber.org/protocol/muc#admin}item")
                affiliation = item.get("affiliation") if item is not None else ""
                head = f"<iq xmlns='jabber:client' from='{ROOM}' id='{stanza.get('id')}'"
                if affiliation in lists:
                    items = "".join(f"<item affiliation='{affiliation}' jid='{jid}'/>" for jid in lists[affiliation])
                    client.transport.receive(f"{head} type='result'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                                             f"{items}</query></iq>")
                else:
                    client.transport.receive(f"{head} type='error'><error type='auth'><forbidden "
                                             "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        await asyncio.sleep(0)


def occupant(nick: str, jid: str | None, codes: str = "", affiliation: str = "member") -> str:
    real = f" jid='{jid}'" if jid else ""
    return (f"<presence xmlns='jabber:client' from='{ROOM}/{nick}' to='alice@localhost/web'>"
            f"<x xmlns='{MUC_USER}'><item affiliation='{affiliation}' role='participant'{real}/>{codes}</x></presence>")


async def room_client(network: Network, features: list[str], members: tuple[str, ...] = ("juliet@capulet.lit", "alice@localhost"),
                      **settings: Any) -> tuple[Client, Any, FakePep, Any]:
    client = await logged_in(settings)
    fake = FakePep(client, network)
    admin = asyncio.ensure_future(answer_affiliations(client, {"member": list(members)}))
    room = client.converse.get(RoomsState).open(ROOM, {"nick": "alice"})
    client.transport.receive(occupant("juliet", "juliet@capulet.lit/balcony"))
    client.transport.receive(occupant("alice", "alice@localhost/web", "<status code='110'/>", "owner"))
    room.set("features", features)
    return client, room, fake, admin


def test_a_qualifying_room_has_the_switch_and_omemo_default_applies() -> None:
    async def body() -> None:
        client, room, fake, admin = await room_client(Network(), QUALIFYING, omemo_default=True)
        rooms = client.converse.get(OmemoRooms)
        assert room.get("omemo_active") is True
        assert [b["name"] for b in rooms.toolbar_buttons(room, [])] == ["omemo"]
        other = client.converse.get(RoomsState).open("open@chat.shakespeare.lit", {"nick": "alice"})
        other.set("features", ["muc_open", "muc_semianonymous"])
        assert other.get("omemo_active") is None and rooms.toolbar_buttons(other, []) == []
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_members_and_the_room_exchange_encrypted_messages_and_the_reflection_is_matched() -> None:
    async def body() -> None:
        network = Network()
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        client, room, fake, admin = await room_client(network, QUALIFYING, omemo_default=True)
        await client.converse.get(OmemoChats).ensure_service()
        client.transport.sent.clear()
        fake.seen = 0
        assert room.send_message("Double, double toil and trouble") is None  # sent once encrypted
        await until(lambda: any(x.startswith("<message") and "groupchat" in x for x in client.transport.sent), "sent")
        [xml] = [x for x in client.transport.sent if x.startswith("<message") and "groupchat" in x]
        assert "toil" not in xml and FALLBACK_BODY in xml
        sent = parse(xml)
        encrypted = find(sent, NS, "encrypted")
        assert encrypted is not None
        assert await peer_receives(juliet, encrypted, "alice@localhost", "juliet@capulet.lit") == \
            b"Double, double toil and trouble"
        [row] = [m for m in room.messages if m.outgoing]
        assert row.body == "Double, double toil and trouble" and row.extras.get("omemo") == "sent"
        # the room reflects it (with its stanza-id): no second row, no fallback, no error
        reflected = serialize(sent).replace(f'to="{ROOM}"', f'from="{ROOM}/alice" to="alice@localhost/web"')
        reflected = reflected.replace("</message>", f"<stanza-id xmlns='urn:xmpp:sid:0' id='S1' by='{ROOM}'/></message>")
        client.transport.receive(reflected)
        await asyncio.sleep(0.01)
        mine = [m for m in room.messages if m.outgoing]
        assert len(mine) == 1 and mine[0].body == "Double, double toil and trouble" and mine[0].stanza_id == "S1"
        assert FALLBACK_BODY not in [m.body for m in room.messages] and not mine[0].error

        # juliet answers in the room: decrypted with her real JID's session
        answer = await peer_sends(juliet, NS, b"Fillet of a fenny snake", "alice@localhost")
        client.transport.receive(f"<message xmlns='jabber:client' from='{ROOM}/juliet' to='alice@localhost/web' "
                                 f"type='groupchat' id='j1'><body>{FALLBACK_BODY}</body>{serialize(answer)}</message>")
        await until(lambda: any(m.extras.get("omemo") == "decrypted" for m in room.messages), "decrypted")
        [theirs] = [m for m in room.messages if not m.outgoing]
        assert theirs.body == "Fillet of a fenny snake" and theirs.sender_name == "juliet"
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_a_message_from_an_occupant_without_a_known_real_jid_says_so() -> None:
    async def body() -> None:
        network = Network()
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        client, room, fake, admin = await room_client(network, QUALIFYING)
        await client.converse.get(OmemoChats).ensure_service()
        client.transport.receive(occupant("masked", None))
        answer = await peer_sends(juliet, NS, b"hidden", "alice@localhost")
        client.transport.receive(f"<message xmlns='jabber:client' from='{ROOM}/masked' to='alice@localhost/web' "
                                 f"type='groupchat' id='m1'><body>{FALLBACK_BODY}</body>{serialize(answer)}</message>")
        await asyncio.sleep(0.01)
        [row] = room.messages
        assert "real JID" in row.body and "masked" in row.body and row.extras.get("omemo") == "failed"
        assert FALLBACK_BODY not in row.body
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_nothing_goes_in_the_clear_in_a_room_and_the_user_sees_why() -> None:
    async def body() -> None:
        network = Network()
        await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        # romeo is a member (the list says so) but has no OMEMO device: nobody gets the message
        client, room, fake, admin = await room_client(network, QUALIFYING, ("juliet@capulet.lit", "romeo@montague.lit"),
                                                      omemo_default=True)
        client.transport.sent.clear()
        fake.seen = 0
        room.send_message("for members only")
        await until(lambda: room.messages and room.messages[-1].error, "the failure shown")
        failed = room.messages[-1]
        assert failed.body == "for members only" and failed.outgoing and "romeo@montague.lit" in failed.error
        assert not any(x.startswith("<message") for x in client.transport.sent)
        # a room that stops qualifying while the switch is on: refused, never in the clear
        room.set("features", ["muc_open", "muc_nonanonymous"])
        room.send_message("still secret")
        await until(lambda: room.messages[-1].body == "still secret" and room.messages[-1].error, "refused")
        assert "members-only" in room.messages[-1].error
        assert not any(x.startswith("<message") for x in client.transport.sent)
        # the last guard: room stanzas built without the encryption step are refused
        outgoing = OutgoingMessage(room, "sneaky", stanzas=[groupchat_message(ROOM, "sneaky")])
        outgoing = client.converse.hook("createMessageStanza", room, outgoing)
        assert isinstance(outgoing.refusal, ConnectionRefusedError) and outgoing.cancelled
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_an_archived_message_is_decrypted_with_the_real_jid_the_room_put_in_it() -> None:
    async def body() -> None:
        from datetime import UTC, datetime

        from converse_py.plugins.chats.message_stanza import MessageStanza
        from converse_py.plugins.chats.models import ShownMessage
        network = Network()
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        client, room, fake, admin = await room_client(network, QUALIFYING)
        await client.converse.get(OmemoChats).ensure_service()
        old = await peer_sends(juliet, NS, b"from before you came", "alice@localhost")
        # juliet is not in the room now ("ghost" is her nick in the archive): the room's item names her
        stanza = parse(f"<message xmlns='jabber:client' from='{ROOM}/ghost' type='groupchat' id='a1'>"
                       f"<body>{FALLBACK_BODY}</body><x xmlns='{MUC_USER}'><item jid='juliet@capulet.lit/balcony'/></x>"
                       f"{serialize(old)}</message>")
        shown = ShownMessage("a1", "ghost", FALLBACK_BODY, datetime.now(UTC), False, sender_name="ghost",
                             stanza_id="A1", archived=True)
        rooms = client.converse.get(OmemoRooms)
        row = rooms.on_stanza(MessageStanza(room, stanza, "archive", False, "ghost", room=True, stanza_id="A1"), shown)
        assert row is not None and row.body != FALLBACK_BODY
        room.add_messages([row], older=True)
        await until(lambda: room.messages[0].extras.get("omemo") == "decrypted", "decrypted")
        assert room.messages[0].body == "from before you came"
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_a_configuration_change_reads_the_features_again_and_the_switch_appears() -> None:
    async def body() -> None:
        client, room, fake, admin = await room_client(Network(), ["muc_open", "muc_nonanonymous"])
        rooms = client.converse.get(OmemoRooms)
        assert rooms.toolbar_buttons(room, []) == []
        await asyncio.sleep(0.01)  # the disco#info asked on entering is sent (and left unanswered)
        client.transport.sent.clear()
        client.transport.receive(f"<message xmlns='jabber:client' from='{ROOM}' to='alice@localhost/web' "
                                 f"type='groupchat' id='c1'><x xmlns='{MUC_USER}'><status code='104'/></x></message>")
        await until(lambda: any("disco#info" in x for x in client.transport.sent), "disco#info asked")
        [request] = [parse(x) for x in client.transport.sent if "disco#info" in x]
        assert request.get("to") == ROOM
        client.transport.receive(f"<iq xmlns='jabber:client' type='result' from='{ROOM}' id='{request.get('id')}'>"
                                 "<query xmlns='http://jabber.org/protocol/disco#info'>"
                                 "<identity category='conference' type='text' name='Coven'/>"
                                 + "".join(f"<feature var='{f}'/>" for f in QUALIFYING) + "</query></iq>")
        await until(lambda: room_qualifies(room.get("features")), "features read again")
        assert [b["name"] for b in rooms.toolbar_buttons(room, [])] == ["omemo"]
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_resend_encrypts_again_once_every_member_has_a_device() -> None:
    async def body() -> None:
        network = Network()
        await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        client, room, fake, admin = await room_client(network, QUALIFYING, ("juliet@capulet.lit", "romeo@montague.lit"),
                                                      omemo_default=True)
        room.send_message("wait for romeo")
        await until(lambda: room.messages and room.messages[-1].error, "the failure shown")
        failed = room.messages[-1]
        romeo = await python_omemo_peer(network, "romeo@montague.lit", [NS])  # romeo sets OMEMO up
        client.transport.sent.clear()
        fake.seen = 0
        room.resend_message(failed.id)
        await until(lambda: any(x.startswith("<message") and "groupchat" in x for x in client.transport.sent), "sent")
        [xml] = [x for x in client.transport.sent if x.startswith("<message") and "groupchat" in x]
        assert "wait for romeo" not in xml
        encrypted = find(parse(xml), NS, "encrypted")
        assert encrypted is not None
        assert await peer_receives(romeo, encrypted, "alice@localhost", "romeo@montague.lit") == b"wait for romeo"
        assert room.messages[-1].body == "wait for romeo" and room.messages[-1].extras.get("omemo") == "sent"
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_members_device_lists_are_fetched_again_with_the_member_lists() -> None:
    async def body() -> None:
        network = Network()
        juliet = await python_omemo_peer(network, "juliet@capulet.lit", [NS])
        client, room, fake, admin = await room_client(network, QUALIFYING, omemo_default=True)
        service = await client.converse.get(OmemoChats).ensure_service()
        rooms = client.converse.get(OmemoRooms)
        await rooms.members(room)  # the member lists are fresh now
        service.devices["juliet@capulet.lit"] = [999]  # a device juliet no longer has (no bundle)
        room.send_message("first")
        await until(lambda: room.messages and room.messages[-1].error, "refused: juliet unreachable")
        assert "juliet@capulet.lit" in room.messages[-1].error
        rooms._affiliated[ROOM] = (0.0, rooms._affiliated[ROOM][1])  # the member lists are old now
        client.transport.sent.clear()
        fake.seen = 0
        room.send_message("second")
        await until(lambda: any(x.startswith("<message") and "groupchat" in x for x in client.transport.sent), "sent")
        [xml] = [x for x in client.transport.sent if x.startswith("<message") and "groupchat" in x]
        encrypted = find(parse(xml), NS, "encrypted")
        assert encrypted is not None
        assert await peer_receives(juliet, encrypted, "alice@localhost", "juliet@capulet.lit") == b"second"
        assert 999 not in service.devices["juliet@capulet.lit"]
        fake.task.cancel()
        admin.cancel()
    arun(body())
