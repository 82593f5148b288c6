"""Chat templates: models in, ``Markup`` out. Pure Python (tested on CPython); user text is always text.

Interactive elements carry ``data-action`` (and ``data-jid``); the views route
clicks, submits and keys through one delegated listener per root.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from .html import Markup, join, tag


def loading(label: str = "Loading chat…") -> Markup:
    """The indicator shown while connecting."""
    return tag("div", {"class": "cpy-loading", "role": "status"}, label)


def message_item(message: Any) -> Markup:
    """One message line; the body is text, never HTML."""
    when = message.time.astimezone()
    return tag("li", {"class": "cpy-msg cpy-out" if message.outgoing else "cpy-msg cpy-in",
                      "data-id": message.id},
               tag("time", {"datetime": message.time.isoformat()}, when.strftime("%H:%M")),
               tag("span", {"class": "cpy-from", "title": message.sender},
                   "me" if message.outgoing else (message.sender_name or message.sender)),
               tag("span", {"class": "cpy-body"}, message.body))


def day_separator(day: datetime) -> Markup:
    # An item of the list (a role=separator child is not allowed in a list).
    local = day.astimezone()
    return tag("li", {"class": "cpy-day"},
               tag("time", {"datetime": local.strftime("%Y-%m-%d")}, local.strftime("%Y-%m-%d")))


def message_items(messages: Iterable[Any], last_day: str | None = None) -> tuple[Markup, str | None]:
    """A batch of messages with day separators; returns the HTML and the last day shown."""
    parts: list[Markup] = []
    for message in messages:
        day = message.time.astimezone().strftime("%Y-%m-%d")
        if day != last_day:
            parts.append(day_separator(message.time))
            last_day = day
        parts.append(message_item(message))
    return join(parts), last_day


def chatbox(box: Any) -> Markup:
    """A chat box frame (messages are added in batches by the view)."""
    jid = box.get("jid")
    return tag("section", {"class": "cpy-chatbox", "data-jid": jid, "aria-label": f"Chat with {jid}"},
               tag("header", {},
                   tag("span", {"class": "cpy-title"}, box.get("fullname") or jid),
                   tag("button", {"type": "button", "data-action": "close-chat", "data-jid": jid,
                                  "aria-label": "Close"}, "×")),
               tag("ol", {"class": "cpy-messages", "aria-live": "polite", "data-role": "messages"}),
               tag("form", {"class": "cpy-compose", "data-action": "send", "data-jid": jid},
                   tag("textarea", {"name": "body", "rows": "2", "aria-label": "Message",
                                    "placeholder": "Message"}),
                   tag("button", {"type": "submit"}, "Send")))
