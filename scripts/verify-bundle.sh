#!/usr/bin/env bash
# Verifies an offline bundle written by scripts/package-offline.sh, on the build side or by bank IT on arrival:
#   the outer .sha256 (when beside it), SHA256SUMS of every file, that every file is listed and every listed file
#   exists, the expected structure, the OCI archive's layout, the docker-archive's tag, the chart archive and the
#   SBOM's format. Needs only bash, coreutils, tar, gzip and python3 (no network, no registry).
# Usage: verify-bundle.sh target/dist/siyu-offline-VERSION.tar.gz      Ends with "bundle: N passed, M failed".
set -euo pipefail

BUNDLE="${1:?usage: verify-bundle.sh siyu-offline-VERSION.tar.gz}"
[[ -f "$BUNDLE" ]] || { echo "no such file: $BUNDLE" >&2; exit 1; }
BUNDLE="$(cd "$(dirname "$BUNDLE")" && pwd)/$(basename "$BUNDLE")"
NAME="$(basename "$BUNDLE" .tar.gz)"
VERSION="${NAME#siyu-offline-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "  ok   $1" >&2; }
bad() { FAILED=$((FAILED + 1)); echo "  FAIL $1" >&2; }
check() { if eval "$2" >/dev/null 2>&1; then ok "$1"; else bad "$1"; fi; }

if [[ -f "$BUNDLE.sha256" ]]; then
  check "outer checksum ($NAME.tar.gz.sha256)" '(cd "$(dirname "$BUNDLE")" && sha256sum -c --quiet "$(basename "$BUNDLE").sha256")'
fi
tar -xzf "$BUNDLE" -C "$WORK"
B="$WORK/$NAME"
check "bundle unpacks to $NAME/" '[[ -d "$B" ]]'
[[ -d "$B" ]] || { echo "bundle: $PASSED passed, $((FAILED)) failed"; exit 1; }
check "tar members are plain files and directories inside $NAME/" \
  '! tar -tvzf "$BUNDLE" | grep -vE "^[-d]" && ! tar -tzf "$BUNDLE" | grep -vE "^$NAME/" && ! tar -tzf "$BUNDLE" | grep -F ".."'

check "SHA256SUMS verifies" '(cd "$B" && sha256sum -c --quiet --strict SHA256SUMS)'
check "every file is listed in SHA256SUMS" \
  'diff <(cd "$B" && find . -type f ! -name SHA256SUMS -printf "%P\n" | LC_ALL=C sort) <(sed -E "s/^[0-9a-f]{64}  //" "$B/SHA256SUMS" | LC_ALL=C sort)'

for f in README.txt images/siyu-$VERSION-oci.tar images/siyu-$VERSION-docker.tar images/IMAGE_DIGEST \
         chart/siyu-$VERSION.tgz sbom/siyu-$VERSION.cdx.json docs/install.md docs/configuration.md \
         docs/operations.md tools/verify-bundle.sh; do
  check "present: $f" '[[ -s "$B/$f" ]]'
done
check "example value sets" 'ls "$B"/chart/values-examples/*-values.yaml'

check "OCI archive: oci-layout, index.json, tag $VERSION" \
  'tar -xOf "$B/images/siyu-$VERSION-oci.tar" oci-layout | grep imageLayoutVersion >/dev/null &&
   tar -xOf "$B/images/siyu-$VERSION-oci.tar" index.json | python3 -c "import json,sys;i=json.load(sys.stdin);sys.exit(0 if any(m.get(\"annotations\",{}).get(\"org.opencontainers.image.ref.name\")==sys.argv[1] for m in i[\"manifests\"]) else 1)" "$VERSION"'
check "OCI archive: manifest digest matches IMAGE_DIGEST" \
  'd="$(tar -xOf "$B/images/siyu-$VERSION-oci.tar" index.json | python3 -c "import json,sys;print(json.load(sys.stdin)[\"manifests\"][0][\"digest\"])")"; [[ "$d" == "$(tr -d "[:space:]" <"$B/images/IMAGE_DIGEST")" ]] && tar -tf "$B/images/siyu-$VERSION-oci.tar" | grep -x "blobs/sha256/${d#sha256:}" >/dev/null'
check "docker-archive: manifest.json tags siyu:$VERSION" \
  'tar -xOf "$B/images/siyu-$VERSION-docker.tar" manifest.json | python3 -c "import json,sys;m=json.load(sys.stdin);sys.exit(0 if any(t.endswith(\"siyu:\"+sys.argv[1]) for e in m for t in e[\"RepoTags\"]) else 1)" "$VERSION"'
check "chart archive: siyu/Chart.yaml at version $VERSION, values.schema.json" \
  'tar -xzOf "$B/chart/siyu-$VERSION.tgz" siyu/Chart.yaml | grep -x "version: $VERSION" >/dev/null && tar -tzf "$B/chart/siyu-$VERSION.tgz" | grep -x siyu/values.schema.json >/dev/null'
check "SBOM: CycloneDX 1.5 JSON with components" \
  'python3 -c "import json,sys;b=json.load(open(sys.argv[1]));sys.exit(0 if b[\"bomFormat\"]==\"CycloneDX\" and b[\"specVersion\"]==\"1.5\" and len(b[\"components\"])>0 else 1)" "$B/sbom/siyu-$VERSION.cdx.json"'

echo "bundle: $PASSED passed, $FAILED failed"
((FAILED == 0))
