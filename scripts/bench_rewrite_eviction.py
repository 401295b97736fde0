"""A rewrite under write load at maxmemory: how far past the limit used_memory goes, how
many writes were refused with OOM and how many keys were evicted. The scenario of
tests/test_memory.py's rewrite test (100,000 keys of 300 bytes under a 48 MiB limit,
allkeys-lru, then BGREWRITEAOF while 500-SET pipelines write new keys), repeated, with
the figures the test only bounds. A watcher reads INFO memory every 5 ms.
Usage: python3 scripts/bench_rewrite_eviction.py --cairn .build/release/cairn-server [--runs 5]
"""
import argparse
import os
import statistics
import threading
import time

import redis

from benchlib import served

LIMIT = 48 * 1024 * 1024


def one_run(cairn_bin):
    argv = lambda port, d: [cairn_bin, "--port", str(port), "--dir", d, "--appendonly", "yes",
                            "--maxmemory", str(LIMIT), "--maxmemory-policy", "allkeys-lru",
                            "--auto-aof-rewrite-percentage", "0"]
    with served(argv) as (port, _):
        r = redis.Redis(port=port, socket_timeout=60)
        for batch in range(40):
            pipe = r.pipeline(transaction=False)
            for i in range(batch * 2500, batch * 2500 + 2500):
                pipe.set(f"k{i}", b"v" * 300)
            pipe.execute()
        stop = threading.Event()
        peak = [0]

        def watch():
            w = redis.Redis(port=port, socket_timeout=60)
            while not stop.is_set():
                peak[0] = max(peak[0], w.info("memory")["used_memory"])
                time.sleep(0.005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        refused, written = 0, 0
        try:
            r.bgrewriteaof()
            while True:
                pipe = r.pipeline(transaction=False)
                for _ in range(500):
                    pipe.set(f"n{written}", b"w" * 300)
                    written += 1
                refused += sum(isinstance(x, Exception) for x in pipe.execute(raise_on_error=False))
                if r.info("persistence")["aof_rewrite_in_progress"] == 0 and written > 20_000:
                    break
        finally:
            stop.set()
            watcher.join()
        return peak[0] - LIMIT, refused, r.info("stats")["evicted_keys"], written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    cairn_bin = os.path.abspath(args.cairn)
    print(f"maxmemory {LIMIT} (48 MiB), allkeys-lru, {args.runs} runs")
    print("| run | peak over the limit (MB) | writes refused (OOM) | keys evicted | writes |")
    print("|---:|---:|---:|---:|---:|")
    overs = []
    for n in range(args.runs):
        over, refused, evicted, written = one_run(cairn_bin)
        overs.append(over)
        print(f"| {n + 1} | {over / 1e6:.2f} | {refused} | {evicted} | {written} |", flush=True)
    print(f"median peak over the limit: {statistics.median(overs) / 1e6:.2f} MB, largest {max(overs) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
