"""Shared fixtures for Cairn's end-to-end tests.

Every server (Cairn or Debian's redis-server) is started on a free port on 127.0.0.1,
in its own temporary directory, and is stopped and cleaned up when its test ends.
"""
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0


def cairn_binary() -> Path:
    path = Path(os.environ.get("CAIRN_BIN", ROOT / ".build" / "debug" / "cairn-server"))
    if not path.exists():
        pytest.exit(f"cairn-server not built at {path}; run scripts/test.sh", returncode=2)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start in {timeout}s")


def wait_until_loaded(port: int, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Cairn (like Redis) listens while it replays its log and answers -LOADING until the
    replay ends: waits until INFO says `loading:0`. A server that refuses INFO (a password,
    an ACL) is taken as loaded; tests of those features start from an empty directory."""
    request = b"*2\r\n$4\r\nINFO\r\n$11\r\npersistence\r\n"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        reply = b""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(request)
            while b"loading:" not in reply and not reply.startswith(b"-"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        if b"loading:1" not in reply:
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} still loading after {timeout}s")


class ServerProcess:
    """A running server process: its port, directory and log."""

    def __init__(self, argv, port, workdir, wait_loaded=True):
        self.port = port
        self.workdir = Path(workdir)
        self.log_path = self.workdir / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=workdir, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, self.proc)
            if wait_loaded:
                wait_until_loaded(port, self.proc)
        except Exception:
            self.stop()
            raise

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, sig=signal.SIGTERM, timeout=15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()
        return self.proc.returncode


def start_cairn(workdir, *flags, wait_loaded=True) -> ServerProcess:
    """Cairn on a free port; by default returned once its log is replayed."""
    port = free_port()
    argv = [str(cairn_binary()), "--port", str(port), *flags]
    return ServerProcess(argv, port, workdir, wait_loaded)


def start_redis(workdir) -> ServerProcess:
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir)]
    return ServerProcess(argv, port, workdir)


@contextlib.contextmanager
def served(start, prefix):
    """A server started in a fresh temporary directory, stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        server = start(d)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def cairn():
    with served(start_cairn, "cairn-test-") as server:
        yield server


@pytest.fixture
def redis_server():
    with served(start_redis, "redis-test-") as server:
        yield server


def kill_while_running(server, threads, stop, seconds):
    """Starts `threads` (clients writing to `server`), kills the server with SIGKILL after
    `seconds`, then stops the threads (`stop` is their event) and reaps the server."""
    for t in threads:
        t.start()
    time.sleep(seconds)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    server.stop()
