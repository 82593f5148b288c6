"""Styling plugin (XEP-0393): message bodies shown with *strong*, _emphasis_, ~strike~, `pre`,
```` ``` ```` blocks and ``>`` quotes, in chats and rooms, live and from the archive. The body is
parsed as text and every piece escaped (``render.py``); markup-looking text stays text. The
``allow_message_styling`` setting (Converse.js's name) turns it off.
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.plugin import Plugin
from ...core.settings import Setting
from .render import render_body

#: The characters without which a body has no styling at all (the fast path of a burst).
DIRECTIVE_CHARS = frozenset("*_~`>")


class MessageStyling:
    """How message bodies are turned into HTML while the plugin is on."""

    def __init__(self, settings_get: Callable[[str], object]) -> None:
        self._get = settings_get

    @property
    def enabled(self) -> bool:
        return bool(self._get("allow_message_styling"))

    def renderer(self, text: Callable[[str], str]) -> Callable[[str], str]:
        """A body renderer that styles bodies and hands plain pieces to ``text`` (the linkifier);
        ``text`` itself while styling is off.

        >>> styling = MessageStyling({"allow_message_styling": True}.get)
        >>> styling.renderer(str.upper)("*hi* there")
        '<strong class="cpy-st"><span class="cpy-sd">*</span>HI<span class="cpy-sd">*</span></strong> THERE'
        """
        if not self.enabled:
            return text

        def render(body: str) -> str:
            if DIRECTIVE_CHARS.isdisjoint(body):
                return text(body)
            return render_body(body, text)
        return render


class StylingPlugin(Plugin):
    """``converse-styling``: XEP-0393 message styling."""

    name = "converse-styling"
    settings = {"allow_message_styling": Setting(True, (bool,), "Show XEP-0393 styling in message bodies "
                                                 "(*strong*, _emphasis_, ~strike~, `code`, ``` blocks, > quotes).")}

    def initialize(self) -> None:
        self._converse.provide(MessageStyling(self._converse.settings.get))
