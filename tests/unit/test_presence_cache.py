"""Contacts' presences survive a page reload: saved in tab storage, restored only when the
session of the page before is resumed, then updated by the server; per account."""

from __future__ import annotations

from typing import Any

from .conftest import Client, arun, settle
from .test_roster_presence import answer_roster

KEEPALIVE = {"bosh_service_url": "http://localhost/http-bind", "keepalive": True,
             "jid": "alice@localhost", "password": "secret", "auto_login": True}


def presence(sender: str, extra: str = "", kind: str = "") -> str:
    type_attr = f" type='{kind}'" if kind else ""
    return f"<presence xmlns='jabber:client' from='{sender}' to='alice@localhost/web'{type_attr}>{extra}</presence>"


async def first_page() -> Client:
    """alice logged in with romeo online on two resources (one away with a status) and the nurse offline."""
    client = Client()
    await client.converse.initialize({"keepalive": True})
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    await settle()
    answer_roster(client)
    await settle()
    client.transport.receive(presence("romeo@example.net/balcony", "<priority>5</priority>"))
    client.transport.receive(presence("romeo@example.net/phone", "<show>away</show><status>on the road</status>"))
    await settle()
    return client


async def next_page(before: Client, *, resumed_as: str | None = "alice@localhost/web",
                    settings: dict[str, Any] | None = None) -> Client:
    """A reload in the same tab: the kept BOSH session is resumed (``resumed_as``) or not."""
    client = Client()
    client.platform.storage = before.platform.storage
    client.transport.restorable = resumed_as
    await client.converse.initialize(dict(settings or KEEPALIVE))
    await settle()
    return client


def status(client: Client, jid: str) -> tuple[str, str, list[str]]:
    contact = client.api.contacts.get(jid)
    return contact.get("chat_status"), contact.get("status"), contact.get("resources")


def test_a_resumed_session_shows_each_contact_as_it_was_before_the_reload() -> None:
    async def body() -> tuple[Any, Any]:
        before = await first_page()
        after = await next_page(before)
        return status(after, "romeo@example.net"), status(after, "nurse@example.com")
    romeo, nurse = arun(body())
    assert romeo == ("online", "", ["balcony", "phone"])  # priority 5 beats the away phone
    assert nurse == ("offline", "", [])


def test_the_server_s_presences_after_the_resume_win_over_the_saved_ones() -> None:
    async def body() -> tuple[Any, Any]:
        before = await first_page()
        after = await next_page(before)
        after.transport.receive(presence("romeo@example.net/balcony", kind="unavailable"))
        after.transport.receive(presence("romeo@example.net/phone", "<show>dnd</show><status>busy</status>"))
        await settle()
        changed_after = status(after, "romeo@example.net")
        # what the page saved now is what the server said, for the page after the next reload
        third = await next_page(after)
        return changed_after, status(third, "romeo@example.net")
    now, later = arun(body())
    assert now == ("dnd", "busy", ["phone"])
    assert later == ("dnd", "busy", ["phone"])


def test_a_fresh_login_restores_nothing_and_forgets_the_saved_presences() -> None:
    async def body() -> tuple[Any, list[str]]:
        before = await first_page()
        fresh = await next_page(before, resumed_as=None)  # the kept session is gone: log in anew
        answer_roster(fresh)
        await settle()
        return status(fresh, "romeo@example.net"), [k for k in fresh.platform.storage if "presences" in k]
    romeo, kept = arun(body())
    assert romeo == ("offline", "", [])
    assert kept == []


def test_nothing_is_restored_for_another_account() -> None:
    async def body() -> Any:
        before = await first_page()
        other = await next_page(before, resumed_as="carol@localhost/web",
                                settings={**KEEPALIVE, "jid": "carol@localhost"})
        answer_roster(other)  # carol has romeo in her roster too
        await settle()
        return [(c.get("jid"), c.get("chat_status")) for c in other.api.contacts.get()]
    assert arun(body()) == [("romeo@example.net", "offline"), ("nurse@example.com", "offline")]


def test_a_logout_forgets_the_saved_presences() -> None:
    async def body() -> list[str]:
        before = await first_page()
        before.api.user.logout()
        await settle()
        return [k for k in before.platform.storage if "presences" in k]
    assert arun(body()) == []


def test_saved_presences_hold_show_status_and_priority_only() -> None:
    async def body() -> str:
        before = await first_page()
        return before.platform.storage["converse-py:presences:alice@localhost"]
    saved = arun(body())
    assert "secret" not in saved
    assert saved == ('{"romeo@example.net":[["balcony","online","",5],["phone","away","on the road",0]]}')
