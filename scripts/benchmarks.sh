#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and benches/linearity.png in one run (10 to 20 minutes on 2
# cores): builds the main benchmarks and benches/peer (oxitoken, outside the workspace), runs
# them alternately (criterion), counts instructions (callgrind, if valgrind is installed),
# runs the HTTP benchmark if there is one, draws the chart. Needs python3 and a TrueType font
# (fontconfig's `fc-match` finds one). On a shared machine: `nice -n 10 scripts/benchmarks.sh`.
# Settings (rounds, iterations, criterion options) are read from the environment: see the
# docstring of scripts/benchmarks.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/benchmarks.py
