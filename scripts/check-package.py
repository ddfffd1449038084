#!/usr/bin/env python3
"""Checks the file list of the published crate (run after `cargo package -p keyledger`, which builds it).

    python3 scripts/check-package.py [PACKAGE]       (default: keyledger)

- the files a user needs are in it: Cargo.toml, README.md, CHANGELOG.md, LICENSE-MIT, LICENSE-APACHE,
  src/lib.rs;
- nothing only the repository needs is: tests/, benches/, fuzz/, fixtures, proptest regressions;
- every file that a source file of the package names in `include_str!` / `include_bytes!` (in code or
  in a doctest of a doc comment) is in the package too: `cargo package`'s verification builds the
  library, but not its doctests, so a doctest reading a file the package leaves out would only fail
  for users running `cargo test` on the published crate.

Prints one result line and exits 1 on any failure.
"""

import json
import os
import posixpath
import re
import subprocess
import sys

NEEDED = ["Cargo.toml", "README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE", "src/lib.rs"]
UNWANTED = re.compile(r"^(tests|benches|fuzz|examples|proptest-regressions)/|fixtures/|\.proptest-regressions$")
INCLUDE = re.compile(r'include_(?:str|bytes)!\s*\(\s*"([^"]+)"\s*\)')


def main():
    package = sys.argv[1] if len(sys.argv) > 1 else "keyledger"
    listed = subprocess.run(
        ["cargo", "package", "-p", package, "--allow-dirty", "--list"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    files = set(listed)
    problems = [f"missing: {f}" for f in NEEDED if f not in files]
    problems += [f"not needed by a user: {f}" for f in sorted(files) if UNWANTED.search(f)]

    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                          check=True, capture_output=True, text=True).stdout
    manifest = next(p["manifest_path"] for p in json.loads(meta)["packages"] if p["name"] == package)
    root = os.path.dirname(manifest)
    includes = 0
    for f in sorted(files):
        if not f.endswith(".rs"):
            continue
        with open(os.path.join(root, f), encoding="utf-8") as src:
            text = src.read()
        for target in INCLUDE.findall(text):
            includes += 1
            path = posixpath.normpath(posixpath.join(posixpath.dirname(f), target))
            if path not in files:
                problems.append(f"{f} includes {target} ({path}), which the package leaves out")

    for p in problems:
        print(f"  {p}")
    status = "ok" if not problems else "FAILED"
    print(f"package {package}: {len(files)} files, {includes} include_str!/include_bytes! resolved, "
          f"{len(problems)} problems ... {status}")
    sys.exit(0 if not problems else 1)


if __name__ == "__main__":
    main()
