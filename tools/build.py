"""Copy browser assets from node_modules, pack converse_py into a zip, make the Pyodide snapshot.

    python tools/build.py          # static/vendor/... + static/converse_py.zip + static/snapshots/ + .br copies
                                   # + static/emoji/emoji.json (tools/emoji_data.py)
    python tools/build.py --check  # exit 1 if node_modules is missing

Copies are skipped when size and mtime already match; the zip is
deterministic (sorted entries, fixed timestamps) and only rewritten when
its bytes change. The prebuilt Pyodide memory snapshot (tools/make_snapshot.mjs, Node,
~3 s) is only made again when Pyodide or the zip changed. Pyodide's python_stdlib.zip is
replaced by one holding only what converse-py can import (tools/stdlib_trim.py), and every
file a browser downloads gets a Brotli copy next to it (tools/precompress.mjs) that serve.py
sends to browsers accepting ``br``. Zips are written with their entries stored, not deflated:
Brotli then compresses each archive as a whole, and much better.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: tools/ is not a package on sys.path then
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import stdlib_trim

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"
PACKAGE = ROOT / "converse_py"
ZIP_PATH = ROOT / "static" / "converse_py.zip"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json")
#: Pyodide's full standard library; what is shipped is trimmed from it (tools/stdlib_trim.py).
STDLIB_SOURCE = NODE_MODULES / "pyodide" / "python_stdlib.zip"
STDLIB_PATH = VENDOR / "pyodide" / "python_stdlib.zip"
#: Folders whose files get Brotli copies (tools/precompress.mjs).
PRECOMPRESSED = ("static",)


def vendor_plan() -> list[tuple[Path, Path]]:
    """(source, destination) pairs for every vendored browser file."""
    plan = [(NODE_MODULES / "pyodide" / name, VENDOR / "pyodide" / name)
            for name in PYODIDE_FILES]
    dist = NODE_MODULES / "@pyscript" / "core" / "dist"
    for src in sorted(dist.iterdir()) if dist.is_dir() else []:
        if src.is_file() and src.suffix in (".js", ".css"):
            plan.append((src, VENDOR / "pyscript" / src.name))
    strophe = NODE_MODULES / "strophe.js" / "dist" / "strophe.esm.js"
    plan.append((strophe, VENDOR / "strophe" / strophe.name))
    return plan


def copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy ``src`` to ``dst`` unless size and mtime match; True if copied."""
    s = src.stat()
    try:
        d = dst.stat()
        if d.st_size == s.st_size and int(d.st_mtime) == int(s.st_mtime):
            return False
    except FileNotFoundError:
        pass
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copy2(src, tmp)
    os.replace(tmp, dst)
    return True


def prune_vendor(keep: set[Path]) -> int:
    """Delete files under static/vendor that the plan no longer lists."""
    removed = 0
    for path in sorted(VENDOR.rglob("*")) if VENDOR.is_dir() else []:
        if path.is_file() and path not in keep:
            path.unlink()
            removed += 1
    return removed


#: OMEMO's protocol core (issue 28): not in converse_py.zip but in static/omemo.zip, which the
#: converse-omemo plugin loads the first time a chat needs it (plugins/omemo/loader.py). The
#: plugin's light modules (declaration, PEP notifications, store, crypto boundary) ship as usual.
OMEMO = PACKAGE / "plugins" / "omemo"
OMEMO_SHIPPED = frozenset({"__init__.py", "plugin.py", "loader.py", "pep.py", "store.py", "crypto.py", "errors.py",
                           "rooms.py", "files.py", "file_sharing.py"})
NOT_SHIPPED = tuple(p for p in sorted(OMEMO.glob("*.py")) if p.name not in OMEMO_SHIPPED)
OMEMO_ZIP_PATH = ROOT / "static" / "omemo.zip"


def package_files() -> list[Path]:
    """Every .py file of converse_py/ the page loads (no __pycache__, nothing NOT_SHIPPED), sorted."""
    if not PACKAGE.is_dir():
        return []
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "__pycache__" not in p.relative_to(ROOT).parts
                  and p not in NOT_SHIPPED)


def omemo_files() -> list[Path]:
    """The modules of OMEMO's lazily loaded archive (static/omemo.zip), sorted."""
    return sorted(NOT_SHIPPED)


def zip_bytes(files: list[Path]) -> bytes:
    """A deterministic zip of ``files`` with paths relative to the repo."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(ROOT).as_posix(), ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file already holds it; True if written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two builds at once (two pytest runs) write apart
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def check() -> list[str]:
    """Problems that stop a build (missing npm files)."""
    if not NODE_MODULES.is_dir():
        return ["node_modules/ is missing: run `npm ci`"]
    return [f"missing {src.relative_to(ROOT)}: run `npm ci`"
            for src in [s for s, _ in vendor_plan()] + [STDLIB_SOURCE] if not src.is_file()]


def stdlib_roots() -> set[str]:
    """Modules imported by converse_py, by the Python inside PyScript's bundle, and by our
    loaders before a snapshot is taken (static/pyodide-snapshot-prepare.mjs)."""
    roots = stdlib_trim.package_roots(PACKAGE)
    prepare = (ROOT / "static" / "pyodide-snapshot-prepare.mjs").read_text(encoding="utf-8")
    listed = re.search(r"export const PREIMPORT = \[([^\]]*)\]", prepare)
    roots |= set(re.findall(r"'([\w.]+)'", listed.group(1) if listed else ""))
    # the Python our loaders run (IMPORT_PACKAGE in static/pyodide-snapshot-prepare.mjs, ...)
    for path in sorted((ROOT / "static").glob("*.mjs")):
        roots |= stdlib_trim.js_embedded_imports(path.read_text(encoding="utf-8"))
    dist = VENDOR / "pyscript"
    for path in sorted(dist.glob("*.js")) if dist.is_dir() else []:
        roots |= stdlib_trim.js_embedded_imports(path.read_text(encoding="utf-8", errors="replace"))
    return roots


def write_stdlib() -> str:
    """The trimmed python_stdlib.zip; its one-line summary."""
    data, kept, total = stdlib_trim.trimmed_stdlib(STDLIB_SOURCE.read_bytes(), stdlib_roots())
    written = write_if_changed(STDLIB_PATH, data)
    return (f"python_stdlib.zip {kept} of {total} modules {len(data):,} bytes "
            f"({'written' if written else 'unchanged'})")


def build() -> str:
    """Run the build; return the one-line summary."""
    plan = vendor_plan()
    copied = sum(copy_if_changed(src, dst) for src, dst in plan)
    prune_vendor({dst for _, dst in plan} | {STDLIB_PATH, STDLIB_PATH.with_name(STDLIB_PATH.name + ".br")}
                 | {dst.with_name(dst.name + ".br") for _, dst in plan})
    stdlib = write_stdlib()
    vendor_bytes = sum(dst.stat().st_size for _, dst in plan)
    files = package_files()
    data = zip_bytes(files)
    zip_written = write_if_changed(ZIP_PATH, data)
    omemo = zip_bytes(omemo_files())
    write_if_changed(OMEMO_ZIP_PATH, omemo)
    emoji = emoji_step()
    snapshot = make_snapshot()
    brotli = precompress()
    return (f"build: vendor {len(plan)} files {vendor_bytes:,} bytes "
            f"({copied} copied); {stdlib}; converse_py.zip {len(files)} files "
            f"{len(data):,} bytes ({'written' if zip_written else 'unchanged'}); omemo.zip {len(omemo):,} bytes; {emoji}; {snapshot}; {brotli}")


def emoji_step() -> str:
    """The emoji picker's data file, derived from emojibase-data (tools/emoji_data.py)."""
    if str(ROOT) not in sys.path:  # run as a script: tools/ is on the path, not the repo
        sys.path.insert(0, str(ROOT))
    from tools.emoji_data import PACKAGE, derive_file
    if not PACKAGE.is_dir():
        raise SystemExit(f"build: missing {PACKAGE.relative_to(ROOT)}: run `npm ci`")
    return derive_file()


def precompress() -> str:
    """Brotli copies of the served files (tools/precompress.mjs); its one-line summary."""
    done = subprocess.run(["node", str(ROOT / "tools" / "precompress.mjs"),
                           *[str(ROOT / folder) for folder in PRECOMPRESSED]],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"build: tools/precompress.mjs failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "brotli: ?"


def make_snapshot() -> str:
    """Run tools/make_snapshot.mjs (Node); its one-line summary. A failure stops the build."""
    done = subprocess.run(["node", str(ROOT / "tools" / "make_snapshot.mjs")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"build: tools/make_snapshot.mjs failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "snapshot: ?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only verify that the npm files are present")
    args = parser.parse_args(argv)
    problems = check()
    for problem in problems:
        print(f"build: {problem}", file=sys.stderr)
    if problems:
        return 1
    if not args.check:
        print(build())
    return 0


if __name__ == "__main__":
    sys.exit(main())
