"""A real full disk: a small tmpfs under the server's directory (needs root to mount;
skipped, saying why, where mounting is not allowed)."""
import contextlib
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from conftest import start_cairn
from resp import Connection


@contextlib.contextmanager
def tiny_disk(path: Path, size: str):
    path.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(disk: Path, leave: int):
    """Fills the disk until about `leave` bytes are free."""
    import os
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    (disk / "filler").write_bytes(b"\0" * max(0, free - leave))


def test_a_full_disk_refuses_writes_and_resumes_by_itself(tmp_path):
    """The write whose batch hit ENOSPC is neither acknowledged nor refused: its reply
    waits until the batch is written and fsynced. Other writes get -MISCONF meanwhile,
    reads go on, and everything resumes by itself when space comes back."""
    with tiny_disk(tmp_path / "disk", "4m") as disk:
        with start_cairn(disk, "--appendfsync", "always") as server:
            writer = Connection(server.port, timeout=2)
            assert writer.call("SET", "before", "1") == "OK"
            fill(disk, leave=64 * 1024)
            acknowledged = {}
            held = None
            for i in range(2000):
                try:
                    reply = writer.call("SET", f"k{i}", "x" * 1024)
                except socket.timeout:
                    held = f"k{i}"
                    break
                assert reply == "OK"
                acknowledged[f"k{i}"] = "x" * 1024
            assert held is not None, "the disk never filled"
            with Connection(server.port) as other:
                refused = other.call("SET", "other", "1")
                assert refused.startswith("MISCONF Errors writing to the AOF file: No space left")
                assert other.call("GET", "before") == b"1"                 # reads go on
                assert "aof_last_write_status:err" in other.call("INFO", "persistence").decode()
                (disk / "filler").unlink()                                  # space comes back
                writer.sock.settimeout(15)
                assert writer.read_reply()[0] == "OK"                       # the held reply
                acknowledged[held] = "x" * 1024
                deadline = time.monotonic() + 10
                while other.call("SET", "after", "1") != "OK":
                    assert time.monotonic() < deadline, "writes did not resume"
                    time.sleep(0.1)
                assert "aof_last_write_status:ok" in other.call("INFO", "persistence").decode()
            writer.close()
            # Both turns are logged (the first may be lost: the log is on the full disk).
            assert "The append-only file accepts writes again" in server.log()
        with start_cairn(disk) as server:
            r = redis.Redis(port=server.port, decode_responses=True)
            keys = list(acknowledged)
            assert r.mget(keys) == [acknowledged[k] for k in keys]
            assert (r.get("before"), r.get("after")) == ("1", "1")
            r.close()


def test_a_rewrite_that_runs_out_of_space_leaves_the_log_intact(tmp_path):
    with tiny_disk(tmp_path / "disk", "8m") as disk:
        with start_cairn(disk) as server:
            r = redis.Redis(port=server.port, decode_responses=True)
            pipe = r.pipeline(transaction=False)
            for i in range(3000):
                pipe.set(f"k{i}", "v" * 500)
            pipe.execute()
            fill(disk, leave=256 * 1024)                       # the base needs ~1.5 MB
            assert r.bgrewriteaof()
            deadline = time.monotonic() + 20
            while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
                time.sleep(0.05)
            info = r.info("persistence")
            assert info["aof_last_bgrewrite_status"] == "err"
            assert not list((disk / "appendonlydir").glob("*.tmp")), "the temporary base file must be removed"
            (disk / "filler").unlink()
            r.set("after", "1")
            r.close()
        with start_cairn(disk) as server:
            r = redis.Redis(port=server.port, decode_responses=True)
            assert r.dbsize() == 3001
            assert r.get("k2999") == "v" * 500
            r.close()
