"""Where each server spends its CPU per request: user space (the server's own code and
its libraries) and kernel (the socket work), from /proc, for redis-benchmark commands at
one pipeline depth. Each server runs once for the whole run and they take turns each
round (Cairn, optionally an earlier Cairn build, then Debian's redis-server); medians
are reported. Without persistence unless
--appendonly is given; -r 100000 random keys.
Usage: python3 scripts/bench_cpu_split.py --cairn .build/release/cairn-server [--before /path/to/older/cairn-server]
         [--rounds 5] [--requests 300000] [--pipeline 1] [--commands "set key:__rand_int__ v;get key:__rand_int__"]
         [--script "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])"] [--appendonly]
A --script is loaded into every server and called with EVALSHA <sha> 1 key:__rand_int__.
"""
import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess

from benchlib import pinned, served

TICK = os.sysconf("SC_CLK_TCK")


def cpu_split(pid):
    """User and kernel CPU seconds of `pid` so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def load_script(port, script):
    body = script.encode()
    request = b"*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n" % (len(body), body)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(request)
        return s.recv(256).split(b"\r\n")[1].decode()


def run(port, pid, requests, pipeline, command):
    user0, kernel0 = cpu_split(pid)
    out = subprocess.run(pinned(["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(requests), "-P", str(pipeline),
                                 "-r", "100000", "-q", *command], 0), capture_output=True, text=True, timeout=900).stdout
    user1, kernel1 = cpu_split(pid)
    rate = float(re.findall(r"([\d.]+) requests per second", out)[-1])
    return rate, (user1 - user0) / requests * 1e6, (kernel1 - kernel0) / requests * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--before")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--commands", default="set key:__rand_int__ v;get key:__rand_int__")
    ap.add_argument("--script")
    ap.add_argument("--appendonly", action="store_true")
    args = ap.parse_args()
    aof = ["--appendonly", "yes", "--appendfsync", "everysec"] if args.appendonly else ["--appendonly", "no"]
    servers = [("cairn", lambda port, d: [args.cairn, "--port", str(port), "--dir", d, *aof])]
    if args.before:
        servers.append(("before", lambda port, d: [args.before, "--port", str(port), "--dir", d, *aof]))
    servers.append(("redis", lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                              "--dir", d, "--aof-use-rdb-preamble", "no", *aof]))
    commands = [c.split() for c in args.commands.split(";") if c.strip()] if not args.script else [["EVALSHA"]]
    print(f"redis-benchmark -c 50 -P {args.pipeline} -n {args.requests} -r 100000, medians of {args.rounds} rounds, "
          f"{'AOF everysec' if args.appendonly else 'no persistence'}")
    print("| command | server | requests/s | user µs/request | kernel µs/request | total |")
    print("|---|---|---:|---:|---:|---:|")
    with contextlib.ExitStack() as stack:
        # One process per server for the whole run, so later commands find the keys
        # earlier ones wrote (SET before GET).
        running = [(name, *stack.enter_context(served(argv))) for name, argv in servers]
        for command in commands:
            results = {name: [] for name, _ in servers}
            for _ in range(args.rounds):
                for name, port, proc in running:
                    invocation = command
                    if args.script:
                        invocation = ["EVALSHA", load_script(port, args.script), "1", "key:__rand_int__"]
                    results[name].append(run(port, proc.pid, args.requests, args.pipeline, invocation))
            for name, rows in results.items():
                rate, user, kernel = (statistics.median(r[i] for r in rows) for i in range(3))
                print(f"| {command[0]} | {name} | {rate:,.0f} | {user:.2f} | {kernel:.2f} | {user + kernel:.2f} |", flush=True)


if __name__ == "__main__":
    main()
