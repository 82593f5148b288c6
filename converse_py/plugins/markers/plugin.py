"""XEP-0333 chat markers in one-to-one chats.

A markable message from a contact is answered with a ``<received/>`` marker when it arrives live
(setting ``send_chat_markers`` contains ``"received"``), unless it also asked for a XEP-0184 receipt
that the receipts plugin answers. An incoming ``<received/>`` marks the user's message delivered
(✓), an incoming ``<acknowledged/>`` as ``<displayed/>`` does (✓✓). Markers the contact sent that
come back in an archive page (XEP-0313: Prosody and ejabberd keep markers sent with a store hint)
restore the ticks of the archived messages after a fresh login, the newest displayed one
covering the earlier messages.

Outgoing chat messages are ``<markable/>``. When the newest markable message from a contact has been
shown to the user — the view reports ``box.composer_activity("seen")`` after putting messages on
screen, the box is open and not minimized, and the page is visible — one ``<displayed/>`` marker
naming it is sent (setting ``send_chat_markers`` contains ``"displayed"``); a marker for a later
message implies the earlier ones, so only the newest is marked. If the page is hidden then, the
marker goes out when it is shown again. An incoming ``<displayed/>`` from the contact marks that
outgoing message and every earlier one ``displayed`` (the view shows ✓✓). The ids so marked are kept
in tab storage (``receipts.tick_store``): after a reload, the same messages loaded from the archive
show ✓✓ again.

Declares ``messageDisplayed`` and ``send_chat_markers`` in ``MarkersPlugin``.
"""

from __future__ import annotations

import weakref
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

from ...core.converse import Converse
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...core.settings import Setting
from ...xmpp import ns
from ...xmpp.stanza import find
from ..chats.hooks import OutgoingMessage, ParsedMessage
from ..chats.models import ChatBox, ShownMessage
from ..chats.plugin import ChatsState
from ..receipts.tick_store import TickStore
from ..mam.plugin import MamState
from ..receipts.plugin import ReceiptsPlugin
from .stanzas import add_markable, displayed, displayed_id, is_markable, marker, marker_of

class MarkersState:
    """What each box still has to mark, and whether the page is visible."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        #: box jid → id of the contact's newest markable message not marked displayed yet
        self.pending: dict[str, str] = {}
        #: boxes whose view reported the newest messages on screen while the page was hidden
        self.waiting: set[str] = set()
        #: ids of the user's messages the contact has seen, for the page after a reload
        self.ticks = TickStore(converse.platform, "displayed")
        self._watched: weakref.WeakSet[ChatBox] = weakref.WeakSet()

    def enabled(self, kind: str = "displayed") -> bool:
        """Whether the ``kind`` marker is sent (setting ``send_chat_markers``)."""
        setting = self.converse.settings.get("send_chat_markers")
        return isinstance(setting, list) and kind in setting

    def on_visibility(self, hidden: bool) -> None:
        if not hidden:
            for jid in sorted(self.waiting):
                box = self.converse.get(ChatsState).boxes.get(jid)
                if box is not None:
                    self.seen(box)

    def on_activity(self, box: ChatBox, kind: str) -> None:
        if kind == "seen":
            self.seen(box)

    def seen(self, box: ChatBox) -> bool:
        """The view shows ``box``'s newest messages: send the displayed marker if the user can see
        them (box open, not minimized, page visible). True when a marker was sent."""
        jid = box.get("jid")
        if jid not in self.pending or box.get("closed") or box.get("minimized"):
            return False
        if self.converse.platform.page_hidden():
            self.waiting.add(jid)
            return False
        self.waiting.discard(jid)
        msg_id = self.pending.pop(jid)
        if not self.enabled():
            return False
        return bool(self.converse.session.send_element(displayed(jid, msg_id)))

    @staticmethod
    def parse(_stanza: ET.Element, parsed: ParsedMessage) -> None:
        """Fields: ``markable`` (a chat message with a body asking for markers), ``displayed_id``
        (the id a ``<displayed/>`` marker names, or None)."""
        msg = parsed.message
        parsed.fields["markable"] = is_markable(msg) and parsed.type != "groupchat" \
            and find(msg, ns.CLIENT, "body") is not None
        parsed.fields["displayed_id"] = displayed_id(msg)
        parsed.fields["marker"] = marker_of(msg)

    def on_message(self, parsed: ParsedMessage) -> None:
        marked = parsed.get("displayed_id")
        if parsed.kind == "sent":
            # another client of the user marked the contact's message: nothing left to mark here
            to = (parsed.message.get("to") or "").partition("/")[0].lower()
            if marked and self.pending.get(to) == marked:
                del self.pending[to]
            return
        sender = parsed.sender.bare
        if sender == parsed.own:
            return
        if parsed.get("markable"):
            self.pending[sender] = parsed.id
            if parsed.kind == "direct" and self.enabled("received") and not self._receipt_answers(parsed):
                self.converse.session.send_element(marker("received", sender, parsed.id))
        found = parsed.get("marker")
        if found and found[0] == "received":
            self.contact_received(sender, found[1])
        elif found:
            self.contact_displayed(sender, found[1])

    def _receipt_answers(self, parsed: ParsedMessage) -> bool:
        """Whether a XEP-0184 receipt already answers this message (it asked for one, and the
        receipts plugin sends them): no ``<received/>`` marker is sent then."""
        return bool(parsed.get("receipt_request")) and self.converse.find(ReceiptsPlugin) is not None \
            and bool(self.converse.settings.get("send_delivery_receipts"))

    def contact_received(self, contact: str, msg_id: str) -> None:
        """``contact``'s client received the user's message ``msg_id`` (a ``<received/>`` marker):
        it shows ✓ as for a XEP-0184 receipt (``messageDelivered`` when the receipts plugin is on)."""
        receipts = self.converse.find(ReceiptsPlugin)
        if receipts is not None:
            receipts.delivered(contact, msg_id)
            return
        box = self.converse.get(ChatsState).boxes.get(contact)
        message = box.find_message(msg_id, own_bare(self.converse.session)) if box is not None else None
        if box is not None and message is not None and message.outgoing:
            box.update_message(message, delivered=True)

    def archived(self, message: ET.Element, _result: ET.Element) -> None:
        """Event ``archivedMessage``: a marker (or XEP-0184 receipt) the contact sent for one of the
        user's messages, found in an archive page, gives that message its tick when it is shown."""
        own = own_bare(self.converse.session)
        sender = (message.get("from") or "").partition("/")[0].lower()
        if not own or not sender or sender == own:
            return
        found = marker_of(message)
        receipts = self.converse.find(ReceiptsPlugin)
        if found is not None and found[0] != "received":
            self.ticks.add(own, sender, [found[1]])
        elif found is not None and receipts is not None:
            receipts.ticks.add(own, sender, [found[1]])

    def watch(self, box: ChatBox) -> None:
        """Event ``chatBoxOpened``: follow the archive pages a chat box shows (once per box)."""
        if box.get("type") != "chatroom" and box not in self._watched:
            self._watched.add(box)
            box.on_messages(self.apply_implied)

    def apply_implied(self, box: ChatBox, fresh: list[ShownMessage], _where: str) -> None:
        """After an archive page is shown: a message the contact displayed covers every earlier
        outgoing message (markers name only the newest)."""
        if not any(m.archived for m in fresh):
            return
        covered = False
        for message in reversed(list(box.messages)):
            if not message.outgoing:
                continue
            if message.displayed:
                covered = True
            elif covered:
                box.update_message(message, displayed=True, delivered=True)

    @staticmethod
    def decorate(box: ChatBox, outgoing: OutgoingMessage) -> None:
        if box.get("type") == "chatroom":  # markers are sent in one-to-one chats only (here)
            return
        for stanza in outgoing.body_stanzas():
            add_markable(stanza)

    def contact_displayed(self, contact: str, msg_id: str) -> None:
        """``contact`` has seen the user's message ``msg_id``: it and all earlier outgoing messages are
        read (an id that names no outgoing message of that box is ignored)."""
        converse = self.converse
        box = converse.get(ChatsState).boxes.get(contact)
        own = own_bare(converse.session)
        target = box.find_message(msg_id, own) if box is not None else None
        if box is None or target is None or not target.outgoing:
            return
        if target.displayed:
            return
        index = next(i for i in range(len(box.messages) - 1, -1, -1) if box.messages[i] is target)
        earlier = []
        for message in reversed(box.messages[:index]):
            if message.outgoing:
                if message.displayed:
                    break  # an earlier marker covered the rest
                earlier.append(message)
        if own:
            self.ticks.add(own, contact, [m.id for m in reversed(earlier)] + [target.id])
        shown = box.update_message(target, displayed=True, delivered=True)
        for message in earlier:
            box.update_message(message, displayed=True, delivered=True)
        converse.trigger("messageDisplayed", box, shown)

    def restore_tick(self, box: ChatBox, message: ShownMessage) -> ShownMessage | None:
        """Hook ``beforeMessageShown``: a message of the user the contact has seen (on this page or
        the one before a reload) shows ✓✓ when it is shown again from the archive."""
        if not message.outgoing or message.displayed:
            return None
        own = own_bare(self.converse.session)
        if own and self.ticks.has(own, box.get("jid"), message.id):
            return replace(message, displayed=True, delivered=True)
        return None

    def forget_ticks(self, *_: Any) -> None:
        own = own_bare(self.converse.session)
        if own:
            self.ticks.drop(own)


def _mark(_box: ChatBox, stanza: ET.Element) -> None:
    add_markable(stanza)


class MarkersPlugin(Plugin):
    """XEP-0333 chat markers (displayed) in one-to-one chats."""

    name = "converse-markers"
    dependencies = ("converse-chats",)
    settings = {
        "send_chat_markers": Setting(["received", "displayed"], (list,), "XEP-0333 markers sent for a "
                                     "contact's markable messages: 'received' when one arrives (not when a "
                                     "XEP-0184 receipt already answers it), 'displayed' when it was shown; [] "
                                     "sends none. ('acknowledged' is accepted, as in Converse.js, but never "
                                     "sent: converse-py has no explicit acknowledge action.)"),
    }
    events = {
        "messageDisplayed": EventDoc("the chat box, the message", "the contact's client showed the user's message "
                                     "(XEP-0333 displayed marker); it and every earlier outgoing message have "
                                     "displayed true"),
    }
    features = ("urn:xmpp:chat-markers:0",)

    def initialize(self) -> None:
        converse = self._converse
        self.state = MarkersState(converse)
        converse.provide(self.state)
        listen = converse.api.listen
        listen.on("createMessageStanza", self.state.decorate)
        listen.on("parseMessage", self.state.parse)
        listen.on("incomingMessage", self.state.on_message)
        converse.platform.watch_visibility(self.state.on_visibility)
        listen.on("chatBoxActivity", self.state.on_activity)
        listen.on("beforeMessageShown", self.state.restore_tick)
        listen.on("logout", self.state.forget_ticks)
        if converse.find(MamState) is not None:  # archive pages exist only with converse-mam
            listen.on("archivedMessage", self.state.archived)
        listen.on("chatBoxOpened", self.state.watch)
