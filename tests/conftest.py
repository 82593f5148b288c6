"""Shared pytest setup: make the repo root importable (``tools``, ``serve``), and the
``--xmpp-server`` option (declared here so every test path accepts it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--xmpp-server", choices=("prosody", "ejabberd"), default="prosody",
                     help="XMPP server the browser tests run against (default prosody)")
