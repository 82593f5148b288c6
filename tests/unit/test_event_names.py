"""Every event the code triggers is declared in one place and documented."""

from __future__ import annotations

import pathlib
import re

from converse_py.core.converse import SEED_PROMISES
from converse_py.core.event_names import EVENTS

ROOT = pathlib.Path(__file__).resolve().parents[2]


def triggered_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "converse_py").rglob("*.py"):
        code = "\n".join(line for line in path.read_text().splitlines() if "``" not in line)  # skip doc examples
        names.update(re.findall(r"""trigger\(\s*["']([A-Za-z]+)["']""", code))
        names.update(re.findall(r"""["'](chatBox[A-Za-z]+)["'] if""", code))
        names.update(re.findall(r"""else ["'](chatBox[A-Za-z]+)["']""", code))
    return names


def test_every_triggered_event_is_declared() -> None:
    assert triggered_names() - set(EVENTS) == set()


def test_docs_events_md_lists_every_declared_event_and_promise() -> None:
    doc = (ROOT / "docs" / "events.md").read_text()
    for name in list(EVENTS) + list(SEED_PROMISES):
        assert f"`{name}`" in doc, name


def test_generated_reference_docs_are_up_to_date() -> None:
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_docs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
