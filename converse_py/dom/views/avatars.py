"""Avatar views: every avatar on the page follows ``avatarChanged`` (elements carrying
``data-avatar-for``, see ``templates.avatar_image``), and the control box's own-avatar menu sets or
removes the user's picture through ``api.avatars``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...core.session import own_bare
from ...i18n import _
from ...plugins.avatars.plugin import AvatarState
from .. import controlbox_templates
from ..ffi import found
from ..templates import avatar_image

if TYPE_CHECKING:
    from .ui import UIPlugin


def avatar_url(converse: Converse, jid: str | None) -> str | None:
    """The checked picture of ``jid`` (None: show initials, or the avatars plugin is not loaded)."""
    state = converse.find(AvatarState)
    return state.url_for(jid) if state is not None and jid else None


def own_avatar_markup(converse: Converse) -> Any:
    """The control box's own-avatar menu (None without the avatars plugin)."""
    if converse.find(AvatarState) is None:
        return None
    jid = own_bare(converse.session) or ""
    return controlbox_templates.own_avatar(jid, avatar_url(converse, jid))


class AvatarViews:
    """Redraws the avatars of a JID when its picture changes; runs the own-avatar menu."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.root = root
        self.busy: asyncio.Future[Any] | None = None
        converse.api.listen.on("avatarChanged", self.redraw)
        ui.on_action("change", "pick-avatar", self.on_pick)
        ui.on_action("click", "remove-avatar", self.on_remove)

    def redraw(self, jid: str) -> None:
        url = avatar_url(self.converse, jid)
        elements = self.root.querySelectorAll(f'[data-avatar-for="{js.CSS.escape(jid)}"]')
        for index in range(elements.length):
            element = elements.item(index)
            size = " ".join(c for c in str(element.className).split() if c != "cpy-avatar-default")
            element.outerHTML = avatar_image(url, str(element.getAttribute("data-avatar-name") or jid),
                                             str(element.getAttribute("data-avatar-key") or jid), size, jid)
        if jid == own_bare(self.converse.session):
            remove = self.root.querySelector('[data-action="remove-avatar"]')
            if found(remove):
                remove.hidden = url is None

    def _feedback(self, text: str) -> None:
        line = self.root.querySelector('[data-role="avatar-feedback"]')
        if found(line):
            line.textContent = text

    def _run(self, action: Any, done: str) -> None:
        if self.busy is not None and not self.busy.done():
            return
        self._feedback(_("Saving…"))

        def finished(future: asyncio.Future[Any]) -> None:
            error = future.exception() if not future.cancelled() else None
            if error is not None:
                logger.info("avatar not saved: %s", error)
                self._feedback(_("The avatar could not be saved: {error}", error=str(error)))
            else:
                self._feedback(done)
        try:
            self.busy = asyncio.ensure_future(action())
        except Exception as exc:  # not connected, not an image: said, not raised
            self._feedback(_("The avatar could not be saved: {error}", error=str(exc)))
            return
        self.busy.add_done_callback(finished)

    def on_pick(self, element: Any, _event: Any) -> None:
        files = element.files
        if not found(files) or not files.length:
            return
        picture = files.item(0)
        element.value = ""  # the same file again is a new choice
        self._run(lambda: self.converse.api.avatars.set(picture), _("Avatar saved."))

    def on_remove(self, _element: Any, _event: Any) -> None:
        self._run(lambda: self.converse.api.avatars.remove(), _("Avatar removed."))
