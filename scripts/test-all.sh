#!/usr/bin/env bash
# Runs every test of keyledger, installing what it needs first. Safe to run twice; fast the second time.
#
#   ./scripts/test-all.sh            everything
#   SKIP_FUZZ=1 ./scripts/test-all.sh  everything but the fuzz smoke
#
# Steps: cargo fmt --check, clippy -D warnings (incompatible_msrv denied for the core), the minimum
# Rust version against every dependency's (scripts/check-msrv.py), cargo test --workspace (doctests
# included), rustdoc of the crate with -D warnings, cargo package of the crate (built from the packaged
# files alone), cargo bench --no-run, the Python package (fresh build + pytest + stubtest), the wasm
# package (fresh build, node tests, browser test in headless Chromium), and a short fuzz smoke.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; STEP_START=$(date +%s); }
done_step() { printf '<== done in %ss\n' "$(( $(date +%s) - STEP_START ))"; }
TOTAL_START=$(date +%s)

step "toolchain components (rustfmt, clippy)"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
done_step

step "cargo fmt --check"
cargo fmt --all -- --check
done_step

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
done_step

step "minimum Rust version: no dependency of keyledger declares a rust-version above the crate's"
python3 scripts/check-msrv.py keyledger
done_step

step "cargo test --workspace (unit, integration, property and doc tests)"
cargo test --workspace
done_step

step "cargo doc -p keyledger --no-deps with RUSTDOCFLAGS=-D warnings (rustdoc lints, links)"
RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -D warnings" cargo doc -p keyledger --no-deps
echo "test result: ok. rustdoc of keyledger with -D warnings"
done_step

step "cargo package -p keyledger (the crate as published, built from its packaged files)"
# --allow-dirty: the check is about what the crate holds, not whether the tree is committed. The
# "ignoring test ..." warnings are expected: the tests stay in the repository.
cargo package -p keyledger --allow-dirty
python3 scripts/check-package.py keyledger
done_step

step "cargo bench --no-run (benchmarks compile)"
cargo bench --workspace --no-run
done_step

if [ -f bindings-python/test.sh ]; then
  step "Python package"
  bash bindings-python/test.sh
  done_step
fi

if [ -f examples/spark/test.sh ] && [ "${SKIP_SPARK:-0}" != 1 ]; then
  step "Spark: a month billed in PySpark local mode (examples/spark)"
  bash examples/spark/test.sh
  done_step
fi

if [ -f bindings-wasm/test.sh ]; then
  step "WebAssembly package (node + browser)"
  bash bindings-wasm/test.sh
  done_step
fi

step "reference server (HTTP tests, schemathesis, reduced load and crash tests)"
bash examples/server/test.sh
done_step

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  step "fuzz smoke (${FUZZ_SECONDS:=10}s per target)"
  bash scripts/fuzz-smoke.sh "$FUZZ_SECONDS"
  done_step
fi

printf '\nAll tests passed in %ss.\n' "$(( $(date +%s) - TOTAL_START ))"
