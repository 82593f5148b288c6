"""Sending files from chat boxes and rooms (the ``converse-upload`` plugin): a paperclip toolbar
button opening a file input (several files at once), files dropped onto a box, images pasted into
a composer. Each file gets a progress row with a Cancel button until it is sent or has failed (the
plugin then writes what happened as an info line in the box). The composer's text is never touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.chats.plugin import ChatsState
from ...plugins.muc.plugin import RoomsState
from ...plugins.upload.plugin import Upload, UploadState
from ...plugins.upload.transfer import file_to_send
from ..ffi import ProxyKeeper, found
from ..hooks import TOOLBAR_BUTTONS
from ..html import Markup, tag

if TYPE_CHECKING:
    from .ui import UIPlugin

BUTTON = "upload-file"


def upload_row(upload: Upload) -> Markup:
    """One file's progress row (its name as text) with its Cancel button."""
    name = str(upload.get("filename"))
    return tag("div", {"class": "cpy-upload", "data-upload-id": upload.id, "role": "group",
                       "aria-label": _("Uploading {name}", name=name)},
               tag("span", {"class": "cpy-upload-name"}, name),
               tag("progress", {"max": str(max(int(upload.get("size")), 1)), "value": "0",
                                "aria-label": _("Uploading {name}", name=name)}),
               tag("button", {"type": "button", "data-action": "cancel-upload", "data-upload-id": upload.id},
                   _("Cancel")))


class UploadsView:
    """The paperclip, drop and paste entry points, and the progress rows."""

    def __init__(self, converse: Converse, ui: UIPlugin) -> None:
        self.converse = converse
        self.root = ui.root
        self.proxies = ProxyKeeper()
        state = converse.find(UploadState)
        if state is None:
            return
        self.state = state
        listen = converse.api.listen
        listen.on(TOOLBAR_BUTTONS, lambda _box, buttons: [*buttons, {
            "name": BUTTON, "label": _("Send files"), "icon": "📎", "handler": self.choose_files}])
        listen.on("uploadStarted", self.on_started)
        listen.on("uploadProgress", self.on_progress)
        listen.on("uploadFinished", self.on_ended)
        listen.on("uploadFailed", self.on_ended)
        ui.on_action("change", "upload-files", self.on_input_change)
        ui.on_action("click", "cancel-upload", self.on_cancel)
        self.root.addEventListener("dragover", self.proxies.keep(self.on_dragover))
        self.root.addEventListener("drop", self.proxies.keep(self.on_drop))
        self.root.addEventListener("paste", self.proxies.keep(self.on_paste))

    # -- where --------------------------------------------------------------------------------
    def section_of(self, jid: str) -> Any:
        for section in self.root.querySelectorAll("section[data-jid]"):
            if str(section.getAttribute("data-jid")) == jid:
                return section
        return None

    def box_of(self, element: Any) -> Any:
        """The chat box or room whose section holds ``element`` (None outside a box)."""
        section = element.closest("section[data-jid]") if hasattr(element, "closest") else None
        if not found(section):
            return None
        jid = str(section.getAttribute("data-jid"))
        rooms = self.converse.find(RoomsState)
        if section.classList.contains("cpy-chatroom"):
            return rooms.rooms.get(jid) if rooms is not None else None
        chats = self.converse.find(ChatsState)
        return chats.boxes.get(jid) if chats is not None else None

    # -- entry points -------------------------------------------------------------------------
    def choose_files(self, box: Any) -> None:
        """The paperclip: the box's (hidden) file input, made on first use, opens the file chooser."""
        section = self.section_of(box.get("jid"))
        if section is None:
            return
        chooser = section.querySelector('input[data-action="upload-files"]')
        if not found(chooser):
            section.insertAdjacentHTML("beforeend", tag("input", {
                "type": "file", "multiple": True, "hidden": True, "class": "cpy-upload-input",
                "data-action": "upload-files", "aria-label": _("Send files")}))
            chooser = section.querySelector('input[data-action="upload-files"]')
        chooser.click()

    def on_input_change(self, chooser: Any, _event: Any) -> None:
        box = self.box_of(chooser)
        files = list(chooser.files)
        chooser.value = ""  # the same file may be chosen again
        if box is not None:
            self.send_files(box, files)

    @staticmethod
    def _has_files(transfer: Any) -> bool:
        return found(transfer) and any(str(t) == "Files" for t in transfer.types)

    def on_dragover(self, event: Any) -> None:
        if self._has_files(event.dataTransfer) and self.box_of(event.target) is not None:
            event.preventDefault()  # the box accepts the drop
            event.dataTransfer.dropEffect = "copy"

    def on_drop(self, event: Any) -> None:
        box = self.box_of(event.target)
        if box is None or not found(event.dataTransfer):
            return
        files = list(event.dataTransfer.files)
        if files:
            event.preventDefault()  # the browser must not open the file instead
            self.send_files(box, files)

    def on_paste(self, event: Any) -> None:
        """Files (a copied image) pasted into a composer are sent; pasted text is left alone."""
        data = event.clipboardData
        box = self.box_of(event.target)
        if box is None or not found(data):
            return
        files = list(data.files)
        if files:
            event.preventDefault()
            self.send_files(box, files)

    def send_files(self, box: Any, files: list[Any]) -> None:
        for file in files:
            try:
                upload = self.state.start(box.get("jid"), file_to_send(file))
            except Exception as exc:  # an unreadable entry must not stop the others
                logger.warning("could not start the upload of a file: %s", exc)
                continue
            assert upload.task is not None
            upload.task.add_done_callback(_quietly)  # the failure is shown in the box already

    # -- progress rows ------------------------------------------------------------------------
    def _row(self, upload: Upload) -> Any:
        section = self.section_of(str(upload.get("jid")))
        if section is None:
            return None
        row = section.querySelector(f'[data-upload-id="{upload.id}"].cpy-upload')
        return row if found(row) else None

    def on_started(self, upload: Upload) -> None:
        section = self.section_of(str(upload.get("jid")))
        if section is None:
            return
        rows = section.querySelector('[data-role="uploads"]')
        if not found(rows):
            toolbar = section.querySelector('[data-role="toolbar"]')
            html = tag("div", {"class": "cpy-uploads", "data-role": "uploads", "aria-live": "polite"})
            if found(toolbar):
                toolbar.insertAdjacentHTML("beforebegin", html)
            else:
                section.insertAdjacentHTML("beforeend", html)
            rows = section.querySelector('[data-role="uploads"]')
        rows.insertAdjacentHTML("beforeend", upload_row(upload))

    def on_progress(self, upload: Upload) -> None:
        row = self._row(upload)
        if row is not None:
            row.querySelector("progress").value = int(upload.get("loaded"))

    def on_ended(self, upload: Upload) -> None:
        row = self._row(upload)
        if row is not None:
            row.remove()

    def on_cancel(self, button: Any, _event: Any) -> None:
        upload = self.state.uploads.get(str(button.getAttribute("data-upload-id")))
        if upload is not None:
            upload.cancel()


def _quietly(task: Any) -> None:
    if not task.cancelled():
        task.exception()

