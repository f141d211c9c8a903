#!/usr/bin/env bash
# Import benchmark (issue 5): `siyu import customers` then `siyu import holdings` of a demo bank of N customers
# (files written by `siyu demo seed --files-only`: realistic names, valid ID numbers, mobiles, log-normal AUM, about
# 2.3 holdings a customer) into PostgreSQL — every C2 field sealed and the searchable ones blind-indexed; into the
# empty tables this is the direct first load (one transaction, indexes rebuilt at the end), the next day's file is
# staged in batches and published in one transaction — against PostgreSQL's own COPY of the same plaintext rows into plain
# tables, in the same run, on the same cluster. Prints rows/s of each, the ratio, and siyu's peak memory.
#
#   scripts/bench-import.sh [CUSTOMERS]      default 100000 (the issue's figure is for 1,000,000: pass 1000000)
#   SIYU_BENCH_BIN=path/to/siyu scripts/bench-import.sh ...   measures another build (e.g. an older one)
#   SIYU_BENCH_SEALED=0 scripts/bench-import.sh 10000000      skips the COPY of the sealed rows (for 10M: it needs
#                                                             about 30 GB more disk: the rows exported, then a copy)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROWS="${1:-100000}"
WORK="$ROOT/target/bench-import"
rm -rf "$WORK" && mkdir -p "$WORK"

if [[ -z "${SIYU_BENCH_BIN:-}" ]]; then
    cargo build --release --locked -p siyu >/dev/null 2>&1 || cargo build --release --locked -p siyu
fi
# The measured build does everything (its own migrations, the demo files), so two builds compare like for like.
BIN="${SIYU_BENCH_BIN:-$ROOT/target/release/siyu}"
GEN="$BIN"

PG="$("$ROOT/scripts/pg.sh" start)"
trap '"$ROOT/scripts/pg.sh" stop' EXIT
psql -q "$PG" -c "CREATE DATABASE siyu_bench" -c "CREATE DATABASE copy_bench"
export SIYU__DATABASE__URL="${PG%/postgres}/siyu_bench" SIYU__DATA__DIR="$WORK/data" SIYU__LOG__LEVEL=warn
"$GEN" migrate >/dev/null
python3 -c 'import secrets; print("Bench-" + secrets.token_hex(8) + "!Aa")' >"$WORK/pw"
"$GEN" admin bootstrap --username benchadmin --password-file "$WORK/pw" >/dev/null 2>&1

# The demo bank's organisation (outlets, RMs) in the database, its files (with control files) on disk.
"$GEN" demo seed --customers "$ROWS" --seed 7 --as-of 2026-11-30 --files-only --out "$WORK" >/dev/null 2>&1
CUST="$WORK/customers-$ROWS-7-2026-11-30.csv"
HOLD="$WORK/holdings-$ROWS-7-2026-11-30.csv"
HROWS=$(($(wc -l <"$HOLD") - 1))

measure() { # command... → "seconds max_rss_kib client_cpu_s postgres_cpu_s"
    # CPU is user + system time: the command's own, and the PostgreSQL cluster's (the postmaster, its live processes,
    # and every process of it that ended: backends, autovacuum workers, once the postmaster has reaped them).
    python3 - "$ROOT/target/pg/data/postmaster.pid" "$@" <<'PY'
import os, resource, subprocess, sys, time
pm = int(open(sys.argv[1]).readline())
def ticks(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0, None
    return sum(int(x) for x in f[11:15]), int(f[1])
def pg_cpu():
    total = ticks(pm)[0]
    for p in filter(str.isdigit, os.listdir("/proc")):
        t, parent = ticks(p)
        total += t if parent == pm else 0
    return total / os.sysconf("SC_CLK_TCK")
p0, t = pg_cpu(), time.perf_counter()
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
el = time.perf_counter() - t
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode()); sys.exit(1)
time.sleep(0.5)  # the command's backends end after it does; let the postmaster reap them
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{el:.3f} {u.ru_maxrss} {u.ru_utime + u.ru_stime:.2f} {pg_cpu() - p0:.2f}")
PY
}

read -r C_S C_RSS C_CPU C_PG < <(measure "$BIN" import customers "$CUST" --require-control --max-reject-share 0)
read -r H_S H_RSS H_CPU H_PG < <(measure "$BIN" import holdings "$HOLD" --require-control --max-reject-share 0)
# The next day's customers file: the same customers, 1% of them with a changed AUM (a daily T+1 snapshot).
NEXT="$WORK/customers-next.csv"
python3 - "$CUST" "$NEXT" <<'PY'
import csv, hashlib, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    header = next(r); w.writerow(header); aum = header.index("aum"); n = 0
    for i, row in enumerate(r):
        if i % 100 == 0 and row[aum]:
            row[aum] = f"{float(row[aum]) + 1:.2f}"
        w.writerow(row); n += 1
data = open(dst, "rb").read()
open(dst + ".ctl", "w").write(f"rows={n}\nsha256={hashlib.sha256(data).hexdigest()}\n")
PY
read -r N_S N_RSS < <(measure "$BIN" import customers "$NEXT" --require-control --max-reject-share 0)
rm -f "$NEXT" "$NEXT.ctl"
psql -q "${PG%/postgres}/copy_bench" -c "CREATE TABLE customers (customer_no text, name text, id_number text,
    mobile text, gender text, birth_date text, risk_level text, risk_assessed_on text, aum text, outlet_code text,
    rm_employee_no text)" -c "CREATE TABLE holdings (customer_no text, product_code text, product_name text,
    product_type text, product_risk text, amount text, start_date text, maturity_date text, next_open_date text,
    nav text, nav_date text)"
read -r CC_S _ _ CC_PG < <(measure psql -q "${PG%/postgres}/copy_bench" -c "\\copy customers FROM '$CUST' WITH (FORMAT csv, HEADER true)")
read -r CH_S _ _ CH_PG < <(measure psql -q "${PG%/postgres}/copy_bench" -c "\\copy holdings FROM '$HOLD' WITH (FORMAT csv, HEADER true)")
# What the sealed rows alone cost to write: siyu's own output (every C2 field sealed, blind indexes beside) copied
# back into plain tables of its columns, no indexes. Sealed rows are several times the size of the plaintext.
if [[ "${SIYU_BENCH_SEALED:-1}" != 0 ]]; then
    psql -q "${PG%/postgres}/siyu_bench" -c "\\copy customers TO '$WORK/sealed-customers.copy'" \
        -c "\\copy holdings TO '$WORK/sealed-holdings.copy'"
    psql -qtA "${PG%/postgres}/siyu_bench" -c "SELECT 'CREATE TABLE sealed_' || c.relname || ' (' || string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) || ');' FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE c.relname IN ('customers', 'holdings') AND c.relkind = 'r' GROUP BY c.relname" \
        | psql -q "${PG%/postgres}/copy_bench"
    read -r SC_S _ < <(measure psql -q "${PG%/postgres}/copy_bench" -c "\\copy sealed_customers FROM '$WORK/sealed-customers.copy'")
    read -r SH_S _ < <(measure psql -q "${PG%/postgres}/copy_bench" -c "\\copy sealed_holdings FROM '$WORK/sealed-holdings.copy'")
    SEALED_MB=$(du -cm "$WORK"/sealed-*.copy | tail -1 | cut -f1)
    rm -f "$WORK"/sealed-*.copy
else
    SC_S=nan SH_S=nan SEALED_MB=nan
fi
PLAIN_MB=$(du -cm "$CUST" "$HOLD" | tail -1 | cut -f1)
LOADED=$(psql -qtA "${PG%/postgres}/siyu_bench" -c "SELECT (SELECT count(*) FROM customers) || ' customers, ' || (SELECT count(*) FROM holdings) || ' holdings'")

python3 - "$ROWS" "$HROWS" "$LOADED" "$C_S" "$C_RSS" "$H_S" "$H_RSS" "$CC_S" "$CH_S" "$SC_S" "$SH_S" "$PLAIN_MB" "$SEALED_MB" "$N_S" "$C_CPU" "$C_PG" "$H_CPU" "$H_PG" "$CC_PG" "$CH_PG" "$(nproc)" <<'PY'
import sys
n, hn, loaded = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cs, crss, hs, hrss, ccs, chs, scs, shs, pmb, smb, ns, ccpu, cpg, hcpu, hpg, ccpg, chpg, cores = (float(x) for x in sys.argv[4:22])
print(f"import benchmark: {n} customers and {hn} holdings (demo bank), PostgreSQL, release build, 2-core machine")
print(f"  siyu import customers (sealed + indexed, first load):      {cs:8.2f} s {n / cs:9.0f} rows/s  peak RSS {crss / 1024:.0f} MiB")
print(f"  siyu import holdings  (sealed, first load):                  {hs:8.2f} s {hn / hs:9.0f} rows/s  peak RSS {hrss / 1024:.0f} MiB")
print(f"  PostgreSQL COPY of the same plaintext rows:                  {ccs + chs:8.2f} s {(n + hn) / (ccs + chs):9.0f} rows/s  (customers {ccs:.2f} s, holdings {chs:.2f} s)")
if scs == scs: print(f"  PostgreSQL COPY of siyu's sealed rows, plain tables:       {scs + shs:8.2f} s {(n + hn) / (scs + shs):9.0f} rows/s  (customers {scs:.2f} s, holdings {shs:.2f} s; {smb:.0f} MB vs {pmb:.0f} MB plaintext)")
print(f"  next day's customers file (1% changed; staged, unchanged rows skipped): {ns:8.2f} s {n / ns:9.0f} rows/s  ({ns / ccs:.1f}x the COPY of the day-1 file)")
print(f"  loaded: {loaded}")
print(f"  ratio: siyu takes {(cs + hs) / (ccs + chs):.1f}x the time of COPY (customers {cs / ccs:.1f}x, holdings {hs / chs:.1f}x; goal: within 2x)")
if scs == scs: print(f"  writing the sealed rows alone takes {(scs + shs) / (ccs + chs):.1f}x the plaintext COPY; siyu takes {(cs + hs) / (scs + shs):.1f}x that")
# The CPU both sides spent: on this machine's cores no schedule can finish in less than their sum over the cores.
cpu, copy_cpu = ccpu + cpg + hcpu + hpg, ccpg + chpg
print(f"  CPU (user + system): siyu {ccpu + hcpu:.1f} s + PostgreSQL {cpg + hpg:.1f} s = {cpu:.1f} s (customers {ccpu:.1f} + {cpg:.1f}, holdings {hcpu:.1f} + {hpg:.1f}); PostgreSQL's plaintext COPY {copy_cpu:.1f} s")
print(f"  CPU floor on {cores:.0f} cores: {cpu / cores:.1f} s ({cpu / cores / (ccs + chs):.1f}x the COPY): siyu's two imports cannot end sooner here even with every core busy throughout (they took {(cs + hs) / (cpu / cores):.2f}x that); the 2x goal allows {2 * (ccs + chs):.1f} s")
PY
rm -f "$CUST" "$HOLD"
