"""Roster fetch/push/presence and one-to-one messages, against RFC 6121 examples."""

from __future__ import annotations


from converse_py.plugins.roster.stanzas import roster_get
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, settle

ROSTER_RESULT = (
    '<iq xmlns="jabber:client" type="result" id="{id}" to="alice@localhost/web">'
    '<query xmlns="jabber:iq:roster" ver="ver11">'
    '<item jid="romeo@example.net" name="Romeo" subscription="both"><group>Friends</group></item>'
    '<item jid="mercutio@example.com" name="Mercutio" subscription="from"/>'
    '<item jid="benvolio@example.net" name="Benvolio" subscription="none" ask="subscribe"/>'
    '<item jid="not a jid" subscription="both"/>'
    '</query></iq>')


def test_roster_get_matches_rfc6121_example() -> None:
    built = roster_get()
    built.set("id", "bv1bs71f")
    expected = '<iq xmlns="jabber:client" id="bv1bs71f" type="get"><query xmlns="jabber:iq:roster"/></iq>'
    assert canonical(serialize(built)) == canonical(expected)


async def _connected_with_roster() -> Client:
    client = Client()
    await client.converse.initialize({})
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    await settle()
    request = parse(client.transport.sent[0])
    client.transport.receive(ROSTER_RESULT.format(id=request.get("id")))
    await settle()
    return client


def test_roster_is_fetched_on_connect_then_initial_presence_is_sent() -> None:
    async def body() -> Client:
        client = await _connected_with_roster()
        await client.api.wait_until("rosterContactsFetched")
        return client
    client = arun(body())
    assert "jabber:iq:roster" in client.transport.sent[0]
    assert client.transport.sent[1].startswith("<presence")
    romeo = client.api.contacts.get("romeo@example.net")
    assert (romeo.get("fullname"), romeo.get("subscription"), romeo.get("groups")) == ("Romeo", "both", ["Friends"])
    assert client.api.contacts.get("benvolio@example.net").get("ask") == "subscribe"
    assert client.api.contacts.get("nobody@example.net") is None
    assert [c.get("jid") if c else None for c in client.api.contacts.get(["mercutio@example.com", "x@y"])] == \
        ["mercutio@example.com", None]
    assert len(client.api.contacts.get()) == 3


def test_presence_sets_chat_status_from_the_best_resource() -> None:
    async def body() -> list[str]:
        client = await _connected_with_roster()
        romeo = client.api.contacts.get("romeo@example.net")
        statuses = [romeo.get("chat_status")]
        client.transport.receive('<presence xmlns="jabber:client" from="romeo@example.net/orchard">'
                                 '<show>away</show><priority>1</priority></presence>')
        statuses.append(romeo.get("chat_status"))
        client.transport.receive('<presence xmlns="jabber:client" from="romeo@example.net/phone">'
                                 '<priority>5</priority><status>here</status></presence>')
        statuses.append(romeo.get("chat_status") + ":" + romeo.get("status"))
        client.transport.receive('<presence xmlns="jabber:client" type="unavailable" '
                                 'from="romeo@example.net/phone"/>')
        statuses.append(romeo.get("chat_status") + ":" + ",".join(romeo.get("resources")))
        client.transport.receive('<presence xmlns="jabber:client" type="unavailable" '
                                 'from="romeo@example.net/orchard"/>')
        statuses.append(romeo.get("chat_status"))
        return statuses
    assert arun(body()) == ["offline", "away", "online:here", "away:orchard", "offline"]


def test_roster_push_from_the_server_is_applied_and_acknowledged() -> None:
    async def body() -> Client:
        client = await _connected_with_roster()
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="a78b4q6ha463">'
                                 '<query xmlns="jabber:iq:roster"><item jid="nurse@example.com" '
                                 'subscription="none"/></query></iq>')
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="p2" from="alice@localhost">'
                                 '<query xmlns="jabber:iq:roster"><item jid="romeo@example.net" '
                                 'subscription="remove"/></query></iq>')
        return client
    client = arun(body())
    assert client.api.contacts.get("nurse@example.com") is not None
    assert client.api.contacts.get("romeo@example.net") is None
    acks = [x for x in client.transport.sent if 'type="result"' in x]
    assert any('id="a78b4q6ha463"' in x for x in acks) and any('id="p2"' in x for x in acks)
    # A contact new to the roster gets its vCard asked for.
    assert any("vcard-temp" in x and 'to="nurse@example.com"' in x for x in client.transport.sent)


def test_forged_roster_push_is_rejected() -> None:
    async def body() -> Client:
        client = await _connected_with_roster()
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="evil" from="mallory@evil.com/x">'
                                 '<query xmlns="jabber:iq:roster"><item jid="mallory@evil.com" '
                                 'subscription="both"/></query></iq>')
        return client
    client = arun(body())
    assert client.api.contacts.get("mallory@evil.com") is None
    assert "service-unavailable" in client.transport.sent[-1]


def test_incoming_chat_message_opens_a_box_and_fires_message() -> None:
    async def body() -> Client:
        client = await _connected_with_roster()
        stanzas: list[object] = []
        client.api.listen.on("message", stanzas.append)
        client.transport.receive('<message xmlns="jabber:client" from="romeo@example.net/orchard" '
                                 'to="alice@localhost/web" type="chat" id="m1">'
                                 '<body>&lt;img src=x onerror=alert(1)&gt;</body></message>')
        assert len(stanzas) == 1
        return client
    client = arun(body())
    box = client.api.chats.get("romeo@example.net")
    assert box.get("fullname") == "Romeo"
    assert box.messages[-1].body == "<img src=x onerror=alert(1)>"


def test_chatbox_send_message_sends_a_chat_stanza() -> None:
    async def body() -> Client:
        client = await _connected_with_roster()
        sent: list[object] = []
        client.api.listen.on("messageSend", sent.append)
        box = client.api.chats.open("romeo@example.net")
        box.send_message("Wherefore art thou?")
        assert len(sent) == 1
        return client
    client = arun(body())
    stanza = parse(client.transport.sent[-1])
    assert (stanza.get("to"), stanza.get("type")) == ("romeo@example.net", "chat")
    assert stanza.findtext("{jabber:client}body") == "Wherefore art thou?"
    assert client.api.chats.get("romeo@example.net").messages[-1].outgoing


def test_chat_boxes_close_minimize_and_events() -> None:
    async def body() -> list[str]:
        client = await _connected_with_roster()
        events: list[str] = []
        for name in ("chatBoxOpened", "chatBoxClosed", "chatBoxMinimized", "chatBoxMaximized", "chatBoxFocused"):
            client.api.listen.on(name, lambda box, n=name: events.append(n))
        box = client.api.chats.open("romeo@example.net")
        box.minimize()
        client.transport.receive('<message xmlns="jabber:client" from="romeo@example.net/o" type="chat">'
                                 '<body>ping</body></message>')
        assert box.get("num_unread") == 1
        box.maximize()
        assert box.get("num_unread") == 0
        box.focus()
        box.close()
        assert client.api.chats.get("romeo@example.net") is None
        assert client.api.chats.get() == []
        return events
    assert arun(body()) == ["chatBoxOpened", "chatBoxMinimized", "chatBoxMaximized", "chatBoxFocused",
                                   "chatBoxClosed"]
