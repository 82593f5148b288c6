"""Every event the code triggers is declared in one place and documented."""

from __future__ import annotations

import pathlib
import re

from converse_py.core.converse import SEED_PROMISES
from converse_py.core.event_names import EVENTS
from datetime import UTC

ROOT = pathlib.Path(__file__).resolve().parents[2]


def triggered_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "converse_py").rglob("*.py"):
        code = "\n".join(line for line in path.read_text().splitlines() if "``" not in line)  # skip doc examples
        names.update(re.findall(r"""trigger\(\s*["']([A-Za-z]+)["']""", code))
        names.update(re.findall(r"""["'](chatBox[A-Za-z]+)["'] if""", code))
        names.update(re.findall(r"""else ["'](chatBox[A-Za-z]+)["']""", code))
    return names


def plugin_declared_names() -> set[str]:
    """Events and hooks the core feature plugins declare (``events`` / ``hooks`` with ``EventDoc``)."""
    from converse_py.core.plugin import declaration_of
    from converse_py.plugins.core import FEATURE_PLUGINS
    names: set[str] = set()
    for plugin in FEATURE_PLUGINS.values():
        declaration = declaration_of(plugin)
        names.update(declaration.events, declaration.hooks)
    return names


def test_every_triggered_event_is_declared() -> None:
    assert triggered_names() - set(EVENTS) - plugin_declared_names() == set()


def test_docs_events_md_lists_every_declared_event_and_promise() -> None:
    doc = (ROOT / "docs" / "events.md").read_text()
    for name in list(EVENTS) + list(SEED_PROMISES) + sorted(plugin_declared_names()):
        assert f"`{name}`" in doc, name


def test_generated_reference_docs_are_up_to_date() -> None:
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_docs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_message_catalogs_are_compiled_and_complete() -> None:
    """Every UI string marked with _()/N_() has a Korean translation and the compiled catalogs match
    the .po files (run ``python tools/gen_i18n.py`` after changing strings)."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, str(root / "tools" / "gen_i18n.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_switching_language_translates_templates_and_dates() -> None:
    from datetime import datetime

    from converse_py.dom import controlbox_templates
    from converse_py.i18n import format_day, set_language
    try:
        assert set_language("ko-KR") == "ko"
        form = controlbox_templates.login_form()
        assert "로그인" in form and "비밀번호" in form and "Log in" not in form
        assert format_day(datetime(2026, 11, 25, 12, tzinfo=UTC)) == "2026년 11월 25일"
        assert set_language({"Log in": "Sign in", "_language": "x-custom"}) == "x-custom"
        assert "Sign in" in controlbox_templates.login_form()
        assert set_language("xx") == "en"
        assert "Log in" in controlbox_templates.login_form()
    finally:
        set_language("en")
