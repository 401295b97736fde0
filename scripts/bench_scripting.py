"""EVALSHA of a small script (INCR of a key plus a GET), Cairn against Debian's
redis-server in the same run, both with the AOF on (appendfsync everysec; Redis without
RDB preamble), so the script's effects are logged by both. redis-benchmark -c 50 runs
EVALSHA on a random key of 100,000 (-r); rounds alternate between the servers and the
medians are reported, with each server's CPU per call.
Usage: python3 scripts/bench_scripting.py --cairn .build/release/cairn-server [--rounds 3] [--requests 200000] [--pipelines 1,16]
"""
import argparse
import re
import socket
import statistics
import subprocess

from benchlib import cpu_seconds, served

SCRIPT = "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])"


def load(port):
    body = SCRIPT.encode()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n" % (len(body), body))
        reply = s.recv(256)
    return reply.split(b"\r\n")[1].decode()


def measure(argv, requests, pipeline):
    with served(argv) as (port, proc):
        sha = load(port)
        cpu0 = cpu_seconds(proc.pid)
        out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(requests), "-P", str(pipeline),
                              "-r", "100000", "-q", "EVALSHA", sha, "1", "key:__rand_int__"],
                             capture_output=True, text=True, timeout=900).stdout
        cpu = cpu_seconds(proc.pid) - cpu0
        rate = float(re.findall(r"([\d.]+) requests per second", out)[-1])
        return rate, cpu / requests * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    args = ap.parse_args()
    cairn = lambda port, d: [args.cairn, "--port", str(port), "--dir", d, "--appendonly", "yes", "--appendfsync", "everysec"]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d,
                              "--appendonly", "yes", "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no"]
    print(f"EVALSHA ({SCRIPT}), redis-benchmark -c 50 -n {args.requests} -r 100000, medians of {args.rounds} alternating rounds")
    print("| pipeline | Cairn calls/s | Redis calls/s | Cairn/Redis | CPU µs/call Cairn | Redis |")
    print("|---:|---:|---:|---:|---:|---:|")
    for pipeline in [int(p) for p in args.pipelines.split(",")]:
        res = {"cairn": [], "redis": []}
        for _ in range(args.rounds):
            res["cairn"].append(measure(cairn, args.requests, pipeline))
            res["redis"].append(measure(redis_, args.requests, pipeline))
        c = (statistics.median(r[0] for r in res["cairn"]), statistics.median(r[1] for r in res["cairn"]))
        r = (statistics.median(x[0] for x in res["redis"]), statistics.median(x[1] for x in res["redis"]))
        print(f"| {pipeline} | {c[0]:,.0f} | {r[0]:,.0f} | {c[0] / r[0]:.2f} | {c[1]:.2f} | {r[1]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
