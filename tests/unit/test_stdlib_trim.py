"""tools/stdlib_trim.py: which imports a source makes, and what a trimmed archive keeps."""

from __future__ import annotations

import io
import zipfile

from tools.stdlib_trim import ENCODINGS_KEPT, imported_names, js_embedded_imports, keep_set, module_name, trimmed_stdlib


def archive(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_imports_are_found_at_any_depth_and_relative_ones_resolved() -> None:
    source = ("import os, json as j\nfrom . import sibling\nfrom ..up import thing\n"
              "try:\n    import fast\nexcept ImportError:\n    pass\n"
              "def later():\n    import lazy.sub\n")
    assert imported_names(source, "pkg.sub.mod") == {
        "os", "json", "pkg.sub", "pkg.sub.sibling", "pkg.up", "pkg.up.thing", "fast", "lazy.sub"}
    assert imported_names(source, "pkg.sub.mod", lazy=False) == {
        "os", "json", "pkg.sub", "pkg.sub.sibling", "pkg.up", "pkg.up.thing", "fast"}


def test_a_main_guard_imports_nothing_when_imported() -> None:
    source = 'import heapq_helper\nif __name__ == "__main__":\n    import doctest\n'
    assert imported_names(source, "heapq", lazy=False) == {"heapq_helper"}


def test_syntax_newer_than_this_python_is_read_line_by_line() -> None:
    source = ("import os\nfrom typing import (Any,\n    Never)\n"
              "def f():\n    import inner\n    try:\n        x = 1\n    except A, B:\n        pass\n"
              "type Alias = int\n")
    assert imported_names(source, "m") == {"os", "typing", "typing.Any", "typing.Never", "inner"}
    assert imported_names(source, "m", lazy=False) == {"os", "typing", "typing.Any", "typing.Never"}


def test_imports_inside_pyscripts_bundle_strings_are_found() -> None:
    bundle = 'var a={pyscript:{"__init__.py":"import js\\nfrom pyscript.magic import when\\n  import json, os\\n"}};'
    assert js_embedded_imports(bundle) == {"js", "pyscript.magic", "json", "os"}


def test_the_closure_follows_eager_imports_and_stops_at_lazy_dev_tools() -> None:
    stdlib = zipfile.ZipFile(io.BytesIO(archive({
        "a.py": "import b\ndef debug():\n    import pdb\n    import c\n",
        "b.py": "import subprocess\n",
        "subprocess.py": "",
        "c.py": "",
        "pdb.py": "import bdb\n",
        "bdb.py": "",
        "unused.py": "",
        "encodings/__init__.py": "",
        "encodings/utf_8.py": "",
        "encodings/cp1252.py": "",
    })))
    kept = keep_set(stdlib, ["a", "encodings"])
    assert kept == {"a.py", "b.py", "subprocess.py", "c.py", "encodings/__init__.py", "encodings/utf_8.py"}
    assert "utf_8" in ENCODINGS_KEPT and "cp1252" not in ENCODINGS_KEPT


def test_the_trimmed_archive_stores_its_entries_uncompressed() -> None:
    data, kept, total = trimmed_stdlib(archive({"a.py": "import b\n", "b.py": "x = 1\n", "c.py": ""}), ["a"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["a.py", "b.py"]
        assert {info.compress_type for info in zf.infolist()} == {zipfile.ZIP_STORED}
        assert zf.read("b.py") == b"x = 1\n"
    assert (kept, total) == (2, 3)
    assert module_name("pkg/__init__.py") == "pkg" and module_name("pkg/mod.py") == "pkg.mod"
    assert module_name("pkg/data.txt") is None
