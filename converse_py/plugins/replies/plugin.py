"""XEP-0461 message replies (with the XEP-0428 fallback) in chats and rooms.

Each message has a "Reply" action: the composer says "Replying to bob: …" (cancel with its ×) and
the next message sent names the original (``<reply to=… id=…/>``: the room's stanza-id in a room,
the origin-id or id in a chat) and starts with a quote of it (``> bob:`` lines) marked as the
fallback, for clients without XEP-0461. A reply received (live, carbon, archive) shows the quoted
original above it (as text; a click scrolls to the original and highlights it; "a message not
loaded" while it is on an archive page not loaded yet) and its fallback quote is left out of the
body (by the fallback's range; a range out of bounds or overlapping leaves the body whole).

Python plugin::

    box = api.chats.get("bob@localhost")
    box.reply(box.messages[-1].id, "Sounds good")        # reply to bob's last message
    api.listen.on("messageStanza", lambda ctx, shown: print(shown.extras.get("reply")) if shown else None)

JS plugin::

    const box = _converse.api.chats.get('bob@localhost');
    box.model.reply(id, 'Sounds good');
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
from ...xmpp.stanza import find_child
from ..chats.hooks import OutgoingMessage
from ..chats.message_stanza import MessageStanza
from ..chats.models import ChatBox, ShownMessage
from ..retraction.plugin import is_retracted
from .stanzas import REPLY, Reply, add_reply, fallback_ranges, parse_reply, quote_fallback, strip_fallback

#: ``message.extras`` key of a reply: ``{id, to, author, text}`` (``author``/``text``: the
#: original's, once seen; None before).
REPLY_KEY = "reply"
REPLY_TAG = f"{{{REPLY}}}reply"
#: How much of the original a reply's quote shows.
QUOTE_PREVIEW = 160


def reference(box: Any, message: ShownMessage) -> str:
    """The id a reply to ``message`` names: the room's stanza-id in a room, else its origin-id or id."""
    if box.get("type") == "chatroom":
        return message.stanza_id
    return message.origin_id or message.id


def author_name(box: Any, message: ShownMessage) -> str:
    if box.get("type") == "chatroom":
        return message.sender_name or message.sender
    if message.outgoing:
        return _("me")
    return message.sender_name or message.sender


def name_from_to(box: Any, to: str) -> str:
    """Who a reply says wrote the original (its ``to``): the nick in a room, the JID in a chat."""
    if box.get("type") == "chatroom":
        return to.partition("/")[2]
    return to.partition("/")[0]


class RepliesPlugin(Plugin):
    """XEP-0461 message replies in chats and rooms."""

    name = "converse-replies"
    dependencies = ("converse-chats", "converse-retraction")
    features = (REPLY,)
    facades = {"chatbox": {"reply": "reply", "replyTo": "reply_to"}}

    def initialize(self) -> None:
        listen = self._converse.api.listen
        listen.on("messageStanza", self.on_stanza)
        listen.on("createMessageStanza", self.on_create)
        listen.on("chatBoxOpened", self.on_opened)
        listen_ui(self._converse, {"getMessageActionButtons": self.action_buttons, "getMessageParts": self.parts})

    def on_opened(self, box: ChatBox) -> None:
        if not callable(getattr(box, "reply", None)):
            setattr(box, "reply", lambda msg_id, text: self.reply(box, msg_id, text))
            setattr(box, "reply_to", lambda msg_id: self.reply_to(box, msg_id))

    # -- sending ---------------------------------------------------------------------------------
    def reply_to(self, box: ChatBox, msg_id: Any) -> dict[str, str]:
        """Make the next message sent in ``box`` a reply to ``msg_id`` (its id, origin-id or
        stanza-id): the composer says so (box attribute ``reply_to``; set it to None to cancel).

        JS: ``box.model.replyTo(id)``
        Python: ``box.reply_to(message.id)``
        """
        if not isinstance(msg_id, str) or not msg_id:
            raise ConverseError("reply: expected the id of the message to answer")
        message = box.find_target(msg_id)
        if message is None or message.kind != "message" or is_retracted(message):
            raise ConverseError(f"reply: no message with id {msg_id!r} to answer here")
        ref = reference(box, message)
        if not ref:
            raise ConverseError("reply: the room has not confirmed that message yet; try again in a moment")
        to = f"{box.get('jid')}/{message.sender}" if box.get("type") == "chatroom" else message.sender
        pending = {"ref": ref, "to": to, "name": author_name(box, message), "text": message.body}
        box.set("reply_to", pending)
        return pending

    def reply(self, box: ChatBox, msg_id: Any, text: Any) -> ShownMessage | None:
        """Send ``text`` as a reply to the message ``msg_id`` of ``box``. Returns the message
        shown (None when a ``beforeMessageSend`` listener handled the text).

        JS: ``_converse.api.chats.get('bob@localhost').model.reply(id, 'Sounds good')``
        Python: ``api.chats.get("bob@localhost").reply(message.id, "Sounds good")``
        """
        if not isinstance(text, str) or not text.strip():
            raise ConverseError("reply: a reply needs some text")
        before = box.get("reply_to")
        self.reply_to(box, msg_id)
        try:
            return box.send_message(text)
        finally:
            if box.get("reply_to") is not None:  # not sent: what the composer showed comes back
                box.set("reply_to", before)

    def on_create(self, box: Any, outgoing: OutgoingMessage) -> None:
        pending = box.get("reply_to") if hasattr(box, "get") else None
        if not isinstance(pending, dict) or outgoing.correcting:
            return
        fallback = quote_fallback(str(pending.get("name") or ""), str(pending.get("text") or ""))
        for stanza in outgoing.body_stanzas():
            body = find_child(stanza, "jabber:client", "body")
            if body is not None and body.text == outgoing.text:  # not a ciphertext (OTR)
                add_reply(stanza, Reply(str(pending.get("to") or ""), str(pending["ref"])), fallback)
        box.set("reply_to", None)

    # -- received (and sent: the stanza names the original) ---------------------------------------
    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        if shown is None or REPLY_TAG not in context.child_tags:
            return None
        reply = parse_reply(context.stanza)
        if reply is None:
            return None
        box = context.box
        body = shown.body
        element = find_child(context.stanza, "jabber:client", "body")
        if element is not None and element.text == body:  # the row shows the stanza's body: strip
            body = strip_fallback(body, fallback_ranges(context.stanza, REPLY)) or ""
        original = box.find_target(reply.id)
        quoted = {"id": reply.id, "to": reply.to,
                  "author": author_name(box, original) if original is not None else name_from_to(box, reply.to),
                  "text": original.body if original is not None else None}
        if original is None:
            keys = set(shown.keys())

            def remember_quote(target: ShownMessage) -> None:
                # the original came with an older archive page: the reply's quote shows it now
                mine = next((m for m in reversed(box.messages) if keys & set(m.keys())), None)
                if mine is not None and isinstance(mine.extras.get(REPLY_KEY), dict):
                    box.update_message(mine, extras={**mine.extras, REPLY_KEY: {
                        **mine.extras[REPLY_KEY], "author": author_name(box, target), "text": target.body}})
            box.change_message(reply.id, remember_quote)
        return replace(shown, body=body, extras={**shown.extras, REPLY_KEY: quoted})

    # -- the row -------------------------------------------------------------------------------
    def action_buttons(self, context: Any, buttons: list[Any]) -> list[Any]:
        message = context["message"]
        box = context["box"]
        if not isinstance(message, ShownMessage) or message.kind != "message" or is_retracted(message) \
                or not reference(box, message):
            return buttons
        return [*buttons, {"name": "reply", "label": _("Reply"), "icon": "↩", "handler": self.on_reply_action}]

    def on_reply_action(self, box: ChatBox, message: ShownMessage) -> None:
        self.reply_to(box, reference(box, message))
        box.focus()

    def parts(self, context: Any, parts: MessageParts) -> MessageParts:
        message = context["message"]
        quoted = message.extras.get(REPLY_KEY)
        if not isinstance(quoted, dict) or is_retracted(message):
            return parts
        box = context["box"]
        original = box.find_target(quoted["id"])
        author = author_name(box, original) if original is not None else quoted.get("author") or ""
        text: str | None
        if original is not None and is_retracted(original):
            text = _("a removed message")
        else:
            text = original.body if original is not None else quoted.get("text")
        parts.classes.append("cpy-reply")
        if text is None:
            parts.before.append(tag("span", {"class": "cpy-quote cpy-quote-missing"},
                                    tag("span", {"class": "cpy-quote-author"}, author), " ",
                                    _("a message not loaded")))
            return parts
        if len(text) > QUOTE_PREVIEW:
            text = text[:QUOTE_PREVIEW] + "…"
        parts.before.append(tag("button", {"type": "button", "class": "cpy-quote", "data-action": "show-message",
                                           "data-ref": quoted["id"], "title": _("Show the message answered")},
                                tag("span", {"class": "cpy-quote-author"}, author), " ",
                                tag("span", {"class": "cpy-quote-text"}, text)))
        return parts
