#!/usr/bin/env python3
"""Checks that a published crate's `rust-version` is true for its dependencies.

    python3 scripts/check-msrv.py [PACKAGE ...]      (default: keyledger)

Only one Rust toolchain is installed where the tests run, so the crate cannot be built with the
toolchain it declares. This checks the other half of the claim instead: every crate that building
PACKAGE compiles (normal and build dependencies, with the features PACKAGE alone enables, for every
target platform, as `cargo tree -p PACKAGE -e normal,build --target all` resolves them from
Cargo.lock) must declare a `rust-version` no higher than PACKAGE's own. Dependencies that declare no
`rust-version` are listed, not judged. The crate's own code is checked by clippy's `incompatible_msrv`
lint (denied in core/Cargo.toml), which flags standard-library items stabilised after `rust-version`.

Prints one result line per package (`msrv keyledger ... ok` / `FAILED`) and exits 1 on any failure.
"""

import json
import subprocess
import sys


def ver(text):
    """'1.85' / '1.85.0' -> (1, 85, 0)."""
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def cargo(*args):
    return subprocess.run(["cargo", *args], check=True, capture_output=True, text=True).stdout


def check(package, declared_by):
    own = [p for p in declared_by if p[0] == package and p[2]]
    if not own:
        print(f"msrv {package} ... FAILED: {package} declares no rust-version")
        return False
    msrv_text = own[0][3]
    if msrv_text is None:
        print(f"msrv {package} ... FAILED: {package} declares no rust-version")
        return False
    msrv = ver(msrv_text)

    tree = cargo("tree", "-p", package, "-e", "normal,build", "--target", "all",
                 "--prefix", "none", "-f", "{p}")
    deps = set()
    for line in tree.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1].startswith("v"):
            deps.add((fields[0], fields[1][1:]))
    deps.discard((package, own[0][1]))

    by_id = {(name, version): rv for name, version, _, rv in declared_by}
    above, undeclared, highest = [], [], None
    for name, version in sorted(deps):
        rv = by_id.get((name, version))
        if rv is None:
            undeclared.append(f"{name} {version}")
            continue
        if highest is None or ver(rv) > ver(highest[2]):
            highest = (name, version, rv)
        if ver(rv) > msrv:
            above.append(f"{name} {version} needs {rv}")

    for line in above:
        print(f"  above {package}'s rust-version {msrv_text}: {line}")
    if undeclared:
        print(f"  no rust-version declared (not judged): {', '.join(undeclared)}")
    floor = f"{highest[0]} {highest[1]} needs {highest[2]}" if highest else "none declared"
    status = "ok" if not above else "FAILED"
    print(f"msrv {package} (rust-version {msrv_text}): {len(deps)} dependencies checked, "
          f"{len(above)} above it, highest: {floor} ... {status}")
    return not above


def main():
    packages = sys.argv[1:] or ["keyledger"]
    meta = json.loads(cargo("metadata", "--format-version", "1"))
    members = set(meta["workspace_members"])
    declared_by = [(p["name"], p["version"], p["id"] in members, p.get("rust_version"))
                   for p in meta["packages"]]
    results = [check(p, declared_by) for p in packages]
    passed = sum(results)
    print(f"msrv check: {passed} passed; {len(results) - passed} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
