"""Run a private Prosody instance for tests and the demo.

``ProsodyServer`` starts ``prosody -F`` with the committed
``tools/prosody.cfg.lua`` on free loopback ports and a fresh data folder,
waits for BOSH to answer, and registers accounts with ``prosodyctl``.

Command line (Ctrl-C stops it)::

    python -m tools.prosody --account alice:secret --account bob:secret
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO
from collections.abc import Iterable

CONFIG_PATH = Path(__file__).resolve().parent / "prosody.cfg.lua"
START_TIMEOUT = 20.0


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ProsodyError(RuntimeError):
    """Prosody failed to start, died, or a prosodyctl command failed."""


class ProsodyServer:
    """A foreground Prosody child process with its own data and ports."""

    domain = "localhost"
    muc_domain = "conference.localhost"

    def __init__(self, workdir: str | None = None, c2s_port: int = 0,
                 http_port: int = 0, config: str | Path | None = None) -> None:
        """``config``: another Prosody config file (tests use variants of the committed one)."""
        self.config_path = Path(config) if config is not None else CONFIG_PATH
        self._workdir_arg = workdir
        self._workdir: str | None = None
        self._owns_workdir = False
        self.c2s_port = c2s_port
        self.http_port = http_port
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.start_seconds = 0.0

    # ----- properties -------------------------------------------------
    @property
    def workdir(self) -> str:
        """Folder holding data, logs and pid file (exists after start)."""
        if self._workdir is None:
            raise ProsodyError("ProsodyServer not started")
        return self._workdir

    @property
    def bosh_url(self) -> str:
        return f"http://localhost:{self.http_port}/http-bind"

    @property
    def websocket_url(self) -> str:
        return f"ws://localhost:{self.http_port}/xmpp-websocket"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int:
        """The running server's process id."""
        if self._proc is None:
            raise ProsodyError("ProsodyServer not started")
        return self._proc.pid

    # ----- lifecycle --------------------------------------------------
    def start(self) -> ProsodyServer:
        """Create the data folder, pick ports and start Prosody."""
        if self.running:
            return self
        if self._workdir is None:
            if self._workdir_arg is None:
                self._workdir = tempfile.mkdtemp(prefix="converse-py-prosody-")
                self._owns_workdir = True
            else:
                self._workdir = os.path.abspath(self._workdir_arg)
        for sub in ("data", "certs"):
            os.makedirs(os.path.join(self._workdir, sub), exist_ok=True)
        if not self.c2s_port:
            self.c2s_port = free_port()
        if not self.http_port:
            self.http_port = free_port()
        self._spawn()
        return self

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(PROSODY_TEST_DIR=self.workdir,
                   PROSODY_C2S_PORT=str(self.c2s_port),
                   PROSODY_HTTP_PORT=str(self.http_port))
        return env

    def _spawn(self) -> None:
        began = time.monotonic()
        self._log = open(os.path.join(self.workdir, "stdout.log"), "ab")
        self._proc = subprocess.Popen(
            ["prosody", "-F", "--config", str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=self._env(), cwd=self.workdir, start_new_session=True)
        try:
            self._wait_ready(began + START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began

    def _wait_ready(self, deadline: float) -> None:
        url = f"http://127.0.0.1:{self.http_port}/http-bind"
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise ProsodyError(
                    f"prosody exited with {self._proc.returncode}\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    resp.read()
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the listener is up
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ProsodyError(
                    f"prosody did not answer {url} in {START_TIMEOUT:.0f}s\n"
                    f"{self.log_tail()}")
            time.sleep(0.03)

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate Prosody (SIGTERM, then SIGKILL after ``timeout``)."""
        if self._proc is not None and self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._proc.wait()
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL Prosody at once (simulates a crash); data stays."""
        if self._proc is not None and self._proc.poll() is None:
            self._signal(signal.SIGKILL)
            self._proc.wait()
        self.stop()

    def restart(self) -> None:
        """Stop and start again with the same ports and data."""
        self.stop()
        self._spawn()

    def cleanup(self) -> None:
        """Stop and remove the data folder if this object created it."""
        self.stop()
        if self._owns_workdir and self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def _signal(self, sig: int) -> None:
        assert self._proc is not None
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> ProsodyServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> None:
        self.cleanup()

    # ----- accounts and logs ------------------------------------------
    def register(self, username: str, password: str) -> None:
        """Create (or reset the password of) ``username@localhost``."""
        self.prosodyctl("register", username, self.domain, password)

    def register_many(self, accounts: Iterable[tuple[str, str]]) -> None:
        """Register several accounts (sequentially: ~25 ms each)."""
        for username, password in accounts:
            self.register(username, password)

    def prosodyctl(self, *args: str) -> str:
        """Run ``prosodyctl --config CFG ARGS...`` with this server's env."""
        result = subprocess.run(
            ["prosodyctl", "--config", str(self.config_path), *args],
            stdin=subprocess.DEVNULL, capture_output=True, env=self._env(),
            cwd=self.workdir, timeout=30)
        out = (result.stdout + result.stderr).decode(errors="replace")
        if result.returncode != 0:
            raise ProsodyError(f"prosodyctl {args[0]} failed "
                               f"({result.returncode}): {out.strip()}")
        return out

    def log_tail(self, lines: int = 40) -> str:
        """Last lines of Prosody's own log and of its stdout/stderr."""
        parts = []
        for name in ("prosody.log", "stdout.log"):
            path = os.path.join(self.workdir, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    tail = fh.readlines()[-lines:]
            except OSError:
                continue
            parts.append(f"--- {name} ---\n" + "".join(tail))
        return "\n".join(parts) or "(no Prosody log)"


def main(argv: list[str] | None = None) -> int:
    """CLI: start Prosody, register accounts, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--account", action="append", default=[],
                        metavar="USER:PASSWORD", help="register an account")
    parser.add_argument("--workdir", help="data folder (default: a temp dir)")
    parser.add_argument("--c2s-port", type=int, default=0)
    parser.add_argument("--http-port", type=int, default=0)
    args = parser.parse_args(argv)
    pairs = []
    for item in args.account:
        user, sep, password = item.partition(":")
        if not sep or not user:
            parser.error(f"--account wants USER:PASSWORD, got {item!r}")
        pairs.append((user, password))
    with ProsodyServer(args.workdir, args.c2s_port, args.http_port) as server:
        server.register_many(pairs)
        print(f"Prosody up in {server.start_seconds:.2f}s; data in {server.workdir}")
        print(f"BOSH:      {server.bosh_url}")
        print(f"WebSocket: {server.websocket_url}")
        print(f"c2s:       127.0.0.1:{server.c2s_port}")
        for user, _ in pairs:
            print(f"account:   {user}@{server.domain}")
        sys.stdout.flush()
        try:
            while server.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
