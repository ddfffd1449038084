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
for pkg in maturin pytest hypothesis mypy numpy pyarrow pandas polars duckdb; do
  "$VENV/bin/python" -m pip show -q "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/python" -m pip install -q "${need[@]}"
fi
# A fresh build of the module, installed in the virtualenv.
(cd bindings-python && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop --release --quiet)
"$VENV/bin/python" -m pytest bindings-python/tests -q -p no:cacheprovider
(cd bindings-python && "$VENV/bin/python" -m mypy.stubtest keyledger --allowlist stubtest-allowlist.txt)
# The generated half of the stubs matches the native module.
"$VENV/bin/python" bindings-python/stubs.py --check
# A consumer using every public name with attribute access, the walk-through and the README snippet
# type-check under mypy --strict and run.
sed -n '/^```python$/,/^```$/p' README.md | sed '1d;$d' >"$ROOT/target/readme_snippet.py"
sed -n '/^```python$/,/^```$/p' bindings-python/README.md | sed '1d;$d' >"$ROOT/target/pypi_readme_snippet.py"
"$VENV/bin/python" -m mypy --strict --no-incremental bindings-python/typing/consumer.py examples/walkthrough.py \
  "$ROOT/target/readme_snippet.py" "$ROOT/target/pypi_readme_snippet.py"
"$VENV/bin/python" bindings-python/typing/consumer.py
"$VENV/bin/python" "$ROOT/target/readme_snippet.py" >/dev/null
"$VENV/bin/python" "$ROOT/target/pypi_readme_snippet.py" >/dev/null
"$VENV/bin/python" - <<'PY'
import re, keyledger as kl
src = open("bindings-python/typing/consumer.py").read()
missing = [n for n in kl.__all__ if not re.search(r"kl\." + n + r"\b", src)]
assert not missing, f"consumer.py does not use {missing}"
print(f"consumer: uses all {len(kl.__all__)} public names")
PY
# ... and mypy refuses each misuse marked in misuse.py (so the check above can fail).
expected=$(grep -c '# misuse:' bindings-python/typing/misuse.py)
found=$("$VENV/bin/python" -m mypy --strict --no-incremental bindings-python/typing/misuse.py 2>&1 | grep -c ': error:' || true)
if [ "$found" -lt "$expected" ]; then
  echo "mypy reported $found errors in misuse.py, expected $expected"; exit 1
fi
echo "mypy --strict: consumer, walk-through and README snippet pass; all $expected misuses in misuse.py refused"
if [ "${WHEEL_TEST:-1}" = 1 ]; then
  bash bindings-python/wheel-test.sh
fi
