#!/usr/bin/env bash
# Import benchmark (issue 5): `siyu import customers` of N generated rows into PostgreSQL — every C2 field sealed
# and the searchable ones blind-indexed, staged in batches and published in one transaction — against
# PostgreSQL's own COPY of the same plaintext rows into a plain table, in the same run, on the same cluster.
# Prints rows/s of each, the ratio, and siyu's peak memory.
#
#   scripts/bench-import.sh [ROWS]      default 100000 (the issue's figure is for 1,000,000: pass 1000000)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROWS="${1:-100000}"
WORK="$ROOT/target/bench-import"
rm -rf "$WORK" && mkdir -p "$WORK"

cargo build --release --locked -p siyu >/dev/null 2>&1 || cargo build --release --locked -p siyu
BIN="$ROOT/target/release/siyu"

PG="$("$ROOT/scripts/pg.sh" start)"
trap '"$ROOT/scripts/pg.sh" stop' EXIT
psql -q "$PG" -c "CREATE DATABASE siyu_bench" -c "CREATE DATABASE copy_bench"
export SIYU__DATABASE__URL="${PG%/postgres}/siyu_bench" SIYU__DATA__DIR="$WORK/data" SIYU__LOG__LEVEL=warn
"$BIN" migrate >/dev/null
python3 -c 'import secrets; print("Bench-" + secrets.token_hex(8) + "!Aa")' >"$WORK/pw"
"$BIN" admin bootstrap --username benchadmin --password-file "$WORK/pw" >/dev/null 2>&1

# Realistic rows: valid ID numbers (GB 11643 check digit), mobiles, Chinese names, amounts.
python3 - "$ROWS" >"$WORK/customers.csv" <<'PY'
import random, sys
n = int(sys.argv[1]); random.seed(7)
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
sur = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"; giv = "伟芳娜敏静磊洋勇艳杰娟涛明超秀英华玲"
print("customer_no,name,id_number,mobile,gender,birth_date,risk_level,risk_assessed_on,aum,outlet_code,rm_employee_no")
out = []
for i in range(n):
    y, m, d = 1950 + i % 55, 1 + i % 12, 1 + i % 28
    body = f"110105{y}{m:02}{d:02}{i % 1000:03}"
    idn = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]
    name = random.choice(sur) + random.choice(giv) + (random.choice(giv) if i % 3 else "")
    out.append(f"CN{i:010},{name},{idn},13{i % 10}{i:08}" + f",{'M' if i % 2 else 'F'},{y}-{m:02}-{d:02},C{1 + i % 5},2026-01-01,{random.lognormvariate(11, 1.5):.2f},HQ,")
    if len(out) >= 10000:
        print("\n".join(out)); out = []
if out:
    print("\n".join(out))
PY

measure() { # command... → "seconds max_rss_kib"
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
el = time.perf_counter() - t
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode()); sys.exit(1)
print(f"{el:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

read -r SIYU_S SIYU_RSS < <(measure "$BIN" import customers "$WORK/customers.csv" --max-reject-share 0)
psql -q "${PG%/postgres}/copy_bench" -c "CREATE TABLE plain (customer_no text, name text, id_number text, mobile text,
    gender text, birth_date text, risk_level text, risk_assessed_on text, aum text, outlet_code text, rm_employee_no text)"
read -r COPY_S _ < <(measure psql -q "${PG%/postgres}/copy_bench" -c "\\copy plain FROM '$WORK/customers.csv' WITH (FORMAT csv, HEADER true)")
LOADED=$(psql -qtA "${PG%/postgres}/siyu_bench" -c "SELECT count(*) FROM customers")

python3 - "$ROWS" "$LOADED" "$SIYU_S" "$SIYU_RSS" "$COPY_S" <<'PY'
import sys
rows, loaded, s, rss, c = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"import benchmark: {rows} customer rows, PostgreSQL, release build, 2-core machine")
print(f"  siyu import (sealed + blind-indexed, staged, published): {s:8.2f} s  {rows / s:10.0f} rows/s  peak RSS {rss / 1024:.0f} MiB  ({loaded} loaded)")
print(f"  PostgreSQL COPY of the same plaintext rows:              {c:8.2f} s  {rows / c:10.0f} rows/s")
print(f"  ratio: siyu takes {s / c:.1f}x the time of COPY (goal: within 2x)")
PY
rm -f "$WORK/customers.csv"
