"""Chat templates: models in, ``Markup`` out. Pure Python (tested on CPython); user text is always text.

Interactive elements carry ``data-action`` (and ``data-jid``); the views route
clicks, submits and keys through one delegated listener per root. Links in message
bodies are made clickable only for http, https and xmpp URLs, and their text stays text.

>>> str(linkify("see https://example.org/a?b=1&c=<x>, or javascript:alert(1)"))
'see <a href="https://example.org/a?b=1&amp;c=" rel="noopener noreferrer" target="_blank">https://example.org/a?b=1&amp;c=</a>&lt;x&gt;, or javascript:alert(1)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..i18n import _, format_day, language, ngettext
from ..i18n.dates import long_day
from ..plugins.avatars.colors import css_color, hsluv_to_rgb, hue_angle, initial
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
    """How a message's time shows, in the page's time zone and the UI language."""
    title: str  # Thursday, January 1, 2026 10:00:00
    clock: str  # 10:00
    day: str  # 2026-01-01 (the separators' key)


@lru_cache(maxsize=512)
def _local_time(seconds: datetime, code: str) -> LocalTime:
    when = seconds.astimezone()
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    return LocalTime(f"{long_day(when.date(), code)} {stamp[11:]}", stamp[11:16], stamp[:10])


#: The last two (time, language, shown forms) asked for: a row asks for its message's time four
#: times (its day for the separator and for grouping with the rows around it, and its clock).
_recent_times: list[tuple[datetime, str, LocalTime]] = []


def local_time(time: datetime) -> LocalTime:
    """The shown forms of ``time`` (worked out once per second of time and language: a burst of
    messages shares them)."""
    code = language()
    for seen, seen_code, shown in _recent_times:
        if seen is time and seen_code == code:
            return shown
    shown = _local_time(time.replace(microsecond=0), code)
    _recent_times.insert(0, (time, code, shown))
    del _recent_times[2:]
    return shown


def nick_color(nick: str) -> str:
    """A stable, readable colour for a room nick: its XEP-0392 colour (same nick, same colour, on
    every client that implements the XEP).

    >>> nick_color("Romeo"), nick_color("a") != nick_color("b")
    ('#dd00af', True)
    """
    return css_color(nick)


def _avatar_attrs(size: str, name: str, key: str, lookup: str | None) -> str:
    # data-avatar-* let views/avatars.py redraw every avatar of a JID when it changes.
    return "".join(('class="', escape_text(size), '" data-avatar-for="', escape_text(lookup), '" data-avatar-name="',
                    escape_text(name), '" data-avatar-key="', escape_text(key), '"')) if lookup is not None \
        else 'class="' + escape_text(size) + '"'


def default_avatar(name: str, key: str, size: str = "cpy-avatar", lookup: str | None = None) -> Markup:
    """An avatar for someone without a picture: ``name``'s first character on the XEP-0392 colour
    of ``key`` (the bare JID, or the nick in a room). ``lookup``: the JID whose avatar it stands for.

    >>> str(default_avatar("romeo", "Romeo"))
    '<span class="cpy-avatar cpy-avatar-default" style="background-color: #dd00af" aria-hidden="true">R</span>'
    """
    attrs = _avatar_attrs(size + " cpy-avatar-default", name, key, lookup)
    return Markup("".join(("<span ", attrs, ' style="background-color: ', css_color(key), '" aria-hidden="true">',
                           escape_text(initial(name)), "</span>")))


def avatar_image(src: str | None, name: str, key: str, size: str = "cpy-avatar", lookup: str | None = None) -> Markup:
    """An avatar: the picture at ``src`` (a ``data:`` URL the avatars plugin checked decodes as an
    image), else ``default_avatar``. Any other kind of URL is never used.

    >>> str(avatar_image("https://x.org/a.png", "bob", "bob@localhost")).startswith('<span')
    True
    """
    if not src or not src.startswith("data:image/"):
        return default_avatar(name, key, size, lookup)
    return Markup("".join(("<img ", _avatar_attrs(size, name, key, lookup), ' alt="" src="', escape_text(src), '">')))


#: One button a plugin adds (hooks ``getMessageActionButtons`` / ``getToolbarButtons``): ``name``
#: (what the click reports), ``label`` (its spoken name and tooltip) and optionally ``icon`` or
#: ``text`` (what it shows; the label otherwise). All of them are text, never HTML.
Button = Mapping[str, Any]
#: The buttons of one row (None: no plugin adds any).
ActionsFor = Callable[[Any], Sequence[Button]]


@dataclass(eq=False)
class MessageParts:
    """What plugins add to one message row (hook ``getMessageParts``), as HTML they build (network
    text escaped: ``escape_text``, ``tag``): ``before`` the body (a reply's quote), ``body`` in
    place of the body (a tombstone; None keeps it), ``after`` it (media, reactions), ``classes``
    of the row.

    >>> from datetime import datetime, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> m = ShownMessage("m1", "bob@localhost", "hi", datetime(2026, 1, 1, tzinfo=timezone.utc), False)
    >>> html = str(message_item(m, parts=MessageParts(before=["<q>quoted</q>"], after=["<i>👍 2</i>"],
    ...                                               classes=["cpy-reply"])))
    >>> 'class="cpy-msg cpy-reply cpy-in"' in html, '<q>quoted</q><span class="cpy-body">hi</span><i>' in html
    (True, True)
    """

    before: list[str] = field(default_factory=list)
    body: str | None = None
    after: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: ``{before, body, after, classes}`` (arrays of HTML strings)."""
        return bridge.to_js({"before": list(self.before), "body": self.body, "after": list(self.after),
                             "classes": list(self.classes)})

    def js_read_back(self, values: Mapping[str, Any]) -> None:
        """Take what a JS listener changed (strings only)."""
        for name in ("before", "after", "classes"):
            value = values.get(name)
            if isinstance(value, (list, tuple)):
                setattr(self, name, [str(v) for v in value if isinstance(v, str)])
        body = values.get("body")
        self.body = body if isinstance(body, str) else None


def confirm_group(label: str, question: str, action: str, name: str) -> Markup:
    """An in-row confirmation (retract, remove for everyone): ``question`` and two buttons that
    fire ``messagePartClicked`` with ``{name}-confirm`` (labelled ``action``) or ``{name}-cancel``.

    >>> html = str(confirm_group("Sure?", "Really sure?", "Go", "x"))
    >>> 'aria-label="Sure?"' in html, 'data-name="x-confirm">Go<' in html, 'data-name="x-cancel"' in html
    (True, True, True)
    """
    return tag("span", {"class": "cpy-confirm", "role": "group", "aria-label": label}, question, " ",
               tag("button", {"type": "button", "data-action": "message-part", "data-name": f"{name}-confirm"},
                   action), " ",
               tag("button", {"type": "button", "data-action": "message-part", "data-name": f"{name}-cancel"},
                   _("Cancel")))


#: The parts plugins add to one row (None: none).
PartsFor = Callable[[Any], "MessageParts | None"]


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


#: Consecutive messages of one sender less than this many seconds apart are grouped.
FOLLOWUP_SECONDS = 300


def is_followup(message: Any, previous: Any) -> bool:
    """Whether ``message`` continues ``previous``'s group (shown without the name; the time on
    hover): same sender and direction, ordinary messages (not info lines, ``/me`` actions or
    retracted ones), less than FOLLOWUP_SECONDS later, the same local day.

    >>> from datetime import datetime, timedelta, timezone
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> t = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    >>> a = ShownMessage("1", "bob@x", "hi", t, False)
    >>> is_followup(ShownMessage("2", "bob@x", "there", t + timedelta(minutes=1), False), a)
    True
    >>> is_followup(ShownMessage("3", "bob@x", "later", t + timedelta(minutes=6), False), a)
    False
    """
    if previous is None or message.sender != previous.sender or message.outgoing != previous.outgoing:
        return False
    if getattr(message, "kind", "message") != "message" or getattr(previous, "kind", "message") != "message":
        return False
    if message.body.startswith("/me ") or previous.body.startswith("/me "):
        return False
    if "retracted" in getattr(message, "extras", {}) or "retracted" in getattr(previous, "extras", {}):
        return False
    gap = (message.time - previous.time).total_seconds()
    return 0 <= gap < FOLLOWUP_SECONDS and day_of(message) == day_of(previous)


def nick_style(nick: str) -> str:
    """A room nick's colours as custom properties: its XEP-0392 hue at HSLuv lightness 45 (light
    theme) and 75 (dark theme), both readable (at least 4.5:1) on the theme's background.

    >>> nick_style("Romeo")
    '--cpy-nick: #c7009d; --cpy-nick-dark: #ff96dc'
    """
    return _nick_style(nick)


@lru_cache(maxsize=4096)
def _nick_style(nick: str) -> str:
    hue = hue_angle(nick)
    light, dark = (hsluv_to_rgb(hue, 100, lightness) for lightness in (45, 75))
    return "--cpy-nick: {}; --cpy-nick-dark: {}".format(*(
        "#" + "".join(f"{round(c * 255):02x}" for c in rgb) for rgb in (light, dark)))


#: The avatar a group's first row shows (None: rows show none; setting ``show_message_avatar``).
AvatarFor = Callable[[Any], Markup]


def message_avatar(src: str | None, name: str, key: str, lookup: str | None) -> Markup:
    """The avatar at the start of a group of messages: ``avatar_image`` sized for a row (redrawn
    with every avatar of ``lookup`` when it changes).

    >>> str(message_avatar(None, "bob", "bob@localhost", "bob@localhost")).startswith(
    ...     '<span class="cpy-avatar cpy-msg-avatar cpy-avatar-default" data-avatar-for="bob@localhost"')
    True
    """
    return avatar_image(src, name, key, "cpy-avatar cpy-msg-avatar", lookup)


def message_item(message: Any, *, room: bool = False, actions: Sequence[Button] = (),
                 body: Callable[[str], str] = linkify, parts: MessageParts | None = None,
                 followup: bool = False, avatar: AvatarFor | None = None) -> Markup:
    """One message line of a chat or (``room=True``) a room; the body is text (links made
    clickable), never HTML. In a room the sender is the nick, in its colour; in a chat the user's
    own messages say "me". ``body`` turns the text into HTML (default: ``linkify``; the styling
    plugin's renderer when on). A XEP-0245 ``/me`` action shows as ``* name action``; a body of
    one to three emoji only gets the class ``cpy-emoji-only`` (shown large). An edited message (XEP-0308) says so; the user's messages show ✓ once
    delivered (XEP-0184) and ✓✓ once read (XEP-0333), with a spoken label; ``actions`` are the
    buttons plugins add to the row (hook ``getMessageActionButtons``); ``parts`` what they add
    around or instead of the body (hook ``getMessageParts``: a reply's quote, media, reactions).
    A ``followup`` row (``is_followup``) gets the class ``cpy-followup``; any other row (a
    group's first) starts with ``avatar(message)`` when given (info lines never).
    Written out rather than
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
        return _action_item(message, action, room=room, actions=actions, body=body, parts=parts,
                            avatar=None if followup else avatar)
    html = [
        ('<li class="cpy-msg cpy-out' if outgoing else '<li class="cpy-msg cpy-in')
        + (' cpy-followup' if followup else ''),
        ' cpy-emoji-only" data-id="' if len(text) <= EMOJI_ONLY_MAX_CHARS and is_emoji_only(text) else '" data-id="',
        escape_text(message_key(message)),
        '"><time datetime="', escape_text(message.time.isoformat()), '" title="', shown.title, '">',
        shown.clock,
    ]
    if avatar is not None and not followup:
        html[3] = '">' + avatar(message) + '<time datetime="'
    if room:
        html += ['</time><span class="cpy-from" title="', escape_text(sender), '" style="',
                 nick_style(sender), '">', escape_text(message.sender_name or sender)]
    else:
        html += ['</time><span class="cpy-from" title="', escape_text(sender), '">',
                 "me" if outgoing else escape_text(message.sender_name or sender)]
    if parts is not None:
        if parts.classes:
            html[0] = html[0].replace('class="cpy-msg ', 'class="cpy-msg ' + escape_text(" ".join(parts.classes)) + " ")
        html.append("</span>")
        html += parts.before
        html += ['<span class="cpy-body">', parts.body if parts.body is not None
                 else collapsed_body(text, body) if collapsed else body(text), "</span>"]
        html += parts.after
    elif collapsed:
        html += ['</span><span class="cpy-body">', collapsed_body(text, body), "</span>"]
    else:
        html += ['</span><span class="cpy-body">', body(text), "</span>"]
    if getattr(message, "edited", False):
        html.append(tag("span", {"class": "cpy-edited", "title": _("This message was corrected")}, _("edited")))
    if outgoing:
        html.append(receipt_tick(message))
        if getattr(message, "error", ""):
            html.append(delivery_failure(message))
    if actions:
        html.append(message_actions(actions))
    html.append("</li>")
    return Markup("".join(html))


def _action_item(message: Any, action: str, *, room: bool, actions: Sequence[Button],
                 body: Callable[[str], str], parts: MessageParts | None = None,
                 avatar: AvatarFor | None = None) -> Markup:
    """A ``/me`` row (XEP-0245): ``* name action``, in the sender's colour in rooms (never a
    followup: it starts with ``avatar(message)`` when given).

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
    extra_classes = "".join(" " + c for c in parts.classes) if parts is not None else ""
    return tag("li", {"class": f"cpy-msg {'cpy-out' if message.outgoing else 'cpy-in'} cpy-action{extra_classes}",
                      "data-id": message_key(message)},
               avatar(message) if avatar is not None else "",
               tag("time", {"datetime": message.time.isoformat(), "title": local_time(message.time).title},
                   local_time(message.time).clock),
               tag("span", {"class": "cpy-from", "title": sender, **style}, f"* {name}"),
               [Markup(p) for p in parts.before] if parts is not None else "",
               tag("span", {"class": "cpy-body"}, " ", Markup(body(action)) if parts is None or parts.body is None
                   else Markup(parts.body)),
               [Markup(p) for p in parts.after] if parts is not None else "",
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


def unread_divider() -> Markup:
    """The "new messages" line above the first message the user had not seen (an item of the list,
    as the day separator: a role=separator child is not allowed in a list)."""
    return tag("li", {"class": "cpy-new-messages", "data-role": "new-messages"}, _("New messages"))


def message_items(messages: Iterable[Any], last_day: str | None = None, *, room: bool = False,
                  actions_for: ActionsFor | None = None,
                  body: Callable[[str], str] = linkify,
                  parts_for: PartsFor | None = None, previous: Any = None,
                  avatar: AvatarFor | None = None) -> tuple[Markup, str | None]:
    """A batch of messages with day separators; returns the HTML and the last day shown.
    ``actions_for(message)`` gives each row's plugin buttons (None: no plugin adds any);
    ``parts_for(message)`` what plugins add around its body (None: nothing); ``previous`` the
    message shown just before the batch (its group may continue: ``is_followup``);
    ``avatar(message)`` the avatar of each group's first row (None: no avatars; asked once per
    group, never for followups)."""
    parts: list[Markup] = []
    for message in messages:
        day = day_of(message)
        if day != last_day:
            parts.append(day_separator(message.time))
            last_day = day
        parts.append(message_item(message, room=room, actions=actions_for(message) if actions_for else (),
                                  body=body, parts=parts_for(message) if parts_for else None,
                                  followup=is_followup(message, previous), avatar=avatar))
        previous = message
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
                        "aria-label": ngettext("{count} unread", "{count} unread", count)}, str(count) if count else "")


def chatbox(box: Any, buttons: Sequence[Button] = (), avatar_src: str | None = None) -> Markup:
    """A chat box frame (messages are added in batches by the view); ``buttons`` are the toolbar's
    (hook ``getToolbarButtons``); ``avatar_src`` the contact's picture (initials without one)."""
    jid = box.get("jid")
    height = box.get("height")
    return tag("section", {"class": "cpy-chatbox", "data-jid": jid, "aria-label": _("Chat with {jid}", jid=jid),
                           "style": f"height: {int(height)}px" if isinstance(height, (int, float)) else None},
               tag("header", {},
                   avatar_image(avatar_src, str(box.get("fullname") or jid), jid, lookup=jid),
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
                   composer_bar_slot(),
                   tag("form", {"class": "cpy-compose", "data-action": "send", "data-jid": jid},
                       tag("textarea", {"name": "body", "rows": "2", "aria-label": _("Message"),
                                        "placeholder": _("Message")}),
                       tag("button", {"type": "submit"}, _("Send")))))


def headlines_box(box: Any) -> Markup:
    """The box of one sender's headline messages (announcements): a list of messages, no
    composer (headlines are never answered).

    >>> class Box(dict):
    ...     def get(self, key, default=None): return dict.get(self, key, default)
    >>> html = str(headlines_box(Box(jid="<b>localhost", id="headline:x")))
    >>> "Announcements from &lt;b&gt;localhost" in html, "textarea" in html
    (True, False)
    """
    jid = box.get("jid")
    title = _("Announcements from {jid}", jid=jid)
    return tag("section", {"class": "cpy-chatbox cpy-headlines", "data-headlines": jid, "aria-label": title},
               tag("header", {},
                   tag("span", {"class": "cpy-title", "data-role": "title"}, title),
                   tag("button", {"type": "button", "data-action": "toggle-headlines", "data-jid": jid,
                                  "aria-label": _("Minimize"), "aria-expanded": "true"}, "–"),
                   tag("button", {"type": "button", "data-action": "close-headlines", "data-jid": jid,
                                  "aria-label": _("Close")}, "×")),
               tag("div", {"class": "cpy-chat-body", "data-role": "body"},
                   tag("ol", {"class": "cpy-messages", "aria-live": "polite", "data-role": "messages",
                              "tabindex": "0", "aria-label": _("Messages")})))


def composer_bar_slot() -> Markup:
    """Where the composer says what the next message will be (``composer_bar``), above it."""
    return tag("div", {"class": "cpy-composer-bar", "data-role": "composer-bar", "hidden": True})


#: How much of the message being answered the "Replying to" bar shows.
REPLYING_PREVIEW = 80


def composer_bar(box: Any) -> Markup:
    """What the next message of ``box`` will be, from its attributes: ``reply_to`` (``{name,
    text}``: "Replying to name: start of text", a cancel button) and ``spoiler`` (``{hint}``: the
    hint's field, a cancel button). Network text stays text. Empty when neither is set.

    >>> class Box(dict):
    ...     def get(self, key, default=None): return dict.get(self, key, default)
    >>> html = str(composer_bar(Box(reply_to={"name": "Bob", "text": "<b>hi</b>"})))
    >>> "Replying to Bob: &lt;b&gt;hi&lt;/b&gt;" in html, 'data-action="cancel-reply"' in html
    (True, True)
    >>> str(composer_bar(Box()))
    ''
    """
    parts: list[Any] = []
    reply = box.get("reply_to")
    if isinstance(reply, Mapping):
        text = str(reply.get("text") or "")
        if len(text) > REPLYING_PREVIEW:
            text = text[:REPLYING_PREVIEW] + "…"
        parts.append(tag("div", {"class": "cpy-replying", "data-role": "replying"},
                         tag("span", {}, _("Replying to {name}: {text}", name=str(reply.get("name") or ""),
                                           text=text)),
                         tag("button", {"type": "button", "data-action": "cancel-reply",
                                        "aria-label": _("Cancel the reply"), "title": _("Cancel the reply")}, "×")))
    spoiler = box.get("spoiler")
    if isinstance(spoiler, Mapping):
        parts.append(tag("div", {"class": "cpy-spoiler-compose", "data-role": "spoiler-compose"},
                         tag("label", {}, _("Spoiler hint"), " ",
                             tag("input", {"type": "text", "data-role": "spoiler-hint", "maxlength": "200",
                                           "value": str(spoiler.get("hint") or "")})),
                         tag("button", {"type": "button", "data-action": "cancel-spoiler",
                                        "aria-label": _("Send normally, not as a spoiler"),
                                        "title": _("Send normally, not as a spoiler")}, "×")))
    return join(parts)


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
