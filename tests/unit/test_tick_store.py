"""Delivery and read ticks survive a reload: the ids the contact confirmed (XEP-0184) or saw
(XEP-0333) are kept per account and chat in tab storage, bounded, and applied to the same
messages when the page after a reload shows them from the archive."""

from __future__ import annotations

from converse_py.plugins.receipts.tick_store import MAX_BOXES, MAX_PER_BOX, TickStore
from converse_py.core.platform import NullPlatform

from .conftest import Client, arun, chat, settle
from .test_mam import _answer_disco, _sent_iqs

async def page(storage: dict[str, str], jid: str = "alice@localhost") -> Client:
    """A page of the tab whose storage is ``storage``, logged in as ``jid``, with bob's chat open
    and its newest archive page answered."""
    client = Client()
    client.platform.storage = storage
    await client.converse.initialize({})
    await client.api.user.login({"jid": jid, "password": "secret"})
    await settle()
    roster = next(x for x in client.transport.sent if "jabber:iq:roster" in x)
    roster_id = roster.split('id="')[1].split('"')[0]
    client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{roster_id}">'
                             '<query xmlns="jabber:iq:roster"/></iq>')
    await settle()
    await _answer_disco(client, ("urn:xmpp:mam:2",))
    client.api.chats.open("bob@localhost")
    await settle()
    answer_archive(client, jid)
    await settle()
    return client


def answer_archive(client: Client, jid: str) -> None:
    """Answer the last MAM query with ``jid``'s three messages to bob (ids m-a1, m-a2, m-a3)."""
    request = _sent_iqs(client, "{urn:xmpp:mam:2}query")[-1]
    query_id = request.find("{urn:xmpp:mam:2}query").get("queryid")  # type: ignore[union-attr]
    for aid, text in (("a1", "one"), ("a2", "two"), ("a3", "three")):
        client.transport.receive(
            f'<message xmlns="jabber:client" to="{jid}/web" from="{jid}">'
            f'<result xmlns="urn:xmpp:mam:2" queryid="{query_id}" id="{aid}"><forwarded xmlns="urn:xmpp:forward:0">'
            f'<delay xmlns="urn:xmpp:delay" stamp="2026-03-01T12:0{aid[1]}:00Z"/><message xmlns="jabber:client" '
            f'type="chat" from="{jid}/web" to="bob@localhost" id="m-{aid}"><body>{text}</body></message>'
            f'</forwarded></result></message>')
    client.transport.receive(
        f'<iq xmlns="jabber:client" type="result" id="{request.get("id")}"><fin xmlns="urn:xmpp:mam:2" '
        f'complete="true"><set xmlns="http://jabber.org/protocol/rsm"><first index="0">a1</first>'
        f'<last>a3</last></set></fin></iq>')


def ticks(client: Client) -> list[tuple[str, bool, bool]]:
    return [(m.body, m.delivered, m.displayed) for m in client.api.chats.get("bob@localhost").messages]


def test_ticks_of_archived_messages_come_back_after_a_reload() -> None:
    async def body() -> tuple[list[tuple[str, bool, bool]], list[tuple[str, bool, bool]]]:
        storage: dict[str, str] = {}
        first = await page(storage)
        first.transport.receive(chat("bob@localhost/phone", "r1", None,
                                     "<received xmlns='urn:xmpp:receipts' id='m-a1'/>"))
        first.transport.receive(chat("bob@localhost/phone", "r2", None,
                                     "<displayed xmlns='urn:xmpp:chat-markers:0' id='m-a2'/>"))
        await settle()
        second = await page(storage)  # the reload: the same messages, from the archive
        return ticks(first), ticks(second)
    before, after = arun(body())
    assert before == [("one", True, True), ("two", True, True), ("three", False, False)]
    assert after == before


def test_ticks_are_not_shown_to_another_account_and_a_logout_forgets_them() -> None:
    async def body() -> tuple[list[tuple[str, bool, bool]], list[str]]:
        storage: dict[str, str] = {}
        first = await page(storage)
        first.transport.receive(chat("bob@localhost/phone", "r1", None,
                                     "<received xmlns='urn:xmpp:receipts' id='m-a1'/>"))
        await settle()
        # carol's archive (in the same tab) holds her messages with the same ids: no ticks for her
        carol = await page(storage, "carol@localhost")
        first.api.user.logout()
        await settle()
        return ticks(carol), [k for k in storage if "ticks" in k and "alice" in k]
    carol, kept = arun(body())
    assert carol == [("one", False, False), ("two", False, False), ("three", False, False)]
    assert kept == []


def test_the_store_keeps_the_newest_ids_of_the_most_recent_chats_only() -> None:
    platform = NullPlatform()
    store = TickStore(platform, "delivered")
    store.add("alice@localhost", "bob@localhost", [f"m{i}" for i in range(MAX_PER_BOX + 5)])
    for n in range(MAX_BOXES):
        store.add("alice@localhost", f"friend{n}@localhost", ["x"])
    fresh = TickStore(platform, "delivered")
    assert not fresh.has("alice@localhost", "bob@localhost", f"m{MAX_PER_BOX + 4}")  # bob's chat dropped
    assert fresh.has("alice@localhost", "friend0@localhost", "x")
    store.add("alice@localhost", "bob@localhost", [f"m{i}" for i in range(MAX_PER_BOX + 5)])
    fresh = TickStore(platform, "delivered")
    assert fresh.has("alice@localhost", "bob@localhost", f"m{MAX_PER_BOX + 4}")
    assert not fresh.has("alice@localhost", "bob@localhost", "m4")  # the oldest ids went first
    assert not fresh.has("alice@localhost", "friend0@localhost", "x")  # the least recent chat went
    assert "one" not in platform.storage[fresh.key("alice@localhost")]  # ids only
