"""Replay speed: the same append-only file loaded at start-up by Cairn and by Debian's
redis-server, in MB/s of file (from each server's own "loaded" log line).

Two inputs: Cairn's directory (written by Cairn under redis-benchmark load; Redis loads
it too), and a plain Redis-format single file of SET commands.
Usage: python3 scripts/bench_replay.py --cairn .build/release/cairn-server [--keys 1000000]
"""
import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import free_port, wait_ready


def load_seconds(cmd, workdir, log_pattern, scale):
    log = Path(workdir) / "server.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd(port), cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
        wait_ready(port, proc)
        proc.terminate()
        proc.wait(timeout=60)
    match = re.search(log_pattern, log.read_text(errors="replace"))
    if not match:
        sys.exit(f"no load time in {log}")
    return float(match.group(1)) * scale


def cairn_cmd(binary):
    return lambda port: [binary, "--port", str(port), "--appendfsync", "no"]


def redis_cmd(port):
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
            "--appendfsync", "no", "--aof-use-rdb-preamble", "no", "--dir", "."]


CAIRN_LOG = r"DB loaded from append only file: \d+ commands, \d+ bytes, (\d+) ms"
REDIS_LOG = r"DB loaded from append only file: ([0-9.]+) seconds"


def measure(label, prepare, binary, rounds, base):
    size = None
    results = {"cairn": [], "redis": []}
    for _ in range(rounds):
        for name, cmd, pattern, scale in (("cairn", cairn_cmd(binary), CAIRN_LOG, 0.001),
                                          ("redis", redis_cmd, REDIS_LOG, 1.0)):
            with tempfile.TemporaryDirectory(dir=base) as d:
                size = prepare(Path(d))
                results[name].append(load_seconds(cmd, d, pattern, scale))
    mb = size / 1e6
    c, r = statistics.median(results["cairn"]), statistics.median(results["redis"])
    print(f"| {label} | {mb:.1f} MB | {c:.2f} s | {mb / c:.0f} MB/s | {r:.2f} s | {mb / r:.0f} MB/s | {r / c:.2f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    base = tempfile.mkdtemp(prefix="cairn-replay-", dir=args.workdir)
    try:
        # Cairn's own directory, written under load.
        source = Path(base) / "source"
        source.mkdir()
        port = free_port()
        proc = subprocess.Popen([args.cairn, "--port", str(port), "--appendfsync", "no"], cwd=source,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_ready(port, proc)
        subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(args.keys), "-r", str(args.keys),
                        "-P", "16", "-q", "-d", "16"], capture_output=True, check=True, timeout=600)
        proc.terminate()
        proc.wait(timeout=60)

        def cairn_dir(d):
            shutil.copytree(source / "appendonlydir", d / "appendonlydir")
            return sum(f.stat().st_size for f in (d / "appendonlydir").iterdir())

        # A plain Redis-format single file.
        plain = Path(base) / "plain.aof"
        with open(plain, "wb") as out:
            out.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
            value = b"x" * 16
            for i in range(args.keys):
                key = b"key:%012d" % i
                out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n" % (len(key), key, value))

        def plain_file(d):
            shutil.copy(plain, d / "appendonly.aof")
            return plain.stat().st_size

        print(f"Replay of {args.keys:,} SETs, medians of {args.rounds} starts (each server's own load time)")
        print()
        print("| input | size | Cairn load | Cairn MB/s | Redis load | Redis MB/s | Cairn speed / Redis |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        measure("Cairn's directory (checksummed batches)", cairn_dir, args.cairn, args.rounds, base)
        measure("Redis-format single file", plain_file, args.cairn, args.rounds, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
