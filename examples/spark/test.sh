#!/usr/bin/env bash
# The Spark step of the test command: PySpark in local mode (2 threads, no UI) bills a small month
# with keyledger doing the per-partition work (examples/spark/bill_month.py) and asserts the merged
# counts equal the single-process path. Installs pyspark, pyarrow, pandas into the project's .venv
# when missing (kept there: fast the second time); builds the keyledger module when it is not
# installed yet (bindings-python/test.sh, which runs before this step, normally has). Needs Java 17.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
need=()
for pkg in pyspark pyarrow pandas numpy; do
  "$VENV/bin/python" -m pip show -q "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/python" -m pip install -q "${need[@]}"
fi
if ! "$VENV/bin/python" -c 'import keyledger' >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip show -q maturin >/dev/null 2>&1 || "$VENV/bin/python" -m pip install -q maturin
  (cd bindings-python && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop --release --quiet)
fi
command -v java >/dev/null || { echo "examples/spark: Java 17 is needed (apt-get install openjdk-17-jre-headless)"; exit 1; }
PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python" \
  timeout "${SPARK_TIMEOUT:-300}" "$VENV/bin/python" examples/spark/bill_month.py \
  --licences 20000 --range 2500 --input-partitions 6 --check
