"""The OTR padlock on each one-to-one chat box: state, fingerprints, start/end/verify, notices.

It adds itself to the chat box elements the chats view made (``section.cpy-chatbox[data-jid]``):
a padlock button in the header (before the minimize button), and at the top of the body a menu
(hidden until the padlock is pressed) and a notice line (``role="alert"``: refusals to send in
the clear, the contact ending the session, errors). Everything shown comes from the box's
``otr_*`` attributes (converse_py/plugins/otr/plugin.py). Nothing is added when ``allow_otr`` is
false.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.log import logger
from ...plugins.chats.models import ChatBox
from ...plugins.chats.plugin import ChatsState
from ...plugins.otr.plugin import OtrChats
from .. import otr_templates
from ..ffi import found

if TYPE_CHECKING:
    from .ui import UIPlugin


class OtrView:
    """Padlocks of all chat boxes."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.root = root
        self.otr: OtrChats | None = converse.find(OtrChats)
        self.elements: dict[str, Any] = {}  # jid → the chat box element we decorated
        if self.otr is None:
            return
        converse.api.listen.on("chatBoxOpened", self.open_box)
        ui.on_action("click", "otr-menu", self.on_menu)
        ui.on_action("click", "otr-start", lambda el, _e: self._act(el, lambda otr, box: otr.initiate(box)))
        ui.on_action("click", "otr-end", lambda el, _e: self._act(el, lambda otr, box: otr.end(box)))
        ui.on_action("click", "otr-smp-abort", lambda el, _e: self._act(el, lambda otr, box: otr.smp_abort(box)))
        ui.on_action("submit", "otr-verify", self.on_verify)
        ui.on_action("submit", "otr-smp-answer", self.on_answer)
        chats = converse.find(ChatsState)
        for box in list(chats.boxes.values()) if chats is not None else []:
            if not box.get("closed"):
                self.open_box(box)

    def _box(self, element: Any) -> ChatBox | None:
        chats = self.converse.find(ChatsState)
        return chats.boxes.get(str(element.getAttribute("data-jid"))) if chats is not None else None

    def _section(self, jid: str) -> Any:
        return self.root.querySelector(f'section.cpy-chatbox[data-jid="{js.CSS.escape(jid)}"]')

    # -- decorating a chat box -----------------------------------------------------------
    def open_box(self, box: ChatBox) -> None:
        if box.get("type") != "chatbox" or not self.converse.settings.get("allow_otr"):
            return
        jid = box.get("jid")
        section = self._section(jid)
        if not found(section) or section is self.elements.get(jid):
            return
        first = jid not in self.elements
        self.elements[jid] = section
        header = section.querySelector("header")
        toggle = header.querySelector('[data-action="toggle-chat"]')
        padlock = otr_templates.padlock(box, expanded=False)
        if found(toggle):
            toggle.insertAdjacentHTML("beforebegin", padlock)
        else:
            header.insertAdjacentHTML("beforeend", padlock)
        body = section.querySelector('[data-role="body"]')
        body.insertAdjacentHTML("afterbegin", '<div class="cpy-otr-panel" data-role="otr-panel" hidden></div>'
                                + otr_templates.notice(box))
        if first:
            box.on_change(self.on_change)

    def _parts(self, jid: str) -> tuple[Any, Any, Any] | None:
        section = self.elements.get(jid)
        if section is None:
            return None
        return (section.querySelector('[data-action="otr-menu"]'), section.querySelector('[data-role="otr-panel"]'),
                section.querySelector('[data-role="otr-notice"]'))

    def on_change(self, box: Any, changed: dict[str, Any]) -> None:
        if not any(key.startswith("otr_") for key in changed):
            return
        parts = self._parts(box.get("jid"))
        if parts is None:
            return
        padlock, panel, notice = parts
        if "otr_notices" in changed or "otr_notice" in changed:
            notice.outerHTML = otr_templates.notice(box)
        if any(key not in ("otr_notice", "otr_notices") for key in changed):
            padlock.outerHTML = otr_templates.padlock(box, expanded=not panel.hidden)
            if not panel.hidden:
                panel.innerHTML = otr_templates.panel(box)

    # -- actions -------------------------------------------------------------------------
    def on_menu(self, element: Any, _event: Any) -> None:
        box = self._box(element)
        parts = self._parts(box.get("jid")) if box is not None else None
        if box is None or parts is None or self.otr is None:
            return
        padlock, panel, _notice = parts
        opening = bool(panel.hidden)
        if opening and not box.get("otr_fingerprint"):
            try:
                box.set("otr_fingerprint", self.otr.our_fingerprint())  # made now the first time (~0.6 s)
            except ConverseError as exc:
                self.otr.notify(box, str(exc))
        panel.innerHTML = otr_templates.panel(box) if opening else ""
        panel.hidden = not opening
        padlock.setAttribute("aria-expanded", "true" if opening else "false")

    def _act(self, element: Any, action: Any) -> None:
        box = self._box(element)
        if box is None or self.otr is None:
            return
        try:
            action(self.otr, box)
        except ConverseError as exc:  # shown, not only logged
            logger.info("OTR action refused: %s", exc)
            self.otr.notify(box, str(exc))

    def on_verify(self, form: Any, _event: Any) -> None:
        secret = str(form.elements.namedItem("secret").value)
        question = str(form.elements.namedItem("question").value).strip() or None
        self._act(form, lambda otr, box: otr.smp_start(box, secret, question))

    def on_answer(self, form: Any, _event: Any) -> None:
        secret = str(form.elements.namedItem("secret").value)
        self._act(form, lambda otr, box: otr.smp_respond(box, secret))
