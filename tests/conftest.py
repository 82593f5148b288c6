"""Shared pytest setup: make the repo root importable (``tools``, ``serve``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
