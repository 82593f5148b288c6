"""Caps plugin: converse-py speaks for itself (XEP-0030 responder, XEP-0115 capabilities).

Other clients and servers ask a client what it supports with disco#info; this plugin answers with
the identity ``client/web`` (named by the ``client_name`` setting) and the features every
initialized plugin declared (``Plugin.features``), so a blacklisted plugin's features disappear.
Every available presence the client sends (initial, status changes, room joins) carries a
XEP-0115 ``<c/>`` whose ``ver`` is computed from that answer; when the feature set changes after
log-in (a plugin added later) the presence is sent again with the new ``ver``. Queries naming
``node#ver`` are answered like plain ones; disco#items is answered with an empty list (a client
hosts no items).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ...core.plugin import Plugin
from ...core.settings import Setting
from ...xmpp import ns
from ...xmpp.stanza import error_reply, find, iq, local_name, sub
from ..status.plugin import StatusState
from .stanzas import CAPS, NODE, Capabilities, Identity, caps_node_ver


class CapsState:
    """Our capabilities as the initialized plugins declare them; cached by feature set."""

    def __init__(self, converse: Any) -> None:
        self.converse = converse
        self._cached: tuple[tuple[str, tuple[str, ...]], Capabilities] | None = None

    def capabilities(self) -> Capabilities:
        """What the client is now (recomputed only when the declared features or the name change)."""
        name = str(self.converse.settings.get("client_name") or "converse-py")
        key = (name, tuple(self.converse.features))
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, Capabilities((Identity("client", "web", name),), key[1]))
        return self._cached[1]

    def on_iq(self, stanza: ET.Element) -> bool:
        if stanza.get("type") != "get":
            return False
        info = find(stanza, ns.DISCO_INFO, "query")
        if info is not None:
            caps = self.capabilities()
            node = info.get("node")
            if not caps_node_ver(node, NODE, caps.ver()):
                self.converse.session.send_element(error_reply(stanza, "cancel", "item-not-found"))
                return True
            reply = iq("result", to=stanza.get("from"), id_=stanza.get("id"))
            reply.append(caps.info_query(node))
            self.converse.session.send_element(reply)
            return True
        items = find(stanza, ns.DISCO_ITEMS, "query")
        if items is not None:
            reply = iq("result", to=stanza.get("from"), id_=stanza.get("id"))
            sub(reply, "query", {"node": items.get("node")}, xmlns=ns.DISCO_ITEMS)
            self.converse.session.send_element(reply)
            return True
        return False

    def annotate(self, _context: Any, stanza: ET.Element) -> ET.Element:
        """The ``outgoingPresence`` hook: an available presence gets our ``<c/>`` (replacing any)."""
        if local_name(stanza.tag) != "presence" or stanza.get("type") not in (None, "available"):
            return stanza
        for old in [child for child in stanza if child.tag == f"{{{CAPS}}}c" or
                    (child.tag == "c" and child.get("xmlns") == CAPS)]:
            stanza.remove(old)
        stanza.append(self.capabilities().caps_element())
        return stanza


class CapsPlugin(Plugin):
    """``converse-caps``: the disco#info/#items responder and XEP-0115 in presence."""

    name = "converse-caps"
    settings = {"client_name": Setting("converse-py", (str,), "The name this client gives itself to other "
                                       "clients: its XEP-0030 identity and its XEP-0092 software name.")}
    features = (ns.DISCO_INFO, ns.DISCO_ITEMS, CAPS)

    def initialize(self) -> None:
        converse = self._converse
        self.state = CapsState(converse)
        converse.provide(self.state)
        converse.session.add_handler("iq", self.state.on_iq)
        converse.api.listen.on("outgoingPresence", self.state.annotate)
        converse.api.listen.on("featuresChanged", self.on_features_changed)

    def on_features_changed(self) -> None:
        """Our ver changed: say so with a fresh presence (XEP-0115 §4), once online."""
        status = self._converse.find(StatusState)
        if status is not None and self._converse.session.connected \
                and self._converse.promises.is_resolved("statusInitialized"):
            status.announce()
