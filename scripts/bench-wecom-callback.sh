#!/usr/bin/env bash
# WeCom callbacks accepted per second (issue 6): signature check + AES-256-CBC decrypt + event parse + durable
# insert into the inbox, against the same durable insert without the crypto in the same run, on SQLite and on
# PostgreSQL (a throwaway cluster from scripts/pg.sh). Goal: the crypto costs under 20% of the insert path.
#
#   scripts/bench-wecom-callback.sh [CALLBACKS]      default 5000 of each kind per backend
#   BENCH_CHECK=1 scripts/bench-wecom-callback.sh    exit 1 when a backend misses the goal
#
# Release build, single thread, one connection. The test cluster runs with fsync off, so its inserts are cheaper
# than a production PostgreSQL's and the crypto's share there is an upper bound.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5000}"
cargo build --release -q -p siyu-app --example bench_wecom_callback
bin=target/release/examples/bench_wecom_callback

echo "== SQLite"
env -u SIYU_TEST_DATABASE_URL "$bin" "$n"

echo "== PostgreSQL"
# Reuse a cluster the caller already runs (SIYU_TEST_DATABASE_URL=postgres://…); else start and stop our own.
url="${SIYU_TEST_DATABASE_URL:-}"
if [[ "$url" != postgres* ]]; then
    url=$(scripts/pg.sh start)
    trap 'scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT
fi
SIYU_TEST_DATABASE_URL="$url" "$bin" "$n"
