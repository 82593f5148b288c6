"""``converse-media``: images, audio and video shown in the message rows, in chats and rooms,
live and on archive pages, for http(s) URLs in a body or a XEP-0066 OOB element (what
Conversations, Dino, Gajim and Converse.js send with an HTTP upload).

Images load lazily, bounded in size, and open in a new tab on click; audio and video get the
browser's controls and never play by themselves; an image that fails to load falls back to its
link (the message list view swaps it). Settings, as Converse.js names them: ``render_media``,
``show_images_inline``, ``allowed_image_domains``, ``allowed_audio_domains``,
``allowed_video_domains``. Nothing but an http(s) URL ever becomes a ``src`` or ``href``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...core.plugin import Plugin
from ...core.settings import Setting
from ...dom.html import Markup, tag
from ...dom.templates import MessageParts
from ..chats.message_stanza import MessageStanza
from ..chats.models import ShownMessage
from .urls import Media, media_of, shown_media

#: ``ShownMessage.extras`` key: the message's media, ``((kind, url), ...)``.
MEDIA = "media"
_DOMAINS = (list, type(None))


def media_item(kind: str, url: str) -> Markup:
    """One medium's HTML: an image inside a link, an audio or video player, or an attachment link.

    >>> html = str(media_item("image", 'https://h.example/a.png?"x'))
    >>> html.startswith('<a class="cpy-media-link" href="https://h.example/a.png?&quot;x" target="_blank"')
    True
    >>> '<img class="cpy-media cpy-image" src="https://h.example/a.png?&quot;x" loading="lazy"' in html
    True
    >>> 'autoplay' in str(media_item("video", "https://h.example/v.mp4")), 'controls' in str(media_item("audio", "https://h.example/a.ogg"))
    (False, True)
    """
    name = url.rsplit("/", 1)[-1] or url
    if kind == "image":
        return tag("a", {"class": "cpy-media-link", "href": url, "target": "_blank", "rel": "noopener noreferrer"},
                   tag("img", {"class": "cpy-media cpy-image", "src": url, "loading": "lazy", "decoding": "async",
                               "referrerpolicy": "no-referrer", "alt": name}))
    if kind in ("audio", "video"):
        return tag(kind, {"class": f"cpy-media cpy-{kind}", "src": url, "controls": True,
                          "preload": "none" if kind == "audio" else "metadata", "playsinline": kind == "video",
                          "referrerpolicy": "no-referrer", "aria-label": name})
    return tag("a", {"class": "cpy-attachment", "href": url, "target": "_blank", "rel": "noopener noreferrer"},
               "📎 ", name)


class MediaPlugin(Plugin):
    """``converse-media``: inline images, audio and video."""

    name = "converse-media"
    dependencies = ("converse-chats",)
    settings = {
        "render_media": Setting(True, (bool, list), "Show images, audio and video inline: true, false, or a "
                                "list of domains whose media are shown (others stay links)."),
        "show_images_inline": Setting(True, (bool, list), "Show images inline (Converse.js's older name, "
                                      "for images only): true, false, or a list of domains."),
        "allowed_image_domains": Setting(None, _DOMAINS, "Domains images may be shown from (a domain "
                                         "allows its subdomains); null: any."),
        "allowed_audio_domains": Setting(None, _DOMAINS, "Domains audio may be played from; null: any."),
        "allowed_video_domains": Setting(None, _DOMAINS, "Domains video may be played from; null: any."),
    }
    features = ("jabber:x:oob",)

    def initialize(self) -> None:
        listen = self._converse.api.listen
        listen.on("messageStanza", self.find_media)
        listen.on("getMessageParts", self.parts)

    @staticmethod
    def find_media(context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        """``messageStanza``: the row's media (from its body and OOB elements) in its extras."""
        if shown is None:
            return None
        media = media_of(shown.body, context.stanza)
        if not media:
            return None
        return replace(shown, extras={**shown.extras, MEDIA: media})

    def parts(self, context: dict[str, Any], parts: MessageParts) -> MessageParts:
        """``getMessageParts``: the media settings allow, after the body; a body that is only the
        URL of a medium shown is not repeated as text."""
        message = context["message"]
        media: tuple[Media, ...] = message.extras.get(MEDIA, ())
        if not media:
            return parts
        shown = shown_media(media, self._converse.settings.get)
        links = [(kind, url) for kind, url in media if kind == "file" and url not in message.body]
        if not shown and not links:
            return parts
        parts.after.append(tag("div", {"class": "cpy-media-list"},
                               [media_item(kind, url) for kind, url in [*shown, *links]]))
        if len(shown) == 1 and message.body.strip() == shown[0][1] and parts.body is None:
            parts.body = ""
        return parts
