"""BLPOP/RPUSH ping-pong between producer/consumer pairs, Cairn against Debian's
redis-server in the same run (AOF with appendfsync everysec for both, Redis without RDB
preamble). Each pair has its own list: the consumer sits in BLPOP, the producer pushes
one element, waits for the consumer to have it, and pushes the next, so every round trip
parks and wakes a client. One asyncio process drives all pairs; it is the same client for
both servers, so the ratio and the server CPU per round trip are the figures to read.
Usage: python3 scripts/bench_blocking.py --cairn .build/release/cairn-server [--pairs 50] [--seconds 5] [--rounds 3]
"""
import argparse
import asyncio
import statistics
import time

from benchlib import cpu_seconds, served


def command(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        p = p if isinstance(p, bytes) else str(p).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(p), p))
    return b"".join(out)


async def read_reply(reader):
    line = await reader.readline()
    kind = line[:1]
    if kind == b"*":
        n = int(line[1:])
        return [await read_reply(reader) for _ in range(max(n, 0))] if n >= 0 else None
    if kind == b"$":
        n = int(line[1:])
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2]
    return line


async def pair(port, index, stop, counter):
    key = f"pingpong:{index}"
    cr, cw = await asyncio.open_connection("127.0.0.1", port)
    pr, pw = await asyncio.open_connection("127.0.0.1", port)
    while not stop.is_set():
        cw.write(command("BLPOP", key, 0))
        await cw.drain()
        pw.write(command("RPUSH", key, "x"))
        await pw.drain()
        await read_reply(pr)
        await read_reply(cr)
        counter[0] += 1
    cw.close()
    pw.close()


async def drive(port, pairs, seconds):
    stop = asyncio.Event()
    counter = [0]
    tasks = [asyncio.create_task(pair(port, i, stop, counter)) for i in range(pairs)]
    await asyncio.sleep(0.5)  # warm up
    start_count, start = counter[0], time.monotonic()
    await asyncio.sleep(seconds)
    done, elapsed = counter[0] - start_count, time.monotonic() - start
    stop.set()
    await asyncio.wait(tasks, timeout=5)
    return done, elapsed


def measure(argv, pairs, seconds):
    with served(argv) as (port, proc):
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.monotonic()
        done, elapsed = asyncio.run(drive(port, pairs, seconds))
        cpu = cpu_seconds(proc.pid) - cpu0
        wall = time.monotonic() - t0
        # CPU over the whole drive (warm-up included) per round trip over the whole drive.
        return done / elapsed, cpu / max(done * wall / elapsed, 1) * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cairn = lambda port, d: [args.cairn, "--port", str(port), "--appendonly", "yes", "--appendfsync", "everysec"]
    redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "yes", "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no", "--dir", d]
    results = {"cairn": [], "redis": []}
    for _ in range(args.rounds):
        for name, argv in (("cairn", cairn), ("redis", redis_)):
            results[name].append(measure(argv, args.pairs, args.seconds))
    med = {n: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)) for n, rs in results.items()}
    print(f"BLPOP/RPUSH ping-pong, {args.pairs} pairs, {args.seconds}s x {args.rounds} alternating rounds, medians")
    print("| server | round trips/s | range | server CPU µs per round trip |")
    print("|---|---:|---:|---:|")
    for n, rs in results.items():
        lo, hi = min(r[0] for r in rs), max(r[0] for r in rs)
        print(f"| {n} | {med[n][0]:,.0f} | {lo:,.0f}–{hi:,.0f} | {med[n][1]:.1f} |")
    print(f"Cairn/Redis: {med['cairn'][0] / med['redis'][0]:.2f}")


if __name__ == "__main__":
    main()
