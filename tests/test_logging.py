"""The server log: Redis's line format, `logfile`, `loglevel` changed at runtime, the
events an operator looks for (start-up settings, a torn tail cut, rewrites, shutdown),
and redis-cli's --stat and --latency modes against Cairn."""
import re
import subprocess
import time
from pathlib import Path

import pytest
import redis

from conftest import cairn_binary, free_port, start_cairn

LINE = re.compile(r"^\d+:M \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] \S")


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_logfile_lines_in_redis_format(tmp_path):
    with start_cairn(tmp_path, "--dir", str(tmp_path), "--logfile", "cairn.log", "--appendfsync", "always") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        log = tmp_path / "cairn.log"
        wait_for(lambda: "DB loaded" in log.read_text())
        text = log.read_text()
        assert "Cairn is starting" in text
        assert "Durability: appendonly=yes, appendfsync=always" in text
        assert f"dir={tmp_path}" in text
        assert server.log() == ""                                  # nothing on standard output
        try:
            r.config_set("logfile", "other.log")
            raise AssertionError("logfile changed at runtime")
        except redis.ResponseError as e:
            assert "can't set immutable config" in str(e)
        r.config_set("loglevel", "warning")
        r.bgrewriteaof()
        wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        time.sleep(0.2)
        assert "rewriting started" not in log.read_text()          # notice lines hidden
        r.config_set("loglevel", "notice")
        r.set("k", "v")
        r.bgrewriteaof()
        wait_for(lambda: "rewrite finished successfully" in log.read_text())
        finished = [l for l in log.read_text().splitlines() if "rewrite finished" in l][-1]
        assert re.search(r"1 keys, \d+ bytes in appendonly\.aof\.\d+\.base\.aof, \d+ ms; the log is now \d+ bytes", finished)
    lines = log.read_text().splitlines()
    assert lines and all(LINE.match(l) for l in lines), [l for l in lines if not LINE.match(l)]
    assert "bye bye" in lines[-1]


def test_unwritable_logfile_stops_start_up(tmp_path):
    port = free_port()
    result = subprocess.run([str(cairn_binary()), "--port", str(port), "--dir", str(tmp_path),
                             "--logfile", "no/such/dir/cairn.log"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "Can't open the log file: No such file or directory" in result.stderr


def test_torn_tail_is_logged_with_file_offset_and_bytes(tmp_path):
    with start_cairn(tmp_path, "--dir", str(tmp_path), "--appendfsync", "always") as server:
        redis.Redis(port=server.port).set("k", "v")
    increment = next((tmp_path / "appendonlydir").glob("*.incr.aof"))
    size = increment.stat().st_size
    with open(increment, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nx")                       # a write torn by a crash
    with start_cairn(tmp_path, "--dir", str(tmp_path)) as server:
        assert redis.Redis(port=server.port).get("k") == b"v"
        wait_for(lambda: "torn write" in server.log())
        line = next(l for l in server.log().splitlines() if "torn write" in l)
        assert LINE.match(line) and " # " in line
        assert increment.name in line and f"offset {size}" in line and "18 bytes removed" in line


def test_redis_cli_stat_and_latency_modes(cairn):
    r = redis.Redis(port=cairn.port)
    r.set("a", "1")
    # redis-cli buffers its output when it is not a terminal: line-buffer it.
    stat = subprocess.run(["timeout", "1.5", "stdbuf", "-oL", "redis-cli", "-p", str(cairn.port), "--stat", "-i", "0.2"],
                          capture_output=True, text=True)
    lines = stat.stdout.splitlines()
    assert "------- data ------" in lines[0] and lines[1].split()[:2] == ["keys", "mem"]
    rows = [l.split() for l in lines[2:]]
    assert len(rows) >= 3 and all(row[0] == "1" for row in rows)      # one key, read from INFO keyspace
    latency = subprocess.run(["timeout", "2.5", "redis-cli", "-p", str(cairn.port), "--latency"],
                             capture_output=True, text=True)
    low, high, average, samples = latency.stdout.split()
    assert 0 <= int(low) <= int(high) and float(average) >= 0 and int(samples) > 10


def test_syslog_lines_with_ident_facility_and_level(tmp_path):
    """syslog-enabled sends each line to /dev/log too. Needs to make /dev/log (root, and
    no syslog daemon already there): skipped, saying why, otherwise."""
    import os
    import socket
    if os.path.exists("/dev/log"):
        pytest.skip("/dev/log exists: a syslog daemon owns it")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind("/dev/log")
    except OSError as e:
        pytest.skip(f"cannot make /dev/log here: {e}")
    try:
        sock.settimeout(10)
        with start_cairn(tmp_path, "--dir", str(tmp_path), "--syslog-enabled", "yes", "--syslog-ident", "cairn-test",
                         "--syslog-facility", "local3") as server:
            messages = []
            while not any("Ready to accept connections" in m for m in messages):
                messages.append(sock.recv(4096).decode())
            redis.Redis(port=server.port).config_set("loglevel", "notice")
        # <priority> = facility local3 (19) * 8 + notice (5); the ident and pid follow.
        started = next(m for m in messages if "Cairn is starting" in m)
        assert re.match(r"<157>.*cairn-test\[\d+\]: Cairn is starting", started), started
        assert LINE.match(server.log().splitlines()[0])            # standard output still gets every line
    finally:
        sock.close()
        os.unlink("/dev/log")


def test_a_closed_log_pipe_does_not_stop_the_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen([str(cairn_binary()), "--port", str(port), "--dir", str(tmp_path), "--appendonly", "no"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        proc.stdout.readline()                       # started and logging
        proc.stdout.close()                          # the reader goes away
        r = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                r.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        for level in ["verbose", "notice", "verbose"]:
            r.config_set("loglevel", level)          # each change is logged
        assert r.ping() and proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_load_progress_is_logged_for_a_large_log(tmp_path):
    """Files over 64 MB log their load progress (2,100 SETs of 32 KB values)."""
    directory = tmp_path / "appendonlydir"
    directory.mkdir()
    value = b"v" * 32768
    with open(directory / "appendonly.aof.1.incr.aof", "wb") as f:
        for i in range(2100):
            key = b"big:%d" % i
            f.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value))
    (directory / "appendonly.aof.manifest").write_text("file appendonly.aof.1.incr.aof seq 1 type i\n")
    with start_cairn(tmp_path, "--dir", str(tmp_path)) as server:
        wait_for(lambda: "DB loaded" in server.log(), timeout=60)
        assert redis.Redis(port=server.port).dbsize() == 2100
        progress = [l for l in server.log().splitlines() if "Loading the append-only file:" in l]
        assert len(progress) >= 5 and all(LINE.match(l) for l in progress)
        percents = [int(l.rsplit(" ", 1)[1].rstrip("%")) for l in progress]
        assert percents == sorted(percents) and 0 < percents[0] <= percents[-1] <= 100
