"""Version plugin: answers XEP-0092 software version and XEP-0202 entity time queries.

The software name is the ``client_name`` setting (shared with the disco identity), the version
converse-py's own; the operating system is only given when ``version_show_os`` allows it (it
tells a stranger something about the user's machine). Entity time answers with the page's clock
and time zone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from ... import __version__
from ...core.plugin import Plugin
from ...core.settings import Setting
from ...xmpp.stanza import find
from .stanzas import TIME, VERSION, time_result, version_result


class VersionPlugin(Plugin):
    """``converse-version``: XEP-0092 and XEP-0202 responders."""

    name = "converse-version"
    settings = {"version_show_os": Setting(False, (bool,), "Name the operating system in XEP-0092 software "
                                           "version answers (off: only the client's name and version).")}
    features = (VERSION, TIME)

    def initialize(self) -> None:
        self._converse.session.add_handler("iq", self.on_iq)

    def on_iq(self, stanza: ET.Element) -> bool:
        if stanza.get("type") != "get":
            return False
        converse = self._converse
        if find(stanza, VERSION, "query") is not None:
            name = str(converse.settings.get("client_name") or "converse-py")
            os_name = converse.platform.os_name() if converse.settings.get("version_show_os") else None
            converse.session.send_element(version_result(stanza, name, __version__, os_name or None))
            return True
        if find(stanza, TIME, "time") is not None:
            converse.session.send_element(time_result(stanza, datetime.now().astimezone()))
            return True
        return False
