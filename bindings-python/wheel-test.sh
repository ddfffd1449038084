#!/usr/bin/env bash
# Builds the abi3 wheel (`maturin build --release --zig`: linked against glibc 2.17 by zig, so the
# wheel is tagged manylinux2014 / manylinux_2_17, the widest tag its glibc symbols allow), checks its
# tag, its glibc symbol versions and its metadata (licence texts, README, extras), installs it into a
# fresh virtualenv (not the development one) and runs the Python walk-through with it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$VENV/bin/python" -m pip show -q ziglang >/dev/null 2>&1 || "$VENV/bin/python" -m pip install -q ziglang
(cd bindings-python && PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" build --release --quiet --zig --out "$out/dist")
wheel=$(ls "$out"/dist/keyledger-*.whl)
case "$(basename "$wheel")" in
  *-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl) ;;
  *) echo "unexpected wheel tag: $(basename "$wheel")"; exit 1 ;;
esac
"$VENV/bin/python" - "$wheel" <<'PY'
import re, subprocess, sys, tempfile, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
names = wheel.namelist()
meta = wheel.read(next(n for n in names if n.endswith("METADATA"))).decode()
for needle in ("License-Expression: MIT OR Apache-2.0", "License-File: LICENSE-MIT", "License-File: LICENSE-APACHE",
               "Description-Content-Type: text/markdown", "Provides-Extra: numpy", "Provides-Extra: arrow",
               "Provides-Extra: pandas", "Classifier: Typing :: Typed", "pip install 'keyledger[arrow]'"):
    assert needle in meta, f"wheel METADATA lacks {needle!r}"
assert "Project-URL" not in meta  # no invented URLs
assert any(n.endswith("licenses/LICENSE-MIT") for n in names) and any(n.endswith("licenses/LICENSE-APACHE") for n in names)
assert "keyledger/py.typed" in names and "keyledger/__init__.pyi" in names
so = next(n for n in names if n.endswith(".so"))
with tempfile.NamedTemporaryFile(suffix=".so") as f:
    f.write(wheel.read(so)); f.flush()
    dump = subprocess.run(["objdump", "-T", f.name], capture_output=True, text=True, check=True).stdout
versions = sorted({tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_([0-9.]+)", dump)})
assert versions and versions[-1] <= (2, 17), f"glibc symbols up to {versions[-1]}: not manylinux_2_17"
print(f"wheel: metadata complete, licence texts shipped, newest glibc symbol GLIBC_{'.'.join(map(str, versions[-1]))}")
PY
python3 -m venv "$out/venv"
"$out/venv/bin/pip" install -q --no-index "$wheel"
(cd "$out" && "$out/venv/bin/python" "$ROOT/examples/walkthrough.py" >"$out/walkthrough.txt")
grep -q "Billing Detail" "$out/walkthrough.txt"
# Without numpy / pyarrow installed, the optional paths name the extra to install.
"$out/venv/bin/python" - <<'PY'
import keyledger as kl
for call, extra in ((lambda: kl.bulk_bill([0], [0], [0], [0], [0], [0], 1, "2026-10"), "numpy"),
                    (lambda: kl.BillingDetail.to_arrow(kl.billing_detail([], "2026-10", kl.PriceList("USD"))), "arrow")):
    try:
        call()
    except kl.MissingExtraError as e:
        assert e.extra == extra and f"keyledger[{extra}]" in str(e), e
    else:
        raise AssertionError(f"no MissingExtraError for {extra}")
print("wheel: without numpy/pyarrow, MissingExtraError names the extra")
PY
echo "wheel: $(basename "$wheel") installs into a clean virtualenv and runs examples/walkthrough.py"
