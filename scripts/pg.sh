#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, under target/pg, on a free loopback port.
#   scripts/pg.sh start   prints the URL of its maintenance database
#   scripts/pg.sh stop    stops it and removes it
# SIYU_PG_OPTS adds server settings (`-c name=value ...`), e.g. the benchmark's production-like memory and WAL.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` system user.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/target/pg"

pgbin() {
    local b
    b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$b" ] && [ -x "$b/initdb" ]; then echo "$b"; return; fi
    dirname "$(command -v initdb)"
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
    bin=$(pgbin)
    if [ -f "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1
    # fsync off: a test cluster is thrown away; speed matters more than durability here.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-h 127.0.0.1 -p $port -k $dir -F -c max_connections=300 -c shared_buffers=128MB ${SIYU_PG_OPTS:-}" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$(pgbin)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: scripts/pg.sh start|stop" >&2
    exit 2
    ;;
esac
