"""Chats plugin: incoming chat messages open a chat box; boxes send messages; open boxes are
remembered in the tab (sessionStorage) and come back after a reload.

Declares its events in ``ChatsPlugin.events`` and carbons (XEP-0280) in ``features``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable

from ...core.converse import Converse
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...xmpp.jid import JID
from ...xmpp.stanza import local_name
from ..corrections.stanzas import add_replace
from ..roster.plugin import RosterState
from .api import ChatsAPI
from .models import ActivityListener, ChatBox, ShownMessage, UpdateListener
from .stanzas import CARBONS, ChatMessage, carbons_enable, chat_message, parse_carbon, parse_message

#: Box attributes kept across reloads (nothing else: no message is stored).
PERSISTED = ("jid", "minimized", "height", "url")
STORAGE_PREFIX = "converse-py-chatboxes:"

#: ``filter(box, text)``: the stanzas to send instead of a plain chat message of ``text`` (the OTR
#: plugin sends ciphertext this way), or None to leave it alone; raising refuses to send (the text
#: is not shown as sent and the composer keeps it).
OutgoingFilter = Callable[[ChatBox, str], "list[ET.Element] | None"]
#: ``filter(box, parsed)``: the text to show for a received chat message (e.g. decrypted), or None
#: to show nothing (protocol traffic the filter handled itself).
IncomingFilter = Callable[[ChatBox, ChatMessage], "str | None"]
#: ``filter(box, message)``: whether a message read from the archive is shown (the OTR plugin hides
#: archived OTR traffic, which no key can read any more).
ArchivedFilter = Callable[[ChatBox, ShownMessage], bool]
#: ``decorator(box, stanza)``: add elements to each outgoing chat message with a body before it is
#: sent (a receipt request, ``<markable/>``, ``<active/>``).
StanzaDecorator = Callable[[ChatBox, ET.Element], None]


class ChatsState:
    """Chat boxes of one client, by bare JID."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.boxes: dict[str, ChatBox] = {}
        self.owner: str | None = None  # whose boxes these are
        self._restoring = False
        self.outgoing_filters: list[OutgoingFilter] = []  # see OutgoingFilter; the first non-None wins
        self.incoming_filters: list[IncomingFilter] = []  # see IncomingFilter; applied in order
        self.archived_filters: list[ArchivedFilter] = []  # see ArchivedFilter; applied by the MAM plugin
        self.stanza_decorators: list[StanzaDecorator] = []  # see StanzaDecorator; applied in order
        self.activity_listeners: list[ActivityListener] = []  # every box's composer_activity
        self.update_listeners: list[UpdateListener] = []  # every box's messages changed in place

    def open(self, jid: str) -> ChatBox:
        """The box for ``jid``, created or re-opened as needed."""
        box = self.boxes.get(jid)
        if box is None:
            roster = self.converse.find(RosterState)
            fullname = ""
            if roster is not None and jid in roster.contacts:
                fullname = roster.contacts[jid].get("fullname")
            box = self.boxes[jid] = ChatBox(jid, fullname)
            box.sender = self.send
            box.closer = self.close
            box.opener = lambda b: self.open(b.get("jid"))
            box.on_change(self._on_box_change)
            box.on_activity(self._on_activity)
            box.on_update(self._on_update)
            self.converse.trigger("chatBoxOpened", box)
            self.save()
        elif box.get("closed"):
            box.set("closed", False)
            self.converse.trigger("chatBoxOpened", box)
            self.save()
        return box

    def close(self, box: ChatBox) -> None:
        if not box.get("closed"):
            box.set("closed", True)
            self.converse.trigger("chatBoxClosed", box)
            self.save()

    def send(self, box: ChatBox, text: str, replaces: ShownMessage | None = None) -> ShownMessage:
        """Send ``text`` to ``box``'s contact and show it; with ``replaces`` (an outgoing message of
        the box) send it as that message's correction (XEP-0308) and update it in place instead."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("a message needs some text")
        replaced = next((r for r in (f(box, text) for f in self.outgoing_filters) if r is not None), None)
        stanzas = replaced or [chat_message(box.get("jid"), text)]
        for stanza in stanzas:
            if any(local_name(child.tag) == "body" for child in stanza):
                if replaces is not None:
                    add_replace(stanza, replaces.id or replaces.origin_id)
                for decorate in self.stanza_decorators:
                    decorate(box, stanza)
        for stanza in stanzas:
            self.converse.session.send_element(stanza)
        msg_id = stanzas[0].get("id") or ""
        if replaces is not None:
            shown = box.update_message(replaces, body=text, edited=True, delivered=False, displayed=False)
            box.note_correction(msg_id, shown, own_bare(self.converse.session))
        else:
            shown = ShownMessage(msg_id, own_bare(self.converse.session) or "", text,
                                 datetime.now(UTC), outgoing=True, origin_id=msg_id)
            box.add_messages([shown])
        for stanza in stanzas:
            self.converse.trigger("messageSend", stanza)
        return shown

    def receive(self, parsed: ChatMessage) -> None:
        """An incoming chat message (from any resource of the contact) goes to the contact's box."""
        box = self.open(parsed.sender.bare)
        body: str | None = parsed.body
        for in_filter in self.incoming_filters:
            if body is None:
                break
            # A copy only once a filter changed the body (one dataclass copy per message otherwise).
            body = in_filter(box, parsed if body is parsed.body else replace(parsed, body=body))
        if body is None:
            return
        box.add_messages([ShownMessage(parsed.id, parsed.sender.bare, body, parsed.time,
                                       outgoing=False, sender_name=box.get("fullname"),
                                       stanza_id=parsed.stanza_id, origin_id=parsed.origin_id,
                                       replaces=parsed.replace_id)])

    def sent_elsewhere(self, parsed: ChatMessage) -> None:
        """A message one of the user's other clients sent (a sent carbon) goes to the recipient's box."""
        try:
            peer = JID.parse(parsed.to).bare
        except ValueError:
            return
        box = self.open(peer)
        box.add_messages([ShownMessage(parsed.id, parsed.sender.bare, parsed.body, parsed.time, outgoing=True,
                                       stanza_id=parsed.stanza_id, origin_id=parsed.origin_id,
                                       replaces=parsed.replace_id)])

    def _on_activity(self, box: ChatBox, kind: str) -> None:
        for listener in list(self.activity_listeners):
            listener(box, kind)

    def _on_update(self, box: ChatBox, message: ShownMessage, changed: tuple[str, ...]) -> None:
        for listener in list(self.update_listeners):
            listener(box, message, changed)

    def _on_box_change(self, box: Any, changed: dict[str, Any]) -> None:
        if "focus_requests" in changed:
            self.converse.trigger("chatBoxFocused", box)
        if "minimized" in changed:
            self.converse.trigger("chatBoxMinimized" if changed["minimized"] else "chatBoxMaximized", box)
        if any(key in changed for key in PERSISTED):
            self.save()

    # -- tab storage: which boxes are open (never their messages) ------------------------
    def _key(self) -> str | None:
        return STORAGE_PREFIX + self.owner if self.owner else None

    def save(self) -> None:
        key = self._key()
        if key is None or self._restoring:
            return
        rows = [{name: box.get(name) for name in PERSISTED}
                for box in self.boxes.values() if not box.get("closed")]
        self.converse.platform.storage_set(key, json.dumps(rows))

    def restore(self, owner: str) -> None:
        """After log-in: forget another account's boxes, then re-open the ones saved for ``owner``."""
        if owner != self.owner:
            for box in list(self.boxes.values()):
                self.close(box)
            self.boxes = {}
            self.owner = owner
        key = self._key()
        raw = self.converse.platform.storage_get(key) if key else None
        if not raw:
            return
        try:
            rows = json.loads(raw)
        except ValueError:
            logger.warning("ignored unreadable saved chat boxes")
            return
        self._restoring = True
        try:
            for row in rows if isinstance(rows, list) else []:
                if not isinstance(row, dict) or not isinstance(row.get("jid"), str):
                    continue
                try:
                    jid = JID.parse(row["jid"]).bare
                except ValueError:
                    continue
                if jid in self.boxes and not self.boxes[jid].get("closed"):
                    continue
                box = self.open(jid)
                box.set({k: row[k] for k in ("height", "url") if row.get(k) is not None})
                if row.get("minimized"):
                    box.minimize()
        finally:
            self._restoring = False
        self.save()


def _report_carbons(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("carbons not enabled: %s", future.exception())


class ChatsPlugin(Plugin):
    """One-to-one chat boxes, carbons, and the boxes kept across reloads."""

    name = "converse-chats"
    events = {
        "message": EventDoc("the message stanza (a DOM Element for JS)", "any message stanza arrived"),
        "messageSend": EventDoc("the sent stanza", "a chat box sent a message"),
        "chatBoxOpened": EventDoc("the chat box", "a chat box was created or re-opened"),
        "chatBoxClosed": EventDoc("the chat box", "a chat box was closed"),
        "chatBoxFocused": EventDoc("the chat box", "focus() was called on a chat box"),
        "chatBoxMinimized": EventDoc("the chat box", "a chat box was minimized"),
        "chatBoxMaximized": EventDoc("the chat box", "a chat box was maximized"),
        "chatBoxesFetched": EventDoc("nothing", "chat boxes are ready to be opened", promise=True),
    }
    features = (CARBONS,)

    def initialize(self) -> None:
        converse = self._converse
        self.state = ChatsState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("chats", ChatsAPI(self.state))
        converse.session.add_handler("message", self.on_message)
        converse.api.listen.on("connected", self.on_connected)
        converse.api.listen.on("serviceDiscovered", self.on_feature)

    def on_feature(self, feature: Any) -> None:
        """Carbons (XEP-0280): this tab also shows what the user's other clients send and receive."""
        if feature.get("var") == CARBONS:
            self._converse.session.send_iq(carbons_enable()).add_done_callback(_report_carbons)

    def on_connected(self, *_: Any) -> None:
        owner = own_bare(self._converse.session)
        if owner:
            self.state.restore(owner)
        self._converse.trigger("chatBoxesFetched")

    def on_message(self, stanza: ET.Element) -> None:
        converse = self._converse
        converse.trigger("message", stanza)
        own = own_bare(converse.session)
        carbon = parse_carbon(stanza, own) if own else None
        if carbon is not None:
            kind, inner = carbon
            parsed = parse_message(inner, own=own)
            if parsed is None:
                return
            if kind == "sent":
                self.state.sent_elsewhere(parsed)
            elif parsed.sender.bare != own:
                self.state.receive(parsed)
            return
        parsed = parse_message(stanza, own=own)
        if parsed is None or parsed.sender.bare == own:
            return
        self.state.receive(parsed)
