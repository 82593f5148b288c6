"""The ``messageStanza`` hook: every message stanza on its way to a chat box or room, from every
source, so that a feature (replies, reactions, retraction, media, ...) is one listener.

Each message stanza that belongs to an open box passes here once, with the row it would add (a
``ShownMessage``) or None when it carries no body (a reaction, a chat marker, ...):

- ``live``: received now (a one-to-one message, or a room's);
- ``carbon``: a XEP-0280 carbon of the user's other clients (``outgoing`` for a sent one);
- ``archive``: a XEP-0313 result of a page of history (``stanza`` is the archived message);
- ``sent``: what this page just sent (``stanza`` is the first stanza sent).

A listener reads ``context.stanza`` and returns the row changed (e.g. ``extras`` added, a
fallback stripped from the body), ``context.consume()`` to show no row for it (it only changed
an earlier message, through ``context.box.change_message``), or nothing to leave it as it is.
A message a later stanza names may not be loaded yet (an archive page further back):
``box.change_message(ref, change)`` keeps the change until it arrives.

Python plugin (a made-up "star" extension)::

    def starred(context, shown):
        star = context.stanza.find("{urn:example:star}star")
        if star is None:
            return None
        context.box.change_message(star.get("id") or "", lambda m: {"extras": {**m.extras, "starred": True}})
        context.consume()
        return None

    api.listen.on("messageStanza", starred)

JS plugin::

    _converse.api.listen.on('messageStanza', (context, shown) => {
        if (context.stanza.querySelector('star')) context.consume();
    });

>>> from dataclasses import replace
>>> from datetime import datetime, UTC
>>> from converse_py.core.converse import Converse
>>> from converse_py.xmpp.stanza import parse
>>> from .models import ChatBox, ShownMessage
>>> converse = Converse(lambda: None)
>>> box = ChatBox("bob@localhost")
>>> row = ShownMessage("m1", "bob@localhost", "hi", datetime.now(UTC), False)
>>> context = MessageStanza(box, parse('<message xmlns="jabber:client"><body>hi</body></message>'),
...                         "live", False, "bob@localhost")
>>> _ = converse.api.listen.on("messageStanza",
...                            lambda ctx, shown: replace(shown, extras={"seen_by_plugin": True}))
>>> dict(through_hook(converse, context, row).extras)
{'seen_by_plugin': True}
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import TYPE_CHECKING, Any

from ...core.plugin import EventDoc
from ...xmpp.stanza import local_name
from .models import ShownMessage

if TYPE_CHECKING:
    from ...core.converse import Converse

MESSAGE_STANZA = "messageStanza"
MESSAGE_PARTS = "getMessageParts"
OCCUPANT_ID = "urn:xmpp:occupant-id:0"

MESSAGE_STANZA_HOOK = EventDoc(
    "{box, stanza, source, outgoing, sender, room, time, stanza_id, occupant_id, consume()}, the "
    "row the stanza would add (null when it has no body)",
    "a message stanza reached a chat box or room (source 'live', 'carbon', 'archive' or 'sent'): "
    "read context.stanza and return the row changed (extras, body), call context.consume() to show "
    "no row (it changed an earlier message: box.change_message), or return nothing. A row whose "
    "extras carry `hold: true` (a placeholder about to change, e.g. a message being decrypted) is "
    "drawn once changed (box.change_message without `hold`), or after 150 ms at the latest")

MESSAGE_PARTS_HOOK = EventDoc(
    "`{box, message}`, the row's parts `{before, body, after, classes}`",
    "a message row whose message has extras (`message.extras`, set by `messageStanza` listeners "
    "or `box.change_message`) is rendered: add HTML before or after the body, replace the body "
    "(a string; null keeps it) or add row classes, and return the parts. The HTML is yours: "
    "escape network text (Python: `templates.tag`, `escape_text`). Rows without extras never ask")


@dataclass(eq=False)
class MessageStanza:
    """What ``messageStanza`` listeners get as context: ``box`` (the chat box or room),
    ``stanza`` (the message element itself: a carbon's or archive result's forwarded one),
    ``source`` (``live``, ``carbon``, ``archive``, ``sent``), ``outgoing`` (the user's own),
    ``sender`` (a bare JID in a chat, the nick in a room), ``room``, ``time``, ``stanza_id`` (the
    XEP-0359 id the user's server or the room gave it), ``occupant_id`` (XEP-0421, rooms)."""

    box: Any
    stanza: ET.Element
    source: str
    outgoing: bool
    sender: str
    room: bool = False
    time: datetime | None = None
    stanza_id: str = ""
    occupant_id: str = ""
    consumed: bool = False
    _child_tags: frozenset[str] | None = field(default=None, init=False, repr=False)

    @property
    def child_tags(self) -> frozenset[str]:
        """The tags (``{namespace}name``) of the stanza's children, worked out once for all the
        listeners: one that looks here before searching the stanza costs a stanza without its
        element next to nothing (a burst passes every listener). A child built here with an
        ``xmlns`` attribute is listed both ways.

        >>> from converse_py.xmpp.stanza import parse
        >>> context = MessageStanza(None, parse('<message xmlns="jabber:client"><body>hi</body>'
        ...                                     '<reply xmlns="urn:xmpp:reply:0" id="m1"/></message>'), "live", False, "")
        >>> "{urn:xmpp:reply:0}reply" in context.child_tags, "{urn:xmpp:reactions:0}reactions" in context.child_tags
        (True, False)
        """
        tags = self._child_tags
        if tags is None:
            names = set()
            for child in self.stanza:
                names.add(child.tag)
                if not child.tag.startswith("{"):
                    names.add(f"{{{child.get('xmlns') or self.stanza.get('xmlns') or 'jabber:client'}}}{child.tag}")
            tags = self._child_tags = frozenset(names)
        return tags

    def consume(self) -> None:
        """Show no row for this stanza (a listener handled it)."""
        self.consumed = True

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: the fields as a plain object (``stanza`` a DOM element, ``box`` the
        box's JS facade, ``time`` ISO 8601) and ``consume()``."""
        obj = bridge.to_js({
            "source": self.source, "outgoing": self.outgoing, "sender": self.sender, "room": self.room,
            "time": (self.time or datetime.now(UTC)).isoformat(), "stanza_id": self.stanza_id,
            "occupant_id": self.occupant_id, "stanza": self.stanza})
        obj.box = bridge.to_js(self.box)
        obj.consume = bridge.method(self.consume)
        return obj


def occupant_id(stanza: ET.Element, room: str) -> str:
    """The XEP-0421 occupant id ``room`` put on ``stanza`` (empty when none; one the sender wrote
    would come with the room's own, which the room puts last after removing any other).

    >>> from converse_py.xmpp.stanza import parse
    >>> occupant_id(parse('<message xmlns="jabber:client" from="r@muc.localhost/bob">'
    ...                   '<occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603deec90a38"/></message>'),
    ...             "r@muc.localhost")
    'dd72603deec90a38'
    """
    if not (stanza.get("from") or "").lower().startswith(room.lower()):
        return ""
    found = ""
    for child in stanza:
        if local_name(child.tag) == "occupant-id" and child.tag.startswith("{" + OCCUPANT_ID):
            found = child.get("id") or ""
    return found


def has_listeners(converse: Converse) -> bool:
    """Whether any plugin listens (a stanza with no body then costs nothing more)."""
    return bool(converse.events.count(MESSAGE_STANZA))


def through_hook(converse: Converse, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
    """Pass ``shown`` (the row ``context.stanza`` would add, or None) through the ``messageStanza``
    listeners: the row to add, or None (no body, or a listener consumed the stanza)."""
    if not converse.events.count(MESSAGE_STANZA):
        return shown
    result = converse.hook(MESSAGE_STANZA, context, shown)
    if context.consumed:
        return None
    return result if isinstance(result, ShownMessage) else shown


__all__ = ["MESSAGE_PARTS", "MESSAGE_PARTS_HOOK", "MESSAGE_STANZA", "MESSAGE_STANZA_HOOK", "MessageStanza", "has_listeners", "occupant_id",
           "through_hook"]
