#!/usr/bin/env bash
# Writes the offline installation bundle target/dist/siyu-offline-VERSION.tar.gz, everything bank IT carries into
# the isolated network:
#   images/   siyu-VERSION-oci.tar (oci-archive), siyu-VERSION-docker.tar (docker-archive), IMAGE_DIGEST
#   chart/    siyu-VERSION.tgz (helm package) and the example value sets
#   sbom/     siyu-VERSION.cdx.json (CycloneDX 1.5: Rust crates, console npm packages, Debian libraries in the image)
#   docs/     install, configuration, operations and the rest of docs/
#   tools/    verify-bundle.sh, restore-test.sh
#   README.txt, SHA256SUMS (every other file)
# Steps: scripts/check-helm.sh (the chart must pass; SKIP_CHECKS=1 skips), scripts/build-image.sh unless the image
# archives for this version exist (REBUILD_IMAGE=1 forces; SIYU_BIN is passed through), the SBOM
# (deploy/sbom.py, validated against the CycloneDX 1.5 schema), then a reproducible tar (sorted, fixed owner and
# mtime = SOURCE_DATE_EPOCH) and scripts/verify-bundle.sh on the result.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[package-offline] %s\n' "$*" >&2; }

VERSION="${VERSION:-$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)}"
export VERSION
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH
NAME="siyu-offline-$VERSION"
DIST="$ROOT/target/dist"
STAGE="$DIST/$NAME"
TOOLS="$ROOT/target/tools"

# --------------------------------------------------------------------------------------------- chart checks
if [[ -z "${SKIP_CHECKS:-}" ]]; then
  log "checking the chart (scripts/check-helm.sh)"
  bash scripts/check-helm.sh >&2
else
  log "SKIP_CHECKS set: not running scripts/check-helm.sh (tools are still installed)"
  # check-helm.sh installs helm on its first run; make sure it exists without running the checks.
  [[ -x "$TOOLS/bin/helm" ]] || bash scripts/check-helm.sh >&2
fi
HELM="$TOOLS/bin/helm"
export HELM_CACHE_HOME="$TOOLS/helm/cache" HELM_CONFIG_HOME="$TOOLS/helm/config" HELM_DATA_HOME="$TOOLS/helm/data"

# --------------------------------------------------------------------------------------------- image
IMG="$ROOT/target/image"
if [[ -n "${REBUILD_IMAGE:-}" || ! -f "$IMG/siyu-oci.tar" || ! -f "$IMG/siyu-docker.tar" \
      || "$(cat "$IMG/VERSION" 2>/dev/null)" != "$VERSION" ]]; then
  log "building the image (scripts/build-image.sh)"
  bash scripts/build-image.sh
else
  log "using the image archives in $IMG (REBUILD_IMAGE=1 rebuilds)"
fi

# --------------------------------------------------------------------------------------------- stage
rm -rf "$STAGE"
mkdir -p "$STAGE"/{images,chart/values-examples,sbom,docs,tools}
cp "$IMG/siyu-oci.tar" "$STAGE/images/siyu-$VERSION-oci.tar"
cp "$IMG/siyu-docker.tar" "$STAGE/images/siyu-$VERSION-docker.tar"
cp "$IMG/DIGEST" "$STAGE/images/IMAGE_DIGEST"

log "packaging the chart"
"$HELM" package helm/siyu --version "$VERSION" --app-version "$VERSION" -d "$STAGE/chart" >/dev/null
cp helm/siyu/ci/*-values.yaml "$STAGE/chart/values-examples/"

log "writing the SBOM (deploy/sbom.py)"
python3 deploy/sbom.py --version "$VERSION" --rootfs "$IMG/rootfs" >"$STAGE/sbom/siyu-$VERSION.cdx.json"
if [[ -x "$TOOLS/venv/bin/python" ]] && "$TOOLS/venv/bin/python" -c 'import cyclonedx.validation.json' 2>/dev/null; then
  "$TOOLS/venv/bin/python" - "$STAGE/sbom/siyu-$VERSION.cdx.json" <<'PY'
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
err = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())
if err:
    sys.exit(f"SBOM is not valid CycloneDX 1.5: {err}")
print("[package-offline] SBOM valid against the CycloneDX 1.5 JSON schema", file=sys.stderr)
PY
else
  log "cyclonedx-python-lib not installed: SBOM not schema-validated (run scripts/check-helm.sh once)"
fi

cp docs/*.md "$STAGE/docs/"
cp scripts/verify-bundle.sh "$STAGE/tools/"
[[ -f deploy/backup/restore-test.sh ]] && cp deploy/backup/restore-test.sh "$STAGE/tools/"
chmod 0755 "$STAGE"/tools/*.sh

cat >"$STAGE/README.txt" <<TXT
siyu $VERSION — offline installation bundle

  images/siyu-$VERSION-oci.tar      OCI image archive   (skopeo copy oci-archive:…  docker://REGISTRY/siyu/siyu:$VERSION)
  images/siyu-$VERSION-docker.tar   docker-archive      (docker load -i …  /  ctr -n k8s.io images import …)
  images/IMAGE_DIGEST               the image manifest digest (pin it: image.digest in the chart values)
  chart/siyu-$VERSION.tgz           Helm chart; chart/values-examples/ has SQLite pilot, PostgreSQL HA, ingress, netpol, connectors
  sbom/siyu-$VERSION.cdx.json       CycloneDX 1.5 software bill of materials
  docs/                             install.md (start here), configuration.md, operations.md
  tools/verify-bundle.sh            checks this bundle: sha256 sums and structure
  SHA256SUMS                        sha256 of every file above

First: tools/verify-bundle.sh siyu-offline-$VERSION.tar.gz   (or, unpacked: cd siyu-offline-$VERSION && sha256sum -c SHA256SUMS)
TXT

(cd "$STAGE" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum >SHA256SUMS)

# --------------------------------------------------------------------------------------------- tar
OUTFILE="$DIST/$NAME.tar.gz"
rm -f "$OUTFILE" "$OUTFILE.sha256"
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -C "$DIST" -cf - "$NAME" | gzip -n -9 >"$OUTFILE"
(cd "$DIST" && sha256sum "$NAME.tar.gz" >"$NAME.tar.gz.sha256")
rm -rf "$STAGE"
log "wrote $OUTFILE ($(du -h "$OUTFILE" | cut -f1))"

bash scripts/verify-bundle.sh "$OUTFILE"
