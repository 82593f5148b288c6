"""Run a private ejabberd (Debian's 23.01) for tests: the second XMPP server.

``EjabberdServer`` has the same interface as ``tools.prosody.ProsodyServer``
(``domain``, ``muc_domain``, ``bosh_url``, ``websocket_url``, ``c2s_port``,
``http_port``, ``start()``, ``register(user, password)``, ``stop()``,
``cleanup()``, ``log_tail()``), so the browser fixtures can use either.

It runs the Erlang VM directly (``erl -s ejabberd``), not ``ejabberdctl``:
no system user switch, no epmd, no distribution cookie, and a fresh Mnesia
folder per run. The committed ``tools/ejabberd.yml`` is copied into that
folder with only its two port macros changed. Accounts are created through
``mod_http_api`` on the loopback HTTP listener.

Command line (Ctrl-C stops it)::

    python -m tools.ejabberd --account alice:secret --account bob:secret
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
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

from tools.prosody import free_port

CONFIG_PATH = Path(__file__).resolve().parent / "ejabberd.yml"
ERL = "/usr/bin/erl"
EJABBERD_LIBS = "/usr/lib/x86_64-linux-gnu"  # where Debian puts ejabberd-*/ebin
START_TIMEOUT = 30.0
#: Seconds before a write (an account registered) survives a SIGKILL: mnesia's log is written by
#: Erlang's disk_log with a 2 s delayed write (measured: lost when killed 1.2 s after `register`,
#: kept after 2.2 s).
WRITES_DURABLE_AFTER = 3.0


class EjabberdError(RuntimeError):
    """ejabberd failed to start, died, or an admin call failed."""


def installed() -> bool:
    """True if Debian's ejabberd (and Erlang) are installed here."""
    return os.path.exists(ERL) and any(
        name.startswith("ejabberd-") for name in os.listdir(EJABBERD_LIBS)
    ) if os.path.isdir(EJABBERD_LIBS) else False


def render_config(template: str, c2s_port: int, http_port: int) -> str:
    """The committed config with its C2S_PORT / HTTP_PORT macro values replaced (and the HTTP
    upload's put_url given the HTTP port)."""
    out, n1 = re.subn(r"(?m)^(\s+C2S_PORT:\s*)\d+", rf"\g<1>{c2s_port}", template)
    out, n2 = re.subn(r"(?m)^(\s+HTTP_PORT:\s*)\d+", rf"\g<1>{http_port}", out)
    out = re.sub(r"(put_url:\s*\"http://localhost:)\d+/", rf"\g<1>{http_port}/", out)  # HTTP upload's URL
    if (n1, n2) != (1, 1):
        raise EjabberdError(f"{CONFIG_PATH} must define C2S_PORT and HTTP_PORT macros once")
    return out


class EjabberdServer:
    """A foreground ejabberd child process with its own data and ports."""

    name = "ejabberd"
    domain = "localhost"
    muc_domain = "conference.localhost"

    def __init__(self, workdir: str | None = None, c2s_port: int = 0,
                 http_port: int = 0) -> None:
        self._workdir_arg = workdir
        self._workdir: str | None = None
        self._owns_workdir = False
        self._last_write = float("-inf")  # time.monotonic() of the last account change
        self.c2s_port = c2s_port
        self.http_port = http_port
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.start_seconds = 0.0

    # ----- properties -------------------------------------------------
    @property
    def workdir(self) -> str:
        """Folder holding the config copy, Mnesia data and logs."""
        if self._workdir is None:
            raise EjabberdError("EjabberdServer not started")
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

    # ----- lifecycle --------------------------------------------------
    def start(self) -> EjabberdServer:
        """Create the data folder, pick ports, write the config, start ejabberd."""
        if self.running:
            return self
        if not installed():
            raise EjabberdError("ejabberd is not installed (scripts/setup installs "
                                "Debian's ejabberd package)")
        if self._workdir is None:
            if self._workdir_arg is None:
                self._workdir = tempfile.mkdtemp(prefix="converse-py-ejabberd-")
                self._owns_workdir = True
            else:
                self._workdir = os.path.abspath(self._workdir_arg)
        os.makedirs(os.path.join(self._workdir, "mnesia"), exist_ok=True)
        if not self.c2s_port:
            self.c2s_port = free_port()
        if not self.http_port:
            self.http_port = free_port()
        config = render_config(CONFIG_PATH.read_text(encoding="utf-8"),
                               self.c2s_port, self.http_port)
        Path(self._workdir, "ejabberd.yml").write_text(config, encoding="utf-8")
        self._spawn()
        return self

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(EJABBERD_CONFIG_PATH=os.path.join(self.workdir, "ejabberd.yml"),
                   EJABBERD_LOG_PATH=os.path.join(self.workdir, "ejabberd.log"),
                   ERL_CRASH_DUMP=os.path.join(self.workdir, "erl_crash.dump"),
                   ERL_LIBS=EJABBERD_LIBS,
                   HOME=self.workdir)  # Erlang writes .erlang.cookie there
        return env

    def _spawn(self) -> None:
        began = time.monotonic()
        self._log = open(os.path.join(self.workdir, "stdout.log"), "ab")
        mnesia = os.path.join(self.workdir, "mnesia")
        self._proc = subprocess.Popen(
            [ERL, "-noinput", "-noshell", "+K", "true",
             "-mnesia", "dir", f'"{mnesia}"', "-s", "ejabberd"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=self._env(), cwd=self.workdir, start_new_session=True)
        try:
            self._wait_ready(began + START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began

    def _wait_ready(self, deadline: float) -> None:
        # The HTTP listener answers before the modules are loaded; the
        # "status" command answers only once the application is started.
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise EjabberdError(
                    f"ejabberd exited with {self._proc.returncode}\n{self.log_tail()}")
            if self._started():
                return
            log = os.path.join(self.workdir, "ejabberd.log")
            if os.path.exists(log) and "[critical]" in Path(log).read_text(errors="replace"):
                raise EjabberdError(f"ejabberd failed to start\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise EjabberdError(f"ejabberd did not start in {START_TIMEOUT:.0f}s\n"
                                    f"{self.log_tail()}")
            time.sleep(0.05)

    def _started(self) -> bool:
        try:
            return "is started" in self.api("status", {})
        except (OSError, EjabberdError):
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate ejabberd (SIGTERM, then SIGKILL after ``timeout``)."""
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
        """SIGKILL ejabberd (simulates a crash); data stays: accounts changed in the last few
        seconds are first given the time to reach the disk (WRITES_DURABLE_AFTER)."""
        time.sleep(max(0.0, self._last_write + WRITES_DURABLE_AFTER - time.monotonic()))
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

    def __enter__(self) -> EjabberdServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> None:
        self.cleanup()

    # ----- accounts and logs ------------------------------------------
    def api(self, command: str, args: dict[str, str]) -> str:
        """POST ``args`` to mod_http_api's ``/api/COMMAND``; the decoded JSON
        reply as text. Errors become EjabberdError with ejabberd's message."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}/api/{command}", method="POST",
            data=json.dumps(args).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return str(json.loads(resp.read() or b'""'))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise EjabberdError(f"ejabberd {command} failed ({exc.code}): {detail}") from None

    def register(self, username: str, password: str) -> None:
        """Create (or reset the password of) ``username@localhost``."""
        args = {"user": username, "host": self.domain, "password": password}
        try:
            self.api("register", args)
        except EjabberdError as exc:
            if "already registered" not in str(exc):
                raise
            self.api("change_password", {"user": username, "host": self.domain,
                                         "newpass": password})
        self._last_write = time.monotonic()

    def register_many(self, accounts: Iterable[tuple[str, str]]) -> None:
        for username, password in accounts:
            self.register(username, password)

    def log_tail(self, lines: int = 40) -> str:
        """Last lines of ejabberd's log and of the VM's stdout/stderr."""
        parts = []
        for name in ("ejabberd.log", "stdout.log"):
            path = os.path.join(self.workdir, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    tail = fh.readlines()[-lines:]
            except OSError:
                continue
            parts.append(f"--- {name} ---\n" + "".join(tail))
        return "\n".join(parts) or "(no ejabberd log)"


def main(argv: list[str] | None = None) -> int:
    """CLI: start ejabberd, register accounts, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
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
    with EjabberdServer(args.workdir, args.c2s_port, args.http_port) as server:
        server.register_many(pairs)
        print(f"ejabberd up in {server.start_seconds:.2f}s; data in {server.workdir}")
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
