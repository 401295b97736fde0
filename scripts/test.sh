#!/usr/bin/env bash
# Cairn's whole test suite: Swift unit tests (the seeded fuzzers among them), the
# libFuzzer targets in Fuzz/ for a fixed number of inputs, then end-to-end tests that
# start the real cairn-server (and Debian's redis-server for the differential tests) on
# free ports.
# Needs: swift, redis-server and redis-cli (Debian: redis-server, redis-tools), python3
# with pytest and redis (pip install pytest redis).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
swift test --skip-build
# Coverage-guided fuzzing, a fixed number of inputs from a fixed seed (see docs/reliability.md).
CAIRN_FUZZ_RUNS="${CAIRN_FUZZ_RUNS:-200000}" scripts/fuzz.sh
CAIRN_BIN="$(swift build --show-bin-path)/cairn-server" python3 -m pytest -q tests/
