"""The mentions plugin (``converse-mentions``): XEP-0372 mention references in rooms.

- Sending: each ``@nick`` of a room's occupant in the text gets a reference (hook
  ``createMessageStanza``): ``<reference xmlns='urn:xmpp:reference:0' type='mention' begin end
  uri='xmpp:room@service/nick'/>``; the body stays as typed.
- Receiving (hook ``messageStanza``): a room message's mention references (or, when it carries
  none, the user's nick named as a word) become ``message.extras["mentions"]``, a list of
  ``{begin, end, jid, uri, me}``; ``me`` marks the user (their occupant JID or bare JID). The row
  gets the class ``cpy-mentioned`` and each mention is a ``<span class="cpy-mention">`` (text,
  never HTML). The event ``mentioned`` fires for a live message that mentions the user.
- ``references.mentions_user`` is the one mention detection the open rooms list and desktop
  notifications use too.
- The ``@`` autocomplete of occupants in a room's composer is the UI's (dom/views/mentions.py),
  with Converse.js's settings ``muc_mention_autocomplete_*``.

Python plugin::

    api.listen.on("mentioned", lambda room, message: print(room.get("jid"), message.body))

JS plugin::

    _converse.api.listen.on('mentioned', (room, message) => console.log(message.extras.mentions));
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...core.converse import Converse
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...core.settings import Setting
from ...dom.hooks import listen_ui
from ...dom.mention_templates import marked_body
from ...dom.templates import MessageParts, linkify
from ...xmpp.stanza import find_child
from ..chats.hooks import OutgoingMessage
from ..chats.message_stanza import MessageStanza
from ..chats.models import ShownMessage
from ..me.action import me_action
from ..styling.plugin import MessageStyling
from .api import MentionsAPI, known_nicks
from .references import REFERENCE, Mention, find_mentions, is_own, message_mentions_user, names_nick, \
    read_mentions, reference_element

#: ``message.extras`` key of a message's mentions.
MENTIONS_KEY = "mentions"


class MentionsState:
    """Adds references to what the user sends in rooms and reads them from what arrives."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse

    def own_bare(self) -> str:
        return own_bare(self.converse.session) or "" if getattr(self.converse, "session", None) else ""

    # -- sending ---------------------------------------------------------------------------
    def on_create(self, box: Any, outgoing: OutgoingMessage) -> None:
        """``createMessageStanza``: a reference for each ``@nick`` of an occupant (rooms only)."""
        if not hasattr(box, "get") or box.get("type") != "chatroom" or "@" not in outgoing.text:
            return
        found = self.find(outgoing.text, box)
        if not found:
            return
        for stanza in outgoing.body_stanzas():
            body = find_child(stanza, "jabber:client", "body")
            if body is not None and body.text == outgoing.text:  # not a ciphertext
                for mention in found:
                    stanza.append(reference_element(mention))

    def find(self, text: str, room: Any) -> list[Mention]:
        """The ``@nick`` mentions of ``room``'s occupants (and the nicks heard in it) in ``text``."""
        nick, jid = room.get("nick") or "", room.get("jid")
        return [replace(m, me=is_own(m.jid, jid, nick, self.own_bare()))
                for m in find_mentions(text, known_nicks(room, own_too=True), jid)]

    # -- receiving -------------------------------------------------------------------------
    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        if shown is None or not context.room or shown.kind != "message":
            return None
        room = context.box
        nick = room.get("nick") or ""
        element = find_child(context.stanza, "jabber:client", "body")
        sent_body = element.text or "" if element is not None else ""
        mentions: list[Mention] = []
        if any(child.tag == f"{{{REFERENCE}}}reference" for child in context.stanza):
            mentions = read_mentions(context.stanza, sent_body)
            shift = len(sent_body) - len(shown.body)
            if shift and sent_body.endswith(shown.body):  # a fallback (a reply's quote) was stripped
                mentions = [Mention(m.begin - shift, m.end - shift, m.jid) for m in mentions if m.begin >= shift]
            elif shift or sent_body != shown.body:
                mentions = [Mention(0, 0, m.jid) for m in mentions]  # who, but not where
            mentions = [replace(m, me=is_own(m.jid, room.get("jid"), nick, self.own_bare())) for m in mentions]
        if not mentions and not context.outgoing:
            mentions = [Mention(b, e, f"{room.get('jid')}/{nick}", True) for b, e in names_nick(shown.body, nick)]
        if not mentions:
            return None
        return replace(shown, extras={**shown.extras, MENTIONS_KEY: [m.as_dict() for m in mentions]})

    def parts(self, context: Any, parts: MessageParts) -> MessageParts:
        """``getMessageParts``: the row of a message mentioning the user gets ``cpy-mentioned``; each
        mention in its body is marked (the body keeps its styling and links around them)."""
        message = context["message"]
        found = message.extras.get(MENTIONS_KEY)
        if not isinstance(found, list) or not found:
            return parts
        if any(m.get("me") for m in found if isinstance(m, dict)):
            parts.classes.append("cpy-mentioned")
        if parts.body is None and message.kind == "message" and not me_action(message.body):
            styling = self.converse.find(MessageStyling)
            render = styling.renderer(linkify) if styling is not None else linkify
            parts.body = marked_body(message.body, [m for m in found if isinstance(m, dict)], render)
        return parts

    def on_room_message(self, room: Any, message: ShownMessage) -> None:
        if not message.outgoing and message.kind == "message" and message_mentions_user(message, room.get("nick")):
            self.converse.trigger("mentioned", room, message)


class MentionsPlugin(Plugin):
    """Registered as the core plugin ``converse-mentions``."""

    name = "converse-mentions"
    dependencies = ("converse-chats",)  # rooms when converse-muc is loaded
    settings = {
        "muc_mention_autocomplete_min_chars": Setting(
            0, (int,), "How many characters after `@` the room composer waits for before listing matching "
                       "occupants (0: list them all at `@`)."),
        "muc_mention_autocomplete_filter": Setting(
            "contains", (str,), "How typed characters match nicks in the `@` autocomplete: `contains` or "
                                "`starts_with`."),
        "muc_mention_autocomplete_show_avatar": Setting(
            True, (bool,), "Show each occupant's avatar (or coloured initial) in the `@` autocomplete."),
    }
    events = {
        "mentioned": EventDoc(
            "the room, the message (`message.extras.mentions`: `[{begin, end, jid, uri, me}]`)",
            "a live room message from someone else mentions the user (a XEP-0372 reference to their "
            "occupant or bare JID, or their nick as a word when the message has no references)"),
    }
    features = (REFERENCE,)

    def initialize(self) -> None:
        converse = self._converse
        self.state = MentionsState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("mentions", MentionsAPI(self.state))
        listen = converse.api.listen
        listen.on("createMessageStanza", self.state.on_create)
        listen.on("messageStanza", self.state.on_stanza)
        # declared by converse-muc and the UI: listened to only when those are loaded
        listen_ui(converse, {"roomMessage": self.state.on_room_message, "getMessageParts": self.state.parts})
