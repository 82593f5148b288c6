"""MAM plugin: ``api.archive``, the ``message_archiving`` preference, and chat history: an opened
chat box shows the latest page of the archive, and ``box.load_older()`` (scrolling up) the page
before it. Messages already shown are never shown twice (see ``ShownMessage.keys``). Without the
disco plugin the archive is taken as unsupported. A client advertises no disco feature for MAM.
"""

from __future__ import annotations

import asyncio
import functools
import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable

from ...core.converse import Converse
from ...i18n import _
from ...core.plugin import EventDoc, Plugin
from ...core.errors import IQError
from ...core.log import logger
from ...core.settings import Setting
from ...core.session import own_bare
from ...xmpp import ns
from ...xmpp.stanza import new_id
from ..chats.models import ChatBox, ShownMessage
from ..chats.hooks import shown_or_none
from ..chats.message_stanza import MessageStanza, has_listeners, through_hook
from ..chats.plugin import ChatsState
from ..disco.plugin import DiscoState
from ..chats.stanzas import parse_message
from .api import UNSUPPORTED, ArchiveAPI, ArchiveNotSupportedError
from .models import RSM
from .stanzas import ArchiveResult, RSMResult, archive_query, is_result, parse_fin, parse_result, prefs_set

#: Pages fetched forwards after a reconnection at most.
CATCH_UP_PAGES = 40
#: Seconds a query may take (a page of 250 over BOSH on a loaded machine stays far below).
QUERY_TIMEOUT = 60.0


class MamState:
    """Queries in flight, and the archive behind each chat box."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.pending: dict[str, list[ArchiveResult]] = {}
        self.archives: dict[str, str] = {}  # query id → the archive asked when not the user's own
        self.loading: dict[str, asyncio.Task[None]] = {}

    @property
    def _disco(self) -> DiscoState | None:
        return self.converse.find(DiscoState)

    def known_unsupported(self) -> bool:
        """Discovery finished and the server has no MAM."""
        disco = self._disco
        return disco is None or (disco.done and not disco.supports(ns.MAM))

    async def supported(self) -> bool:
        """Wait for this session's discovery, then say whether MAM is there."""
        disco = self._disco
        if disco is None:
            return False
        await disco.discovered()
        return bool(disco.supports(ns.MAM))

    # -- queries ----------------------------------------------------------------------------
    async def run(self, options: dict[str, Any], to: str | None = None
                  ) -> tuple[list[ArchiveResult], bool, RSMResult]:
        """Send one query (to the user's archive, or to the archive at ``to``, e.g. a room's); its
        results, whether the archive is exhausted that way, and the RSM set."""
        query_id = new_id("mam")
        collected = self.pending[query_id] = []
        if to:
            self.archives[query_id] = to
        try:
            reply = await self.converse.session.send_iq(archive_query(options, query_id, to=to), QUERY_TIMEOUT)
        finally:
            self.pending.pop(query_id, None)
            self.archives.pop(query_id, None)
        complete, rsm = parse_fin(reply)
        return collected, complete, rsm

    async def query(self, options: dict[str, Any], callback: Callable[..., Any] | None,
                    errback: Callable[..., Any] | None) -> dict[str, Any] | None:
        """``api.archive.query`` once the options are checked."""
        try:
            if not await self.supported():
                raise ArchiveNotSupportedError(UNSUPPORTED)
            results, complete, rsm_result = await self.run(options)
        except Exception as exc:
            if errback is None:
                raise
            _call(errback, exc.stanza if isinstance(exc, IQError) else None)
            return None
        messages = [r.stanza for r in results]
        rsm = RSM(options, rsm_result, complete)
        if callback is not None:
            _call(callback, messages, rsm)
        return {"messages": messages, "rsm": rsm}

    def on_message(self, stanza: ET.Element) -> None:
        if not self.pending or not is_result(stanza):
            return
        owner = own_bare(self.converse.session) or ""
        for query_id, collected in self.pending.items():
            result = parse_result(stanza, query_id, self.archives.get(query_id, owner))
            if result is not None:
                collected.append(result)
                self.converse.trigger("archivedMessage", result.message, stanza)
                return

    # -- preferences ------------------------------------------------------------------------
    async def set_preferences(self) -> None:
        default = self.converse.settings.get("message_archiving")
        if not default or not self.converse.session.connected or not await self.supported():
            return
        try:
            await self.converse.session.send_iq(prefs_set(default))
        except Exception as exc:
            logger.warning("could not set the archiving preference to %r: %s", default, exc)

    # -- chat history -----------------------------------------------------------------------
    def load_older(self, box: ChatBox) -> asyncio.Task[None] | None:
        """Fetch the page before the oldest archived message shown (the latest page at first)."""
        jid = box.get("jid")
        task = self.loading.get(jid)
        if task is not None and not task.done():
            return task
        if box.get("archive_complete"):
            return None
        task = asyncio.ensure_future(self._fetch_page(box))
        self.loading[jid] = task
        task.add_done_callback(functools.partial(_log_failure, label=f"archive of {jid}"))
        return task

    async def _fetch_page(self, box: ChatBox) -> None:
        if not await self.supported():
            box.set("archive_complete", True)
            return
        before = box.get("archive_first")
        if before is None:
            # the page before the first live message with an archive id: a page ending "now" could
            # hold messages still on their way here, and they would land above the ones shown
            before = next((m.stanza_id for m in box.messages if m.stanza_id), "")
        size = self.converse.settings.get("archived_messages_page_size")
        box.set("archive_loading", True)
        try:
            results, complete, rsm = await self.run({"with": box.get("jid"), "before": before, "max": size})
        finally:
            box.set("archive_loading", False)
        owner = own_bare(self.converse.session) or ""
        box.add_messages(self.shown(box, results, owner), older=True)
        box.set({"archive_first": rsm.first or before or None,
                 "archive_complete": complete or not results})

    async def catch_up(self, box: ChatBox, pages: int = CATCH_UP_PAGES) -> None:
        """After a reconnection: what the archive got for ``box`` since the newest message it shows
        with an archive id, page after page (at most ``pages``: 2,000 messages at the default page
        size; past that an info line says that more arrived than are shown)."""
        newest = next((m.stanza_id for m in reversed(box.messages) if m.stanza_id), None)
        if newest is None or not await self.supported():
            return
        size = self.converse.settings.get("archived_messages_page_size")
        owner = own_bare(self.converse.session) or ""
        for _page in range(pages):
            results, complete, rsm = await self.run({"with": box.get("jid"), "after": newest, "max": size})
            box.add_messages(self.shown(box, results, owner), newer=True)
            if complete or not results or not rsm.last:
                return
            newest = rsm.last
        box.add_info(_("More messages arrived while you were away than are shown here."))


    def shown(self, box: ChatBox, results: list[ArchiveResult], owner: str) -> list[ShownMessage]:
        """The archived messages of a page ``box`` shows (``messageStanza`` listeners see each
        message of the conversation, with or without a body; ``beforeMessageShown`` listeners may
        change or hide the rows: OTR ciphertext is hidden)."""
        shown = []
        hooked = has_listeners(self.converse)
        for result in results:
            message = to_shown(result, box, owner)
            if hooked and (message is not None or in_conversation(result.message, box.get("jid"), owner)):
                sender = (result.message.get("from") or "").partition("/")[0].lower()
                context = MessageStanza(box, result.message, "archive", sender == owner, sender,
                                        time=result.time, stanza_id=result.id)
                message = through_hook(self.converse, context, message)
            if message is not None:
                message = shown_or_none(message, self.converse.hook("beforeMessageShown", box, message))
            if message is not None:
                shown.append(message)
        return shown


def in_conversation(message: ET.Element, peer: str, owner: str) -> bool:
    """Whether an archived chat message (with or without a body) is between ``owner`` and ``peer``.

    >>> from converse_py.xmpp.stanza import parse
    >>> in_conversation(parse('<message xmlns="jabber:client" from="bob@localhost/x" to="alice@localhost"/>'),
    ...                 "bob@localhost", "alice@localhost")
    True
    >>> in_conversation(parse('<message xmlns="jabber:client" from="eve@localhost/x" to="alice@localhost"/>'),
    ...                 "bob@localhost", "alice@localhost")
    False
    """
    if message.get("type") not in (None, "chat", "normal"):
        return False
    sender = (message.get("from") or "").partition("/")[0].lower()
    to = (message.get("to") or "").partition("/")[0].lower()
    return (sender, to) in ((peer, owner), (owner, peer))


def to_shown(result: ArchiveResult, box: ChatBox, owner: str) -> ShownMessage | None:
    """An archived chat message between the user and ``box``'s contact, as the box shows it."""
    parsed = parse_message(result.message, now=result.time or datetime.now(UTC))
    if parsed is None:
        return None
    jid = box.get("jid")
    outgoing = parsed.sender.bare == owner
    if outgoing:
        peer = parsed.to.partition("/")[0].lower()
        if peer != jid:
            return None
    elif parsed.sender.bare != jid:
        return None
    return ShownMessage(parsed.id, owner if outgoing else jid, parsed.body, parsed.time, outgoing,
                        sender_name="" if outgoing else box.get("fullname"), stanza_id=result.id,
                        origin_id=parsed.origin_id, archived=True, replaces=parsed.replace_id)


def _call(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # the caller's callback must not break the client
        logger.exception("archive.query callback raised")


def _log_failure(task: asyncio.Task[Any], label: str) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("%s: %s", label, task.exception())


class MamPlugin(Plugin):
    """Message archive management (XEP-0313): ``api.archive`` and chat history."""

    name = "converse-mam"
    dependencies = ("converse-chats",)
    settings = {
        "archived_messages_page_size": Setting(50, (int,), "Archived messages fetched per page when a chat "
                                               "opens or is scrolled up (XEP-0313)."),
        "message_archiving": Setting(None, (str, type(None)), "MAM preference to set: 'never', 'always' or "
                                     "'roster'.", choices=(None, "never", "always", "roster")),
    }
    events = {
        "archivedMessage": EventDoc(
            "the archived message stanza (the forwarded one), the result stanza as received",
            "a result of one of the user's archive queries arrived (XEP-0313: api.archive.query, chat "
            "and room history); message does not fire for it"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = MamState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("archive", ArchiveAPI(self.state))
        converse.session.add_handler("message", self.state.on_message)
        converse.api.listen.on("chatBoxOpened", self.on_box_opened)
        converse.api.listen.on("connected", self.on_connected)
        converse.api.listen.on("reconnected", self.on_reconnected)
        converse.settings.watch(self.on_setting)
        for box in list(converse.get(ChatsState).boxes.values()):
            self.on_box_opened(box)

    def on_box_opened(self, box: ChatBox) -> None:
        if box.get("type") == "chatroom":
            return  # a room's history is the room's own archive (plugins/muc)
        box.older_loader = self.state.load_older
        if box.get("archive_first") is None and not box.get("archive_complete"):
            self.state.load_older(box)

    def on_connected(self, *_args: Any) -> None:
        asyncio.ensure_future(self.state.set_preferences())

    def on_reconnected(self, *_args: Any) -> None:
        for box in list(self._converse.get(ChatsState).boxes.values()):
            task = asyncio.ensure_future(self.state.catch_up(box))
            task.add_done_callback(functools.partial(_log_failure, label=f"catching up with {box.get('jid')}"))

    def on_setting(self, name: str, _old: Any, _new: Any) -> None:
        if name == "message_archiving":
            asyncio.ensure_future(self.state.set_preferences())
