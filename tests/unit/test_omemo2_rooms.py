"""omemo:2 in members-only, non-anonymous rooms (converse_py/plugins/omemo/group.py, rooms.py,
service.py): which version a room's message is written in, the XEP-0420 envelope checks for a
groupchat message (XEP-0384 0.8 §6: ``<from/>`` the sender's real bare JID, a ``<to/>`` the room's
bare JID), and a logged-in client in a room with a python-omemo member that has only the twomemo
backend (tests/unit/omemo_peer.py), envelopes written and read here from XEP-0420 as written.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from converse_py.plugins.omemo.errors import DecryptionError
from converse_py.plugins.omemo.group import group_version
from converse_py.plugins.omemo.plugin import FALLBACK_BODY, OmemoChats
from converse_py.plugins.omemo.service import OmemoSendError, OmemoService
from converse_py.plugins.omemo.store import MemoryStore
from converse_py.plugins.omemo.versions import OMEMO_03, OMEMO_2
from converse_py.xmpp.stanza import find, parse, serialize

from .conftest import arun
from .omemo_crypto import CryptographyBackend
from .omemo_peer import Network, peer_receives, peer_sends, python_omemo_peer
from .test_omemo_plugin import NS, TWO, until
from .test_omemo_rooms import QUALIFYING, ROOM, answer_affiliations, crypto_backend, room_client

__all__ = ["crypto_backend"]  # its autouse fixture: the CPython crypto backend and an in-memory store

SCE = "urn:xmpp:sce:1"
JULIET = "juliet@capulet.lit"


def envelope(body: str, *, from_jid: str = JULIET, to_jid: str | None = ROOM, extra: str = "") -> bytes:
    """XEP-0420 §4 Example 1's shape (content, rpad, time, to, from), as a groupchat member writes it."""
    to = f"<to jid='{to_jid}'/>" if to_jid is not None else ""
    return (f"<envelope xmlns='{SCE}'><content><body xmlns='jabber:client'>{body}</body>{extra}</content>"
            f"<rpad>C0MU1W1lDs</rpad><time stamp='2004-01-25T05:05:00.123456+00:00'/>{to}"
            f"<from jid='{from_jid}'/></envelope>").encode()


# -- the version a room's message is written in --------------------------------------------------
def test_a_room_whose_members_all_have_0_3_devices_gets_0_3() -> None:
    members = ["juliet@capulet.lit", "romeo@montague.lit"]
    assert group_version(members, with_03=members, with_2=[]) is OMEMO_03
    assert group_version(members, with_03=members, with_2=members) is OMEMO_03  # 0.3 first, as now


def test_a_room_where_0_3_misses_a_member_and_omemo_2_reaches_all_gets_omemo_2() -> None:
    members = ["juliet@capulet.lit", "romeo@montague.lit"]
    assert group_version(members, with_03=["juliet@capulet.lit"], with_2=members) is OMEMO_2
    assert group_version(members, with_03=[], with_2=members) is OMEMO_2


def test_a_room_no_one_version_reaches_is_refused_with_the_reason() -> None:
    members = ["juliet@capulet.lit", "romeo@montague.lit", "tybalt@capulet.lit"]
    with pytest.raises(OmemoSendError, match="no OMEMO device of tybalt@capulet.lit"):
        group_version(members, with_03=["juliet@capulet.lit"], with_2=["romeo@montague.lit"])
    with pytest.raises(OmemoSendError, match="share no OMEMO version: omemo:2 only for romeo@montague.lit, "
                                             "OMEMO 0.3 only for juliet@capulet.lit"):
        group_version(members[:2], with_03=["juliet@capulet.lit"], with_2=["romeo@montague.lit"])


# -- the envelope checks of a groupchat message ------------------------------------------------
def service() -> OmemoService:
    async def no_iq(stanza: ET.Element) -> ET.Element:
        raise AssertionError("no IQ expected")
    return OmemoService(CryptographyBackend(), MemoryStore(), no_iq, "alice@localhost")


def test_a_groupchat_envelope_from_the_senders_real_jid_to_the_room_is_read() -> None:
    text, content = service()._envelope_text(
        envelope("Hello World!", extra="<x xmlns='jabber:x:oob'><url>https://h.example/a.jpg</url></x>"), JULIET, ROOM)
    assert text == "Hello World!" and [el.tag for el in content] == ["{jabber:x:oob}x"]
    # <to/> may be left out; its case and a resource do not matter (bare JIDs compared)
    assert service()._envelope_text(envelope("no to", to_jid=None), JULIET, ROOM)[0] == "no to"
    assert service()._envelope_text(envelope("upper", to_jid=ROOM.upper() + "/nick"), JULIET, ROOM)[0] == "upper"


def test_a_groupchat_envelope_naming_another_sender_or_another_room_is_refused() -> None:
    with pytest.raises(DecryptionError, match="another sender"):
        service()._envelope_text(envelope("I am Juliet", from_jid="tybalt@capulet.lit"), JULIET, ROOM)
    with pytest.raises(DecryptionError, match="another sender"):  # the room's occupant JID is not the sender
        service()._envelope_text(envelope("nick", from_jid=f"{ROOM}/juliet"), JULIET, ROOM)
    with pytest.raises(DecryptionError, match="another room"):
        service()._envelope_text(envelope("elsewhere", to_jid="other@chat.shakespeare.lit"), JULIET, ROOM)
    with pytest.raises(DecryptionError, match="another room"):  # a one-to-one envelope replayed in a room
        service()._envelope_text(envelope("to alice", to_jid="alice@localhost"), JULIET, ROOM)


# -- a client in a room with an omemo:2-only member --------------------------------------------
def groupchat(nick: str, encrypted: ET.Element, msg_id: str) -> str:
    return (f"<message xmlns='jabber:client' from='{ROOM}/{nick}' to='alice@localhost/web' type='groupchat' "
            f"id='{msg_id}'><body>{FALLBACK_BODY}</body>{serialize(encrypted)}"
            f"<encryption xmlns='urn:xmpp:eme:0' namespace='{TWO}'/>"
            f"<stanza-id xmlns='urn:xmpp:sid:0' id='S-{msg_id}' by='{ROOM}'/></message>")


def room_messages(client: Any) -> list[str]:
    return [x for x in client.transport.sent if x.startswith("<message") and "groupchat" in x]


def test_an_omemo_2_only_member_and_the_client_exchange_envelopes_in_the_room() -> None:
    async def body() -> None:
        network = Network()
        juliet = await python_omemo_peer(network, JULIET, [TWO])
        client, room, fake, admin = await room_client(network, QUALIFYING, omemo_default=True)
        await client.converse.get(OmemoChats).ensure_service()
        client.transport.sent.clear()
        fake.seen = 0
        room.send_message("Wherefore art thou")
        await until(lambda: room_messages(client), "sent")
        [xml] = room_messages(client)
        assert "Wherefore" not in xml and FALLBACK_BODY in xml
        wire = parse(xml)
        assert find(wire, NS, "encrypted") is None
        assert find(wire, "urn:xmpp:eme:0", "encryption").get("namespace") == TWO  # type: ignore[union-attr]
        encrypted = find(wire, TWO, "encrypted")
        assert encrypted is not None
        plaintext = await peer_receives(juliet, encrypted, "alice@localhost", JULIET)
        assert plaintext is not None
        received = ET.fromstring(plaintext)
        assert received.findtext(f"{{{SCE}}}content/{{jabber:client}}body") == "Wherefore art thou"
        assert received.find(f"{{{SCE}}}to").get("jid") == ROOM  # type: ignore[union-attr]
        assert received.find(f"{{{SCE}}}from").get("jid") == "alice@localhost"  # type: ignore[union-attr]
        assert received.find(f"{{{SCE}}}rpad") is not None

        # juliet answers: decrypted with her real JID's session, the envelope's link shown as in the clear
        url = "https://h.example/balcony.jpg"
        answer = await peer_sends(juliet, TWO, envelope(url, extra=f"<x xmlns='jabber:x:oob'><url>{url}</url></x>"),
                                  "alice@localhost")
        client.transport.receive(groupchat("juliet", answer, "j1"))
        await until(lambda: any(m.id == "j1" and m.extras.get("omemo") == "decrypted" for m in room.messages), "read")
        [theirs] = [m for m in room.messages if m.id == "j1"]
        assert theirs.body == url and ("image", url) in theirs.extras.get("media", ())

        # an envelope addressed to another room is refused
        forged = await peer_sends(juliet, TWO, envelope("meant elsewhere", to_jid="other@chat.shakespeare.lit"),
                                  "alice@localhost")
        client.transport.receive(groupchat("juliet", forged, "j2"))
        await until(lambda: any(m.id == "j2" and m.extras.get("omemo") == "failed" for m in room.messages), "refused")
        assert "meant elsewhere" not in [m.body for m in room.messages]

        # a reply with a spoiler: the reply, its fallback and the spoiler travel in the envelope only
        client.transport.sent.clear()
        fake.seen = 0
        room.set("spoiler", {"hint": "the tomb"})
        room.reply("j1", "Is it e'en so?")
        await until(lambda: room_messages(client), "the reply sent")
        [xml] = room_messages(client)
        for leaked in ("e'en so", "e&apos;en so", "the tomb", "urn:xmpp:reply:0", "urn:xmpp:fallback:0", "urn:xmpp:spoiler:0"):
            assert leaked not in xml, leaked
        plaintext = await peer_receives(juliet, find(parse(xml), TWO, "encrypted"), "alice@localhost", JULIET)  # type: ignore[arg-type]
        content = ET.fromstring(plaintext or b"").find(f"{{{SCE}}}content")
        assert content is not None
        assert content.find("{urn:xmpp:reply:0}reply").get("id") == "S-j1"  # type: ignore[union-attr]
        assert content.find("{urn:xmpp:fallback:0}fallback") is not None
        assert content.findtext("{urn:xmpp:spoiler:0}spoiler") == "the tomb"
        mine = room.messages[-1]  # the user's row is the reply and the spoiler it was
        assert mine.outgoing and mine.extras.get("omemo") == "sent" and mine.body == "Is it e'en so?"
        assert mine.extras.get("reply", {}).get("id") == "S-j1" and mine.extras.get("spoiler", {}).get("hint") == "the tomb"
        fake.task.cancel()
        admin.cancel()
    arun(body())


def test_a_room_whose_members_share_no_version_gets_nothing_and_the_user_sees_why() -> None:
    async def body() -> None:
        network = Network()
        await python_omemo_peer(network, JULIET, [TWO])
        await python_omemo_peer(network, "nurse@capulet.lit", [NS])
        client, room, fake, admin = await room_client(network, QUALIFYING, omemo_default=True)
        admin.cancel()
        admin = asyncio.ensure_future(answer_affiliations(client, {"member": [JULIET, "nurse@capulet.lit"]}))
        client.transport.sent.clear()
        fake.seen = 0
        room.send_message("for both of you")
        await until(lambda: room.messages and room.messages[-1].error, "the failure shown")
        failed = room.messages[-1]
        assert failed.body == "for both of you" and "share no OMEMO version" in (failed.error or "")
        assert not room_messages(client)
        fake.task.cancel()
        admin.cancel()
    arun(body())
