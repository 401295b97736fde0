"""Memory per pending entry: 500,000 stream entries delivered to one consumer of one
group (XREADGROUP COUNT 10000 until none is left), Cairn against Debian's redis-server,
no persistence. Reports used_memory and RSS growth across the deliveries, per entry.
Usage: python3 scripts/bench_pending_memory.py /path/to/cairn-server [entries]
"""
import sys

import redis

from benchlib import served

N = max(1, int(sys.argv[2])) if len(sys.argv) > 2 else 500_000


def run(argv):
    with served(argv) as (port, proc):
        r = redis.Redis(port=port)
        p = r.pipeline(transaction=False)
        for i in range(1, N + 1):
            p.execute_command("XADD", "s", f"1-{i}", "f", "v")
            if i % 10000 == 0:
                p.execute()
                p = r.pipeline(transaction=False)
        p.execute()
        r.execute_command("XGROUP", "CREATE", "s", "g", "0")
        before = r.info("memory")["used_memory"]
        rss0 = int(open(f"/proc/{proc.pid}/statm").read().split()[1]) * 4096
        while r.execute_command("XREADGROUP", "GROUP", "g", "c", "COUNT", "10000", "STREAMS", "s", ">"):
            pass
        after = r.info("memory")["used_memory"]
        rss1 = int(open(f"/proc/{proc.pid}/statm").read().split()[1]) * 4096
        pending = r.execute_command("XPENDING", "s", "g")["pending"]
        return pending, (after - before) / pending, (rss1 - rss0) / pending


cairn = lambda port, d: [sys.argv[1], "--port", str(port), "--dir", d, "--appendonly", "no"]
redis_ = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d, "--appendonly", "no"]
for name, argv in (("cairn", cairn), ("redis", redis_)):
    print(name, "pending %d, used_memory per pending entry %.0f B, RSS per entry %.0f B" % run(argv))
