"""CLDR plural categories for counts, per shipped language.

A language's categories are those a whole number can fall in (counts are whole numbers, so
Russian's ``other``, used for fractions only, has no form). A catalogue gives one form per
category, in the order of ``CATEGORIES``.

>>> [plural_category("ru", n) for n in (1, 3, 5, 11, 21, 22)]
['one', 'few', 'many', 'many', 'one', 'few']
>>> [plural_category("ar", n) for n in (0, 1, 2, 5, 11, 100)]
['zero', 'one', 'two', 'few', 'many', 'other']
>>> plural_category("fr", 0), plural_category("de", 0), plural_category("fr", 1_000_000)
('one', 'other', 'many')
"""

from __future__ import annotations

from collections.abc import Callable


def _one_other(n: int) -> str:  # en, de
    return "one" if n == 1 else "other"


def _million(n: int) -> bool:  # fr, es, pt: "1 million de …"
    return n != 0 and n % 1_000_000 == 0


def _fr_pt(n: int) -> str:  # 0 and 1 are singular
    return "one" if n in (0, 1) else "many" if _million(n) else "other"


def _es(n: int) -> str:
    return "one" if n == 1 else "many" if _million(n) else "other"


def _ru(n: int) -> str:
    last, last_two = n % 10, n % 100
    if last == 1 and last_two != 11:
        return "one"
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return "few"
    return "many"


def _ar(n: int) -> str:
    if n in (0, 1, 2):
        return ("zero", "one", "two")[n]
    last_two = n % 100
    if 3 <= last_two <= 10:
        return "few"
    if 11 <= last_two <= 99:
        return "many"
    return "other"


def _other(n: int) -> str:  # ja, zh, ko: no grammatical number
    return "other"


#: Language code → its categories, in the order of a catalogue's plural forms.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "en": ("one", "other"), "de": ("one", "other"),
    "fr": ("one", "many", "other"), "es": ("one", "many", "other"), "pt-BR": ("one", "many", "other"),
    "ru": ("one", "few", "many"),
    "ar": ("zero", "one", "two", "few", "many", "other"),
    "zh-CN": ("other",), "ja": ("other",), "ko": ("other",),
}

_RULES: dict[str, Callable[[int], str]] = {
    "en": _one_other, "de": _one_other, "fr": _fr_pt, "pt-BR": _fr_pt, "es": _es, "ru": _ru, "ar": _ar,
    "zh-CN": _other, "ja": _other, "ko": _other,
}


def plural_category(code: str, count: int) -> str:
    """The CLDR category of ``count`` in language ``code`` (English rules for unknown codes)."""
    return _RULES.get(code, _one_other)(abs(int(count)))


def plural_index(code: str, count: int) -> int:
    """The position of ``count``'s form among a catalogue's plural forms for ``code``."""
    categories = CATEGORIES.get(code, CATEGORIES["en"])
    return categories.index(plural_category(code, count)) if code in CATEGORIES else (0 if count == 1 else 1)
