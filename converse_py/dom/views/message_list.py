"""The message list of a chat box or a room: rows rendered in batches, updated in place.

New messages are buffered and inserted in a microtask once the stanzas being handled are done
(a burst of 1,000 is a handful of DOM writes: rows are built as one HTML string by
``dom/templates.py``), and the list follows them in the next animation frame (views/follow.py:
no forced layout per batch) only while the user is at the bottom (or sent one of them). Archive
pages are prepended in one write with the scroll position kept, the day divider at the boundary
merged; while the history does not fill the list, the page before it is fetched ("fill"), and
scrolling near the top asks for it too. A message changed in place (corrected, delivered, read,
failed, expanded) replaces its one row. A long body's "Show more" and a failed message's "Resend"
buttons are handled here (the model changes; the row follows), as are a reply's quote
(``data-action="show-message"`` ``data-ref``: scroll to the message and highlight it) and the
buttons plugins put in their row parts (``data-action="message-part"`` ``data-name``: event
``messagePartClicked`` with the box, the message and the name). The first row of each group of
consecutive messages shows its sender's avatar (setting ``show_message_avatar``). Rows contain
their layout, paint and style (CSS ``contain``): a row that changes lays out and paints alone.

Example (what ``ChatBoxView`` does)::

    messages = MessageListView(converse, box, list_element, history_status, proxies)
    messages.render_all()           # the box's history so far; later batches follow by themselves
"""

from __future__ import annotations

import asyncio
from typing import Any
from collections.abc import Callable

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...core.session import own_bare
from ...plugins.chats.models import APPEND, HOLD, PREPEND, ChatBox, ShownMessage
from ...plugins.styling.plugin import MessageStyling
from .. import templates
from ..ffi import ProxyKeeper, found
from ..hooks import message_actions_for, message_parts_for
from ..html import Markup
from ..room_templates import occupant_avatar_jid
from .action_bar import ActionBar
from .avatars import avatar_url
from .follow import BottomFollower

#: Pixels from the top of the history at which the previous archive page is requested.
LOAD_OLDER_AT = 80
#: Pixels from the bottom within which the history follows new messages.
STICK_TO_BOTTOM = 60
#: Milliseconds at most that a row marked ``HOLD`` (and the live rows after it) waits for its change.
HOLD_MS = 150
#: Rows waiting behind a held one that are shown without waiting longer (a burst is drawn in
#: batches of this size, not all at once when the hold ends).
HOLD_MAX_ROWS = 50
#: Rows from the end looked at one by one before a selector looks through the whole list.
RECENT_ROWS = 16

#: How long a message a reply's quote led to stays highlighted.
HIGHLIGHT_MS = 2000

#: ``on_new(messages)``: a batch of live messages was added at the end (sounds, …).
NewListener = Callable[[list[ShownMessage]], None]


def message_by_key(box: ChatBox, key: str) -> ShownMessage | None:
    """The message of ``box`` whose row's ``data-id`` is ``key`` (the newest first)."""
    return next((m for m in reversed(box.messages) if templates.message_key(m) == key), None)


def media_failed(event: Any) -> None:
    """An inline image, audio or video (converse-media) that failed to load: its link instead,
    the URL as text."""
    element = event.target
    if not hasattr(element, "classList") or not element.classList.contains("cpy-media"):
        return
    url = str(element.getAttribute("src") or "")
    link = js.document.createElement("a")
    link.className = "cpy-media-failed"
    link.href = url
    link.target = "_blank"
    link.rel = "noopener noreferrer"
    link.textContent = url
    holder = element.parentElement
    if found(holder) and holder.classList.contains("cpy-media-link"):
        holder.replaceWith(link)
    else:
        element.replaceWith(link)


class MessageListView:
    """The ``<ol>`` of one box's messages; listens to the box (a ``ChatBox`` or a ``Room``)."""

    def __init__(self, converse: Converse, box: ChatBox, element: Any, history_status: Any,
                 proxies: ProxyKeeper, *, room: bool = False, on_new: NewListener | None = None) -> None:
        self.converse = converse
        self.box = box
        self.element = element
        self.history_status = history_status
        self.room = room
        self._on_new = on_new
        self.pending: list[ShownMessage] = []
        self.last_day: str | None = None
        self.last_shown: ShownMessage | None = None  # the newest row: a new batch may continue its group
        self._follow = True
        element.addEventListener("scroll", proxies.keep(self.on_scroll), js.Object.fromEntries(
            [["passive", True]]))
        element.addEventListener("click", proxies.keep(self.on_click))
        # Media that fail to load (errors do not bubble: caught on the way down) become their link.
        element.addEventListener("error", proxies.keep(media_failed), True)
        # New rows show once the stanzas being handled now (a whole BOSH response's) are done:
        # at the batch's end (Session.after_stanzas), or in a microtask for rows that came some
        # other way; before any timer task (asyncio's call_soon is a setTimeout, which let other
        # callbacks run first: ~1.4 ms more per message).
        self._flush_soon = proxies.keep(self.flush)
        self._append_html = element.insertAdjacentHTML  # bound to the list, looked up once
        self._on_hold_end = proxies.keep(self._flush_held)
        self._hold_timer: Any = None  # a setTimeout id while a HOLD row waits
        self._unhighlight = proxies.keep(self._unhighlight_row)
        # Sticking to the newest rows happens in the next animation frame (no forced layout
        # between inserting rows and the end of the task); then the new rows count as seen.
        self.follower = BottomFollower(element, proxies, after=self._after_follow)
        # Rows are drawn without their plugin buttons: the row in use gets them (views/action_bar.py).
        self.action_bar = ActionBar(element, proxies, self._buttons_of_row)
        self._avatars_class: bool | None = None  # whether the list has the class cpy-msg-avatars
        self._unseen_followed = False
        box.on_messages(self.on_messages)
        box.on_update(self.on_update)
        box.on_change(self._on_box_change)

    # -- rows -----------------------------------------------------------------------------------
    def _rows(self, messages: list[ShownMessage], last_day: str | None = None,
              previous: ShownMessage | None = None) -> tuple[str, str | None]:
        return templates.message_items(messages, last_day, room=self.room,
                                       body=self._body(), parts_for=message_parts_for(self.converse, self.box),
                                       previous=previous, avatar=self._avatar_for())

    def _row(self, message: ShownMessage, followup: bool = False) -> str:
        parts_for = message_parts_for(self.converse, self.box)
        return templates.message_item(message, room=self.room, body=self._body(),
                                      parts=parts_for(message) if parts_for else None,
                                      followup=followup, avatar=self._avatar_for())

    def _buttons_of_row(self, row: Any) -> list[templates.Button]:
        """The plugin buttons of the message ``row`` shows (hook ``getMessageActionButtons``)."""
        actions_for = message_actions_for(self.converse, self.box)
        message = message_by_key(self.box, str(row.getAttribute("data-id"))) if actions_for is not None else None
        return list(actions_for(message)) if actions_for is not None and message is not None else []

    def _avatar_for(self) -> templates.AvatarFor | None:
        """The avatar of a group's first row (setting ``show_message_avatar``; None: no avatars).
        The list gets the class ``cpy-msg-avatars`` (rows indented, followups aligned). Pictures
        are looked up per group (``avatar_url``: a dict lookup); rows already shown follow
        ``avatarChanged`` (views/avatars.py redraws every ``data-avatar-for`` element)."""
        shown = bool(self.converse.settings.get("show_message_avatar"))
        if shown != self._avatars_class:  # written when it changes, not once per batch
            self._avatars_class = shown
            self.element.classList.toggle("cpy-msg-avatars", shown)
        if not shown:
            return None
        converse = self.converse
        box_jid = str(self.box.get("jid") or "")
        if self.room:
            occupants = getattr(self.box, "occupants", {})

            def occupant_avatar(message: ShownMessage) -> Markup:
                # As the occupants list: the nick's initial and colour; the occupant's real bare JID
                # when the room discloses it, else its occupant JID (room@service/nick).
                nick = message.sender
                lookup = occupant_avatar_jid(box_jid, occupants.get(nick) or {"nick": nick})
                return templates.message_avatar(avatar_url(converse, lookup), nick, nick, lookup)
            return occupant_avatar
        own = own_bare(converse.session) or ""
        fullname = str(self.box.get("fullname") or "")

        def chat_avatar(message: ShownMessage) -> Markup:
            jid = own if message.outgoing else (message.sender or box_jid)
            name = jid.partition("@")[0] if message.outgoing \
                else message.sender_name or (fullname if fullname != jid else "") or jid.partition("@")[0]
            return templates.message_avatar(avatar_url(converse, jid), name, jid, jid or None)
        return chat_avatar

    def _body(self) -> Callable[[str], str]:
        """Message bodies as HTML: styled (XEP-0393) while the styling plugin is on, else linkified."""
        styling = self.converse.find(MessageStyling)
        return styling.renderer(templates.linkify) if styling is not None else templates.linkify

    def row_element(self, message: ShownMessage) -> Any:
        """The ``<li>`` of ``message`` (JS ``null`` when it is not rendered yet). The newest rows
        are looked at first, one by one: what changes is mostly what just came (a decrypted, a
        delivered or a reacted-to message), and a selector over a long list read every row's
        subtree (1.2 ms a lookup with 1,000 rows)."""
        key = templates.message_key(message)
        row = self.element.lastElementChild
        for _ in range(RECENT_ROWS):
            if not found(row):
                break
            if row.getAttribute("data-id") == key:
                return row
            row = row.previousElementSibling
        return self.element.querySelector(f'li.cpy-msg[data-id="{js.CSS.escape(key)}"]')

    # -- the box's messages ----------------------------------------------------------------------
    def on_messages(self, _box: ChatBox, messages: list[ShownMessage], where: str) -> None:
        if where == APPEND:
            if not self.pending:
                session = self.converse.session
                if not session.after_stanzas(self.flush):  # a received batch: drawn at its end
                    js.queueMicrotask(self._flush_soon)
                self._follow = self.near_bottom() or any(m.outgoing for m in messages)
            self.pending.extend(messages)
            if self._hold_timer is None and any(HOLD in m.extras for m in messages if m.extras):
                self._hold_timer = js.setTimeout(self._on_hold_end, HOLD_MS)
            elif self._hold_timer is not None and len(self.pending) >= HOLD_MAX_ROWS:
                js.queueMicrotask(self._flush_soon)  # a burst: shown in batches of this size at most
            if self._on_new is not None:
                self._on_new(messages)
        elif where == PREPEND:
            self.prepend(messages)
        else:
            self.render_all()

    def flush(self, *_: Any) -> None:
        """Insert the waiting live rows at the end (one DOM write). While a row marked ``HOLD``
        waits for its change (at most ``HOLD_MS``), it and the rows after it wait too."""
        if self._hold_timer is not None:
            if len(self.pending) < HOLD_MAX_ROWS and any(HOLD in m.extras for m in self.pending if m.extras):
                return  # the change, or the hold's end, flushes
            js.clearTimeout(self._hold_timer)
            self._hold_timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        html, self.last_day = self._rows(batch, self.last_day, self.last_shown)
        self.last_shown = batch[-1]
        if self._follow or any(m.outgoing for m in batch):
            # Rows added while the user reads older ones (not following) are not on screen.
            self._unseen_followed = self._unseen_followed or any(not m.outgoing for m in batch)
            self.follower.follow_soon()  # a frame callback: asked for before the write, runs after it
        self._append_html("beforeend", html)
        if any(m.archived for m in batch):
            asyncio.get_event_loop().call_soon(self.fill)

    def on_update(self, _box: ChatBox, message: ShownMessage, _changed: tuple[str, ...]) -> None:
        """A message changed (delivered, read, corrected): its row is replaced, nothing else."""
        self.rerender(message)

    def rerender(self, message: ShownMessage) -> None:
        """Render ``message``'s row again (its plugin buttons asked again too); the other rows stay."""
        key = templates.message_key(message)
        for index, waiting in enumerate(self.pending):
            if templates.message_key(waiting) == key:
                self.pending[index] = message  # not on screen yet: the flush shows the new one
                if self._hold_timer is not None and HOLD in waiting.extras and HOLD not in message.extras:
                    self.flush()  # shown now unless another row is still held
                return
        row = self.row_element(message)
        if found(row):
            had_bar = self.action_bar.holder() == row
            row.outerHTML = self._row(message, followup=bool(row.classList.contains("cpy-followup")))
            if had_bar:  # the row in use keeps its buttons
                self.action_bar.show(self.row_element(message))

    def prepend(self, messages: list[ShownMessage]) -> None:
        """An older page: inserted above, the rows in view stay where they are."""
        html, batch_last_day = self._rows(messages)
        element = self.element
        first = element.firstElementChild  # null while the first live rows wait for their flush
        if found(first) and first.classList.contains("cpy-day") \
                and first.getAttribute("data-day") == batch_last_day:
            first.remove()  # the day continues from the new rows
        before = element.scrollHeight
        top = element.scrollTop
        element.insertAdjacentHTML("afterbegin", html)
        if self.last_day is None:
            self.last_day = batch_last_day
        if messages:
            self._continue_group(messages[-1])
        element.scrollTop = top + (element.scrollHeight - before)
        asyncio.get_event_loop().call_soon(self.fill)  # once the fetch that brought this page is done

    def _continue_group(self, last_of_page: ShownMessage) -> None:
        """After an older page: the row that was first may now continue the page's last group."""
        messages = self.box.messages
        for index, message in enumerate(messages):
            if message is last_of_page:
                if index + 1 < len(messages) and templates.is_followup(messages[index + 1], last_of_page):
                    row = self.row_element(messages[index + 1])
                    if found(row):
                        row.classList.add("cpy-followup")
                        avatar = row.querySelector(":scope > .cpy-msg-avatar")
                        if found(avatar):
                            avatar.remove()  # the group's avatar is the older page's first row's
                return

    def fill(self) -> None:
        """While the history does not fill the visible list yet, fetch the page before it (there is
        no scrolling up to ask for it). A hidden or minimized box (no height) fetches nothing."""
        height = self.element.clientHeight
        if height and self.element.scrollHeight <= height + LOAD_OLDER_AT:
            self.box.load_older()

    def render_all(self) -> None:
        """Re-render the whole history (the first time, or messages arrived out of order)."""
        self.pending = []
        self._end_hold()
        html, self.last_day = self._rows(self.box.messages)
        self.last_shown = self.box.messages[-1] if self.box.messages else None
        self.element.innerHTML = html
        self.scroll_to_bottom()

    # -- row buttons: "Show more" on a long body, "Resend" on a failed message ------------------
    def on_click(self, event: Any) -> None:
        target = event.target
        button = target.closest("[data-action]") if hasattr(target, "closest") else None
        if not found(button):
            return
        action = str(button.getAttribute("data-action"))
        if action == "show-message":
            self.show_message(str(button.getAttribute("data-ref") or ""))
            return
        if action not in ("show-more", "resend", "message-part"):
            return
        row = button.closest("li.cpy-msg")
        message = message_by_key(self.box, str(row.getAttribute("data-id"))) if found(row) else None
        if message is None:
            return
        if action == "message-part":  # a plugin's part of the row (hook getMessageParts)
            self.converse.trigger("messagePartClicked", self.box, message, str(button.getAttribute("data-name")))
        elif action == "show-more":
            self.box.update_message(message, expanded=True)  # its row is rendered again, in full
        elif message.error and not message.resent:
            try:
                self.box.resend_message(message.id or message.origin_id)
            except Exception:  # e.g. a createMessageStanza listener refused: the row stays failed
                logger.exception("resending a failed message")

    def show_message(self, ref: str) -> None:
        """Scroll to the message ``ref`` names (a reply's quote was clicked) and highlight it for a
        moment; nothing when it is not loaded."""
        target = self.box.find_target(ref)
        row = self.row_element(target) if target is not None else None
        if not found(row):
            return
        row.scrollIntoView(js.Object.fromEntries([["block", "center"]]))
        row.classList.add("cpy-highlight")
        js.setTimeout(self._unhighlight, HIGHLIGHT_MS, row)

    @staticmethod
    def _unhighlight_row(row: Any) -> None:
        row.classList.remove("cpy-highlight")

    def _flush_held(self, *_: Any) -> None:
        """The hold's time is up: every waiting row is shown, changed or not."""
        self._hold_timer = None
        self.flush()

    def _end_hold(self) -> None:
        if self._hold_timer is not None:
            js.clearTimeout(self._hold_timer)
            self._hold_timer = None

    # -- scrolling ----------------------------------------------------------------------------
    def scroll_to_bottom(self) -> None:
        self.element.scrollTop = self.element.scrollHeight

    def near_bottom(self) -> bool:
        return self.follower.near_bottom(STICK_TO_BOTTOM)

    def _after_follow(self) -> None:
        """The list was scrolled to its newest rows (in an animation frame)."""
        if self._unseen_followed:
            self._unseen_followed = False
            if self.near_bottom():
                self.box.composer_activity("seen")  # the newest message is on screen (chat markers)

    def on_scroll(self, _event: Any) -> None:
        if self.element.scrollTop < LOAD_OLDER_AT and self.box.messages:
            self.box.load_older()
        elif self.near_bottom():
            self.box.composer_activity("seen")  # scrolled back down to the newest messages

    def _on_box_change(self, _box: Any, changed: dict[str, Any]) -> None:
        if "archive_loading" in changed and found(self.history_status):
            self.history_status.hidden = not changed["archive_loading"]
        if changed.get("unread_divider"):
            self.show_unread_divider(str(changed["unread_divider"]))

    def show_unread_divider(self, key: str) -> None:
        """The "new messages" line, above the row ``key`` (the first message the user had not
        seen when the box was shown again; plugins/notifications sets ``unread_divider``). The
        previous line goes; the attribute is reset so the same row can be marked again later."""
        self._end_hold()
        self.flush()  # the row may still wait for its batch
        old = self.element.querySelector('[data-role="new-messages"]')
        if found(old):
            old.remove()
        row = self.element.querySelector(f'li.cpy-msg[data-id="{js.CSS.escape(key)}"]')
        if found(row):
            row.insertAdjacentHTML("beforebegin", templates.unread_divider())
        self.box.set("unread_divider", None)
