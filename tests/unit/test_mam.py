"""MAM (XEP-0313) query/result/fin/prefs stanzas against the XEP's examples, RSM (XEP-0059) paging
math, service discovery, and archive.query / chat history end to end on a FakeTransport."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, UTC
from typing import Any

import pytest

from converse_py.core.connection import RECONNECT_DELAYS
from converse_py.plugins.disco.plugin import DiscoState
from converse_py.core.errors import ConverseError
from converse_py.plugins.disco.stanzas import info_query, parse_info
from converse_py.plugins.mam.api import UNSUPPORTED, ArchiveNotSupportedError
from converse_py.plugins.mam.models import RSM
from converse_py.plugins.mam.plugin import MamState
from converse_py.plugins.mam.stanzas import (
    QueryOptionError, RSMResult, archive_query, normalize_options, parse_fin, parse_result, prefs_set,
)
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, advance, arun, settle

FORM = ('<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden">'
        '<value>urn:xmpp:mam:2</value></field>{fields}</x>')


def _query(options: dict[str, Any], query_id: str = "f27") -> str:
    built = archive_query(normalize_options(options), query_id)
    built.set("id", "juliet1")
    return canonical(serialize(built))


def test_query_with_a_jid_matches_xep0313_example() -> None:
    expected = ('<iq xmlns="jabber:client" type="set" id="juliet1"><query xmlns="urn:xmpp:mam:2" queryid="f27">'
                + FORM.format(fields='<field var="with"><value>juliet@capulet.lit</value></field>')
                + '</query></iq>')
    assert _query({"with": "juliet@capulet.lit"}) == canonical(expected)


def test_query_with_start_end_and_max_matches_xep0313_and_xep0059() -> None:
    expected = ('<iq xmlns="jabber:client" type="set" id="juliet1"><query xmlns="urn:xmpp:mam:2" queryid="f27">'
                + FORM.format(fields='<field var="start"><value>2010-06-07T00:00:00Z</value></field>'
                                     '<field var="end"><value>2010-07-07T13:23:54Z</value></field>')
                + '<set xmlns="http://jabber.org/protocol/rsm"><max>10</max></set></query></iq>')
    # an ISO string with an offset and an aware datetime both become UTC XEP-0082 stamps
    assert _query({"start": "2010-06-07T02:00:00+02:00",
                   "end": datetime(2010, 7, 7, 13, 23, 54, tzinfo=UTC), "max": 10}) == canonical(expected)


def test_empty_query_has_no_form_and_before_empty_pages_from_the_end() -> None:
    assert _query({}) == canonical('<iq xmlns="jabber:client" type="set" id="juliet1">'
                                   '<query xmlns="urn:xmpp:mam:2" queryid="f27"/></iq>')
    assert _query({"before": "", "max": 5}) == canonical(
        '<iq xmlns="jabber:client" type="set" id="juliet1"><query xmlns="urn:xmpp:mam:2" queryid="f27">'
        '<set xmlns="http://jabber.org/protocol/rsm"><max>5</max><before/></set></query></iq>')
    assert "<after>09af3-cc343-b409f</after>" in _query({"after": "09af3-cc343-b409f", "max": 10})
    assert "<index>20</index>" in _query({"index": 20, "max": 10})


class _JsDate:
    """What a JS Date looks like from Python (a JsProxy with toISOString)."""

    def toISOString(self) -> str:
        return "2010-06-07T00:00:00.000Z"


def test_options_are_checked_and_js_dates_accepted() -> None:
    assert normalize_options({"start": _JsDate()}) == {"start": "2010-06-07T00:00:00Z"}
    for bad, name in [({"max": "ten"}, "max"), ({"max": -1}, "max"), ({"with": "@@"}, "with"),
                      ({"start": "yesterday"}, "start"), ({"after": 5}, "after"), ({"max": True}, "max")]:
        with pytest.raises(QueryOptionError, match=name):
            normalize_options(bad)


RESULT = ('<message xmlns="jabber:client" id="aeb213" to="juliet@capulet.lit/chamber" {frm}>'
          '<result xmlns="urn:xmpp:mam:2" queryid="f27" id="28482-98726-73623">'
          '<forwarded xmlns="urn:xmpp:forward:0"><delay xmlns="urn:xmpp:delay" stamp="2010-07-10T23:08:25Z"/>'
          '<message xmlns="jabber:client" from="witch@shakespeare.lit" to="macbeth@shakespeare.lit" type="chat">'
          '<body>Hail to thee</body></message></forwarded></result></message>')


def test_result_message_of_xep0313_is_parsed_only_from_the_own_archive() -> None:
    result = parse_result(parse(RESULT.format(frm="")), "f27", "juliet@capulet.lit")
    assert result is not None
    assert (result.id, result.time, result.message.findtext("{jabber:client}body")) == \
        ("28482-98726-73623", datetime(2010, 7, 10, 23, 8, 25, tzinfo=UTC), "Hail to thee")
    assert parse_result(parse(RESULT.format(frm='from="juliet@capulet.lit"')), "f27", "juliet@capulet.lit")
    assert parse_result(parse(RESULT.format(frm='from="mallory@evil.com"')), "f27", "juliet@capulet.lit") is None
    assert parse_result(parse(RESULT.format(frm="")), "other-query", "juliet@capulet.lit") is None


def test_fin_with_rsm_set_of_xep0313() -> None:
    fin = parse('<iq xmlns="jabber:client" type="result" id="juliet1"><fin xmlns="urn:xmpp:mam:2">'
                '<set xmlns="http://jabber.org/protocol/rsm"><first index="0">28482-98726-73623</first>'
                '<last>09af3-cc343-b409f</last><count>20</count></set></fin></iq>')
    assert parse_fin(fin) == (False, RSMResult("28482-98726-73623", 0, "09af3-cc343-b409f", 20))
    done = parse('<iq xmlns="jabber:client" type="result" id="q"><fin xmlns="urn:xmpp:mam:2" complete="true">'
                 '<set xmlns="http://jabber.org/protocol/rsm"><count>0</count></set></fin></iq>')
    assert parse_fin(done) == (True, RSMResult(count=0))


def test_prefs_match_xep0313_shape() -> None:
    built = prefs_set("roster")
    built.set("id", "juliet2")
    assert canonical(serialize(built)) == canonical(
        '<iq xmlns="jabber:client" type="set" id="juliet2"><prefs xmlns="urn:xmpp:mam:2" default="roster">'
        '<always/><never/></prefs></iq>')
    with pytest.raises(ValueError):
        prefs_set("sometimes")


def test_rsm_next_and_previous_keep_the_query_and_move_the_window() -> None:
    rsm = RSM({"with": "john@doe.net", "start": "2010-06-07T00:00:00Z", "max": 10, "after": "x"},
              RSMResult(first="a10", first_index=10, last="a19", count=40))
    assert (rsm.first, rsm.last, rsm.count, rsm.index, rsm.get("with")) == ("a10", "a19", 40, 10, "john@doe.net")
    assert rsm.next(10) is rsm
    assert rsm.to_options() == {"with": "john@doe.net", "start": "2010-06-07T00:00:00Z", "max": 10, "after": "a19"}
    back = RSM({"before": "", "max": 5}, RSMResult(first="z5", last="z9"))
    back.previous(3)
    assert back.to_options() == {"max": 3, "before": "z5"}
    empty = RSM({"before": "z5", "max": 3}, RSMResult())
    assert empty.previous(3).to_options() == {"max": 3, "before": "z5"}  # an empty page stays put


def test_disco_info_query_and_result() -> None:
    built = info_query("plays.shakespeare.lit")
    built.set("id", "info1")
    assert canonical(serialize(built)) == canonical(
        '<iq xmlns="jabber:client" type="get" id="info1" to="plays.shakespeare.lit">'
        '<query xmlns="http://jabber.org/protocol/disco#info"/></iq>')
    info = parse_info(parse(
        '<iq xmlns="jabber:client" type="result" from="plays.shakespeare.lit" id="info1">'
        '<query xmlns="http://jabber.org/protocol/disco#info"><identity category="conference" type="text" '
        'name="Play-Specific Chatrooms"/><feature var="http://jabber.org/protocol/disco#info"/>'
        '<feature var="http://jabber.org/protocol/muc"/></query></iq>'))
    assert info.identities == [("conference", "text", "Play-Specific Chatrooms")]
    assert info.features == ["http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/muc"]


# -- end to end on the fake transport ---------------------------------------------------------

def _sent_iqs(client: Client, child: str) -> list[ET.Element]:
    return [el for el in (parse(x) for x in client.transport.sent if x.startswith("<iq"))
            if el.find(child) is not None]


async def _logged_in(features: tuple[str, ...] = ("urn:xmpp:mam:2",), settings: dict[str, Any] | None = None,
                     stream_features: str | None = None) -> tuple[Client, list[Any]]:
    client = Client()
    if stream_features is not None:
        client.transport.features = stream_features
    discovered: list[Any] = []
    client.api.listen.on("serviceDiscovered", discovered.append)
    await client.converse.initialize(settings or {})
    await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
    await settle()
    roster_iq = next(parse(x) for x in client.transport.sent if "jabber:iq:roster" in x)
    client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{roster_iq.get("id")}">'
                             '<query xmlns="jabber:iq:roster"/></iq>')
    await settle()
    await _answer_disco(client, features)
    return client, discovered


async def _answer_disco(client: Client, features: tuple[str, ...]) -> None:
    """Answer the two disco#info queries of a login (server: ``features``; account: none)."""
    for request in _sent_iqs(client, "{http://jabber.org/protocol/disco#info}query")[-2:]:
        feats = "".join(f'<feature var="{f}"/>' for f in features) if request.get("to") == "localhost" else ""
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{request.get("id")}" '
                                 f'from="{request.get("to")}"><query xmlns="http://jabber.org/protocol/disco#info">'
                                 f'{feats}</query></iq>')
    await settle()


def _answer_query(client: Client, messages: list[tuple[str, str, str, str]], *, complete: bool = False,
                  count: int | None = None, extra: dict[str, str] | None = None) -> ET.Element:
    """Answer the last MAM query with (archive id, from, to, body) messages, a minute apart
    (``extra``: archive id → more XML inside that message)."""
    request = _sent_iqs(client, "{urn:xmpp:mam:2}query")[-1]
    query_id = request.find("{urn:xmpp:mam:2}query").get("queryid")  # type: ignore[union-attr]
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for aid, frm, to, body in messages:
        stamp = (base + timedelta(minutes=int(aid.strip("a") or 0))).strftime("%Y-%m-%dT%H:%M:%SZ")
        client.transport.receive(
            f'<message xmlns="jabber:client" to="alice@localhost/web" from="alice@localhost">'
            f'<result xmlns="urn:xmpp:mam:2" queryid="{query_id}" id="{aid}"><forwarded xmlns="urn:xmpp:forward:0">'
            f'<delay xmlns="urn:xmpp:delay" stamp="{stamp}"/><message xmlns="jabber:client" type="chat" '
            f'from="{frm}" to="{to}" id="m-{aid}"><body>{body}</body>{(extra or {}).get(aid, "")}</message>'
            f'</forwarded></result></message>')
    first = f'<first index="0">{messages[0][0]}</first><last>{messages[-1][0]}</last>' if messages else ""
    total = f"<count>{count}</count>" if count is not None else ""
    flag = ' complete="true"' if complete else ""
    client.transport.receive(
        f'<iq xmlns="jabber:client" type="result" id="{request.get("id")}"><fin xmlns="urn:xmpp:mam:2"'
        f'{flag}><set xmlns="http://jabber.org/protocol/rsm">{first}{total}'
        f'</set></fin></iq>')
    return request


def test_service_discovered_fires_per_feature_and_query_calls_back_with_rsm() -> None:
    async def body() -> tuple[list[str], list[Any], Any, Any]:
        client, discovered = await _logged_in(("urn:xmpp:mam:2", "urn:xmpp:carbons:2"))
        got: list[Any] = []
        future = client.api.archive.query({"with": "bob@localhost", "max": 2},
                                          lambda messages, rsm: got.append((messages, rsm)))
        await settle()
        request = _answer_query(client, [("a1", "bob@localhost/x", "alice@localhost", "one"),
                                         ("a2", "alice@localhost/web", "bob@localhost", "two")], count=5)
        result = await future
        return [f.get("var") for f in discovered], got, request, result
    features, got, request, result = arun(body())
    assert features == ["urn:xmpp:mam:2", "urn:xmpp:carbons:2"]
    messages, rsm = got[0]
    assert [m.find(".//{jabber:client}body").text for m in messages] == ["one", "two"]
    assert (rsm.first, rsm.last, rsm.count, rsm.get("with")) == ("a1", "a2", 5, "bob@localhost")
    assert rsm.next(2).to_options() == {"with": "bob@localhost", "max": 2, "after": "a2"}
    assert 'var="with"' in serialize(request) and result["messages"] == messages


def test_query_errback_gets_the_error_iq_and_callback_only_form_works() -> None:
    async def body() -> tuple[list[Any], Any, list[Any]]:
        client, _ = await _logged_in()
        errors: list[Any] = []
        future = client.api.archive.query({"with": "bob@localhost"}, lambda *a: None, errors.append)
        await settle()
        request = _sent_iqs(client, "{urn:xmpp:mam:2}query")[-1]
        client.transport.receive(f'<iq xmlns="jabber:client" type="error" id="{request.get("id")}"><error type="modify">'
                                 '<bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>')
        handled = await future
        calls: list[Any] = []
        only_callback = client.api.archive.query(lambda messages, rsm: calls.append(len(messages)))
        await settle()
        _answer_query(client, [], complete=True)
        await only_callback
        return errors, handled, calls
    errors, handled, calls = arun(body())
    assert errors[0].get("type") == "error" and handled is None
    assert calls == [0]


def test_query_fails_when_the_server_has_no_mam() -> None:
    async def body() -> str:
        client, discovered = await _logged_in(features=("urn:xmpp:carbons:2",))
        assert [f.get("var") for f in discovered] == ["urn:xmpp:carbons:2"]
        with pytest.raises(ArchiveNotSupportedError) as info:
            client.api.archive.query()
        with pytest.raises(ConverseError, match="max"):
            client.api.archive.query({"max": "lots"})
        return str(info.value)
    assert arun(body()) == UNSUPPORTED


def test_message_archiving_setting_sets_preferences() -> None:
    async def body() -> list[str | None]:
        client, _ = await _logged_in(settings={"message_archiving": "roster"})
        await settle()
        first = [p.find("{urn:xmpp:mam:2}prefs").get("default")  # type: ignore[union-attr]
                 for p in _sent_iqs(client, "{urn:xmpp:mam:2}prefs")]
        client.api.settings.set("message_archiving", "never")
        await settle()
        return first + [p.find("{urn:xmpp:mam:2}prefs").get("default")  # type: ignore[union-attr]
                        for p in _sent_iqs(client, "{urn:xmpp:mam:2}prefs")][len(first):]
    assert arun(body()) == ["roster", "never"]


def test_opening_a_chat_shows_the_latest_page_then_older_pages_without_duplicates() -> None:
    async def body() -> tuple[list[str], list[str], ET.Element, ET.Element, bool]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 3})
        # a live message (carrying the archive's stanza-id) arrives first and opens the box
        client.transport.receive('<message xmlns="jabber:client" from="bob@localhost/phone" type="chat" id="m-a9">'
                                 '<body>nine</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="a9"/>'
                                 '</message>')
        box = client.api.chats.get("bob@localhost")
        await settle()
        latest = _answer_query(client, [("a7", "bob@localhost/phone", "alice@localhost", "seven"),
                                        ("a8", "alice@localhost/web", "bob@localhost", "eight")])
        await settle()
        after_first = [m.body for m in box.messages]
        box.load_older()
        await settle()
        older = _answer_query(client, [("a5", "bob@localhost/x", "alice@localhost", "five"),
                                       ("a6", "bob@localhost/x", "alice@localhost", "six")], complete=True)
        await settle()
        assert box.load_older() is None  # the archive's start was reached
        # a box opened with nothing in it asks for the page ending now
        client.api.chats.open("carol@localhost")
        await settle()
        assert "<before />" in serialize(_sent_iqs(client, "{urn:xmpp:mam:2}query")[-1])
        return after_first, [m.body for m in box.messages], latest, older, box.messages[3].outgoing
    after_first, final, latest, older, eight_is_outgoing = arun(body())
    assert after_first == ["seven", "eight", "nine"]
    assert final == ["five", "six", "seven", "eight", "nine"]
    # the page before the live message's archive id (not one ending now, which could overtake live ones)
    assert "<before>a9</before>" in serialize(latest) and "<max>3</max>" in serialize(latest)
    assert "<before>a7</before>" in serialize(older)
    assert eight_is_outgoing


def test_archived_corrections_edit_their_original_across_pages_and_are_never_rows() -> None:
    def fix(original: str) -> str:
        return f"<replace xmlns='urn:xmpp:message-correct:0' id='{original}'/>"

    async def body() -> list[tuple[str, bool]]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 3})
        box = client.api.chats.open("bob@localhost")
        await settle()
        # newest page: a correction of a message on the older page, a forged one by alice of bob's
        # message, and a correction of a message on this page
        _answer_query(client, [("a7", "bob@localhost/x", "alice@localhost", "six, fixed"),
                               ("a8", "bob@localhost/x", "alice@localhost", "eight"),
                               ("a9", "bob@localhost/x", "alice@localhost", "eight, fixed")],
                      extra={"a7": fix("m-a6"), "a9": fix("m-a8")})
        await settle()
        box.load_older()
        await settle()
        _answer_query(client, [("a5", "alice@localhost/web", "bob@localhost", "forged edit of six"),
                               ("a6", "bob@localhost/x", "alice@localhost", "sx")],
                      extra={"a5": fix("m-a6")}, complete=True)
        await settle()
        return [(m.body, m.edited) for m in box.messages]
    # alice's "correction" of bob's message is neither applied nor shown
    assert arun(body()) == [("six, fixed", True), ("eight, fixed", True)]


def test_dedupe_by_stanza_id_origin_id_and_sender_id() -> None:
    from converse_py.plugins.chats.models import ChatBox, ShownMessage
    t = datetime(2026, 1, 1, tzinfo=UTC)
    box = ChatBox("bob@localhost")
    events: list[tuple[list[str], str]] = []
    box.on_messages(lambda b, msgs, where: events.append(([m.body for m in msgs], where)))
    box.add_messages([ShownMessage("m1", "bob@localhost", "live", t, False, stanza_id="S1")])
    box.add_messages([ShownMessage("other", "bob@localhost", "archived copy", t, False, stanza_id="S1")])
    box.add_messages([ShownMessage("m2", "alice@localhost", "mine", t + timedelta(seconds=1), True, origin_id="m2")])
    box.add_messages([ShownMessage("m2", "alice@localhost", "mine again", t, True, stanza_id="S2", origin_id="m2")])
    box.add_messages([ShownMessage("m1", "bob@localhost", "same id, no stanza-id", t, False)])
    box.add_messages([ShownMessage("m1", "carol@localhost", "same id, other sender", t - timedelta(1), False)])
    box.add_messages([ShownMessage("m3", "bob@localhost", "in between", t + timedelta(milliseconds=5), False)])
    assert [m.body for m in box.messages] == ["same id, other sender", "live", "in between", "mine"]
    assert [w for _, w in events] == ["append", "append", "prepend", "reset"]


def test_outgoing_message_carries_an_origin_id_and_boxes_survive_a_reload() -> None:
    async def body() -> tuple[str, list[str], bool]:
        client, _ = await _logged_in()
        box = client.api.chats.open("bob@localhost")
        box.minimize()
        client.api.chats.open("carol@localhost").close()
        box.send_message("hello")
        sent = parse(client.transport.sent[-1])
        oid = sent.find("{urn:xmpp:sid:0}origin-id")
        assert oid is not None and oid.get("id") == sent.get("id")
        storage = dict(client.platform.storage)
        # a new page load in the same tab
        again = Client()
        again.platform.storage.update(storage)
        fetched: list[str] = []
        again.api.listen.on("chatBoxOpened", lambda b: fetched.append(b.get("jid")))
        await again.converse.initialize({})
        await again.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await again.api.wait_until("chatBoxesFetched")
        return serialize(sent), fetched, again.api.chats.get("bob@localhost").get("minimized")
    _, fetched, minimized = arun(body())
    assert fetched == ["bob@localhost"] and minimized is True


def test_after_a_reconnection_open_boxes_catch_up_from_the_newest_archived_message() -> None:
    async def body() -> tuple[list[str], str]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 3})
        client.transport.receive('<message xmlns="jabber:client" from="bob@localhost/phone" type="chat" id="m-a5">'
                                 '<body>five</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="a5"/>'
                                 '</message>')
        box = client.api.chats.get("bob@localhost")
        await settle()
        _answer_query(client, [("a5", "bob@localhost/phone", "alice@localhost", "five")], complete=True)
        await settle()
        # the connection drops and comes back: the archive is asked for what came after a5
        client.transport.disconnect("connection lost")
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        roster_iq = [parse(x) for x in client.transport.sent if "jabber:iq:roster" in x][-1]
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{roster_iq.get("id")}">'
                                 '<query xmlns="jabber:iq:roster"/></iq>')
        await settle()
        await _answer_disco(client, ("urn:xmpp:mam:2",))
        request = _answer_query(client, [("a6", "bob@localhost/phone", "alice@localhost", "six"),
                                         ("a7", "alice@localhost/phone", "bob@localhost", "seven")], complete=True)
        await settle()
        return [m.body for m in box.messages], serialize(request)
    bodies, request = arun(body())
    assert bodies == ["five", "six", "seven"]
    assert "<after>a5</after>" in request


def test_a_catch_up_reads_page_after_page_and_says_so_when_more_arrived_than_it_reads() -> None:
    async def body() -> tuple[list[str], list[str]]:
        client, _ = await _logged_in(settings={"archived_messages_page_size": 2})
        client.transport.receive('<message xmlns="jabber:client" from="bob@localhost/phone" type="chat" id="m-a1">'
                                 '<body>one</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="a1"/>'
                                 '</message>')
        box = client.api.chats.get("bob@localhost")
        await settle()
        _answer_query(client, [("a1", "bob@localhost/phone", "alice@localhost", "one")], complete=True)
        await settle()
        task = asyncio.ensure_future(client.converse.get(MamState).catch_up(box, pages=3))
        afters = []
        for n in range(3):  # three pages, none complete: the server has more
            await settle()
            afters.append(serialize(_sent_iqs(client, "{urn:xmpp:mam:2}query")[-1]).split("<after>")[1].split("<")[0])
            _answer_query(client, [(f"a{2 + 2 * n}", "bob@localhost/x", "alice@localhost", f"m{2 + 2 * n}"),
                                   (f"a{3 + 2 * n}", "bob@localhost/x", "alice@localhost", f"m{3 + 2 * n}")])
        await task
        return [m.body for m in box.messages], afters
    bodies, afters = arun(body())
    assert afters == ["a1", "a3", "a5"]
    assert bodies == ["one", "m2", "m3", "m4", "m5", "m6", "m7",
                      "More messages arrived while you were away than are shown here."]



@pytest.mark.parametrize("auto_reconnect", [False, True])
def test_a_discovery_cut_by_a_dropped_connection_does_not_hide_mam_from_the_next_session(
        auto_reconnect: bool) -> None:

    async def answer_roster(client: Client) -> None:
        roster_iq = [parse(x) for x in client.transport.sent if "jabber:iq:roster" in x][-1]
        client.transport.receive(f'<iq xmlns="jabber:client" type="result" id="{roster_iq.get("id")}">'
                                 '<query xmlns="jabber:iq:roster"/></iq>')
        await settle()

    async def body() -> tuple[bool, str]:
        client = Client()
        await client.converse.initialize({"auto_reconnect": auto_reconnect})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        await answer_roster(client)
        client.transport.receive('<message xmlns="jabber:client" from="bob@localhost/phone" type="chat" id="m-a5">'
                                 '<body>five</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="a5"/>'
                                 '</message>')
        await settle()
        # the disco queries of this session are still unanswered when its connection drops
        if auto_reconnect:
            client.transport.drop("connection lost")  # will-reconnect, then a new session by itself
            await advance(client, RECONNECT_DELAYS[0])
            assert client.transport.connects == 2
        else:
            client.transport.disconnect("connection lost")  # disconnected; the user logs in again
            await settle()
            await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        await answer_roster(client)
        await _answer_disco(client, ("urn:xmpp:mam:2",))
        queries = _sent_iqs(client, "{urn:xmpp:mam:2}query")
        return client.converse.get(DiscoState).supports("urn:xmpp:mam:2"), serialize(queries[-1]) if queries else ""
    supported, catch_up = arun(body())
    assert supported
    assert "<after>a5</after>" in catch_up  # the reconnection's catch-up asked the archive


def test_a_resumed_stream_keeps_what_discovery_found_and_asks_nothing_again() -> None:

    async def body() -> tuple[bool, bool, list[str]]:
        client, _ = await _logged_in(settings={"enable_smacks": True}, stream_features=(
            "<features xmlns='http://etherx.jabber.org/streams'><sm xmlns='urn:xmpp:sm:3'/></features>"))
        client.transport.receive("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>")
        first_ids = {parse(x).get("id") for x in client.transport.sent if "disco#info" in x}
        client.transport.drop()
        held = client.converse.get(DiscoState).supports("urn:xmpp:mam:2") and client.converse.get(DiscoState).done
        client.transport.sent.clear()
        await advance(client, RECONNECT_DELAYS[0])
        assert any("<resume " in x for x in client.transport.sent)
        client.transport.receive("<resumed xmlns='urn:xmpp:sm:3' h='0' previd='sm-1'/>")
        await settle()
        # (the unacknowledged disco queries are re-sent by XEP-0198 itself: same ids)
        asked = [x for x in client.transport.sent if "disco#info" in x and parse(x).get("id") not in first_ids]
        return held, client.converse.get(DiscoState).done and client.converse.get(DiscoState).supports("urn:xmpp:mam:2"), asked
    held_while_down, after, asked = arun(body())
    assert not held_while_down  # nobody is told what is supported while the stream is down
    assert after and asked == []
