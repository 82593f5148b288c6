"""The shipped languages: complete catalogues (placeholders kept, one plural form per CLDR category),
no untranslatable UI text, plural rules, locale dates, picking the language, text direction."""

from __future__ import annotations

import ast
import doctest
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from converse_py import i18n
from converse_py.i18n import LANGUAGES, _, choose_language, direction, format_day, ngettext, set_language
from converse_py.i18n import dates, negotiate, plurals
from converse_py.i18n.dates import long_day
from converse_py.i18n.plurals import CATEGORIES, plural_category

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import gen_i18n  # noqa: E402


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_language("en")


def test_ten_languages_ship_each_with_a_catalogue_and_plural_rules() -> None:
    assert set(LANGUAGES) == {"en", "de", "fr", "es", "pt-BR", "ru", "zh-CN", "ja", "ar", "ko"}
    shipped = {gen_i18n.language_of(po) for po in gen_i18n.LOCALES.glob("*.po")}
    assert shipped == set(LANGUAGES) - {"en"}
    assert set(CATEGORIES) == set(LANGUAGES)


def test_every_catalogue_translates_every_ui_string_keeping_its_placeholders_and_plural_forms() -> None:
    assert len(gen_i18n.extract()) > 200
    assert gen_i18n.extract_plurals(), "texts with a count go through ngettext"
    assert {code: wrong for code, wrong in gen_i18n.problems().items() if wrong} == {}


def test_the_catalogue_check_reports_a_lost_or_extra_placeholder_and_a_wrong_number_of_forms(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (gen_i18n.LOCALES / "ru.po").read_text(encoding="utf-8")
    text = text.replace('msgstr "Не удалось пригласить {jid}: {reason}"', 'msgstr "Не удалось пригласить {jid}"')
    text = text.replace('msgstr "Чат с {jid}"', 'msgstr "Чат с {jid} {name}"')
    text = text.replace('msgstr[2] "{count} упоминаний"\n', "")
    text = text.replace('msgstr "Закрыть"', 'msgstr ""')
    (tmp_path / "ru.po").write_text(text, encoding="utf-8")
    monkeypatch.setattr(gen_i18n, "LOCALES", tmp_path)
    wrong = "\n".join(gen_i18n.problems()["ru"])
    assert "'Не удалось пригласить {jid}' does not keep the placeholders of 'Cannot invite {jid}: {reason}'" in wrong
    assert "'Чат с {jid} {name}' does not keep the placeholders of 'Chat with {jid}'" in wrong
    assert "'{count} mention' has 2 forms, ru needs 3" in wrong
    assert "untranslated: 'Close'" in wrong
    assert len(gen_i18n.problems()["ru"]) == 4


LETTERS = re.compile(r"[A-Za-z]{2,}")
USER_FACING_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "label"}
RAW_HTML_TEXT = re.compile(r'>\s*[^<>{}"\']*[A-Za-z]{3,}[^<>{}]*<|(?:aria-label|title|placeholder|alt)="[^"{]*[A-Za-z]{3,}')
#: Placeholders showing the form of an address or a domain (not text to translate).
EXAMPLE_ADDRESS = re.compile(r"^(?:[a-z]+@(?:localhost|conference\.example\.org)|example\.(?:org|com|net))$")


def untranslatable_texts() -> list[str]:
    """Literal English in the UI: text children of ``tag(...)``, user-facing attributes and button
    labels in dict literals, and text inside literal HTML, that does not go through ``_()``."""
    found = []
    for path in sorted((ROOT / "converse_py").rglob("*.py")):
        if "i18n" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tag":
                found += [f"{where}:{child.lineno} {child.value!r}" for child in node.args[2:]
                          if isinstance(child, ast.Constant) and isinstance(child.value, str)
                          and LETTERS.search(child.value)]
            elif isinstance(node, ast.Dict):
                found += [f"{where}:{value.lineno} {key.value}={value.value!r}"
                          for key, value in zip(node.keys, node.values)
                          if isinstance(key, ast.Constant) and key.value in USER_FACING_ATTRIBUTES
                          and isinstance(value, ast.Constant) and isinstance(value.value, str)
                          and LETTERS.search(value.value) and not EXAMPLE_ADDRESS.match(value.value)]
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and ("dom" in path.parts or "plugins" in path.parts)
                  and RAW_HTML_TEXT.search(node.value) and "XEP-" not in node.value):
                found.append(f"{where}:{node.lineno} {node.value[:60]!r}")
    return found


def test_every_ui_text_in_templates_and_plugins_goes_through_the_translation_function() -> None:
    assert untranslatable_texts() == []


def test_the_untranslated_text_scan_finds_a_bare_label(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = tmp_path / "converse_py" / "plugins" / "x"
    plugin.mkdir(parents=True)
    (plugin / "view.py").write_text(
        'def row():\n    return tag("button", {"title": "Delete it"}, "Delete") + \'<b title="Bold">Hi there</b>\'\n')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert len(untranslatable_texts()) == 3


@pytest.mark.parametrize(("code", "samples"), [
    ("en", {1: "one", 0: "other", 2: "other"}),
    ("de", {1: "one", 0: "other", 21: "other"}),
    ("fr", {0: "one", 1: "one", 2: "other", 1_000_000: "many", 2_000_000: "many", 1_000_001: "other"}),
    ("pt-BR", {0: "one", 1: "one", 2: "other", 1_000_000: "many"}),
    ("es", {0: "other", 1: "one", 2: "other", 3_000_000: "many"}),
    ("ru", {1: "one", 21: "one", 101: "one", 2: "few", 24: "few", 0: "many", 5: "many", 11: "many",
            12: "many", 14: "many", 111: "many", 112: "many"}),
    ("ar", {0: "zero", 1: "one", 2: "two", 3: "few", 10: "few", 103: "few", 11: "many", 99: "many",
            111: "many", 100: "other", 101: "other", 102: "other"}),
    ("ja", {0: "other", 1: "other", 2: "other"}), ("zh-CN", {1: "other"}), ("ko", {1: "other"}),
])
def test_counts_fall_in_the_cldr_plural_category_of_each_language(code: str, samples: dict[int, str]) -> None:
    assert {n: plural_category(code, n) for n in samples} == samples
    assert set(samples.values()) <= set(CATEGORIES[code])


def test_texts_with_a_count_take_the_form_of_the_language() -> None:
    assert ngettext("{count} mention", "{count} mentions", 1) == "1 mention"
    assert ngettext("{count} mention", "{count} mentions", 4) == "4 mentions"
    set_language("ru")
    assert [ngettext("{count} mention", "{count} mentions", n) for n in (1, 3, 7, 11, 21)] == [
        "1 упоминание", "3 упоминания", "7 упоминаний", "11 упоминаний", "21 упоминание"]
    set_language("ar")
    assert ngettext("{count} unread", "{count} unread", 2) == "2 رسالتان غير مقروءتين"
    assert ngettext("{count} unread", "{count} unread", 5) == "5 رسائل غير مقروءة"
    set_language("fr")
    assert ngettext("{count} public room on {service}.", "{count} public rooms on {service}.", 0,
                    service="conf.example") == "0 salon public sur conf.example."
    set_language("de")
    assert ngettext("{names} and {count} more", "{names} and {count} more", 2, names="a, b") == "a, b und 2 weitere"
    set_language("ja")
    assert ngettext("{count} unread", "{count} unread", 1) == "未読 1 件"


def test_a_catalog_object_from_the_page_can_give_plural_forms() -> None:
    set_language({"_language": "ru", "{count} unread": ["{count} новое", "{count} новых", "{count} новых"]})
    assert ngettext("{count} unread", "{count} unread", 2) == "2 новых"
    assert ngettext("{count} mention", "{count} mentions", 2) == "2 mentions"


def test_each_language_writes_a_day_its_own_way() -> None:
    day = date(2026, 11, 25)
    assert {code: long_day(day, code) for code in LANGUAGES} == {
        "en": "Wednesday, November 25, 2026", "de": "Mittwoch, 25. November 2026",
        "fr": "mercredi 25 novembre 2026", "es": "miércoles, 25 de noviembre de 2026",
        "pt-BR": "quarta-feira, 25 de novembro de 2026", "ru": "среда, 25 ноября 2026 г.",
        "zh-CN": "2026年11月25日星期三", "ja": "2026年11月25日水曜日",
        "ar": "الأربعاء، 25 نوفمبر 2026", "ko": "2026년 11월 25일 수요일"}
    assert long_day(date(2026, 3, 1), "fr") == "dimanche 1er mars 2026"
    set_language("es")
    assert format_day(datetime(2026, 1, 5, 12, tzinfo=UTC).astimezone()) == "lunes, 5 de enero de 2026"


@pytest.mark.parametrize(("setting", "browser", "allowed", "chosen"), [
    ("", ["de-DE", "en"], None, "de"),
    ("", ["pt-PT"], None, "pt-BR"),  # the only Portuguese shipped
    ("", ["zh-TW", "ja-JP"], None, "ja"),  # Traditional Chinese readers do not get Simplified
    ("", ["zh-Hans-CN"], None, "zh-CN"),
    ("", ["zh-HK"], None, "en"),
    ("", ["sv-SE", "fr-CA"], None, "fr"),
    ("", ["ar-EG"], ["en", "de"], "en"),  # not among the allowed locales
    ("", [], None, "en"),
    ("ru", ["de"], None, "ru"),  # the i18n setting wins over the browser
    ("ko-KR", [], None, "ko"),
    ("de", [], ["en", "fr"], "en"),
])
def test_the_browser_language_is_used_unless_the_i18n_setting_says_among_the_allowed_locales(
        setting: str, browser: list[str], allowed: list[str] | None, chosen: str) -> None:
    assert choose_language(setting, browser, allowed) == chosen
    assert i18n.language() == chosen


def test_arabic_is_written_right_to_left_and_the_others_left_to_right() -> None:
    assert {code: (set_language(code), direction())[1] for code in LANGUAGES} == {
        code: "rtl" if code == "ar" else "ltr" for code in LANGUAGES}


def test_a_language_switch_translates_and_unknown_codes_fall_back_to_english() -> None:
    assert set_language("zh") == "zh-CN" and _("Log in") == "登录"
    assert set_language("pt_BR") == "pt-BR" and _("Password") == "Senha"
    assert set_language("xx-YY") == "en" and _("Log in") == "Log in"


@pytest.mark.parametrize("module", [i18n, plurals, dates, negotiate])
def test_the_examples_in_the_i18n_docstrings_hold(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
