"""Running Cairn for real (docs/operations.md): systemd's notify protocol, what SIGTERM
does, and the backup script copying a running server's log."""
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import redis

from conftest import ServerProcess, cairn_binary, free_port

ROOT = Path(__file__).resolve().parent.parent


def start_notified(tmp_path, *flags):
    """A server started as systemd would start a Type=notify unit, and its socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify.sock"
    sock.bind(str(path))
    sock.settimeout(20)
    os.environ["NOTIFY_SOCKET"] = str(path)
    try:
        port = free_port()
        server = ServerProcess([str(cairn_binary()), "--port", str(port), "--dir", str(tmp_path), *flags], port, tmp_path)
    finally:
        del os.environ["NOTIFY_SOCKET"]
    return server, sock


def test_systemd_ready_after_loading_and_stopping_on_sigterm(tmp_path):
    server, sock = start_notified(tmp_path, "--appendfsync", "always")
    with sock:
        ready = sock.recv(4096).decode()
        assert ready.startswith("READY=1\nSTATUS=Ready to accept connections on port")
        r = redis.Redis(port=server.port)
        r.set("k", "v")                               # loaded and writable once READY
        assert server.stop(signal.SIGTERM) == 0
        assert sock.recv(4096).decode().startswith("STOPPING=1")
    assert "bye bye" in server.log()
    with ServerProcess([str(cairn_binary()), "--port", str(server.port), "--dir", str(tmp_path)], server.port, tmp_path) as again:
        assert redis.Redis(port=again.port).get("k") == b"v"


def test_backup_of_a_running_server_loads_in_cairn_and_redis(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    with ServerProcess([str(cairn_binary()), "--port", str(port), "--dir", str(data)], port, data) as server:
        r = redis.Redis(port=port, decode_responses=True)
        for i in range(2000):
            r.set(f"before:{i}", i)
        r.rpush("list", *range(100))
        stop = threading.Event()
        written = []

        def writer():
            w = redis.Redis(port=port)
            i = 0
            while not stop.is_set():
                w.set(f"during:{i}", i)
                written.append(i)
                i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            backup = tmp_path / "backup"
            result = subprocess.run([str(ROOT / "scripts" / "cairn-backup.sh"), "-p", str(port), str(backup)],
                                    capture_output=True, text=True, timeout=120,
                                    env={**os.environ, "CAIRN_CHECK_AOF": str(cairn_binary().parent / "cairn-check-aof")})
        finally:
            stop.set()
            thread.join()
        assert result.returncode == 0, result.stdout + result.stderr
        assert "backup complete" in result.stdout
    copied = sorted(p.name for p in (backup / "appendonlydir").iterdir())
    assert any(name.endswith(".manifest") for name in copied)
    # The copy is a data directory: Cairn starts from it with everything written before the
    # backup began, and the writes made during it up to some point, in order.
    port = free_port()
    with ServerProcess([str(cairn_binary()), "--port", str(port), "--dir", str(backup)], port, backup):
        r = redis.Redis(port=port, decode_responses=True)
        assert r.mget([f"before:{i}" for i in range(2000)]) == [str(i) for i in range(2000)]
        assert r.lrange("list", 0, -1) == [str(i) for i in range(100)]
        during = sorted(int(k.split(":")[1]) for k in r.scan_iter("during:*"))
        assert during == list(range(len(during)))           # a prefix: no write without those before it
    # And so does Redis 7.0 (the shared file format).
    port = free_port()
    with ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(backup),
                        "--appendonly", "yes"], port, backup):
        r = redis.Redis(port=port, decode_responses=True)
        deadline = time.monotonic() + 30
        while r.info("persistence")["loading"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert r.get("before:1999") == "1999"
