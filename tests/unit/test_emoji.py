"""Emoji: the data derived from emojibase-data at build time, emoji-only detection, shortcode
conversion and autocomplete, search ranking, the plugin's send hook and preferences, quoting."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.dom import emoji_templates, templates
from converse_py.dom.quoting import quoted, with_quote
from converse_py.plugins.chats.models import ShownMessage
from converse_py.plugins.emoji.data import EmojiData
from converse_py.plugins.emoji.plugin import EmojiState
from converse_py.plugins.emoji.text import (emoji_count, is_emoji_only, replace_shortcodes, shortcode_being_typed,
                                            shortcode_just_typed)
from tools import emoji_data

from .conftest import arun, logged_in, settle


@lru_cache(maxsize=1)
def derived_text() -> str:
    """The data file as the build writes it, from the installed npm package."""
    package = emoji_data.PACKAGE
    compact = json.loads((package / "en" / "compact.json").read_text("utf-8"))
    shortcodes = json.loads((package / "en" / "shortcodes" / "joypixels.json").read_text("utf-8"))
    groups = json.loads((package / "meta" / "groups.json").read_text("utf-8"))["groups"]
    return json.dumps(emoji_data.derive(compact, shortcodes, groups, "test", emoji_data.emoji_presentation()),
                      ensure_ascii=False)


@lru_cache(maxsize=1)
def real_data() -> EmojiData:
    return EmojiData(json.loads(derived_text()))


# ----- build-time derivation -------------------------------------------------------------------
def test_the_derived_data_has_the_picker_groups_and_the_converse_js_shortcodes() -> None:
    raw = json.loads(derived_text())
    assert raw["groups"] == ["smileys-emotion", "people-body", "animals-nature", "food-drink", "travel-places",
                             "activities", "objects", "symbols", "flags"]
    chars = {row[0] for row in raw["emojis"]}
    assert "🏻" not in chars and "🇦" not in chars  # the component group and lone regional indicators
    data = real_data()
    assert len(data.emojis) > 1800
    assert data.char_of("smile") == "😄" and data.char_of("thumbsup") == "👍" and data.char_of("flag_fr") == "🇫🇷"
    wave = data.by_shortcode("wave")
    assert wave is not None and wave.skins == ("👋🏻", "👋🏼", "👋🏽", "👋🏾", "👋🏿")
    assert data.groups[data.by_shortcode("flag_fr").group] == "flags"  # type: ignore[union-attr]


def test_only_variants_of_a_single_skin_tone_are_kept_for_people_with_several() -> None:
    data = real_data()
    handshake = data.by_char("🤝")
    assert handshake is not None and len(handshake.skins) == 5
    assert all("\u200d" not in skin for skin in handshake.skins)
    couple = data.by_char("🧑\u200d🤝\u200d🧑")
    assert couple is not None and couple.skins[2].count("\U0001F3FD") == 2


def test_derive_file_writes_once_and_then_reports_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "emoji.json"
    first = emoji_data.derive_file(output=out)
    assert "written" in first and json.loads(out.read_text("utf-8"))["shortcodes"] == "joypixels"
    assert "unchanged" in emoji_data.derive_file(output=out)


# ----- emoji-only --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, count", [
    ("👍", 1), ("👍🏽", 1), (" 🎉 ", 1), ("❤️", 1), ("❤", 1),
    ("👩\u200d👩\u200d👧\u200d👦", 1),  # family: one ZWJ sequence
    ("🏳️\u200d🌈", 1),  # rainbow flag: ZWJ with a variation selector
    ("🧑🏽\u200d🚀", 1),  # astronaut with a skin tone
    ("🇫🇷🇰🇷", 2),  # two flags (regional indicator pairs)
    ("🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 1),  # Scotland: tag sequence
    ("1️⃣#️⃣", 2),  # keycaps
    ("👍 👍 👍", 3), ("👍👍👍👍", 4),
])
def test_emoji_clusters_are_counted_as_a_reader_sees_them(text: str, count: int) -> None:
    assert emoji_count(text) == count


@pytest.mark.parametrize("text", ["", "hi", "ok 👍", "👍!", "1", "#", "🇫", "\u200d👍", "👍\u200d", "한", "😀a",
                                  "🏴\U000E0067", "👍👍👍👍"])
def test_text_that_is_not_one_to_three_emoji_is_not_emoji_only(text: str) -> None:
    assert not is_emoji_only(text)


def test_one_to_three_emoji_are_emoji_only_and_long_bodies_are_turned_down_at_once() -> None:
    assert is_emoji_only("👍") and is_emoji_only("🇫🇷🇰🇷") and is_emoji_only("👩\u200d👩\u200d👧 🎉 1️⃣")
    assert not is_emoji_only("👍" * 30)


def test_an_emoji_only_row_gets_the_large_class_and_others_do_not() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    big = str(templates.message_item(ShownMessage("m1", "bob@localhost", "🇰🇷🎉", when, False)))
    small = str(templates.message_item(ShownMessage("m2", "bob@localhost", "yay 🎉", when, True)))
    assert big.startswith('<li class="cpy-msg cpy-in cpy-emoji-only" data-id="m1">')
    assert small.startswith('<li class="cpy-msg cpy-out" data-id="m2">')


# ----- shortcodes ----------------------------------------------------------------------------------
def test_known_shortcodes_become_emoji_and_the_rest_of_the_text_stays() -> None:
    data = real_data()
    assert replace_shortcodes(":smile: at 10:30:00 :no_such_code: :flag_fr:", data.char_of) == \
        "😄 at 10:30:00 :no_such_code: 🇫🇷"
    assert replace_shortcodes("no colons", data.char_of) == "no colons"


def test_the_shortcode_being_typed_needs_two_letters_after_a_space_or_the_start() -> None:
    assert shortcode_being_typed(":sm") == (0, "sm")
    assert shortcode_being_typed("héllo :thumbs") == (6, "thumbs")
    assert shortcode_being_typed("http://x:smi") is None
    assert shortcode_being_typed("a :s") is None
    assert shortcode_being_typed("a :smile: ") is None
    assert shortcode_just_typed("a :smile:\n") == (2, "smile", "\n")


def test_autocomplete_lists_prefix_matches_first_shortest_first() -> None:
    codes = [code for code, _ in real_data().complete("smi", 8)]
    assert codes[0] == "smile" and len(codes) == 8
    assert all(code.startswith("smi") for code in codes[:3])
    assert real_data().complete("zzzzqq") == []


# ----- search ------------------------------------------------------------------------------------
@pytest.mark.parametrize("query, first", [("thumbs", "👍"), ("heart", "❤️"), (":joy:", "😂"), ("Joy", "😂"),
                                          ("france", "🇫🇷"), ("red heart", "❤️"), ("cat face", "🐱")])
def test_search_puts_the_expected_emoji_first(query: str, first: str) -> None:
    assert real_data().search(query)[0].char == first


def test_search_ranks_exact_shortcodes_above_prefixes_above_words_and_keeps_order_on_ties() -> None:
    found = [e.char for e in real_data().search("cat", 100)]
    assert found[0] == "🐈" or found[0] == "🐱"  # the cat (name "cat"; shortcode "cat" is the face)
    assert found.index("😺") > found.index("🐱")
    assert real_data().search("   ") == [] and real_data().search("xyzzyqq") == []
    assert len(real_data().search("face", 5)) == 5


# ----- the plugin --------------------------------------------------------------------------------
def with_data(client: Any) -> list[str]:
    """Serve the derived file to the client's platform; the URLs it fetched."""
    fetched: list[str] = []

    async def fetch_text(url: str) -> str:
        fetched.append(url)
        return derived_text()
    client.platform.fetch_text = fetch_text
    return fetched


def test_sending_converts_shortcodes_once_the_data_is_loaded_and_loading_is_lazy() -> None:
    async def run() -> tuple[list[str], list[str], list[str]]:
        client = await logged_in()
        fetched = with_data(client)
        fetched_at_start = list(fetched)
        box = client.api.chats.open("bob@localhost")
        box.send_message(":wave: before loading")  # sent as typed; starts the load
        await settle()
        box.send_message("hi :wave: :nope:")
        bodies = [m.body for m in box.messages]
        return fetched_at_start, fetched, bodies
    at_start, fetched, bodies = arun(run())
    assert at_start == [] and fetched == ["/static/emoji/emoji.json"]
    assert bodies == [":wave: before loading", "hi 👋 :nope:"]


def test_the_api_finds_gets_converts_and_detects() -> None:
    async def run() -> tuple[Any, ...]:
        client = await logged_in()
        with_data(client)
        emojis = client.api.emojis
        found = await emojis.find("thumbs", 2)
        got = await emojis.get("👋🏽")
        converted = await emojis.shortcode_to_emoji(":thumbsup: done")
        return found, got, converted, emojis.is_emoji_only("👍🏽🎉"), emojis.is_emoji_only("ok 👍")
    found, got, converted, only, not_only = arun(run())
    assert [f["emoji"] for f in found] == ["👍", "👎"] and "thumbsup" in found[0]["shortcodes"]
    assert got["name"] == "waving hand" and got["emoji"] == "👋"
    assert converted == "👍 done" and only is True and not_only is False


def test_bad_input_to_the_api_gets_a_clear_error() -> None:
    async def run() -> list[str]:
        client = await logged_in()
        with_data(client)
        errors = []
        for call in (lambda: client.api.emojis.find(3), lambda: client.api.emojis.find("x", 0),
                     lambda: client.api.emojis.set_skin_tone(9)):
            try:
                call()
            except ConverseError as exc:
                errors.append(str(exc))
        return errors
    errors = arun(run())
    assert len(errors) == 3 and errors[0].startswith("emojis.find") and "setSkinTone" in errors[2]


def test_skin_tone_and_recently_used_are_remembered_in_lasting_storage() -> None:
    async def run() -> tuple[int, list[str], dict[str, str]]:
        client = await logged_in()
        state = client.converse.get(EmojiState)
        state.set_skin_tone(4)
        for text in ("👍", "🎉", "👍"):
            state.used(text)
        return state.skin_tone(), state.recent(), client.platform.persistent_storage
    tone, recent, stored = arun(run())
    assert tone == 4 and recent == ["👍", "🎉"] and len(stored) == 2


def test_a_failed_load_is_reported_and_tried_again_next_time() -> None:
    async def run() -> tuple[bool, bool]:
        client = await logged_in()
        state = client.converse.get(EmojiState)
        try:
            await state.load()  # NullPlatform: no HTTP
            failed = False
        except OSError:
            failed = True
        with_data(client)
        await state.load()
        return failed, state.data is not None
    assert arun(run()) == (True, True)


# ----- picker templates and quoting ------------------------------------------------------------------
def test_picker_names_and_emoji_are_text_and_only_the_first_emoji_is_in_the_tab_order() -> None:
    html = str(emoji_templates.grid([("👍", "<b>x</b>"), ("🎉", "party")], "Results"))
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert html.count('tabindex="0"') == 1 and html.count('tabindex="-1"') == 1


def test_quoting_prefixes_every_line_and_keeps_the_draft() -> None:
    assert quoted("a\n\nb\n") == "> a\n> \n> b\n"
    assert with_quote("draft", "x") == "draft\n> x\n"
    assert with_quote("draft\n", "x") == "draft\n> x\n"
