#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) and fails on the first crash.
#
#   cargo install cargo-fuzz      # once
#   scripts/fuzz.sh 600           # ten minutes per target
#
# cargo-fuzz builds with sanitizer flags only a nightly compiler accepts; with the pinned
# stable toolchain, RUSTC_BOOTSTRAP=1 enables them for the fuzz build alone. Seeds (committed)
# are in fuzz/seeds/<target>; what libFuzzer finds goes to fuzz/corpus/<target> (ignored);
# the last lines of each run, with its execution count, go to fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-600}
targets=(${TARGETS:-verify exchange_request mapping jwks})
mkdir -p logs
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== $target for ${secs}s"
    if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$secs" -print_final_stats=1 >"logs/$target.log" 2>&1; then
        tail -n 40 "logs/$target.log"
        echo "fuzz target $target failed" >&2
        exit 1
    fi
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "logs/$target.log" || true
done
