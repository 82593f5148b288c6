"""Renaming, regrouping and removing contacts (RFC 6121 §2.3-2.5): the roster sets the API
sends, compared with the RFC's examples, and the server's pushes applied."""

from __future__ import annotations

from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, settle

ROSTER = ('<iq xmlns="jabber:client" type="result" id="{id}"><query xmlns="jabber:iq:roster">'
          '<item jid="nurse@example.com" name="Nanny" subscription="both"><group>Servants</group>'
          '<group>Family</group></item>'
          '<item jid="romeo@example.net" subscription="both"/></query></iq>')




def last_roster_set(client: Client) -> Any:
    return parse(next(x for x in reversed(client.transport.sent) if "jabber:iq:roster" in x and 'type="set"' in x))


def answer(client: Client, stanza: Any) -> None:
    client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{stanza.get("id")}"/>')


def same_as(stanza: Any, expected: str) -> bool:
    stanza.set("id", "x")
    return canonical(serialize(stanza)) == canonical(expected)


async def client_with_roster() -> Client:
    client = Client()
    await client.converse.initialize({})
    await client.api.user.login({"jid": "juliet@example.com", "password": "secret"})
    await settle()
    request = parse(next(x for x in client.transport.sent if "jabber:iq:roster" in x))
    client.transport.receive(ROSTER.format(id=request.get("id")))
    await settle()
    client.transport.sent.clear()
    return client


def test_rename_sends_the_rfc6121_roster_set_with_the_groups_kept_and_the_push_renames() -> None:
    async def body() -> tuple[Any, str, str]:
        client = await client_with_roster()
        done = client.api.contacts.rename("Nurse@Example.com", "Nurse")
        await settle()
        sent = last_roster_set(client)
        # the server's push (RFC 6121 §2.4.3), then its result
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="p1"><query xmlns="jabber:iq:roster">'
                                 '<item jid="nurse@example.com" name="Nurse" subscription="both">'
                                 '<group>Servants</group><group>Family</group></item></query></iq>')
        answer(client, sent)
        contact = await done
        return sent, contact.get("fullname"), contact.get("groups")
    sent, fullname, groups = arun(body())
    # RFC 6121 §2.4.2's example (plus the contact's second group, which a rename keeps)
    assert same_as(sent, '<iq xmlns="jabber:client" id="x" type="set"><query xmlns="jabber:iq:roster">'
                         '<item jid="nurse@example.com" name="Nurse"><group>Servants</group><group>Family</group>'
                         '</item></query></iq>')
    assert fullname == "Nurse" and groups == ["Servants", "Family"]


def test_set_groups_keeps_the_name_and_a_new_group_is_created_by_naming_it() -> None:
    async def body() -> list[Any]:
        client = await client_with_roster()
        client.api.contacts.set_groups("nurse@example.com", [" Servants ", "", "Capulets", "Servants"])
        await settle()
        first = last_roster_set(client)
        contact = client.api.contacts.get("romeo@example.net")
        contact.set_groups([])  # the contact facade; no groups at all
        await settle()
        second = last_roster_set(client)
        return [first, second]
    first, second = arun(body())
    assert same_as(first, '<iq xmlns="jabber:client" id="x" type="set"><query xmlns="jabber:iq:roster">'
                          '<item jid="nurse@example.com" name="Nanny"><group>Servants</group><group>Capulets</group>'
                          '</item></query></iq>')
    assert same_as(second, '<iq xmlns="jabber:client" id="x" type="set"><query xmlns="jabber:iq:roster">'
                           '<item jid="romeo@example.net"/></query></iq>')


def test_remove_sends_subscription_remove_and_the_push_drops_the_contact() -> None:
    async def body() -> tuple[Any, Any, list[str]]:
        client = await client_with_roster()
        pushed: list[str] = []
        client.converse.events.on("rosterPush", lambda contact: pushed.append(contact.get("jid")))
        done = client.api.contacts.get("nurse@example.com").remove()
        await settle()
        sent = last_roster_set(client)
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="p2"><query xmlns="jabber:iq:roster">'
                                 '<item jid="nurse@example.com" subscription="remove"/></query></iq>')
        answer(client, sent)
        await done
        return sent, client.api.contacts.get("nurse@example.com"), pushed
    sent, after, pushed = arun(body())
    # RFC 6121 §2.5.2's example
    assert same_as(sent, '<iq xmlns="jabber:client" id="x" type="set"><query xmlns="jabber:iq:roster">'
                         '<item jid="nurse@example.com" subscription="remove"/></query></iq>')
    assert after is None and pushed == ["nurse@example.com"]


def test_a_refused_roster_set_rejects_and_bad_input_is_a_clear_error() -> None:
    async def body() -> tuple[str, str]:
        client = await client_with_roster()
        done = client.api.contacts.rename("nurse@example.com", "N")
        await settle()
        sent = last_roster_set(client)
        client.transport.receive(f'<iq xmlns="jabber:client" type="error" id="{sent.get("id")}">'
                                 '<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
                                 '</error></iq>')
        with pytest.raises(Exception) as refused:
            await done
        with pytest.raises(ConverseError) as unknown:
            client.api.contacts.rename("nobody@example.com", "X")
        with pytest.raises(ConverseError):
            client.api.contacts.set_groups("nurse@example.com", "Servants")  # type: ignore[arg-type]
        with pytest.raises(ConverseError):
            client.api.contacts.rename("nurse@example.com", 5)  # type: ignore[arg-type]
        return str(refused.value), str(unknown.value)
    refused, unknown = arun(body())
    assert "not-acceptable" in refused
    assert "nobody@example.com is not in the roster" in unknown
