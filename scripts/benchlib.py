"""Helpers shared by the benchmark scripts: free ports, starting a server and waiting
for it, the CPU time a process used.

BENCH_PIN=1 in the environment pins every server to CPU 1 and redis-benchmark to CPU 0
(with taskset), so the two never share a core and the scheduler does not move them: on a
two-core machine an unpinned run's rate also depends on where they happened to land.

BENCH_SERVER_CPU=0.6 (a share of one core) runs every server in a cgroup (v1 `cpu`
controller, 10 ms periods) that lets it use no more than that: without pipelining,
redis-benchmark needs as much CPU per request as the server, so on two cores the client's
core is the one that fills, and the rate measures the client. With the servers held
below what the client needs, the rate is each server's own (needs root and
/sys/fs/cgroup/cpu)."""
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


SERVER_CPU = os.environ.get("BENCH_SERVER_CPU")
_cgroup = None


def _server_cgroup():
    """The cgroup holding servers to BENCH_SERVER_CPU of a core, made on first use and
    removed at exit; None when BENCH_SERVER_CPU is unset."""
    global _cgroup
    if SERVER_CPU is None:
        return None
    if _cgroup is None:
        import atexit
        try:
            share = float(SERVER_CPU)
        except ValueError:
            share = -1.0
        if not 0.05 <= share <= 1.0:
            sys.exit("BENCH_SERVER_CPU must be between 0.05 and 1.0")
        path = f"/sys/fs/cgroup/cpu/cairn-bench-{os.getpid()}"
        try:
            os.mkdir(path)
            with open(f"{path}/cpu.cfs_period_us", "w") as f:
                f.write("10000")
            with open(f"{path}/cpu.cfs_quota_us", "w") as f:
                f.write(str(int(share * 10000)))
        except OSError as error:
            sys.exit(f"BENCH_SERVER_CPU needs a writable cgroup v1 cpu controller: {error}")
        atexit.register(lambda: os.rmdir(path))
        _cgroup = path
    return _cgroup


def throttled_seconds():
    """How long the servers' cgroup has been held back at its quota so far (0 without one)."""
    path = _server_cgroup()
    if path is None:
        return 0.0
    for line in open(f"{path}/cpu.stat"):
        if line.startswith("throttled_time"):
            return int(line.split()[1]) / 1e9
    return 0.0


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
        cgroup = _server_cgroup()

        def enter_cgroup():
            with open(f"{cgroup}/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))

        proc = subprocess.Popen(pinned(argv(port, d), 1), cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                preexec_fn=enter_cgroup if cgroup else None)
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


class Run(tuple):
    """One redis-benchmark run: unpacks as (requests/s, server CPU µs per request), and
    says how busy each side was over the run (CPU seconds per wall second, 1.0 = one
    core). At `-P 1` a request costs redis-benchmark at least as much CPU as the server
    (each side pays the loopback TCP work of what it sends), so on a small machine the
    client's core can be the one that is full: then the rate says how fast the client is,
    and the server's CPU per request is what compares the servers."""

    def __new__(cls, rate, cpu_per_call, server_busy, client_busy, held=0.0):
        run = super().__new__(cls, (rate, cpu_per_call))
        # `held`: the share of the run the server spent stopped at its BENCH_SERVER_CPU quota.
        run.server_busy, run.client_busy, run.held = server_busy, client_busy, held
        return run


def children_cpu_seconds():
    """User plus system CPU time of this process's waited-for children so far."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def benchmark_rate(port, pid, requests, pipeline, command, clients=50, extra=()):
    """Runs redis-benchmark with `command` against `port`; returns a `Run`."""
    import re
    cpu0, client0, held0, wall0 = cpu_seconds(pid), children_cpu_seconds(), throttled_seconds(), time.monotonic()
    out = subprocess.run(pinned(["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests), "-P", str(pipeline),
                                 *extra, "-q", *command], 0), capture_output=True, text=True, timeout=900).stdout
    wall = time.monotonic() - wall0
    cpu, client = cpu_seconds(pid) - cpu0, children_cpu_seconds() - client0
    rate = float(re.findall(r"([\d.]+) requests per second", out)[-1])
    return Run(rate, cpu / requests * 1e6, cpu / wall, client / wall, (throttled_seconds() - held0) / wall)


def mean_with_interval(values):
    """The mean of `values` and the half-width of its 95% confidence interval (Student's t;
    0 for fewer than two values)."""
    import statistics
    n = len(values)
    if n < 2:
        return (values[0] if values else 0.0), 0.0
    # Two-sided 97.5% quantiles of Student's t for 1…30 degrees of freedom, then 1.96.
    t = [12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13,
         2.12, 2.11, 2.10, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04]
    quantile = t[n - 2] if n - 1 <= len(t) else 1.96
    return statistics.mean(values), quantile * statistics.stdev(values) / n ** 0.5


def compare_servers(cairn_argv, redis_argv, commands, pipelines, rounds, measure, label=str.upper):
    """For each command and pipeline depth, `rounds` alternating runs of
    `measure(argv, pipeline, command)` against each server; prints a Markdown row with
    the medians, their ratio, the median, range and mean (± its 95% confidence interval)
    of the rounds' own ratios (each round runs Cairn then Redis back to back, so a round's
    ratio is spared the machine's slower drifts), each server's CPU per call, and (for
    `Run`s) how busy the server and redis-benchmark were, as a share of one core: a client
    near 100% means the rate is the client's limit, not the server's."""
    import statistics
    if SERVER_CPU:
        print(f"servers held to {float(SERVER_CPU):.0%} of a core (BENCH_SERVER_CPU)")
    print("| command | pipeline | Cairn calls/s | Redis calls/s | Cairn/Redis | per round: median (min–max); mean ± 95% CI "
          "| CPU µs/call Cairn | Redis | busy server/client Cairn | Redis |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for command in commands:
        for pipeline in pipelines:
            res = {"cairn": [], "redis": []}
            for _ in range(rounds):
                res["cairn"].append(measure(cairn_argv, pipeline, command))
                res["redis"].append(measure(redis_argv, pipeline, command))
            c, r = median_pair(res["cairn"]), median_pair(res["redis"])
            paired = [a[0] / b[0] for a, b in zip(res["cairn"], res["redis"])]
            mean, interval = mean_with_interval(paired)

            def busy(runs):
                if not all(hasattr(run, "client_busy") for run in runs):
                    return "–"
                held = f" (held {statistics.median(run.held for run in runs):.0%})" if SERVER_CPU else ""
                return (f"{statistics.median(run.server_busy for run in runs):.0%} / "
                        f"{statistics.median(run.client_busy for run in runs):.0%}{held}")

            print(f"| {label(command)} | {pipeline} | {c[0]:,.0f} | {r[0]:,.0f} | {c[0] / r[0]:.2f} | "
                  f"{statistics.median(paired):.2f} ({min(paired):.2f}–{max(paired):.2f}); {mean:.3f} ± {interval:.3f} | {c[1]:.2f} | {r[1]:.2f} | "
                  f"{busy(res['cairn'])} | {busy(res['redis'])} |",
                  flush=True)
