"""EVALSHA of a small script (INCR of a key plus a GET) and FCALL of a function doing the
same, Cairn against Debian's redis-server in the same run, both with the AOF on
(appendfsync everysec; Redis without RDB preamble), so the effects are logged by both.
redis-benchmark -c 50 calls on a random key of 100,000 (-r); rounds alternate between
the servers and the medians are reported, with each server's CPU per call.
Usage: python3 scripts/bench_scripting.py --cairn .build/release/cairn-server [--rounds 3] [--requests 200000] [--pipelines 1,16] [--commands evalsha,fcall]
"""
import argparse
import socket

from benchlib import benchmark_rate, compare_servers, served

SCRIPT = "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])"
LIBRARY = "#!lua name=bench\nredis.register_function('incrget', function(keys, args) " \
          "redis.call('incr', keys[1]) return redis.call('get', keys[1]) end)"


def call(port, *args):
    request = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(request)
        return s.recv(256)


def measure(argv, requests, pipeline, command):
    with served(argv) as (port, proc):
        if command == "evalsha":
            sha = call(port, "SCRIPT", "LOAD", SCRIPT).split(b"\r\n")[1].decode()
            invocation = ["EVALSHA", sha]
        else:
            call(port, "FUNCTION", "LOAD", LIBRARY)
            invocation = ["FCALL", "incrget"]
        return benchmark_rate(port, proc.pid, requests, pipeline, [*invocation, "1", "key:__rand_int__"],
                              extra=["-r", "100000"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--commands", default="evalsha,fcall")
    args = ap.parse_args()
    cairn = lambda port, d: [args.cairn, "--port", str(port), "--dir", d, "--appendonly", "yes", "--appendfsync", "everysec"]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d,
                              "--appendonly", "yes", "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no"]
    print(f"INCR + GET in a script ({SCRIPT}), redis-benchmark -c 50 -n {args.requests} -r 100000, medians of {args.rounds} alternating rounds")
    compare_servers(cairn, redis_, args.commands.split(","), [int(p) for p in args.pipelines.split(",")], args.rounds,
                    lambda argv, pipeline, command: measure(argv, args.requests, pipeline, command))


if __name__ == "__main__":
    main()
