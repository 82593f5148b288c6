"""The feature plugins every converse-py instance loads (the browser adds its UI plugin).

>>> sorted(FEATURE_PLUGINS)
['converse-avatars', 'converse-blocking', 'converse-bookmarks', 'converse-caps', 'converse-chats', 'converse-chatstates', 'converse-commands', 'converse-corrections', 'converse-csi', 'converse-disco', 'converse-emoji', 'converse-headlines', 'converse-idle', 'converse-mam', 'converse-markers', 'converse-media', 'converse-mentions', 'converse-moderation', 'converse-muc', 'converse-notifications', 'converse-omemo', 'converse-otr', 'converse-ping', 'converse-profile', 'converse-reactions', 'converse-receipts', 'converse-register', 'converse-replies', 'converse-retraction', 'converse-room-life', 'converse-roster', 'converse-spoilers', 'converse-status', 'converse-styling', 'converse-upload', 'converse-version']
"""

from __future__ import annotations

from ..core.plugin import Plugin
from .avatars.plugin import AvatarsPlugin
from .blocking.plugin import BlockingPlugin
from .bookmarks.plugin import BookmarksPlugin
from .caps.plugin import CapsPlugin
from .chats.plugin import ChatsPlugin
from .chatstates.plugin import ChatStatesPlugin
from .commands.plugin import CommandsPlugin
from .corrections.plugin import CorrectionsPlugin
from .csi.plugin import CSIPlugin
from .disco.plugin import DiscoPlugin
from .emoji.plugin import EmojiPlugin
from .headlines.plugin import HeadlinesPlugin
from .mam.plugin import MamPlugin
from .markers.plugin import MarkersPlugin
from .media.plugin import MediaPlugin
from .moderation.plugin import ModerationPlugin
from .muc.plugin import MUCPlugin
from .notifications.plugin import NotificationsPlugin
from .otr.plugin import OtrPlugin
from .ping.plugin import PingPlugin
from .reactions.plugin import ReactionsPlugin
from .receipts.plugin import ReceiptsPlugin
from .replies.plugin import RepliesPlugin
from .retraction.plugin import RetractionPlugin
from .roster.plugin import RosterPlugin
from .spoilers.plugin import SpoilersPlugin
from .status.plugin import StatusPlugin
from .styling.plugin import StylingPlugin
from .upload.plugin import UploadPlugin
from .idle.plugin import IdlePlugin
from .mentions.plugin import MentionsPlugin
from .profile.plugin import ProfilePlugin
from .register.plugin import RegisterPlugin
from .room_life.plugin import RoomLifePlugin
from .version.plugin import VersionPlugin
from .omemo.plugin import OmemoPlugin

#: The feature plugin classes, in initialize order.
FEATURE_PLUGIN_CLASSES: tuple[type[Plugin], ...] = (
    RosterPlugin, StatusPlugin, ChatsPlugin, OtrPlugin, DiscoPlugin, MamPlugin, MUCPlugin, PingPlugin,
    CSIPlugin, ReceiptsPlugin, MarkersPlugin, ChatStatesPlugin, CorrectionsPlugin, CapsPlugin, VersionPlugin,
    BlockingPlugin, StylingPlugin, CommandsPlugin, MediaPlugin, BookmarksPlugin, AvatarsPlugin, NotificationsPlugin, EmojiPlugin, RetractionPlugin, RepliesPlugin, SpoilersPlugin, HeadlinesPlugin, ReactionsPlugin, UploadPlugin, RegisterPlugin, ProfilePlugin, MentionsPlugin, ModerationPlugin, IdlePlugin, RoomLifePlugin, OmemoPlugin,
)

#: name → plugin class, in initialize order (each class declares its own ``name``).
FEATURE_PLUGINS: dict[str, type[Plugin]] = {plugin.name: plugin for plugin in FEATURE_PLUGIN_CLASSES}
