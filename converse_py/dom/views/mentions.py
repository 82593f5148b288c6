"""The ``@nick`` autocomplete of a room's composer: typing ``@al`` lists the room's occupants whose
nick matches (``muc_mention_autocomplete_filter``: ``contains`` or ``starts_with``, after
``muc_mention_autocomplete_min_chars`` characters), the most recent speakers first, with their
avatars (``muc_mention_autocomplete_show_avatar``). Up/Down choose, Enter/Tab (or a click) insert
``@nick `` as Converse.js does, Escape closes: the list is the one shared with the emoji
``:shortcode`` autocomplete (``autocomplete.ComposerCompletion``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.converse import Converse
from ...core.log import logger
from ...plugins.mentions.api import known_nicks
from ...plugins.mentions.completion import matching_nicks, mention_being_typed
from ...plugins.mentions.plugin import MentionsState
from ...plugins.muc.plugin import RoomsState
from .. import mention_templates as t
from ..room_templates import occupant_avatar_jid
from ..templates import avatar_image
from .avatars import avatar_url
from .emoji import utf16_len, utf16_prefix
from ..ffi import ProxyKeeper, found

if TYPE_CHECKING:
    from .ui import UIPlugin

class MentionsView:
    """Lists occupants as ``@query`` is typed in a room's composer."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.completion = ui.completion
        self.proxies = ProxyKeeper()
        if converse.find(MentionsState) is None or converse.find(RoomsState) is None:
            return
        ui.on_action("click", "mention-complete-pick", self.on_click)
        root.addEventListener("input", self.proxies.keep(self.on_input), True)

    def _room(self, textarea: Any) -> Any:
        section = textarea.closest("section[data-jid]")
        rooms = self.converse.find(RoomsState)
        if not found(section) or rooms is None:
            return None
        room = rooms.rooms.get(str(section.getAttribute("data-jid")))
        return room if room is not None and room.get("type") == "chatroom" else None

    def on_input(self, event: Any) -> None:
        target = event.target
        if str(getattr(target, "tagName", "")) != "TEXTAREA" or not found(target.closest("form.cpy-compose")):
            return
        try:
            self.typed(target)
        except Exception:
            logger.exception("mentions: the autocomplete failed")

    def typed(self, textarea: Any) -> None:
        room = self._room(textarea)
        caret = int(textarea.selectionEnd)
        typing = mention_being_typed(utf16_prefix(str(textarea.value), caret)) \
            if room is not None and caret == int(textarea.selectionStart) else None
        settings = self.converse.settings
        if typing is None or len(typing[1]) < int(settings.get("muc_mention_autocomplete_min_chars") or 0):
            self.completion.close("mention")
            return
        start, query = typing
        nicks = matching_nicks(known_nicks(room), query, str(settings.get("muc_mention_autocomplete_filter")))
        if not nicks:
            self.completion.close("mention")
            return
        u16_start = utf16_len(utf16_prefix(str(textarea.value), caret)[:start])
        avatar_for = self._avatars(room) if settings.get("muc_mention_autocomplete_show_avatar") else None
        self.completion.show("mention", textarea,
                             lambda list_id, selected: t.nick_options(list_id, nicks, selected, avatar_for),
                             len(nicks), lambda index: self.insert(textarea, u16_start, caret, nicks[index]))

    def _avatars(self, room: Any) -> Any:
        def avatar_for(nick: str) -> Any:
            occupant = room.occupants.get(nick)
            lookup = occupant_avatar_jid(room.get("jid"), occupant) if occupant is not None else None
            return avatar_image(avatar_url(self.converse, lookup) if lookup else None, nick, nick,
                                "cpy-avatar cpy-avatar-small", lookup)
        return avatar_for

    @staticmethod
    def insert(textarea: Any, start: int, end: int, nick: str) -> None:
        """Replace the ``@query`` (``start``..``end``, UTF-16 units) with ``@nick `` (as Converse.js)."""
        textarea.setRangeText(f"@{nick} ", start, end, "end")
        textarea.focus()

    def on_click(self, element: Any, _event: Any) -> None:
        if self.completion.is_open("mention"):
            self.completion.accept(int(str(element.getAttribute("data-index"))))
