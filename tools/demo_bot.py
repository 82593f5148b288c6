"""The demo's inhabitants: a greeter/echo bot, the demo room, and seeded rosters.

``start_demo(server, accounts)`` (used by ``serve.py``) makes a fresh demo on
any server with the ProsodyServer interface:

* registers the demo accounts and the bot's account (``echo@localhost``);
* makes every demo account and the bot mutual contacts (roster names, group
  "Demo", subscription ``both``), so whoever logs in sees the others, and the
  bot online at once;
* starts ``EchoBot``: it greets each demo account once per demo run (when it
  first comes online: a later login or a page reload is not greeted again, so
  greetings do not pile up in the history), echoes chat messages, and sits in the
  public, persistent room ``demo@conference.localhost`` (listed by disco#items on
  the MUC service), where it answers once when named;
* bookmarks the room (autojoin) for every demo account, as the server offers it:
  XEP-0402 when the account advertises ``urn:xmpp:bookmarks:1#compat``, else XEP-0048
  in private XML storage (converse-py reads either and joins the room at log-in).
"""

from __future__ import annotations

import secrets
import sys
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from slixmpp import JID

from tools.bot import Bot, BotError

BOT_USER = "echo"
BOT_NAME = "Echo bot"
ROOM_NAME = "demo"
ROOM_SUBJECT = "converse-py demo room: say hello (mention echo to get an answer)"
GROUP = "Demo"


def greeting(name: str, room: str) -> str:
    """What the bot says to someone who just came online."""
    return (f"Hi {name}! I'm the converse-py demo bot. Write me anything and I'll echo it back. "
            f"There is also a group chat: {room}")


def echo(body: str) -> str:
    """The bot's answer to a chat message."""
    return f"You said: {body}"


class EchoBot(Bot):
    """A Bot that greets contacts coming online, echoes chats and sits in a room."""

    def __init__(self, jid: str, password: str, host: str, port: int, *,
                 room: str, nick: str = BOT_USER, greet: Iterable[str] = ()) -> None:
        super().__init__(jid, password, host, port, resource="demo")
        self.room = room
        self.nick = nick
        self.greet = {JID(j).bare for j in greet}
        self.greeted: set[str] = set()  # bare JIDs greeted during this run: each is greeted once

    def start(self, timeout: float = 15.0) -> EchoBot:
        super().start(timeout)
        self._call(self._setup(), timeout=timeout)
        return self

    async def _setup(self) -> None:
        assert self.xmpp is not None
        xmpp = self.xmpp
        xmpp.register_plugin("xep_0045")
        xmpp.register_plugin("xep_0184")  # answers delivery receipt requests: the demo shows ✓
        xmpp.add_event_handler("presence_available", self._on_available)
        # Answers come from slixmpp's "message" event only: it fires for every message with a
        # body, groupchat ones included; Bot records messages from "groupchat_message" too, and
        # answering from both answered a mention twice.
        xmpp.add_event_handler("message", self._answer)
        muc = xmpp.plugin["xep_0045"]
        await muc.join_muc_wait(JID(self.room), self.nick, maxstanzas=0, timeout=10)
        # A new room may be locked until its owner accepts a configuration
        # (ejabberd); an empty submit accepts the server's defaults (public,
        # persistent, archived: see the server configs) and is harmless otherwise.
        await self._accept_room_defaults()
        muc.set_subject(JID(self.room), ROOM_SUBJECT)

    async def _accept_room_defaults(self) -> None:
        assert self.xmpp is not None
        iq = self.xmpp.Iq()
        iq["type"] = "set"
        iq["to"] = self.room
        iq.append(_owner_submit())
        try:
            await iq.send(timeout=10)  # type: ignore[no-untyped-call]
        except Exception as exc:  # e.g. the room already existed and we are not its owner
            print(f"demo bot: room configuration not accepted: {exc}", file=sys.stderr)

    def _on_available(self, presence: Any) -> None:
        sender = presence["from"]
        if sender.bare not in self.greet or sender.bare in self.greeted:
            return
        self.greeted.add(sender.bare)
        assert self.xmpp is not None
        self.xmpp.send_message(mto=sender, mtype="chat",
                               mbody=greeting(sender.user.capitalize(), self.room))

    def _answer(self, msg: Any) -> None:
        body = str(msg["body"] or "")
        if not body or msg["delay"]["stamp"] is not None:
            return  # chat states, receipts, room history
        assert self.xmpp is not None
        if msg["type"] in ("chat", "normal"):
            self.xmpp.send_message(mto=msg["from"], mtype="chat", mbody=echo(body))
        elif msg["type"] == "groupchat":
            sender_nick = msg["from"].resource
            if sender_nick and sender_nick != self.nick and self.nick in body.lower():
                self.xmpp.send_message(mto=JID(self.room), mtype="groupchat",
                                       mbody=f"{sender_nick}: {echo(body)}")


def _owner_submit() -> Any:
    """``<query xmlns='…muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>``."""
    import xml.etree.ElementTree as ET
    query = ET.Element("{http://jabber.org/protocol/muc#owner}query")
    ET.SubElement(query, "{jabber:x:data}x", {"type": "submit"})
    return query


def roster_set(iq_id: str, jid: str, name: str, group: str) -> str:
    """A roster push request adding ``jid`` with a name and one group (RFC 6121 2.3)."""
    return (f'<iq type="set" id={quoteattr(iq_id)}><query xmlns="jabber:iq:roster">'
            f'<item jid={quoteattr(jid)} name={quoteattr(name)}><group>{escape(group)}</group>'
            f'</item></query></iq>')


BOOKMARKS_COMPAT = "urn:xmpp:bookmarks:1#compat"


def account_info(iq_id: str, bare_jid: str) -> str:
    """disco#info of the user's own account (does it say XEP-0402's ``#compat``?)."""
    return (f'<iq type="get" id={quoteattr(iq_id)} to={quoteattr(bare_jid)}>'
            '<query xmlns="http://jabber.org/protocol/disco#info"/></iq>')


def bookmark_publish(iq_id: str, room: str, nick: str) -> str:
    """Store the demo room as an autojoin XEP-0402 bookmark (a PEP item with the publish-options
    §3.2 asks for)."""
    options = "".join(f'<field var="{var}"><value>{value}</value></field>' for var, value in (
        ("pubsub#persist_items", "true"), ("pubsub#max_items", "max"),
        ("pubsub#send_last_published_item", "never"), ("pubsub#access_model", "whitelist")))
    return (f'<iq type="set" id={quoteattr(iq_id)}><pubsub xmlns="http://jabber.org/protocol/pubsub">'
            f'<publish node="urn:xmpp:bookmarks:1"><item id={quoteattr(room)}>'
            f'<conference xmlns="urn:xmpp:bookmarks:1" name="Demo room" autojoin="true">'
            f'<nick>{escape(nick)}</nick></conference></item></publish><publish-options>'
            f'<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>'
            f'http://jabber.org/protocol/pubsub#publish-options</value></field>{options}</x>'
            f'</publish-options></pubsub></iq>')


def bookmark_set(iq_id: str, room: str, nick: str) -> str:
    """Store the demo room as an autojoin bookmark (XEP-0048 in private XML storage, XEP-0049):
    for servers whose accounts do not advertise XEP-0402."""
    return (f'<iq type="set" id={quoteattr(iq_id)}><query xmlns="jabber:iq:private">'
            f'<storage xmlns="storage:bookmarks"><conference jid={quoteattr(room)} '
            f'name="Demo room" autojoin="true"><nick>{escape(nick)}</nick></conference>'
            f'</storage></query></iq>')


def display_name(user: str) -> str:
    return BOT_NAME if user == BOT_USER else user.capitalize()


def befriend(clients: dict[str, Bot], timeout: float = 15.0) -> None:
    """Make every pair of logged-in ``clients`` (user -> Bot) mutual contacts.

    Each names the others in its roster (group "Demo") and asks for their
    presence; slixmpp's default auto-authorize/auto-subscribe answers close
    the loop, so every item ends with ``subscription='both'``."""
    users = sorted(clients)
    for user in users:
        client = clients[user]
        for other in users:
            if other == user:
                continue
            other_jid = JID(clients[other].jid).bare
            iq_id = f"demo-roster-{other}"
            client.send_raw(roster_set(iq_id, other_jid, display_name(other), GROUP))
            client.wait_for_iq_result(iq_id, timeout)
            client.send_presence(pto=other_jid, ptype="subscribe")
    wait_mutual(clients, timeout)


def wait_mutual(clients: dict[str, Bot], timeout: float) -> None:
    """Wait until every pair of ``clients`` is mutual, nudging pairs that look stuck every 2 s;
    BotError naming each pair's state after ``timeout`` seconds."""
    users = sorted(clients)
    deadline = time.monotonic() + timeout
    nudge_at = time.monotonic() + 2.0
    while True:
        missing = _not_mutual(clients, users)
        if not missing:
            return
        if time.monotonic() > deadline:
            raise BotError(f"demo rosters not mutual after {timeout:.0f}s: "
                           + "; ".join(f"{u}'s item for {o}: {_item_state(clients[u], _bare(clients[o]))}"
                                       for u, o in missing))
        if time.monotonic() > nudge_at:
            _nudge(clients, missing)
            nudge_at = time.monotonic() + 2.0
        time.sleep(0.05)


def _bare(client: Bot) -> str:
    return str(JID(client.jid).bare)


def _not_mutual(clients: dict[str, Bot], users: list[str]) -> list[tuple[str, str]]:
    """The (user, other) pairs where user's roster item for other is not ``both`` yet."""
    return [(u, o) for u in users for o in users
            if o != u and _subscription(clients[u], _bare(clients[o])) != "both"]


def _nudge(clients: dict[str, Bot], missing: list[tuple[str, str]]) -> None:
    """Help half-done pairs along; each step is harmless to a pair already done.

    First the client's view is refreshed from the server: a session's roster is
    only what the server pushed, and a push can be missed or overtaken while
    subscriptions cross (the pair then looks stuck although the server holds
    ``both``). Pairs still short are asked and approved again both ways (RFC 6121
    makes the repeats harmless). What each pair looked like is logged to stderr,
    so a flake on some server leaves its trace."""
    for user in sorted({u for u, _ in missing}):
        _refresh_roster(clients[user])
    states = {(user, other): _item_state(clients[user], _bare(clients[other]))
              for user, other in missing}  # all read before any asking changes them
    for (user, other), state in states.items():
        client, other_client = clients[user], clients[other]
        if state.startswith("both"):
            print(f"demo bot: {user}'s view of {other} was stale: the server holds both",
                  file=sys.stderr, flush=True)
            continue
        print(f"demo bot: {user}'s item for {other} is {state}; asking again",
              file=sys.stderr, flush=True)
        for source, target in ((client, _bare(other_client)), (other_client, _bare(client))):
            source.send_presence(pto=target, ptype="subscribe")
            source.send_presence(pto=target, ptype="subscribed")


def _refresh_roster(client: Bot) -> None:
    """Fetch ``client``'s whole roster again (no roster version: not just the changes)."""
    async def fetch() -> None:
        assert client.xmpp is not None
        client.xmpp.client_roster.version = ""
        await client.xmpp.get_roster(timeout=5)
    client._call(fetch())


def _item_state(client: Bot, jid: str) -> str:
    """``client``'s roster item for ``jid`` as "subscription[+ask][+pending-in]", or "absent"."""
    async def read() -> str:
        assert client.xmpp is not None
        roster = client.xmpp.client_roster
        if jid not in roster:
            return "absent"
        item = roster[jid]
        return "".join((str(item["subscription"]), "+ask" if item["pending_out"] else "",
                        "+pending-in" if item["pending_in"] else ""))
    return client._call(read())


def _subscription(client: Bot, jid: str) -> str:
    async def read() -> str:
        assert client.xmpp is not None
        roster = client.xmpp.client_roster
        return str(roster[jid]["subscription"]) if jid in roster else "none"
    return client._call(read())


@dataclass
class Demo:
    """What ``start_demo`` made; ``stop()`` ends the bot."""

    server: Any
    accounts: list[tuple[str, str]]
    bot: EchoBot
    room: str
    seconds: float

    @property
    def bot_jid(self) -> str:
        return JID(self.bot.jid).bare

    def stop(self) -> None:
        self.bot.stop()


def start_demo(server: Any, accounts: list[tuple[str, str]], *,
               bot_user: str = BOT_USER, room_name: str = ROOM_NAME) -> Demo:
    """Register ``accounts`` and the bot on ``server``, make them all mutual
    contacts, create the demo room and start the echo bot in it."""
    began = time.monotonic()
    bot_password = secrets.token_urlsafe(16)  # never shown: nobody logs in as the bot
    server.register_many([*accounts, (bot_user, bot_password)])
    domain, host, port = server.domain, "127.0.0.1", server.c2s_port
    room = f"{room_name}@{server.muc_domain}"
    bot = EchoBot(f"{bot_user}@{domain}", bot_password, host, port, room=room, nick=bot_user)
    seeders = {user: Bot(f"{user}@{domain}", pw, host, port, resource="demo-setup")
               for user, pw in accounts}
    try:
        for seeder in seeders.values():
            seeder.start()
        bot.start()
        befriend({**seeders, bot_user: bot})
        for user, seeder in seeders.items():
            seeder.send_raw(account_info("demo-account-info", f"{user}@{domain}"))
            pep = BOOKMARKS_COMPAT in seeder.wait_for_iq_result("demo-account-info")
            seeder.send_raw((bookmark_publish if pep else bookmark_set)("demo-bookmark", room, user))
            answer = seeder.wait_for_iq_result("demo-bookmark")
            if "type='error'" in answer.replace('"', "'"):
                raise BotError(f"storing the demo room bookmark failed: {answer}")
    except BaseException:
        bot.stop()
        raise
    finally:
        for seeder in seeders.values():
            seeder.stop()
    # Greet from now on: the seeding sessions are not greeted (a greeting to a
    # session that ends would be kept offline and shown twice at the first login).
    bot.greet = {f"{u}@{domain}" for u, _ in accounts}
    return Demo(server, list(accounts), bot, room, time.monotonic() - began)
