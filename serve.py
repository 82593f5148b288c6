"""Serve the converse-py demo: static files plus an embedded Prosody.

    python serve.py                 # http://localhost:8000/ + Prosody, alice & bob, echo bot, demo room
    python serve.py --server ejabberd   # the same on the embedded ejabberd
    python serve.py --bosh-url URL  # use an existing XMPP server instead

``StaticServer`` is the importable part used by the tests: a threaded
static file server with correct MIME types, Brotli (the ``<file>.br`` copies tools/build.py
makes) or gzip (cached in memory), ETag/Last-Modified revalidation, files named by their
contents cached for good, and extra in-process routes.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import json
import os
import re
import shutil
import signal
import socketserver
import sys
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Callable

ROOT = os.path.dirname(os.path.abspath(__file__))

# (status, content type, body) returned by a route callable.
RouteResult = tuple[int, str, bytes]
Route = Callable[["StaticHandler"], RouteResult]

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".toml": "text/plain; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    # the prebuilt Pyodide memory snapshot (tools/make_snapshot.mjs): 31 MB, 7 MB gzipped
    ".snapshot": "application/vnd.converse-py.pyodide-snapshot",
}
# (zips too: tools/build.py stores their entries uncompressed, so the archive compresses as a whole)
COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/zip",
                "application/wasm", "image/svg+xml", "application/vnd.converse-py.")
#: Big build outputs named by the hash of their contents (tools/make_snapshot.mjs): served as
#: immutable (cached without revalidation) and gzipped when the server starts, on a thread,
#: rather than on the first request (~0.7 s for the 31 MB snapshot).
CONTENT_NAMED_DIRS = ("static/snapshots",)
#: PyScript's chunks, as its build (Rollup) names them: ``<name>-<8 characters of the hash of
#: the contents>.js`` (core-C9KDLldu.js, codemirror_lang-python-r-dBg-Wd.js). A hash has an
#: upper-case letter or a digit, which keeps unhashed names (service-worker.js) out; the rare
#: hash without one is only revalidated. Entry points without a hash (core.js) are revalidated.
HASH_NAMED_DIR = "static/vendor/pyscript"
HASH_NAMED_FILE = re.compile(r"^[\w.-]+-(?=[A-Za-z0-9_-]{0,7}[A-Z0-9])[A-Za-z0-9_-]{8}\.(?:js|css)$")
MIN_GZIP_SIZE = 256
# Path segments never served: dot-names (.git, .venv, ...) and npm's tree.
BLOCKED_NAMES = {"node_modules", "__pycache__"}


def cached_for_good(relpath: str) -> bool:
    """True when the file at ``relpath`` (relative to the served root, ``/``-separated) is named
    by its contents, so a browser may keep it without revalidating (``immutable``): the prebuilt
    snapshots and PyScript's hash-named chunks. Everything else, the page, the shim and Pyodide's
    files included, is revalidated on every visit, so a new build is always picked up.

    >>> cached_for_good("static/vendor/pyscript/core-C9KDLldu.js"), cached_for_good("static/vendor/pyscript/core.js")
    (True, False)
    """
    folder, _, name = relpath.strip("/").rpartition("/")
    if folder in CONTENT_NAMED_DIRS:
        return bool(name)
    return folder == HASH_NAMED_DIR and HASH_NAMED_FILE.match(name) is not None


def content_type_for(path: str) -> str:
    """MIME type (with charset for text) for a file name."""
    ext = os.path.splitext(path)[1].lower()
    return MIME_TYPES.get(ext, "application/octet-stream")


def accepts_encoding(header: str | None, coding: str) -> bool:
    """True if an Accept-Encoding header allows ``coding`` (named, or ``*``, with q > 0)."""
    wildcard = False
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        q = params.strip().lower()
        try:
            allowed = not (q.startswith("q=") and float(q[2:] or 0) == 0)
        except ValueError:
            allowed = False
        if name == coding:
            return allowed
        if name == "*":
            wildcard = allowed
    return wildcard


def accepts_gzip(header: str | None) -> bool:
    """True if an Accept-Encoding header allows gzip (q > 0)."""
    return accepts_encoding(header, "gzip")


def brotli_copy(path: str, st: os.stat_result) -> str | None:
    """``path + ".br"`` when tools/precompress.mjs made it from this version of ``path`` (it
    carries its source's modification time), else None."""
    try:
        br = os.stat(path + ".br")
    except OSError:
        return None
    return path + ".br" if abs(br.st_mtime - st.st_mtime) < 0.002 else None


class GzipCache:
    """Compressed file bodies kept in memory, keyed by path+mtime+size."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[int, int, bytes]] = {}

    def get(self, path: str, st: os.stat_result) -> bytes:
        with self._lock:
            hit = self._items.get(path)
        if hit and hit[0] == st.st_mtime_ns and hit[1] == st.st_size:
            return hit[2]
        with open(path, "rb") as fh:
            data = gzip.compress(fh.read(), compresslevel=6, mtime=0)
        with self._lock:
            self._items[path] = (st.st_mtime_ns, st.st_size, data)
        return data


class StaticHandler(BaseHTTPRequestHandler):
    """Serves routes first, then files under ``server.root``."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections end after this
    # Headers and body leave in separate writes: with Nagle's algorithm the body of a small
    # response waited for the client's delayed ACK (~40 ms per request on loopback).
    disable_nagle_algorithm = True

    # ----- entry points -----------------------------------------------
    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def do_POST(self) -> None:
        if not self._run_route(send_body=True):
            self._error(HTTPStatus.METHOD_NOT_ALLOWED)

    @property
    def url_path(self) -> str:
        """The request path without query string (still %-encoded)."""
        return urllib.parse.urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)

    def request_body(self) -> bytes:
        """Body of a POST/PUT (for route callables)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self, send_body: bool) -> None:
        if self._run_route(send_body):
            return
        path = self._resolve()
        if path is None:
            return
        if os.path.isdir(path):
            if not self.url_path.endswith("/"):
                self._redirect(self.url_path + "/")
                return
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            if self.url_path == "/favicon.ico":
                self._no_content()  # keeps "404" noise out of page consoles
            else:
                self._error(HTTPStatus.NOT_FOUND)
            return
        self._send_file(path, send_body)

    # ----- routes -----------------------------------------------------
    def _run_route(self, send_body: bool) -> bool:
        route = self.server.routes.get(self.url_path)
        if route is None:
            return False
        try:
            status, ctype, body = route(self)
        except Exception as exc:  # report, don't kill the connection
            self.log_error("route %s failed: %r", self.url_path, exc)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR)
            return True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        return True

    # ----- files ------------------------------------------------------
    def _resolve(self) -> str | None:
        """Map the URL to a file under root, or answer 403/404 and return None."""
        raw = urllib.parse.unquote(self.url_path)
        parts = [p for p in raw.split("/") if p not in ("", ".")]
        if any(p == ".." or "\\" in p or "\0" in p for p in parts):
            self._error(HTTPStatus.FORBIDDEN)
            return None
        if any(p.startswith(".") or p in BLOCKED_NAMES for p in parts):
            self._error(HTTPStatus.NOT_FOUND)
            return None
        root = self.server.root
        full = os.path.realpath(os.path.join(root, *parts))
        if full != root and not full.startswith(root + os.sep):
            self._error(HTTPStatus.FORBIDDEN)
            return None
        return full

    def _send_file(self, path: str, send_body: bool) -> None:
        st = os.stat(path)
        ctype = content_type_for(path)
        etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
        accept = self.headers.get("Accept-Encoding")
        compressible = st.st_size >= MIN_GZIP_SIZE and ctype.startswith(COMPRESSIBLE)
        brotli = brotli_copy(path, st) if compressible and accepts_encoding(accept, "br") else None
        use_gzip = brotli is None and compressible and accepts_gzip(accept)
        encoding = "br" if brotli else "gzip" if use_gzip else None
        if encoding:
            etag = etag[:-1] + ('-br"' if brotli else '-gz"')
        if self._not_modified(etag, st.st_mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._file_headers(etag, st.st_mtime, path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.server.gzip_cache.get(path, st) if use_gzip else None
        source = brotli or path
        length = len(body) if body is not None else os.stat(source).st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self._file_headers(etag, st.st_mtime, path)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if not send_body:
            return
        if body is not None:
            self.wfile.write(body)
        else:
            with open(source, "rb") as fh:
                shutil.copyfileobj(fh, self.wfile, 1 << 20)

    def _file_headers(self, etag: str, mtime: float, path: str) -> None:
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        # A file named by the hash of its contents never changes: no revalidation.
        immutable = cached_for_good(os.path.relpath(path, self.server.root).replace(os.sep, "/"))
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if immutable else "no-cache")
        self.send_header("Vary", "Accept-Encoding")
        if path == self.server.service_worker:
            # static/converse.js registers it for the whole site (data-offline="on")
            self.send_header("Service-Worker-Allowed", "/")

    def _not_modified(self, etag: str, mtime: float) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            base = etag.replace('-gz"', '"').replace('-br"', '"')
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return bool(tags & {etag, base, base[:-1] + '-gz"', base[:-1] + '-br"', "*"})
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return int(mtime) <= int(since)
        return False

    # ----- small helpers ----------------------------------------------
    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _no_content(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _error(self, status: HTTPStatus) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def log_error(self, format: str, *args: Any) -> None:
        super().log_message(format, *args)  # errors always show


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, addr: tuple[str, int], root: str,
                 routes: dict[str, Route], verbose: bool) -> None:
        self.root = os.path.realpath(root)
        self.routes = routes
        self.verbose = verbose
        self.gzip_cache = GzipCache()
        self.service_worker = os.path.join(self.root, "static", "service-worker.js")
        super().__init__(addr, StaticHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that navigated away or closed mid-response (the page's tests and the bench
        close pages all the time) is not a server error: one line in verbose mode, no
        traceback. Anything else keeps socketserver's traceback on stderr."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            if self.verbose:
                print(f"serve: {client_address[0]}:{client_address[1]} went away mid-response",
                      file=sys.stderr)
            return
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # Skip HTTPServer's socket.getfqdn(), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class StaticServer:
    """Static file server on a daemon thread (``port=0``: any free port)."""

    def __init__(self, root: str, host: str = "127.0.0.1", port: int = 0,
                 routes: dict[str, Route] | None = None,
                 verbose: bool = False) -> None:
        self.root = root
        self.host = host
        self.port = port
        self.routes: dict[str, Route] = dict(routes or {})
        self.verbose = verbose
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL without trailing slash, e.g. ``http://localhost:8000``."""
        return f"http://localhost:{self.port}"

    def add_route(self, path: str, func: Route) -> None:
        """Serve ``func(handler) -> (status, content_type, body)`` at ``path``."""
        self.routes[path] = func  # the live dict is shared with the server

    def remove_route(self, path: str) -> None:
        self.routes.pop(path, None)

    def bind(self) -> None:
        """Open the listening socket (``port`` becomes the real port)."""
        self._httpd = _HTTPServer((self.host, self.port), self.root,
                                  self.routes, self.verbose)
        self.port = int(self._httpd.server_address[1])

    def start(self) -> StaticServer:
        """Bind and serve on a daemon thread."""
        if self._httpd is None:
            self.bind()
        assert self._httpd is not None
        self._thread = threading.Thread(target=self.serve_forever, name="static-server", daemon=True)
        self._thread.start()
        return self

    def _precompress(self) -> None:
        assert self._httpd is not None
        for folder in CONTENT_NAMED_DIRS:
            full = os.path.join(self.root, folder)
            for name in sorted(os.listdir(full)) if os.path.isdir(full) else []:
                if name.endswith(".br"):
                    continue  # already compressed (sent as it is to browsers accepting br)
                path = os.path.join(full, name)
                try:
                    self._httpd.gzip_cache.get(path, os.stat(path))
                except OSError:
                    pass  # replaced meanwhile: compressed on request instead

    def serve_forever(self) -> None:
        """Bind (if needed) and serve on the calling thread."""
        if self._httpd is None:
            self.bind()
        assert self._httpd is not None
        threading.Thread(target=self._precompress, name="static-precompress", daemon=True).start()
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._httpd is None:
            return
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def json_route(payload: Any) -> Route:
    """A route answering ``payload`` as JSON."""
    body = json.dumps(payload).encode()
    return lambda handler: (200, "application/json", body)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the converse-py demo.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000,
                        help="0 picks any free port (default 8000)")
    parser.add_argument("--prosody", action=argparse.BooleanOptionalAction,
                        default=True, help="start the embedded XMPP server and demo bot (default)")
    parser.add_argument("--server", choices=("prosody", "ejabberd"), default="prosody",
                        help="which embedded XMPP server to start (default prosody)")
    parser.add_argument("--bosh-url", help="use this BOSH service (implies --no-prosody)")
    parser.add_argument("--websocket-url", help="with --bosh-url: also offer this WebSocket")
    parser.add_argument("--domain", default="localhost",
                        help="XMPP domain with --bosh-url (default localhost)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.bosh_url:
        args.prosody = False
    return args


DEMO_ACCOUNTS = [("alice", "secret"), ("bob", "secret")]


def start_server(kind: str) -> Any:
    """Start the embedded XMPP server (``prosody`` or ``ejabberd``)."""
    if kind == "ejabberd":
        from tools.ejabberd import EjabberdServer
        return EjabberdServer().start()
    from tools.prosody import ProsodyServer
    return ProsodyServer().start()


def main(argv: list[str] | None = None) -> int:
    """Start the XMPP server and the demo bot (unless told not to) and serve the repo root."""
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both stop the demo cleanly, server and bot included
    # (SIGINT is re-enabled in case a non-interactive shell started us ignoring it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = demo = None
    settings: dict[str, Any] = {"bosh_service_url": args.bosh_url,
                                "websocket_url": args.websocket_url,
                                "domain": args.domain, "accounts": [], "room": None}
    web = StaticServer(ROOT, args.host, args.port, verbose=args.verbose)
    try:
        web.bind()
        if args.prosody:
            from tools.demo_bot import start_demo
            server = start_server(args.server)
            demo = start_demo(server, DEMO_ACCOUNTS)
            settings.update(bosh_service_url=server.bosh_url,
                            websocket_url=server.websocket_url,
                            domain=server.domain,
                            accounts=[f"{u}@{server.domain}" for u, _ in DEMO_ACCOUNTS],
                            bot=demo.bot_jid, room=demo.room)
            print(f"{args.server}: {server.bosh_url} (data in {server.workdir})")
            for user, password in DEMO_ACCOUNTS:
                print(f"  account {user}@{server.domain}  password {password}")
            print(f"  bot     {demo.bot_jid} (greets you, echoes what you write)")
            print(f"  room    {demo.room} (the bot sits there)")
            print(f"  c2s     127.0.0.1:{server.c2s_port} (for desktop clients)")
        elif not args.bosh_url:
            print("No XMPP server: pass --bosh-url URL or drop --no-prosody.")
        web.add_route("/demo-settings.json", json_route(settings))
        print(f"Open {web.url}/   (Ctrl-C stops)", flush=True)
        web.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        web.stop()
        if demo is not None:
            demo.stop()
        if server is not None:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
