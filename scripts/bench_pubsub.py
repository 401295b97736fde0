"""PUBLISH to 50 subscribers, Cairn against Debian's redis-server in the same run (both
without persistence: PUBLISH writes nothing). A separate process holds the subscriber
connections and drains them (no parsing, 256 KB reads); redis-benchmark publishes a
32-byte payload. Each publish reaches every subscriber, so the figures are publishes/s
and server CPU per publish (that is, per 50 deliveries).
Usage: python3 scripts/bench_pubsub.py --cairn .build/release/cairn-server [--subscribers 50] [--rounds 3] [--requests 100000]
"""
import argparse
import multiprocessing
import socket
import statistics
import time

from benchlib import benchmark_rate, median_pair, served


def subscribers(port, n, ready, stop, reads):
    import selectors
    sel = selectors.DefaultSelector()
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        conns.append(s)
    ready.set()
    count = 0
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.1):
            try:
                key.fileobj.recv(262144)
                count += 1
            except BlockingIOError:
                pass
    reads.put(count)
    for s in conns:
        s.close()


def measure(argv, n, requests, pipeline):
    with served(argv) as (port, proc):
        ready, stop, reads = multiprocessing.Event(), multiprocessing.Event(), multiprocessing.Queue()
        sub = multiprocessing.Process(target=subscribers, args=(port, n, ready, stop, reads))
        sub.start()
        ready.wait(10)
        time.sleep(0.3)
        rate, cpu = benchmark_rate(port, proc.pid, requests, pipeline, ["PUBLISH", "bench", "x" * 32])
        stop.set()
        # Messages per subscriber read: how many messages each of the server's writes
        # carried (more per read, less work for every subscriber).
        per_read = requests * n / max(reads.get(timeout=10), 1)
        sub.join(10)
        return rate, cpu, per_read


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--subscribers", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--pipelines", default="1,16")
    args = ap.parse_args()
    cairn = lambda port, d: [args.cairn, "--port", str(port), "--appendonly", "no"]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", d]
    print(f"PUBLISH to {args.subscribers} subscribers, redis-benchmark -c 50 -n {args.requests}, medians of {args.rounds} alternating rounds")
    print("| pipeline | Cairn publishes/s | Redis publishes/s | Cairn/Redis | CPU µs/publish Cairn | Redis | messages per subscriber read Cairn | Redis |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pipeline in [int(p) for p in args.pipelines.split(",")]:
        res = {"cairn": [], "redis": []}
        for _ in range(args.rounds):
            res["cairn"].append(measure(cairn, args.subscribers, args.requests, pipeline))
            res["redis"].append(measure(redis_, args.subscribers, args.requests, pipeline))
        c, r = median_pair(res["cairn"]), median_pair(res["redis"])
        cr, rr = (statistics.median(x[2] for x in res[name]) for name in ("cairn", "redis"))
        print(f"| {pipeline} | {c[0]:,.0f} | {r[0]:,.0f} | {c[0] / r[0]:.2f} | {c[1]:.1f} | {r[1]:.1f} | {cr:.1f} | {rr:.1f} |", flush=True)


if __name__ == "__main__":
    main()
