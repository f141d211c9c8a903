#!/usr/bin/env bash
# Proves a siyu backup can be restored and used, on a test host (never against production):
#   restores the backup into a scratch location (a copy of the SQLite file, or a new PostgreSQL database from a
#   pg_dump -Fc archive), then with the SAME keys as production:
#   `siyu migrate` (the restored schema is current or upgradable), `siyu audit verify` (the audit chain is intact
#   end to end), `siyu serve` on a free loopback port until /readyz answers 200. Drops the scratch copy afterwards.
# Usage:
#   restore-test.sh --siyu BIN --kek FILE --index-key FILE --sqlite siyu.db
#   restore-test.sh --siyu BIN --kek FILE --index-key FILE --pg-dump siyu.dump --pg-admin-url postgres://admin@testhost/postgres
# Needs python3; for PostgreSQL also psql and pg_restore. Ends with "restore: N passed, M failed".
set -euo pipefail

SIYU="" KEK="" IDX="" SQLITE="" PGDUMP="" PGADMIN=""
while (($#)); do
  case "$1" in
    --siyu) SIYU="$2"; shift 2 ;;
    --kek) KEK="$2"; shift 2 ;;
    --index-key) IDX="$2"; shift 2 ;;
    --sqlite) SQLITE="$2"; shift 2 ;;
    --pg-dump) PGDUMP="$2"; shift 2 ;;
    --pg-admin-url) PGADMIN="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$SIYU" && -f "$KEK" && -f "$IDX" ]] || { echo "need --siyu BIN, --kek FILE and --index-key FILE" >&2; exit 2; }
[[ -n "$SQLITE" || ( -n "$PGDUMP" && -n "$PGADMIN" ) ]] || { echo "need --sqlite FILE or --pg-dump FILE --pg-admin-url URL" >&2; exit 2; }

WORK="$(mktemp -d)"
PID="" SCRATCH_DB=""
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  if [[ -n "$SCRATCH_DB" ]]; then psql -q "$PGADMIN" -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\"" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
PASSED=0 FAILED=0
step() { local name="$1"; shift; if "$@" >"$WORK/step.log" 2>&1; then PASSED=$((PASSED+1)); echo "  ok   $name" >&2;
         else FAILED=$((FAILED+1)); echo "  FAIL $name" >&2; sed 's/^/       /' "$WORK/step.log" | tail -20 >&2; return 1; fi; }

mkdir -p "$WORK/data"
if [[ -n "$SQLITE" ]]; then
  cp "$SQLITE" "$WORK/data/siyu.db"
  URL="sqlite://$WORK/data/siyu.db"
  echo "restoring SQLite file $SQLITE into $WORK" >&2
else
  SCRATCH_DB="siyu_restore_test_$(date +%s)"
  step "create scratch database $SCRATCH_DB" psql -q -v ON_ERROR_STOP=1 "$PGADMIN" -c "CREATE DATABASE \"$SCRATCH_DB\""
  URL="$(python3 -c 'import sys,urllib.parse as u;p=u.urlsplit(sys.argv[1]);print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PGADMIN" "$SCRATCH_DB")"
  step "pg_restore $PGDUMP" pg_restore --no-owner --no-privileges --exit-on-error -d "$URL" "$PGDUMP"
fi
printf '%s' "$URL" >"$WORK/url"
export SIYU__MODE=production SIYU__DATABASE__URL_FILE="$WORK/url" SIYU__DATA__DIR="$WORK/data" \
       SIYU__VAULT__KEK_FILE="$KEK" SIYU__VAULT__INDEX_KEY_FILE="$IDX" SIYU__LOG__LEVEL=warn

step "siyu config check" "$SIYU" config check || true
step "siyu migrate" "$SIYU" migrate || true
step "siyu audit verify (whole chain)" "$SIYU" audit verify || true

PORT="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
SIYU__SERVER__BIND="127.0.0.1:$PORT" SIYU__DATABASE__MIGRATE_ON_START=false "$SIYU" serve >"$WORK/serve.log" 2>&1 &
PID=$!
ready() {
  for _ in $(seq 120); do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/serve.log"; return 1; }
    python3 -c 'import sys,urllib.request;sys.exit(0 if urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz",timeout=2).status==200 else 1)' "$PORT" 2>/dev/null && return 0
    sleep 0.5
  done
  tail -20 "$WORK/serve.log"; return 1
}
step "siyu serve answers /readyz 200 on the restored data" ready || true

echo "restore: $PASSED passed, $FAILED failed"
((FAILED == 0))
