"""Per-command statistics and the latency monitor against Debian's redis-server:
INFO commandstats / errorstats / latencystats, CONFIG RESETSTAT, LATENCY
LATEST/HISTORY/RESET/GRAPH/DOCTOR/HISTOGRAM/HELP and latency-monitor-threshold."""
import redis

from resp import raw_replies

WORKLOAD = [
    ["CONFIG", "RESETSTAT"], ["SET", "s", "x"], ["INCR", "s"], ["EVAL", "return redis.pcall('incr','s')", "0"],
    ["EVAL", "return redis.call('incr','s')", "0"], ["EVAL", "return redis.error_reply('MY err')", "0"],
    ["EVAL", "return {err='OWN err'}", "0"], ["EVAL", "return redis.call('nosuch')", "0"],
    ["SET", "a"], ["FOO"], ["CONFIG", "FOO"], ["LPUSH", "s", "x"], ["MULTI"], ["SET", "b", "1"], ["INCR", "s"],
    ["GET"], ["EXEC"], ["MULTI"], ["SET", "b", "1"], ["INCR", "s"], ["EXEC"], ["GET", "s"], ["CONFIG", "GET", "hz"],
    ["SUBSCRIBE", "c"], ["GET", "s"], ["UNSUBSCRIBE"], ["PING"],
]


def stats(port, section):
    r = redis.Redis(port=port, decode_responses=True)
    return r.info(section)


def counters(port):
    """cmdstat_* without the timings, errorstat_* and total_error_replies."""
    raw_replies(port, WORKLOAD)
    commands = {name: {k: v for k, v in fields.items() if k in ("calls", "rejected_calls", "failed_calls")}
                for name, fields in stats(port, "commandstats").items()}
    errors = stats(port, "errorstats")
    total = stats(port, "stats")["total_error_replies"]
    return commands, errors, total


def test_command_and_error_statistics_as_redis(cairn, redis_server):
    mine = counters(cairn.port)
    theirs = counters(redis_server.port)
    assert mine == theirs
    commands, errors, total = mine
    assert commands["cmdstat_incr"] == {"calls": 4, "rejected_calls": 0, "failed_calls": 4}
    assert commands["cmdstat_set"]["rejected_calls"] == 1
    assert errors["errorstat_WRONGTYPE"] == {"count": 1}
    assert total >= sum(e["count"] for e in errors.values())


def test_latencystats_follow_the_percentiles_setting(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    r.config_resetstat()
    for _ in range(200):
        r.set("k", "v")
    line = r.info("latencystats")["latency_percentiles_usec_set"]
    assert set(line) == {"p50", "p99", "p99.9"}
    assert 0 < line["p50"] <= line["p99"] <= line["p99.9"]
    r.config_set("latency-tracking-info-percentiles", "0 50.5 100")
    assert set(r.info("latencystats")["latency_percentiles_usec_set"]) == {"p0", "p50.5", "p100"}
    r.config_set("latency-tracking", "no")
    r.config_resetstat()
    r.set("k", "v")
    assert r.info("latencystats") == {}
    assert r.info("commandstats")["cmdstat_set"]["calls"] == 1
    r.config_set("latency-tracking", "yes")
    r.config_resetstat()
    assert r.info("errorstats") == {} and "cmdstat_set" not in r.info("commandstats")


def test_info_sections_as_redis(cairn, redis_server):
    def sections(port, *args):
        text = raw_replies(port, [["INFO", *args]])[0].decode()
        return [line for line in text.splitlines() if line.startswith("#") and line not in ("# Modules", "# Cluster")]
    for args in [(), ("all",), ("everything",), ("default",), ("latencystats", "errorstats")]:
        assert sections(cairn.port, *args) == sections(redis_server.port, *args), args


REPLIES = [
    ["LATENCY", "HELP"], ["LATENCY"], ["LATENCY", "NOSUCH"], ["LATENCY", "LATEST", "x"], ["LATENCY", "HISTORY"],
    ["LATENCY", "HISTORY", "command"], ["LATENCY", "RESET", "nosuch"], ["LATENCY", "GRAPH", "command"],
    ["LATENCY", "DOCTOR", "x"], ["CONFIG", "SET", "latency-monitor-threshold", "-1"],
    ["CONFIG", "SET", "latency-monitor-threshold", "x"], ["CONFIG", "SET", "latency-tracking-info-percentiles", "101"],
    ["CONFIG", "SET", "latency-tracking-info-percentiles", "abc"], ["CONFIG", "SET", "latency-tracking-info-percentiles", "-0.5"],
    ["CONFIG", "SET", "latency-tracking-info-percentiles", "99 12.5 0"], ["CONFIG", "GET", "latency-tracking-info-percentiles"],
    ["CONFIG", "SET", "latency-tracking-info-percentiles", "0.0000001 12.345678901 99.9999996"],
    ["CONFIG", "GET", "latency-tracking-info-percentiles"],
    ["CONFIG", "SET", "latency-tracking-info-percentiles", ""], ["CONFIG", "GET", "latency-tracking-info-percentiles"],
    ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"], ["CONFIG", "GET", "latency-tracking"],
    ["CONFIG", "SET", "latency-monitor-threshold", "9223372036854775807"], ["CONFIG", "SET", "latency-tracking", "maybe"],
    ["CONFIG", "SET", "latency-monitor-threshold", "0"], ["LATENCY", "LATEST"], ["LATENCY", "RESET"],
    ["LATENCY", "HISTOGRAM", "nosuch", "config|nosuch"],
]


def test_latency_replies_as_redis(cairn, redis_server):
    assert raw_replies(cairn.port, REPLIES) == raw_replies(redis_server.port, REPLIES)


BUSY_SCRIPT = "local i = 0 while i < 20000000 do i = i + 1 end return 1"


def test_latency_monitor_records_slow_commands(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    assert "disabled" in r.execute_command("LATENCY", "DOCTOR")
    r.config_set("latency-monitor-threshold", "1")
    assert "no latency spike" in r.execute_command("LATENCY", "DOCTOR")
    r.eval(BUSY_SCRIPT, 0)
    latest = r.execute_command("LATENCY", "LATEST")
    assert [e[0] for e in latest] == ["command"]
    name, when, ms, worst = latest[0]
    assert ms >= 1 and worst == ms and abs(when - int(r.time()[0])) <= 5
    history = r.execute_command("LATENCY", "HISTORY", "command")
    assert history == [[when, ms]]
    r.eval(BUSY_SCRIPT, 0)           # same second or the next: one or two samples, max kept
    history = r.execute_command("LATENCY", "HISTORY", "command")
    assert 1 <= len(history) <= 2 and max(h[1] for h in history) == r.execute_command("LATENCY", "LATEST")[0][3]
    report = r.execute_command("LATENCY", "DOCTOR")
    assert "1. command:" in report and "SLOWLOG" in report
    graph = r.execute_command("LATENCY", "GRAPH", "command")
    assert graph.startswith("command - high")
    assert r.execute_command("LATENCY", "RESET", "command", "nosuch") == 1
    assert r.execute_command("LATENCY", "LATEST") == []
    # Fast commands never reach a 1 ms threshold here, so nothing is recorded for them.
    for _ in range(100):
        r.get("k")
    assert all(e[0] != "fast-command" or e[2] >= 1 for e in r.execute_command("LATENCY", "LATEST"))


def test_latency_histogram_shape_as_redis(cairn, redis_server):
    def histogram(port):
        r = redis.Redis(port=port, protocol=3)
        r.config_resetstat()
        for _ in range(50):
            r.set("k", "v")
        r.config_get("hz")
        got = r.execute_command("LATENCY", "HISTOGRAM", "set", "config", "nosuch")
        return got
    mine, theirs = histogram(cairn.port), histogram(redis_server.port)
    assert sorted(mine) == sorted(theirs)
    for name in theirs:
        assert mine[name][b"calls"] == theirs[name][b"calls"]
        buckets = mine[name][b"histogram_usec"]
        counts = [buckets[k] for k in sorted(buckets)]
        assert counts == sorted(counts) and counts[-1] == mine[name][b"calls"]   # cumulative
        # Buckets are Redis's: powers of two from 1024 ns, shown in microseconds.
        assert all(k in {1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16909} or k > 16909
                   for k in buckets)


def test_latency_monitor_records_append_only_file_writes(tmp_path):
    """A 64 MB value takes the append-only file's write well past 1 ms: `aof-write` and
    one of the events saying what else was going on are recorded."""
    from conftest import start_cairn
    with start_cairn(tmp_path, "--dir", str(tmp_path), "--appendfsync", "always",
                     "--latency-monitor-threshold", "1") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.set("big", "x" * (64 * 1024 * 1024))
        events = {e[0]: e for e in r.execute_command("LATENCY", "LATEST")}
        assert "aof-write" in events and events["aof-write"][2] >= 1
        assert {"aof-write-alone", "aof-write-pending-fsync", "aof-write-active-child"} & set(events)
        history = r.execute_command("LATENCY", "HISTORY", "aof-write")
        assert history and history[-1][1] == events["aof-write"][2]
        assert "append-only file" in r.execute_command("LATENCY", "DOCTOR")
