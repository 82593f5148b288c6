"""Chat boxes and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from ...core.model import Model


@dataclass(frozen=True)
class ShownMessage:
    """A message in a chat box's history."""

    id: str
    sender: str   # bare JID
    body: str
    time: datetime
    outgoing: bool
    sender_name: str = ""  # the contact's name when known


class ChatBox(Model):
    """One open one-to-one chat. Attributes: jid, type, height, url, minimized, num_unread, fullname."""

    def __init__(self, jid: str, fullname: str = "") -> None:
        super().__init__({"jid": jid, "id": jid, "type": "chatbox", "height": None, "url": "",
                          "minimized": False, "num_unread": 0, "fullname": fullname or jid,
                          "closed": False})
        self.messages: list[ShownMessage] = []
        self._message_listeners: list[Callable[[ChatBox, list[ShownMessage]], None]] = []
        self.sender: Callable[[ChatBox, str], ShownMessage] | None = None
        self.closer: Callable[[ChatBox], None] | None = None

    def add_messages(self, messages: list[ShownMessage]) -> None:
        """Append messages (the view renders them in one batch)."""
        if not messages:
            return
        self.messages.extend(messages)
        if self.get("minimized"):
            self.set("num_unread", (self.get("num_unread") or 0) + sum(not m.outgoing for m in messages))
        for listener in list(self._message_listeners):
            listener(self, messages)

    def on_messages(self, listener: Callable[[ChatBox, list[ShownMessage]], None]) -> None:
        """Call ``listener(box, new_messages)`` when messages are added."""
        self._message_listeners.append(listener)

    def send_message(self, text: str) -> ShownMessage:
        """Send ``text`` to this chat's contact (queued while offline)."""
        if self.sender is None:
            raise RuntimeError("this chat box is not attached to a session")
        return self.sender(self, text)

    def minimize(self) -> None:
        """Minimize the box (unread messages are counted from now)."""
        self.set("minimized", True)

    def maximize(self) -> None:
        """Restore a minimized box and clear its unread counter."""
        self.set({"minimized": False, "num_unread": 0})

    def show(self) -> None:
        """Open the box again if it was closed, and maximize it."""
        self.set({"closed": False, "minimized": False, "num_unread": 0})

    def focus(self) -> None:
        """Ask the view to put the keyboard focus in the composer (event ``chatBoxFocused``)."""
        self.set("focus_requests", (self.get("focus_requests") or 0) + 1)

    def close(self) -> None:
        """Close the box (its history is kept while the page lives)."""
        if self.closer is not None:
            self.closer(self)

    def js_facade(self, bridge: Any) -> Any:
        return bridge.chatbox(self)
