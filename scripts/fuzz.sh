#!/usr/bin/env bash
# Cairn's coverage-guided fuzzers (libFuzzer, through swiftc's -sanitize=fuzzer).
#   scripts/fuzz.sh [seconds per target, default 60] [target ...]
#   CAIRN_FUZZ_RUNS=<n> scripts/fuzz.sh   n inputs per target from seed 1 instead: the
#                                         same run every time (what scripts/test.sh does)
# Targets: fuzz-request-decoder fuzz-log-reader fuzz-commands (default: all). Each starts
# from its corpus in Fuzz/Corpus/<target> and adds what it finds there; a crash is saved
# as Fuzz/Crashes/<target>/crash-* and fails the run. Add every crash to the seeded
# fuzz tests (Tests/*Fuzz*) as a regression case. CAIRN_FUZZ_JOBS runs jobs in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-request-decoder fuzz-log-reader fuzz-commands)

swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library
bin="$(swift build -c release --package-path Fuzz --show-bin-path)"
status=0
for target in "${targets[@]}"; do
    mkdir -p "Fuzz/Corpus/$target" "Fuzz/Crashes/$target"
    work="$(mktemp -d)"
    if [ -n "${CAIRN_FUZZ_RUNS:-}" ]; then
        limit=(-runs="$CAIRN_FUZZ_RUNS" -seed=1)
        echo "== $target: $CAIRN_FUZZ_RUNS inputs from seed 1"
    else
        limit=(-max_total_time="$seconds")
        echo "== $target: ${seconds}s"
    fi
    # New inputs go to a scratch directory: the committed corpus only grows by hand.
    if ! "$bin/$target" "$work" "Fuzz/Corpus/$target" "${limit[@]}" -max_len=4096 \
            -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
            -artifact_prefix="Fuzz/Crashes/$target/" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==|SUMMARY|Fatal|.*crash-)" ; then
        :
    fi
    if compgen -G "Fuzz/Crashes/$target/crash-*" > /dev/null || compgen -G "Fuzz/Crashes/$target/timeout-*" > /dev/null; then
        echo "!! $target found a crash: $(ls Fuzz/Crashes/$target)"
        status=1
    fi
    rm -rf "$work"
done
exit $status
