"""The browser's preferred UI languages (``navigator.languages``, most wanted first)."""

from __future__ import annotations

import js  # type: ignore[import-not-found]


def browser_languages() -> list[str]:
    """``navigator.languages`` as a list (``[navigator.language]`` in browsers without it).

    Example: ``browser_languages()`` → ``['de-DE', 'de', 'en']``.
    """
    navigator = getattr(js, "navigator", None)
    languages = getattr(navigator, "languages", None)
    if languages is not None and getattr(languages, "length", 0):
        return [str(languages[i]) for i in range(int(languages.length))]
    single = getattr(navigator, "language", None)
    return [str(single)] if single else []
