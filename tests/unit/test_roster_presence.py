"""Roster versioning and cache, subscriptions, vCards and own status, against RFC 6121,
XEP-0237 and XEP-0054 examples."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from converse_py.plugins.caps.plugin import CapsState
from converse_py.plugins.roster.plugin import RosterState
from converse_py.core.errors import ConverseError
from converse_py.plugins.roster.stanzas import roster_get, roster_remove, roster_set, subscription
from converse_py.plugins.status.stanzas import status_presence
from converse_py.plugins.vcard.stanzas import parse_vcard, vcard_get
from converse_py.xmpp.stanza import canonical, parse, serialize

from converse_py.core.connection import RECONNECT_DELAYS

from .conftest import Client, advance, arun, settle

ROSTER = ('<iq xmlns="jabber:client" type="result" id="{id}"><query xmlns="jabber:iq:roster" ver="{ver}">'
          '<item jid="romeo@example.net" name="Romeo" subscription="both"><group>Friends</group></item>'
          '<item jid="nurse@example.com" subscription="to"/></query></iq>')


def with_id(built: Any, id_: str) -> str:
    built.set("id", id_)
    return canonical(serialize(built))


# -- stanzas vs the specifications ---------------------------------------------------------
def test_versioned_roster_get_matches_xep0237_example() -> None:
    assert with_id(roster_get("ver14"), "lh2bs617") == canonical(
        '<iq xmlns="jabber:client" id="lh2bs617" type="get"><query xmlns="jabber:iq:roster" ver="ver14"/></iq>')
    assert 'ver=""' in serialize(roster_get(""))  # first versioned request: empty ver


def test_roster_set_and_remove_match_rfc6121_examples() -> None:
    assert with_id(roster_set("nurse@example.com", "Nurse", ["Servants"]), "ph1xaz53") == canonical(
        '<iq xmlns="jabber:client" id="ph1xaz53" type="set"><query xmlns="jabber:iq:roster">'
        '<item jid="nurse@example.com" name="Nurse"><group>Servants</group></item></query></iq>')
    assert with_id(roster_remove("nurse@example.com"), "hm4hs97y") == canonical(
        '<iq xmlns="jabber:client" id="hm4hs97y" type="set"><query xmlns="jabber:iq:roster">'
        '<item jid="nurse@example.com" subscription="remove"/></query></iq>')


def test_subscription_presences_match_rfc6121_examples() -> None:
    assert canonical(serialize(subscription("juliet@example.com", "subscribe"))) == canonical(
        '<presence xmlns="jabber:client" to="juliet@example.com" type="subscribe"/>')
    assert canonical(serialize(subscription("romeo@example.net", "subscribed"))) == canonical(
        '<presence xmlns="jabber:client" to="romeo@example.net" type="subscribed"/>')
    with pytest.raises(ValueError):
        subscription("romeo@example.net", "probe")


def test_vcard_request_matches_xep0054_example_and_unsafe_photos_are_dropped() -> None:
    assert with_id(vcard_get("jer@jabber.org"), "v3") == canonical(
        '<iq xmlns="jabber:client" id="v3" to="jer@jabber.org" type="get"><vCard xmlns="vcard-temp"/></iq>')
    svg = parse('<iq xmlns="jabber:client" type="result"><vCard xmlns="vcard-temp"><FN>X</FN>'
                '<URL>javascript:alert(1)</URL><PHOTO><TYPE>image/svg+xml</TYPE><BINVAL>PHN2Zz4=</BINVAL>'
                '</PHOTO></vCard></iq>')
    card = parse_vcard(svg)
    assert (card.fullname, card.url, card.image, card.image_type) == ("X", "", None, None)
    bad_b64 = parse('<iq xmlns="jabber:client" type="result"><vCard xmlns="vcard-temp"><PHOTO>'
                    '<TYPE>image/png</TYPE><BINVAL>not base64!</BINVAL></PHOTO></vCard></iq>')
    assert parse_vcard(bad_b64).image is None


def test_status_presences_for_every_value() -> None:
    shown = {value: canonical(serialize(status_presence(value, "msg"))) for value in
             ("online", "away", "dnd", "xa", "unavailable", "offline")}
    assert shown["online"] == canonical('<presence xmlns="jabber:client"><status>msg</status></presence>')
    assert shown["xa"] == canonical('<presence xmlns="jabber:client"><show>xa</show><status>msg</status></presence>')
    assert shown["offline"] == shown["unavailable"] == canonical(
        '<presence xmlns="jabber:client" type="unavailable"><status>msg</status></presence>')
    with pytest.raises(ValueError):
        status_presence("busy")


# -- the roster plugin ---------------------------------------------------------------------------
async def login(client: Client, jid: str = "alice@localhost") -> None:
    await client.converse.initialize(client_settings(client))
    await client.api.user.login({"jid": jid, "password": "secret"})
    await settle()


def client_settings(client: Client) -> dict[str, Any]:
    return getattr(client, "settings", {})


def answer_roster(client: Client, ver: str = "ver7") -> str:
    request = parse(next(x for x in reversed(client.transport.sent) if "jabber:iq:roster" in x))
    client.transport.receive(ROSTER.format(id=request.get("id"), ver=ver))
    return serialize(request)


def test_roster_is_versioned_cached_and_the_cache_shown_before_the_server_answers() -> None:
    async def body() -> dict[str, Any]:
        first = Client()
        await login(first)
        first_request = answer_roster(first)
        await settle()
        # A second page in the same tab (same storage) shows the cached roster at once.
        second = Client()
        second.platform.storage = first.platform.storage
        cached: list[Any] = []
        second.converse.events.on("cachedRoster", lambda contacts: cached.append([c.get("jid") for c in contacts]))
        await login(second)
        second_request = next(x for x in second.transport.sent if "jabber:iq:roster" in x)
        before_answer = [c.get("jid") for c in second.api.contacts.get()]
        # XEP-0237 §2.4: nothing changed → empty result; the cached roster stays.
        request_id = parse(second_request).get("id")
        second.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{request_id}"/>')
        await settle()
        return {"first": first_request, "second": second_request, "cached": cached,
                "before": before_answer, "after": [c.get("fullname") for c in second.api.contacts.get()],
                "initialized": second.converse.promises.is_resolved("rosterInitialized")}
    got = arun(body())
    assert 'ver=""' in got["first"] and 'ver="ver7"' in got["second"]
    assert got["cached"] == [["romeo@example.net", "nurse@example.com"]]
    assert got["before"] == ["romeo@example.net", "nurse@example.com"]
    assert got["after"] == ["Romeo", "nurse@example.com"]
    assert got["initialized"] is True


def test_the_cache_holds_no_password_and_another_account_starts_empty() -> None:
    async def body() -> tuple[dict[str, str], list[Any]]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        client.api.user.logout()
        await client.api.user.login({"jid": "mallory@localhost", "password": "secret"})
        await settle()
        return client.platform.storage, client.api.contacts.get()
    storage, contacts = arun(body())
    assert storage and all("secret" not in value for value in storage.values())
    assert contacts == []  # alice's contacts are not shown to mallory before mallory's roster comes


def test_add_sends_roster_set_then_subscribe_and_ask_is_subscribe() -> None:
    async def body() -> tuple[Client, Any]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        future = client.api.contacts.add("juliet@example.com", "Juliet")
        await settle()
        set_iq = parse(client.transport.sent[-1])
        client.transport.receive('<iq xmlns="jabber:client" type="set" id="push1"><query xmlns="jabber:iq:roster">'
                                 '<item jid="juliet@example.com" name="Juliet" subscription="none"/></query></iq>')
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{set_iq.get("id")}"/>')
        contact = await future
        return client, contact
    client, contact = arun(body())
    sent = [canonical(x) for x in client.transport.sent]
    assert canonical('<presence xmlns="jabber:client" to="juliet@example.com" type="subscribe"/>') in sent
    assert contact.get("ask") == "subscribe" and contact.get("fullname") == "Juliet"
    assert client.api.contacts.get("juliet@example.com") is contact


def test_contacts_add_rejects_bad_input_clearly() -> None:
    async def body() -> list[str]:
        client = Client()
        await login(client)
        errors = []
        for args in (("not a jid@",), (42,), ("a@b", 7)):
            try:
                client.api.contacts.add(*args)
            except ConverseError as exc:
                errors.append(str(exc))
        return errors
    errors = arun(body())
    assert len(errors) == 3 and all(e.startswith("contacts") for e in errors)


def test_subscription_request_sets_requesting_and_authorize_answers_and_subscribes_back() -> None:
    async def body() -> tuple[Client, list[Any], Any]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        requests: list[Any] = []
        client.api.listen.on("contactRequest", requests.append)
        client.transport.receive('<presence xmlns="jabber:client" from="tybalt@example.com" type="subscribe">'
                                 '<status>hi</status></presence>')
        contact = client.api.contacts.get("tybalt@example.com")
        state = (contact.get("requesting"), contact.get("status"))
        contact.authorize()
        return client, requests, state
    client, requests, state = arun(body())
    assert [c.get("jid") for c in requests] == ["tybalt@example.com"] and state == (True, "hi")
    sent = [canonical(x) for x in client.transport.sent[-2:]]
    assert sent == [canonical('<presence xmlns="jabber:client" to="tybalt@example.com" type="subscribed"/>'),
                    canonical('<presence xmlns="jabber:client" to="tybalt@example.com" type="subscribe"/>')]
    assert client.api.contacts.get("tybalt@example.com").get("requesting") is False


def test_unauthorize_declines_and_forgets_a_stranger() -> None:
    async def body() -> tuple[Client, Any]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        client.transport.receive('<presence xmlns="jabber:client" from="tybalt@example.com" type="subscribe"/>')
        client.api.contacts.get("tybalt@example.com").unauthorize()
        return client, client.api.contacts.get("tybalt@example.com")
    client, after = arun(body())
    assert canonical(client.transport.sent[-1]) == canonical(
        '<presence xmlns="jabber:client" to="tybalt@example.com" type="unsubscribed"/>')
    assert after is None


def test_auto_subscribe_accepts_and_subscribes_back_without_an_event() -> None:
    async def body() -> tuple[Client, list[Any]]:
        client = Client()
        client.settings = {"auto_subscribe": True}  # type: ignore[attr-defined]
        await login(client)
        answer_roster(client)
        await settle()
        requests: list[Any] = []
        client.api.listen.on("contactRequest", requests.append)
        client.transport.receive('<presence xmlns="jabber:client" from="tybalt@example.com" type="subscribe"/>')
        return client, requests
    client, requests = arun(body())
    assert requests == []
    assert [canonical(x) for x in client.transport.sent[-2:]] == [
        canonical('<presence xmlns="jabber:client" to="tybalt@example.com" type="subscribed"/>'),
        canonical('<presence xmlns="jabber:client" to="tybalt@example.com" type="subscribe"/>')]


def test_a_request_from_someone_already_approved_is_confirmed_silently() -> None:
    async def body() -> tuple[Client, list[Any]]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        requests: list[Any] = []
        client.api.listen.on("contactRequest", requests.append)
        client.transport.receive('<presence xmlns="jabber:client" from="romeo@example.net" type="subscribe"/>')
        return client, requests
    client, requests = arun(body())
    assert requests == [] and 'type="subscribed"' in client.transport.sent[-1]


def test_vcards_are_fetched_for_contacts_and_set_their_attributes() -> None:
    async def body() -> tuple[Any, list[Any]]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        updated: list[Any] = []
        client.api.listen.on("vcardUpdated", updated.append)
        for xml in list(client.transport.sent):
            if "vcard-temp" in xml and 'to="nurse@example.com"' in xml:
                client.transport.receive(
                    f'<iq xmlns="jabber:client" type="result" id="{parse(xml).get("id")}" from="nurse@example.com">'
                    '<vCard xmlns="vcard-temp"><FN>Angelica</FN><URL>https://example.com/nurse</URL>'
                    '<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard></iq>')
        await settle()
        return client.api.contacts.get("nurse@example.com"), updated
    nurse, updated = arun(body())
    assert updated == [nurse]
    assert (nurse.get("fullname"), nurse.get("image_type"), nurse.get("image"), nurse.get("url")) == \
        ("Angelica", "image/png", "iVBORw0KGgo=", "https://example.com/nurse")
    assert nurse.get("vcard_updated")


@pytest.mark.parametrize("auto_reconnect", [False, True])
def test_losing_the_connection_marks_everyone_offline(auto_reconnect: bool) -> None:
    """Without reconnection when the session ends; with it when the new session starts (a
    resumed XEP-0198 session keeps them: test_smacks)."""
    async def body() -> tuple[str, str, list[Any]]:
        client = Client()
        client.settings = {"auto_reconnect": auto_reconnect}  # type: ignore[attr-defined]
        await login(client)
        answer_roster(client)
        await settle()
        client.transport.receive('<presence xmlns="jabber:client" from="romeo@example.net/a"/>')
        romeo = client.api.contacts.get("romeo@example.net")
        before = romeo.get("chat_status")
        changed: list[Any] = []
        client.api.listen.on("contactStatusChanged", changed.append)
        client.transport.drop()
        await settle()
        if auto_reconnect:
            assert romeo.get("chat_status") == "online" and client.converse.reconnecting
            await advance(client, RECONNECT_DELAYS[0])
            assert not client.converse.reconnecting
        return before, romeo.get("chat_status"), changed
    before, after, changed = arun(body())
    assert (before, after) == ("online", "offline") and len(changed) == 1


# -- own status -------------------------------------------------------------------------------
def test_status_set_sends_presence_fires_events_and_survives_a_reload() -> None:
    async def body() -> dict[str, Any]:
        client = Client()
        await login(client)
        answer_roster(client)
        await settle()
        events: list[Any] = []
        client.api.listen.on("statusChanged", lambda s: events.append(("status", s)))
        client.api.listen.on("statusMessageChanged", lambda m: events.append(("message", m)))
        client.api.user.status.set("dnd", "In a meeting")
        sent_dnd = client.transport.sent[-1]
        client.api.user.status.message.set("Back at 3")
        sent_msg = client.transport.sent[-1]
        reloaded = Client()
        reloaded.platform.storage = client.platform.storage
        await login(reloaded)
        answer_roster(reloaded)
        await settle()
        return {"events": events, "dnd": sent_dnd, "msg": sent_msg, "get": client.api.user.status.get(),
                "reloaded": (reloaded.api.user.status.get(), reloaded.api.user.status.message.get()),
                "initial": next(x for x in reloaded.transport.sent if x.startswith("<presence")),
                "storage": json.dumps(client.platform.storage),
                "caps": serialize(client.converse.get(CapsState).capabilities().caps_element())}
    got = arun(body())
    assert got["events"] == [("status", "dnd"), ("message", "In a meeting"), ("message", "Back at 3")]
    assert canonical(got["dnd"]) == canonical(
        f'<presence xmlns="jabber:client"><show>dnd</show><status>In a meeting</status>{got["caps"]}</presence>')
    assert "<show>dnd</show>" in got["msg"] and "Back at 3" in got["msg"]
    assert got["get"] == "dnd" and got["reloaded"] == ("dnd", "Back at 3")
    assert "<show>dnd</show>" in got["initial"]
    assert "secret" not in got["storage"]


def test_status_set_rejects_unknown_values_naming_them() -> None:
    async def body() -> str:
        client = Client()
        await login(client)
        with pytest.raises(ConverseError) as caught:
            client.api.user.status.set("busy")
        return str(caught.value)
    assert "busy" in arun(body()) and "online" in arun(body())


def test_status_set_while_offline_is_kept_and_sent_on_connect() -> None:
    async def body() -> list[str]:
        client = Client()
        await client.converse.initialize({})
        client.api.user.status.set("away")
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        answer_roster(client)
        await settle()
        return [x for x in client.transport.sent if x.startswith("<presence")]
    presences = arun(body())
    assert len(presences) == 1 and "<show>away</show>" in presences[0]


PUSH = ('<iq xmlns="jabber:client" type="set" id="{id}"><query xmlns="jabber:iq:roster" ver="{ver}">'
        '<item jid="{jid}" subscription="{sub}"/></query></iq>')


def test_a_push_right_behind_the_roster_result_is_not_undone_by_it() -> None:
    """RFC 6121 §2.1.6: a push is newer than the result before it. Here both come in one
    batch (one BOSH response), so the push is handled before the result's items are applied."""
    async def body() -> tuple[list[str], str | None]:
        client = Client()
        await login(client)
        answer_roster(client, ver="ver7")
        client.transport.receive(PUSH.format(id="p1", ver="ver8", jid="juliet@example.com", sub="both"))
        client.transport.receive(PUSH.format(id="p2", ver="ver9", jid="nurse@example.com", sub="remove"))
        await settle()
        return ([c.get("jid") for c in client.api.contacts.get()],
                client.converse.get(RosterState).version)
    jids, version = arun(body())
    assert sorted(jids) == ["juliet@example.com", "romeo@example.net"]
    assert version == "ver9"


def big_roster(request_id: str, count: int, ver: str = "big1") -> str:
    items = "".join(f'<item jid="c{i:05d}@example.com" name="C {i}" subscription="both"/>' for i in range(count))
    return (f'<iq xmlns="jabber:client" type="result" id="{request_id}">'
            f'<query xmlns="jabber:iq:roster" ver="{ver}">{items}</query></iq>')


def roster_request_id(client: Client) -> str:
    return parse(next(x for x in reversed(client.transport.sent) if "jabber:iq:roster" in x)).get("id") or ""


def test_a_big_roster_is_read_in_slices_and_a_push_between_them_is_kept() -> None:
    async def body() -> tuple[list[str], str | None, list[int], int]:
        client = Client()
        await login(client)
        announced: list[int] = []
        client.api.listen.on("roster", lambda contacts: announced.append(len(contacts)))
        client.transport.receive(big_roster(roster_request_id(client), 2500))
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first slice is read; the next ones wait their turn
        before_push = len(client.api.contacts.get())
        client.transport.receive(PUSH.format(id="p1", ver="big2", jid="juliet@example.com", sub="both"))
        await settle()
        return ([c.get("jid") for c in client.api.contacts.get()],
                client.converse.get(RosterState).version, announced, before_push)
    jids, version, announced, before_push = arun(body())
    assert before_push == 0  # the push came while the result was still being read
    assert len(jids) == 2501 and "juliet@example.com" in jids and "c02499@example.com" in jids
    assert version == "big2"
    assert announced == [2501]


def test_a_big_roster_still_being_read_is_dropped_when_another_account_logs_in() -> None:
    async def body() -> list[Any]:
        client = Client()
        await login(client)
        client.transport.receive(big_roster(roster_request_id(client), 2500))
        await asyncio.sleep(0)
        client.api.user.logout()
        await client.api.user.login({"jid": "mallory@localhost", "password": "secret"})
        await settle()
        return client.api.contacts.get()
    assert arun(body()) == []  # none of alice's 2,500 contacts, and mallory's roster has not come
