"""OMEMO on each one-to-one chat box: a lock in the header (shown while OMEMO is on) that opens a
panel with this device's and the contact's device fingerprints, and the toolbar's OMEMO button
kept in step with ``omemo_active`` (converse_py/plugins/omemo/plugin.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.chats.models import ChatBox
from ...plugins.chats.plugin import ChatsState
from ...plugins.omemo.plugin import OmemoChats
from ..html import tag
from ..ffi import found

if TYPE_CHECKING:
    from .ui import UIPlugin


def lock_button(box: ChatBox) -> str:
    on = bool(box.get("omemo_active"))
    return str(tag("button", {"type": "button", "class": "cpy-omemo-header", "data-action": "omemo-info",
                              "data-jid": box.get("jid"), "hidden": not on, "aria-expanded": "false",
                              "title": _("Encrypted with OMEMO: show fingerprints"),
                              "aria-label": _("Encrypted with OMEMO: show fingerprints")}, "🔒"))


#: The trust states a device row offers to switch to (all but its own).
TRUST_ACTIONS = ("verified", "distrusted", "blind")


def _trust_button(jid: str, device: int, state: str) -> Any:
    labels = {"verified": _("Mark as verified"), "distrusted": _("Distrust"), "blind": _("Trust again")}
    return tag("button", {"type": "button", "data-action": "omemo-trust", "data-jid": jid, "data-device": str(device),
                          "data-state": state}, labels[state])


def panel(jid: str, found_prints: dict[str, Any]) -> str:
    own = found_prints["own"]
    contact = found_prints["contact"]
    rows = [tag("li", {}, _("This device ({device}): {fingerprint}", device=own["device"], fingerprint=own["fingerprint"]))]
    for device, info in sorted(contact.items()):
        trust, shown = info["trust"], info["fingerprint"]
        if trust == "verified":
            text = _("{jid}, device {device}: {fingerprint} (verified)", jid=jid, device=device, fingerprint=shown)
        elif trust == "distrusted":
            text = _("{jid}, device {device}: {fingerprint} (distrusted: not encrypted for)", jid=jid, device=device,
                     fingerprint=shown)
        else:
            text = _("{jid}, device {device}: {fingerprint} (trusted until verified)", jid=jid, device=device,
                     fingerprint=shown)
        buttons = [_trust_button(jid, device, state) for state in TRUST_ACTIONS if state != trust]
        rows.append(tag("li", {"data-device": str(device), "data-trust": trust}, text, " ", buttons))
    if not contact:
        rows.append(tag("li", {}, _("No session with a device of {jid} yet.", jid=jid)))
    return str(tag("ul", {"class": "cpy-omemo-fingerprints"}, rows))


class OmemoView:
    """Locks and fingerprint panels of all chat boxes."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.ui = ui
        self.root = root
        self.omemo: OmemoChats | None = converse.find(OmemoChats)
        self.decorated: set[str] = set()
        if self.omemo is None:
            return
        converse.api.listen.on("chatBoxOpened", self.open_box)
        ui.on_action("click", "omemo-info", self.on_info)
        ui.on_action("click", "omemo-trust", self.on_trust)
        chats = converse.find(ChatsState)
        for box in list(chats.boxes.values()) if chats is not None else []:
            if not box.get("closed"):
                self.open_box(box)

    def _section(self, jid: str) -> Any:
        return self.root.querySelector(f'section.cpy-chatbox[data-jid="{js.CSS.escape(jid)}"]')

    def open_box(self, box: ChatBox) -> None:
        if box.get("type") != "chatbox":
            return
        jid = box.get("jid")
        section = self._section(jid)
        if not found(section) or found(section.querySelector('[data-action="omemo-info"]')):
            return
        header = section.querySelector("header")
        toggle = header.querySelector('[data-action="toggle-chat"]')
        if found(toggle):
            toggle.insertAdjacentHTML("beforebegin", lock_button(box))
        else:
            header.insertAdjacentHTML("beforeend", lock_button(box))
        body = section.querySelector('[data-role="body"]')
        body.insertAdjacentHTML("afterbegin", '<div class="cpy-omemo-panel" data-role="omemo-panel" hidden></div>')
        if jid not in self.decorated:
            self.decorated.add(jid)
            box.on_change(self.on_change)
        self.on_change(box, {"omemo_active": box.get("omemo_active")})  # the plugin may have set it first

    def on_change(self, box: Any, changed: dict[str, Any]) -> None:
        if "omemo_active" not in changed:
            return
        section = self._section(box.get("jid"))
        if not found(section):
            return
        lock = section.querySelector('[data-action="omemo-info"]')
        if found(lock):
            lock.hidden = not box.get("omemo_active")
        view = self.ui.chats.box_views.get(box.get("jid"))
        if view is not None:
            view.render_toolbar()

    def on_info(self, element: Any, _event: Any) -> None:
        jid = str(element.getAttribute("data-jid"))
        section = self._section(jid)
        if not found(section) or self.omemo is None:
            return
        box_panel = section.querySelector('[data-role="omemo-panel"]')
        opening = bool(box_panel.hidden)
        element.setAttribute("aria-expanded", "true" if opening else "false")
        box_panel.hidden = not opening
        if opening:
            box_panel.textContent = _("Loading fingerprints…")
            asyncio.ensure_future(self._fill(jid, box_panel))

    async def _fill(self, jid: str, box_panel: Any) -> None:
        assert self.omemo is not None
        try:
            prints = await self.omemo.fingerprints(jid)
        except Exception as error:
            logger.info("OMEMO fingerprints not shown: %s", error)
            box_panel.textContent = _("OMEMO is not available: {reason}", reason=str(error)[:200])
            return
        box_panel.innerHTML = panel(jid, prints)

    def on_trust(self, element: Any, _event: Any) -> None:
        jid = str(element.getAttribute("data-jid"))
        device, state = int(str(element.getAttribute("data-device"))), str(element.getAttribute("data-state"))
        section = self._section(jid)
        if found(section) and self.omemo is not None:
            asyncio.ensure_future(self._set_trust(jid, device, state, section.querySelector('[data-role="omemo-panel"]')))

    async def _set_trust(self, jid: str, device: int, state: str, box_panel: Any) -> None:
        assert self.omemo is not None
        try:
            await self.omemo.set_trust(jid, device, state)
        except Exception as error:
            logger.info("OMEMO trust not changed: %s", error)
        await self._fill(jid, box_panel)
