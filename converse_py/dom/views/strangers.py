"""Messages from strangers, and blocking from a chat: a chat box whose contact is not in the roster
shows a banner offering to add them as a contact or to block them (XEP-0191), and every chat box's
header has a Block / Unblock button once the server supports blocking. Nothing is added to the
roster without the user asking; the messages stay where they are. Both follow roster pushes and
blocklist changes (from this client or another of the user's clients).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.blocking.plugin import BlocklistState
from ...plugins.chats.models import ChatBox
from ...plugins.roster.plugin import RosterState
from .. import templates
from ..ffi import found

if TYPE_CHECKING:
    from .chatbox import ChatsView
    from .ui import UIPlugin


class StrangerBanners:
    """Keeps every open chat box's stranger banner (and its block toolbar button) up to date."""

    def __init__(self, converse: Converse, ui: UIPlugin, chats: ChatsView) -> None:
        self.converse = converse
        self.chats = chats
        listen = converse.api.listen
        for event in ("chatBoxOpened", "rosterContactsFetched", "rosterPush", "blocklistInitialized",
                      "blocklistChanged"):
            listen.on(event, lambda *_: self.refresh())
        ui.on_action("click", "stranger-add", self.on_add)
        ui.on_action("click", "stranger-block", self.on_block)
        ui.on_action("click", "toggle-block", self.on_block)
        self.refresh()

    def is_stranger(self, jid: str) -> bool:
        """Not in the roster (once the roster is known)."""
        roster = self.converse.find(RosterState)
        if roster is None or not self.converse.promises.is_resolved("rosterContactsFetched") or "/" in jid:
            return False  # a full JID: a private chat with a room occupant (no roster contact)
        return jid not in roster.contacts

    def refresh(self) -> None:
        blocklist = self.converse.find(BlocklistState)
        for jid, view in self.chats.box_views.items():
            element = view.element.querySelector('[data-role="stranger"]')
            stranger = self.is_stranger(jid)
            blocked = blocklist is not None and blocklist.is_blocked(jid)
            can_block = blocklist is not None and blocklist.supported
            element.hidden = not stranger
            if stranger:
                element.innerHTML = templates.stranger_banner(jid, blocked=blocked, can_block=can_block)
            self._header_button(view.element, jid, blocked=blocked, shown=can_block)

    @staticmethod
    def _header_button(section: Any, jid: str, *, blocked: bool, shown: bool) -> None:
        """The header's Block / Unblock toggle (before the minimize button), made on first need."""
        button = section.querySelector('header [data-action="toggle-block"]')
        if not found(button):
            if not shown:
                return
            section.querySelector('header [data-action="toggle-chat"]').insertAdjacentHTML(
                "beforebegin", templates.block_toggle(jid, blocked=blocked))
            return
        button.outerHTML = templates.block_toggle(jid, blocked=blocked) if shown else ""

    def on_add(self, element: Any, _event: Any) -> None:
        box = self.chats._box_for(element)
        roster = self.converse.find(RosterState)
        if box is None or roster is None:
            return
        task = asyncio.ensure_future(roster.add(box.get("jid"), None, None))
        task.add_done_callback(lambda done: self._report(done, box, _("Could not add the contact")))

    def on_block(self, element: Any, _event: Any) -> None:
        box = self.chats._box_for(element)
        blocklist = self.converse.find(BlocklistState)
        if box is None or blocklist is None:
            return
        jid = box.get("jid")
        task = asyncio.ensure_future(blocklist.change([jid], block=not blocklist.is_blocked(jid)))
        task.add_done_callback(lambda done: self._report(done, box, _("Could not change the blocklist")))

    def _report(self, done: asyncio.Future[Any], box: ChatBox, what: str) -> None:
        if done.cancelled() or done.exception() is None:
            return
        logger.warning("%s (%s): %s", what, box.get("jid"), done.exception())
        view = self.chats.box_views.get(box.get("jid"))
        if view is not None:
            element = view.element.querySelector('[data-role="stranger"]')
            element.hidden = False
            element.textContent = f"{what}: {done.exception()}"
