"""The page side of notifications (plugins/notifications): the Notification API, the permission
asked once on a user gesture, the unread count in the page title, a favicon badge drawn on a
canvas and the App Badging API (``navigator.setAppBadge``) where the browser has it.

Notification bodies are text (the browser never parses them as HTML). Clicking a notification
focuses the window and shows the message's box.
"""

from __future__ import annotations

import asyncio
from typing import Any
from collections.abc import Callable

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.notifications.decide import badge_label, title_text
from ...plugins.notifications.plugin import NotificationsState
from ..ffi import ProxyKeeper, found

#: Tab storage key: the permission was asked in this tab (it is asked once).
ASKED_KEY = "converse-py:notifications-asked"
#: Favicon size in pixels.
ICON = 32


class NotificationsView:
    """Registers itself as the state's notifier; asks for permission on the first gesture."""

    def __init__(self, converse: Converse, root: Any, state: NotificationsState) -> None:
        self.converse = converse
        self.state = state
        self.proxies = ProxyKeeper()
        #: tag → (the notification, its close timer, its proxies): one per box; a new one replaces it
        self._open: dict[str, tuple[Any, Any, ProxyKeeper]] = {}
        self._ignore = self.proxies.keep(lambda *_: None)
        self._title_set = ""
        self._original_title = str(js.document.title)
        self._icon_link: Any = None
        self._original_icon: str | None = None
        self._base_image: Any = None
        self._count = 0
        root.addEventListener("click", self.proxies.keep(lambda *_: self.ask_once()))
        converse.api.listen.on("messageSend", lambda *_: self.ask_once())
        self._load_base_icon()
        state.notifier = self

    # -- permission ---------------------------------------------------------------------------
    @staticmethod
    def _api() -> Any:
        return getattr(js.window, "Notification", None)

    def permission(self) -> str:
        api = self._api()
        return str(api.permission) if api is not None else "unsupported"

    def request_permission(self) -> asyncio.Future[str]:
        api = self._api()
        if api is None:
            future: asyncio.Future[str] = asyncio.get_event_loop().create_future()
            future.set_result("unsupported")
            return future
        promise = api.requestPermission()  # now, while the user's gesture counts

        async def settled() -> str:
            result = await promise
            return str(result) if result is not None else self.permission()
        return asyncio.ensure_future(settled())

    def ask_once(self) -> None:
        """A user gesture: ask for the permission if notifications are on and it was never asked."""
        platform = self.converse.platform
        if not self.converse.settings.get("show_desktop_notifications") or platform.storage_get(ASKED_KEY):
            return
        if self.permission() != "default" or not self._user_active():
            return
        platform.storage_set(ASKED_KEY, "1")
        task = self.request_permission()
        task.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                               or logger.info("notification permission: %s", t.exception()))

    @staticmethod
    def _user_active() -> bool:
        """Whether a user gesture is under way (a message sent from code is not one): the browser
        would refuse to ask otherwise. True where the browser cannot tell
        (``navigator.userActivation`` missing)."""
        activation = getattr(js.navigator, "userActivation", None)
        return activation is None or bool(activation.isActive)

    # -- notifications ------------------------------------------------------------------------
    def show(self, note: dict[str, Any], on_click: Callable[[], None]) -> bool:
        if self.permission() != "granted":
            return False
        entries = [["body", note["body"]], ["tag", note["tag"]], ["lang", ""]]
        if note.get("icon"):
            entries.append(["icon", note["icon"]])
        self._forget(note["tag"])
        try:
            notification = js.Notification.new(note["title"], js.Object.fromEntries(to_js(entries)))
        except Exception as exc:  # e.g. Android Chrome: only service workers may show them
            logger.info("could not show a notification: %s", exc)
            return False
        keeper = ProxyKeeper()

        def clicked(*_: Any) -> None:
            js.window.focus()
            on_click()
            notification.close()
        notification.onclick = keeper.keep(clicked)
        delay = self.converse.settings.get("notification_delay") or 0
        timer = js.setTimeout(keeper.keep(lambda *_: notification.close()), delay) if delay > 0 else None
        self._open[note["tag"]] = (notification, timer, keeper)
        return True

    def _forget(self, tag: str) -> None:
        """The previous notification of ``tag`` is replaced: its timer and click handler go first,
        then their proxies (JS no longer holds them)."""
        previous = self._open.pop(tag, None)
        if previous is None:
            return
        notification, timer, keeper = previous
        if timer is not None:
            js.clearTimeout(timer)
        notification.onclick = None
        keeper.destroy_all()

    # -- counts -------------------------------------------------------------------------------
    def show_count(self, total: int) -> None:
        self._count = total
        current = str(js.document.title)
        if current != self._title_set:
            self._original_title = current  # the page changed its own title meanwhile
        self._title_set = title_text(total, self._original_title)
        js.document.title = self._title_set
        self._draw_icon()
        navigator = js.navigator
        try:
            if hasattr(navigator, "setAppBadge"):
                promise = navigator.setAppBadge(total) if total else navigator.clearAppBadge()
                promise.catch(self._ignore)
        except Exception as exc:
            logger.debug("app badge: %s", exc)

    def _load_base_icon(self) -> None:
        link = js.document.querySelector('link[rel~="icon"]')
        if not found(link):
            return
        self._icon_link = link
        self._original_icon = str(link.getAttribute("href") or "")
        href = str(link.href or "")
        if not href.startswith(("http:", "https:")):
            return  # an empty data: icon (or none): the default is drawn
        image = js.Image.new()

        def loaded(*_: Any) -> None:
            self._base_image = image
            if self._count:
                self._draw_icon()
        image.onload = self.proxies.keep(loaded)
        image.src = href

    def _link(self) -> Any:
        if self._icon_link is None:
            link = js.document.createElement("link")
            link.rel = "icon"
            js.document.head.appendChild(link)
            self._icon_link = link
        return self._icon_link

    def _draw_icon(self) -> None:
        label = badge_label(self._count)
        if not label:
            if self._icon_link is not None:
                if self._original_icon is None:
                    self._icon_link.remove()
                    self._icon_link = None
                else:
                    self._icon_link.setAttribute("href", self._original_icon)
                    self._icon_link.removeAttribute("data-unread")
            return
        link = self._link()
        try:
            link.href = self._render(label, self._base_image)
        except Exception:  # a cross-origin favicon taints the canvas: draw the default instead
            link.href = self._render(label, None)
        link.setAttribute("data-unread", label)

    @staticmethod
    def _render(label: str, image: Any) -> str:
        canvas = js.document.createElement("canvas")
        canvas.width = canvas.height = ICON
        ctx = canvas.getContext("2d")
        if image is not None:
            ctx.drawImage(image, 0, 0, ICON, ICON)
        else:
            ctx.fillStyle = "#3a6ea5"
            ctx.fillRect(2, 6, 22, 18)
        ctx.beginPath()
        ctx.arc(ICON - 11, 11, 11, 0, 6.2832)
        ctx.fillStyle = "#d32f2f"
        ctx.fill()
        ctx.fillStyle = "#ffffff"
        ctx.font = f"bold {12 if len(label) < 3 else 9}px sans-serif"
        ctx.textAlign = "center"
        ctx.textBaseline = "middle"
        ctx.fillText(label, ICON - 11, 12)
        return str(canvas.toDataURL("image/png"))
