"""Headline messages (RFC 6121 §5.2.2 ``type="headline"``: server announcements, PubSub
notifications, news feeds): shown in a box of their own per sender, labelled as announcements
from that JID, never answered and never mixed with a chat. Headlines from a server or service
(a JID without a local part) are always shown; from a user JID only when it is a contact (anyone
else's would be unsolicited). A headline's subject and body are shown as text.

Python plugin::

    api.listen.on("headlinesBoxOpened", lambda box: print("announcements from", box.get("jid")))
    for box in api.headlines.get():
        print(box.get("jid"), [m.body for m in box.messages])

JS plugin::

    _converse.api.listen.on('headlinesBoxOpened', (box) => console.log(box.model.get('jid')));
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...xmpp import ns
from ...xmpp.jid import JID
from ...xmpp.stanza import child_text, find
from ..chats.message_stanza import MessageStanza, has_listeners, through_hook
from ..chats.models import ChatBox, ShownMessage
from ..chats.stanzas import MAX_BODY, origin_id, parse_stamp
from ..roster.plugin import RosterState

#: Longest subject kept.
MAX_SUBJECT = 2000


class HeadlinesBox(ChatBox):
    """The announcements of one sender (attribute ``type`` is ``"headline"``; ``id`` is
    ``"headline:" + jid`` so that it never stands for a chat with that JID)."""

    def __init__(self, jid: str) -> None:
        super().__init__(jid)
        self.set({"type": "headline", "id": "headline:" + jid})

    def send_message(self, text: str) -> ShownMessage | None:
        raise ConverseError("headlines cannot be answered")


def parse_headline(stanza: ET.Element, *, now: datetime | None = None) -> tuple[JID, str, datetime] | None:
    """``(sender, text, time)`` of a ``type="headline"`` message with a body or a subject (the
    subject on a line of its own above the body); None for anything else.

    >>> from converse_py.xmpp.stanza import parse
    >>> sender, text, _ = parse_headline(parse('<message xmlns="jabber:client" type="headline" from="localhost">'
    ...                                        '<subject>Maintenance</subject><body>at 10:00</body></message>'))
    >>> sender.full, text
    ('localhost', 'Maintenance\\nat 10:00')
    """
    if stanza.get("type") != "headline":
        return None
    body = child_text(stanza, ns.CLIENT, "body")
    subject = child_text(stanza, ns.CLIENT, "subject")
    parts = [t.strip() for t in ((subject or "")[:MAX_SUBJECT], (body or "")[:MAX_BODY]) if t and t.strip()]
    if not parts:
        return None
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    stamp = now or datetime.now(UTC)
    delay = find(stanza, ns.DELAY, "delay")
    if delay is not None:
        stamp = parse_stamp(delay.get("stamp") or "") or stamp
    return sender, "\n".join(parts), stamp


class HeadlinesState:
    """The headline boxes, by sender (bare JID)."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.boxes: dict[str, HeadlinesBox] = {}

    def open(self, jid: str) -> HeadlinesBox:
        box = self.boxes.get(jid)
        if box is None:
            box = self.boxes[jid] = HeadlinesBox(jid)
            box.closer = self.close
            self.converse.trigger("headlinesBoxOpened", box)
        elif box.get("closed"):
            box.set("closed", False)
            self.converse.trigger("headlinesBoxOpened", box)
        return box

    def close(self, box: ChatBox) -> None:
        box.set("closed", True)

    def wanted(self, sender: JID) -> bool:
        """A service's headlines, or a contact's (not a stranger's, nor the user's own)."""
        if not sender.local:
            return True
        if sender.bare == own_bare(self.converse.session):
            return False
        roster = self.converse.find(RosterState)
        return roster is not None and sender.bare in roster.contacts

    def on_message(self, stanza: ET.Element) -> None:
        parsed = parse_headline(stanza)
        if parsed is None or not self.wanted(parsed[0]):
            return
        sender, text, time = parsed
        box = self.open(sender.bare)
        shown: ShownMessage | None = ShownMessage(stanza.get("id") or "", sender.bare, text, time, False,
                                                  sender_name=sender.bare, origin_id=origin_id(stanza))
        if has_listeners(self.converse):
            shown = through_hook(self.converse, MessageStanza(box, stanza, "live", False, sender.bare, time=time),
                                 shown)
        if shown is not None:
            box.add_messages([shown])
            self.converse.trigger("headline", box, shown)


class HeadlinesAPI(Grouping):
    """``_converse.api.headlines``: the boxes of headline messages."""

    def __init__(self, state: HeadlinesState) -> None:
        self._state = state

    def get(self, jid: str | None = None) -> Any:
        """The open headline box of ``jid`` (null/None if none), or all open ones.

        JS: ``_converse.api.headlines.get('localhost')``
        Python: ``api.headlines.get()``
        """
        if jid is None:
            return [box for box in self._state.boxes.values() if not box.get("closed")]
        if not isinstance(jid, str):
            raise ConverseError(f"headlines.get: expected a JID or nothing, got {type(jid).__name__}")
        try:
            bare = JID.parse(jid).bare
        except ValueError as exc:
            raise ConverseError(f"headlines.get: not a JID: {jid!r}") from exc
        box = self._state.boxes.get(bare)
        return box if box is not None and not box.get("closed") else None


class HeadlinesPlugin(Plugin):
    """Headline messages in boxes of their own."""

    name = "converse-headlines"
    dependencies = ("converse-chats",)
    events = {
        "headlinesBoxOpened": EventDoc("the headline box (model type 'headline', jid the sender)",
                                       "a headline message came from a sender with no open headline box"),
        "headline": EventDoc("the headline box, the message", "a headline message was added to its box"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = HeadlinesState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("headlines", HeadlinesAPI(self.state))
        converse.session.add_handler("message", self.state.on_message)
