"""XEP-0191 blocking: stanzas against the XEP's examples, api.blocklist and pushes on the fake transport."""

from __future__ import annotations

from typing import Any

from converse_py.plugins.blocking.plugin import BlocklistState
from converse_py.plugins.blocking.stanzas import block_request, blocklist_request, parse_push, unblock_request
from converse_py.plugins.disco.plugin import Feature
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, logged_in, settle


def test_requests_match_the_xeps_examples() -> None:
    assert canonical(serialize(blocklist_request(id_="blocklist1"))) == canonical(
        "<iq xmlns='jabber:client' type='get' id='blocklist1'><blocklist xmlns='urn:xmpp:blocking'/></iq>")
    assert canonical(serialize(block_request(["romeo@montague.net"], id_="block1"))) == canonical(
        "<iq xmlns='jabber:client' type='set' id='block1'><block xmlns='urn:xmpp:blocking'>"
        "<item jid='romeo@montague.net'/></block></iq>")
    assert canonical(serialize(unblock_request(["romeo@montague.net"], id_="unblock1"))) == canonical(
        "<iq xmlns='jabber:client' type='set' id='unblock1'><unblock xmlns='urn:xmpp:blocking'>"
        "<item jid='romeo@montague.net'/></unblock></iq>")


def test_pushes_and_bad_items() -> None:
    push = parse_push(parse("<iq xmlns='jabber:client' type='set' id='push1'><block xmlns='urn:xmpp:blocking'>"
                            "<item jid='romeo@montague.net'/><item jid='@@bad'/><item/></block></iq>"))
    assert push is not None and push.blocked and push.jids == ("romeo@montague.net",)
    assert parse_push(parse("<iq xmlns='jabber:client' type='get'><block xmlns='urn:xmpp:blocking'/></iq>")) is None


async def blocking_client() -> tuple[Client, BlocklistState]:
    client = await logged_in()
    client.converse.trigger("serviceDiscovered", Feature("urn:xmpp:blocking", "localhost"))
    await settle()
    request = parse(client.transport.sent[-1])
    client.transport.receive(
        f"<iq xmlns='jabber:client' type='result' id='{request.get('id')}'><blocklist xmlns='urn:xmpp:blocking'>"
        "<item jid='iago@shakespeare.lit'/></blocklist></iq>")
    await settle()
    return client, client.converse.get(BlocklistState)


def test_the_blocklist_is_fetched_when_the_server_supports_it_and_changed_through_the_api() -> None:
    async def body() -> None:
        client, state = await blocking_client()
        api: Any = client.api
        assert await api.blocklist.get() == ["iago@shakespeare.lit"]
        changes: list[Any] = []
        api.listen.on("blocklistChanged", changes.append)
        adding = api.blocklist.add("spam@example.org")
        await settle()
        request = parse(client.transport.sent[-1])
        assert canonical(serialize(request)) == canonical(serialize(block_request(["spam@example.org"], request.get("id"))))
        client.transport.receive(f"<iq xmlns='jabber:client' type='result' id='{request.get('id')}'/>")
        assert await adding == ["iago@shakespeare.lit", "spam@example.org"]
        assert api.blocklist.is_blocked("spam@example.org/phone") and not api.blocklist.is_blocked("bob@localhost")
        assert changes == [{"added": ["spam@example.org"], "removed": []}]
        assert state.jids == ["iago@shakespeare.lit", "spam@example.org"]
    arun(body())


def test_pushes_from_the_own_account_apply_and_others_are_refused() -> None:
    async def body() -> None:
        client, state = await blocking_client()
        client.transport.sent.clear()
        client.transport.receive("<iq xmlns='jabber:client' type='set' id='push2' from='mallory@evil.example'>"
                                 "<unblock xmlns='urn:xmpp:blocking'/></iq>")
        await settle()
        assert state.jids == ["iago@shakespeare.lit"]
        assert "service-unavailable" in client.transport.sent[-1]
        client.transport.receive("<iq xmlns='jabber:client' type='set' id='push3' from='alice@localhost'>"
                                 "<unblock xmlns='urn:xmpp:blocking'/></iq>")
        await settle()
        assert state.jids == []
        assert 'type="result"' in client.transport.sent[-1] and 'id="push3"' in client.transport.sent[-1]
    arun(body())


def test_messages_from_a_blocked_jid_are_not_shown() -> None:
    async def body() -> None:
        from converse_py.plugins.chats.plugin import ChatsState
        client, _state = await blocking_client()
        for sender, msg_id in (("iago@shakespeare.lit/x", "m1"), ("bob@localhost/x", "m2")):
            client.transport.receive(f"<message xmlns='jabber:client' type='chat' from='{sender}' "
                                     f"to='alice@localhost/web' id='{msg_id}'><body>hi</body></message>")
        await settle()
        boxes = client.converse.get(ChatsState).boxes
        assert [m.id for m in boxes["bob@localhost"].messages] == ["m2"]
        assert "iago@shakespeare.lit" not in boxes or not boxes["iago@shakespeare.lit"].messages
    arun(body())
