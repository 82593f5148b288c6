"""XEP-0308 last message correction in one-to-one chats.

``box.correct_message(text)`` (JS ``box.model.correctMessage(text)``; in the view: Up arrow in an
empty composer, edit, Enter; Escape cancels) sends ``text`` with ``<replace id='…'/>`` naming the
user's last message (or the outgoing message given by id, if ``allow_message_corrections`` is
``'all'``), and the message is shown with the new text, marked edited. A correction received live,
as a carbon or from the archive is applied to the message it names when that message was sent by
the same bare JID, and never shown as a new message; one naming an unknown message is dropped (from
the archive it waits for the page holding its original).

Declares ``messageCorrected``, ``allow_message_corrections`` and the chat box's JS
``model.correctMessage`` in ``CorrectionsPlugin``.
"""

from __future__ import annotations

from ...core.errors import ConverseError
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...core.settings import Setting
from ..chats.models import ChatBox, ShownMessage
from ..chats.plugin import ChatsState


class CorrectionsPlugin(Plugin):
    """XEP-0308 last message correction in one-to-one chats."""

    name = "converse-corrections"
    dependencies = ("converse-chats",)
    settings = {
        "allow_message_corrections": Setting(
            "all", (str, bool), "XEP-0308: 'all' lets the user correct any message they sent, 'last' only "
            "their last one (the Up arrow always edits the last), false none (corrections received are "
            "still shown).", choices=("all", "last", False)),
    }
    events = {
        "messageCorrected": EventDoc("the chat box, the message", "a message was corrected (XEP-0308), by the "
                                     "user (model.correctMessage, Up arrow) or by its sender; message.body is "
                                     "the new text, message.edited is true"),
    }
    features = ("urn:xmpp:message-correct:0",)
    facades = {"chatbox": {"correctMessage": "correct_message"}}

    def initialize(self) -> None:
        converse = self._converse
        converse.api.listen.on("messageUpdated", self.on_update)
        converse.api.listen.on("chatBoxOpened", self.on_opened)

    def on_opened(self, box: ChatBox) -> None:
        box.corrector = self.correct

    def correct(self, box: ChatBox, text: str, msg_id: str | None = None) -> ShownMessage:
        """Send ``text`` as the correction of the user's message ``msg_id`` (default: the last)."""
        allowed = self._converse.settings.get("allow_message_corrections")
        if not allowed:
            raise ConverseError("correct_message: corrections are off (allow_message_corrections is false)")
        if msg_id is not None and not isinstance(msg_id, str):
            raise ConverseError(f"correct_message: the message id must be a string, got {type(msg_id).__name__}")
        last = box.last_outgoing()
        target = box.find_message(msg_id, own_bare(self._converse.session)) if msg_id else last
        if target is None or not target.outgoing:
            raise ConverseError("correct_message: no message of yours to correct"
                                + (f" with id {msg_id!r}" if msg_id else " in this chat"))
        if allowed == "last" and target is not last:
            raise ConverseError("correct_message: only the last message may be corrected "
                                "(allow_message_corrections is 'last')")
        if not isinstance(text, str) or not text.strip():
            raise ConverseError("correct_message: a correction needs some text")
        shown: ShownMessage | None = self._converse.get(ChatsState).send(box, text, replaces=target)
        if shown is None:
            raise ConverseError("correct_message: a beforeMessageSend listener cancelled the correction")
        return shown

    def on_update(self, box: ChatBox, message: ShownMessage, changed: list[str]) -> None:
        if "body" in changed and message.edited:
            self._converse.trigger("messageCorrected", box, message)
