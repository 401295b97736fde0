"""Rewrite under load: Cairn's forkless BGREWRITEAOF against Debian's redis-server's.

Each server gets the same 1,000,000 keys (16-byte values), appendonly yes, everysec.
Then, with redis-benchmark running a steady SET load, it measures: p99.9 latency in
steady state and while rewrites run back to back (alternating, medians of --rounds);
memory (PSS of the server and its children, so Redis's fork is counted without
double-counting shared pages) in steady state and its peak during rewrites; and each
rewrite's duration and MB/s.
Usage: python3 scripts/bench_rewrite.py --cairn .build/release/cairn-server [--keys N] [--rounds N]
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import redis

# How often the watcher asks whether the rewrite is still running, and how often (every
# other poll) it reads the servers' PSS. Reading /proc/<pid>/smaps_rollup walks the whole
# address space; done every 10 ms it took enough of this 2-core machine to double the
# p99.9 it was measuring (Cairn: 2.9-4.1x at 10 ms, 1.9-2.5x at 50 ms, same code).
POLL_SECONDS = 0.025

from benchlib import free_port, wait_ready


def pss_kb(pid):
    """Proportional set size of `pid` and all its descendants, in kB."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return total


def p999(output):
    """p99.9 (ms) from redis-benchmark's latency-by-percentile section (the run's last test)."""
    best = None
    for match in re.finditer(r"^\s*([0-9.]+)% <= ([0-9.]+) milliseconds", output, re.M):
        if float(match.group(1)) >= 99.9:
            best = float(match.group(2))
            break
    return best


def load_keys(port, keys):
    lines = "".join(f"SET key:{i:012d} {'v' * 16}\r\n" for i in range(keys))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=lines, text=True, capture_output=True,
                   check=True, timeout=600)


def run_benchmark(port, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(requests), "-c", "50",
                          "-r", "1000000", "-d", "16"], capture_output=True, text=True, timeout=600).stdout
    rps = re.search(r"throughput summary: ([0-9.]+) requests per second", out)
    return p999(out), float(rps.group(1)) if rps else 0.0


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def measure(name, argv, port, workdir, keys, requests, rounds):
    proc = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc)
        load_keys(port, keys)
        r = redis.Redis(port=port)
        r.bgrewriteaof()   # start both from a compact file
        while r.info("persistence")["aof_rewrite_in_progress"]:
            time.sleep(0.05)
        time.sleep(1)
        steady_pss = pss_kb(proc.pid)
        # Steady state and back-to-back rewrites alternate `rounds` times, so a change in
        # the machine's background load shows in both columns rather than in the ratio;
        # the medians are reported. These runs measure latency alone; a last run samples
        # memory. Reading smaps_rollup walks the server's page tables under its mmap lock,
        # which stalls the server's own allocations, so it is never done while latency is
        # being measured.
        steady, during = [], []
        for _ in range(rounds):
            steady.append(run_benchmark(port, requests))
            during.append(under_rewrites(port, requests, proc.pid, sample_memory=False)[:2])
        _, _, peak, durations = under_rewrites(port, requests, proc.pid, sample_memory=True)
        peak = max(peak, steady_pss)
        r.close()
        base_mb = aof_base_size(workdir) / 1e6
        return dict(name=name, steady_p999=median([p for p, _ in steady]), during_p999=median([p for p, _ in during]),
                    ratios=[d[0] / s[0] for s, d in zip(steady, during)],
                    steady_rps=median([q for _, q in steady]), during_rps=median([q for _, q in during]),
                    steady_mb=steady_pss / 1024, peak_mb=peak / 1024,
                    rewrites=len(durations), rewrite_s=median(durations) if durations else 0, base_mb=base_mb)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def under_rewrites(port, requests, pid, sample_memory):
    """Runs the benchmark while BGREWRITEAOF runs back to back; returns its p99.9 and
    req/s, the peak PSS seen (when `sample_memory`) and each rewrite's duration."""
    stop = threading.Event()
    peak = [0]
    durations = []

    def rewriter():
        client = redis.Redis(port=port)
        while not stop.is_set():
            began = time.monotonic()
            try:
                client.bgrewriteaof()
            except redis.ResponseError:
                time.sleep(POLL_SECONDS)
                continue
            polls = 0
            while client.info("persistence")["aof_rewrite_in_progress"]:
                if sample_memory and polls % 2 == 0:
                    peak[0] = max(peak[0], pss_kb(pid))
                polls += 1
                time.sleep(POLL_SECONDS)
            durations.append(time.monotonic() - began)
        client.close()

    thread = threading.Thread(target=rewriter)
    thread.start()
    time.sleep(0.2)
    p999_ms, rps = run_benchmark(port, requests)
    stop.set()
    thread.join(timeout=120)
    return p999_ms, rps, peak[0], durations


def aof_base_size(workdir):
    d = Path(workdir) / "appendonlydir"
    return sum(f.stat().st_size for f in d.glob("*.base.aof*")) if d.exists() else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=300_000)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--servers", default="cairn,redis", help="which to measure, comma-separated")
    ap.add_argument("--rounds", type=int, default=3, help="steady/rewriting alternations per server")
    args = ap.parse_args()
    results = []
    for name in args.servers.split(","):
        workdir = tempfile.mkdtemp(prefix=f"{name}-rewrite-", dir=args.workdir)
        port = free_port()
        try:
            if name == "cairn":
                argv = [args.cairn, "--port", str(port), "--appendfsync", "everysec", "--auto-aof-rewrite-percentage", "0"]
            else:
                argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                        "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no", "--auto-aof-rewrite-percentage", "0",
                        "--dir", workdir]
            results.append(measure(name, argv, port, workdir, args.keys, args.requests, args.rounds))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{args.keys:,} keys (16-byte values), appendfsync everysec; redis-benchmark SET -c 50 -n {args.requests:,}; "
          f"medians of {args.rounds} steady/rewriting rounds")
    print()
    print("| server | p99.9 steady | p99.9 during rewrites | ratio | ratio by round | req/s steady | req/s during | memory steady | peak during rewrite | ratio | rewrite (median) | base file | MB/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = (r["during_p999"] or 0) / (r["steady_p999"] or 1)
        mbps = r["base_mb"] / r["rewrite_s"] if r["rewrite_s"] else 0
        by_round = " ".join(f"{x:.2f}" for x in r["ratios"])
        print(f"| {r['name']} | {r['steady_p999']} ms | {r['during_p999']} ms | {ratio:.2f} | {by_round} | {r['steady_rps']:,.0f} | "
              f"{r['during_rps']:,.0f} | {r['steady_mb']:.0f} MB | {r['peak_mb']:.0f} MB | {r['peak_mb'] / r['steady_mb']:.2f} | "
              f"{r['rewrite_s']:.2f} s ({r['rewrites']} runs) | {r['base_mb']:.1f} MB | {mbps:.0f} |")


if __name__ == "__main__":
    main()
