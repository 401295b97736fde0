"""Memory as INFO reports it: `used_memory` is the bytes the process holds from malloc at
this instant (Cairn's counting allocator), so it follows data in and out — unlike RSS,
which glibc does not give back — and reading it costs nothing, however large and
fragmented the heap."""
import time

import redis


def used(r):
    return r.info("memory")["used_memory"]


def test_used_memory_follows_the_data_in_and_out(cairn):
    r = redis.Redis(port=cairn.port)
    baseline = used(r)
    assert 100_000 < baseline < 50_000_000
    pipe = r.pipeline(transaction=False)
    for i in range(100_000):
        pipe.set(f"key:{i}", b"v" * 100)
        if i % 10_000 == 9_999:
            pipe.execute()
    pipe.execute()
    full = used(r)
    # At least the values themselves (100 bytes × 100,000), and not wildly more.
    assert 10_000_000 < full - baseline < 60_000_000, (baseline, full)
    # Every other key deleted: at least their values come back (the table keeps its size).
    for start in range(0, 100_000, 10_000):
        r.delete(*[f"key:{i}" for i in range(start, start + 10_000, 2)])
    half = used(r)
    assert 50_000 * 100 < full - half < full - baseline, (baseline, half, full)
    r.flushall()
    after = used(r)
    assert after < baseline + 5_000_000, (baseline, after)
    info = r.info("memory")
    assert info["used_memory_peak"] >= full and info["used_memory_rss"] > 0


def test_info_memory_stays_fast_on_a_fragmented_heap(cairn):
    r = redis.Redis(port=cairn.port)
    pipe = r.pipeline(transaction=False)
    for i in range(200_000):
        pipe.set(f"k{i}", b"x" * (16 + i % 200))
        if i % 20_000 == 19_999:
            pipe.execute()
    pipe.execute()
    for start in range(0, 200_000, 20_000):
        r.delete(*[f"k{i}" for i in range(start, start + 20_000, 3)])
    started = time.monotonic()
    for _ in range(50):
        used(r)
    # Generous for a shared debug build; a heap walk (mallinfo2) took ~70 ms per call here.
    assert (time.monotonic() - started) / 50 < 0.02


# ---- maxmemory -------------------------------------------------------------------------

import pytest

from conftest import start_cairn, served
from resp import assert_same_replies

LIBRARY = ("#!lua name=lib\nredis.register_function('w', function() return redis.call('set','f','1') end)\n"
           "redis.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes'}}")

OUT_OF_MEMORY = [
    ["SET", "a", "1"], ["FUNCTION", "LOAD", LIBRARY], ["CONFIG", "SET", "maxmemory", "1"],
    ["SET", "b", "1"], ["GET", "a"], ["INCR", "n"], ["LPUSH", "l", "x"], ["APPEND", "a", "x"], ["EXPIRE", "a", "100"],
    ["MULTI"], ["GET", "a"], ["EXEC"], ["MULTI"], ["DISCARD"],
    ["EVAL", "return redis.call('set','x','y')", "0"], ["EVAL", "return redis.pcall('set','x','y')", "0"],
    ["EVAL", "return redis.call('get','a')", "0"], ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','x','y')", "0"],
    ["EVAL", "#!lua\nreturn redis.call('set','x','y')", "0"], ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
    ["FCALL", "w", "0"], ["FCALL", "r", "0"], ["FCALL_RO", "r", "0"], ["DEL", "a"], ["EXISTS", "a"],
    ["INFO", "nosuch"], ["CONFIG", "GET", "maxmemory-policy"],
    ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"], ["CONFIG", "SET", "maxmemory", "0"], ["SET", "k", "v"],
    ["OBJECT", "FREQ", "k"], ["OBJECT", "IDLETIME", "k"], ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
    ["OBJECT", "FREQ", "k"], ["CONFIG", "SET", "maxmemory-policy", "bogus"],
    ["CONFIG", "SET", "maxmemory-samples", "0"], ["CONFIG", "SET", "maxmemory", "-1"], ["CONFIG", "SET", "lfu-log-factor", "-1"],
    ["CONFIG", "SET", "maxmemory-samples", "2147483648"], ["CONFIG", "SET", "lfu-log-factor", "2147483648"],
    ["CONFIG", "SET", "lfu-decay-time", "-1"],
]


def test_out_of_memory_replies_as_redis(cairn, redis_server):
    assert_same_replies(cairn.port, redis_server.port, OUT_OF_MEMORY)


def test_noeviction_refuses_writes_and_keeps_reads_and_deletes(tmp_path):
    with start_cairn(tmp_path, "--appendonly", "no", "--maxmemory", "20mb") as cairn:
        r = redis.Redis(port=cairn.port, socket_timeout=10)
        refused = 0
        for i in range(400):
            try:
                r.set(f"k{i}", b"x" * 100_000)
            except redis.exceptions.OutOfMemoryError:
                refused += 1
        assert refused > 0 and used(r) <= 21 * 1024 * 1024
        assert r.get("k0") == b"x" * 100_000         # reads work
        assert r.delete("k0", "k1", "k2") == 3        # so do deletes, and they make room
        assert r.set("again", b"y" * 1000)
        assert r.info("stats")["evicted_keys"] == 0


POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]


@pytest.mark.parametrize("policy", POLICIES)
def test_eviction_keeps_memory_under_the_limit(tmp_path, policy):
    limit = 24 * 1024 * 1024
    with start_cairn(tmp_path, "--appendonly", "no", "--maxmemory", str(limit), "--maxmemory-policy", policy,
                     "--maxmemory-samples", "10") as cairn:
        r = redis.Redis(port=cairn.port, socket_timeout=30)
        volatile = policy.startswith("volatile")
        hot = [f"hot{i}" for i in range(50)]
        for key in hot:
            r.set(key, b"h" * 200)
        peak = 0
        for batch in range(60):
            pipe = r.pipeline(transaction=False)
            for i in range(batch * 2000, batch * 2000 + 2000):
                # Under volatile policies half the keys expire (later ones later), half persist.
                if volatile and i % 2 == 0:
                    pipe.set(f"k{i}", b"v" * 400, ex=10_000 + i)
                elif not volatile or batch < 10:
                    pipe.set(f"k{i}", b"v" * 400)
            pipe.execute()
            for _ in range(4):        # the hot keys are read often
                r.mget(hot)
            peak = max(peak, used(r))
        info = r.info()
        assert info["evicted_keys"] > 0
        assert peak <= limit + 2 * 1024 * 1024, (peak, limit)   # at most a pipeline's worth over
        assert info["used_memory"] <= limit
        assert info["maxmemory_policy"] == policy
        if volatile:
            # Only keys with an expiry were evicted: every persistent key is still there.
            assert all(r.exists(f"k{i}") for i in range(1, 20_000, 2))
        if policy in ("allkeys-lru", "allkeys-lfu"):
            assert sum(r.exists(k) for k in hot) >= 45, "the keys read most were evicted"
        if policy == "volatile-ttl":
            # The keys expiring soonest went first.
            early = sum(r.exists(f"k{i}") for i in range(0, 10_000, 2))
            late = sum(r.exists(f"k{i}") for i in range(110_000, 120_000, 2))
            assert early < late


def test_evictions_are_logged_so_a_restart_finds_the_same_dataset(tmp_path):
    flags = ["--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "allkeys-random"]
    with start_cairn(tmp_path, *flags, "--maxmemory", "16mb") as cairn:
        r = redis.Redis(port=cairn.port, socket_timeout=30)
        for batch in range(20):
            pipe = r.pipeline(transaction=False)
            for i in range(batch * 2000, batch * 2000 + 2000):
                pipe.set(f"k{i}", b"v" * 500)
            pipe.execute()
        assert r.info("stats")["evicted_keys"] > 0
        before = set(r.scan_iter(count=1000))
        assert 0 < len(before) < 40_000
    with start_cairn(tmp_path, *flags) as cairn:
        r = redis.Redis(port=cairn.port, socket_timeout=30)
        assert set(r.scan_iter(count=1000)) == before


def test_a_rewrite_under_load_stays_within_the_limit(tmp_path):
    """The memory a rewrite's snapshot holds (segments copied as writers change them) is
    counted like any other: writes evict, or are refused, rather than pass the limit."""
    import threading
    limit = 48 * 1024 * 1024
    with start_cairn(tmp_path, "--appendonly", "yes", "--maxmemory", str(limit), "--maxmemory-policy", "allkeys-lru",
                     "--auto-aof-rewrite-percentage", "0") as cairn:
        r = redis.Redis(port=cairn.port, socket_timeout=60)
        for batch in range(40):
            pipe = r.pipeline(transaction=False)
            for i in range(batch * 2500, batch * 2500 + 2500):
                pipe.set(f"k{i}", b"v" * 300)
            pipe.execute()
        stop = threading.Event()
        peak = [0]

        def watch():
            w = redis.Redis(port=cairn.port, socket_timeout=60)
            while not stop.is_set():
                peak[0] = max(peak[0], used(w))
                time.sleep(0.005)
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            r.bgrewriteaof()
            deadline = time.monotonic() + 120
            i = 0
            while time.monotonic() < deadline:
                pipe = r.pipeline(transaction=False)
                for _ in range(500):
                    pipe.set(f"n{i}", b"w" * 300)
                    i += 1
                pipe.execute(raise_on_error=False)
                if r.info("persistence")["aof_rewrite_in_progress"] == 0 and i > 20_000:
                    break
        finally:
            stop.set()
            watcher.join()
        assert r.info("persistence")["aof_last_bgrewrite_status"] == "ok"
        assert r.info("stats")["evicted_keys"] > 0
        assert peak[0] <= limit + 2 * 1024 * 1024, (peak[0], limit)
