"""Writing past maxmemory, Cairn against Debian's redis-server in the same run: both with
`maxmemory` and the same policy, persistence off, redis-benchmark SET of 200-byte values
over 5 million random keys (-r), so nearly every write past the limit evicts a key.
Medians of alternating rounds, with each server's CPU per request, and the keys each
evicted per 1,000 writes in the last round.
Usage: python3 scripts/bench_eviction.py --cairn .build/release/cairn-server [--rounds 3] [--requests 1000000]
           [--maxmemory 64mb] [--policies allkeys-lru,allkeys-lfu,allkeys-random] [--pipelines 1,16]
"""
import argparse
import os

import redis

from benchlib import benchmark_rate, compare_servers, served


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--maxmemory", default="64mb")
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu,allkeys-random")
    ap.add_argument("--pipelines", default="1,16")
    args = ap.parse_args()
    cairn_bin = os.path.abspath(args.cairn)
    evictions = {}

    def measure(argv, pipeline, policy):
        with served(lambda port, d: argv(port, d) + ["--maxmemory-policy", policy]) as (port, proc):
            result = benchmark_rate(port, proc.pid, args.requests, pipeline,
                                    ["-t", "set", "-d", "200", "-r", "5000000"])
            info = redis.Redis(port=port).info()
            evictions[(argv is cairn, policy, pipeline)] = (info["evicted_keys"], info["used_memory"])
            return result

    cairn = lambda port, d: [cairn_bin, "--port", str(port), "--dir", d, "--appendonly", "no", "--maxmemory", args.maxmemory]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d,
                              "--appendonly", "no", "--maxmemory", args.maxmemory]
    print(f"redis-benchmark -c 50 -n {args.requests} -t set -d 200 -r 5000000, maxmemory {args.maxmemory}, "
          f"medians of {args.rounds} alternating rounds, no persistence")
    compare_servers(cairn, redis_, args.policies.split(","), [int(p) for p in args.pipelines.split(",")], args.rounds,
                    measure, label=str)
    print()
    print("| policy | pipeline | Cairn evicted / used_memory | Redis evicted / used_memory |")
    print("|---|---:|---:|---:|")
    for policy in args.policies.split(","):
        for pipeline in [int(p) for p in args.pipelines.split(",")]:
            c, r = evictions[(True, policy, pipeline)], evictions[(False, policy, pipeline)]
            print(f"| {policy} | {pipeline} | {c[0]:,} / {c[1] / 1048576:.1f} MB | {r[0]:,} / {r[1] / 1048576:.1f} MB |")


if __name__ == "__main__":
    main()
