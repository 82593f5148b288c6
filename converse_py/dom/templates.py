"""Chat templates: models in, ``Markup`` out. Pure Python (tested on CPython); user text is always text.

Interactive elements carry ``data-action`` (and ``data-jid``); the views route
clicks, submits and keys through one delegated listener per root. Links in message
bodies are made clickable only for http, https and xmpp URLs, and their text stays text.

>>> str(linkify("see https://example.org/a?b=1&c=<x>, or javascript:alert(1)"))
'see <a href="https://example.org/a?b=1&amp;c=" rel="noopener noreferrer" target="_blank">https://example.org/a?b=1&amp;c=</a>&lt;x&gt;, or javascript:alert(1)'
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from collections.abc import Iterable

from ..i18n import _, format_day
from .html import Markup, escape_text, join, tag

#: URLs made clickable: these schemes only; stops at whitespace, quotes and angle brackets.
_URL = re.compile(r"\b(?:https?://|xmpp:)[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def loading(label: str | None = None) -> Markup:
    """The indicator shown while connecting."""
    return tag("div", {"class": "cpy-loading", "role": "status"}, _("Loading chat…") if label is None else label)


def safe_url(url: str) -> bool:
    """True for the URL schemes a link may have (http, https, xmpp).

    >>> safe_url("https://x.org"), safe_url("javascript:alert(1)"), safe_url(" data:text/html,x")
    (True, False, False)
    """
    return bool(re.match(r"(?:https?://|xmpp:)\S", url or "", re.IGNORECASE))


def linkify(body: str) -> Markup:
    """``body`` as text, with http/https/xmpp URLs as links (never any other markup)."""
    if ":" not in body:  # no URL can be in it
        return Markup(escape_text(body))
    parts: list[Any] = []
    pos = 0
    for match in _URL.finditer(body):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            url = url[:-1]
        if not safe_url(url):
            continue
        parts.append(body[pos:match.start()])
        parts.append(tag("a", {"href": url, "rel": "noopener noreferrer", "target": "_blank"}, url))
        pos = match.start() + len(url)
    parts.append(body[pos:])
    return join(parts)


def message_key(message: Any) -> str:
    """The row's ``data-id``: the message id, else its archive id."""
    return str(message.id or message.stanza_id or message.origin_id)


class LocalTime(NamedTuple):
    """How a message's time shows, in the page's time zone."""
    title: str  # 2026-01-01 10:00:00
    clock: str  # 10:00
    day: str  # 2026-01-01


@lru_cache(maxsize=512)
def _local_time(seconds: datetime) -> LocalTime:
    when = seconds.astimezone()
    title = when.strftime("%Y-%m-%d %H:%M:%S")
    return LocalTime(title, title[11:16], title[:10])


def local_time(time: datetime) -> LocalTime:
    """The shown forms of ``time`` (worked out once per second of time: a burst of messages
    shares them)."""
    return _local_time(time.replace(microsecond=0))


def message_item(message: Any) -> Markup:
    """One message line; the body is text (links made clickable), never HTML. An edited message
    (XEP-0308) says so; the user's messages show ✓ once delivered (XEP-0184) and ✓✓ once read
    (XEP-0333), with a spoken label. Written out rather than built with ``tag`` because it is
    the row a burst of messages renders hundreds of times (tests/unit/test_templates.py holds it
    to the ``tag``-built HTML).

    >>> from datetime import datetime, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> m = ShownMessage("m1", "alice@localhost", "hi", datetime(2026, 1, 1, tzinfo=timezone.utc), True,
    ...                  delivered=True, edited=True)
    >>> html = str(message_item(m))
    >>> 'aria-label="Delivered"' in html, '✓</span>' in html, 'cpy-edited' in html
    (True, True, True)
    """
    if getattr(message, "kind", "message") == "info":
        return info_item(message)
    shown = local_time(message.time)
    sender = message.sender
    outgoing = message.outgoing
    parts = [
        '<li class="cpy-msg cpy-out" data-id="' if outgoing else '<li class="cpy-msg cpy-in" data-id="',
        escape_text(message_key(message)),
        '"><time datetime="', escape_text(message.time.isoformat()), '" title="', shown.title, '">',
        shown.clock, '</time><span class="cpy-from" title="', escape_text(sender), '">',
        "me" if outgoing else escape_text(message.sender_name or sender),
        '</span><span class="cpy-body">', linkify(message.body), "</span>",
    ]
    if getattr(message, "edited", False):
        parts.append(tag("span", {"class": "cpy-edited", "title": _("This message was corrected")}, _("edited")))
    if outgoing:
        parts.append(receipt_tick(message))
    parts.append("</li>")
    return Markup("".join(parts))


def info_item(line: Any) -> Markup:
    """A local info line (``box.add_info``: a command's answer, never sent): its text as text.

    >>> from datetime import datetime, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> str(info_item(ShownMessage("info-1", "", "<b>6</b>", datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...                            False, kind="info")))
    '<li class="cpy-msg cpy-info" data-id="info-1" role="status"><span class="cpy-body">&lt;b&gt;6&lt;/b&gt;</span></li>'
    """
    return tag("li", {"class": "cpy-msg cpy-info", "data-id": line.id, "role": "status"},
               tag("span", {"class": "cpy-body"}, line.body))


def receipt_tick(message: Any) -> Markup:
    """✓✓ (read) or ✓ (delivered) for one of the user's messages; nothing before delivery."""
    if getattr(message, "displayed", False):
        label, mark = _("Read"), "✓✓"
    elif getattr(message, "delivered", False):
        label, mark = _("Delivered"), "✓"
    else:
        return Markup("")
    return tag("span", {"class": "cpy-tick", "data-role": "tick", "role": "img", "aria-label": label,
                        "title": label}, mark)


def chat_state_text(box: Any) -> str:
    """What the chat box says about the contact's typing (empty when nothing is to be said).

    >>> class Box(dict):
    ...     def get(self, key, default=None): return dict.get(self, key, default)
    >>> chat_state_text(Box(fullname="Bob", chat_state="composing")), chat_state_text(Box(chat_state="active"))
    ('Bob is typing…', '')
    """
    name = box.get("fullname") or box.get("jid") or ""
    state = box.get("chat_state")
    if state == "composing":
        return _("{name} is typing…", name=name)
    if state == "paused":
        return _("{name} has stopped typing", name=name)
    return ""


def day_of(message: Any) -> str:
    """The local calendar day of a message, as the separators show it."""
    return local_time(message.time).day


def day_separator(day: datetime) -> Markup:
    # An item of the list holding the date (a role=separator child is not allowed in a list).
    label = day.astimezone().strftime("%Y-%m-%d")
    return tag("li", {"class": "cpy-day", "data-day": label}, tag("time", {"datetime": label}, format_day(day)))


def message_items(messages: Iterable[Any], last_day: str | None = None) -> tuple[Markup, str | None]:
    """A batch of messages with day separators; returns the HTML and the last day shown."""
    parts: list[Markup] = []
    for message in messages:
        day = day_of(message)
        if day != last_day:
            parts.append(day_separator(message.time))
            last_day = day
        parts.append(message_item(message))
    return join(parts), last_day


def chat_title(box: Any) -> Markup:
    """The heading's name: a link when the box's ``url`` is an http(s)/xmpp URL."""
    name = box.get("fullname") or box.get("jid")
    url = box.get("url") or ""
    if isinstance(url, str) and safe_url(url):
        return tag("a", {"href": url, "rel": "noopener noreferrer", "target": "_blank"}, name)
    return Markup(tag("span", {}, name))


def unread_badge(count: int) -> Markup:
    return tag("span", {"class": "cpy-unread", "data-role": "unread", "hidden": not count,
                        "aria-label": _("{count} unread", count=count)}, str(count) if count else "")


def chatbox(box: Any) -> Markup:
    """A chat box frame (messages are added in batches by the view)."""
    jid = box.get("jid")
    height = box.get("height")
    return tag("section", {"class": "cpy-chatbox", "data-jid": jid, "aria-label": _("Chat with {jid}", jid=jid),
                           "style": f"height: {int(height)}px" if isinstance(height, (int, float)) else None},
               tag("header", {},
                   tag("span", {"class": "cpy-title", "data-role": "title"}, chat_title(box)),
                   unread_badge(box.get("num_unread") or 0),
                   tag("button", {"type": "button", "data-action": "toggle-chat", "data-jid": jid,
                                  "aria-label": _("Minimize"), "aria-expanded": "true"}, "–"),
                   tag("button", {"type": "button", "data-action": "close-chat", "data-jid": jid,
                                  "aria-label": _("Close")}, "×")),
               tag("div", {"class": "cpy-chat-body", "data-role": "body"},
                   tag("div", {"class": "cpy-history-status", "data-role": "history", "role": "status",
                               "hidden": True}, _("Loading older messages…")),
                   tag("ol", {"class": "cpy-messages", "aria-live": "polite", "data-role": "messages",
                              "tabindex": "0", "aria-label": _("Messages")}),
                   tag("div", {"class": "cpy-chat-state", "data-role": "chat-state", "role": "status"},
                       chat_state_text(box)),
                   tag("form", {"class": "cpy-compose", "data-action": "send", "data-jid": jid},
                       tag("textarea", {"name": "body", "rows": "2", "aria-label": _("Message"),
                                        "placeholder": _("Message")}),
                       tag("button", {"type": "submit"}, _("Send")))))
