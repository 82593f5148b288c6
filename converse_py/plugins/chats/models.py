"""Chat boxes and their messages."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable, Mapping

from ...core.log import logger
from ...core.model import Model

#: Where a batch of messages went: after the last shown, before the first, or mixed in (re-render).
APPEND, PREPEND, RESET = "append", "prepend", "reset"



#: ``ShownMessage.extras`` key of a row that is about to change (an encrypted message being
#: decrypted): views hold it, and the live rows after it, back a moment (``HOLD_MS`` in
#: dom/views/message_list.py) so that it is drawn once, changed, rather than twice.
HOLD = "hold"

@dataclass(frozen=True)
class ShownMessage:
    """A message in a chat box's history."""

    id: str
    sender: str   # bare JID
    body: str
    time: datetime
    outgoing: bool
    sender_name: str = ""  # the contact's name when known
    stanza_id: str = ""    # archive id given by the user's server (XEP-0359 / XEP-0313)
    origin_id: str = ""    # id given by the sending client (XEP-0359)
    archived: bool = False  # came from the archive (not delivered live)
    delivered: bool = False  # outgoing: the contact's client confirmed receipt (XEP-0184)
    displayed: bool = False  # outgoing: the contact's client showed it (XEP-0333)
    edited: bool = False     # the body is a correction of what was first sent (XEP-0308)
    replaces: str = ""       # a correction not applied yet: the id of the message it corrects
    kind: str = "message"    # "message", or "info": a local line (add_info), never sent nor archived
    error: str = ""          # outgoing: why delivery failed, in words (an error stanza answered it)
    resent: bool = False     # outgoing, failed: the user sent its text again as a new message
    expanded: bool = False   # a long body the user asked to see in full ("Show more")
    #: What plugins know of the message beyond the core fields, by plugin-chosen key (a reply's
    #: quote, reactions, media, retracted, ...): set by ``messageStanza`` listeners or
    #: ``box.change_message``; treat as read-only (``update_message(m, extras={**m.extras, k: v})``).
    #: A row with extras asks ``getMessageParts`` listeners for its parts.
    extras: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: a plain object of the fields (``time`` as an ISO 8601 string)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields["time"] = self.time.isoformat()
        return bridge.to_js(fields)

    def keys(self) -> tuple[str, ...]:
        """What identifies this message across live delivery and the archive (any one match = same).

        >>> from datetime import timezone
        >>> ShownMessage("m1", "bob@localhost", "hi", datetime(2026, 1, 1, tzinfo=timezone.utc), False,
        ...              stanza_id="A1").keys()
        ('s:A1', 'i:bob@localhost:m1')
        """
        keys = []
        if self.stanza_id:
            keys.append("s:" + self.stanza_id)
        if self.origin_id:
            keys.append(f"o:{self.sender}:{self.origin_id}")
        if self.id:
            keys.append(f"i:{self.sender}:{self.id}")
        return tuple(keys)


#: ``change(message)``: the fields to change on the message a later stanza names (a reaction, a
#: retraction, ...), or None to leave it as it is (e.g. it is not the changer's to change).
MessageChange = Callable[[ShownMessage], "Mapping[str, Any] | None"]
#: How many changes a box keeps for messages not loaded yet (a page of the archive further back).
MAX_WAITING_CHANGES = 500

MessageListener = Callable[["ChatBox", list[ShownMessage], str], None]
#: ``listener(box, message, changed)``: a shown message changed in place (``changed``: field names).
UpdateListener = Callable[["ChatBox", ShownMessage, tuple[str, ...]], None]
#: ``listener(box, kind)``: what the user does in the composer (``"typing"``, ``"focus"``) or that the
#: view shows the newest messages (``"seen"``); see ``ChatBox.composer_activity``.
ActivityListener = Callable[["ChatBox", str], None]


class ChatBox(Model):
    """One open one-to-one chat. Attributes: jid, type, height, width (pixels, drag-resized), url, minimized, num_unread, fullname,
    closed, plus ``archive_first`` / ``archive_complete`` (how far back the archive was read)."""

    def __init__(self, jid: str, fullname: str = "") -> None:
        super().__init__({"jid": jid, "id": jid, "type": "chatbox", "height": None, "width": None, "url": "",
                          "minimized": False, "num_unread": 0, "fullname": fullname or jid,
                          "closed": False})
        self.messages: list[ShownMessage] = []
        self._seen: set[str] = set()
        self._message_listeners: list[MessageListener] = []
        self._update_listeners: list[UpdateListener] = []
        self._activity_listeners: list[ActivityListener] = []
        #: id of a correction → id of the message it corrected (receipts may name either)
        self._aliases: dict[str, str] = {}
        #: stanza-id, origin-id or id → the newest shown message with it (``find_target``: what a
        #: reaction, reply or retraction names is found without a walk back through the messages)
        self._targets: dict[str, ShownMessage] = {}
        #: archived corrections whose original is on a page not loaded yet: (sender, id) → correction
        self._pending_corrections: dict[tuple[str, str], ShownMessage] = {}
        #: changes for messages not loaded yet, by the id that names them (``change_message``)
        self._waiting_changes: dict[str, list[MessageChange]] = {}
        self._waiting_count = 0
        #: Set by the corrections plugin: sends ``text`` as a correction of a message.
        self.corrector: Callable[[ChatBox, str, str | None], ShownMessage] | None = None
        self.sender: Callable[[ChatBox, str], ShownMessage | None] | None = None
        self.closer: Callable[[ChatBox], None] | None = None
        self.opener: Callable[[ChatBox], Any] | None = None
        #: Set by the MAM plugin: loads the page of the archive before the oldest shown message.
        self.older_loader: Callable[[ChatBox], Any] | None = None

    @property
    def model(self) -> ChatBox:
        """The box itself: Python callers may write ``box.model.get('height')`` as JS callers do."""
        return self

    def add_messages(self, messages: list[ShownMessage], *, older: bool = False,
                     newer: bool = False) -> list[ShownMessage]:
        """Add messages not shown yet (same stanza-id, origin-id or sender+id = already shown).

        Live messages go in time order; ``older=True`` (a page of the archive from before the
        oldest message shown) puts them, in the given order, above everything, and ``newer=True``
        (a page from after the newest archived one shown) below everything: the archive's order
        is authoritative where timestamps tie (they have one-second resolution) or clocks differ.
        Listeners get the new messages and where they went; returns them.
        """
        fresh: list[ShownMessage] = []
        for message in messages:
            keys = message.keys()
            if keys and any(k in self._seen for k in keys):
                continue
            self._seen.update(keys)
            if self._waiting_changes:
                message = self._apply_waiting(message)
            if message.replaces:
                self._correct(message)
            else:
                fresh.append(message)
        if not fresh:
            return []
        if older:
            where = PREPEND if self.messages else APPEND
            self.messages[:0] = fresh
            self._index_older(fresh)
        elif newer:
            where = APPEND
            self.messages.extend(fresh)
            self._index_newer(fresh)
        else:
            fresh.sort(key=lambda m: m.time)
            if not self.messages or fresh[0].time >= self.messages[-1].time:
                where = APPEND
                self.messages.extend(fresh)
                self._index_newer(fresh)
            elif fresh[-1].time < self.messages[0].time:
                where = PREPEND
                self.messages[:0] = fresh
                self._index_older(fresh)
            else:
                where = RESET
                self.messages = sorted(self.messages + fresh, key=lambda m: m.time)
                self._reindex()
        if where == APPEND and not older and self.get("minimized"):
            self.set("num_unread", (self.get("num_unread") or 0)
                     + sum(not m.outgoing and m.kind == "message" for m in fresh))
        for listener in list(self._message_listeners):
            listener(self, fresh, where)
        for message in fresh:
            pending = self._pending_corrections.pop((message.sender, message.id), None) or \
                self._pending_corrections.pop((message.sender, message.origin_id), None)
            if pending is not None:
                self._correct(pending)
        return fresh

    # -- messages changed in place ---------------------------------------------------------
    def find_message(self, msg_id: str, sender: str | None = None) -> ShownMessage | None:
        """The shown message whose id or origin-id is ``msg_id`` (or which a correction with that
        id changed), sent by ``sender`` (a bare JID) when given; the newest such.

        >>> from datetime import timezone
        >>> box = ChatBox("bob@localhost")
        >>> _ = box.add_messages([ShownMessage("m1", "bob@localhost", "hi", datetime.now(timezone.utc), False)])
        >>> box.find_message("m1").body, box.find_message("m1", "eve@localhost"), box.find_message("")
        ('hi', None, None)
        """
        if not msg_id:
            return None
        msg_id = self._aliases.get(msg_id, msg_id)
        for message in reversed(self.messages):
            if msg_id in (message.id, message.origin_id) and (sender is None or message.sender == sender):
                return message
        return None

    def find_target(self, ref: str) -> ShownMessage | None:
        """The newest shown message that ``ref`` names: its stanza-id (XEP-0359, as rooms and
        archives name messages), origin-id or id (as one-to-one chats do), or the id of a
        correction of it. What later stanzas (reactions, replies, retractions) point at.

        >>> from datetime import timezone
        >>> box = ChatBox("bob@localhost")
        >>> _ = box.add_messages([ShownMessage("m1", "bob@localhost", "hi", datetime.now(timezone.utc), False,
        ...                                    stanza_id="S1")])
        >>> box.find_target("S1").body, box.find_target("m1").body, box.find_target("nope")
        ('hi', 'hi', None)
        """
        if not ref:
            return None
        return self._targets.get(self._aliases.get(ref, ref))

    def _index_newer(self, messages: list[ShownMessage]) -> None:
        """``messages`` were added after every other, oldest first: they name their refs now."""
        targets = self._targets
        for message in messages:
            for ref in (message.stanza_id, message.origin_id, message.id):
                if ref:
                    targets[ref] = message

    def _index_older(self, messages: list[ShownMessage]) -> None:
        """``messages`` were added before every other, oldest first: a newer one keeps its refs."""
        targets = self._targets
        for message in reversed(messages):
            for ref in (message.stanza_id, message.origin_id, message.id):
                if ref and ref not in targets:
                    targets[ref] = message

    def _index_update(self, old: ShownMessage, new: ShownMessage) -> None:
        """``old`` was replaced by ``new`` in place: the refs it held name ``new``. A ref ``new``
        gains (a room's reflection gives the user's message its stanza-id) names it when no other
        message has that ref; any other change of refs is rare and rebuilds the index."""
        before = {ref for ref in (old.stanza_id, old.origin_id, old.id) if ref}
        after = {ref for ref in (new.stanza_id, new.origin_id, new.id) if ref}
        targets = self._targets
        if any(targets.get(ref) is old for ref in before - after) or any(ref in targets for ref in after - before):
            self._reindex()
            return
        for ref in before & after:
            if targets.get(ref) is old:
                targets[ref] = new
        for ref in after - before:
            targets[ref] = new

    def _reindex(self) -> None:
        self._targets = {}
        self._index_newer(self.messages)

    def change_message(self, ref: str, change: MessageChange, *, wait: bool = True) -> ShownMessage | None:
        """Apply ``change`` to the message ``ref`` names (``find_target``): ``change(message)``
        returns the fields to change (e.g. ``{"extras": {...}}``) or None to leave it. When no
        shown message has that id yet and ``wait`` is true (an archive page further back may bring
        it), the change waits and is applied as that message arrives (at most
        ``MAX_WAITING_CHANGES`` wait per box; the oldest are forgotten first). Returns the changed
        message (None when it waits or nothing changed).

        Python: ``box.change_message(ref, lambda m: {"extras": {**m.extras, "starred": True}})``

        >>> from datetime import timezone
        >>> box = ChatBox("bob@localhost")
        >>> box.change_message("m1", lambda m: {"extras": {**m.extras, "starred": True}}) is None
        True
        >>> shown = box.add_messages([ShownMessage("m1", "bob@localhost", "hi", datetime.now(timezone.utc), False)])
        >>> dict(shown[0].extras)
        {'starred': True}
        """
        target = self.find_target(ref)
        if target is None:
            if wait and ref:
                self._waiting_changes.setdefault(ref, []).append(change)
                self._waiting_count += 1
                while self._waiting_count > MAX_WAITING_CHANGES:
                    oldest = next(iter(self._waiting_changes))
                    self._waiting_count -= len(self._waiting_changes.pop(oldest))
            return None
        changes = change(target)
        if not changes:
            return None
        new = self.update_message(target, **changes)
        return new if new is not target else None

    def _apply_waiting(self, message: ShownMessage) -> ShownMessage:
        """``message`` (arriving now) with the changes that waited for it applied."""
        for ref in {message.stanza_id, message.origin_id, message.id}:
            for change in self._waiting_changes.pop(ref, ()) if ref else ():
                self._waiting_count -= 1
                try:
                    changes = change(message)
                except Exception:  # a plugin's change must not lose the message
                    logger.exception("a waiting message change raised")
                    continue
                if changes:
                    message = replace(message, **changes)
        return message

    def update_message(self, message: ShownMessage, **changes: Any) -> ShownMessage:
        """Replace ``message`` by a copy with ``changes``; update listeners get it (the view patches
        its row). Returns the new message (the same one when nothing changed)."""
        changed = tuple(k for k, v in changes.items() if getattr(message, k) != v)
        if not changed:
            return message
        new = replace(message, **changes)
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index] is message:
                self.messages[index] = new
                break
        else:
            raise ValueError("update_message: that message is not in this box")
        self._index_update(message, new)
        for listener in list(self._update_listeners):
            listener(self, new, changed)
        return new

    def on_update(self, listener: UpdateListener) -> None:
        """Call ``listener(box, message, changed_fields)`` when a shown message changes in place
        (delivered, displayed, corrected)."""
        self._update_listeners.append(listener)

    def _correct(self, correction: ShownMessage) -> None:
        """Apply a correction (XEP-0308) to the message it names, only when that message was sent by
        the same bare JID; an archived one whose original is not loaded yet waits for it; any other
        is dropped (never shown as a new message)."""
        original = self.find_message(correction.replaces, correction.sender)
        if original is None:
            if correction.archived:
                self._pending_corrections[(correction.sender, correction.replaces)] = correction
            return
        self.note_correction(correction.id, original)
        self.note_correction(correction.origin_id, original)
        self.update_message(original, body=correction.body, edited=True)

    def note_correction(self, correction_id: str, original: ShownMessage, sender: str | None = None) -> None:
        """Remember that the correction ``correction_id`` changed ``original`` (a receipt or marker
        naming the correction then finds the original, as does a further correction naming it);
        with ``sender`` (a correction sent from here) a copy of it coming back (archive) is known."""
        if correction_id:
            self._aliases[correction_id] = original.id or original.origin_id
            if sender:
                self._seen.update((f"i:{sender}:{correction_id}", f"o:{sender}:{correction_id}"))

    def correct_message(self, text: str, msg_id: str | None = None) -> ShownMessage:
        """Send ``text`` as a correction (XEP-0308) of the user's last message here, or of the
        outgoing message ``msg_id``; its row shows the new text, marked edited. Returns it updated.

        JS: ``box.model.correctMessage('fixed text')``
        Python: ``box.model.correct_message("fixed text")``
        """
        if self.corrector is None:
            raise RuntimeError("corrections are not available (plugin converse-corrections)")
        return self.corrector(self, text, msg_id)

    def last_outgoing(self) -> ShownMessage | None:
        """The user's newest message in this box (what the Up arrow edits)."""
        return next((m for m in reversed(self.messages) if m.outgoing), None)

    # -- what the user does --------------------------------------------------------------
    def composer_activity(self, kind: str) -> None:
        """The view reports ``"typing"`` (a key changed the composer's text), ``"focus"`` (the
        composer got the focus) or ``"seen"`` (the newest messages are on screen); plugins listen
        (chat states, chat markers)."""
        for listener in list(self._activity_listeners):
            listener(self, kind)

    def on_activity(self, listener: ActivityListener) -> None:
        """Call ``listener(box, kind)`` for each ``composer_activity``."""
        self._activity_listeners.append(listener)

    def on_messages(self, listener: MessageListener) -> None:
        """Call ``listener(box, new_messages, where)`` when messages are added
        (``where`` is ``"append"``, ``"prepend"`` or ``"reset"``: re-render the whole history)."""
        self._message_listeners.append(listener)

    def add_info(self, text: str) -> ShownMessage:
        """Show ``text`` in the box as a local info line: not a message (never sent, not archived,
        not counted as unread), rendered as text. Returns it.

        JS: ``box.model.addInfo('Only you can see this')``
        Python: ``box.model.add_info("Only you can see this")``

        >>> box = ChatBox("bob@localhost")
        >>> line = box.add_info("<b>not bold</b>")
        >>> line.kind, line.body, box.messages == [line]
        ('info', '<b>not bold</b>', True)
        """
        if not isinstance(text, str) or not text:
            raise ValueError("add_info: expected the text to show")
        self._infos = getattr(self, "_infos", 0) + 1
        line = ShownMessage(f"info-{self._infos}", "", text, datetime.now(UTC), False, kind="info")
        self.add_messages([line], newer=True)
        return line

    def clear_messages(self) -> None:
        """Stop showing the messages shown so far (local only: nothing is deleted anywhere);
        listeners get a ``reset``. Messages seen before are still recognised as duplicates.

        >>> box = ChatBox("bob@localhost"); _ = box.add_info("one"); box.clear_messages(); box.messages
        []
        """
        self.messages = []
        self._targets = {}
        for listener in list(self._message_listeners):
            listener(self, [], RESET)

    def resend_message(self, msg_id: str) -> ShownMessage | None:
        """Send the text of the user's failed message ``msg_id`` again, as a new message; the failed
        one is marked resent. Returns the new message (None when a ``beforeMessageSend`` listener
        handled it).

        JS: ``box.model.resendMessage(id)``
        Python: ``box.model.resend_message(message.id)``
        """
        failed = self.find_message(msg_id)
        if failed is None or not failed.outgoing or not failed.error:
            raise ValueError(f"resend_message: no failed message {msg_id!r} of yours here")
        sent = self.send_message(failed.body)
        current = self.find_message(msg_id)
        if current is not None:
            self.update_message(current, resent=True)
        return sent

    def send_message(self, text: str) -> ShownMessage | None:
        """Send ``text`` to this chat's contact (queued while offline); None when a
        ``beforeMessageSend`` listener (or a chat command) handled it instead."""
        if self.sender is None:
            raise RuntimeError("this chat box is not attached to a session")
        return self.sender(self, text)

    def load_older(self) -> Any:
        """Fetch the archive page before the oldest message shown (None when there is no archive)."""
        return self.older_loader(self) if self.older_loader is not None else None

    def minimize(self) -> None:
        """Minimize the box (unread messages are counted from now)."""
        self.set("minimized", True)

    def maximize(self) -> None:
        """Restore a minimized box and clear its unread counter."""
        self.set({"minimized": False, "num_unread": 0})

    def show(self) -> None:
        """Open the box again if it was closed, and maximize it."""
        if self.get("closed"):
            if self.opener is not None:
                self.opener(self)
            else:
                self.set("closed", False)
        self.maximize()

    def focus(self) -> None:
        """Ask the view to put the keyboard focus in the composer (event ``chatBoxFocused``)."""
        self.set("focus_requests", (self.get("focus_requests") or 0) + 1)

    def close(self) -> None:
        """Close the box (its history is kept while the page lives)."""
        if self.closer is not None:
            self.closer(self)

    def js_facade(self, bridge: Any) -> Any:
        return bridge.chatbox(self)
