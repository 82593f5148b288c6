"""A python_stdlib.zip holding only what converse-py can import (used by tools/build.py).

Pyodide's python_stdlib.zip (2.5 MB, its entries already deflated) carries the whole standard
library; converse-py uses a fraction of it. ``trimmed_stdlib`` keeps:

- every module reachable by an ``import`` statement (at any depth: in functions, ``try``
  blocks, ``if TYPE_CHECKING``) from the roots: converse_py's sources, the Python that
  PyScript's bundle carries, and what Pyodide itself imports to start (its ``pyodide`` and
  ``_pyodide`` packages, ``site``, ...), followed through the standard library's own sources
  (over-inclusive on purpose: an import that never runs only costs bytes);
- ``encodings`` for the Unicode, Latin-1, ASCII and IDNA codecs only (the other 100 modules of it
  are the tables of legacy codecs, looked up by name at run time, never imported).

Entries are stored uncompressed, so Brotli compresses the archive as one text
(tools/precompress.mjs): 2.5 MB deflated → about 0.5 MB. A browser test
(tests/browser/test_lighter_start.py) records ``sys.modules`` after exercising the client and
checks each module is in the trimmed archive.

    python -m tools.stdlib_trim node_modules/pyodide/python_stdlib.zip   # prints what it keeps
"""

from __future__ import annotations

import ast
import io
import re
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

ZIP_DATE = (2020, 1, 1, 0, 0, 0)

#: Imported by Pyodide's start-up or by Python's before any of our code runs.
BOOT_ROOTS = ("pyodide", "_pyodide", "site", "_sitebuiltins", "sitecustomize", "codecs", "io", "abc",
              "os", "stat", "posixpath", "genericpath", "_collections_abc", "zipimport",
              "_sysconfigdata__emscripten_wasm32-emscripten", "encodings", "warnings", "_py_warnings",
              "linecache", "traceback", "importlib", "importlib.abc", "importlib.machinery",
              "importlib.util", "asyncio", "__future__")

#: Developer tools, servers and codecs a browser chat client never runs, yet named by imports
#: inside functions of modules it does use (``inspect``'s command line, ``pyodide.console`` →
#: ``rlcompleter``, ...). The closure does not follow a function-level import of these (an
#: import made when a kept module is imported is always followed); the run-time test says
#: whether that was right.
NOT_FOLLOWED = ("pdb", "bdb", "doctest", "unittest", "pydoc", "pydoc_data", "_pyrepl", "multiprocessing",
                "concurrent.futures.process", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3",
                "ensurepip", "venv", "webbrowser", "ftplib", "smtplib", "imaplib", "poplib", "nntplib",
                "xmlrpc", "http.server", "socketserver", "curses", "dbm", "sqlite3", "tarfile", "bz2", "lzma",
                "compression.bz2", "compression.lzma", "compression.zstd", "mailbox", "profile", "cProfile",
                "pstats", "trace", "tracemalloc", "pty", "tty", "getpass", "netrc", "plistlib", "wave",
                "zipapp", "tabnanny", "pyclbr", "py_compile", "compileall", "modulefinder", "runpy",
                "argparse", "optparse", "getopt", "cmd", "rlcompleter", "timeit",
                "antigravity", "this", "__hello__", "__phello__", "ssl", "_ssl", "subprocess", "csv",
                "email", "http", "urllib.request", "mimetypes", "calendar", "decimal", "fractions",
                "statistics", "ipaddress", "pickletools", "shelve", "difflib.__main__")

#: The codecs of ``encodings`` kept (the rest are legacy tables, looked up only by name).
ENCODINGS_KEPT = ("__init__", "aliases", "ascii", "latin_1", "utf_8", "utf_8_sig", "utf_16", "utf_16_be",
                  "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "idna", "punycode", "unicode_escape",
                  "raw_unicode_escape", "base64_codec", "hex_codec", "charmap", "cp437", "mbcs")

# `import a.b, c` / `from a.b import c` inside a Python source carried as a JS string literal.
_JS_IMPORT = re.compile(r"(?:^|\\n|\n|[\"'`])[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w., \t]+))")


def module_name(path: str) -> str | None:
    """``a/b/__init__.py`` → ``a.b``; ``a/b.py`` → ``a.b``; anything else → None."""
    if not path.endswith(".py"):
        return None
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str = "", is_package: bool = False,
                   lazy: bool = True) -> set[str]:
    """Every module name ``source`` mentions in an import statement, anywhere in it (with the
    names of ``from x import y`` as ``x.y`` too: y may be a submodule). Relative imports are
    resolved against ``module``. A source in syntax newer than the running Python (the
    stdlib is 3.14's; the build may run on 3.11) is read line by line instead (an import
    indented under a ``def`` line counts as inside a function). ``lazy=False``: only the imports made when the module is
    imported, not those inside functions."""
    try:
        statements = _ast_imports(ast.parse(source))
    except (SyntaxError, ValueError):
        statements = _line_imports(source)
    names: set[str] = set()
    for level, base, members, in_function in statements:
        if in_function and not lazy:
            continue
        if level:
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base and package else (base or package)
        if base:
            names.add(base)
            names.update(f"{base}.{member}" for member in members if member != "*")
    return names


# (level of dots, module, [names], inside a function) per import statement; `import a, b` gives
# (0, "a", [], False), (0, "b", [], False).
ImportStatement = tuple[int, str, list[str], bool]
_LINE_IMPORT = re.compile(r"^[ \t]*import[ \t]+(.+)$", re.M)
_LINE_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|.+)$", re.M)


def _ast_imports(tree: ast.AST, in_function: bool = False) -> list[ImportStatement]:
    found: list[ImportStatement] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name, [], in_function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", [alias.name for alias in node.names], in_function))
        elif _is_main_guard(node):
            continue  # `if __name__ == "__main__":` only runs when the module is a script
        else:
            inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            found.extend(_ast_imports(node, inner))
    return found


def _is_main_guard(node: ast.AST) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"
            and len(node.test.comparators) == 1 and isinstance(node.test.comparators[0], ast.Constant)
            and node.test.comparators[0].value == "__main__")


def _in_function_at(source: str) -> list[bool]:
    """Per line of ``source``: whether an enclosing block (by indentation) is a ``def``."""
    flags: list[bool] = []
    blocks: list[tuple[int, bool]] = []  # (indent of the header line, it is a def)
    for line in source.split("\n"):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped and not stripped.startswith("#"):
            while blocks and blocks[-1][0] >= indent:
                blocks.pop()
        flags.append(any(is_def for _, is_def in blocks))
        if stripped.rstrip().endswith(":") and not stripped.startswith("#"):
            blocks.append((indent, stripped.startswith(("def ", "async def "))))
    return flags


def _line_imports(source: str) -> list[ImportStatement]:
    found: list[ImportStatement] = []
    in_function = _in_function_at(source)

    def line_of(match: re.Match[str]) -> bool:
        return in_function[source.count("\n", 0, match.start(1))]
    for match in _LINE_IMPORT.finditer(source):
        for item in match.group(1).split("#")[0].split(","):
            words = item.split()
            if words and re.fullmatch(r"[\w.]+", words[0]):
                found.append((0, words[0], [], line_of(match)))
    for match in _LINE_FROM.finditer(source):
        members = match.group(3).split("#")[0].strip("()\\ \t")
        names = [item.split()[0] for item in re.split(r"[,\n]", members) if item.split()]
        found.append((len(match.group(1)), match.group(2), [n for n in names if re.fullmatch(r"\w+|\*", n)],
                      line_of(match)))
    return found


def js_embedded_imports(text: str) -> set[str]:
    """Module names imported by Python sources embedded in a JS bundle (PyScript's)."""
    names: set[str] = set()
    for match in _JS_IMPORT.finditer(text):
        if match.group(1):
            names.add(match.group(1))
        else:
            for item in match.group(2).split(","):
                words = item.split()
                if words:
                    names.add(words[0])
    return names


def _not_followed(name: str) -> bool:
    return any(name == d or name.startswith(d + ".") for d in NOT_FOLLOWED)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def keep_set(stdlib: zipfile.ZipFile, roots: Iterable[str]) -> set[str]:
    """Archive paths to keep: the import closure of ``roots`` through the stdlib sources."""
    modules: dict[str, str] = {}
    for path in stdlib.namelist():
        name = module_name(path)
        if name is not None:
            modules[name] = path
    keep: set[str] = set()
    todo = [parent for root in roots for parent in _with_parents(root)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found_path = modules.get(name)
        if found_path is None:
            continue
        path = found_path
        if name.startswith("encodings.") and name.split(".", 1)[1] not in ENCODINGS_KEPT:
            continue
        keep.add(path)
        source = stdlib.read(path).decode("utf-8", "replace")
        package = path.endswith("/__init__.py")
        eager = imported_names(source, name, package, lazy=False)
        for found in imported_names(source, name, package):
            if found in eager or not _not_followed(found):
                todo.extend(_with_parents(found))
        if name == "encodings":
            todo.extend(f"encodings.{codec}" for codec in ENCODINGS_KEPT)
    # Pyodide's own packages whole (its data files too), and what sits next to kept modules
    # that is not Python (e.g. py.typed, .ini), inside kept packages.
    packages = {p.rsplit("/", 1)[0] + "/" for p in keep if p.endswith("/__init__.py")}
    for path in stdlib.namelist():
        if path.startswith(("pyodide/", "_pyodide/")) or (
                not path.endswith((".py", "/")) and any(path.startswith(p) for p in packages)):
            keep.add(path)
    return keep


def package_roots(package_dir: Path) -> set[str]:
    """Module names imported anywhere in a package's .py files (relative ones resolved)."""
    names: set[str] = set()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(package_dir.parent).as_posix()
        module = module_name(rel) or ""
        names |= imported_names(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    return names


def trimmed_stdlib(stdlib_zip: bytes, roots: Iterable[str]) -> tuple[bytes, int, int]:
    """(the trimmed archive, modules kept, modules in the original)."""
    with zipfile.ZipFile(io.BytesIO(stdlib_zip)) as source:
        keep = keep_set(source, list(roots) + list(BOOT_ROOTS))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
            for info in source.infolist():
                if info.filename in keep:
                    entry = zipfile.ZipInfo(info.filename, ZIP_DATE)
                    entry.external_attr = info.external_attr
                    out.writestr(entry, source.read(info), zipfile.ZIP_STORED)
        total = sum(1 for n in source.namelist() if n.endswith(".py"))
    return buf.getvalue(), sum(1 for n in keep if n.endswith(".py")), total


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    roots = package_roots(root / "converse_py")
    data, kept, total = trimmed_stdlib(Path(argv[0]).read_bytes(), roots)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(zf.namelist()):
            print(name)
    print(f"{kept} of {total} modules, {len(data):,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
