"""Keep all of converse_py in the interpreter's memory, so that a Pyodide memory snapshot
carries the whole package and a page that restores one needs none of its files
(static/pyodide-snapshot-prepare.mjs calls this where a snapshot is made).

Most modules are simply imported before the snapshot is taken. The ones that touch ``js``
when imported (``converse_py.browser``, ``converse_py.dom.views``, ``converse_py.dom.ffi``)
cannot be imported there, so :func:`hold_in_memory` compiles them and keeps the code objects
in a finder on ``sys.meta_path``: the page imports them from memory, without reading or
compiling anything. The source of every module also goes into ``linecache``, so tracebacks
show source lines though no file is on disk.

Other modules the page always imports from files it writes itself (PyScript's own ``pyscript``
package) can be held too, as *verified* modules: served from memory only when the file on
disk holds exactly the source that was compiled, and imported the usual way otherwise.

Example (the package unpacked at ``/home/pyodide``, as the snapshot makers do)::

    from converse_py.preload import hold_in_memory
    finder = hold_in_memory("/home/pyodide", verified={"pyscript/__init__.py": "..."})
    sorted(finder.names)   # the modules imported later from memory, e.g. converse_py.browser.main
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import linecache
import os
import sys
from dataclasses import dataclass
from types import CodeType, ModuleType
from collections.abc import Mapping, Sequence

PACKAGE = "converse_py"


@dataclass(frozen=True)
class HeldModule:
    code: CodeType
    path: str
    source: str
    is_package: bool
    verify: bool = False  # served only while the file at ``path`` holds ``source``


class InMemoryModules(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Finder and loader of modules compiled ahead of their import."""

    def __init__(self) -> None:
        self._held: dict[str, HeldModule] = {}

    @property
    def names(self) -> list[str]:
        return list(self._held)

    def hold(self, name: str, path: str, source: str, is_package: bool, verify: bool = False) -> None:
        code = compile(source, path, "exec", dont_inherit=True)
        self._held[name] = HeldModule(code, path, source, is_package, verify)

    # ----- MetaPathFinder ------------------------------------------------
    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        held = self._held.get(fullname)
        if held is None or (held.verify and not _holds(held.path, held.source)):
            return None
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=held.path,
                                              is_package=held.is_package)
        spec.has_location = True  # sets __file__
        if held.is_package:
            spec.submodule_search_locations = [os.path.dirname(held.path)]
        return spec

    # ----- Loader --------------------------------------------------------
    def exec_module(self, module: ModuleType) -> None:
        exec(self._held[module.__name__].code, module.__dict__)

    def get_code(self, fullname: str) -> CodeType:
        return self._lookup(fullname).code

    def get_source(self, fullname: str) -> str:
        return self._lookup(fullname).source

    def is_package(self, fullname: str) -> bool:
        return self._lookup(fullname).is_package

    def _lookup(self, fullname: str) -> HeldModule:
        held = self._held.get(fullname)
        if held is None:
            raise ImportError(f"{fullname} is not held in memory", name=fullname)
        return held


def _holds(path: str, source: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read() == source
    except (OSError, ValueError):
        return False


def module_name(root: str, path: str) -> tuple[str, bool]:
    """The dotted name of the module in file ``path`` below ``root``, and whether it is a
    package (an ``__init__.py``)::

        module_name("/r", "/r/converse_py/dom/__init__.py")  # ("converse_py.dom", True)
    """
    parts = os.path.relpath(path, root)[:-len(".py")].split(os.sep)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def hold_in_memory(root: str, package: str = PACKAGE,
                   verified: Mapping[str, str] | None = None) -> InMemoryModules:
    """Compile every module of ``package`` (unpacked at ``root``) that is not imported yet
    into a finder placed first on ``sys.meta_path`` (replacing one placed before), and put
    every module's source into ``linecache``. ``verified`` maps paths below ``root``
    (``"pyscript/util.py"``) to the source expected there: those modules are held as verified
    ones. Returns the finder."""
    finder = InMemoryModules()
    for relative, source in sorted((verified or {}).items()):
        if not relative.endswith(".py"):
            continue
        path = os.path.join(root, *relative.split("/"))
        name, is_package = module_name(root, path)
        if name not in sys.modules:
            finder.hold(name, path, source, is_package, verify=True)
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, package)):
        dirnames.sort()
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(dirpath, filename)
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
            # mtime None: linecache.checkcache never drops the entry for a missing file.
            linecache.cache[path] = (len(source), None, source.splitlines(keepends=True), path)
            name, is_package = module_name(root, path)
            if name not in sys.modules:
                finder.hold(name, path, source, is_package)
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, InMemoryModules)]
    sys.meta_path.insert(0, finder)
    return finder
