#!/usr/bin/env bash
# Vault throughput (issue 4): seal + blind-index of 5-field PII records per core, against plain
# AES-256-GCM of the same bytes in the same run, for the AES and the SM4 suite.
#
#   scripts/bench-vault.sh [RECORDS]     default 200000
#   BENCH_CHECK=1 scripts/bench-vault.sh  exit 1 when the AES suite is below 0.5 of plain AES-GCM
#
# Release build, single thread; set CARGO_TARGET_DIR to keep it away from other builds.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-200000}"
cargo build --release -q -p siyu-vault --example bench_seal
cargo run --release -q -p siyu-vault --example bench_seal -- "$records"
