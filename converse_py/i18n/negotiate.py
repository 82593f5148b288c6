"""Pick the UI language from the browser's preferred languages (``navigator.languages``).

Each preferred tag is tried in order: an exact shipped code first, then the shipped code of the
same language. Choices: any Portuguese (pt-PT, pt-AO…) gets pt-BR, the only Portuguese shipped;
Chinese gets zh-CN (Simplified) only for zh, zh-CN, zh-SG and zh-Hans: Traditional-script readers
(zh-TW, zh-HK, zh-MO, zh-Hant) go on to their next preference, then English.

>>> best_language(["pt-PT", "en"], ["en", "pt-BR", "de"])
'pt-BR'
>>> best_language(["zh-TW", "ja"], ["en", "zh-CN", "ja"])
'ja'
>>> best_language(["de-AT"], ["en", "fr"])
'en'
"""

from __future__ import annotations

from collections.abc import Iterable

_TRADITIONAL_CHINESE = {"tw", "hk", "mo", "hant"}


def _parts(tag: str) -> list[str]:
    return [part for part in tag.replace("_", "-").lower().split("-") if part]


def _same_language(tag: str, code: str) -> bool:
    wanted, offered = _parts(tag), _parts(code)
    if not wanted or not offered or wanted[0] != offered[0]:
        return False
    if wanted[0] == "zh":  # Simplified for Simplified readers only
        return not _TRADITIONAL_CHINESE & set(wanted[1:]) and not _TRADITIONAL_CHINESE & set(offered[1:])
    return True


def best_language(preferred: Iterable[str], allowed: Iterable[str], default: str = "en") -> str:
    """The shipped code in ``allowed`` that best matches the user's ``preferred`` tags (BCP 47,
    most wanted first); ``default`` when none does."""
    offered = list(allowed)
    wanted = [str(tag) for tag in preferred if tag]
    for tag in wanted:
        exact = [code for code in offered if _parts(code) == _parts(tag)]
        if exact:
            return exact[0]
        related = [code for code in offered if _same_language(tag, code)]
        if related:
            return related[0]
    return default if default in offered or not offered else offered[0]
