"""docs/compliance.md stays true: every test it cites exists (file, and function where named)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")


def test_every_cited_test_exists() -> None:
    cited = re.findall(r"`(tests/[\w/]+\.py)((?:::\w+)?)`", DOC)
    assert len(cited) >= 15
    for path, function in cited:
        source = (ROOT / path).read_text(encoding="utf-8")
        if function:
            assert f"def {function[2:]}(" in source, f"{path}{function}"
    # a bare `::name` continues the file named just before it
    for function in re.findall(r"`::(\w+)`", DOC):
        assert any(f"def {function}(" in (ROOT / p).read_text(encoding="utf-8") for p, _ in cited), function
