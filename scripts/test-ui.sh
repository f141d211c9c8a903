#!/usr/bin/env bash
# Tests the admin console (admin-ui/):
#   scripts/test-ui.sh          npm ci, type check, unit tests (Vitest), production build into admin-ui/dist/
#   scripts/test-ui.sh --e2e    the same, then the end-to-end suite in Debian's Chromium against a running siyu:
#                               SIYU_URL (default http://127.0.0.1:18080), SIYU_ADMIN_USER (default sysadmin1) and
#                               SIYU_ADMIN_PASSWORD_FILE (the bootstrap admin's password) must describe it.
#   scripts/test-ui.sh --e2e-only   only the end-to-end suite (dist/ already built and embedded).
# OPENAPI_JSON=path checks the client against that OpenAPI document too (else the committed snapshot, if any).
# Chromium is installed with apt-get in the e2e modes when /usr/bin/chromium is missing; no browser is downloaded.
# A failing e2e step leaves a screenshot under target/e2e/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UI="$ROOT/admin-ui"
log() { printf '[test-ui] %s\n' "$*" >&2; }

mode=unit
case "${1:-}" in
  "") ;;
  --e2e) mode=all ;;
  --e2e-only) mode=e2e ;;
  -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
  *) log "unknown argument: $1"; exit 2 ;;
esac

cd "$UI"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [[ $mode != e2e || ! -d node_modules ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [[ $mode != e2e ]]; then
  log "type check"
  npm run --silent typecheck
  log "unit tests"
  npm run --silent test
  log "build"
  npm run --silent build
fi

if [[ $mode == unit ]]; then
  exit 0
fi

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  log "installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
export CHROMIUM

: "${SIYU_URL:=http://127.0.0.1:18080}"
: "${SIYU_ADMIN_USER:=sysadmin1}"
export SIYU_URL SIYU_ADMIN_USER
[[ -n "${SIYU_ADMIN_PASSWORD_FILE:-}" && -r "$SIYU_ADMIN_PASSWORD_FILE" ]] || {
  log "SIYU_ADMIN_PASSWORD_FILE must name a readable file with the bootstrap admin's password"
  exit 2
}
export SIYU_ADMIN_PASSWORD_FILE
curl -fsS -o /dev/null "$SIYU_URL/readyz" || { log "siyu does not answer at $SIYU_URL/readyz"; exit 1; }

log "end-to-end against $SIYU_URL"
node e2e/console.e2e.mjs
