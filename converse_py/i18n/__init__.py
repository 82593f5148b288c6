"""UI translations: ``_("Log in")`` gives the text in the language chosen by the ``i18n`` setting
(by default the browser's language, see ``negotiate.py``); ``ngettext`` for texts with a count.

Catalogs are gettext ``.po`` files in ``converse_py/i18n/locales/`` (``pt_BR.po`` for ``pt-BR``);
``tools/gen_i18n.py`` compiles each into a Python module in ``converse_py/i18n/compiled/`` (the
browser package ships ``.py`` only; a unit test checks the compiled modules are current and
complete). A missing translation falls back to English. ``i18n`` may also be a catalog object
``{msgid: translation}`` given by the page (a list of forms for a plural, in CLDR category order).

>>> set_language("ko")
'ko'
>>> _("Log in")
'로그인'
>>> _("Request sent to {jid}.", jid="bob@localhost")
'bob@localhost 님에게 요청을 보냈습니다.'
>>> set_language("ru")
'ru'
>>> [ngettext("{count} unread", "{count} unread", n) for n in (1, 3, 5)]
['1 непрочитанное', '3 непрочитанных', '5 непрочитанных']
>>> set_language("en")
'en'
>>> _("Log in"), ngettext("{count} unread", "{count} unread", 2)
('Log in', '2 unread')
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any
from collections.abc import Mapping

from .dates import long_day
from .negotiate import best_language
from .plurals import plural_index

#: Languages shipped (code → name in that language).
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "pt-BR": "Português (Brasil)",
             "ru": "Русский", "zh-CN": "简体中文", "ja": "日本語", "ar": "العربية", "ko": "한국어"}

#: Languages written right to left.
RTL_LANGUAGES = frozenset({"ar"})

_catalog: dict[str, str] = {}
_plurals: dict[str, tuple[str, ...]] = {}
_language = "en"


def module_name(code: str) -> str:
    """The compiled catalog module (and .po file stem) of a language code: ``pt-BR`` → ``pt_BR``."""
    return code.replace("-", "_")


def set_language(choice: str | Mapping[str, Any] | None, allowed: Any = None) -> str:
    """Select the UI language: a shipped code (``de``, ``pt-BR``; regional variants such as
    ``ko-KR`` or ``pt-PT`` map to the shipped one of their language), or a catalog mapping.
    ``allowed``: the codes that may be chosen (the ``locales`` setting; all when None). Unknown
    or disallowed codes fall back to English; returns the code in use."""
    global _catalog, _plurals, _language
    if isinstance(choice, Mapping):
        _catalog = {str(k): str(v) for k, v in choice.items() if isinstance(v, str)}
        _plurals = {str(k): tuple(str(f) for f in v) for k, v in choice.items() if isinstance(v, (list, tuple))}
        _language = str(choice.get("_language", "custom"))
        return _language
    offered = [code for code in LANGUAGES if allowed is None or code in list(allowed) or code == "en"]
    code = best_language([choice or "en"], offered)
    if code == "en":
        _catalog, _plurals, _language = {}, {}, "en"
        return _language
    module = importlib.import_module(f"converse_py.i18n.compiled.{module_name(code)}")
    _catalog, _plurals, _language = dict(module.MESSAGES), dict(module.PLURALS), code
    return code


def choose_language(setting: Any, browser_languages: Any, allowed: Any = None) -> str:
    """Select the language for the ``i18n`` setting: itself when given, else the best match of the
    browser's preferred languages (``navigator.languages``) among ``allowed``; returns the code.

    >>> choose_language("", ["de-CH", "en"]), choose_language("fr", ["de"]), choose_language(None, ["ar"], ["en"])
    ('de', 'fr', 'en')
    >>> set_language("en")
    'en'
    """
    if setting:
        return set_language(setting, allowed)
    offered = [code for code in LANGUAGES if allowed is None or code in list(allowed)] or ["en"]
    return set_language(best_language(list(browser_languages or []), offered, "en"), allowed)


def language() -> str:
    """The code of the language in use."""
    return _language


def direction() -> str:
    """``"rtl"`` when the language in use is written right to left, else ``"ltr"``."""
    return "rtl" if _language in RTL_LANGUAGES else "ltr"


def _fill(text: str, fallback: str, values: Mapping[str, Any]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return fallback.format(**values)


def _(msgid: str, **values: Any) -> str:
    """The translation of ``msgid`` (English when there is none), with ``{name}`` fields filled in."""
    text = _catalog.get(msgid) or msgid
    return _fill(text, msgid, values) if values else text


def ngettext(singular: str, plural: str, count: int, **values: Any) -> str:
    """The form of a text with a count that fits ``count`` in the language in use (CLDR plural
    categories, see ``plurals.py``); ``{count}`` and the other ``{name}`` fields are filled in."""
    values = {"count": count, **values}
    english = singular if count == 1 else plural
    forms = _plurals.get(singular)
    index = plural_index(_language, count)
    text = forms[index] if forms and index < len(forms) and forms[index] else english
    return _fill(text, english, values)


def N_(msgid: str) -> str:
    """Mark a string for translation where it is defined; translate it with ``_`` where shown."""
    return msgid


def format_day(moment: datetime) -> str:
    """A calendar day (in the page's time zone) as people of the language write it, weekday included."""
    return long_day(moment.astimezone().date(), _language)
