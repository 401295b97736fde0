"""The Prometheus endpoint: off by default; with `metrics-port`, GET /metrics over real
HTTP in the text exposition format (parsed by the Prometheus project's own Python parser),
with figures that agree with INFO; histograms of command and fsync durations; rewrites;
CONFIG RESETSTAT; errors by code; a port in use stops start-up."""
import concurrent.futures
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from conftest import cairn_binary, free_port, start_cairn


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.read().decode()


def samples(text):
    """{(name, frozenset(labels)): value} for every sample."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())))


@pytest.fixture
def with_metrics(tmp_path):
    port = free_port()
    with start_cairn(tmp_path, "--dir", str(tmp_path), "--appendfsync", "always", "--metrics-port", str(port)) as server:
        deadline = time.monotonic() + 10
        while True:
            try:
                scrape(port)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline
                time.sleep(0.05)
        yield server, port


def test_off_by_default(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    assert r.config_get("metrics-*") == {"metrics-port": "0", "metrics-bind": "127.0.0.1"}
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        r.config_set("metrics-port", "9999")
    assert "Metrics at" not in cairn.log()


def test_figures_agree_with_info(with_metrics):
    server, port = with_metrics
    r = redis.Redis(port=server.port, decode_responses=True)
    for i in range(100):
        r.set(f"k{i}", "v")
    r.set("t", "v", ex=100)
    r.execute_command("SELECT", "3")
    r.set("other", "1")
    r.execute_command("SELECT", "0")
    r.get("k1")
    with pytest.raises(redis.ResponseError):
        r.incr("k1")
    with pytest.raises(redis.ResponseError):
        r.execute_command("SET", "only-key")
    found = samples(scrape(port))
    stats = r.info("commandstats")
    assert value(found, "cairn_commands_total", cmd="set") == stats["cmdstat_set"]["calls"] == 102
    assert value(found, "cairn_command_rejections_total", cmd="set") == 1
    assert value(found, "cairn_command_failures_total", cmd="incrby") == 1      # redis-py sends INCRBY
    # redis-py's own CLIENT SETINFO on connecting is refused too (Redis 7.0 has none).
    assert value(found, "cairn_errors_total", code="ERR") == r.info("errorstats")["errorstat_ERR"]["count"] >= 2
    assert value(found, "cairn_keys", db="0") == 101 and value(found, "cairn_expiring_keys", db="0") == 1
    assert value(found, "cairn_keys", db="3") == 1
    assert value(found, "cairn_connected_clients") >= 1
    assert value(found, "cairn_blocked_clients") == 0
    assert value(found, "cairn_memory_used_bytes") > 0
    assert value(found, "cairn_loading") == 0 and value(found, "cairn_loading_progress_ratio") == 1
    # Command durations: a histogram per command, cumulative buckets ending at +Inf = count.
    assert value(found, "cairn_command_duration_seconds_count", cmd="set") == 102
    assert value(found, "cairn_command_duration_seconds_bucket", cmd="set", le="+Inf") == 102
    buckets = sorted((float(dict(labels)["le"]), v) for (name, labels), v in found.items()
                     if name == "cairn_command_duration_seconds_bucket" and ("cmd", "set") in labels)
    counts = [v for _, v in buckets]
    assert len(counts) == 14 and counts == sorted(counts) and counts[-1] == 102
    assert 0 < value(found, "cairn_command_duration_seconds_sum", cmd="set") < 10
    # The log under `always`: every write fsynced, with the fsync durations as a histogram.
    persistence = r.info("persistence")
    assert value(found, "cairn_aof_enabled") == 1 and value(found, "cairn_aof_last_write_ok") == 1
    assert value(found, "cairn_aof_written_bytes_total") == persistence["cairn_aof_bytes_written"]
    fsyncs = value(found, "cairn_aof_fsyncs_total")
    assert fsyncs >= 1 and value(found, "cairn_aof_fsync_duration_seconds_count") == fsyncs
    assert 0 <= value(found, "cairn_aof_seconds_since_last_fsync") < 60
    assert value(found, "cairn_aof_increment_size_bytes") > 0


def test_rewrites_resets_and_other_paths(with_metrics):
    server, port = with_metrics
    r = redis.Redis(port=server.port, decode_responses=True)
    r.set("a", "1")
    r.bgrewriteaof()
    deadline = time.monotonic() + 10
    while r.info("persistence")["aof_rewrite_in_progress"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    found = samples(scrape(port))
    assert value(found, "cairn_aof_rewrites_started_total") == 1
    assert value(found, "cairn_aof_rewrites_succeeded_total") == 1
    assert value(found, "cairn_aof_rewrites_failed_total") == 0
    assert value(found, "cairn_aof_rewrite_duration_seconds_count") == 1
    assert value(found, "cairn_aof_base_size_bytes") > 0
    r.config_resetstat()
    assert value(samples(scrape(port)), "cairn_commands_total", cmd="set") == 0      # a counter reset
    # Command durations follow latency-tracking, as INFO latencystats does.
    r.config_set("latency-tracking", "no")
    r.set("b", "2")
    found = samples(scrape(port))
    assert value(found, "cairn_commands_total", cmd="set") == 1
    assert value(found, "cairn_command_duration_seconds_count", cmd="set") is None
    r.config_set("latency-tracking", "yes")
    # Scripts pick their own error codes; the label stays valid.
    with pytest.raises(redis.ResponseError):
        r.eval("return redis.error_reply('Q\"X\\\\ y')", 0)
    assert value(samples(scrape(port)), "cairn_errors_total", code="Q_X_") == 1
    # Other paths and methods, and scrapes side by side.
    with pytest.raises(urllib.error.HTTPError) as missing:
        scrape(port, "/")
    assert missing.value.code == 404
    head = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", method="HEAD")
    with urllib.request.urlopen(head, timeout=5) as response:
        assert response.status == 200 and response.read() == b""
    post = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=5)
    assert refused.value.code == 405
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        texts = list(pool.map(lambda _: scrape(port), range(32)))
    assert all(value(samples(t), "cairn_aof_enabled") == 1 for t in texts)
    # Garbage on the metrics port closes that connection and nothing else.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"\x00\xff garbage\r\n\r\n")
        s.recv(1024)
    assert r.ping() and "cairn_aof_enabled" in scrape(port)


def test_port_in_use_stops_start_up(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = subprocess.run([str(cairn_binary()), "--port", str(free_port()), "--dir", str(tmp_path),
                                 "--metrics-port", str(busy)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert f"Could not create the metrics endpoint on 127.0.0.1:{busy}" in result.stdout + result.stderr


def test_loading_progress_while_a_large_log_loads(tmp_path):
    """A log of 200,000 SETs written here; scraped every 20 ms while Cairn loads it."""
    directory = tmp_path / "appendonlydir"
    directory.mkdir()
    count = 200_000
    with open(directory / "appendonly.aof.1.incr.aof", "wb") as f:
        for start in range(0, count, 10_000):
            f.write(b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$1\r\nv\r\n" % (len(b"key:%d" % i), i)
                             for i in range(start, start + 10_000)))
    (directory / "appendonly.aof.manifest").write_text("file appendonly.aof.1.incr.aof seq 1 type i\n")
    metrics = free_port()
    port = free_port()
    proc = subprocess.Popen([str(cairn_binary()), "--port", str(port), "--dir", str(tmp_path), "--metrics-port", str(metrics)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                found = samples(scrape(metrics))
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.02)
                continue
            seen.append((value(found, "cairn_loading"), value(found, "cairn_loading_progress_ratio")))
            if seen[-1][0] == 0:
                break
            time.sleep(0.02)
        assert seen and seen[-1] == (0, 1)
        during = [ratio for loading, ratio in seen if loading == 1]
        if not during:
            pytest.skip("the load finished before the first scrape (a fast build)")
        assert all(0 <= r <= 1 for r in during) and during == sorted(during)
        assert value(samples(scrape(metrics)), "cairn_keys", db="0") == count
    finally:
        proc.terminate()
        proc.wait(timeout=30)
