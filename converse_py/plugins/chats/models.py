"""Chat boxes and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from ...core.model import Model

#: Where a batch of messages went: after the last shown, before the first, or mixed in (re-render).
APPEND, PREPEND, RESET = "append", "prepend", "reset"


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


MessageListener = Callable[["ChatBox", list[ShownMessage], str], None]


class ChatBox(Model):
    """One open one-to-one chat. Attributes: jid, type, height, url, minimized, num_unread, fullname,
    closed, plus ``archive_first`` / ``archive_complete`` (how far back the archive was read)."""

    def __init__(self, jid: str, fullname: str = "") -> None:
        super().__init__({"jid": jid, "id": jid, "type": "chatbox", "height": None, "url": "",
                          "minimized": False, "num_unread": 0, "fullname": fullname or jid,
                          "closed": False})
        self.messages: list[ShownMessage] = []
        self._seen: set[str] = set()
        self._message_listeners: list[MessageListener] = []
        self.sender: Callable[[ChatBox, str], ShownMessage] | None = None
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
            fresh.append(message)
        if not fresh:
            return []
        if older:
            where = PREPEND if self.messages else APPEND
            self.messages[:0] = fresh
        elif newer:
            where = APPEND
            self.messages.extend(fresh)
        else:
            fresh.sort(key=lambda m: m.time)
            if not self.messages or fresh[0].time >= self.messages[-1].time:
                where = APPEND
                self.messages.extend(fresh)
            elif fresh[-1].time < self.messages[0].time:
                where = PREPEND
                self.messages[:0] = fresh
            else:
                where = RESET
                self.messages = sorted(self.messages + fresh, key=lambda m: m.time)
        if where == APPEND and not older and self.get("minimized"):
            self.set("num_unread", (self.get("num_unread") or 0) + sum(not m.outgoing for m in fresh))
        for listener in list(self._message_listeners):
            listener(self, fresh, where)
        return fresh

    def on_messages(self, listener: MessageListener) -> None:
        """Call ``listener(box, new_messages, where)`` when messages are added
        (``where`` is ``"append"``, ``"prepend"`` or ``"reset"``: re-render the whole history)."""
        self._message_listeners.append(listener)

    def send_message(self, text: str) -> ShownMessage:
        """Send ``text`` to this chat's contact (queued while offline)."""
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
