"""``api.emojis``: emoji search, ``:shortcode:`` conversion and emoji-only detection for plugins."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from .text import is_emoji_only, replace_shortcodes

if TYPE_CHECKING:
    from .plugin import EmojiState


class EmojisAPI(Grouping):
    """``_converse.api.emojis``: emoji search and ``:shortcode:`` conversion over the emoji data
    (built from the npm package emojibase-data, served with converse-py's static files and
    fetched on first need: ``find``, ``get`` and ``shortcodeToEmoji`` wait for it), emoji-only
    detection, and the skin tone and recently used emoji of the picker."""

    def __init__(self, state: EmojiState) -> None:
        self._state = state

    def initialize(self) -> asyncio.Future[None]:
        """Load the emoji data (once; later calls resolve at once). Also the promise
        ``emojisInitialized``.

        JS: ``await _converse.api.emojis.initialize();``
        Python: ``await api.emojis.initialize()``
        """
        return asyncio.ensure_future(self._initialize())

    async def _initialize(self) -> None:
        await self._state.load()

    def find(self, query: str, limit: int = 20) -> asyncio.Future[list[dict[str, Any]]]:
        """The emoji whose shortcodes or CLDR name match ``query``, best first (an exact shortcode,
        then shortcodes starting with it, then names with a word starting with it, then the rest):
        each ``{emoji, name, group, shortcodes, skins}``.

        JS: ``(await _converse.api.emojis.find('thumbs'))[0].emoji  // '👍'``
        Python: ``await api.emojis.find("heart", 5)``
        """
        if not isinstance(query, str):
            raise ConverseError(f"emojis.find: expected the text to search for, got {type(query).__name__}")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConverseError(f"emojis.find: limit must be a positive whole number, got {limit!r}")
        return asyncio.ensure_future(self._find(query, limit))

    async def _find(self, query: str, limit: int) -> list[dict[str, Any]]:
        data = await self._state.load()
        return [emoji.as_dict() for emoji in data.search(query, limit)]

    def get(self, name: str) -> asyncio.Future[dict[str, Any] | None]:
        """One emoji by shortcode (``'smile'`` or ``':smile:'``) or by its text (``'😄'``, a skin-tone
        variant too); null/None when unknown.

        JS: ``(await _converse.api.emojis.get(':thumbsup:')).emoji  // '👍'``
        Python: ``(await api.emojis.get("👋🏽"))["name"]  # 'waving hand'``
        """
        if not isinstance(name, str):
            raise ConverseError(f"emojis.get: expected a shortcode or an emoji, got {type(name).__name__}")
        return asyncio.ensure_future(self._get(name))

    async def _get(self, name: str) -> dict[str, Any] | None:
        data = await self._state.load()
        emoji = data.by_shortcode(name) or data.by_char(name)
        return emoji.as_dict() if emoji is not None else None

    def shortcode_to_emoji(self, text: str) -> asyncio.Future[str]:
        """``text`` with every known ``:shortcode:`` replaced by its emoji (what sending does).

        JS: ``await _converse.api.emojis.shortcodeToEmoji('hi :wave:')  // 'hi 👋'``
        Python: ``await api.emojis.shortcode_to_emoji(":thumbsup: done")  # '👍 done'``
        """
        if not isinstance(text, str):
            raise ConverseError(f"emojis.shortcodeToEmoji: expected text, got {type(text).__name__}")
        return asyncio.ensure_future(self._convert(text))

    async def _convert(self, text: str) -> str:
        data = await self._state.load()
        return replace_shortcodes(text, data.char_of)

    def is_emoji_only(self, text: str) -> bool:
        """Whether ``text`` is one to three emoji and nothing else (such messages are shown large);
        no data needed.

        JS: ``_converse.api.emojis.isEmojiOnly('👍🏽🎉')  // true``
        Python: ``api.emojis.is_emoji_only("👩‍👩‍👧 ok")  # False``
        """
        return isinstance(text, str) and is_emoji_only(text)

    def skin_tone(self) -> int:
        """The skin tone the user chose in the picker: 0 (none), 1 (light) … 5 (dark); remembered
        across visits.

        JS: ``_converse.api.emojis.skinTone()  // 0``
        Python: ``api.emojis.skin_tone()``
        """
        return self._state.skin_tone()

    def set_skin_tone(self, tone: int) -> None:
        """Choose the skin tone the picker uses (0 none, 1 light … 5 dark).

        JS: ``_converse.api.emojis.setSkinTone(3);``
        Python: ``api.emojis.set_skin_tone(3)``
        """
        self._state.set_skin_tone(tone)

    def recent(self) -> list[str]:
        """The emoji the user picked lately, the latest first (the picker's "Recently used").

        JS: ``_converse.api.emojis.recent()  // ['👍', '🎉']``
        Python: ``api.emojis.recent()``
        """
        return self._state.recent()
