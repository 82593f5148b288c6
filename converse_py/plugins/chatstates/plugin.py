"""XEP-0085 chat state notifications in one-to-one chats.

Sending (setting ``send_chat_state_notifications``): ``composing`` when the user starts typing in
the composer (the view reports ``box.composer_activity("typing")``), ``paused`` after
``PAUSED_AFTER`` seconds without a key, ``active`` on each sent message (inside it) and when the
box is focused or maximized again after ``inactive``, ``inactive`` when the box is closed or
minimized. A state is never sent twice in a row, ``composing`` at most once per
``COMPOSING_EVERY`` seconds, nothing while offline; state-only messages carry no body and a
``<no-store/>`` hint. ``inactive`` is only sent to a contact who got a state from this box before.

Receiving: a contact's state (or a message with a body: ``active``) sets the box attribute
``chat_state``; the view shows "{name} is typing…" / "{name} has stopped typing".

Declares ``chatStateNotification`` and ``send_chat_state_notifications`` in ``ChatStatesPlugin``.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable

from ...core.aio import loop
from ...core.converse import Converse
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...xmpp import ns
from ...xmpp.stanza import find
from ..chats.hooks import OutgoingMessage, ParsedMessage
from ..chats.models import ChatBox
from ..chats.plugin import ChatsState
from .stanzas import add_state, chat_state, state_message

#: Seconds without typing after which ``paused`` is sent.
PAUSED_AFTER = 5.0
#: ``composing`` is sent at most once per this many seconds.
COMPOSING_EVERY = 3.0


class ChatStates:
    """The state last sent to each contact, and the typing timers."""

    def __init__(self, converse: Converse, clock: Callable[[], float] = time.monotonic) -> None:
        self.converse = converse
        self.clock = clock
        self.sent: dict[str, str] = {}             # box jid → the last state sent there
        self.last_composing: dict[str, float] = {}  # box jid → when composing was last sent
        self.timers: dict[str, asyncio.TimerHandle] = {}

    def allowed(self, state: str) -> bool:
        setting = self.converse.settings.get("send_chat_state_notifications")
        return setting is True or (isinstance(setting, list) and state in setting)

    def send(self, box: ChatBox, state: str) -> bool:
        """Send ``state`` to ``box``'s contact unless it is the state last sent, not allowed, or the
        session is down. True when sent."""
        jid = box.get("jid")
        session = self.converse.session
        if self.sent.get(jid) == state or not self.allowed(state) or not session.connected:
            return False
        if not session.send_element(state_message(jid, state)):
            return False
        self.sent[jid] = state
        return True

    # -- what the user does ----------------------------------------------------------------
    def on_activity(self, box: ChatBox, kind: str) -> None:
        if kind == "typing":
            self.typing(box)
        elif kind == "focus":
            self.back(box)

    def typing(self, box: ChatBox) -> None:
        """A key changed the composer: composing (throttled), and paused if no key follows."""
        jid = box.get("jid")
        self._cancel(jid)
        self.timers[jid] = loop().call_later(PAUSED_AFTER, self._pause, box)
        if self.sent.get(jid) == "composing":
            return
        now = self.clock()
        if now - self.last_composing.get(jid, float("-inf")) < COMPOSING_EVERY:
            return
        if self.send(box, "composing"):
            self.last_composing[jid] = now

    def _pause(self, box: ChatBox) -> None:
        jid = box.get("jid")
        self.timers.pop(jid, None)
        if self.sent.get(jid) == "composing":
            self.send(box, "paused")

    def back(self, box: ChatBox) -> None:
        """The box is in use again (focused, maximized): active, if the contact was told inactive."""
        if self.sent.get(box.get("jid")) == "inactive":
            self.send(box, "active")

    def away(self, box: ChatBox) -> None:
        """The box was closed or minimized: inactive (if the contact ever got a state from here)."""
        jid = box.get("jid")
        self._cancel(jid)
        if jid in self.sent:
            self.send(box, "inactive")

    def closed(self, box: ChatBox) -> None:
        """The box was closed: inactive, and the contact's state is forgotten (it is not followed
        while the box is closed, so it would be stale when the box opens again)."""
        self.away(box)
        box.set("chat_state", None)

    def decorate(self, box: ChatBox, outgoing: OutgoingMessage) -> None:
        """A sent message carries ``<active/>`` (XEP-0085 §5.1): the user is no longer composing
        (one-to-one chats only)."""
        if box.get("type") == "chatroom":
            return
        for stanza in outgoing.body_stanzas():
            jid = box.get("jid")
            self._cancel(jid)
            if self.allowed("active"):
                add_state(stanza, "active")
                self.sent[jid] = "active"

    def _cancel(self, jid: str) -> None:
        timer = self.timers.pop(jid, None)
        if timer is not None:
            timer.cancel()

    # -- what the contact does -------------------------------------------------------------
    @staticmethod
    def parse(_stanza: ET.Element, parsed: ParsedMessage) -> None:
        """Field ``chat_state``: the contact's state this message tells (a chat message with a body
        and no state: ``active``), or None (also for groupchat and sent carbons)."""
        msg = parsed.message
        kind = parsed.type
        state = None
        if parsed.kind != "sent" and kind != "groupchat":
            state = chat_state(msg)
            if state is None and kind != "error" and find(msg, ns.CLIENT, "body") is not None:
                state = "active"  # a message arrived: whatever the contact was typing is sent
        parsed.fields["chat_state"] = state

    def on_message(self, parsed: ParsedMessage) -> None:
        state = parsed.get("chat_state")
        if state is None:
            return
        sender = parsed.sender.bare
        box = self.converse.get(ChatsState).boxes.get(sender)
        if sender == parsed.own or box is None or box.get("closed"):
            return
        box.set("chat_state", state)
        self.converse.trigger("chatStateNotification", box, state)


class ChatStatesPlugin(Plugin):
    """XEP-0085 chat state notifications in one-to-one chats."""

    name = "converse-chatstates"
    dependencies = ("converse-chats",)
    settings = {
        "send_chat_state_notifications": Setting(
            True, (bool, list), "XEP-0085: tell contacts when the user is typing (composing, paused, active, "
            "inactive); false sends none, a list sends only the states named (e.g. ['composing', 'paused'])."),
    }
    events = {
        "chatStateNotification": EventDoc("the chat box, the state", "the contact's chat state arrived "
                                          "(XEP-0085): 'composing', 'paused', 'active', 'inactive' or 'gone'; "
                                          "also model.get('chat_state')"),
    }
    features = ("http://jabber.org/protocol/chatstates",)

    def initialize(self) -> None:
        converse = self._converse
        self.states = ChatStates(converse)
        converse.provide(self.states)
        listen = converse.api.listen
        listen.on("createMessageStanza", self.states.decorate)
        listen.on("chatBoxActivity", self.states.on_activity)
        listen.on("parseMessage", self.states.parse)
        listen.on("incomingMessage", self.states.on_message)
        listen.on("chatBoxClosed", self.states.closed)
        listen.on("chatBoxMinimized", self.states.away)
        listen.on("chatBoxMaximized", self.states.back)
        listen.on("chatBoxFocused", self.states.back)

