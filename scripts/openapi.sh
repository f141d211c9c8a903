#!/usr/bin/env bash
# Refreshes the console's API snapshot (admin-ui/src/api/openapi.json and schema.d.ts) from the server's own
# OpenAPI document: builds siyu, starts it on a free loopback port in a scratch directory (development mode,
# SQLite), fetches /api/openapi.json and runs `npm run gen:api` on it. Run it after changing a route or its types.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build -q -p siyu
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/siyu"
WORK="$(mktemp -d)"
PID=""
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$WORK" && SIYU__SERVER__BIND="127.0.0.1:$PORT" "$BIN" migrate >/dev/null 2>&1 || true)
(cd "$WORK" && SIYU__SERVER__BIND="127.0.0.1:$PORT" exec "$BIN" serve >"$WORK/log" 2>&1) &
PID=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/api/openapi.json" -o "$WORK/openapi.json" 2>/dev/null && break
    sleep 0.2
done
[[ -s "$WORK/openapi.json" ]] || { echo "siyu did not answer; its log:" >&2; tail -20 "$WORK/log" >&2; exit 1; }
(cd admin-ui && npm run -s gen:api -- "$WORK/openapi.json")
echo "admin-ui/src/api/openapi.json and schema.d.ts refreshed"
