"""XEP-0184 delivery receipts: requests on outgoing messages, receipts sent (and not sent), and
incoming receipts marking the user's messages delivered."""

from __future__ import annotations

from typing import Any

from converse_py.plugins.receipts.stanzas import add_request, receipt, received_id, wants_receipt
from converse_py.xmpp.stanza import canonical, element, parse, serialize

from .conftest import Client, arun, carbon, chat, logged_in

BOB = "bob@localhost/phone"
REQUEST = "<request xmlns='urn:xmpp:receipts'/>"


def test_request_and_receipt_match_examples_1_and_2() -> None:
    msg = element("message", {"from": "northumberland@shakespeare.lit/westminster", "id": "richard2-4.1.247",
                              "to": "kingrichard@royalty.england.lit/throne"}, xmlns="jabber:client")
    body = element("body", text="My lord, dispatch; read o'er these articles.")
    msg.append(body)
    add_request(msg)
    add_request(msg)  # only once
    assert canonical(serialize(msg)) == canonical(
        "<message xmlns='jabber:client' from='northumberland@shakespeare.lit/westminster' id='richard2-4.1.247'"
        " to='kingrichard@royalty.england.lit/throne'><body>My lord, dispatch; read o'er these articles.</body>"
        "<request xmlns='urn:xmpp:receipts'/></message>")
    built = receipt("northumberland@shakespeare.lit/westminster", "richard2-4.1.247", id_="bi29sg183b4v")
    built.set("from", "kingrichard@royalty.england.lit/throne")
    assert canonical(serialize(built)) == canonical(
        "<message xmlns='jabber:client' from='kingrichard@royalty.england.lit/throne' id='bi29sg183b4v'"
        " to='northumberland@shakespeare.lit/westminster'>"
        "<received xmlns='urn:xmpp:receipts' id='richard2-4.1.247'/></message>")


def test_parsers_refuse_what_must_not_be_answered_or_counted() -> None:
    assert wants_receipt(parse(chat(BOB, "m1", extra=REQUEST)))
    assert not wants_receipt(parse(chat(BOB, "", extra=REQUEST)))  # no id: nothing to name
    assert not wants_receipt(parse(chat(BOB, "m1", extra=REQUEST, kind="groupchat")))
    assert not wants_receipt(parse(chat(BOB, "m1", extra=REQUEST, kind="error")))
    assert not wants_receipt(parse(chat(BOB, "m1")))
    assert received_id(parse(chat(BOB, "r", None, "<received xmlns='urn:xmpp:receipts' id='m1'/>"))) == "m1"
    assert received_id(parse(chat(BOB, "r", None, "<received xmlns='urn:xmpp:receipts'/>"))) is None
    assert received_id(parse(chat(BOB, "r", None, "<received xmlns='urn:xmpp:receipts' id='m1'/>",
                                  kind="error"))) is None


def _sent_receipts(client: Client) -> list[Any]:
    return [parse(x) for x in client.sent("message") if "urn:xmpp:receipts" in x and "received" in x]


def test_a_request_is_answered_to_the_full_jid_once_and_only_for_live_direct_messages() -> None:
    async def body() -> Client:
        client = await logged_in()
        client.transport.receive(chat(BOB, "m1", extra=REQUEST))
        client.transport.receive(chat(BOB, "m2"))  # no request
        client.transport.receive(chat(BOB, "m3", extra=REQUEST, kind="groupchat"))
        client.transport.receive(chat(BOB, "m4", extra=REQUEST, kind="error"))
        # a carbon: the user's client that received it answers, not this one
        client.transport.receive(carbon("received", chat(BOB, "m5", extra=REQUEST)))
        client.transport.receive(carbon("sent", "<message xmlns='jabber:client' from='alice@localhost/phone' "
                                        "to='bob@localhost' type='chat' id='m6'><body>x</body>" + REQUEST
                                        + "</message>"))
        # an archive result (XEP-0313) was not delivered now
        client.transport.receive("<message xmlns='jabber:client' from='alice@localhost' to='alice@localhost/web'>"
                                 "<result xmlns='urn:xmpp:mam:2' queryid='q' id='A1'>"
                                 "<forwarded xmlns='urn:xmpp:forward:0'>" + chat(BOB, "m7", extra=REQUEST)
                                 + "</forwarded></result></message>")
        return client
    client = arun(body())
    receipts = _sent_receipts(client)
    assert [(r.get("to"), r.find("{urn:xmpp:receipts}received").get("id")) for r in receipts] == [(BOB, "m1")]


def test_sending_receipts_can_be_turned_off() -> None:
    async def body() -> Client:
        client = await logged_in({"send_delivery_receipts": False})
        client.transport.receive(chat(BOB, "m1", extra=REQUEST))
        return client
    assert _sent_receipts(arun(body())) == []


def test_outgoing_messages_ask_and_a_receipt_from_the_contact_marks_them_delivered() -> None:
    async def body() -> tuple[Client, list[Any], list[bool]]:
        client = await logged_in()
        delivered: list[Any] = []
        client.api.listen.on("messageDelivered", lambda box, m: delivered.append((box.get("jid"), m.body)))
        box = client.api.chats.open("bob@localhost")
        first = box.send_message("one")
        second = box.send_message("two")
        stanza = parse(client.sent("message")[-1])
        assert stanza.find("{urn:xmpp:receipts}request") is not None
        ack = "<received xmlns='urn:xmpp:receipts' id='{}'/>"
        client.transport.receive(chat("eve@localhost/x", "r0", None, ack.format(first.id)))  # not the contact
        client.transport.receive(chat(BOB, "r1", None, ack.format("unknown")))
        client.transport.receive(chat(BOB, "r2", None, ack.format(first.id)))
        client.transport.receive(chat(BOB, "r3", None, ack.format(first.id)))  # again: no second event
        return client, delivered, [m.delivered for m in box.messages] + [second.delivered]
    client, delivered, flags = arun(body())
    assert delivered == [("bob@localhost", "one")]
    assert flags == [True, False, False]


def test_a_receipt_for_the_contacts_own_message_id_does_not_mark_it() -> None:
    async def body() -> list[bool]:
        client = await logged_in()
        client.transport.receive(chat(BOB, "m1", "from bob"))
        client.transport.receive(chat(BOB, "r1", None, "<received xmlns='urn:xmpp:receipts' id='m1'/>"))
        return [m.delivered for m in client.api.chats.get("bob@localhost").messages]
    assert arun(body()) == [False]
