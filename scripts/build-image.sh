#!/usr/bin/env bash
# Builds siyu's OCI image without a container daemon:
#   1. the admin console (admin-ui, when it exists: npm ci && npm run build) and `cargo build --release -p siyu`;
#   2. a minimal root filesystem in target/image/rootfs: the binary, exactly the shared libraries ldd reports plus the
#      dynamic loader, the CA bundle, /etc/passwd and /etc/group with user siyu (10001), /var/lib/siyu owned by
#      10001, /tmp — no shell, no package manager;
#   3. an OCI image made with umoci (layout target/image/oci, tag VERSION), exported with skopeo as
#      target/image/siyu-oci.tar (oci-archive) and target/image/siyu-docker.tar (docker-archive, siyu:VERSION:
#      `docker load`, `ctr images import`, `podman load` accept it).
# Environment: SIYU_BIN=path skips the build and packs that binary instead (tests of this script);
#              VERSION overrides the version (default: the workspace version in Cargo.toml);
#              SOURCE_DATE_EPOCH fixes timestamps (default: the last commit's time).
# Needs root (to own files as 10001 in the layer). Installs umoci and skopeo with apt-get when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[build-image] %s\n' "$*" >&2; }

VERSION="${VERSION:-$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)}"
[[ -n "$VERSION" ]] || { log "cannot read the workspace version from Cargo.toml"; exit 1; }
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH
CREATED="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
IMG="$ROOT/target/image"
ROOTFS="$IMG/rootfs"
LAYOUT="$IMG/oci"

# ------------------------------------------------------------------------------------------------ tools
need=()
command -v umoci >/dev/null || need+=(umoci)
command -v skopeo >/dev/null || need+=(skopeo)
if ((${#need[@]})); then
  log "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${need[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
fi
[[ "$(id -u)" == 0 ]] || { log "run as root: the image's files must be owned by uid 10001 / 0"; exit 1; }

# ------------------------------------------------------------------------------------------------ build
if [[ -n "${SIYU_BIN:-}" ]]; then
  BIN="$SIYU_BIN"
  log "packing $BIN (SIYU_BIN set: no build)"
else
  if [[ -f admin-ui/package.json ]]; then
    log "building the admin console (npm ci && npm run build)"
    (cd admin-ui && npm ci --no-audit --no-fund && npm run build)
  else
    log "admin-ui/package.json not found: no console to build"
  fi
  log "cargo build --release -p siyu --locked"
  cargo build --release -p siyu --locked
  BIN="$ROOT/target/release/siyu"
fi
[[ -x "$BIN" ]] || { log "$BIN is not an executable"; exit 1; }

# ------------------------------------------------------------------------------------------------ rootfs
log "assembling $ROOTFS"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"/{usr/local/bin,usr/lib,usr/lib64,etc/ssl/certs,var/lib/siyu,tmp}
# Debian's merged /usr: /lib and /lib64 are links into /usr, as on the build host, so the loader path in the
# ELF header (/lib64/ld-linux-*.so.*) and the library paths ldd prints resolve the same way.
ln -s usr/lib "$ROOTFS/lib"
ln -s usr/lib64 "$ROOTFS/lib64"
install -m 0755 "$BIN" "$ROOTFS/usr/local/bin/siyu"
if command -v strip >/dev/null && [[ -z "${NO_STRIP:-}" ]]; then strip --strip-unneeded "$ROOTFS/usr/local/bin/siyu" 2>/dev/null || true; fi

# Exactly the libraries ldd reports ("name => /path (addr)") and the loader ("/path (addr)"); vdso has no file.
copied=()
while read -r line; do
  lib=""
  if [[ "$line" == *"=> /"* ]]; then lib="$(sed -E 's/.*=> (\/[^ ]+).*/\1/' <<<"$line")"
  elif [[ "$line" == /* ]]; then lib="${line%% *}"
  elif [[ "$line" == *"not found"* ]]; then log "ldd: $line"; exit 1
  fi
  [[ -n "$lib" ]] || continue
  mkdir -p "$ROOTFS$(dirname "$lib")"
  cp -L "$lib" "$ROOTFS$lib"
  copied+=("$lib")
done < <(ldd "$BIN" 2>&1 || true)
log "shared libraries: ${copied[*]:-none (static binary)}"

install -m 0644 /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
cat >"$ROOTFS/etc/passwd" <<'P'
root:x:0:0:root:/root:/sbin/nologin
siyu:x:10001:10001:siyu:/var/lib/siyu:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
P
cat >"$ROOTFS/etc/group" <<'G'
root:x:0:
siyu:x:10001:
nogroup:x:65534:
G
# glibc (2.34+) has the files and dns NSS modules built in; this tells it to use them.
cat >"$ROOTFS/etc/nsswitch.conf" <<'N'
passwd: files
group:  files
hosts:  files dns
N
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOTFS/etc/hosts"
chown 10001:10001 "$ROOTFS/var/lib/siyu"
chmod 0750 "$ROOTFS/var/lib/siyu"
chmod 1777 "$ROOTFS/tmp"
for bad in bin/sh usr/bin/sh bin/bash usr/bin/apt usr/bin/dpkg; do
  [[ ! -e "$ROOTFS/$bad" ]] || { log "refusing: $bad in the rootfs"; exit 1; }
done
find "$ROOTFS" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# ------------------------------------------------------------------------------------------------ OCI image
log "packing the OCI image siyu:$VERSION with umoci"
rm -rf "$LAYOUT" "$IMG/bundle"
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:$VERSION"
umoci unpack --image "$LAYOUT:$VERSION" "$IMG/bundle" >/dev/null
rm -rf "$IMG/bundle/rootfs"
cp -a "$ROOTFS" "$IMG/bundle/rootfs"
umoci repack --image "$LAYOUT:$VERSION" --history.created "$CREATED" --history.created_by "scripts/build-image.sh" \
  --history.comment "siyu $VERSION root filesystem" "$IMG/bundle"
label() { printf -- '--config.label=%s\n' "$1"; }
mapfile -t labels < <(
  label "org.opencontainers.image.title=siyu"
  label "org.opencontainers.image.description=siyu: a bank's private-domain (WeCom SCRM) platform, one binary"
  label "org.opencontainers.image.version=$VERSION"
  label "org.opencontainers.image.revision=$REVISION"
  label "org.opencontainers.image.created=$CREATED"
  label "org.opencontainers.image.licenses=Apache-2.0"
  label "org.opencontainers.image.vendor=siyu maintainers"
  label "org.opencontainers.image.ref.name=$VERSION"
)
umoci config --image "$LAYOUT:$VERSION" \
  --created "$CREATED" \
  --history.created "$CREATED" --history.created_by "scripts/build-image.sh" \
  --author "siyu maintainers" \
  --os linux --architecture "$(dpkg --print-architecture 2>/dev/null || echo amd64)" \
  --config.user 10001:10001 \
  --config.entrypoint /usr/local/bin/siyu --config.cmd serve \
  --config.workingdir /var/lib/siyu \
  --config.exposedports 8080/tcp \
  --config.volume /var/lib/siyu \
  --config.env SIYU__SERVER__BIND=0.0.0.0:8080 \
  --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  "${labels[@]}"
umoci gc --layout "$LAYOUT"
rm -rf "$IMG/bundle"

log "exporting archives"
rm -f "$IMG/siyu-oci.tar" "$IMG/siyu-docker.tar"
skopeo --insecure-policy copy --quiet "oci:$LAYOUT:$VERSION" "oci-archive:$IMG/siyu-oci.tar:$VERSION"
skopeo --insecure-policy copy --quiet "oci:$LAYOUT:$VERSION" "docker-archive:$IMG/siyu-docker.tar:siyu:$VERSION"
printf '%s\n' "$VERSION" >"$IMG/VERSION"
skopeo inspect --format "{{.Digest}}" "oci:$LAYOUT:$VERSION" >"$IMG/DIGEST"
log "done: $(du -h "$IMG/siyu-oci.tar" | cut -f1) oci-archive, $(du -h "$IMG/siyu-docker.tar" | cut -f1) docker-archive, $(cat "$IMG/DIGEST")"
