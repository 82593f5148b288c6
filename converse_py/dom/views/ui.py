"""The ``converse-ui`` core plugin: the root element and event routing for the views.

Rendering is batched: a view builds a whole fragment's HTML in Python (escaped
by ``converse_py.dom.html``) and crosses into the DOM once. One delegated
listener per event type on the root routes elements carrying ``data-action``
to the handler a view registered for that action (``UIPlugin.on_action``).
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import js  # type: ignore[import-not-found]

from ...browser.languages import browser_languages
from ...core.log import logger
from ...i18n import LANGUAGES, choose_language, direction
from ...plugins.notifications.plugin import NotificationsState
from ..ffi import ProxyKeeper, found
from ..ui_declaration import UIDeclaration
from ...browser.images import BrowserImages
from ...plugins.avatars.plugin import AvatarState
from .avatars import AvatarViews
from .buttons import PluginButtons
from .chatbox import ChatsView
from .strangers import StrangerBanners
from .contacts import ContactManageView
from .controlbox import ControlBoxView
from .notifications import NotificationsView
from .autocomplete import ComposerCompletion
from .emoji import EmojiView
from .mentions import MentionsView
from .message_tools import MessageTools
from .headlines import HeadlinesView
from .otr import OtrView
from .omemo import OmemoView
from .moderation import ModerationView
from .reactions import ReactionsView
from .rooms import RoomsView
from .bookmarks import OpenRoomsView
from .room_life import RoomLifeView
from ...plugins.room_life.state import RoomLife
from .uploads import UploadsView
from .screens import ScreensView

#: DOM event types routed by ``data-action``.
ROUTED_EVENTS = ("submit", "click", "change", "input", "keydown", "focusin")

ActionHandler = Callable[[Any, Any], None]  # (the element with data-action, the DOM event)


class UIPlugin(UIDeclaration):
    """Renders into ``#conversejs`` (made by the shim, or here if missing); its declaration (name,
    settings, and the hooks plugins use to add buttons to message rows and box toolbars) is
    ``dom/ui_declaration.py``."""

    def initialize(self) -> None:
        converse = self._converse
        code = choose_language(converse.settings.get("i18n"), browser_languages(), converse.settings.get("locales"))
        self.proxies = ProxyKeeper()
        self.root = js.document.getElementById("conversejs")
        if not found(self.root):
            self.root = js.document.createElement("div")
            self.root.id = "conversejs"
            js.document.body.appendChild(self.root)
        self.root.className = f"converse-py cpy-{converse.settings.get('view_mode')}"
        if code in LANGUAGES:
            self.root.setAttribute("lang", code)
        self.root.setAttribute("dir", direction())  # Arabic: right to left
        self.root.innerHTML = (
            '<div class="cpy-controlbox-slot" data-role="controlbox-slot"></div>'
            '<div class="cpy-chats" data-role="chats"></div>')
        self._handlers: dict[tuple[str, str], ActionHandler] = {}
        for kind in ROUTED_EVENTS:
            self.root.addEventListener(kind, self.proxies.keep(lambda event, kind=kind: self._route(kind, event)))
        self.uploads = UploadsView(converse, self)  # first: its toolbar button is in every box
        avatars = converse.find(AvatarState)
        if avatars is not None:
            avatars.images = BrowserImages()  # decode checks and the canvas need the page
        # Before the boxes are made: their toolbars and rows ask these for buttons.
        self.completion = ComposerCompletion(self.root)  # the :shortcode and @nick suggestions
        self.emoji = EmojiView(converse, self, self.root)
        self.mentions = MentionsView(converse, self, self.root)
        self.message_tools = MessageTools(converse, self, self.root)
        self.controlbox = ControlBoxView(converse, self, self.root.querySelector('[data-role="controlbox-slot"]'))
        self.chats = ChatsView(converse, self, self.root.querySelector('[data-role="chats"]'))
        self.contacts = ContactManageView(converse, self, self.root)  # after self.chats: decorates its headers
        self.otr = OtrView(converse, self, self.root)  # after self.chats: it decorates the chat boxes
        self.omemo = OmemoView(converse, self, self.root)  # after self.chats: locks in the chat box headers
        self.rooms = RoomsView(converse, self, self.root.querySelector('[data-role="chats"]'), self.controlbox.panel)
        self.open_rooms = OpenRoomsView(converse, self, self.rooms, self.controlbox.panel)
        self.room_life = RoomLifeView(converse, self, self.rooms) if converse.find(RoomLife) is not None else None
        self.buttons = PluginButtons(converse, self, self.chats, self.rooms)
        self.strangers = StrangerBanners(converse, self, self.chats)
        self.avatars = AvatarViews(converse, self, self.root)
        notifications = converse.find(NotificationsState)
        self.notifications = NotificationsView(converse, self.root, notifications) \
            if notifications is not None else None
        self.headlines = HeadlinesView(converse, self, self.root.querySelector('[data-role="chats"]'))
        self.reactions = ReactionsView(converse, self, self.buttons)
        self.moderation = ModerationView(converse, self)
        self.screens = ScreensView(converse, self, self.root)  # last: it decorates the boxes the others made

    def on_action(self, kind: str, action: str, handler: ActionHandler) -> None:
        """Call ``handler(element, event)`` for ``kind`` events on elements with ``data-action=action``
        (``kind`` is one of ROUTED_EVENTS; submit events are prevented from navigating). A second
        handler for the same action runs after the first (the open rooms list maximizes a room,
        the small-screen view then shows it), never in its place."""
        if kind not in ROUTED_EVENTS:
            raise ValueError(f"not a routed DOM event: {kind!r}")
        earlier = self._handlers.get((kind, action))
        if earlier is None:
            self._handlers[(kind, action)] = handler
            return

        def both(element: Any, event: Any) -> None:
            earlier(element, event)
            handler(element, event)
        self._handlers[(kind, action)] = both

    def _route(self, kind: str, event: Any) -> None:
        target = event.target
        element = target.closest("[data-action]") if hasattr(target, "closest") else None
        if not found(element):
            return
        handler = self._handlers.get((kind, str(element.getAttribute("data-action"))))
        if handler is None:
            return
        if kind == "submit":
            event.preventDefault()
        try:
            handler(element, event)
        except Exception:  # a broken handler must not break the page's other handlers
            logger.exception("UI handler for %s/%s failed", kind, element.getAttribute("data-action"))
