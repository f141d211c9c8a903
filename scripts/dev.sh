#!/usr/bin/env bash
# Builds siyu (console embedded) and runs it on the embedded SQLite default at http://127.0.0.1:8080.
# On the first run it creates the system administrator `sysadmin1` with a random one-time password, kept in
# data/bootstrap-password.txt (owner-only) and printed below; it must be changed at the first login.
# Environment variables SIYU__SECTION__KEY still apply (e.g. SIYU__SERVER__BIND=0.0.0.0:8080).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
as_root() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi; }

need=()
command -v npm >/dev/null || need+=(nodejs npm)
dpkg -s libpq-dev >/dev/null 2>&1 || need+=(libpq-dev)
if ((${#need[@]})); then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [[ -f admin-ui/package.json ]]; then
    echo "==> building the console"
    (cd admin-ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
fi
echo "==> building siyu"
cargo build --release -p siyu
BIN="$ROOT/target/release/siyu"

mkdir -p data
chmod 700 data
"$BIN" migrate
PWFILE=data/bootstrap-password.txt
if [[ ! -f "$PWFILE" ]]; then
    umask 077
    python3 -c 'import secrets, string; a=string.ascii_letters+string.digits; print("Siyu-" + "".join(secrets.choice(a) for _ in range(14)) + "!")' >"$PWFILE"
    if "$BIN" admin bootstrap --username sysadmin1 --password-file "$PWFILE"; then
        echo
        echo "  First administrator created."
    else
        rm -f "$PWFILE"
        echo "  (an administrator already exists; log in with your own account)"
    fi
fi
# A small demonstration bank on the first run (synthetic customers, sealed like real data); SIYU_DEMO_CUSTOMERS=0
# skips it. The marker keeps later runs from seeding again (a re-seed would change nothing anyway).
DEMO_CUSTOMERS="${SIYU_DEMO_CUSTOMERS:-2000}"
if [[ "$DEMO_CUSTOMERS" != 0 && ! -f data/.demo-seeded ]]; then
    echo "==> seeding a demonstration bank of $DEMO_CUSTOMERS customers"
    "$BIN" demo seed --customers "$DEMO_CUSTOMERS" --seed 1 && touch data/.demo-seeded
fi
BIND="${SIYU__SERVER__BIND:-127.0.0.1:8080}"
echo
echo "  Open   http://$BIND/"
if [[ -f "$PWFILE" ]]; then
    echo "  Log in as sysadmin1 with the one-time password: $(cat "$PWFILE")"
    echo "  (kept in $PWFILE; you will set your own password and enrol an authenticator app at the first login)"
fi
echo
exec "$BIN" serve
