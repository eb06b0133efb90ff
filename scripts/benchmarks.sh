#!/usr/bin/env bash
# Regenerates BENCHMARKS.md: criterion wall-clock medians (one run, every contender side by
# side) and callgrind instruction counts (stable under load). Needs valgrind for the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench tokens -- --noplot
bin=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')
python3 scripts/benchmarks.py "$bin" > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
