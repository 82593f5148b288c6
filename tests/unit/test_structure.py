"""The protocol core stays free of browser imports, and its docstring examples run."""

from __future__ import annotations

import ast
import doctest
import importlib
import pathlib
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "converse_py"
CORE_DIRS = ["xmpp", "core", "transport", "plugins"]
BROWSER_MODULES = {"js", "pyodide", "pyscript"}


def core_modules() -> list[pathlib.Path]:
    return sorted(p for d in CORE_DIRS for p in (PACKAGE / d).rglob("*.py")) + [PACKAGE / "public.py",
                                                                                  PACKAGE / "dom" / "html.py",
                                                                                  PACKAGE / "dom" / "templates.py",
                                                                                  PACKAGE / "dom" / "controlbox_templates.py",
                                                                                  PACKAGE / "dom" / "room_templates.py",
                                                                                  PACKAGE / "dom" / "hooks.py"]


def module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: module_name(p))
def test_core_module_imports_nothing_from_the_browser(path: pathlib.Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in BROWSER_MODULES, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: module_name(p))
def test_core_module_imports_and_its_doctests_pass_on_cpython(path: pathlib.Path) -> None:
    module = importlib.import_module(module_name(path))
    with ThreadPoolExecutor(max_workers=1) as pool:  # doctests call asyncio.run: keep them off a running loop
        result = pool.submit(doctest.testmod, module, optionflags=doctest.ELLIPSIS).result()
    assert result.failed == 0


BROWSER_IMPORT = re.compile(r"(import js|from js import|import pyodide|from pyodide)\b")


def test_browser_modules_are_the_only_ones_importing_js() -> None:
    users = {module_name(p) for p in PACKAGE.rglob("*.py")
             if any(BROWSER_IMPORT.match(line.strip()) for line in p.read_text().splitlines())}
    assert users, "the browser layer must exist"
    assert all(name.startswith(("converse_py.browser", "converse_py.dom")) for name in users), users
