"""The emoji plugin (``converse-emoji``): emoji data loaded when first needed, ``:shortcode:``
conversion of what is sent, the user's skin tone and recently used emoji, and ``api.emojis``.

The data file (built from the npm package ``emojibase-data`` by tools/emoji_data.py, served with
the static files, never from a CDN) is fetched the first time something needs it: the picker is
opened, a ``:`` starts an autocomplete in the composer, or ``api.emojis.initialize()`` is called.
Nothing is fetched at start-up. Once loaded, the ``emojisInitialized`` promise resolves.

Sending converts the known ``:shortcodes:`` left in the text (the ``beforeMessageSend`` hook, as
Converse.js does): ``:smile: hi`` is sent as ``😄 hi``. A send before the data was ever loaded goes
as typed (and starts loading it).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ..chats.hooks import OutgoingMessage
from .api import EmojisAPI
from .data import SKIN_TONES, Emoji, EmojiData
from .text import SHORTCODE, replace_shortcodes

#: Where the user's choices are kept (the page's localStorage: they outlive the tab).
SKIN_TONE_KEY = "converse-py-emoji-skin-tone"
RECENT_KEY = "converse-py-emoji-recent"
#: How many recently used emoji are remembered.
RECENT_MAX = 24


class EmojiState:
    """The emoji data (None until loaded) and the user's emoji preferences."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.data: EmojiData | None = None
        self._loading: asyncio.Future[EmojiData] | None = None

    # -- the data --------------------------------------------------------------------------
    def load(self) -> asyncio.Future[EmojiData]:
        """Fetch and parse the data file once (a failed fetch may be tried again)."""
        if self._loading is None or (self._loading.done() and self._loading.exception() is not None):
            self._loading = asyncio.ensure_future(self._load())
        return self._loading

    async def _load(self) -> EmojiData:
        url = str(self.converse.settings.get("emoji_data_url"))
        try:
            text = await self.converse.platform.fetch_text(url)
            data = EmojiData(json.loads(text))
        except Exception as exc:
            logger.error("emoji: could not load %s: %s", url, exc)
            raise
        self.data = data
        self.converse.trigger("emojisInitialized")
        return data

    # -- sending ---------------------------------------------------------------------------
    def on_send(self, _box: Any, data: OutgoingMessage) -> OutgoingMessage:
        """``beforeMessageSend``: the known ``:shortcodes:`` become emoji."""
        text = data.text
        if data.cancelled or not isinstance(text, str) or ":" not in text or SHORTCODE.search(text) is None:
            return data
        if self.data is None:
            self.load()  # for the next message; this one goes as typed
            return data
        data.text = replace_shortcodes(text, self.data.char_of)
        return data

    # -- preferences -----------------------------------------------------------------------
    def skin_tone(self) -> int:
        """The skin tone the user chose last (0: none, 1 light … 5 dark)."""
        value = self.converse.platform.storage_get(SKIN_TONE_KEY, persistent=True)
        return int(value) if value is not None and value.isdigit() and int(value) <= SKIN_TONES else 0

    def set_skin_tone(self, tone: int) -> None:
        if not isinstance(tone, int) or isinstance(tone, bool) or not 0 <= tone <= SKIN_TONES:
            raise ConverseError(f"emojis.setSkinTone: expected 0 (none) to {SKIN_TONES}, got {tone!r}")
        self.converse.platform.storage_set(SKIN_TONE_KEY, str(tone), persistent=True)

    def recent(self) -> list[str]:
        """The emoji the user picked, the latest first."""
        value = self.converse.platform.storage_get(RECENT_KEY, persistent=True)
        try:
            items = json.loads(value) if value else []
        except ValueError:
            return []
        return [item for item in items if isinstance(item, str)][:RECENT_MAX] if isinstance(items, list) else []

    def used(self, text: str) -> None:
        """Remember that the user picked ``text`` (an emoji)."""
        recent = [text] + [item for item in self.recent() if item != text]
        self.converse.platform.storage_set(RECENT_KEY, json.dumps(recent[:RECENT_MAX]), persistent=True)

    def toned(self, emoji: Emoji) -> str:
        """``emoji`` in the user's skin tone."""
        return EmojiData.with_tone(emoji, self.skin_tone())


class EmojiPlugin(Plugin):
    """Registered as the core plugin ``converse-emoji``."""

    name = "converse-emoji"
    dependencies = ("converse-chats",)  # its beforeMessageSend hook
    settings = {
        "emoji_data_url": Setting("/static/emoji/emoji.json", (str,),
                                  "Where the emoji data is served (made by `tools/build.py` from the npm "
                                  "package `emojibase-data`); fetched when the picker or a `:shortcode` first "
                                  "needs it."),
    }
    events = {
        "emojisInitialized": EventDoc(
            "nothing", "the emoji data has been loaded (the picker was opened, a `:shortcode` typed, or "
            "`api.emojis.initialize()` called)", promise=True),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = EmojiState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("emojis", EmojisAPI(self.state))
        converse.api.listen.on("beforeMessageSend", self.state.on_send)
