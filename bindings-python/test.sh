#!/usr/bin/env bash
# The Python step of the test command: a virtualenv at the repo root (created once), a fresh build
# of the native module, pytest (with hypothesis), and stubtest for the .pyi stubs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
need=()
for pkg in maturin pytest hypothesis mypy numpy; do
  "$VENV/bin/python" -m pip show -q "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/python" -m pip install -q "${need[@]}"
fi
# A fresh build of the module, installed in the virtualenv.
(cd bindings-python && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop --release --quiet)
"$VENV/bin/python" -m pytest bindings-python/tests -q -p no:cacheprovider
(cd bindings-python && "$VENV/bin/python" -m mypy.stubtest keyledger --allowlist stubtest-allowlist.txt)
if [ "${WHEEL_TEST:-1}" = 1 ]; then
  bash bindings-python/wheel-test.sh
fi
