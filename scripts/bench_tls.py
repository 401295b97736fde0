"""TLS cost, Cairn against Debian's redis-server in the same run: redis-benchmark --tls
SET and GET (-c 50) at the pipeline depths asked, on each server's TLS port, and the same
over the plain port for the cost of TLS itself. Both without persistence (the AOF is
measured elsewhere); certificates made with openssl in a temporary directory, client
certificates not asked for. Rounds alternate between the servers; medians are reported,
with each server's CPU per request.
Usage: python3 scripts/bench_tls.py --cairn .build/release/cairn-server [--rounds 3] [--requests 200000] [--pipelines 1,16]
"""
import argparse
import subprocess
import tempfile
from pathlib import Path

from benchlib import benchmark_rate, compare_servers, free_port, served


def make_certificates(d):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=bench CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=server")
    (Path(d) / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as certs:
        make_certificates(certs)
        tls_flags = ["--tls-cert-file", f"{certs}/server.crt", "--tls-key-file", f"{certs}/server.key",
                     "--tls-ca-cert-file", f"{certs}/ca.crt", "--tls-auth-clients", "no"]
        tls_port = {}

        def cairn(port, d):
            tls_port[port] = free_port()
            return [args.cairn, "--port", str(port), "--tls-port", str(tls_port[port]), "--dir", d, "--appendonly", "no", *tls_flags]

        def redis_(port, d):
            tls_port[port] = free_port()
            return ["redis-server", "--port", str(port), "--tls-port", str(tls_port[port]), "--bind", "127.0.0.1", "--save", "",
                    "--dir", d, "--appendonly", "no", *tls_flags]

        def measure(argv, pipeline, command):
            over, name = command.split(":")
            with served(argv) as (port, proc):
                if over == "tls":
                    return benchmark_rate(tls_port[port], proc.pid, args.requests, pipeline, ["-t", name],
                                          extra=["--tls", "--cacert", f"{certs}/ca.crt"])
                return benchmark_rate(port, proc.pid, args.requests, pipeline, ["-t", name])

        print(f"redis-benchmark -c 50 -n {args.requests}, medians of {args.rounds} alternating rounds, no persistence")
        compare_servers(cairn, redis_, ["tls:set", "tls:get", "plain:set", "plain:get"],
                        [int(p) for p in args.pipelines.split(",")], args.rounds, measure,
                        label=lambda c: ("TLS " if c.startswith("tls") else "plain ") + c.split(":")[1].upper())


if __name__ == "__main__":
    main()
