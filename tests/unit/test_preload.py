"""converse_py.preload: the whole package importable from memory, with tracebacks that still
show source lines, once its files are gone (a page restoring a Pyodide snapshot has none)."""

from __future__ import annotations

import importlib
import shutil
import sys
import traceback
from pathlib import Path
from collections.abc import Iterator

import pytest

from converse_py.preload import InMemoryModules, hold_in_memory, module_name

PKG = "cpy_preload_probe"


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "root"
    (root / PKG / "views").mkdir(parents=True)
    (root / PKG / "__init__.py").write_text("LOADED = 'first'\n\ndef fail():\n    raise ValueError('from the package')\n")
    (root / PKG / "views" / "__init__.py").write_text("from .chat import render\n")
    (root / PKG / "views" / "chat.py").write_text(
        "from __future__ import annotations\n\n"
        "def render(text: str) -> str:\n"
        "    if not text:\n"
        "        raise RuntimeError('nothing to render')\n"
        "    return '<p>' + text + '</p>'\n")
    sys.path.insert(0, str(root))
    meta_path = list(sys.meta_path)
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        sys.meta_path[:] = meta_path
        for name in [n for n in sys.modules if n == PKG or n.startswith(PKG + ".")]:
            del sys.modules[name]
        importlib.invalidate_caches()


def test_module_name_of_modules_and_packages() -> None:
    assert module_name("/r", "/r/converse_py/dom/__init__.py") == ("converse_py.dom", True)
    assert module_name("/r", "/r/converse_py/dom/views/chatbox.py") == ("converse_py.dom.views.chatbox", False)


def test_modules_not_yet_imported_are_held_and_import_without_their_files(package: Path) -> None:
    importlib.import_module(PKG)  # imported before, as the snapshot makers do with browser-free ones
    finder = hold_in_memory(str(package), PKG)
    assert sorted(finder.names) == [f"{PKG}.views", f"{PKG}.views.chat"]
    assert isinstance(sys.meta_path[0], InMemoryModules)
    shutil.rmtree(package / PKG)
    importlib.invalidate_caches()

    chat = importlib.import_module(f"{PKG}.views.chat")
    views = sys.modules[f"{PKG}.views"]
    assert chat.render("hi") == "<p>hi</p>"
    assert views.render is chat.render
    assert chat.__file__ == str(package / PKG / "views" / "chat.py")
    assert views.__path__ == [str(package / PKG / "views")]
    assert chat.__loader__ is finder and finder.get_source(f"{PKG}.views.chat").startswith("from __future__")


def test_tracebacks_show_source_lines_of_held_and_imported_modules(package: Path) -> None:
    pkg = importlib.import_module(PKG)
    hold_in_memory(str(package), PKG)
    shutil.rmtree(package / PKG)
    importlib.invalidate_caches()
    chat = importlib.import_module(f"{PKG}.views.chat")
    for call, line in ((lambda: chat.render(""), "raise RuntimeError('nothing to render')"),
                       (pkg.fail, "raise ValueError('from the package')")):
        with pytest.raises(Exception) as caught:
            call()
        text = "".join(traceback.format_exception(caught.value))
        assert line in text, text


def test_holding_again_replaces_the_earlier_finder(package: Path) -> None:
    hold_in_memory(str(package), PKG)
    second = hold_in_memory(str(package), PKG)
    assert [f for f in sys.meta_path if isinstance(f, InMemoryModules)] == [second]
    assert PKG in second.names  # nothing imported yet: the package itself is held too


def test_unknown_names_are_left_to_other_finders(package: Path) -> None:
    finder = hold_in_memory(str(package), PKG)
    assert finder.find_spec("json") is None
    with pytest.raises(ImportError):
        finder.get_source("json")


def test_verified_modules_are_served_only_while_their_file_matches(package: Path) -> None:
    """PyScript writes its own package into the working directory on every page load; a
    snapshot holds it compiled, but must never run code that differs from the file."""
    views = package / "cpy_preload_lib"
    views.mkdir()
    (views / "__init__.py").write_text("")
    (views / "same.py").write_text("WHO = 'file'\n")
    (views / "changed.py").write_text("WHO = 'file, newer'\n")
    finder = hold_in_memory(str(package), PKG, verified={
        "cpy_preload_lib/__init__.py": "",
        "cpy_preload_lib/same.py": "WHO = 'file'\n",
        "cpy_preload_lib/changed.py": "WHO = 'file'\n",
        "cpy_preload_lib/missing.py": "WHO = 'memory'\n",
        "cpy_preload_lib/data.txt": "not a module",
    })
    assert {"cpy_preload_lib", "cpy_preload_lib.same", "cpy_preload_lib.changed", "cpy_preload_lib.missing"} <= set(finder.names)
    assert "cpy_preload_lib.data" not in finder.names
    try:
        same = importlib.import_module("cpy_preload_lib.same")
        changed = importlib.import_module("cpy_preload_lib.changed")
        assert same.__loader__ is finder and same.WHO == "file"
        assert changed.__loader__ is not finder and changed.WHO == "file, newer"
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("cpy_preload_lib.missing")
    finally:
        for name in [n for n in sys.modules if n == "cpy_preload_lib" or n.startswith("cpy_preload_lib.")]:
            del sys.modules[name]
