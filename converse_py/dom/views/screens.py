"""Screens: the theme (light or dark), one pane at a time on small screens, drag-resizable boxes.

- Theme: the root gets ``cpy-theme-light`` or ``cpy-theme-dark``: the ``dark_theme`` setting while
  the system prefers a dark colour scheme, else ``theme`` (Converse.js's rule and names); it follows
  the system when its preference changes, and the settings when they change
  (``api.settings.set('theme', 'dark')``). Every colour in converse.css is a custom property of the
  root, so the one class switches them all.
- Small screens (CSS, ``max-width: 600px``): the contacts, or one chat or room (the box marked
  ``cpy-active``: the last one opened, focused or shown) full screen with a "Back to contacts"
  button; the root's class ``cpy-pane-chat`` says a box is shown. The root's height follows the
  visual viewport (``--cpy-viewport-height``) so the composer stays above an on-screen keyboard.
- Drag-resize (``allow_dragresize``): grips on a box's top and left edges; the new ``height`` and
  ``width`` are set on the box (chat boxes save them with the open boxes: kept across reloads).

Example: ``converse.initialize({theme: "light", dark_theme: "dark", allow_dragresize: true})``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...i18n import _
from ...plugins.chats.plugin import ChatsState
from ...plugins.muc.plugin import RoomsState
from ..ffi import ProxyKeeper, found

if TYPE_CHECKING:
    from .ui import UIPlugin

#: Theme names, Converse.js's included: which of converse.css's two palettes each one uses.
DARK_THEMES = frozenset({"dark", "dracula", "cyberpunk"})
#: Smallest box a drag leaves (pixels).
MIN_WIDTH, MIN_HEIGHT = 240, 200
GRIPS = ("top", "left", "topleft")


def theme_class(theme: str, dark_theme: str, prefers_dark: bool) -> str:
    """The root's theme class for the settings and the system's preference.

    >>> theme_class("light", "dark", True), theme_class("light", "dark", False), theme_class("dark", "dark", False)
    ('cpy-theme-dark', 'cpy-theme-light', 'cpy-theme-dark')
    """
    chosen = dark_theme if prefers_dark else theme
    return "cpy-theme-dark" if chosen in DARK_THEMES else "cpy-theme-light"


def dragged_size(start: tuple[float, float], pointer_from: tuple[float, float], pointer_to: tuple[float, float],
                 grip: str, limit: tuple[float, float]) -> tuple[int, int]:
    """A box's (width, height) after dragging ``grip`` from ``pointer_from`` to ``pointer_to``: the
    box is anchored at its bottom right, so moving up or left grows it; kept within ``MIN_*`` and
    ``limit`` (the window's size).

    >>> dragged_size((300, 400), (10, 500), (0, 450), "topleft", (1280, 800))
    (310, 450)
    >>> dragged_size((300, 400), (10, 500), (500, 900), "top", (1280, 800))
    (300, 200)
    """
    width, height = start
    if grip in ("left", "topleft"):
        width += pointer_from[0] - pointer_to[0]
    if grip in ("top", "topleft"):
        height += pointer_from[1] - pointer_to[1]
    return (int(min(max(width, MIN_WIDTH), limit[0])), int(min(max(height, MIN_HEIGHT), limit[1])))


class ScreensView:
    """Theme class, small-screen panes and drag-resize of the boxes in ``root``."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.root = root
        self.proxies = ProxyKeeper()
        self.active: str | None = None
        self._drag: dict[str, Any] | None = None
        # Theme: now, and whenever the system's preference changes.
        self.dark_query = js.window.matchMedia("(prefers-color-scheme: dark)")
        self.apply_theme()
        self.dark_query.addEventListener("change", self.proxies.keep(lambda *_: self.apply_theme()))
        converse.settings.watch(lambda name, _old, _new: self.apply_theme() if name in ("theme", "dark_theme") else None)
        # The visual viewport's height: the on-screen keyboard shrinks it, the layout follows.
        viewport = getattr(js.window, "visualViewport", None)
        if found(viewport):
            self.viewport = viewport
            viewport.addEventListener("resize", self.proxies.keep(lambda *_: self.follow_viewport()))
            self.follow_viewport()
        listen = converse.api.listen
        for event in ("chatBoxOpened", "chatBoxFocused", "roomOpened", "chatBoxMaximized"):
            listen.on(event, self.on_box_shown)
        listen.on("chatBoxClosed", self.on_box_closed)
        ui.on_action("click", "back-to-contacts", lambda *_: self.back())
        ui.on_action("click", "show-room", lambda element, _e: self.activate(str(element.getAttribute("data-jid"))))
        root.addEventListener("pointerdown", self.proxies.keep(self.on_pointer_down))
        root.addEventListener("pointermove", self.proxies.keep(self.on_pointer_move))
        root.addEventListener("pointerup", self.proxies.keep(self.on_pointer_up))
        root.addEventListener("pointercancel", self.proxies.keep(self.on_pointer_up))

    # -- theme --------------------------------------------------------------------------------------
    def apply_theme(self) -> None:
        settings = self.converse.settings
        chosen = theme_class(str(settings.get("theme")), str(settings.get("dark_theme")),
                             bool(self.dark_query.matches))
        self.root.classList.remove("cpy-theme-light", "cpy-theme-dark")
        self.root.classList.add(chosen)

    def follow_viewport(self) -> None:
        self.root.style.setProperty("--cpy-viewport-height", f"{int(self.viewport.height)}px")

    # -- panes -------------------------------------------------------------------------------------
    def box_element(self, jid: str) -> Any:
        return self.root.querySelector(f'section.cpy-chatbox[data-jid="{js.CSS.escape(jid)}"]')

    def on_box_shown(self, box: Any) -> None:
        jid = str(box.get("jid"))
        element = self.box_element(jid)
        if not found(element):
            return
        self.decorate(element, box)
        self.activate(jid)

    def decorate(self, element: Any, box: Any) -> None:
        """Add the back button and the resize grips once; apply the remembered size."""
        if not found(element.querySelector('[data-action="back-to-contacts"]')):
            header = element.querySelector("header")
            button = js.document.createElement("button")
            button.type = "button"
            button.className = "cpy-back"
            button.setAttribute("data-action", "back-to-contacts")
            button.setAttribute("aria-label", _("Back to contacts"))
            button.title = _("Back to contacts")
            button.textContent = "←"
            header.insertBefore(button, header.firstChild)
            if self.converse.settings.get("allow_dragresize"):
                for grip in GRIPS:
                    handle = js.document.createElement("div")
                    handle.className = f"cpy-dragresize cpy-dragresize-{grip}"
                    handle.setAttribute("data-grip", grip)
                    handle.setAttribute("aria-hidden", "true")
                    element.appendChild(handle)
            box.on_change(lambda changed_box, changed: self.apply_size(element, changed_box)
                          if "width" in changed or "height" in changed else None)
        self.apply_size(element, box)

    @staticmethod
    def apply_size(element: Any, box: Any) -> None:
        for name in ("width", "height"):
            value = box.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                element.style.setProperty(name, f"{int(value)}px")

    def activate(self, jid: str) -> None:
        """Show ``jid``'s box as the one pane on a small screen."""
        element = self.box_element(jid)
        if not found(element):
            return
        previous = self.root.querySelector("section.cpy-chatbox.cpy-active")
        if found(previous):
            previous.classList.remove("cpy-active")
        element.classList.add("cpy-active")
        self.active = jid
        self.root.classList.add("cpy-pane-chat")

    def back(self) -> None:
        """Back to the contacts (the box stays open); the focus goes to the contact or room."""
        self.root.classList.remove("cpy-pane-chat")
        jid = self.active
        target = self.root.querySelector(
            f'.cpy-controlbox :is([data-action="open-chat"], [data-action="show-room"])[data-jid="{js.CSS.escape(jid)}"]'
        ) if jid else None
        if target is None or not found(target):
            target = self.root.querySelector('[data-action="toggle-controlbox"]')
        if found(target):
            target.focus()

    def on_box_closed(self, box: Any) -> None:
        if str(box.get("jid")) != self.active:
            return
        element = self.box_element(self.active or "")
        if found(element):
            element.classList.remove("cpy-active")
        self.active = None
        self.root.classList.remove("cpy-pane-chat")

    # -- drag-resize -------------------------------------------------------------------------------
    def on_pointer_down(self, event: Any) -> None:
        target = event.target
        if not hasattr(target, "classList") or not target.classList.contains("cpy-dragresize"):
            return
        element = target.closest("section.cpy-chatbox")
        if not found(element):
            return
        event.preventDefault()
        target.setPointerCapture(event.pointerId)
        element.classList.add("cpy-resizing")
        self._drag = {"element": element, "grip": str(target.getAttribute("data-grip")),
                      "start": (float(element.offsetWidth), float(element.offsetHeight)),
                      "from": (float(event.clientX), float(event.clientY)), "size": None}

    def on_pointer_move(self, event: Any) -> None:
        drag = self._drag
        if drag is None:
            return
        size = dragged_size(drag["start"], drag["from"], (float(event.clientX), float(event.clientY)),
                            drag["grip"], (float(js.window.innerWidth) - 32, float(js.window.innerHeight) - 8))
        drag["size"] = size
        drag["element"].style.width = f"{size[0]}px"
        drag["element"].style.height = f"{size[1]}px"

    def on_pointer_up(self, _event: Any) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        element = drag["element"]
        element.classList.remove("cpy-resizing")
        if drag["size"] is None:
            return
        box = self._box(str(element.getAttribute("data-jid")))
        if box is not None:
            box.set({"width": drag["size"][0], "height": drag["size"][1]})

    def _box(self, jid: str) -> Any:
        rooms = self.converse.find(RoomsState)
        if rooms is not None and jid in rooms.rooms:
            return rooms.rooms[jid]
        chats = self.converse.find(ChatsState)
        return chats.boxes.get(jid) if chats is not None else None
