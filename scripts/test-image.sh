#!/usr/bin/env bash
# Starts siyu from the image's unpacked root filesystem and waits for /readyz to answer 200.
#   1. takes the exported archive target/image/siyu-oci.tar (what the bank receives), copies it into a scratch
#      OCI layout with skopeo and unpacks it with umoci into an OCI runtime bundle;
#   2. checks the root filesystem: no shell, no package manager, the binary runs as uid 10001;
#   3. runs the image's own entrypoint with runc (read-only root, /tmp and a data dir for /var/lib/siyu mounted,
#      the host network so a loopback port is reachable), or, when runc cannot create containers here, with
#      chroot as uid 10001;
#   4. polls http://127.0.0.1:PORT/readyz until 200 (timeout READY_TIMEOUT, default 60 s), then stops siyu.
# Run scripts/build-image.sh first. Needs root; installs skopeo, umoci and runc with apt-get when missing.
# RUNTIME=runc|chroot forces one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[test-image] %s\n' "$*" >&2; }
IMG="$ROOT/target/image"
ARCHIVE="$IMG/siyu-oci.tar"
[[ -f "$ARCHIVE" && -f "$IMG/VERSION" ]] || { log "no $ARCHIVE: run scripts/build-image.sh first"; exit 1; }
VERSION="$(cat "$IMG/VERSION")"
READY_TIMEOUT="${READY_TIMEOUT:-60}"
[[ "$(id -u)" == 0 ]] || { log "run as root (runc / chroot)"; exit 1; }

need=()
for t in skopeo umoci runc; do command -v "$t" >/dev/null || need+=("$t"); done
if ((${#need[@]})); then
  log "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${need[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
fi

WORK="$IMG/test"
rm -rf "$WORK"
mkdir -p "$WORK/data" "$WORK/tmp"
PID=""
CTR="siyu-image-test-$$"
cleanup() {
  if [[ "${RUNNING:-}" == runc ]]; then
    runc kill "$CTR" TERM >/dev/null 2>&1 || true
    for _ in $(seq 50); do runc state "$CTR" 2>/dev/null | grep -q '"running"' || break; sleep 0.1; done
    runc kill "$CTR" KILL >/dev/null 2>&1 || true
    sleep 0.2
    runc delete -f "$CTR" >/dev/null 2>&1 || true
  fi
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null || true
  fi
  RUNNING=""
}
trap cleanup EXIT

log "unpacking $ARCHIVE ($VERSION)"
skopeo --insecure-policy copy --quiet "oci-archive:$ARCHIVE:$VERSION" "oci:$WORK/layout:test"
umoci unpack --image "$WORK/layout:test" "$WORK/bundle" >/dev/null
RFS="$WORK/bundle/rootfs"

# ----------------------------------------------------------------------------------------- static checks
fails=0
check() { if eval "$2"; then log "ok   $1"; else log "FAIL $1"; fails=$((fails + 1)); fi; }
check "siyu binary present" '[[ -x "$RFS/usr/local/bin/siyu" ]]'
check "no shell" '[[ ! -e "$RFS/bin/sh" && ! -e "$RFS/usr/bin/sh" && ! -e "$RFS/bin/bash" ]]'
check "no package manager" '[[ ! -e "$RFS/usr/bin/apt" && ! -e "$RFS/usr/bin/dpkg" && ! -e "$RFS/sbin/apk" ]]'
check "CA bundle" '[[ -s "$RFS/etc/ssl/certs/ca-certificates.crt" ]]'
check "user siyu is 10001" 'grep -q "^siyu:x:10001:10001:" "$RFS/etc/passwd"'
check "/var/lib/siyu owned by 10001" '[[ "$(stat -c %u:%g "$RFS/var/lib/siyu")" == 10001:10001 ]]'
check "image user is 10001" 'python3 -c "import json,sys;c=json.load(open(sys.argv[1]));sys.exit(0 if c[\"process\"][\"user\"][\"uid\"]==10001 else 1)" "$WORK/bundle/config.json"'
check "entrypoint is siyu serve" 'python3 -c "import json,sys;c=json.load(open(sys.argv[1]));sys.exit(0 if c[\"process\"][\"args\"]==[\"/usr/local/bin/siyu\",\"serve\"] else 1)" "$WORK/bundle/config.json"'
check "docker-archive names siyu:$VERSION" 'skopeo inspect --format "{{.Digest}}" "docker-archive:$IMG/siyu-docker.tar" >/dev/null && tar xOf "$IMG/siyu-docker.tar" manifest.json | grep "siyu:$VERSION\"" >/dev/null'
check "siyu --version runs in the rootfs" 'chroot --userspec=10001:10001 "$RFS" /usr/local/bin/siyu --version >&2'
((fails == 0)) || { log "static checks failed"; exit 1; }

# ----------------------------------------------------------------------------------------- start
PORT="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
chown 10001:10001 "$WORK/data"
chmod 1777 "$WORK/tmp"
# The bundle's config.json (made by umoci from the image config) with: the host network namespace (so the test
# reaches 127.0.0.1:PORT), a read-only root, /tmp and /var/lib/siyu mounted, no terminal, and the test's bind.
python3 - "$WORK/bundle/config.json" "$PORT" "$WORK/data" "$WORK/tmp" <<'PY'
import json, sys
path, port, data, tmp = sys.argv[1:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["env"] = [e for e in c["process"]["env"] if not e.startswith("SIYU__SERVER__BIND=")] + [
    f"SIYU__SERVER__BIND=127.0.0.1:{port}",
    "SIYU__DATABASE__URL=sqlite:///var/lib/siyu/siyu.db",
    "SIYU__DATA__DIR=/var/lib/siyu",
    "SIYU__LOG__LEVEL=info",
]
c["root"]["readonly"] = True
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] not in ("network", "user", "cgroup")]
c["linux"].pop("resources", None)
c["linux"].pop("uidMappings", None); c["linux"].pop("gidMappings", None)
c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/tmp", "/var/lib/siyu")] + [
    {"destination": "/var/lib/siyu", "type": "bind", "source": data, "options": ["rbind", "rw"]},
    {"destination": "/tmp", "type": "bind", "source": tmp, "options": ["rbind", "rw"]},
]
json.dump(c, open(path, "w"), indent=2)
PY

RUNTIME="${RUNTIME:-}"
if [[ -z "$RUNTIME" ]]; then
  if command -v runc >/dev/null; then RUNTIME=runc; else RUNTIME=chroot; fi
fi

start_runc() {
  RUNNING=runc
  runc run --bundle "$WORK/bundle" "$CTR" >"$WORK/siyu.log" 2>&1 </dev/null &
  PID=$!
}
start_chroot() {
  RUNNING=chroot
  # The same environment as the container; the data dir and /tmp are the rootfs's own (writable here).
  mapfile -t envs < <(python3 -c 'import json,sys;print("\n".join(json.load(open(sys.argv[1]))["process"]["env"]))' "$WORK/bundle/config.json")
  env -i "${envs[@]}" chroot --userspec=10001:10001 "$RFS" /usr/local/bin/siyu serve >"$WORK/siyu.log" 2>&1 &
  PID=$!
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) code=""
  while ((SECONDS < deadline)); do
    if ! kill -0 "$PID" 2>/dev/null; then log "siyu exited early:"; tail -30 "$WORK/siyu.log" >&2; return 1; fi
    code="$(python3 - "$PORT" <<'PY' 2>/dev/null || true
import sys, urllib.request
try:
    print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
)"
    [[ "$code" == 200 ]] && return 0
    sleep 0.5
  done
  log "no 200 from /readyz within ${READY_TIMEOUT}s (last: ${code:-no answer})"; tail -30 "$WORK/siyu.log" >&2
  return 1
}

log "starting siyu from the unpacked rootfs with $RUNTIME on 127.0.0.1:$PORT"
"start_$RUNTIME"
if ! wait_ready; then
  if [[ "$RUNTIME" == runc ]] && grep -qiE 'cgroup|permission|not permitted|mount|namespace|container_linux' "$WORK/siyu.log"; then
    log "runc cannot create a container here ($(head -1 "$WORK/siyu.log")); falling back to chroot"
    cleanup; PID=""
    RUNTIME=chroot; start_chroot
    wait_ready || exit 1
  else
    exit 1
  fi
fi
log "ok   /readyz answered 200 ($RUNTIME)"
cleanup; PID=""
trap - EXIT
echo "image: 1 passed, 0 failed ($RUNTIME, siyu $VERSION)"
