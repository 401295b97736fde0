#!/usr/bin/env bash
# Benchmarks Cairn against Debian's redis-server on this machine, in one run, in
# alternation, and prints requests/s for both with the ratio Cairn/Redis (medians).
# Usage: scripts/bench-vs-redis.sh [--rounds N] [--tests set,get,incr|types] [--clients 50]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cairn-server >&2
exec python3 scripts/bench_vs_redis.py --cairn "$(swift build -c release --show-bin-path)/cairn-server" "$@"
