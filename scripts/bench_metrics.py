"""What the Prometheus endpoint costs the server: redis-benchmark SET (-c 50) against
Cairn without metrics, Cairn with `metrics-port` set and a scraper fetching /metrics ten
times a second, and Debian's redis-server for reference — all with the append-only file
on (`appendfsync everysec`), in the same run, rounds alternating; medians reported, with
the server's CPU per request (the scrapes' own cost included).
Usage: python3 scripts/bench_metrics.py --cairn .build/release/cairn-server [--rounds 5] [--requests 500000] [--pipelines 1,16]
"""
import argparse
import statistics
import threading
import time
import urllib.request

from benchlib import benchmark_rate, free_port, served


class Scraper:
    """Fetches http://127.0.0.1:port/metrics every `period` seconds until stopped."""

    def __init__(self, port, period=0.1):
        self.url = f"http://127.0.0.1:{port}/metrics"
        self.period = period
        self.stop = threading.Event()
        self.scrapes = 0
        self.bytes = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            began = time.monotonic()
            with urllib.request.urlopen(self.url, timeout=5) as response:
                self.bytes = len(response.read())
            self.scrapes += 1
            self.stop.wait(max(0.0, self.period - (time.monotonic() - began)))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=500000)
    ap.add_argument("--pipelines", default="1,16")
    args = ap.parse_args()
    metrics_port = {}

    def cairn(port, d):
        return [args.cairn, "--port", str(port), "--dir", d, "--appendonly", "yes", "--appendfsync", "everysec"]

    def cairn_metrics(port, d):
        metrics_port[port] = free_port()
        return cairn(port, d) + ["--metrics-port", str(metrics_port[port])]

    def redis_(port, d):
        return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d,
                "--appendonly", "yes", "--appendfsync", "everysec"]

    setups = [("Cairn, no metrics", cairn, False), ("Cairn, metrics scraped 10/s", cairn_metrics, True),
              ("Redis 7.0", redis_, False)]
    print(f"redis-benchmark -t set -c 50 -n {args.requests}, appendfsync everysec, medians of {args.rounds} alternating rounds")
    print("| server | pipeline | SET calls/s | vs Cairn without metrics | CPU µs/call | scrapes | /metrics bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for pipeline in [int(p) for p in args.pipelines.split(",")]:
        results = {name: [] for name, _, _ in setups}
        scraped = {}
        for _ in range(args.rounds):
            for name, argv, scrape in setups:
                with served(argv) as (port, proc):
                    if scrape:
                        with Scraper(metrics_port[port]) as scraper:
                            results[name].append(benchmark_rate(port, proc.pid, args.requests, pipeline, ["-t", "set"]))
                        scraped[name] = (scraper.scrapes, scraper.bytes)
                    else:
                        results[name].append(benchmark_rate(port, proc.pid, args.requests, pipeline, ["-t", "set"]))
        base = statistics.median(r for r, _ in results["Cairn, no metrics"])
        for name, _, _ in setups:
            rate = statistics.median(r for r, _ in results[name])
            cpu = statistics.median(c for _, c in results[name])
            scrapes, size = scraped.get(name, ("", ""))
            print(f"| {name} | {pipeline} | {rate:,.0f} | {rate / base:.2f} | {cpu:.2f} | {scrapes} | {size} |", flush=True)


if __name__ == "__main__":
    main()
