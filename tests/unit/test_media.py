"""Inline media (converse-media): which URLs become images, audio and video (XEP-0066 OOB and
bodies), the Converse.js settings, and that nothing but http(s) ever becomes a src or href."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

from converse_py.dom.hooks import message_parts_for
from converse_py.dom.templates import message_item
from converse_py.plugins.media.urls import media_of, shown_media
from converse_py.xmpp.stanza import parse

from .conftest import arun, chat, logged_in, settle

# XEP-0066 Example 5 (a message with an out-of-band URL), with the client namespace.
XEP0066_MESSAGE = """<message xmlns='jabber:client' from='stpeter@jabber.org/work' to='MaineBoy@jabber.org/home'>
  <body>Yeah, but do you have a license to Jabber?</body>
  <x xmlns='jabber:x:oob'>
    <url>http://www.jabber.org/images/psa-license.jpg</url>
  </x>
</message>"""

DEFAULTS = {"render_media": True, "show_images_inline": True, "allowed_image_domains": None,
            "allowed_audio_domains": None, "allowed_video_domains": None}


def test_the_oob_url_of_xep0066_example_is_an_image() -> None:
    stanza = parse(XEP0066_MESSAGE)
    assert media_of(stanza.findtext("{jabber:client}body") or "", stanza) == \
        (("image", "http://www.jabber.org/images/psa-license.jpg"),)


def test_body_urls_by_extension_oob_of_another_kind_is_a_file_and_each_url_counts_once() -> None:
    body = ("photo https://u.example/p/IMG_1.JPEG, song https://u.example/s.opus; clip (https://u.example/c.webm) "
            "page https://u.example/index.html https://u.example/p/IMG_1.JPEG")
    stanza = parse("<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url>https://u.example/doc.pdf</url></x>"
                   "<x xmlns='jabber:x:oob'><url>https://u.example/s.opus</url></x></message>")
    assert media_of(body, stanza) == (("image", "https://u.example/p/IMG_1.JPEG"), ("audio", "https://u.example/s.opus"),
                                      ("video", "https://u.example/c.webm"), ("file", "https://u.example/doc.pdf"))


def test_hostile_urls_never_become_media() -> None:
    body = ("data:image/png;base64,iVBORw0KGgo= javascript:alert(1)//x.png blob:https://a.example/x.png "
            "ftp://a.example/x.png https:///nohost.png HTTPS://ok.example/fine.png")
    stanza = parse("<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url>javascript:alert(1)</url></x>"
                   "<x xmlns='jabber:x:oob'><url>data:text/html,&lt;script&gt;</url></x>"
                   "<x xmlns='jabber:x:oob'><url>https://a.example/" + "a" * 3000 + ".png</url></x></message>")
    # only an http(s) URL is ever taken: "blob:https://…" gives its https part, as links do
    assert media_of(body, stanza) == (("image", "https://a.example/x.png"), ("image", "HTTPS://ok.example/fine.png"))


def test_settings_as_converse_js_names_them() -> None:
    media = (("image", "https://img.ok.example/a.png"), ("audio", "https://ok.example/a.mp3"),
             ("video", "https://other.example/v.mp4"))
    assert shown_media(media, DEFAULTS.get) == list(media)
    assert shown_media(media, {**DEFAULTS, "render_media": False}.get) == []
    assert shown_media(media, {**DEFAULTS, "render_media": ["ok.example"]}.get) == list(media[:2])
    assert shown_media(media, {**DEFAULTS, "show_images_inline": False}.get) == list(media[1:])
    assert shown_media(media, {**DEFAULTS, "allowed_video_domains": ["ok.example"],
                               "allowed_audio_domains": []}.get) == [media[0]]


def rendered(stanzas: list[str], settings: dict[str, Any] | None = None) -> list[str]:
    """The rows a chat with bob shows after ``stanzas`` arrive, as the message list renders them."""
    async def body() -> list[str]:
        client = await logged_in(settings)
        for stanza in stanzas:
            client.transport.receive(stanza)
        await settle()
        box = client.api.chats.get("bob@localhost")
        parts_for = message_parts_for(client.converse, box)
        return [str(message_item(m, parts=parts_for(m) if parts_for else None)) for m in box.messages]
    return list(arun(body()))


def test_a_peer_image_with_oob_renders_lazily_inside_its_link_and_the_bare_url_is_not_repeated() -> None:
    url = "https://up.example/slot/cat.png"
    rows = rendered([chat("bob@localhost/phone", "m1", url,
                          f"<x xmlns='jabber:x:oob'><url>{url}</url></x>"),
                     chat("bob@localhost/phone", "m2", f"see {url} and https://up.example/v.mp4")])
    assert f'<a class="cpy-media-link" href="{url}"' in rows[0] and 'loading="lazy"' in rows[0]
    assert '<span class="cpy-body"></span>' in rows[0]  # the body was only the URL
    assert "<video" in rows[1] and "autoplay" not in rows[1] and "controls" in rows[1]
    assert 'see <a href="https://up.example/slot/cat.png"' in rows[1]  # the text stays, with its link


def test_media_rows_escape_everything_and_off_settings_leave_links() -> None:
    evil = "https://e.example/x.png?a=\"><img src=x onerror=alert(1)>"
    stanza = chat("bob@localhost/phone", "m1", "x", "<x xmlns='jabber:x:oob'><url>" +
                  evil.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") +
                  "</url></x>")
    in_body = chat("bob@localhost/phone", "m2", escape(evil))
    row, body_row = rendered([stanza, in_body])
    assert "<img" not in row  # an OOB "URL" with quotes and brackets is no URL at all
    assert len(re.findall(r"<img ", body_row)) == 1 and 'src="https://e.example/x.png?a="' in body_row
    assert "&lt;img src=x onerror=alert(1)&gt;" in body_row
    plain = rendered([chat("bob@localhost/phone", "m1", "https://e.example/a.png")], {"render_media": False})[0]
    assert "<img" not in plain and '<a href="https://e.example/a.png"' in plain
