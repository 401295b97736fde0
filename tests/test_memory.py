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
