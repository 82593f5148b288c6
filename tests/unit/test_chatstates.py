"""XEP-0085 chat states: what the user's typing sends (throttled, never repeated), and what the
contact's states do to the box."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from converse_py.plugins.chatstates.plugin import ChatStates
from converse_py.plugins.chatstates import plugin as chatstates_plugin
from converse_py.plugins.chatstates.stanzas import chat_state, state_message
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, carbon, chat, logged_in

BOB = "bob@localhost/phone"
CS = "http://jabber.org/protocol/chatstates"


def test_state_message_matches_example_3_and_parser_is_strict() -> None:
    built = state_message("francisco@shakespeare.lit", "composing", id_="s1", no_store=False)
    assert canonical(serialize(built)) == canonical(
        "<message xmlns='jabber:client' to='francisco@shakespeare.lit' type='chat' id='s1'>"
        "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>")
    hinted = parse(serialize(state_message("bob@localhost", "paused")))
    assert hinted.find("{urn:xmpp:hints}no-store") is not None and hinted.find("{jabber:client}body") is None
    assert chat_state(parse(chat(BOB, "x", None, f"<typing xmlns='{CS}'/>"))) is None
    assert chat_state(parse(chat(BOB, "x", None, f"<composing xmlns='{CS}'/>", kind="error"))) is None
    assert chat_state(parse(chat(BOB, "x", None, "<composing xmlns='urn:other'/>"))) is None
    with pytest.raises(ValueError):
        state_message("bob@localhost", "shouting")


def _states(client: Client) -> list[str]:
    found = []
    for xml in client.sent("message"):
        state = chat_state(parse(xml))
        if state:
            body = parse(xml).find("{jabber:client}body")
            found.append(state if body is None else f"{state}+body")
    return found


def test_typing_sends_composing_once_then_paused_then_active_with_the_message(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chatstates_plugin, "PAUSED_AFTER", 0.05)

    async def body() -> list[list[str]]:
        client = await logged_in()
        now = [100.0]
        client.converse.get(ChatStates).clock = lambda: now[0]
        box = client.api.chats.open("bob@localhost")
        steps = []
        for _ in range(5):
            box.composer_activity("typing")
        steps.append(_states(client))
        await asyncio.sleep(0.1)
        steps.append(_states(client))
        now[0] += 1.0
        box.composer_activity("typing")  # too soon after the last composing: throttled
        steps.append(_states(client))
        now[0] += 5.0
        box.composer_activity("typing")
        box.send_message("done")
        await asyncio.sleep(0.1)  # the message cancelled the pause timer
        steps.append(_states(client))
        return steps
    assert arun(body()) == [["composing"], ["composing", "paused"], ["composing", "paused"],
                            ["composing", "paused", "composing", "active+body"]]


def test_closed_and_minimized_boxes_say_inactive_focus_says_active_again() -> None:
    async def body() -> tuple[list[str], list[str]]:
        client = await logged_in()
        quiet = client.api.chats.open("carol@localhost")
        quiet.minimize()  # carol never got a state: nothing to take back
        box = client.api.chats.open("bob@localhost")
        box.composer_activity("focus")  # nothing sent before: no need to say active
        box.send_message("hi")
        box.minimize()
        box.maximize()
        box.minimize()
        box.composer_activity("focus")
        box.close()
        box.close()
        return _states(client), [parse(x).get("to") or "" for x in client.sent("message")]
    states, recipients = arun(body())
    assert states == ["active+body", "inactive", "active", "inactive", "active", "inactive"]
    assert "carol@localhost" not in recipients


def test_nothing_is_sent_when_turned_off_or_offline_and_a_list_limits_the_states() -> None:
    async def body() -> list[list[str]]:
        off = await logged_in({"send_chat_state_notifications": False})
        box = off.api.chats.open("bob@localhost")
        box.composer_activity("typing")
        box.send_message("plain")
        only = await logged_in({"send_chat_state_notifications": ["composing"]})
        box2 = only.api.chats.open("bob@localhost")
        box2.composer_activity("typing")
        box2.send_message("no active")
        box2.close()
        offline = await logged_in()
        offline.transport.drop()
        offline.transport.sent.clear()
        offline.api.chats.open("bob@localhost").composer_activity("typing")
        return [_states(off), _states(only), _states(offline)]
    assert arun(body()) == [[], ["composing"], []]


def test_incoming_states_set_chat_state_and_fire_events() -> None:
    async def body() -> tuple[list[Any], list[Any]]:
        client = await logged_in()
        events: list[Any] = []
        client.api.listen.on("chatStateNotification", lambda box, state: events.append((box.get("jid"), state)))
        client.transport.receive(chat(BOB, "x0", None, f"<composing xmlns='{CS}'/>"))  # no box: ignored
        box = client.api.chats.open("bob@localhost")
        values = []
        for extra, body_text in ((f"<composing xmlns='{CS}'/>", None), (f"<paused xmlns='{CS}'/>", None),
                                 ("", "a message")):
            client.transport.receive(chat(BOB, "x", body_text, extra))
            values.append(box.get("chat_state"))
        # forged or not from the contact: mallory's carbon, the user's own other client
        client.transport.receive(carbon("received", chat(BOB, "y", None, f"<composing xmlns='{CS}'/>"),
                                        sender="mallory@localhost"))
        client.transport.receive(carbon("sent", "<message xmlns='jabber:client' from='alice@localhost/phone' "
                                        f"to='bob@localhost' type='chat'><composing xmlns='{CS}'/></message>"))
        client.transport.receive(chat(BOB, "z", None, f"<gone xmlns='{CS}'/>", kind="groupchat"))
        values.append(box.get("chat_state"))
        client.transport.receive(carbon("received", chat(BOB, "y", None, f"<composing xmlns='{CS}'/>")))
        values.append(box.get("chat_state"))
        box.close()  # not followed while closed: forgotten
        client.transport.receive(chat(BOB, "z2", None, f"<paused xmlns='{CS}'/>"))
        values.append(client.api.chats.open("bob@localhost").get("chat_state"))
        return events, values
    events, values = arun(body())
    assert values == ["composing", "paused", "active", "active", "composing", None]
    assert events == [("bob@localhost", "composing"), ("bob@localhost", "paused"), ("bob@localhost", "active"),
                      ("bob@localhost", "composing")]
