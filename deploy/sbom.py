#!/usr/bin/env python3
"""Writes a CycloneDX 1.5 JSON SBOM of what ships in the siyu image (called by scripts/package-offline.sh).

Components, each with a package URL (purl) so the bank's vulnerability scanner can match them:
  * the Rust crates compiled into the `siyu` binary: `cargo metadata --locked` for the target platform, walked from
    the siyu package through normal dependencies only (dev- and build-dependencies are not in the binary);
  * the npm packages of the embedded admin console: admin-ui/package-lock.json, production packages only;
  * the Debian packages that own the shared libraries copied into the image (dpkg -S on the rootfs's files).
Why not `cargo cyclonedx`: it covers the Rust crates only, and installing it means compiling it from source for
several minutes on every fresh machine; this script needs nothing beyond Python and cargo, and covers all three.
Usage: sbom.py --version V [--rootfs DIR] [--target TRIPLE] > sbom.cdx.json
"""
import argparse
import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent


def purl_cargo(name, version):
    return f"pkg:cargo/{name}@{version}"


def purl_npm(name, version):
    if name.startswith("@"):
        scope, n = name[1:].split("/", 1)
        return f"pkg:npm/%40{scope}/{n}@{version}"
    return f"pkg:npm/{name}@{version}"


def license_entry(expr):
    if not expr:
        return []
    expr = expr.replace("/", " OR ")
    return [{"expression": expr}]


def cargo_components(target):
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", target], cwd=ROOT))
    pkgs = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(p["id"] for p in meta["packages"] if p["name"] == "siyu" and p["source"] is None)
    seen, stack, deps = set(), [root], {}
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        mine = []
        for d in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in d["dep_kinds"]):
                mine.append(d["pkg"])
                stack.append(d["pkg"])
        deps[pid] = mine
    comps, refs = [], {}
    for pid in sorted(seen, key=lambda i: (pkgs[i]["name"], pkgs[i]["version"])):
        p = pkgs[pid]
        ref = purl_cargo(p["name"], p["version"])
        refs[pid] = ref
        if pid == root:
            continue
        c = {"type": "library", "bom-ref": ref, "name": p["name"], "version": p["version"], "purl": ref,
             "scope": "required"}
        if p.get("description"):
            c["description"] = " ".join(p["description"].split())
        c["licenses"] = license_entry(p.get("license"))
        if not c["licenses"]:
            del c["licenses"]
        if p["source"] is None:
            c["properties"] = [{"name": "siyu:source", "value": "workspace"}]
        elif p.get("repository"):
            c["externalReferences"] = [{"type": "vcs", "url": p["repository"]}]
        comps.append(c)
    dependencies = [{"ref": refs[pid], "dependsOn": sorted({refs[d] for d in ds})} for pid, ds in sorted(deps.items())]
    return comps, dependencies, refs[root]


def npm_components():
    lock = ROOT / "admin-ui" / "package-lock.json"
    if not lock.is_file():
        return []
    data = json.loads(lock.read_text())
    comps, seen = [], set()
    for path, p in sorted(data.get("packages", {}).items()):
        if not path or p.get("dev") or p.get("devOptional") or p.get("link"):
            continue
        name = p.get("name") or path.rsplit("node_modules/", 1)[-1]
        version = p.get("version")
        if not version or (name, version) in seen:
            continue
        seen.add((name, version))
        ref = purl_npm(name, version)
        c = {"type": "library", "bom-ref": ref, "name": name, "version": version, "purl": ref, "scope": "required",
             "properties": [{"name": "siyu:embedded-in", "value": "admin console (admin-ui/dist)"}]}
        if p.get("license"):
            c["licenses"] = license_entry(p["license"])
        m = re.match(r"sha512-(.+)", p.get("integrity", ""))
        if m:
            import base64
            c["hashes"] = [{"alg": "SHA-512", "content": base64.b64decode(m.group(1)).hex()}]
        comps.append(c)
    return comps


def debian_components(rootfs):
    if not rootfs:
        return []
    found = {}
    for f in pathlib.Path(rootfs).rglob("*"):
        if not (f.is_file() and not f.is_symlink()):
            continue
        rel = "/" + str(f.relative_to(rootfs))
        if rel.startswith("/usr/local/") or rel.startswith("/etc/passwd") or rel.startswith("/etc/group"):
            continue
        candidates = [rel, rel.replace("/usr/lib/", "/lib/", 1), rel.replace("/usr/lib64/", "/lib64/", 1)]
        for cand in candidates:
            r = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
            if r.returncode == 0:
                pkg = r.stdout.split(":")[0].strip()
                arch = r.stdout.split(":")[1].split()[0] if r.stdout.count(":") > 1 else ""
                found.setdefault(pkg + (":" + arch if arch else ""), []).append(rel)
                break
    # The CA bundle is generated by the ca-certificates package (update-ca-certificates), so dpkg -S misses it.
    if (pathlib.Path(rootfs) / "etc/ssl/certs/ca-certificates.crt").is_file():
        found.setdefault("ca-certificates", []).append("/etc/ssl/certs/ca-certificates.crt")
    comps = []
    for key, files in sorted(found.items()):
        pkg = key.split(":")[0]
        q = subprocess.run(["dpkg-query", "-W", "-f", "${Version}\t${Architecture}\t${source:Package}", pkg],
                           capture_output=True, text=True)
        if q.returncode != 0:
            continue
        version, arch, source = q.stdout.split("\t")
        purl = f"pkg:deb/debian/{pkg}@{urllib.parse.quote(version, safe='.+~-')}?arch={arch}"
        comps.append({"type": "library", "bom-ref": purl, "name": pkg, "version": version, "purl": purl,
                      "scope": "required",
                      "properties": [{"name": "siyu:debian-source", "value": source},
                                     {"name": "siyu:files", "value": " ".join(sorted(files))}]})
    return comps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--rootfs")
    ap.add_argument("--target", default="x86_64-unknown-linux-gnu")
    a = ap.parse_args()
    cargo, dependencies, root_ref = cargo_components(a.target)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or int(datetime.datetime.now().timestamp())
    ts = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'siyu/{a.version}/{epoch}')}",
        "version": 1,
        "metadata": {
            "timestamp": ts,
            "tools": {"components": [{"type": "application", "name": "siyu deploy/sbom.py", "version": a.version}]},
            "component": {"type": "container", "bom-ref": root_ref, "name": "siyu", "version": a.version,
                          "purl": f"pkg:oci/siyu@{a.version}", "licenses": [{"expression": "Apache-2.0"}],
                          "description": "siyu image: the siyu binary (Rust), its embedded console and shared libraries"},
        },
        "components": cargo + npm_components() + debian_components(a.rootfs),
        "dependencies": dependencies,
    }
    json.dump(bom, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
