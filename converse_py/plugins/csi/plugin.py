"""XEP-0352: when the page is hidden the client says ``<inactive/>`` (the server may then hold back
unimportant traffic such as presence), and ``<active/>`` when it is shown again. Only when the
server advertises ``urn:xmpp:csi:0`` and the ``client_state_indication`` setting is on.

Declared in ``CSIPlugin``: the setting and the ``windowStateChanged`` / ``clientStateChanged`` events.
"""

from __future__ import annotations

from typing import Any

from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from .stanzas import CSI_NS, csi_nonza


class CSIPlugin(Plugin):
    """XEP-0352 client state indication, following the page's visibility."""

    name = "converse-csi"
    settings = {
        "client_state_indication": Setting(
            True, (bool,), "XEP-0352: tell the server <inactive/> while the page is hidden, <active/> when shown."),
    }
    events = {
        "windowStateChanged": EventDoc("{state: 'hidden' or 'visible'}", "the page was hidden or shown"),
        "clientStateChanged": EventDoc("'active' or 'inactive'", "XEP-0352 client state indication was sent to "
                                       "the server"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.hidden = False
        self.sent_state = "active"  # what the server believes (a new session starts active)
        converse.platform.watch_visibility(self.on_visibility)
        converse.api.listen.on("connected", self.on_new_session)
        converse.api.listen.on("streamResumed", lambda *_: self.update())  # changed while offline?

    def on_visibility(self, hidden: bool) -> None:
        self.hidden = bool(hidden)
        self._converse.trigger("windowStateChanged", {"state": "hidden" if self.hidden else "visible"})
        self.update()

    def on_new_session(self, *_: Any) -> None:
        """A fresh session starts active on the server (a resumed one keeps its state)."""
        self.sent_state = "active"
        self.update()

    def update(self) -> None:
        converse = self._converse
        wanted = "inactive" if self.hidden else "active"
        if wanted == self.sent_state or not converse.settings.get("client_state_indication"):
            return
        if not converse.session.server_supports(CSI_NS):
            return
        if converse.session.send_nonza(csi_nonza(wanted)):
            self.sent_state = wanted
            converse.trigger("clientStateChanged", wanted)
