"""Two builds of Cairn against each other and Debian's redis-server, in the same run:
redis-benchmark -c 50 for each test, the three servers alternating, append-only file on
(`appendfsync everysec`), medians of the rounds with each server's CPU per request. For
"what did this change cost": build the old commit in a worktree
(`git worktree add /tmp/old <commit> && (cd /tmp/old && swift build -c release)`).
Usage: python3 scripts/bench_ab.py --before /tmp/old/.build/release/cairn-server --after .build/release/cairn-server
           [--rounds 5] [--tests set:16:1000000,get:16:1000000,set:1:200000,get:1:200000]
"""
import argparse
import statistics

from benchlib import benchmark_rate, served


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tests", default="set:16:1000000,get:16:1000000,set:1:200000,get:1:200000")
    args = ap.parse_args()

    def cairn(binary):
        return lambda port, d: [binary, "--port", str(port), "--dir", d, "--appendonly", "yes", "--appendfsync", "everysec"]

    setups = {
        "before": cairn(args.before),
        "after": cairn(args.after),
        "redis": lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d,
                                  "--appendonly", "yes", "--appendfsync", "everysec"],
    }
    print(f"redis-benchmark -c 50, appendfsync everysec, medians of {args.rounds} alternating rounds")
    print("| test | pipeline | before calls/s | after calls/s | Redis calls/s | CPU µs/call before | after | Redis | after / Redis |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for spec in args.tests.split(","):
        test, pipeline, requests = spec.split(":")
        results = {name: [] for name in setups}
        for _ in range(args.rounds):
            for name, argv in setups.items():
                with served(argv) as (port, proc):
                    results[name].append(benchmark_rate(port, proc.pid, int(requests), int(pipeline), ["-t", test]))
        rate = {n: statistics.median(r for r, _ in results[n]) for n in setups}
        cpu = {n: statistics.median(c for _, c in results[n]) for n in setups}
        print(f"| {test.upper()} | {pipeline} | {rate['before']:,.0f} | {rate['after']:,.0f} | {rate['redis']:,.0f} | "
              f"{cpu['before']:.2f} | {cpu['after']:.2f} | {cpu['redis']:.2f} | {rate['after'] / rate['redis']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
