#!/usr/bin/env bash
# Runs every test of siyu, from a fresh clone on a new machine (it installs what it needs):
#   1. formatting (cargo fmt --check) and lints (clippy, warnings denied);
#   2. unit and integration tests on SQLite;
#   3. the same suite again on a throwaway PostgreSQL cluster (initdb under target/, a free loopback port);
#   4. the admin console: type check, Vitest, production build;
#   5. the release binary with the console embedded, and the end-to-end suite in Chromium against it;
#   6. the Helm chart checks, the OCI image built and started from its root filesystem.
# Options: --rust-only stops after step 3 (quick local runs).
# Ends with "tests: N passed, M failed" (the Rust test count) and exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR=never
# libpq tries Kerberos (GSSAPI) encryption on every TCP connection by default, and its Kerberos library can abort a
# process at exit while another thread still closes a connection (seen once: `k5_mutex_lock ... Assertion failed`
# after a successful CLI import). The throwaway cluster on loopback never uses Kerberos: tests connect without it.
export PGGSSENCMODE=disable
LOGDIR="$ROOT/target/test-logs"
mkdir -p "$LOGDIR"
RUST_ONLY=0
[[ "${1:-}" == "--rust-only" ]] && RUST_ONLY=1

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi; }

# ------------------------------------------------------------------------------------------ prerequisites
step "prerequisites"
apt_need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || apt_need+=(postgresql)
dpkg -s libpq-dev >/dev/null 2>&1 || apt_need+=(libpq-dev)
command -v npm >/dev/null || apt_need+=(nodejs npm)
command -v curl >/dev/null || apt_need+=(curl)
# The mail tests deliver to a real SMTP server on loopback: aiosmtpd, from Debian.
[[ -f /usr/lib/python3/dist-packages/aiosmtpd/__init__.py ]] || apt_need+=(python3-aiosmtpd)
if ((RUST_ONLY == 0)); then
    [[ -x /usr/bin/chromium ]] || apt_need+=(chromium)
    for t in umoci skopeo runc; do command -v "$t" >/dev/null || apt_need+=("$t"); done
fi
if ((${#apt_need[@]})); then
    echo "installing with apt-get: ${apt_need[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt_need[@]}" >/dev/null
fi
for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

# ------------------------------------------------------------------------------------------------- rust
passed=0
failed=0
count() {
    local p f
    read -r p f < <(awk '/^test result:/ { for (i = 2; i <= NF; i++) { if ($i == "passed;") p += $(i-1); if ($i == "failed;") f += $(i-1) } } END { print p + 0, f + 0 }' "$1")
    passed=$((passed + p))
    failed=$((failed + f))
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests on SQLite (vault suite AES-256-GCM with HMAC-SHA-256)"
status=0
cargo test --workspace --locked 2>&1 | tee "$LOGDIR/sqlite.log" || status=$?
count "$LOGDIR/sqlite.log"
((status == 0)) || { echo "tests on SQLite failed"; echo "tests: $passed passed, $((failed > 0 ? failed : 1)) failed"; exit 1; }

step "tests on PostgreSQL (vault suite SM4-GCM with HMAC-SM3)"
PG_URL="$("$ROOT/scripts/pg.sh" start)"
trap '"$ROOT/scripts/pg.sh" stop' EXIT
echo "throwaway cluster at ${PG_URL%/*}"
status=0
SIYU_TEST_DATABASE_URL="$PG_URL" SIYU_TEST_REQUIRE_PG=1 SIYU_TEST_VAULT_SUITE=sm4-gcm cargo test --workspace --locked 2>&1 | tee "$LOGDIR/postgres.log" || status=$?
count "$LOGDIR/postgres.log"
((status == 0)) || { echo "tests on PostgreSQL failed"; echo "tests: $passed passed, $((failed > 0 ? failed : 1)) failed"; exit 1; }

if ((RUST_ONLY == 1)); then
    echo
    echo "tests: $passed passed, $failed failed"
    exit 0
fi

# ---------------------------------------------------------------------------------------------- console
if [[ -f admin-ui/package.json ]]; then
    step "admin console: type check, unit tests, build"
    scripts/test-ui.sh
fi

step "release build (console embedded)"
cargo build --release --locked -p siyu

if [[ -f admin-ui/e2e/console.e2e.mjs ]]; then
    step "end-to-end in Chromium"
    E2E="$ROOT/target/e2e-run"
    rm -rf "$E2E" && mkdir -p "$E2E"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -c 'import secrets, string; a=string.ascii_letters+string.digits; print("E2e-" + "".join(secrets.choice(a) for _ in range(16)) + "!")' >"$E2E/admin-password"
    export SIYU__DATABASE__URL="sqlite://$E2E/siyu.db" SIYU__SERVER__BIND="127.0.0.1:$PORT" SIYU__DATA__DIR="$E2E"
    target/release/siyu migrate >/dev/null
    target/release/siyu admin bootstrap --username sysadmin1 --password-file "$E2E/admin-password" >/dev/null
    target/release/siyu serve >"$E2E/siyu.log" 2>&1 &
    SIYU_PID=$!
    trap 'kill $SIYU_PID 2>/dev/null || true; "$ROOT/scripts/pg.sh" stop' EXIT
    for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.2; done
    status=0
    SIYU_URL="http://127.0.0.1:$PORT" SIYU_ADMIN_USER=sysadmin1 SIYU_ADMIN_PASSWORD_FILE="$E2E/admin-password" \
        scripts/test-ui.sh --e2e-only || status=$?
    kill "$SIYU_PID" 2>/dev/null || true
    unset SIYU__DATABASE__URL SIYU__SERVER__BIND SIYU__DATA__DIR
    ((status == 0)) || { echo "end-to-end failed (screenshots under target/e2e/, server log $E2E/siyu.log)"; exit 1; }
fi

# ------------------------------------------------------------------------------------------- deployment
if [[ -x scripts/check-helm.sh ]]; then
    step "Helm chart checks"
    scripts/check-helm.sh
fi
if [[ -x scripts/build-image.sh && -x scripts/test-image.sh ]]; then
    step "OCI image: build and start from its root filesystem"
    SIYU_BIN="$ROOT/target/release/siyu" scripts/build-image.sh
    scripts/test-image.sh
    if [[ -x scripts/package-offline.sh && -x scripts/verify-bundle.sh ]]; then
        step "offline bundle: build and verify"
        # The chart was checked above; the script verifies the bundle it writes.
        SKIP_CHECKS=1 SIYU_BIN="$ROOT/target/release/siyu" scripts/package-offline.sh
    fi
fi

echo
echo "tests: $passed passed, $failed failed"
