"""Helpers shared by the benchmark scripts: free ports, starting a server and waiting
for it, the CPU time a process used.

BENCH_PIN=1 in the environment pins every server to CPU 1 and redis-benchmark to CPU 0
(with taskset), so the two never share a core and the scheduler does not move them: on a
two-core machine an unpinned run's rate also depends on where they happened to land."""
import contextlib
import os
import socket
import subprocess
import tempfile
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=600):
    """Waits until the server on `port` answers PING (it may be loading first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server on {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    sys.exit(f"server on {port} did not become ready")


CLK_TCK = os.sysconf("SC_CLK_TCK")
PINNED = os.environ.get("BENCH_PIN") == "1"


def pinned(argv, cpu):
    """`argv`, run on `cpu` alone when BENCH_PIN=1 (taskset execs it: same pid)."""
    return ["taskset", "-c", str(cpu), *argv] if PINNED else list(argv)


def cpu_seconds(pid):
    """User plus system CPU time of `pid` so far, from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@contextlib.contextmanager
def served(argv):
    """Starts `argv(port, directory)` in a fresh temporary directory, waits until it
    answers, yields (port, process), and stops it afterwards."""
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        proc = subprocess.Popen(pinned(argv(port, d), 1), cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_ready(port, proc)
            yield port, proc
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def median_pair(results):
    """Medians of (rate, cpu) pairs."""
    import statistics
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def benchmark_rate(port, pid, requests, pipeline, command, clients=50, extra=()):
    """Runs redis-benchmark with `command` against `port`; returns (requests/s, server
    CPU µs per request)."""
    import re
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(pinned(["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests), "-P", str(pipeline),
                                 *extra, "-q", *command], 0), capture_output=True, text=True, timeout=900).stdout
    cpu = cpu_seconds(pid) - cpu0
    rate = float(re.findall(r"([\d.]+) requests per second", out)[-1])
    return rate, cpu / requests * 1e6


def compare_servers(cairn_argv, redis_argv, commands, pipelines, rounds, measure, label=str.upper):
    """For each command and pipeline depth, `rounds` alternating runs of
    `measure(argv, pipeline, command)` against each server; prints a Markdown row with
    the medians, their ratio, the median and range of the rounds' own ratios (each
    round runs Cairn then Redis back to back, so a round's ratio is spared the machine's
    slower drifts) and each server's CPU per call."""
    import statistics
    print("| command | pipeline | Cairn calls/s | Redis calls/s | Cairn/Redis | per round: median (min–max) | CPU µs/call Cairn | Redis |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for command in commands:
        for pipeline in pipelines:
            res = {"cairn": [], "redis": []}
            for _ in range(rounds):
                res["cairn"].append(measure(cairn_argv, pipeline, command))
                res["redis"].append(measure(redis_argv, pipeline, command))
            c, r = median_pair(res["cairn"]), median_pair(res["redis"])
            paired = [a[0] / b[0] for a, b in zip(res["cairn"], res["redis"])]
            print(f"| {label(command)} | {pipeline} | {c[0]:,.0f} | {r[0]:,.0f} | {c[0] / r[0]:.2f} | "
                  f"{statistics.median(paired):.2f} ({min(paired):.2f}–{max(paired):.2f}) | {c[1]:.2f} | {r[1]:.2f} |",
                  flush=True)
