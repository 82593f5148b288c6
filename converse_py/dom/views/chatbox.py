"""Chat box views: one element per open box, messages rendered in batches.

New messages are buffered and inserted in a microtask once the stanzas being handled are done
(a burst of 1,000 is a handful of DOM writes), and the list follows them in the next animation
frame (views/follow.py: no forced layout per batch); archive pages are prepended in one write
with the scroll position kept; rows are styled ``content-visibility: auto`` so the browser
skips laying out and painting the thousands of rows out of view. Scrolling near the top asks
the archive for the page before the oldest message.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.chats.models import APPEND, PREPEND, ChatBox, ShownMessage
from ...i18n import _
from .. import templates
from ..ffi import ProxyKeeper, found
from .follow import BottomFollower

if TYPE_CHECKING:
    from .ui import UIPlugin

#: Pixels from the top of the history at which the previous archive page is requested.
LOAD_OLDER_AT = 80
#: Pixels from the bottom within which the history follows new messages.
STICK_TO_BOTTOM = 60
SOUND_FILE = "msg_received.wav"


class ChatsView:
    """The row of chat boxes; follows chatBoxOpened/Closed/Focused."""

    def __init__(self, converse: Converse, ui: UIPlugin, container: Any) -> None:
        self.converse = converse
        self.container = container
        self.box_views: dict[str, ChatBoxView] = {}
        self.proxies = ProxyKeeper()
        self._ignore = self.proxies.keep(lambda *_: None)
        listen = converse.api.listen
        listen.on("chatBoxOpened", self.open_box)
        listen.on("chatBoxClosed", self.close_box)
        listen.on("chatBoxFocused", self.focus_box)
        ui.on_action("submit", "send", lambda form, _event: self.submit_message(form))
        ui.on_action("keydown", "send", self.on_compose_key)
        ui.on_action("input", "send", self.on_compose_input)
        ui.on_action("focusin", "send", self.on_compose_focus)
        ui.on_action("click", "close-chat", self.on_close_click)
        ui.on_action("click", "toggle-chat", self.on_toggle_click)
        chats = getattr(converse, "chats", None)
        for box in chats.boxes.values() if chats is not None else []:
            if not box.get("closed"):
                self.open_box(box)

    def _box_for(self, element: Any) -> ChatBox | None:
        return self.converse.chats.boxes.get(str(element.getAttribute("data-jid")))  # type: ignore[attr-defined]

    def on_close_click(self, element: Any, _event: Any) -> None:
        box = self._box_for(element)
        if box is not None:
            box.close()

    def on_toggle_click(self, element: Any, _event: Any) -> None:
        box = self._box_for(element)
        if box is not None:
            box.maximize() if box.get("minimized") else box.minimize()

    def open_box(self, box: ChatBox) -> None:
        if box.get("type") == "chatroom":
            return  # rooms have their own view (views/rooms.py)
        view = self.box_views.get(box.get("jid"))
        if view is None:
            self.box_views[box.get("jid")] = ChatBoxView(self, box, self.container)
        else:
            view.element.hidden = False
            view.scroll_to_bottom()
            box.composer_activity("seen")

    def close_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is not None:
            view.element.hidden = True

    def focus_box(self, box: ChatBox) -> None:
        view = self.box_views.get(box.get("jid"))
        if view is not None:
            view.element.querySelector("textarea").focus()

    def on_compose_key(self, form: Any, event: Any) -> None:
        """Enter sends, Shift+Enter makes a new line; Up in an empty composer edits the user's last
        message (XEP-0308), Escape cancels the edit."""
        if event.target.tagName != "TEXTAREA":
            return
        textarea = event.target
        if event.key == "Enter" and not event.shiftKey and not event.isComposing:
            event.preventDefault()
            self.submit_message(form)
        elif event.key == "ArrowUp" and not str(textarea.value) and not event.isComposing:
            box = self._box_for(form)
            last = box.last_outgoing() if box is not None else None
            if last is None or not self.converse.settings.get("allow_message_corrections"):
                return
            event.preventDefault()
            textarea.value = last.body
            form.setAttribute("data-correcting", last.id or last.origin_id)
            form.classList.add("cpy-correcting")
        elif event.key == "Escape" and form.hasAttribute("data-correcting"):
            event.preventDefault()
            textarea.value = ""
            self._end_correcting(form)

    @staticmethod
    def _end_correcting(form: Any) -> None:
        form.removeAttribute("data-correcting")
        form.classList.remove("cpy-correcting")

    def on_compose_input(self, form: Any, event: Any) -> None:
        """Typing (chat states): a key that leaves text in the composer."""
        box = self._box_for(form)
        if box is not None and event.target.tagName == "TEXTAREA" and str(event.target.value):
            box.composer_activity("typing")

    def on_compose_focus(self, form: Any, _event: Any) -> None:
        box = self._box_for(form)
        if box is not None:
            box.composer_activity("focus")

    def submit_message(self, form: Any) -> None:
        textarea = form.elements.namedItem("body")
        text = str(textarea.value)
        if not text.strip():
            return
        box = self._box_for(form)
        if box is None:
            return
        correcting = form.getAttribute("data-correcting")
        try:
            if correcting:
                box.correct_message(text, str(correcting))
            else:
                box.send_message(text)
        except Exception as exc:
            logger.error("could not send: %s", exc)
            return
        textarea.value = ""
        self._end_correcting(form)

    def play_sound(self) -> None:
        """The incoming-message sound, when play_sounds is on and the page is not in front."""
        settings = self.converse.settings
        if not settings.get("play_sounds") or (not js.document.hidden and js.document.hasFocus()):
            return
        try:
            audio = js.Audio.new(str(settings.get("sounds_path")) + SOUND_FILE)
            audio.play().catch(self._ignore)  # autoplay may be refused: never an error
        except Exception as exc:
            logger.debug("could not play the message sound: %s", exc)


class ChatBoxView:
    """One chat box element."""

    def __init__(self, parent: ChatsView, box: ChatBox, container: Any) -> None:
        self.parent = parent
        self.box = box
        container.insertAdjacentHTML("beforeend", templates.chatbox(box))
        self.element = container.lastElementChild
        self.list = self.element.querySelector('[data-role="messages"]')
        self.history_status = self.element.querySelector('[data-role="history"]')
        self.pending: list[ShownMessage] = []
        self.last_day: str | None = None
        self._follow = True
        self.proxies = ProxyKeeper()
        self.list.addEventListener("scroll", self.proxies.keep(self.on_scroll), js.Object.fromEntries(
            [["passive", True]]))
        # New rows show in a microtask: once the stanzas being handled now (a whole BOSH
        # response's) are done, before any timer task (asyncio's call_soon is a setTimeout, which
        # let other callbacks run first: ~1.4 ms more per message).
        self._flush_soon = self.proxies.keep(self.flush)
        # Sticking to the newest rows happens in the next animation frame (no forced layout
        # between inserting rows and the end of the task); then the new rows count as seen.
        self.follower = BottomFollower(self.list, self.proxies, after=self._after_follow)
        self._unseen_followed = False
        self.chat_state = self.element.querySelector('[data-role="chat-state"]')
        box.on_messages(self.on_messages)
        box.on_update(self.on_update)
        box.on_change(self.on_change)
        self.on_change(box, {"minimized": box.get("minimized")})
        if box.messages:
            self.render_all()
        box.composer_activity("seen")

    # -- messages ------------------------------------------------------------------------
    def on_messages(self, _box: ChatBox, messages: list[ShownMessage], where: str) -> None:
        if where == APPEND:
            if not self.pending:
                js.queueMicrotask(self._flush_soon)
                self._follow = self._near_bottom() or any(m.outgoing for m in messages)
            self.pending.extend(messages)
            if any(not m.outgoing and not m.archived for m in messages):
                self.parent.play_sound()
        elif where == PREPEND:
            self.prepend(messages)
        else:
            self.render_all()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        html, self.last_day = templates.message_items(batch, self.last_day)
        self.list.insertAdjacentHTML("beforeend", html)
        if self._follow or any(m.outgoing for m in batch):
            # Rows added while the user reads older ones (not following) are not on screen.
            self._unseen_followed = self._unseen_followed or any(not m.outgoing for m in batch)
            self.follower.follow_soon()
        if any(m.archived for m in batch):
            asyncio.get_event_loop().call_soon(self.fill)

    def _after_follow(self) -> None:
        """The list was scrolled to its newest rows (in an animation frame)."""
        if self._unseen_followed:
            self._unseen_followed = False
            if self._near_bottom():
                self.box.composer_activity("seen")  # the newest message is on screen (chat markers)

    def on_update(self, _box: ChatBox, message: ShownMessage, _changed: tuple[str, ...]) -> None:
        """A message changed (delivered, read, corrected): its row is replaced, nothing else."""
        key = templates.message_key(message)
        for index, waiting in enumerate(self.pending):
            if templates.message_key(waiting) == key:
                self.pending[index] = message  # not on screen yet: the flush shows the new one
                return
        row = self.list.querySelector(f'li.cpy-msg[data-id="{js.CSS.escape(key)}"]')
        if found(row):
            row.outerHTML = templates.message_item(message)

    def prepend(self, messages: list[ShownMessage]) -> None:
        """An older page: inserted above, the rows in view stay where they are."""
        html, batch_last_day = templates.message_items(messages)
        first = self.list.firstElementChild  # null while the first live rows wait for their flush
        if found(first) and first.classList.contains("cpy-day") \
                and first.getAttribute("data-day") == batch_last_day:
            first.remove()  # the day continues from the new rows
        before = self.list.scrollHeight
        top = self.list.scrollTop
        self.list.insertAdjacentHTML("afterbegin", html)
        if self.last_day is None:
            self.last_day = batch_last_day
        self.list.scrollTop = top + (self.list.scrollHeight - before)
        asyncio.get_event_loop().call_soon(self.fill)  # once the fetch that brought this page is done

    def fill(self) -> None:
        """While the history does not fill the visible list yet, fetch the page before it (there is
        no scrolling up to ask for it). A hidden or minimized box (no height) fetches nothing."""
        height = self.list.clientHeight
        if height and self.list.scrollHeight <= height + LOAD_OLDER_AT:
            self.box.load_older()

    def render_all(self) -> None:
        """Re-render the whole history (messages arrived out of order)."""
        self.pending = []
        html, self.last_day = templates.message_items(self.box.messages)
        self.list.innerHTML = html
        self.scroll_to_bottom()

    def scroll_to_bottom(self) -> None:
        self.list.scrollTop = self.list.scrollHeight

    def _near_bottom(self) -> bool:
        return self.follower.near_bottom(STICK_TO_BOTTOM)

    def on_scroll(self, _event: Any) -> None:
        if self.list.scrollTop < LOAD_OLDER_AT and self.box.messages:
            self.box.load_older()
        elif self._near_bottom():
            self.box.composer_activity("seen")  # scrolled back down to the newest messages

    # -- attributes ----------------------------------------------------------------------
    def on_change(self, box: ChatBox, changed: dict[str, Any]) -> None:
        element = self.element
        if "minimized" in changed:
            minimized = bool(changed["minimized"])
            element.classList.toggle("cpy-minimized", minimized)
            element.querySelector('[data-role="body"]').hidden = minimized
            toggle = element.querySelector('[data-action="toggle-chat"]')
            toggle.setAttribute("aria-expanded", "false" if minimized else "true")
            toggle.setAttribute("aria-label", _("Maximize") if minimized else _("Minimize"))
            if not minimized:
                self.scroll_to_bottom()
                box.composer_activity("seen")
        if "num_unread" in changed:
            element.querySelector('[data-role="unread"]').outerHTML = templates.unread_badge(
                changed["num_unread"] or 0)
        if "height" in changed:
            height = changed["height"]
            element.style.height = f"{int(height)}px" if isinstance(height, (int, float)) else ""
        if "url" in changed or "fullname" in changed:
            element.querySelector('[data-role="title"]').innerHTML = templates.chat_title(box)
        if "chat_state" in changed:
            self.chat_state.textContent = templates.chat_state_text(box)
        if "archive_loading" in changed:
            self.history_status.hidden = not changed["archive_loading"]
