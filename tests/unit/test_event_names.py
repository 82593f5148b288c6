"""Every event the code triggers is declared (by the core or by the plugin that fires it) and documented."""

from __future__ import annotations

import pathlib
import re

from converse_py.core.event_names import CORE_EVENTS
from converse_py.dom.ui_declaration import UIDeclaration
from converse_py.plugins.core import FEATURE_PLUGIN_CLASSES
from datetime import UTC

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLUGINS = (*FEATURE_PLUGIN_CLASSES, UIDeclaration)


def triggered_names(folder: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        code = "\n".join(line for line in path.read_text().splitlines() if "``" not in line and ">>>" not in line)  # skip doc examples
        names.update(re.findall(r"""trigger\(\s*["']([A-Za-z-]+)["']""", code))
        names.update(re.findall(r"""["'](chatBox[A-Za-z]+)["'] if""", code))
        names.update(re.findall(r"""else ["'](chatBox[A-Za-z]+)["']""", code))
    return names


def plugin_folder(plugin: type) -> pathlib.Path:
    return pathlib.Path(__import__(plugin.__module__, fromlist=["_"]).__file__ or "").parent


def test_the_core_triggers_only_core_events() -> None:
    assert triggered_names(ROOT / "converse_py" / "core") - set(CORE_EVENTS) == set()


def test_each_plugin_declares_the_events_its_folder_triggers() -> None:
    """A plugin may also fire events another plugin declares (muc fires chatBoxOpened for rooms),
    never undeclared ones; and every event a plugin declares is fired from its folder."""
    everything = set(CORE_EVENTS).union(*(plugin.events for plugin in PLUGINS))
    for plugin in FEATURE_PLUGIN_CLASSES:
        fired = triggered_names(plugin_folder(plugin))
        assert fired - everything == set(), plugin.name
        assert set(plugin.events) - fired == set(), f"{plugin.name} declares events it never fires"


def test_no_event_is_declared_twice() -> None:
    seen: dict[str, str] = {name: "core" for name in CORE_EVENTS}
    for plugin in PLUGINS:
        for name in plugin.events:
            assert name not in seen, f"{name} declared by {seen[name]} and {plugin.name}"
            seen[name] = plugin.name


def test_docs_events_md_lists_every_declared_event_and_promise() -> None:
    doc = (ROOT / "docs" / "events.md").read_text()
    for name in list(CORE_EVENTS) + [n for plugin in PLUGINS for n in (*plugin.events, *plugin.hooks)]:
        assert f"`{name}`" in doc, name
    for plugin in PLUGINS:
        if plugin.events:
            assert f"## {plugin.name}" in doc, plugin.name


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
        assert format_day(datetime(2026, 11, 25, 12, tzinfo=UTC)) == "2026년 11월 25일 수요일"
        assert set_language({"Log in": "Sign in", "_language": "x-custom"}) == "x-custom"
        assert "Sign in" in controlbox_templates.login_form()
        assert set_language("xx") == "en"
        assert "Log in" in controlbox_templates.login_form()
    finally:
        set_language("en")
