"""The feature plugins every converse-py instance loads (the browser adds its UI plugin).

>>> sorted(FEATURE_PLUGINS)
['converse-chats', 'converse-chatstates', 'converse-commands', 'converse-corrections', 'converse-csi', 'converse-disco', 'converse-mam', 'converse-markers', 'converse-muc', 'converse-otr', 'converse-ping', 'converse-receipts', 'converse-roster', 'converse-status']
"""

from __future__ import annotations

from typing import Any

from .chats.plugin import ChatsPlugin
from .chatstates.plugin import ChatStatesPlugin
from .commands.plugin import CommandsPlugin
from .corrections.plugin import CorrectionsPlugin
from .csi.plugin import CSIPlugin
from .disco.plugin import DiscoPlugin
from .mam.plugin import MamPlugin
from .markers.plugin import MarkersPlugin
from .muc.plugin import MUCPlugin
from .otr.plugin import OtrPlugin
from .ping.plugin import PingPlugin
from .receipts.plugin import ReceiptsPlugin
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
    "converse-receipts": ReceiptsPlugin,
    "converse-markers": MarkersPlugin,
    "converse-chatstates": ChatStatesPlugin,
    "converse-corrections": CorrectionsPlugin,
    "converse-commands": CommandsPlugin,
}
