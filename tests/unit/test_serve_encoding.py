"""serve.py: Brotli copies made at build time, gzip otherwise, and caching headers."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from serve import StaticServer, accepts_encoding, cached_for_good

ROOT = Path(__file__).resolve().parents[2]
TEXT = ("converse-py says hello, " * 400).encode()


def fetch(server: StaticServer, path: str, headers: dict[str, str] | None = None
          ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def brotli(folder: Path) -> None:
    """tools/precompress.mjs, as tools/build.py runs it."""
    subprocess.run(["node", str(ROOT / "tools" / "precompress.mjs"), str(folder)], check=True,
                   capture_output=True, timeout=60)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[StaticServer, Path]]:
    (tmp_path / "static" / "snapshots").mkdir(parents=True)
    (tmp_path / "static" / "app.js").write_bytes(TEXT)
    (tmp_path / "static" / "snapshots" / "0123abcd.snapshot").write_bytes(TEXT * 3)
    (tmp_path / "static" / "tiny.js").write_bytes(b"1;")
    with StaticServer(str(tmp_path)) as server:
        yield server, tmp_path


def brotli_decode(data: bytes) -> bytes:
    """Decoded with node's zlib (Python's stdlib has no Brotli)."""
    done = subprocess.run(["node", "-e", "process.stdout.write(require('zlib').brotliDecompressSync("
                           "require('fs').readFileSync(0)))"], input=data, capture_output=True,
                          check=True, timeout=30)
    return done.stdout


def test_accept_encoding_is_read_with_its_q_values() -> None:
    assert accepts_encoding("gzip, deflate, br, zstd", "br")
    assert not accepts_encoding("gzip, deflate", "br")
    assert not accepts_encoding("br;q=0, gzip", "br")
    assert accepts_encoding("*", "br")
    assert not accepts_encoding("*, br;q=0", "br")
    assert not accepts_encoding("br;q=bogus", "br")
    assert not accepts_encoding(None, "gzip")


def test_a_browser_accepting_br_gets_the_brotli_copy_with_vary(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    brotli(root / "static")
    status, headers, body = fetch(server, "/static/app.js", {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert headers["vary"] == "Accept-Encoding"
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert int(headers["content-length"]) == len(body) < len(TEXT) // 10
    assert body == (root / "static" / "app.js.br").read_bytes()
    assert brotli_decode(body) == TEXT
    assert headers["etag"].endswith('-br"')


def test_without_br_in_accept_encoding_gzip_or_plain_bytes_are_sent(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    brotli(root / "static")
    status, headers, body = fetch(server, "/static/app.js", {"Accept-Encoding": "gzip"})
    assert (status, headers["content-encoding"], headers["vary"]) == (200, "gzip", "Accept-Encoding")
    assert gzip.decompress(body) == TEXT
    status, headers, body = fetch(server, "/static/app.js")
    assert status == 200 and "content-encoding" not in headers and body == TEXT
    assert headers["vary"] == "Accept-Encoding"


def test_a_brotli_copy_of_another_version_of_the_file_is_never_sent(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    brotli(root / "static")
    changed = TEXT.replace(b"hello", b"HELLO")
    path = root / "static" / "app.js"
    path.write_bytes(changed)
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))  # newer than its copy
    status, headers, body = fetch(server, "/static/app.js", {"Accept-Encoding": "br, gzip"})
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == changed
    brotli(root / "static")  # the build makes it again
    status, headers, body = fetch(server, "/static/app.js", {"Accept-Encoding": "br, gzip"})
    assert headers["content-encoding"] == "br" and brotli_decode(body) == changed


def test_a_zip_of_stored_entries_is_sent_compressed(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    (root / "static" / "stdlib.zip").write_bytes(TEXT * 2)  # (the bytes matter, not the format)
    brotli(root / "static")
    _, headers, body = fetch(server, "/static/stdlib.zip", {"Accept-Encoding": "gzip, br"})
    assert headers["content-type"] == "application/zip" and headers["content-encoding"] == "br"
    assert brotli_decode(body) == TEXT * 2


def test_a_small_file_is_sent_as_it_is_even_to_br_browsers(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    brotli(root / "static")
    assert not (root / "static" / "tiny.js.br").exists()
    _, headers, body = fetch(server, "/static/tiny.js", {"Accept-Encoding": "br"})
    assert "content-encoding" not in headers and body == b"1;"


def test_revalidation_answers_304_for_the_brotli_etag(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    brotli(root / "static")
    _, headers, _ = fetch(server, "/static/app.js", {"Accept-Encoding": "br"})
    status, again, body = fetch(server, "/static/app.js", {"Accept-Encoding": "br", "If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]


def test_content_named_files_are_cached_for_good_and_others_revalidated(site: tuple[StaticServer, Path]) -> None:
    server, root = site
    brotli(root / "static")
    _, headers, body = fetch(server, "/static/snapshots/0123abcd.snapshot", {"Accept-Encoding": "br"})
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-encoding"] == "br" and brotli_decode(body) == TEXT * 3
    _, headers, _ = fetch(server, "/static/app.js", {"Accept-Encoding": "br"})
    assert headers["cache-control"] == "no-cache"


def test_hash_named_pyscript_chunks_are_cached_for_good_and_their_entry_point_revalidated(tmp_path: Path) -> None:
    chunks = tmp_path / "static" / "vendor" / "pyscript"
    chunks.mkdir(parents=True)
    (chunks / "core-C9KDLldu.js").write_bytes(TEXT)
    (chunks / "core.js").write_bytes(b'export * from "./core-C9KDLldu.js";')
    (tmp_path / "static" / "converse.js").write_bytes(TEXT)
    with StaticServer(str(tmp_path)) as server:
        _, chunk, _ = fetch(server, "/static/vendor/pyscript/core-C9KDLldu.js")
        _, entry, _ = fetch(server, "/static/vendor/pyscript/core.js")
        _, shim, _ = fetch(server, "/static/converse.js")
    assert chunk["cache-control"] == "public, max-age=31536000, immutable"
    assert entry["cache-control"] == "no-cache" and shim["cache-control"] == "no-cache"


@pytest.mark.parametrize(("path", "for_good"), [
    ("static/snapshots/a89aa8b661a2c1d312c64e6c81bd56ba.snapshot", True),
    ("/static/vendor/pyscript/codemirror_lang-python-r-dBg-Wd.js", True),
    ("static/vendor/pyscript/py-editor-C4XsZtn7.js", True),
    ("static/vendor/pyscript/service-worker.js", False),   # no hash in the name
    ("static/vendor/pyscript/deprecations-managers.js", False),  # 8 lower-case letters: a word
    ("static/vendor/pyscript/core.js", False),
    ("static/vendor/pyscript/core-C9KDLldu.js.map", False),
    ("static/vendor/pyodide/pyodide.asm.wasm", False),  # same name in every Pyodide version
    ("static/vendor/pyodide/python_stdlib.zip", False),
    ("static/converse.js", False),
    ("static/build.json", False),
    ("static/core-C9KDLldu.js", False),                  # only PyScript's folder
    ("index.html", False),
])
def test_only_files_named_by_their_contents_are_cached_for_good(path: str, for_good: bool) -> None:
    assert cached_for_good(path) is for_good


def test_every_chunk_pyscript_imports_by_a_hashed_name_is_cached_for_good() -> None:
    dist = ROOT / "node_modules" / "@pyscript" / "core" / "dist"
    if not dist.is_dir():
        pytest.skip("node_modules/@pyscript/core is not installed")
    named = {p.name for p in dist.glob("*.js")}
    imported = set()
    for path in dist.glob("*.js"):
        imported |= set(re.findall(r'"\./([\w.-]+\.js)"', path.read_text(encoding="utf-8", errors="replace")))
    hashed = {name for name in imported & named if name not in ("core.js", "storage.js", "service-worker.js")}
    assert hashed and all(cached_for_good("static/vendor/pyscript/" + name) for name in hashed)
    assert not cached_for_good("static/vendor/pyscript/core.js")


def test_precompress_removes_copies_whose_source_is_gone(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_bytes(TEXT)
    brotli(tmp_path)
    assert zlib.crc32(brotli_decode((tmp_path / "a.js.br").read_bytes())) == zlib.crc32(TEXT)
    (tmp_path / "a.js").unlink()
    brotli(tmp_path)
    assert not (tmp_path / "a.js.br").exists()
