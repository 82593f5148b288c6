"""Chats plugin: incoming chat messages open a chat box; boxes send messages; open boxes are
remembered in the tab (sessionStorage) and come back after a reload.

Events: ``message`` (the stanza, for every live incoming message stanza; carbons fire
``carbonMessage``, archive results the MAM plugin's ``archivedMessage``), ``incomingMessage`` (the
parsed message), ``messageSend`` (the sent stanza), ``chatBoxActivity``, ``messageUpdated``,
``chatBoxOpened``/``chatBoxClosed``/``chatBoxFocused``/``chatBoxMinimized``/``chatBoxMaximized``
(the box). Promise: ``chatBoxesFetched`` (after log-in, once the boxes open before the reload are
back). Hooks (``HOOKS`` below; data types in hooks.py): ``beforeMessageSend``,
``createMessageStanza``, ``beforeMessageShown``, ``parseMessage``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from typing import Any

from ...core.converse import Converse
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...xmpp.jid import JID
from ...xmpp import ns
from ...xmpp.stanza import OversizedStanza, find
from ..corrections.stanzas import add_replace, replace_id
from ..roster.plugin import RosterState
from .api import ChatsAPI
from .errors import MessageError, parse_message_error, reason, too_large_line, unknown_error_line
from .hooks import ParsedMessage, before_send, parse_incoming, shown_or_none
from .message_stanza import (
    MESSAGE_PARTS, MESSAGE_PARTS_HOOK, MESSAGE_STANZA, MESSAGE_STANZA_HOOK, MessageStanza, has_listeners, through_hook,
)
from .models import ChatBox, ShownMessage
from .stanzas import CARBONS, ChatMessage, carbons_enable, chat_message, stanza_id

#: Box attributes kept across reloads (nothing else: no message is stored).
PERSISTED = ("jid", "minimized", "height", "width", "url")
STORAGE_PREFIX = "converse-py-chatboxes:"


class ChatsState:
    """Chat boxes of one client, by bare JID."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.boxes: dict[str, ChatBox] = {}
        self.owner: str | None = None  # whose boxes these are
        self._restoring = False
        #: Plugins that key some boxes by full JID (e.g. private chats with room occupants):
        #: each returns the box JID for a sender's JID, or None (the bare JID is used then).
        self.box_jid_finders: list[Callable[[JID], str | None]] = []

    def box_jid(self, jid: JID) -> str:
        """The JID of the box for messages with ``jid``: its bare JID unless a finder says otherwise."""
        for finder in self.box_jid_finders:
            found = finder(jid)
            if found:
                return found
        return jid.bare

    def open(self, jid: str, fullname: str = "") -> ChatBox:
        """The box for ``jid``, created or re-opened as needed (``fullname``: its title when the
        roster has none)."""
        box = self.boxes.get(jid)
        if box is None:
            roster = self.converse.find(RosterState)
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

    def send(self, box: ChatBox, text: str, replaces: ShownMessage | None = None, *,
             extra: Sequence[ET.Element] = ()) -> ShownMessage | None:
        """Send ``text`` to ``box``'s contact and show it; with ``replaces`` (an outgoing message of
        the box) send it as that message's correction (XEP-0308) and update it in place instead.
        ``extra`` elements go into the message (e.g. the upload plugin's XEP-0066 ``<x/>``).

        ``beforeMessageSend`` listeners may rewrite the text, cancel, or answer locally (None is
        returned then); ``createMessageStanza`` listeners decorate or replace the stanzas (and may
        refuse: the refusal is raised, the text is not shown as sent)."""
        correcting = (replaces.id or replaces.origin_id) if replaces is not None else ""
        outgoing = before_send(self.converse, box, text, correcting)
        if outgoing is None:
            return None
        text = outgoing.text
        outgoing.stanzas = [chat_message(box.get("jid"), text)]
        outgoing.stanzas[0].extend(extra)
        outgoing = self.converse.hook("createMessageStanza", box, outgoing)
        if outgoing.refusal is not None:
            raise outgoing.refusal
        stanzas = outgoing.stanzas
        if correcting:
            for stanza in outgoing.body_stanzas():
                if not replace_id(stanza):
                    add_replace(stanza, correcting)  # a listener's replacement stanzas correct it too
        for stanza in stanzas:
            self.converse.session.send_element(stanza)
        msg_id = stanzas[0].get("id") or ""
        if replaces is not None:
            shown = box.update_message(replaces, body=text, edited=True, delivered=False, displayed=False)
            box.note_correction(msg_id, shown, own_bare(self.converse.session))
        else:
            owner = own_bare(self.converse.session) or ""
            shown = ShownMessage(msg_id, owner, text, datetime.now(UTC), outgoing=True, origin_id=msg_id)
            body_stanzas = outgoing.body_stanzas()
            if body_stanzas and has_listeners(self.converse):
                context = MessageStanza(box, body_stanzas[0], "sent", True, owner, time=shown.time)
                shown = through_hook(self.converse, context, shown) or shown
            box.add_messages([shown])
        for stanza in stanzas:
            self.converse.trigger("messageSend", stanza)
        return shown

    def receive(self, parsed: ChatMessage, stanza: ET.Element | None = None, source: str = "live") -> None:
        """An incoming chat message (from any resource of the contact) goes to the contact's box
        (``messageStanza`` listeners see ``stanza`` first; ``beforeMessageShown`` listeners may
        change it, e.g. decrypt, or drop it)."""
        box = self.open(self.box_jid(parsed.sender))
        message: ShownMessage | None = ShownMessage(
            parsed.id, parsed.sender.bare, parsed.body, parsed.time, outgoing=False,
            sender_name=box.get("fullname"), stanza_id=parsed.stanza_id, origin_id=parsed.origin_id,
            replaces=parsed.replace_id)
        if stanza is not None and has_listeners(self.converse):
            context = MessageStanza(box, stanza, source, False, parsed.sender.bare, time=parsed.time,
                                    stanza_id=parsed.stanza_id)
            message = through_hook(self.converse, context, message)
        if message is None:
            return
        shown = shown_or_none(message, self.converse.hook("beforeMessageShown", box, message))
        if shown is not None:
            box.add_messages([shown])

    def sent_elsewhere(self, parsed: ChatMessage, stanza: ET.Element | None = None) -> None:
        """A message one of the user's other clients sent (a sent carbon) goes to the recipient's box."""
        try:
            peer = self.box_jid(JID.parse(parsed.to))
        except ValueError:
            return
        box = self.open(peer)
        message: ShownMessage | None = ShownMessage(
            parsed.id, parsed.sender.bare, parsed.body, parsed.time, outgoing=True,
            stanza_id=parsed.stanza_id, origin_id=parsed.origin_id, replaces=parsed.replace_id)
        if stanza is not None and has_listeners(self.converse):
            context = MessageStanza(box, stanza, "carbon", True, parsed.sender.bare, time=parsed.time,
                                    stanza_id=parsed.stanza_id)
            message = through_hook(self.converse, context, message)
        if message is not None:
            box.add_messages([message])

    def bodiless(self, parsed: ParsedMessage) -> None:
        """A chat message with no body (a reaction, a retraction, a marker, ...) for an open box:
        ``messageStanza`` listeners see it (with no row)."""
        if parsed.type not in ("chat", "normal"):
            return
        outgoing = parsed.from_self
        if outgoing:
            try:
                peer = JID.parse(parsed.message.get("to") or "").bare
            except ValueError:
                return
        else:
            peer = parsed.sender.bare
        box = self.boxes.get(peer)
        if box is None or box.get("closed"):
            return
        context = MessageStanza(box, parsed.message, "carbon" if parsed.kind != "direct" else "live", outgoing,
                                parsed.sender.bare, stanza_id=stanza_id(parsed.message, parsed.own))
        through_hook(self.converse, context, None)

    def delivery_failed(self, error: MessageError) -> None:
        """An error answered a message: the user's message with its id (in the box of whoever
        answered, or in any box when the user's or the contact's server answered) is marked
        failed; an error for no message shown here is an info line in the answering contact's box."""
        box = self.boxes.get(self.box_jid(error.sender))
        boxes = [box] if box is not None else ([] if error.sender.local else list(self.boxes.values()))
        for candidate in boxes:
            message = candidate.find_message(error.id)
            if message is not None and message.outgoing:
                mark_failed(self.converse, candidate, message, reason(error))
                return
        if box is not None:
            add_info_once(box, unknown_error_line(error))
        else:
            logger.info("message error from %s for an unknown message: %s", error.sender.full, error.condition)

    def too_large(self, info: OversizedStanza) -> None:
        """A chat message too large to show (dropped unparsed): an info line in its box says who
        sent it and how large it was. A carbon or an archive result counts only when the user's
        own account wrapped it."""
        if info.kind != "message":
            return
        own = own_bare(self.converse.session)
        attrs = info.inner if info.inner is not None else info.attrs
        if not own or "groupchat" in (info.attrs.get("type"), attrs.get("type")):
            return  # rooms are the MUC plugin's
        try:
            sender = JID.parse(attrs.get("from") or "")
            wrapper = info.attrs.get("from")
            if info.inner is not None and wrapper and JID.parse(wrapper).bare != own:
                return  # a forged carbon or archive result
            peer = JID.parse(attrs.get("to") or "").bare if sender.bare == own else sender.bare
        except ValueError:
            return
        if peer and peer != own:
            self.open(peer).add_info(too_large_line(info.size, sender.bare))

    def _on_activity(self, box: ChatBox, kind: str) -> None:
        self.converse.trigger("chatBoxActivity", box, kind)

    def _on_update(self, box: ChatBox, message: ShownMessage, changed: tuple[str, ...]) -> None:
        self.converse.trigger("messageUpdated", box, message, list(changed))

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
        rows = [{name: box.get(name) for name in PERSISTED}  # boxes keyed by full JID are not kept
                for box in self.boxes.values() if not box.get("closed") and "/" not in box.get("jid")]
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
                box.set({k: row[k] for k in ("height", "width", "url") if row.get(k) is not None})
                if row.get("minimized"):
                    box.minimize()
        finally:
            self._restoring = False
        self.save()


def mark_failed(converse: Converse, box: ChatBox, message: ShownMessage, why: str) -> ShownMessage:
    """Mark the user's ``message`` in ``box`` (a chat box or a room) as not delivered, ``why`` in
    words; fires ``messageFailed``. Returns the updated message."""
    failed = box.update_message(message, error=why)
    converse.trigger("messageFailed", box, failed, why)
    return failed


def add_info_once(box: ChatBox, text: str) -> None:
    """``box.add_info(text)`` unless the box's last line already says exactly that (a contact that
    bounces every stanza, chat states included, gets one line, not one per stanza)."""
    last = box.messages[-1] if box.messages else None
    if last is None or last.kind != "info" or last.body != text:
        box.add_info(text)


def _report_carbons(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("carbons not enabled: %s", future.exception())


HOOKS = {
    "beforeMessageSend": EventDoc(
        "the chat box or room, the outgoing message {text, box, cancelled, cancel(), reply(text)}",
        "before a chat box or room sends what the user typed (or model.sendMessage): set text to "
        "rewrite it, cancel() to send nothing, reply(text) to show a local info line instead of "
        "sending; return the data (JS: a changed text is taken back even when nothing is returned). "
        "Chat commands (/help) are handled here"),
    "createMessageStanza": EventDoc(
        "the chat box, the outgoing message (stanzas: what will be sent)",
        "a one-to-one chat message's stanzas are built: add elements to data.stanzas (receipt request, "
        "markable, chat state) or replace them (OTR ciphertext); refuse(error) stops the send"),
    "beforeMessageShown": EventDoc(
        "the chat box, the message about to be shown",
        "a contact's message (live, or read from the archive: message.archived) is about to be added "
        "to a chat box: return a changed copy (e.g. decrypted), or false to not show it"),
    MESSAGE_STANZA: MESSAGE_STANZA_HOOK,
    MESSAGE_PARTS: MESSAGE_PARTS_HOOK,
    "parseMessage": EventDoc(
        "the stanza as received, the parsed message (kind, sender, message, chat, fields)",
        "an incoming live or carbon message stanza was parsed once: add fields for the others "
        "(receipt_for, displayed_id, markable, chat_state); no I/O here, act on incomingMessage"),
}

EVENTS = {
    "incomingMessage": EventDoc(
        "the parsed message (with the fields parseMessage listeners added)",
        "a live or carbon message stanza was parsed and the chats plugin handled it (the contact's "
        "box has the message): plugins act on the parsed fields here"),
    "carbonMessage": EventDoc(
        "the forwarded message stanza, 'sent' or 'received'",
        "a XEP-0280 carbon of the user's account arrived (message does not fire for it)"),
    "chatBoxActivity": EventDoc(
        "the chat box, 'typing', 'focus' or 'seen'",
        "the user typed in or focused a box's composer, or the view shows its newest messages"),
    "messageUpdated": EventDoc(
        "the chat box, the message, the names of the changed fields",
        "a shown message changed in place (delivered, displayed, corrected, failed, expanded)"),
    "messageFailed": EventDoc(
        "the chat box or room, the message (its error field set), the reason in words",
        "an error stanza answered one of the user's messages (recipient unavailable, no such user, "
        "no voice in a moderated room, ...): the message is marked failed and can be resent "
        "(box.model.resendMessage(id))"),
}


class ChatsPlugin(Plugin):
    """One-to-one chat boxes, carbons, and the boxes kept across reloads."""

    name = "converse-chats"
    hooks = HOOKS
    events = {
        "message": EventDoc("the message stanza (a DOM Element for JS)", "a live message stanza arrived "
                            "(archive results fire archivedMessage instead, carbons carbonMessage)"),
        "messageSend": EventDoc("the sent stanza", "a chat box sent a message"),
        "chatBoxOpened": EventDoc("the chat box", "a chat box was created or re-opened"),
        "chatBoxClosed": EventDoc("the chat box", "a chat box was closed"),
        "chatBoxFocused": EventDoc("the chat box", "focus() was called on a chat box"),
        "chatBoxMinimized": EventDoc("the chat box", "a chat box was minimized"),
        "chatBoxMaximized": EventDoc("the chat box", "a chat box was maximized"),
        "chatBoxesFetched": EventDoc("nothing", "chat boxes are ready to be opened", promise=True),
        **EVENTS,
    }
    features = (CARBONS,)
    facades = {"chatbox": {"resendMessage": "resend_message"}}

    def initialize(self) -> None:
        converse = self._converse
        self.state = ChatsState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("chats", ChatsAPI(self.state))
        converse.session.add_handler("message", self.on_message)
        converse.api.listen.on("connected", self.on_connected)
        converse.api.listen.on("serviceDiscovered", self.on_feature)
        converse.api.listen.on("stanzaTooLarge", self.state.too_large)

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
        """Every message stanza: archive results are the MAM plugin's (``archivedMessage``); a live
        one fires ``message`` (a carbon ``carbonMessage``), is parsed once (``parseMessage``), goes
        to its chat box, then ``incomingMessage`` lets plugins act on it."""
        if find(stanza, ns.MAM, "result") is not None:
            return
        converse = self._converse
        parsed = parse_incoming(stanza, own_bare(converse.session))
        if parsed is None or parsed.kind == "direct":
            converse.trigger("message", stanza)
        else:
            converse.trigger("carbonMessage", parsed.message, parsed.kind)
        if stanza.get("type") == "error":
            error = parse_message_error(stanza)
            if error is not None:
                self.state.delivery_failed(error)
        if parsed is None:
            return
        result = converse.hook("parseMessage", stanza, parsed)
        if isinstance(result, ParsedMessage):
            parsed = result
        chat = parsed.chat
        if chat is not None:
            if parsed.kind == "sent":
                self.state.sent_elsewhere(chat, parsed.message)
            elif chat.sender.bare != parsed.own:
                self.state.receive(chat, parsed.message, "live" if parsed.kind == "direct" else "carbon")
        elif stanza.get("type") != "error" and has_listeners(converse):
            self.state.bodiless(parsed)
        converse.trigger("incomingMessage", parsed)
