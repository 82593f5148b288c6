"""Blocking plugin (XEP-0191): the user's blocklist, fetched once the server says it supports
blocking, kept up to date by the server's pushes (from any of the user's clients), and changed
with ``api.blocklist``. The server drops what blocked JIDs send; the client also hides them from
what it shows (``BlocklistState.is_blocked``: archive pages and stanzas already on their way).

Promise ``blocklistInitialized`` (the blocklist, once fetched); event ``blocklistChanged``.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

from ...core.converse import Converse
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...xmpp.jid import JID
from ..chats.plugin import ChatsState
from ..roster.stanzas import push_is_trusted, push_result
from .api import BlocklistAPI
from .stanzas import BLOCKING, block_request, blocklist_request, parse_blocklist, parse_push, unblock_request


class BlocklistState:
    """The blocked JIDs of the logged-in account (bare, full or domain JIDs, as XEP-0191 allows)."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.jids: list[str] = []
        self.supported = False

    def is_blocked(self, jid: str) -> bool:
        """Whether stanzas from ``jid`` are blocked: its full JID, bare JID or domain is listed.

        >>> state = BlocklistState.__new__(BlocklistState); state.jids = ["iago@shakespeare.lit", "evil.example"]
        >>> state.is_blocked("iago@shakespeare.lit/phone"), state.is_blocked("x@evil.example"), state.is_blocked("romeo@montague.net")
        (True, True, False)
        """
        if not self.jids:
            return False
        try:
            parsed = JID.parse(jid)
        except ValueError:
            return False
        listed = self.jids
        return parsed.full in listed or parsed.bare in listed or parsed.domain in listed

    async def fetch(self) -> list[str]:
        result = await self.converse.session.send_iq(blocklist_request())
        self.jids = parse_blocklist(result)
        self.supported = True
        self.converse.trigger("blocklistInitialized", list(self.jids))
        return list(self.jids)

    async def change(self, jids: list[str], *, block: bool) -> list[str]:
        """Block or unblock ``jids`` (unblock with none: everyone) and wait for the server."""
        request = block_request(jids) if block else unblock_request(jids)
        await self.converse.session.send_iq(request)
        self.apply(jids, block=block, everyone=not block and not jids)
        return list(self.jids)

    def apply(self, jids: list[str] | tuple[str, ...], *, block: bool, everyone: bool = False) -> None:
        """A change confirmed by the server (our own request, or a push from another client)."""
        before = list(self.jids)
        if block:
            self.jids.extend(jid for jid in jids if jid not in self.jids)
        elif everyone:
            self.jids = []
        else:
            self.jids = [jid for jid in self.jids if jid not in jids]
        added = [jid for jid in self.jids if jid not in before]
        removed = [jid for jid in before if jid not in self.jids]
        if added or removed:
            self.converse.trigger("blocklistChanged", {"added": added, "removed": removed})

    def on_iq(self, stanza: ET.Element) -> bool:
        push = parse_push(stanza)
        if push is None:
            return False
        session = self.converse.session
        if not push_is_trusted(stanza, own_bare(session)):
            logger.warning("ignored a blocklist push that did not come from the user's own account")
            return False  # answered with service-unavailable by the session
        session.send_element(push_result(stanza))
        self.apply(push.jids, block=push.blocked, everyone=push.everyone)
        return True


class BlockingPlugin(Plugin):
    """``converse-blocking``: XEP-0191 through ``api.blocklist``."""

    name = "converse-blocking"
    dependencies = ("converse-disco",)
    events = {
        "blocklistInitialized": EventDoc("the list of blocked JIDs", "the blocklist was fetched after log-in (the "
                                         "server supports XEP-0191)", promise=True),
        "blocklistChanged": EventDoc("{added, removed}: lists of JIDs", "JIDs were blocked or unblocked, here or "
                                     "by another of the user's clients (a server push)"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = BlocklistState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("blocklist", BlocklistAPI(self.state))
        converse.session.add_handler("iq", self.state.on_iq)
        converse.api.listen.on("serviceDiscovered", self.on_feature)
        converse.api.listen.on("disconnected", self.on_disconnected)
        if converse.find(ChatsState) is not None:
            converse.api.listen.on("beforeMessageShown", self.hide_blocked)

    def hide_blocked(self, _box: Any, message: Any) -> Any:
        """Hook ``beforeMessageShown``: nothing from a blocked JID is shown (archive pages, and
        stanzas already on their way when the block took effect)."""
        return False if not message.outgoing and self.state.is_blocked(message.sender) else None

    def on_feature(self, feature: Any) -> None:
        if feature.get("var") == BLOCKING:
            asyncio.ensure_future(self.state.fetch()).add_done_callback(_report)

    def on_disconnected(self, *_: Any) -> None:
        self.state.jids, self.state.supported = [], False
        self._converse.promises.reset("blocklistInitialized")


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("blocklist not fetched: %s", future.exception())
