"""Chat templates: models in, ``Markup`` out. Pure Python (tested on CPython); user text is always text.

Interactive elements carry ``data-action`` (and ``data-jid``); the views route
clicks, submits and keys through one delegated listener per root. Links in message
bodies are made clickable only for http, https and xmpp URLs, and their text stays text.

>>> str(linkify("see https://example.org/a?b=1&c=<x>, or javascript:alert(1)"))
'see <a href="https://example.org/a?b=1&amp;c=" rel="noopener noreferrer" target="_blank">https://example.org/a?b=1&amp;c=</a>&lt;x&gt;, or javascript:alert(1)'
"""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..i18n import _, format_day
from ..plugins.emoji.text import EMOJI_ONLY_MAX_CHARS, is_emoji_only
from ..plugins.me.action import me_action
from ..xmpp.stanza import format_size
from .html import Markup, escape_text, join, tag

#: Bodies up to this many characters are shown in full; longer ones collapsed: their first
#: ``BODY_PREVIEW`` characters and a "Show more (size)" button (the rest is not put in the page
#: until asked). Bodies over the stanza parser's cap never get here: an info line reports them.
SOFT_BODY = 4000
BODY_PREVIEW = 1000

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


def nick_color(nick: str) -> str:
    """A stable, readable colour for a room nick (same nick, same colour, on every client).

    >>> nick_color("thirdwitch") == nick_color("thirdwitch"), nick_color("a") != nick_color("b")
    (True, True)
    """
    hue = zlib.crc32(nick.encode("utf-8")) % 360
    return f"hsl({hue}, 60%, 32%)"


#: One button a plugin adds (hooks ``getMessageActionButtons`` / ``getToolbarButtons``): ``name``
#: (what the click reports), ``label`` (its spoken name and tooltip) and optionally ``icon`` or
#: ``text`` (what it shows; the label otherwise). All of them are text, never HTML.
Button = Mapping[str, Any]
#: The buttons of one row (None: no plugin adds any).
ActionsFor = Callable[[Any], Sequence[Button]]


def plugin_button(button: Button, *, action: str, css: str) -> Markup:
    """A button a plugin asked for; every field is shown as text.

    >>> str(plugin_button({"name": "like", "label": "<b>Like</b>", "icon": "👍"}, action="message-action",
    ...                   css="cpy-msg-action"))
    '<button type="button" class="cpy-msg-action" data-action="message-action" data-name="like" \
title="&lt;b&gt;Like&lt;/b&gt;" aria-label="&lt;b&gt;Like&lt;/b&gt;">👍</button>'
    """
    label = str(button.get("label") or button.get("name") or "")
    shown = button.get("icon") or button.get("text") or label
    return tag("button", {"type": "button", "class": css, "data-action": action, "data-name": str(button["name"]),
                          "title": label, "aria-label": label}, str(shown))


def message_actions(buttons: Sequence[Button]) -> Markup:
    """The row's plugin buttons, shown on hover and when one of them has the keyboard focus
    (rows asking for the same buttons share their HTML: made once, not once per row)."""
    if not buttons:
        return Markup("")
    key = tuple((str(b["name"]), str(b.get("label") or b.get("name") or ""),
                 str(b.get("icon") or b.get("text") or b.get("label") or b.get("name") or "")) for b in buttons)
    return _message_actions(key, _("Message actions"))


@lru_cache(maxsize=64)
def _message_actions(buttons: tuple[tuple[str, str, str], ...], group_label: str) -> Markup:
    return tag("span", {"class": "cpy-msg-actions", "role": "group", "aria-label": group_label},
               [plugin_button({"name": name, "label": label, "text": shown}, action="message-action",
                              css="cpy-msg-action") for name, label, shown in buttons])


def toolbar(buttons: Sequence[Button]) -> Markup:
    """The box's toolbar of plugin buttons (hidden while no plugin adds one)."""
    return tag("div", {"class": "cpy-toolbar", "role": "toolbar", "data-role": "toolbar",
                       "aria-label": _("Toolbar"), "hidden": not buttons},
               [plugin_button(b, action="toolbar-button", css="cpy-toolbar-button") for b in buttons])


def message_item(message: Any, *, room: bool = False, actions: Sequence[Button] = (),
                 body: Callable[[str], str] = linkify) -> Markup:
    """One message line of a chat or (``room=True``) a room; the body is text (links made
    clickable), never HTML. In a room the sender is the nick, in its colour; in a chat the user's
    own messages say "me". ``body`` turns the text into HTML (default: ``linkify``; the styling
    plugin's renderer when on). A XEP-0245 ``/me`` action shows as ``* name action``; a body of
    one to three emoji only gets the class ``cpy-emoji-only`` (shown large). An edited message (XEP-0308) says so; the user's messages show ✓ once
    delivered (XEP-0184) and ✓✓ once read (XEP-0333), with a spoken label; ``actions`` are the
    buttons plugins add to the row (hook ``getMessageActionButtons``). Written out rather than
    built with ``tag`` because it is the row a burst of messages renders hundreds of times
    (tests/unit/test_templates.py holds it to the ``tag``-built HTML).

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
    text = message.body
    collapsed = len(text) > SOFT_BODY and not getattr(message, "expanded", False)
    action = me_action(text) if text.startswith("/me ") and not collapsed else None
    if action is not None:
        return _action_item(message, action, room=room, actions=actions, body=body)
    parts = [
        '<li class="cpy-msg cpy-out' if outgoing else '<li class="cpy-msg cpy-in',
        ' cpy-emoji-only" data-id="' if len(text) <= EMOJI_ONLY_MAX_CHARS and is_emoji_only(text) else '" data-id="',
        escape_text(message_key(message)),
        '"><time datetime="', escape_text(message.time.isoformat()), '" title="', shown.title, '">',
        shown.clock,
    ]
    if room:
        parts += ['</time><span class="cpy-from" title="', escape_text(sender), '" style="color: ',
                  nick_color(sender), '">', escape_text(message.sender_name or sender)]
    else:
        parts += ['</time><span class="cpy-from" title="', escape_text(sender), '">',
                  "me" if outgoing else escape_text(message.sender_name or sender)]
    if collapsed:
        parts += ['</span><span class="cpy-body">', collapsed_body(text, body), "</span>"]
    else:
        parts += ['</span><span class="cpy-body">', body(text), "</span>"]
    if getattr(message, "edited", False):
        parts.append(tag("span", {"class": "cpy-edited", "title": _("This message was corrected")}, _("edited")))
    if outgoing:
        parts.append(receipt_tick(message))
        if getattr(message, "error", ""):
            parts.append(delivery_failure(message))
    if actions:
        parts.append(message_actions(actions))
    parts.append("</li>")
    return Markup("".join(parts))


def _action_item(message: Any, action: str, *, room: bool, actions: Sequence[Button],
                 body: Callable[[str], str]) -> Markup:
    """A ``/me`` row (XEP-0245): ``* name action``, in the sender's colour in rooms.

    >>> from datetime import datetime, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> m = ShownMessage("m1", "bob@localhost", "/me waves <b>", datetime(2026, 1, 1, tzinfo=timezone.utc), False,
    ...                  sender_name="Bob")
    >>> html = str(message_item(m)); 'cpy-action' in html, '* Bob</span>' in html, ' waves &lt;b&gt;<' in html
    (True, True, True)
    """
    sender = message.sender
    name = message.sender_name or (sender if room else sender.split("@", 1)[0])
    style = {"style": f"color: {nick_color(sender)}"} if room else {}
    return tag("li", {"class": f"cpy-msg {'cpy-out' if message.outgoing else 'cpy-in'} cpy-action",
                      "data-id": message_key(message)},
               tag("time", {"datetime": message.time.isoformat(), "title": local_time(message.time).title},
                   local_time(message.time).clock),
               tag("span", {"class": "cpy-from", "title": sender, **style}, f"* {name}"),
               tag("span", {"class": "cpy-body"}, " ", Markup(body(action))),
               tag("span", {"class": "cpy-edited", "title": _("This message was corrected")}, _("edited"))
               if getattr(message, "edited", False) else "",
               receipt_tick(message) if message.outgoing else "",
               delivery_failure(message) if message.outgoing and getattr(message, "error", "") else "",
               message_actions(actions) if actions else "")


def collapsed_body(text: str, body: Callable[[str], str] = linkify) -> Markup:
    """A long body, collapsed: its start (as text, links made clickable) and a "Show more" button
    saying how large the whole is (UTF-8 bytes); the rest is rendered only once asked.

    >>> html = str(collapsed_body("<b>" + "x" * 5000))
    >>> html.startswith("&lt;b&gt;xxx"), html.count("x") < 1100, 'data-action="show-more"' in html, "(5 KB)" in html
    (True, True, True, True)
    """
    size = format_size(len(text.encode("utf-8", "replace")))
    label = _("Show more ({size})", size=size)
    return join([Markup(body(text[:BODY_PREVIEW])), "…",
                 tag("button", {"type": "button", "class": "cpy-show-more", "data-action": "show-more",
                                "aria-label": _("Show the whole message ({size})", size=size)}, label)])


def delivery_failure(message: Any) -> Markup:
    """What a row of the user's says when its delivery failed: a mark and the reason (text from
    the server: shown as text), and a Resend button (or "Sent again" once resent).

    >>> from datetime import datetime, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> m = ShownMessage("m1", "alice@localhost", "hi", datetime(2026, 1, 1, tzinfo=timezone.utc), True,
    ...                  error="No <b>such</b> user")
    >>> html = str(delivery_failure(m)); "No &lt;b&gt;such&lt;/b&gt; user" in html, 'data-action="resend"' in html
    (True, True)
    """
    resent = getattr(message, "resent", False)
    return tag("span", {"class": "cpy-failed", "data-role": "failed"},
               tag("span", {"class": "cpy-failed-mark", "aria-hidden": "true"}, "⚠"),
               " ", _("Not delivered: {reason}", reason=message.error), " ",
               tag("span", {"class": "cpy-resent"}, _("Sent again")) if resent else
               tag("button", {"type": "button", "class": "cpy-resend", "data-action": "resend"}, _("Resend")))


def info_item(line: Any) -> Markup:
    """A local info line (``box.add_info``: a command's answer, never sent): its text as text.

    >>> from datetime import datetime, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> str(info_item(ShownMessage("info-1", "", "<b>6</b>", datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...                            False, kind="info")))
    '<li class="cpy-msg cpy-info" data-id="info-1"><span class="cpy-body" role="status">&lt;b&gt;6&lt;/b&gt;</span></li>'
    """
    # The status role is on the text: a list may only hold plain items (axe-core rule "list").
    return tag("li", {"class": "cpy-msg cpy-info", "data-id": line.id},
               tag("span", {"class": "cpy-body", "role": "status"}, line.body))


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


def message_items(messages: Iterable[Any], last_day: str | None = None, *, room: bool = False,
                  actions_for: ActionsFor | None = None,
                  body: Callable[[str], str] = linkify) -> tuple[Markup, str | None]:
    """A batch of messages with day separators; returns the HTML and the last day shown.
    ``actions_for(message)`` gives each row's plugin buttons (None: no plugin adds any)."""
    parts: list[Markup] = []
    for message in messages:
        day = day_of(message)
        if day != last_day:
            parts.append(day_separator(message.time))
            last_day = day
        parts.append(message_item(message, room=room, actions=actions_for(message) if actions_for else (),
                                  body=body))
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


def chatbox(box: Any, buttons: Sequence[Button] = ()) -> Markup:
    """A chat box frame (messages are added in batches by the view); ``buttons`` are the toolbar's
    (hook ``getToolbarButtons``)."""
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
                   tag("div", {"class": "cpy-stranger", "data-role": "stranger", "role": "region",
                               "aria-label": _("Not in your contacts"), "hidden": True}),
                   tag("div", {"class": "cpy-history-status", "data-role": "history", "role": "status",
                               "hidden": True}, _("Loading older messages…")),
                   tag("ol", {"class": "cpy-messages", "aria-live": "polite", "data-role": "messages",
                              "tabindex": "0", "aria-label": _("Messages")}),
                   tag("div", {"class": "cpy-chat-state", "data-role": "chat-state", "role": "status"},
                       chat_state_text(box)),
                   toolbar(buttons),
                   tag("form", {"class": "cpy-compose", "data-action": "send", "data-jid": jid},
                       tag("textarea", {"name": "body", "rows": "2", "aria-label": _("Message"),
                                        "placeholder": _("Message")}),
                       tag("button", {"type": "submit"}, _("Send")))))


def block_toggle(jid: str, *, blocked: bool) -> Markup:
    """The chat header's Block / Unblock button (XEP-0191).

    >>> 'aria-pressed="true"' in block_toggle("bob@localhost", blocked=True)
    True
    """
    label = _("Unblock {jid}", jid=jid) if blocked else _("Block {jid}", jid=jid)
    return tag("button", {"type": "button", "class": "cpy-block-toggle", "data-action": "toggle-block",
                          "data-jid": jid, "aria-label": label, "title": label,
                          "aria-pressed": "true" if blocked else "false"}, "⊘")


def stranger_banner(jid: str, *, blocked: bool, can_block: bool) -> Markup:
    """The banner of a chat with someone not in the roster: add them, or block (unblock) them.

    >>> html = str(stranger_banner("<x>@evil", blocked=False, can_block=True))
    >>> "&lt;x&gt;@evil is not in your contacts." in html, 'data-action="stranger-block"' in html
    (True, True)
    """
    text = _("{jid} is blocked.", jid=jid) if blocked else _("{jid} is not in your contacts.", jid=jid)
    return join([
        tag("span", {}, text),
        tag("button", {"type": "button", "data-action": "stranger-add", "data-jid": jid}, _("Add contact"))
        if not blocked else "",
        tag("button", {"type": "button", "data-action": "stranger-block", "data-jid": jid},
            _("Unblock") if blocked else _("Block")) if can_block else "",
    ])
