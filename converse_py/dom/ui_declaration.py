"""What the browser UI plugin (``converse-ui``, dom/views/ui.py) declares, importable without a
browser (the docs generator and unit tests read it on CPython).
"""

from __future__ import annotations

from ..core.plugin import EventDoc, Plugin
from ..core.settings import Setting
from .hooks import UI_HOOKS


class UIDeclaration(Plugin):
    """The declarations of ``converse-ui``; ``UIPlugin`` adds the rendering."""

    name = "converse-ui"
    hooks = UI_HOOKS
    events = {
        "messagePartClicked": EventDoc(
            "the chat box or room, the message, the button's name",
            "a button a `getMessageParts` listener put in a row (`data-action=\"message-part\"` "
            "`data-name=\"…\"`) was clicked: act on the message (e.g. show a spoiler)"),
    }
    settings = {
        "allow_dragresize": Setting(True, (bool,), "Chat boxes and rooms can be resized by dragging their top "
                                    "and left edges (desktop); the size is remembered."),
        "theme": Setting("light", (str,), "The colour theme while the system does not prefer a dark one "
                         "(Converse.js's names `classic`, `dracula`, `cyberpunk` are understood).",
                         choices=("light", "dark", "classic", "dracula", "cyberpunk")),
        "dark_theme": Setting("dark", (str,), "The colour theme while the system prefers a dark one "
                              "(`prefers-color-scheme: dark`); set it to `light` to always use `theme`.",
                              choices=("light", "dark", "classic", "dracula", "cyberpunk")),
        "hide_offline_users": Setting(False, (bool,), "Leave offline contacts out of the roster view."),
        "play_sounds": Setting(False, (bool,), "Play a sound on incoming messages when the page is not focused."),
        "roster_groups": Setting(False, (bool,), "Group contacts in the roster view by roster group."),
        "show_message_avatar": Setting(True, (bool,), "Whether chat messages should also render the author's "
                                       "avatar (beside the first message of each group of consecutive "
                                       "messages; initials on the author's XEP-0392 colour without a picture)."),
        "show_controlbox_by_default": Setting(False, (bool,), "Open the control box at start-up."),
        "sounds_path": Setting("/static/sounds/", (str,), "Where the notification sounds are served."),
        "view_mode": Setting("overlayed", (str,), "Placement of the client in the page.",
                             choices=("overlayed", "fullscreen", "embedded")),
    }
