"""The feature plugins every converse-py instance loads (the browser adds its UI plugin).

>>> sorted(FEATURE_PLUGINS)
['converse-blocking', 'converse-caps', 'converse-chats', 'converse-chatstates', 'converse-commands', 'converse-corrections', 'converse-csi', 'converse-disco', 'converse-mam', 'converse-markers', 'converse-muc', 'converse-otr', 'converse-ping', 'converse-receipts', 'converse-roster', 'converse-status', 'converse-styling', 'converse-upload', 'converse-version']
"""

from __future__ import annotations

from ..core.plugin import Plugin
from .blocking.plugin import BlockingPlugin
from .caps.plugin import CapsPlugin
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
from .styling.plugin import StylingPlugin
from .upload.plugin import UploadPlugin
from .version.plugin import VersionPlugin

#: The feature plugin classes, in initialize order.
FEATURE_PLUGIN_CLASSES: tuple[type[Plugin], ...] = (
    RosterPlugin, StatusPlugin, ChatsPlugin, OtrPlugin, DiscoPlugin, MamPlugin, MUCPlugin, PingPlugin,
    CSIPlugin, ReceiptsPlugin, MarkersPlugin, ChatStatesPlugin, CorrectionsPlugin, CapsPlugin, VersionPlugin,
    BlockingPlugin, StylingPlugin, CommandsPlugin, UploadPlugin,
)

#: name → plugin class, in initialize order (each class declares its own ``name``).
FEATURE_PLUGINS: dict[str, type[Plugin]] = {plugin.name: plugin for plugin in FEATURE_PLUGIN_CLASSES}
