"""The feature plugins every converse-py instance loads (the browser adds its UI plugin).

>>> sorted(FEATURE_PLUGINS)
['converse-chats', 'converse-csi', 'converse-disco', 'converse-mam', 'converse-muc', 'converse-otr', 'converse-ping', 'converse-roster', 'converse-status']
"""

from __future__ import annotations

from typing import Any

from .chats.plugin import ChatsPlugin
from .csi.plugin import CSIPlugin
from .disco.plugin import DiscoPlugin
from .mam.plugin import MamPlugin
from .muc.plugin import MUCPlugin
from .otr.plugin import OtrPlugin
from .ping.plugin import PingPlugin
from .roster.plugin import RosterPlugin
from .status.plugin import StatusPlugin

#: name → plugin class, in initialize order.
FEATURE_PLUGINS: dict[str, Any] = {
    "converse-roster": RosterPlugin,
    "converse-status": StatusPlugin,
    "converse-chats": ChatsPlugin,
    "converse-otr": OtrPlugin,
    "converse-disco": DiscoPlugin,
    "converse-mam": MamPlugin,
    "converse-muc": MUCPlugin,
    "converse-ping": PingPlugin,
    "converse-csi": CSIPlugin,
}
