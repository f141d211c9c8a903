#!/usr/bin/env python3
"""Offline checks of manifests rendered by `helm template` (called by scripts/check-helm.sh).

For every document in every file given:
  * validate it against the Kubernetes JSON schemas shipped in the `kubernetes-validate` package (strict: unknown
    fields are errors), for each Kubernetes version in --k8s; kinds outside Kubernetes (ServiceMonitor) against the
    schemas in deploy/schemas/; a kind with no schema at all is an error;
  * refuse any Secret that carries values (data / stringData): the chart only references Secrets by name;
  * check the invariants the bank relies on: every pod runs as uid 10001, non-root, read-only root filesystem,
    no privilege escalation, all capabilities dropped, seccomp RuntimeDefault, CPU and memory limits, and no
    environment variable that holds a literal secret.
Prints one line per file and exits non-zero on the first file with a problem (after reporting all of them).
"""
import argparse
import json
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

HERE = pathlib.Path(__file__).resolve().parent
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): HERE / "schemas" / "monitoring.coreos.com_v1_servicemonitor.json",
}
SECRETISH_ENV = re.compile(r"(PASSWORD|SECRET|TOKEN|KEK|KEY|URL)$")


def pod_spec(doc):
    kind = doc.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        return doc["spec"]["template"]["spec"]
    if kind == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind == "Pod":
        return doc["spec"]
    return None


def check_pod(name, spec):
    problems = []
    psc = spec.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        problems.append(f"{name}: pod securityContext.runAsNonRoot is not true")
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append(f"{name}: pod seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{name}: automountServiceAccountToken is not false")
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        cn = f"{name}/{c['name']}"
        sc = c.get("securityContext") or {}
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        if uid != 10001:
            problems.append(f"{cn}: runs as uid {uid}, expected 10001")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{cn}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{cn}: allowPrivilegeEscalation is not false")
        if (sc.get("capabilities") or {}).get("drop") != ["ALL"]:
            problems.append(f"{cn}: capabilities.drop is not [ALL]")
        if sc.get("privileged"):
            problems.append(f"{cn}: privileged")
        limits = (c.get("resources") or {}).get("limits") or {}
        for r in ("cpu", "memory"):
            if r not in limits:
                problems.append(f"{cn}: no {r} limit")
        for e in c.get("env") or []:
            n = e.get("name", "")
            literal = e.get("value", "")
            # A SQLite URL names a file and holds no credentials; any other URL may carry a password.
            if "value" in e and SECRETISH_ENV.search(n) and not n.endswith("_FILE") and not literal.startswith("sqlite://"):
                problems.append(f"{cn}: env {n} carries a literal value that looks like a secret; mount it as a file")
        mounts = {m["mountPath"] for m in c.get("volumeMounts") or []}
        if "/tmp" not in mounts:
            problems.append(f"{cn}: no writable /tmp mount (the root filesystem is read-only)")
    return problems


def check_doc(doc, versions):
    problems = []
    kind, api = doc.get("kind"), doc.get("apiVersion")
    name = f"{kind}/{(doc.get('metadata') or {}).get('name')}"
    crd = CRD_SCHEMAS.get((api, kind))
    if crd:
        try:
            jsonschema.validate(doc, json.loads(crd.read_text()))
        except jsonschema.ValidationError as e:
            problems.append(f"{name}: {api} schema: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    else:
        for v in versions:
            try:
                kubernetes_validate.validate(doc, v, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = "/".join(map(str, e.path))
                problems.append(f"{name}: Kubernetes {v} schema: {path}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{name}: no schema for {api} {kind} in Kubernetes {v}")
    if kind == "Secret" and (doc.get("data") or doc.get("stringData")):
        problems.append(f"{name}: the chart rendered a Secret with values; secrets must be referenced by name only")
    if (doc.get("metadata") or {}).get("namespace") in (None, "", "default"):
        problems.append(f"{name}: no explicit non-default namespace")
    spec = pod_spec(doc)
    if spec is not None:
        problems += check_pod(name, spec)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k8s", default="1.25.0,1.30.0,1.35.0", help="comma-separated Kubernetes versions")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    versions = [v for v in a.k8s.split(",") if v]
    failed = 0
    for f in a.files:
        docs = [d for d in yaml.safe_load_all(pathlib.Path(f).read_text()) if d]
        problems = []
        for d in docs:
            problems += check_doc(d, versions)
        kinds = ",".join(sorted({d["kind"] for d in docs}))
        if problems:
            failed += 1
            print(f"FAIL {f}: {len(docs)} manifests ({kinds})")
            for p in problems:
                print(f"  - {p}")
        else:
            print(f"ok   {f}: {len(docs)} manifests valid for Kubernetes {', '.join(versions)} ({kinds})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
