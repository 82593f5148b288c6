"""XEP-0382 spoiler messages in chats and rooms.

A message marked as a spoiler is shown hidden behind "Spoiler: hint — Show" until the user asks
to see it. The toolbar's spoiler toggle (🙈) makes the next message a spoiler; the composer then
asks for its hint (box attribute ``spoiler``: ``{hint}``, None when off).

Python plugin::

    box = api.chats.get("bob@localhost")
    box.send_spoiler("Both Romeo and Juliet die.", "Love story end")

JS plugin::

    _converse.api.chats.get('bob@localhost').model.sendSpoiler('Both die.', 'Love story end');
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...core.errors import ConverseError
from ...core.plugin import Plugin
from ...dom.hooks import listen_ui
from ...dom.html import tag
from ...dom.templates import MessageParts
from ...i18n import _
from ..chats.hooks import OutgoingMessage
from ..chats.message_stanza import MessageStanza
from ..chats.models import ChatBox, ShownMessage
from ..retraction.plugin import is_retracted
from .stanzas import SPOILER, add_spoiler, spoiler_hint

#: ``message.extras`` key: ``{hint, shown}`` (``shown``: the user asked to see it).
SPOILER_KEY = "spoiler"
SPOILER_TAG = f"{{{SPOILER}}}spoiler"


class SpoilersPlugin(Plugin):
    """XEP-0382 spoiler messages in chats and rooms."""

    name = "converse-spoilers"
    dependencies = ("converse-chats", "converse-retraction")
    features = (SPOILER,)
    facades = {"chatbox": {"sendSpoiler": "send_spoiler"}}

    def initialize(self) -> None:
        listen = self._converse.api.listen
        listen.on("messageStanza", self.on_stanza)
        listen.on("createMessageStanza", self.on_create)
        listen.on("chatBoxOpened", self.on_opened)
        listen_ui(self._converse, {"getToolbarButtons": self.toolbar_buttons, "getMessageParts": self.parts,
                                   "messagePartClicked": self.on_part_clicked})

    def on_opened(self, box: ChatBox) -> None:
        if not callable(getattr(box, "send_spoiler", None)):
            setattr(box, "send_spoiler", lambda text, hint="": self.send_spoiler(box, text, hint))

    def send_spoiler(self, box: ChatBox, text: Any, hint: Any = "") -> ShownMessage | None:
        """Send ``text`` as a spoiler with ``hint`` (may be empty). Returns the message shown
        (None when a ``beforeMessageSend`` listener handled the text).

        JS: ``_converse.api.chats.get('bob@localhost').model.sendSpoiler('Both die.', 'Ending')``
        Python: ``api.chats.get("bob@localhost").send_spoiler("Both die.", "Ending")``
        """
        if not isinstance(hint, str):
            raise ConverseError("send_spoiler: the hint must be a string")
        before = box.get("spoiler")
        box.set("spoiler", {"hint": hint})
        try:
            return box.send_message(text)
        finally:
            if box.get("spoiler") is not None:
                box.set("spoiler", before)

    def on_create(self, box: Any, outgoing: OutgoingMessage) -> None:
        pending = box.get("spoiler") if hasattr(box, "get") else None
        if not isinstance(pending, dict):
            return
        for stanza in outgoing.body_stanzas():
            add_spoiler(stanza, str(pending.get("hint") or ""))
        box.set("spoiler", None)

    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        if shown is None or SPOILER_TAG not in context.child_tags:
            return None
        hint = spoiler_hint(context.stanza)
        if hint is None:
            return None
        return replace(shown, extras={**shown.extras, SPOILER_KEY: {"hint": hint, "shown": False}})

    def toolbar_buttons(self, box: Any, buttons: list[Any]) -> list[Any]:
        return [*buttons, {"name": "spoiler", "label": _("Send as a spoiler"), "icon": "🙈",
                           "handler": self.toggle}]

    @staticmethod
    def toggle(box: ChatBox) -> None:
        box.set("spoiler", None if box.get("spoiler") is not None else {"hint": ""})

    def parts(self, context: Any, parts: MessageParts) -> MessageParts:
        message = context["message"]
        spoiler = message.extras.get(SPOILER_KEY)
        if not isinstance(spoiler, dict) or is_retracted(message):
            return parts
        hint = spoiler.get("hint") or ""
        label = _("Spoiler: {hint}", hint=hint) if hint else _("Spoiler")
        if spoiler.get("shown"):
            parts.before.append(tag("span", {"class": "cpy-spoiler-label"}, label))
            return parts
        parts.classes.append("cpy-spoiler")
        parts.body = tag("span", {"class": "cpy-spoiler-hidden"}, label, " — ",
                         tag("button", {"type": "button", "data-action": "message-part", "data-name": "spoiler-show"},
                             _("Show")))
        return parts

    def on_part_clicked(self, box: ChatBox, message: ShownMessage, name: str) -> None:
        spoiler = message.extras.get(SPOILER_KEY)
        if name == "spoiler-show" and isinstance(spoiler, dict):
            box.update_message(message, extras={**message.extras, SPOILER_KEY: {**spoiler, "shown": True}})
