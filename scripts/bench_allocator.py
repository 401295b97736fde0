"""What the counting allocator costs: two cairn-server builds, with and without it,
alternating, redis-benchmark -t set -c 50 (300,000 requests at -P 16, 100,000 at -P 1),
persistence off; medians of the rounds, with each server's CPU per request.
Build the second binary with glibc's malloc alone:
    swift build -c release --scratch-path .build-plain -Xcc -DCAIRN_PLAIN_MALLOC
Usage: python3 scripts/bench_allocator.py --counting .build/release/cairn-server \
           --plain .build-plain/release/cairn-server [--rounds 5]
"""
import argparse
import os
import statistics

from benchlib import benchmark_rate, served


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counting", required=True)
    ap.add_argument("--plain", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    binaries = {"counting": os.path.abspath(args.counting), "plain": os.path.abspath(args.plain)}
    results = {name: {16: [], 1: []} for name in binaries}
    for _ in range(args.rounds):
        for name, binary in binaries.items():
            with served(lambda port, d, b=binary: [b, "--port", str(port), "--dir", d, "--appendonly", "no"]) as (port, proc):
                for pipeline, requests in ((16, 300000), (1, 100000)):
                    results[name][pipeline].append(benchmark_rate(port, proc.pid, requests, pipeline, ["-t", "set"]))
    print("| malloc | pipeline | SET/s (median) | CPU µs per SET |")
    print("|---|---:|---:|---:|")
    for name in binaries:
        for pipeline in (16, 1):
            rows = results[name][pipeline]
            print(f"| {name} | {pipeline} | {statistics.median(r[0] for r in rows):,.0f} | "
                  f"{statistics.median(r[1] for r in rows):.2f} |")


if __name__ == "__main__":
    main()
