#!/usr/bin/env bash
# The HTTP benchmark (benches/http.rs): the same route with and without `Verified<C>`, and
# `POST /tokens` for anonymous and identity-provider exchanges, under oha on 127.0.0.1 only.
# Every run is bounded in time; the bench fails unless every response is a 200.
#
# oha (pinned in benches/http/oha.rs) is installed with `cargo install --locked` into
# <target dir>/tools the first time, or taken from OHA=<path>. Niced, so that builds beside it
# stay responsive. The last line of stdout is one JSON object (see benches/http.rs).
#
#   scripts/http_load.sh                     # 3 rounds of 5 s per scenario
#   HTTP_BENCH_SECONDS=2 HTTP_BENCH_ROUNDS=1 scripts/http_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec nice -n 10 cargo bench --bench http "$@"
