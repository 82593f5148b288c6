"""Bookmarks: stanzas against XEP-0402's and XEP-0048's examples, the choice between them, autojoin
at log-in, live changes from the user's other clients (and pushes from anyone else ignored),
api.bookmarks, rooms bookmarked when entered, and the open rooms kept across a reload."""

from __future__ import annotations

import json
from typing import Any

import pytest

from converse_py.core.errors import ConverseError, SettingsError
from converse_py.plugins.bookmarks.open_rooms import STORAGE_PREFIX, auto_join_list
from converse_py.plugins.mentions.references import mentions_user as mentions
from converse_py.plugins.bookmarks.stanzas import (
    COMPAT, NOTIFY, Bookmark, items_request, parse_event, parse_items, parse_private, private_request,
    private_store, publish_request, retract_request,
)
from converse_py.plugins.bookmarks.state import PEP, PRIVATE_STORAGE, BookmarksState
from converse_py.plugins.disco.plugin import DiscoState, Feature
from converse_py.plugins.muc.plugin import RoomsState
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, logged_in, settle

THEPLAY = "theplay@conference.shakespeare.lit"

# XEP-0402 §3.2, Example 3 (as sent by juliet@capulet.lit/balcony; a client leaves out 'from').
XEP0402_PUBLISH = f"""<iq xmlns='jabber:client' type='set' id='pip1'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <publish node='urn:xmpp:bookmarks:1'>
      <item id='{THEPLAY}'>
        <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' autojoin='true'>
          <nick>JC</nick>
        </conference>
      </item>
    </publish>
    <publish-options>
      <x xmlns='jabber:x:data' type='submit'>
        <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
        <field var='pubsub#persist_items'><value>true</value></field>
        <field var='pubsub#max_items'><value>max</value></field>
        <field var='pubsub#send_last_published_item'><value>never</value></field>
        <field var='pubsub#access_model'><value>whitelist</value></field>
      </x>
    </publish-options>
  </pubsub>
</iq>"""

# XEP-0402 §3.1, Example 2: the items result.
XEP0402_ITEMS = f"""<iq xmlns='jabber:client' type='result' to='juliet@capulet.lit/balcony' id='retrieve1'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <items node='urn:xmpp:bookmarks:1'>
      <item id='{THEPLAY}'>
        <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' autojoin='true'>
          <nick>JC</nick>
        </conference>
      </item>
      <item id='orchard@conference.shakespeare.lit'>
        <conference xmlns='urn:xmpp:bookmarks:1' name='The Orchard' autojoin='1'>
          <nick>JC</nick>
          <extensions><state xmlns='http://myclient.example/bookmark/state' minimized='true'/></extensions>
        </conference>
      </item>
    </items>
  </pubsub>
</iq>"""

# XEP-0402 §4, Examples 8 and 9: notifications of an added and a removed bookmark.
XEP0402_ADDED = f"""<message xmlns='jabber:client' from='juliet@capulet.lit' to='juliet@capulet.lit/balcony'
    type='headline' id='new-room1'>
  <event xmlns='http://jabber.org/protocol/pubsub#event'>
    <items node='urn:xmpp:bookmarks:1'>
      <item id='{THEPLAY}'>
        <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' autojoin='true'>
          <nick>JC</nick>
        </conference>
      </item>
    </items>
  </event>
</message>"""
XEP0402_REMOVED = f"""<message xmlns='jabber:client' from='juliet@capulet.lit' to='juliet@capulet.lit/balcony'
    type='headline' id='removed-room1'>
  <event xmlns='http://jabber.org/protocol/pubsub#event'>
    <items node='urn:xmpp:bookmarks:1'><retract id='{THEPLAY}'/></items>
  </event>
</message>"""

# XEP-0048 §3.3 (Example 3) and XEP-0049 §2.3: storing and retrieving in private XML storage.
XEP0048_STORE = """<iq xmlns='jabber:client' type='set' id='pip1'>
  <query xmlns='jabber:iq:private'>
    <storage xmlns='storage:bookmarks'>
      <conference name='Council of Oberon' autojoin='true' jid='council@conference.underhill.org'>
        <nick>Puck</nick>
      </conference>
    </storage>
  </query>
</iq>"""
XEP0048_GET = """<iq xmlns='jabber:client' type='get' id='pip2'>
  <query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>"""


def same(element: Any, xml: str) -> bool:
    return canonical(serialize(element)) == canonical(xml)


# -- stanzas ---------------------------------------------------------------------------------
def test_a_0402_publish_is_the_xeps_example_with_its_publish_options() -> None:
    bookmark = Bookmark(THEPLAY, name="The Play's the Thing", nick="JC", autojoin=True)
    assert same(publish_request(bookmark, id_="pip1"), XEP0402_PUBLISH)


def test_0402_retrieve_and_retract_are_the_xeps_examples() -> None:
    assert same(items_request(id_="retrieve1"), "<iq xmlns='jabber:client' type='get' id='retrieve1'>"
                "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>")
    assert same(retract_request(THEPLAY, id_="retract1"), "<iq xmlns='jabber:client' type='set' id='retract1'>"
                "<pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:xmpp:bookmarks:1' notify='true'>"
                f"<item id='{THEPLAY}'/></retract></pubsub></iq>")


def test_the_0402_items_result_is_read_with_autojoin_true_or_1_and_extensions_ignored() -> None:
    assert parse_items(parse(XEP0402_ITEMS)) == [
        Bookmark(THEPLAY, "The Play's the Thing", "JC", True),
        Bookmark("orchard@conference.shakespeare.lit", "The Orchard", "JC", True)]


def test_notifications_of_added_and_removed_bookmarks_are_read_only_from_the_own_bare_jid() -> None:
    added = parse_event(parse(XEP0402_ADDED), "juliet@capulet.lit")
    assert added is not None and added.published == (Bookmark(THEPLAY, "The Play's the Thing", "JC", True),)
    removed = parse_event(parse(XEP0402_REMOVED), "juliet@capulet.lit")
    assert removed is not None and removed.retracted == (THEPLAY,) and removed.published == ()
    forged = XEP0402_ADDED.replace("from='juliet@capulet.lit'", "from='mallory@evil.example'")
    assert parse_event(parse(forged), "juliet@capulet.lit") is None
    from_a_resource = XEP0402_ADDED.replace("from='juliet@capulet.lit'", "from='juliet@capulet.lit/evil'")
    assert parse_event(parse(from_a_resource), "juliet@capulet.lit") is None
    assert parse_event(parse(XEP0402_ADDED.replace(" from='juliet@capulet.lit'", "")), "juliet@capulet.lit") is None


def test_0048_private_storage_store_retrieve_and_result_are_the_xeps_examples() -> None:
    council = Bookmark("council@conference.underhill.org", "Council of Oberon", "Puck", True)
    assert same(private_store([council], id_="pip1"), XEP0048_STORE)
    assert same(private_request(id_="pip2"), XEP0048_GET)
    result = XEP0048_STORE.replace("type='set'", "type='result'").replace(
        "</storage>", "<url name='Complete Works' url='http://the-tech.mit.edu/Shakespeare/'/>"
                      "<conference jid='bad-no-node'/></storage>")
    assert parse_private(parse(result)) == [council]


def test_hostile_bookmarks_are_bounded_and_bad_jids_dropped() -> None:
    items = "".join(f"<item id='r{i}@conference.localhost'><conference xmlns='urn:xmpp:bookmarks:1'/></item>"
                    for i in range(1_200))
    result = parse("<iq xmlns='jabber:client' type='result'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                   f"<items node='urn:xmpp:bookmarks:1'><item id='room@x/full'><conference "
                   f"xmlns='urn:xmpp:bookmarks:1'/></item>{items}</items></pubsub></iq>")
    parsed = parse_items(result)
    assert len(parsed) == 1_000 and all("/" not in b.jid for b in parsed)


def test_a_password_never_shows_in_a_bookmarks_repr() -> None:
    assert "hunter2" not in repr(Bookmark(THEPLAY, password="hunter2"))


def test_mentions_are_the_nick_as_a_word() -> None:
    assert mentions("@alice look", "alice") and mentions("alice: hi", "alice") and not mentions("alicex", "alice")
    assert mentions("hey a.b!", "a.b") and not mentions("hey axb", "a.b")


def test_auto_join_rooms_takes_jids_and_jid_nick_objects_and_refuses_the_rest() -> None:
    assert auto_join_list([{"jid": "Room@Conference.localhost"}]) == [("room@conference.localhost", "")]
    with pytest.raises(SettingsError):
        auto_join_list(["conference.localhost"])
    with pytest.raises(SettingsError):
        auto_join_list([42])


# -- the plugin on the fake transport ----------------------------------------------------------
async def bookmarks_client(*, compat: bool, settings: dict[str, Any] | None = None) -> Client:
    """alice logged in; disco finished with (or without) the account's #compat feature."""
    client = await logged_in(settings)
    disco = client.converse.get(DiscoState)
    disco.features = {COMPAT: Feature(COMPAT, "alice@localhost")} if compat else {}
    disco.done = True
    disco.discovered()
    await settle()
    return client


def last_iq(client: Client) -> Any:
    return parse(client.sent("iq")[-1])


def answer(client: Client, request: Any, inner: str = "") -> None:
    client.transport.receive(f"<iq xmlns='jabber:client' type='result' id='{request.get('id')}'>{inner}</iq>")


def items_result(*bookmarks: str) -> str:
    return ("<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'>"
            + "".join(bookmarks) + "</items></pubsub>")


def item(jid: str, nick: str = "", autojoin: bool = True, password: str = "") -> str:
    return (f"<item id='{jid}'><conference xmlns='urn:xmpp:bookmarks:1' autojoin='{str(autojoin).lower()}'>"
            + (f"<nick>{nick}</nick>" if nick else "") + (f"<password>{password}</password>" if password else "")
            + "</conference></item>")


def joins(client: Client) -> list[str]:
    return [p.get("to") or "" for p in map(parse, client.sent("presence")) if p.get("to") and not p.get("type")]


def test_with_compat_0402_is_read_and_autojoin_rooms_are_joined_with_the_bookmarked_nick() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True)
        request = last_iq(client)
        assert same(request, serialize(items_request(id_=request.get("id"))))
        answer(client, request, items_result(item("a@conference.localhost", "Ali", password="pw"),
                                             item("b@conference.localhost", "Bo", autojoin=False)))
        await settle()
        state = client.converse.get(BookmarksState)
        assert state.storage == PEP and set(state.bookmarks) == {"a@conference.localhost", "b@conference.localhost"}
        assert joins(client) == ["a@conference.localhost/Ali"]
        assert "<password>pw</password>" in client.sent("presence")[-1]
        assert NOTIFY in client.converse.features
    arun(body())


def test_without_compat_the_0048_private_storage_is_read() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=False)
        request = last_iq(client)
        assert same(request, serialize(private_request(id_=request.get("id"))))
        answer(client, request, XEP0048_STORE.split("<query", 1)[1].join(["<query", ""]).rsplit("</iq>", 1)[0])
        await settle()
        state = client.converse.get(BookmarksState)
        assert state.storage == PRIVATE_STORAGE and list(state.bookmarks) == ["council@conference.underhill.org"]
        assert joins(client) == ["council@conference.underhill.org/Puck"]
    arun(body())


def test_no_0402_node_yet_is_an_empty_list_not_a_failure() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True)
        request = last_iq(client)
        client.transport.receive(f"<iq xmlns='jabber:client' type='error' id='{request.get('id')}'><error "
                                 "type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                 "</error></iq>")
        await settle()
        assert await client.api.bookmarks.get() == []
        assert client.converse.get(BookmarksState).storage == PEP
    arun(body())


def test_live_changes_from_the_own_account_apply_and_pushes_from_others_are_ignored() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True)
        answer(client, last_iq(client), items_result())
        await settle()
        events: list[Any] = []
        client.api.listen.on("bookmarkAdded", lambda b: events.append(("added", b["jid"])))
        client.api.listen.on("bookmarkRemoved", lambda b: events.append(("removed", b["jid"])))
        hostile = XEP0402_ADDED.replace("juliet@capulet.lit/balcony", "alice@localhost/web").replace(
            "from='juliet@capulet.lit'", "from='mallory@evil.example'")
        client.transport.receive(hostile)
        client.transport.receive(hostile.replace("mallory@evil.example", "alice@localhost/other"))
        await settle()
        assert events == [] and joins(client) == []
        mine = hostile.replace("mallory@evil.example", "alice@localhost")
        client.transport.receive(mine)
        await settle()
        assert events == [("added", THEPLAY)] and joins(client) == [f"{THEPLAY}/JC"]
        client.transport.receive(mine)  # the same bookmark again (e.g. our own publish echoed): nothing new
        await settle()
        assert events == [("added", THEPLAY)] and len(joins(client)) == 1
        client.transport.receive(XEP0402_REMOVED.replace("juliet@capulet.lit/balcony", "alice@localhost/web")
                                 .replace("juliet@capulet.lit", "alice@localhost"))
        await settle()
        room = client.converse.get(RoomsState).rooms[THEPLAY]
        assert events[-1] == ("removed", THEPLAY) and not room.get("closed")  # the open room stays open
        client.transport.receive("<message xmlns='jabber:client' from='alice@localhost'><event "
                                 "xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'>"
                                 "<item id='x'><junk/></item><retract/></items></event></message>")
        await settle()  # hostile garbage: nothing happens, nothing breaks
        assert len(events) == 2
    arun(body())


def test_the_api_adds_and_removes_with_0402_and_refuses_bad_input() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True, settings={"allow_bookmarks": False})
        answer(client, last_iq(client), items_result())
        await settle()
        api: Any = client.api
        adding = api.bookmarks.add({"jid": THEPLAY, "name": "The Play's the Thing", "nick": "JC", "autojoin": True})
        await settle()
        request = last_iq(client)
        assert same(request, XEP0402_PUBLISH.replace("'pip1'", f"'{request.get('id')}'"))
        answer(client, request)
        assert (await adding)["nick"] == "JC"
        assert (await api.bookmarks.get(THEPLAY))["name"] == "The Play's the Thing"
        removing = api.bookmarks.remove(THEPLAY)
        await settle()
        request = last_iq(client)
        assert same(request, serialize(retract_request(THEPLAY, id_=request.get("id"))))
        answer(client, request)
        assert await removing is True and await api.bookmarks.get() == []
        assert await api.bookmarks.remove(THEPLAY) is False
        with pytest.raises(ConverseError, match="room JID"):
            api.bookmarks.add({"jid": "conference.localhost"})
        with pytest.raises(ConverseError, match="autojoin"):
            api.bookmarks.add({"jid": THEPLAY, "autojoin": "yes"})
    arun(body())


def test_with_0048_the_whole_storage_is_written_and_entering_a_room_bookmarks_it() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=False)
        answer(client, last_iq(client), "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
                                        "<conference jid='old@conference.localhost'/></storage></query>")
        await settle()
        room = client.api.rooms.open("new@conference.localhost", {"nick": "alice"})
        client.transport.receive("<presence xmlns='jabber:client' from='new@conference.localhost/alice'>"
                                 "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' "
                                 "role='participant'/><status code='110'/></x></presence>")
        await settle()
        assert room.get("connection_status") == "entered"
        request = next(parse(x) for x in reversed(client.sent("iq")) if "storage:bookmarks" in x)
        stored = parse_private(parse(serialize(request).replace('type="set"', 'type="result"')))
        assert [b.jid for b in stored] == ["old@conference.localhost", "new@conference.localhost"]
        assert stored[1].autojoin and stored[1].nick == "alice"
        answer(client, request)
        await settle()
        assert client.converse.get(BookmarksState).is_bookmarked("new@conference.localhost")
    arun(body())


def test_open_rooms_come_back_after_a_reload_with_auto_join_rooms_and_mentions_are_counted() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True, settings={
            "auto_join_rooms": ["auto@conference.localhost", {"jid": "nick@conference.localhost", "nick": "al"}]})
        rooms = client.converse.get(RoomsState).rooms
        assert rooms["nick@conference.localhost"].get("nick") == "al" and "auto@conference.localhost" in rooms
        room = rooms["nick@conference.localhost"]
        room.minimize()
        saved = json.loads(client.platform.storage_get(STORAGE_PREFIX + "alice@localhost") or "[]")
        assert {"jid": "nick@conference.localhost", "nick": "al", "minimized": True} in saved
        for i, body_text in enumerate(("hi al!", "alpha", "AL: look")):
            client.transport.receive(f"<message xmlns='jabber:client' type='groupchat' id='m{i}' "
                                     f"from='nick@conference.localhost/bob'><body>{body_text}</body></message>")
        await settle()
        assert room.get("num_unread") == 3 and room.get("num_mentions") == 2
        room.maximize()
        assert room.get("num_mentions") == 0
    arun(body())


def test_saved_rooms_are_reopened_by_the_next_page() -> None:
    async def body() -> None:
        client = Client()
        client.platform.storage_set(STORAGE_PREFIX + "alice@localhost", json.dumps(
            [{"jid": "kept@conference.localhost", "nick": "ally", "minimized": True, "width": 512, "height": True},
             {"jid": 5}, "junk"]))
        await client.converse.initialize({})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        room = client.converse.get(RoomsState).rooms["kept@conference.localhost"]
        assert room.get("nick") == "ally" and room.get("minimized")
        assert (room.get("width"), room.get("height")) == (512, None)  # a size that is no number is dropped
        assert "kept@conference.localhost/ally" in joins(client)
        room.set({"width": 400, "height": 300})  # the user dragged the room's box (allow_dragresize)
        saved = json.loads(client.platform.storage_get(STORAGE_PREFIX + "alice@localhost") or "[]")
        assert saved == [{"jid": "kept@conference.localhost", "nick": "ally", "minimized": True,
                          "width": 400, "height": 300}]
    arun(body())


def test_the_notification_of_our_own_publish_does_not_reopen_a_room_the_user_closed() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True)
        answer(client, last_iq(client), items_result())
        await settle()
        room = client.api.rooms.open(THEPLAY, {"nick": "JC"})
        adding = client.api.bookmarks.add({"jid": THEPLAY, "nick": "JC", "autojoin": True})
        await settle()
        publish = last_iq(client)
        room.close()
        # the server notifies the publish before it answers it (as Prosody does)
        client.transport.receive(XEP0402_ADDED.replace("juliet@capulet.lit/balcony", "alice@localhost/web")
                                 .replace("juliet@capulet.lit", "alice@localhost")
                                 .replace(" name='The Play&apos;s the Thing'", ""))
        answer(client, publish)
        await adding
        await settle()
        assert room.get("closed") and client.converse.get(BookmarksState).is_bookmarked(THEPLAY)
    arun(body())


def test_a_bookmarked_room_opened_without_a_nick_is_entered_with_the_bookmarked_one() -> None:
    async def body() -> None:
        client = await bookmarks_client(compat=True)
        answer(client, last_iq(client), items_result(item("quiet@conference.localhost", "Bookie", autojoin=False)))
        await settle()
        assert client.api.rooms.open("quiet@conference.localhost").get("nick") == "Bookie"
        assert client.api.rooms.open("other@conference.localhost").get("nick") == "alice"
        assert client.api.rooms.open("given@conference.localhost", {"nick": "me"}).get("nick") == "me"
        assert "quiet@conference.localhost/Bookie" in joins(client)
    arun(body())
