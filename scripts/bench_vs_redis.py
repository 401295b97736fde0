"""Runs redis-benchmark against Cairn and redis-server alternately and reports medians.

Both servers run on 127.0.0.1 with the same persistence settings (--modes: no
persistence, or the append-only file with each appendfsync; Redis never snapshots, and
writes its AOF without an RDB preamble). Each round runs every pipeline depth against
Cairn, then against Redis, so slow phases of a shared, noisy machine hit both alike.
"""
import argparse
import os
import csv
import io
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

from benchlib import free_port, wait_ready


def start(argv, port, workdir):
    proc = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc


def cpu_seconds(pid):
    """User + system CPU time the process has used, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_one(port, pid, test, clients, pipeline, requests, keyspace):
    """One test; returns (requests/s, server CPU µs per request)."""
    before = cpu_seconds(pid)
    rps = bench(port, test, clients, pipeline, requests, keyspace)[test.upper()]
    return rps, (cpu_seconds(pid) - before) * 1e6 / requests


def bench(port, tests, clients, pipeline, requests, keyspace):
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", tests, "-c", str(clients),
         "-P", str(pipeline), "-n", str(requests), "-r", str(keyspace), "--csv"],
        capture_output=True, text=True, timeout=600, check=True).stdout
    result = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] != "test":
            result[row[0].split()[0]] = float(row[1])
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--workdir", default=None, help="where the servers keep their files (a real disk for fsync figures)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tests", default="set,get,incr", help="redis-benchmark -t names, comma-separated; 'types' adds "
                    "LPUSH LPOP RPOP SADD SPOP ZADD ZPOPMIN LRANGE_100 LRANGE_600")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--requests", type=int, default=200000, help="per test at -P 1; x5 at deeper pipelines")
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--modes", default="off",
                    help="comma-separated: off (no persistence), always, everysec, no (appendfsync with the AOF on)")
    args = ap.parse_args()
    # "types": redis-benchmark's tests of lists, sets and sorted sets.
    args.tests = args.tests.replace("types", "lpush,lpop,rpop,sadd,spop,zadd,zpopmin,lrange_100,lrange_600")
    pipelines = [int(p) for p in args.pipelines.split(",")]

    modes = args.modes.split(",")
    samples = {}
    for mode in modes:
        run_mode(args, mode, pipelines, samples)
    report(args, modes, pipelines, samples)


def persistence_flags(mode):
    """The same persistence settings for both servers."""
    if mode == "off":
        return ["--appendonly", "no"], ["--appendonly", "no"]
    return (["--appendonly", "yes", "--appendfsync", mode],
            ["--appendonly", "yes", "--appendfsync", mode, "--aof-use-rdb-preamble", "no"])


def run_mode(args, mode, pipelines, samples):
    cairn_flags, redis_flags = persistence_flags(mode)
    with tempfile.TemporaryDirectory(prefix="cairn-bench-", dir=args.workdir) as cdir, \
            tempfile.TemporaryDirectory(prefix="redis-bench-", dir=args.workdir) as rdir:
        cport, rport = free_port(), free_port()
        cairn = start([args.cairn, "--port", str(cport), *cairn_flags], cport, cdir)
        redis = start(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                       "--dir", rdir, *redis_flags], rport, rdir)
        try:
            for r in range(args.rounds):
                for p in pipelines:
                    n = args.requests * (5 if p > 1 else 1)
                    for test in args.tests.split(","):
                        for name, port, pid in (("cairn", cport, cairn.pid), ("redis", rport, redis.pid)):
                            rps, cpu = bench_one(port, pid, test, args.clients, p, n, args.keyspace)
                            samples.setdefault((mode, test.upper(), p, name), []).append(rps)
                            samples.setdefault((mode, test.upper(), p, name + "-cpu"), []).append(cpu)
                print(f"{mode}: round {r + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            for proc in (cairn, redis):
                proc.terminate()
                proc.wait(timeout=15)


def report(args, modes, pipelines, samples):
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Cairn vs redis-server ({subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]}), "
          f"{when}, {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores; "
          f"redis-benchmark -c {args.clients} -r {args.keyspace}, medians of {args.rounds} alternating rounds")
    print()
    print("| persistence | test | pipeline | Cairn req/s (median) | Redis req/s (median) | Cairn/Redis | Cairn range | Redis range "
          "| server CPU µs/request, Cairn | Redis |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mode in modes:
      for test in args.tests.upper().split(","):
        for p in pipelines:
            cs = samples.get((mode, test, p, "cairn"), [0])
            rs = samples.get((mode, test, p, "redis"), [0])
            c, rr = statistics.median(cs), statistics.median(rs)
            ccpu = statistics.median(samples.get((mode, test, p, "cairn-cpu"), [0]))
            rcpu = statistics.median(samples.get((mode, test, p, "redis-cpu"), [0]))
            label = "AOF off" if mode == "off" else f"appendfsync {mode}"
            print(f"| {label} | {test} | {p} | {c:,.0f} | {rr:,.0f} | {c / rr if rr else 0:.2f} | "
                  f"{min(cs):,.0f}–{max(cs):,.0f} | {min(rs):,.0f}–{max(rs):,.0f} | {ccpu:.2f} | {rcpu:.2f} |")


if __name__ == "__main__":
    main()
