"""Chat box views: one element per open box; its messages are a ``MessageListView``
(views/message_list.py: rows rendered in batches, updated in place, archive pages on scroll)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.chats.models import ChatBox, ShownMessage
from ...plugins.chats.plugin import ChatsState
from ...i18n import _
from .. import templates
from ..ffi import ProxyKeeper
from ..hooks import toolbar_buttons
from .avatars import avatar_url
from .composer_bar import ComposerBar
from .message_list import MessageListView

if TYPE_CHECKING:
    from .ui import UIPlugin

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
        chats = converse.find(ChatsState)
        for box in chats.boxes.values() if chats is not None else []:
            if not box.get("closed"):
                self.open_box(box)

    def _box_for(self, element: Any) -> ChatBox | None:
        chats = self.converse.find(ChatsState)
        return chats.boxes.get(str(element.getAttribute("data-jid"))) if chats is not None else None

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
            view.render_toolbar()
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
        elif event.key == "Escape":
            box = self._box_for(form)
            if box is not None and (box.get("reply_to") is not None or box.get("spoiler") is not None):
                event.preventDefault()  # Escape drops the "Replying to" / spoiler bar first
                box.set({"reply_to": None, "spoiler": None})

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
    """One chat box element; its message list is a ``MessageListView``."""

    def __init__(self, parent: ChatsView, box: ChatBox, container: Any) -> None:
        self.parent = parent
        self.box = box
        converse = parent.converse
        container.insertAdjacentHTML("beforeend", templates.chatbox(box, toolbar_buttons(converse, box),
                                                                      avatar_url(converse, box.get("jid"))))
        self.element = container.lastElementChild
        self.proxies = ProxyKeeper()
        self.messages = MessageListView(converse, box, self.element.querySelector('[data-role="messages"]'),
                                        self.element.querySelector('[data-role="history"]'), self.proxies,
                                        on_new=self._on_new)
        self.list = self.messages.element
        self.chat_state = self.element.querySelector('[data-role="chat-state"]')
        self.composer_bar = ComposerBar(box, self.element.querySelector('[data-role="composer-bar"]'), self.proxies)
        box.on_change(self.on_change)
        self.on_change(box, {"minimized": box.get("minimized")})
        if box.messages:
            self.messages.render_all()
        box.composer_activity("seen")

    def _on_new(self, messages: list[ShownMessage]) -> None:
        if any(not m.outgoing and not m.archived for m in messages):
            self.parent.play_sound()

    def render_toolbar(self) -> None:
        """Ask the plugins for the toolbar's buttons again (hook ``getToolbarButtons``)."""
        self.element.querySelector('[data-role="toolbar"]').outerHTML = templates.toolbar(
            toolbar_buttons(self.parent.converse, self.box))

    def scroll_to_bottom(self) -> None:
        self.messages.scroll_to_bottom()

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
