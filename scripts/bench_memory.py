"""Memory per data shape: the same data loaded into Cairn and Debian's redis-server
(persistence off), resident memory (VmRSS) and INFO's used_memory after loading, minus
what each server used empty. Medians are not needed: the figures are deterministic enough
at these sizes; run it twice to see the spread.
Usage: python3 scripts/bench_memory.py --cairn .build/release/cairn-server [--scale 1.0]
"""
import argparse
import time
from pathlib import Path

import redis

from benchlib import served


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def used_memory(r):
    return int(r.info("memory")["used_memory"])


def fill(r, shape, scale):
    pipe = r.pipeline(transaction=False)
    def flush_every(i, n=2000):
        if i % n == 0:
            pipe.execute()
    if shape == "strings":
        for i in range(int(1_000_000 * scale)):
            pipe.set(b"key:%012d" % i, b"v" * 16)
            flush_every(i)
    elif shape == "stream":
        # One stream of 1,000,000 entries of 3 small fields, explicit increasing IDs.
        for i in range(int(1_000_000 * scale)):
            pipe.xadd("stream", {"user": b"u%06d" % (i % 100_000), "action": "click", "page": b"/p/%d" % (i % 500)},
                      id=f"{1_700_000_000_000 + i // 10}-{i % 10}")
            flush_every(i)
    else:
        small = shape.endswith("small")
        collections = int((10_000 if small else 1) * scale) or 1
        elements = 100 if small else int(100_000 * scale)
        kind = shape.split("-")[0]
        for c in range(collections):
            key = f"{kind}:{c}"
            for start in range(0, elements, 500):
                chunk = [b"member:%08d" % e for e in range(start, min(start + 500, elements))]
                if kind == "list":
                    pipe.rpush(key, *chunk)
                elif kind == "set":
                    pipe.sadd(key, *chunk)
                elif kind == "zset":
                    pipe.zadd(key, {m: i for i, m in enumerate(chunk, start)})
                else:
                    pipe.hset(key, mapping={m: b"v" * 8 for m in chunk})
            flush_every(c, 50 if small else 1)
    pipe.execute()


def measure(argv, shape, scale):
    with served(argv) as (port, proc):
        r = redis.Redis(port=port)
        rss0, used0 = rss_bytes(proc.pid), used_memory(r)
        fill(r, shape, scale)
        time.sleep(0.5)
        return rss_bytes(proc.pid) - rss0, used_memory(r) - used0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--shapes", default="strings,list-small,list-large,set-small,set-large,zset-small,zset-large,hash-small,hash-large,stream")
    args = ap.parse_args()
    cairn = lambda port, d: [args.cairn, "--port", str(port), "--appendonly", "no"]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", d]
    print("| data | Cairn RSS | Redis RSS | Cairn/Redis RSS | Cairn used_memory | Redis used_memory |")
    print("|---|---:|---:|---:|---:|---:|")
    for shape in args.shapes.split(","):
        c_rss, c_used = measure(cairn, shape, args.scale)
        r_rss, r_used = measure(redis_, shape, args.scale)
        mb = lambda b: f"{b / 1e6:.1f} MB"
        print(f"| {shape} | {mb(c_rss)} | {mb(r_rss)} | {c_rss / r_rss if r_rss else 0:.2f} | {mb(c_used)} | {mb(r_used)} |", flush=True)


if __name__ == "__main__":
    main()
