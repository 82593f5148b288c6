"""Templates: models in, ``Markup`` out. Pure Python (tested on CPython); user text is always text.

Interactive elements carry ``data-action`` (and ``data-jid``); the views route
clicks, submits and keys through one delegated listener per root.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from .html import Markup, join, tag

STATUS_LABELS = {"online": "Online", "chat": "Online", "away": "Away", "dnd": "Busy",
                 "xa": "Extended away", "offline": "Offline"}


def loading(label: str = "Loading chat…") -> Markup:
    """The indicator shown while connecting."""
    return tag("div", {"class": "cpy-loading", "role": "status"}, label)


def login_form(*, jid: str = "", error: str = "", busy: bool = False) -> Markup:
    """The control box's login form."""
    return tag("form", {"class": "cpy-login", "data-action": "login", "aria-label": "Log in"},
               tag("h2", {}, "Log in"),
               tag("label", {"for": "cpy-jid"}, "XMPP address"),
               tag("input", {"id": "cpy-jid", "name": "jid", "type": "text", "autocomplete": "username",
                             "placeholder": "alice@localhost", "value": jid, "required": True}),
               tag("label", {"for": "cpy-password"}, "Password"),
               tag("input", {"id": "cpy-password", "name": "password", "type": "password",
                             "autocomplete": "current-password", "required": True}),
               tag("p", {"class": "cpy-error", "role": "alert"}, error) if error else None,
               tag("button", {"type": "submit", "disabled": busy}, "Connecting…" if busy else "Log in"))


def contact_row(contact: Any) -> Markup:
    """One roster row: presence dot, name, status message."""
    status = contact.get("chat_status") or "offline"
    label = STATUS_LABELS.get(status, status)
    return tag("li", {"class": f"cpy-contact cpy-{status}", "data-jid": contact.get("jid")},
               tag("button", {"type": "button", "data-action": "open-chat", "data-jid": contact.get("jid"),
                              "title": f"{contact.get('jid')} ({label})"},
                   tag("span", {"class": "cpy-dot", "aria-label": label, "role": "img"}),
                   tag("span", {"class": "cpy-name"}, contact.get("fullname") or contact.get("jid")),
                   tag("span", {"class": "cpy-status-msg"}, contact.get("status") or "")))


def roster(contacts: Sequence[Any], *, grouped: bool) -> Markup:
    """The contact list, flat or by roster group (contacts in no group go under "Ungrouped")."""
    if not contacts:
        return tag("p", {"class": "cpy-empty"}, "No contacts yet.")
    ordered = sorted(contacts, key=lambda c: str(c.get("fullname") or c.get("jid")).lower())
    if not grouped:
        return tag("ul", {"class": "cpy-roster", "role": "list"}, [contact_row(c) for c in ordered])
    groups: dict[str, list[Any]] = {}
    for contact in ordered:
        for group in contact.get("groups") or ["Ungrouped"]:
            groups.setdefault(group, []).append(contact)
    return join(tag("section", {"class": "cpy-group"},
                    tag("h3", {}, name),
                    tag("ul", {"class": "cpy-roster", "role": "list"}, [contact_row(c) for c in members]))
                for name, members in sorted(groups.items(), key=lambda kv: (kv[0] == "Ungrouped", kv[0].lower())))


def controlbox(*, jid: str, contacts: Sequence[Any], grouped: bool, state: str) -> Markup:
    """The logged-in control box: who I am, the connection state, the roster."""
    return join([
        tag("header", {"class": "cpy-me"},
            tag("span", {"class": "cpy-my-jid"}, jid),
            tag("span", {"class": f"cpy-conn cpy-conn-{state}"}, state),
            tag("button", {"type": "button", "data-action": "logout"}, "Log out")),
        tag("div", {"class": "cpy-roster-wrap", "data-role": "roster"}, roster(contacts, grouped=grouped)),
    ])


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
    return tag("li", {"class": "cpy-day", "role": "separator"}, day.astimezone().strftime("%Y-%m-%d"))


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
