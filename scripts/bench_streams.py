"""Streams, Cairn against Debian's redis-server in the same run, both with the AOF on
(appendfsync everysec; Redis without RDB preamble; automatic rewrites off): XADD with `*`, and the work-queue
loop of a consumer group — XREADGROUP COUNT 1 `>` (each call delivers one entry, logged
by both as its effects) and XACK of a random entry — over a stream prefilled with
`--requests` entries. redis-benchmark -c 50; rounds alternate between the servers and
the medians are reported, with each server's CPU per call.
Usage: python3 scripts/bench_streams.py --cairn .build/release/cairn-server [--rounds 3] [--requests 200000] [--pipelines 1,16]
"""
import argparse
import socket

from benchlib import benchmark_rate, compare_servers, served


def encode(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))


def send_all(port, requests):
    """Sends `requests` pipelined, then a PING, and reads until the PONG: all answered."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(120)
        s.sendall(b"".join(requests) + encode("PING"))
        data = b""
        while not data.endswith(b"+PONG\r\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            data = data[-16:] + chunk


def prefill(port, entries):
    """Entries 1-0 … 1-(entries-1) and the group `g` reading from the start."""
    batch = 20000
    for start in range(0, entries, batch):
        send_all(port, [encode("XADD", "s", f"1-{i}", "f", "v") for i in range(start, min(entries, start + batch))])
    send_all(port, [encode("XGROUP", "CREATE", "s", "g", "0")])


def measure(argv, requests, pipeline, command):
    with served(argv) as (port, proc):
        if command == "xadd":
            return benchmark_rate(port, proc.pid, requests, pipeline, ["XADD", "s", "*", "field", "value"])
        prefill(port, requests + 1000)
        if command == "xreadgroup":
            return benchmark_rate(port, proc.pid, requests, pipeline,
                                  ["XREADGROUP", "GROUP", "g", "c:__rand_int__", "COUNT", "1", "STREAMS", "s", ">"],
                                  extra=["-r", "50"])
        # XACK: every entry delivered first, then acknowledged in random order.
        benchmark_rate(port, proc.pid, requests, 16, ["XREADGROUP", "GROUP", "g", "c", "COUNT", "100", "STREAMS", "s", ">"])
        return benchmark_rate(port, proc.pid, requests, pipeline, ["XACK", "s", "g", "1-__rand_int__"],
                              extra=["-r", str(requests)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--commands", default="xadd,xreadgroup,xack")
    args = ap.parse_args()
    # Automatic rewrites off on both: the group benchmarks log enough to start one, and
    # Redis's runs in a forked child whose CPU the per-call figure would not see.
    cairn = lambda port, d: [args.cairn, "--port", str(port), "--dir", d, "--appendonly", "yes", "--appendfsync", "everysec",
                             "--auto-aof-rewrite-percentage", "0"]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d,
                              "--appendonly", "yes", "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no",
                              "--auto-aof-rewrite-percentage", "0"]
    print(f"redis-benchmark -c 50 -n {args.requests}, medians of {args.rounds} alternating rounds, AOF everysec on both")
    compare_servers(cairn, redis_, args.commands.split(","), [int(p) for p in args.pipelines.split(",")], args.rounds,
                    lambda argv, pipeline, command: measure(argv, args.requests, pipeline, command))


if __name__ == "__main__":
    main()
