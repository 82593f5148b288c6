"""Fast seeding of the bench's Prosody: rosters written straight into Prosody's
flat-file storage, and an archive filled by two slixmpp sessions.

Prosody's ``internal`` storage keeps one Lua file per user and store
(``data/<host>/<store>/<node>.dat``) and reads it when the user's session
loads the roster, so a roster written while the user is offline is what the
client gets. Each contact's own roster lists the user as ``both``, so
Prosody answers the login's presence probes with ``unavailable`` as it
would for real offline contacts (and not with ``unsubscribed``, which would
rewrite the roster under the benchmark).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import os
import re
import time
import uuid
from dataclasses import dataclass

from tools.bot import Bot
from tools.prosody import ProsodyServer


@dataclass(frozen=True)
class BenchAccount:
    username: str
    password: str
    domain: str = "localhost"

    @property
    def jid(self) -> str:
        return f"{self.username}@{self.domain}"


def new_account(prosody: ProsodyServer, prefix: str) -> BenchAccount:
    """A registered account with an alphanumeric name (no escaping in file names)."""
    account = BenchAccount(f"{prefix}{uuid.uuid4().hex[:10]}", uuid.uuid4().hex[:12], prosody.domain)
    prosody.register(account.username, account.password)
    return account


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def roster_lua(items: list[tuple[str, str]], version: int = 1) -> str:
    """A Prosody roster file: ``items`` are (jid, name) pairs, all ``both``."""
    lines = ["return {", f"\t[false] = {{ version = {version}; pending = {{}}; }};"]
    for jid, name in items:
        lines.append(f'\t[{_lua_string(jid)}] = {{ subscription = "both"; name = {_lua_string(name)}; groups = {{}}; }};')
    lines.append("};")
    return "\n".join(lines) + "\n"


def _store_path(prosody: ProsodyServer, store: str, node: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+", node):
        raise ValueError(f"node {node!r}: only [a-z0-9] names are written directly")
    folder = os.path.join(prosody.workdir, "data", prosody.domain, store)
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"{node}.dat")


def seed_roster(prosody: ProsodyServer, owner: BenchAccount, count: int, prefix: str = "c") -> list[str]:
    """Give ``owner`` ``count`` contacts (offline, mutual subscription); return their JIDs."""
    tag = uuid.uuid4().hex[:6]
    contacts = [(f"{prefix}{tag}{i:05d}@{prosody.domain}", f"Contact {i:05d}") for i in range(count)]
    with open(_store_path(prosody, "roster", owner.username), "w", encoding="utf-8") as fh:
        fh.write(roster_lua(contacts))
    back = roster_lua([(owner.jid, owner.username)])
    for jid, _ in contacts:
        with open(_store_path(prosody, "roster", jid.split("@")[0]), "w", encoding="utf-8") as fh:
            fh.write(back)
    return [jid for jid, _ in contacts]


def befriend(prosody: ProsodyServer, a: BenchAccount, b: BenchAccount) -> None:
    """Make ``a`` and ``b`` mutual contacts (both must be offline)."""
    with open(_store_path(prosody, "roster", a.username), "w", encoding="utf-8") as fh:
        fh.write(roster_lua([(b.jid, b.username)]))
    with open(_store_path(prosody, "roster", b.username), "w", encoding="utf-8") as fh:
        fh.write(roster_lua([(a.jid, a.username)]))


def start_bot(prosody: ProsodyServer, account: BenchAccount, resource: str = "bot") -> Bot:
    return Bot(account.jid, account.password, "127.0.0.1", prosody.c2s_port, resource).start()


def seed_archive(prosody: ProsodyServer, owner: BenchAccount, peer: BenchAccount, count: int,
                 label: str = "archived", marker: str = "a") -> None:
    """Put ``count`` messages from ``peer`` into ``owner``'s archive, oldest first,
    bodies ``"{label} {i} bm{marker}{i:04d}"``. ``owner`` is online (as a bot)
    while they arrive, so Prosody archives and delivers them."""
    receiver = start_bot(prosody, owner, "seeder")
    sender = start_bot(prosody, peer, "seeder")
    try:
        bodies = [f"{label} {i} bm{marker}{i:04d}" for i in range(1, count + 1)]
        send_burst(sender, owner.jid, bodies)
        receiver.wait_for_message(bodies[-1], timeout=120)
    finally:
        sender.stop()
        receiver.stop()


def send_burst(bot: Bot, to: str, bodies: list[str], reactions_every: int = 0, replies_every: int = 0) -> float:
    """Queue every body on the bot's loop in one go; return the wall time of the first send (ms).
    With ``reactions_every`` = N, every Nth message is followed by a XEP-0444 reaction to it (a
    bodiless stanza the client aggregates under that message); with ``replies_every`` = M, every
    Mth message (offset by half) is a XEP-0461 reply to the one before, with its XEP-0428 quoted
    fallback: issue 24's mixed burst."""
    import asyncio

    from slixmpp import JID

    started: list[float] = []

    async def send_all() -> None:
        assert bot.xmpp is not None
        target = JID(to)
        started.append(time.time() * 1000)
        previous = ""
        for n, body in enumerate(bodies, 1):
            if replies_every and previous and n % replies_every == replies_every // 2:
                quote = "> an earlier message\n"
                reply_id = f"reply-{n}"
                bot.xmpp.send_raw(
                    f"<message to='{to}' type='chat' id='{reply_id}'><body>{escape(quote + body)}</body>"
                    f"<reply xmlns='urn:xmpp:reply:0' to='{bot.xmpp.boundjid.full}' id='{previous}'/>"
                    "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                    f"<body start='0' end='{len(quote)}'/></fallback></message>")
                previous = reply_id
                await asyncio.sleep(0)
                continue
            message = bot.xmpp.make_message(mto=target, mbody=body, mtype="chat")  # type: ignore[arg-type]
            message.send()
            previous = message["id"]
            if reactions_every and n % reactions_every == 0:
                bot.xmpp.send_raw(
                    f"<message to='{to}' type='chat' id='react-{n}'><reactions xmlns='urn:xmpp:reactions:0' "
                    f"id='{message['id']}'><reaction>👍</reaction></reactions>"
                    "<store xmlns='urn:xmpp:hints'/></message>")
            await asyncio.sleep(0)

    bot._call(send_all(), timeout=120)
    return started[0]


