#!/usr/bin/env bash
# The Spark step of the test command: PySpark (local mode, 2 threads) bills a small month with
# keyledger inside applyInArrow and checks the merged partials against the single-process path.
# Needs the keyledger Python package in .venv (bindings-python/test.sh builds it) and Java 17.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="$(pwd)/.venv"
need=()
for pkg in pyspark pyarrow pandas numpy; do
  "$VENV/bin/python" -m pip show -q "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/python" -m pip install -q "${need[@]}"
fi
PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python" \
  timeout 900 "$VENV/bin/python" examples/spark/bill_month.py 20000 2500
