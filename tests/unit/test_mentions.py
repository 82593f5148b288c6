"""Mentions (XEP-0372 references): read and written as the XEP shows, code point offsets, hostile
references, the one mention detection (with and without references), the row's parts, and the
open rooms count and notifications using it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.dom.templates import MessageParts
from converse_py.plugins.mentions.completion import matching_nicks, mention_being_typed
from converse_py.plugins.mentions.plugin import MentionsState
from converse_py.plugins.mentions.references import (
    REFERENCE, Mention, find_mentions, mentions_user, read_mentions, reference_element)
from converse_py.plugins.notifications.decide import Candidate, notify_reason
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import arun, settle
from .test_reactions import ROOM, in_room, room_message


def ref(begin: Any, end: Any, uri: str, kind: str = "mention") -> str:
    return f'<reference xmlns="{REFERENCE}" begin="{begin}" end="{end}" type="{kind}" uri="{uri}"/>'


# -- XEP-0372 as written ---------------------------------------------------------------------------
def test_the_xeps_mention_example_is_read_and_a_written_reference_has_its_shape() -> None:
    # XEP-0372 §3.2 Example 2: Juliet mentioned in "Hello Juliet"
    stanza = parse('<message xmlns="jabber:client" from="example@example.com/foo" to="juliet@capulet.lit">'
                   f'<body>Hello Juliet</body>{ref(6, 12, "xmpp:juliet@capulet.lit")}</message>')
    assert read_mentions(stanza, "Hello Juliet") == [Mention(6, 12, "juliet@capulet.lit")]
    written = reference_element(Mention(6, 12, "juliet@capulet.lit"))
    assert canonical(serialize(written)) == canonical(ref(6, 12, "xmpp:juliet@capulet.lit"))


def test_offsets_count_code_points_so_astral_characters_count_once() -> None:
    text = "🎉🎉 @bob and @Al Cat 👋"
    found = find_mentions(text, ["bob", "Al Cat", "Al"], ROOM)
    assert [(m.begin, m.end, text[m.begin:m.end]) for m in found] == [(4, 7, "bob"), (13, 19, "Al Cat")]
    assert [m.jid for m in found] == [f"{ROOM}/bob", f"{ROOM}/Al Cat"]
    assert find_mentions("mail bob@localhost or @bobby", ["bob"], ROOM) == []  # not an e-mail, not a prefix


def test_hostile_references_are_ignored_and_the_valid_ones_kept() -> None:
    body = "hi bob and carol"
    stanza = parse('<message xmlns="jabber:client"><body>hi bob and carol</body>'
                   + ref(3, 6, f"xmpp:{ROOM}/bob")       # kept
                   + ref(4, 8, f"xmpp:{ROOM}/x")         # overlaps the first
                   + ref(11, 99, f"xmpp:{ROOM}/carol")   # out of range
                   + ref(-1, 2, f"xmpp:{ROOM}/carol") + ref(5, 5, f"xmpp:{ROOM}/carol")
                   + ref("x", "y", f"xmpp:{ROOM}/carol")
                   + ref(11, 16, "javascript:alert(1)") + ref(11, 16, "https://evil.example/")
                   + ref(11, 16, f"xmpp:{ROOM}/carol", kind="data")
                   + ref(11, 16, "xmpp:carol@localhost") + "</message>")
    assert read_mentions(stanza, body) == [Mention(3, 6, f"{ROOM}/bob"), Mention(11, 16, "carol@localhost")]
    flood = parse('<message xmlns="jabber:client">' + ref(0, 1, "xmpp:a@b") * 5000 + "</message>")
    assert read_mentions(flood, "x") == [Mention(0, 1, "a@b")]


def test_the_one_detection_lets_references_decide_and_falls_back_to_the_nick_as_a_word() -> None:
    assert mentions_user("hey Alice!", "alice") and not mentions_user("malice", "alice")
    assert not mentions_user("hey alice", "alice", [{"begin": 4, "end": 9, "me": False}])  # references decide
    assert mentions_user("hey you", "alice", [{"begin": 4, "end": 7, "me": True}])
    assert notify_reason(Candidate("groupchat", "hey you", False, True, room=ROOM, own_nick="alice",
                                   mentions=[{"me": True}]), show=True, all_rooms=False) == "mention"
    assert notify_reason(Candidate("groupchat", "alice?", False, True, room=ROOM, own_nick="alice",
                                   mentions=[{"me": False}]), show=True, all_rooms=False) is None


def test_the_autocomplete_finds_the_query_being_typed_and_filters_nicks() -> None:
    assert mention_being_typed("hi @Ca") == (3, "Ca") and mention_being_typed("x@y") is None
    assert matching_nicks(["bob", "Carol", "oscar"], "car", "contains") == ["Carol", "oscar"]
    assert matching_nicks(["bob", "Carol", "oscar"], "car", "starts_with") == ["Carol"]


# -- in a room -------------------------------------------------------------------------------------
def occupant(nick: str) -> str:
    return (f'<presence xmlns="jabber:client" from="{ROOM}/{nick}" to="alice@localhost/web"><x '
            'xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant"/></x></presence>')


def test_a_room_message_sent_with_at_nicks_carries_a_reference_for_each_occupant() -> None:
    async def body() -> tuple[list[ET.Element], list[str], list[dict[str, Any]]]:
        client, room = await in_room(())
        for nick in ("bob", "Al Cat"):
            client.transport.receive(occupant(nick))
        client.transport.receive(room_message("carol", "S0", "<body>I am here</body>"))
        await settle()
        nicks = client.api.mentions.nicks(ROOM)
        room.send_message("🎉 @Al Cat and @bob, not @dave")
        sent = [parse(x) for x in client.sent("message")]
        return sent[-1].findall(f"{{{REFERENCE}}}reference"), nicks, client.api.mentions.find("@alice hi", ROOM)
    refs, nicks, own = arun(body())
    assert [(r.get("type"), r.get("begin"), r.get("end"), r.get("uri")) for r in refs] == [
        ("mention", "3", "9", f"xmpp:{ROOM}/Al Cat"), ("mention", "15", "18", f"xmpp:{ROOM}/bob")]
    assert nicks == ["carol", "Al Cat", "bob"]  # the recent speaker first, never the user
    assert own == [{"begin": 1, "end": 6, "jid": f"{ROOM}/alice", "uri": f"xmpp:{ROOM}/alice", "me": True}]


def test_received_mentions_of_the_user_mark_the_row_fire_mentioned_and_render_as_text() -> None:
    async def body() -> tuple[list[Any], list[str], Any, list[str]]:
        client, room = await in_room(())
        fired: list[str] = []
        client.api.listen.on("mentioned", lambda r, m: fired.append(m.body))
        client.transport.receive(room_message("bob", "S1", f"<body>hey alice look</body>{ref(4, 9, f'xmpp:{ROOM}/alice')}"))
        client.transport.receive(room_message("bob", "S2", "<body>alice: no refs</body>"))
        client.transport.receive(room_message("bob", "S3", f"<body>alice, see carol</body>{ref(11, 16, f'xmpp:{ROOM}/carol')}"))
        client.transport.receive(room_message("bob", "S4", "<body>@\u202e&lt;b&gt;x&lt;/b&gt; hi alice@localhost</body>"
                                              + ref(0, 10, "xmpp:alice@localhost")))
        await settle()
        state = client.converse.get(MentionsState)
        parts = [state.parts({"box": room, "message": m}, MessageParts()) for m in room.messages[-4:]]
        with pytest.raises(ConverseError):
            client.api.mentions.find("hi", "nowhere@muc.localhost")
        return [m.extras.get("mentions") for m in room.messages[-4:]], fired, parts, [p.body or "" for p in parts]
    mentions, fired, parts, bodies = arun(body())
    assert mentions[0] == [{"begin": 4, "end": 9, "jid": f"{ROOM}/alice", "uri": f"xmpp:{ROOM}/alice", "me": True}]
    assert mentions[1][0]["me"] and mentions[1][0]["begin"] == 0   # no references: the nick as a word
    assert mentions[2] == [{"begin": 11, "end": 16, "jid": f"{ROOM}/carol", "uri": f"xmpp:{ROOM}/carol", "me": False}]
    assert mentions[3][0]["me"] and mentions[3][0]["jid"] == "alice@localhost"  # the bare JID
    assert fired == ["hey alice look", "alice: no refs", "@\u202e<b>x</b> hi alice@localhost"]
    assert [("cpy-mentioned" in p.classes) for p in parts] == [True, True, False, True]
    assert 'hey <span class="cpy-mention cpy-mention-me">alice</span> look' in bodies[0]
    assert '<span class="cpy-mention">carol</span>' in bodies[2]
    assert "&lt;b&gt;" in bodies[3] and "<b>" not in bodies[3]  # network text stays text


def test_the_open_rooms_list_counts_mentions_with_the_same_detection() -> None:
    async def body() -> tuple[int, int]:
        client, room = await in_room(())
        room.minimize()
        client.transport.receive(room_message("bob", "S1", f"<body>hey you</body>{ref(4, 7, f'xmpp:{ROOM}/alice')}"))
        client.transport.receive(room_message("bob", "S2", f"<body>alice? carol!</body>{ref(7, 12, f'xmpp:{ROOM}/carol')}"))
        client.transport.receive(room_message("bob", "S3", "<body>hi alice</body>"))
        await settle()
        return room.get("num_unread"), room.get("num_mentions")
    assert arun(body()) == (3, 2)
