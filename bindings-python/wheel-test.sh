#!/usr/bin/env bash
# Builds the abi3 wheel with `maturin build --release`, installs it into a fresh virtualenv (not the
# development one) and runs the Python walk-through example with it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd bindings-python && "$ROOT/.venv/bin/maturin" build --release --quiet --out "$out/dist")
python3 -m venv "$out/venv"
"$out/venv/bin/pip" install -q --no-index "$out"/dist/keyledger-*.whl
(cd "$out" && "$out/venv/bin/python" "$ROOT/examples/walkthrough.py" >"$out/walkthrough.txt")
grep -q "Billing Detail" "$out/walkthrough.txt"
echo "wheel: $(basename "$out"/dist/keyledger-*.whl) installs into a clean virtualenv and runs examples/walkthrough.py"
