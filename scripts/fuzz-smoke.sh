#!/usr/bin/env bash
# Runs every cargo-fuzz target for a few seconds (default 10). cargo-fuzz wants nightly; on the stable
# toolchain RUSTC_BOOTSTRAP=1 unlocks the flags it needs. Long runs: FUZZ_SECONDS=600, or by hand:
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run key_parse -- -max_total_time=600
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
want=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$want"; then
  cargo install cargo-fuzz --version "$want" --locked
fi
cd fuzz
export RUSTC_BOOTSTRAP=1
cargo fuzz build
log=$(mktemp)
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  if ! cargo fuzz run "$target" -- -max_total_time="$secs" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $target FAILED (artifacts in fuzz/artifacts/$target)"
    exit 1
  fi
  echo "fuzz target $target: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$log" | tail -n1)"
done
rm -f "$log"
