"""The plugin hooks of chats and rooms: before a message is sent, the incoming parsing pipeline,
chat commands, local info lines, the message/carbon/archive events, and the contacts' presences."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from converse_py.plugins.mam.plugin import MamState
from converse_py.core.errors import ConverseError
from converse_py.plugins.chats import plugin as chats_plugin
from converse_py.plugins.chats.hooks import OutgoingMessage, ParsedMessage
from converse_py.plugins.roster import plugin as roster_plugin
from converse_py.xmpp.stanza import element, parse

from .conftest import advance, Client, arun, carbon, chat, logged_in, settle

BOB = "bob@localhost"
ROOM = "coven@chat.shakespeare.lit"


def sent_bodies(client: Client) -> list[str]:
    bodies = []
    for xml in client.sent("message"):
        body = parse(xml).find("{jabber:client}body")
        if body is not None:
            bodies.append(body.text or "")
    return bodies


def shown(box: Any) -> list[tuple[str, str]]:
    return [(m.kind, m.body) for m in box.messages]


def entered_room(client: Client) -> Any:
    room = client.api.rooms.open(ROOM, {"nick": "alice"})
    client.transport.receive(
        f'<presence xmlns="jabber:client" from="{ROOM}/alice" to="alice@localhost/web">'
        '<x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="member" role="participant"/>'
        '<status code="110"/></x></presence>')
    client.transport.sent.clear()
    return room


# -- beforeMessageSend ---------------------------------------------------------------------------
def test_listeners_rewrite_in_order_and_a_removed_one_no_longer_runs() -> None:
    async def body() -> tuple[list[str], list[tuple[str, str]]]:
        client = await logged_in()
        box = client.api.chats.open(BOB)

        def shout(_box: Any, out: OutgoingMessage) -> OutgoingMessage:
            out.text = out.text.upper()
            return out

        client.api.listen.on("beforeMessageSend", shout)
        client.api.listen.on("beforeMessageSend", lambda _box, out: setattr(out, "text", out.text + "!"))
        box.send_message("hi")
        client.api.listen.not_("beforeMessageSend", shout)
        box.send_message("quiet")
        return sent_bodies(client), shown(box)
    bodies, lines = arun(body())
    assert bodies == ["HI!", "quiet!"]
    assert lines == [("message", "HI!"), ("message", "quiet!")]


def test_a_listener_cancels_or_answers_locally_and_nothing_is_sent_in_a_chat_or_a_room() -> None:
    async def body() -> tuple[Any, ...]:
        client = await logged_in()
        box = client.api.chats.open(BOB)
        room = entered_room(client)

        def gate(target: Any, out: OutgoingMessage) -> None:
            if out.text == "secret":
                out.cancel()
            elif out.text == "ask":
                out.reply(f"only {target.get('jid')} would have seen that")

        client.api.listen.on("beforeMessageSend", gate)
        results = [box.send_message("secret"), box.send_message("ask"), room.send_message("ask"),
                   room.send_message("fine")]
        return results, sent_bodies(client), shown(box), shown(room)
    results, bodies, box_lines, room_lines = arun(body())
    assert results[:3] == [None, None, None] and results[3] is not None
    assert bodies == ["fine"]
    assert box_lines == [("info", f"only {BOB} would have seen that")]
    assert room_lines == [("info", f"only {ROOM} would have seen that"), ("message", "fine")]


def test_create_message_stanza_decorates_and_refuses() -> None:
    class Refused(ConverseError):
        pass

    async def body() -> tuple[str, int, list[tuple[str, str]]]:
        client = await logged_in()
        box = client.api.chats.open(BOB)

        def decorate(_box: Any, out: OutgoingMessage) -> None:
            for stanza in out.body_stanzas():
                stanza.append(element("tagged", xmlns="urn:example:tag"))
            if out.text == "no":
                out.refuse(Refused("not this"))

        client.api.listen.on("createMessageStanza", decorate)
        box.send_message("yes")
        tagged = client.sent("message")[-1]
        with pytest.raises(Refused, match="not this"):
            box.send_message("no")
        return tagged, len(client.sent("message")), shown(box)
    tagged, count, lines = arun(body())
    assert "urn:example:tag" in tagged and "urn:xmpp:receipts" in tagged  # the receipts plugin's too
    assert count == 1 and lines == [("message", "yes")]


# -- info lines -------------------------------------------------------------------------------------
def test_an_info_line_is_shown_as_text_never_sent_and_not_counted_unread() -> None:
    async def body() -> tuple[Any, ...]:
        client = await logged_in()
        box = client.api.chats.open(BOB)
        box.minimize()
        line = box.add_info("<b>note</b>")
        return line, box.get("num_unread"), client.sent("message")
    line, unread, sent = arun(body())
    assert (line.kind, line.body, line.outgoing) == ("info", "<b>note</b>", False)
    assert unread == 0 and sent == []


# -- commands -----------------------------------------------------------------------------------------
def test_commands_answer_locally_help_lists_them_unknown_ones_and_escapes_are_handled() -> None:
    async def body() -> tuple[Any, ...]:
        client = await logged_in()
        box = client.api.chats.open(BOB)
        client.api.commands.add("roll", lambda _box, args: f"You rolled 4 ({args or 'd6'})", "roll a die")
        client.api.commands.add("/Shout", lambda target, args: target.send_message(args.upper()))
        box.send_message("/roll d20")
        box.send_message("/help")
        box.send_message("/nope x")
        box.send_message("//etc/hosts is a file")
        box.send_message("/me waves")
        box.send_message("/shout hello")
        client.api.commands.remove("roll")
        box.send_message("/roll")
        return shown(box), sent_bodies(client), [c["name"] for c in client.api.commands.get()]
    lines, bodies, names = arun(body())
    assert bodies == ["/etc/hosts is a file", "/me waves", "HELLO"]
    assert lines[0] == ("info", "You rolled 4 (d20)")
    assert lines[1][0] == "info" and "/roll — roll a die" in lines[1][1] and "/help" in lines[1][1]
    assert lines[2] == ("info", "Unknown command /nope. Type /help for the list of commands.")
    assert lines[3:6] == [("message", "/etc/hosts is a file"), ("message", "/me waves"), ("message", "HELLO")]
    assert lines[6] == ("info", "Unknown command /roll. Type /help for the list of commands.")
    assert names == ["clear", "destroy", "help", "me", "nick", "shout"]  # with the room commands


def test_commands_work_in_rooms_and_bad_names_are_refused() -> None:
    async def body() -> tuple[Any, ...]:
        client = await logged_in()
        room = entered_room(client)
        client.api.commands.add("roll", lambda _room, _args: "You rolled 2")
        room.send_message("/roll")
        with pytest.raises(ConverseError):
            client.api.commands.add("two words", lambda *_: None)
        return shown(room), sent_bodies(client)
    lines, bodies = arun(body())
    assert lines == [("info", "You rolled 2")] and bodies == []


def test_an_async_command_answers_when_ready_and_a_failing_one_says_so() -> None:
    async def body() -> list[tuple[str, str]]:
        client = await logged_in()
        box = client.api.chats.open(BOB)

        async def later(_box: Any, _args: str) -> str:
            await asyncio.sleep(0)
            return "later"

        def broken(_box: Any, _args: str) -> str:
            raise RuntimeError("no dice")

        client.api.commands.add("later", later)
        client.api.commands.add("broken", broken)
        box.send_message("/later")
        box.send_message("/broken")
        await settle()
        return shown(box)
    assert arun(body()) == [("info", "/broken failed: no dice"), ("info", "later")]


# -- incoming: parsed once, fields from parseMessage, message only for live stanzas -------------------------
def test_each_stanza_is_parsed_once_and_parse_message_fields_reach_incoming_message(monkeypatch: Any) -> None:
    calls = []
    real = chats_plugin.parse_incoming

    def counting(stanza: Any, own: Any) -> Any:
        calls.append(stanza)
        return real(stanza, own)

    monkeypatch.setattr(chats_plugin, "parse_incoming", counting)

    async def body() -> list[Any]:
        client = await logged_in()
        seen: list[Any] = []
        client.api.listen.on("parseMessage", lambda _stanza, parsed: parsed.fields.update(mood="happy"))
        client.api.listen.on("incomingMessage", lambda parsed: seen.append(
            (parsed.kind, parsed.get("mood"), parsed.get("chat_state"), parsed.get("receipt_request"),
             parsed.get("markable"))))
        client.transport.receive(chat(f"{BOB}/phone", "m1", "hi", "<request xmlns='urn:xmpp:receipts'/>"
                                      "<markable xmlns='urn:xmpp:chat-markers:0'/>"))
        return seen
    assert arun(body()) == [("direct", "happy", "active", True, True)]
    assert len(calls) == 1


def test_message_fires_for_live_stanzas_only_carbons_and_archive_results_have_their_own_events() -> None:
    async def body() -> dict[str, list[Any]]:
        client = await logged_in()
        fired: dict[str, list[Any]] = {"message": [], "carbonMessage": [], "archivedMessage": []}
        client.api.listen.on("message", lambda stanza: fired["message"].append(stanza.get("id")))
        client.api.listen.on("carbonMessage", lambda msg, kind: fired["carbonMessage"].append((msg.get("id"), kind)))
        client.api.listen.on("archivedMessage", lambda msg, _result: fired["archivedMessage"].append(msg.get("id")))
        client.transport.receive(chat(f"{BOB}/phone", "live"))
        client.transport.receive(carbon("received", chat(f"{BOB}/phone", "copied")))
        mam = client.converse.get(MamState)
        query = asyncio.ensure_future(mam.run({"with": BOB}))
        await settle()
        query_id = next(iter(mam.pending))
        client.transport.receive(
            f"<message xmlns='jabber:client' to='alice@localhost/web'><result xmlns='urn:xmpp:mam:2' "
            f"queryid='{query_id}' id='A1'><forwarded xmlns='urn:xmpp:forward:0'>"
            f"<delay xmlns='urn:xmpp:delay' stamp='2026-01-01T10:00:00Z'/>{chat(f'{BOB}/phone', 'archived')}"
            "</forwarded></result></message>")
        query.cancel()
        return fired
    fired = arun(body())
    assert fired == {"message": ["live"], "carbonMessage": [("copied", "received")], "archivedMessage": ["archived"]}


def test_before_message_shown_changes_or_drops_a_contacts_message() -> None:
    async def body() -> list[tuple[str, str]]:
        client = await logged_in()

        def censor(_box: Any, message: Any) -> Any:
            if message.body == "drop":
                return False
            return message.__class__(**{**message.__dict__, "body": message.body.replace("darn", "****")})

        client.api.listen.on("beforeMessageShown", censor)
        client.transport.receive(chat(f"{BOB}/phone", "m1", "darn it"))
        client.transport.receive(chat(f"{BOB}/phone", "m2", "drop"))
        return shown(client.api.chats.get(BOB))
    assert arun(body()) == [("message", "**** it")]


def test_activity_and_update_events_replace_the_listener_lists() -> None:
    async def body() -> list[Any]:
        client = await logged_in()
        box = client.api.chats.open(BOB)
        seen: list[Any] = []
        client.api.listen.on("chatBoxActivity", lambda b, kind: seen.append(kind))
        client.api.listen.on("messageUpdated", lambda b, message, changed: seen.append(changed))
        box.composer_activity("seen")
        out = box.send_message("hi")
        client.transport.receive(chat(f"{BOB}/phone", "r1", None, f"<received xmlns='urn:xmpp:receipts' id='{out.id}'/>"))
        return seen
    assert arun(body()) == ["seen", ["delivered"]]


def test_parsed_message_reads_back_what_a_js_listener_changed() -> None:
    parsed = ParsedMessage(parse(chat(f"{BOB}/phone", "m1")), parse(chat(f"{BOB}/phone", "m1")), "direct",
                           __import__("converse_py.xmpp.jid", fromlist=["JID"]).JID.parse(f"{BOB}/phone"),
                           "alice@localhost", None)
    parsed.js_read_back({"kind": "forged", "body": "x", "is_spam": True})
    assert parsed.kind == "direct" and parsed.fields == {"is_spam": True}
    out = OutgoingMessage(None, "hi")
    out.js_read_back({"text": "HI", "cancelled": True})
    assert out.text == "HI" and not out.cancelled  # cancel() is how JS cancels


# -- rosterPresencesFetched ---------------------------------------------------------------------------------
def test_roster_presences_fetched_waits_for_the_burst_to_quiet() -> None:
    quiet, longest = roster_plugin.PRESENCES_QUIET, roster_plugin.PRESENCES_MAX_WAIT

    async def body() -> list[Any]:
        client = Client()
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        request = parse(next(x for x in client.transport.sent if "jabber:iq:roster" in x))
        client.transport.receive(
            f'<iq xmlns="jabber:client" type="result" id="{request.get("id")}"><query xmlns="jabber:iq:roster">'
            f'<item jid="{BOB}" subscription="both"/><item jid="carol@localhost" subscription="both"/>'
            '</query></iq>')
        await settle()
        resolved = lambda: client.converse.promises.is_resolved("rosterPresencesFetched")  # noqa: E731
        steps = [resolved()]
        for who in (BOB, "carol@localhost"):
            await advance(client, quiet * 0.6)  # each well within the quiet time of the one before
            client.transport.receive(f'<presence xmlns="jabber:client" from="{who}/phone" to="alice@localhost/web"/>')
            steps.append(resolved())
        await advance(client, quiet * 0.6)
        steps.append(resolved())  # the quiet time starts again at the last presence
        await advance(client, quiet * 0.5)
        contacts = await client.api.wait_until("rosterPresencesFetched")
        steps.append(sorted(c.get("jid") for c in contacts if c.get("chat_status") == "online"))
        # a burst that never quiets still ends at the longest wait
        client.converse.trigger("statusInitialized", "online")
        steps.append(resolved())
        for _ in range(int(longest / (quiet * 0.5))):
            client.transport.receive(f'<presence xmlns="jabber:client" from="{BOB}/phone" to="alice@localhost/web">'
                                     '<show>away</show></presence>')
            await advance(client, quiet * 0.5)
        steps.append(resolved())
        return steps
    assert arun(body()) == [False, False, False, False, [BOB, "carol@localhost"], False, True]


def test_a_correction_carries_one_replace_and_create_message_stanza_sees_it_as_a_correction() -> None:
    async def body() -> tuple[list[Any], list[str]]:
        client = await logged_in()
        box = client.api.chats.open(BOB)
        first = box.send_message("teh")
        seen: list[str] = []
        client.api.listen.on("createMessageStanza", lambda _box, out: seen.append(out.correcting))
        box.correct_message("the")
        stanza = parse(client.sent("message")[-1])
        return stanza.findall("{urn:xmpp:message-correct:0}replace"), seen + [first.id]
    replaces, seen = arun(body())
    assert len(replaces) == 1 and replaces[0].get("id") == seen[1] and seen[0] == seen[1]
