"""The "Copy" and "Quote" actions of every message row (hook ``getMessageActionButtons``).

"Copy" puts the message's text on the clipboard (``navigator.clipboard.writeText``; where that
is missing or refused, the older ``document.execCommand("copy")``; if both fail, an info line in
the box says so). "Quote" adds the message as ``> `` quoted lines to the composer, after what
was typed there, and gives the composer the focus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ..ffi import found
from ..quoting import with_quote

if TYPE_CHECKING:
    from .ui import UIPlugin


class MessageTools:
    """Adds Copy and Quote to the rows of chat boxes and rooms."""

    def __init__(self, converse: Converse, _ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.root = root
        converse.api.listen.on("getMessageActionButtons", self.buttons)

    def buttons(self, context: Any, buttons: list[Any]) -> list[Any]:
        message = context.get("message") if hasattr(context, "get") else None
        if message is None or not getattr(message, "body", ""):
            return buttons
        return [*buttons,
                {"name": "copy", "label": _("Copy the message"), "icon": "⧉", "handler": self.copy},
                {"name": "quote", "label": _("Quote the message"), "icon": "❝", "handler": self.quote}]

    async def copy(self, box: Any, message: Any) -> None:
        text = str(message.body)
        clipboard = getattr(js.navigator, "clipboard", None)
        if clipboard is not None and found(clipboard):
            try:
                await clipboard.writeText(text)
                return
            except Exception as exc:  # refused (no permission, page not focused): try the old way
                logger.info("clipboard.writeText refused: %s", exc)
        if not self._copy_with_selection(text):
            box.add_info(_("Could not copy the message: the browser refused access to the clipboard."))

    def _copy_with_selection(self, text: str) -> bool:
        area = js.document.createElement("textarea")
        area.value = text
        area.setAttribute("readonly", "")
        area.style.position = "fixed"
        area.style.opacity = "0"
        self.root.appendChild(area)
        try:
            area.select()
            return bool(js.document.execCommand("copy"))
        except Exception:
            return False
        finally:
            area.remove()

    def quote(self, box: Any, message: Any) -> None:
        jid = js.CSS.escape(box.get("jid"))
        for section in self.root.querySelectorAll(f'section[data-jid="{jid}"]'):
            if section.hidden:
                continue
            textarea = section.querySelector("form.cpy-compose textarea")
            if not found(textarea):
                continue
            textarea.value = with_quote(str(textarea.value), str(message.body))
            textarea.focus()
            end = len(str(textarea.value).encode("utf-16-le")) // 2  # the caret counts UTF-16 units
            textarea.setSelectionRange(end, end)
            return
