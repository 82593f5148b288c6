"""UI translations: ``_("Log in")`` gives the text in the language chosen by the ``i18n`` setting.

Catalogs are gettext ``.po`` files in ``converse_py/i18n/locales/``; ``tools/gen_i18n.py`` compiles
each into a Python module in ``converse_py/i18n/compiled/`` (the browser package ships ``.py``
only; a unit test checks the compiled modules are current). A missing translation falls back to
English. ``i18n`` may also be a catalog object ``{msgid: translation}`` given by the page.

>>> set_language("ko")
'ko'
>>> _("Log in")
'로그인'
>>> _("Request sent to {jid}.", jid="bob@localhost")
'bob@localhost 님에게 요청을 보냈습니다.'
>>> set_language("en")
'en'
>>> _("Log in")
'Log in'
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any
from collections.abc import Mapping

#: Languages shipped (code → name in that language).
LANGUAGES = {"en": "English", "ko": "한국어"}

_catalog: dict[str, str] = {}
_language = "en"


def set_language(choice: str | Mapping[str, Any] | None) -> str:
    """Select the UI language: a code from LANGUAGES (regional variants like ``ko-KR`` map to their
    language), or a catalog mapping. Unknown codes fall back to English; returns the code in use."""
    global _catalog, _language
    if isinstance(choice, Mapping):
        _catalog = {str(k): str(v) for k, v in choice.items() if isinstance(v, str)}
        _language = str(choice.get("_language", "custom"))
        return _language
    code = (choice or "en").split("-")[0].split("_")[0].lower()
    if code not in LANGUAGES or code == "en":
        _catalog, _language = {}, "en"
        return _language
    module = importlib.import_module(f"converse_py.i18n.compiled.{code}")
    _catalog, _language = dict(module.MESSAGES), code
    return code


def language() -> str:
    """The code of the language in use."""
    return _language


def _(msgid: str, **values: Any) -> str:
    """The translation of ``msgid`` (English when there is none), with ``{name}`` fields filled in."""
    text = _catalog.get(msgid) or msgid
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**values)
    return text


def N_(msgid: str) -> str:
    """Mark a string for translation where it is defined; translate it with ``_`` where shown."""
    return msgid


def format_day(moment: datetime) -> str:
    """A calendar day as people of the language write it."""
    local = moment.astimezone()
    if _language == "ko":
        return f"{local.year}년 {local.month}월 {local.day}일"
    return local.strftime("%Y-%m-%d")
