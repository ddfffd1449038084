#!/usr/bin/env bash
# Full-size measurements of the reference server (not part of the test command): 1 M activated
# licences (10 MSPs x 100 000, seeded in-process), closed-loop call-home throughput, latency at a
# fixed 10 000/s, and the restart time. Loopback only; every client run is bounded.
#   bash examples/server/bench.sh [licences] [runs]
# The full crash test (100 SIGKILLs) is:
#   target/release/crashtest --server target/release/keyledger-server --db DB --keys KEYS --kills 100
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${2:-3}
BIN=target/release
WORK=${BENCH_DIR:-$(mktemp -d)}
cargo build --release -p keyledger-server --bins
rm -f "$WORK"/bench.db*
"$BIN/keyledger-server" --db "$WORK/bench.db" --seed "$N" --msps 10 --keys-out "$WORK/keys.txt"
for r in $(seq "$RUNS"); do
  "$BIN/keyledger-server" --db "$WORK/bench.db" --addr 127.0.0.1:18280 > "$WORK/server.log" &
  PID=$!
  until grep -q listening "$WORK/server.log" 2>/dev/null; do sleep 0.05; done
  echo "run $r: $(cat "$WORK/server.log")"
  "$BIN/loadgen" --addr 127.0.0.1:18280 --keys "$WORK/keys.txt" --conns 64 --requests 300000 --seconds 20
  "$BIN/loadgen" --addr 127.0.0.1:18280 --keys "$WORK/keys.txt" --conns 64 --requests 150000 --rate 10000 --seconds 20
  kill -9 "$PID"; wait "$PID" 2>/dev/null || true   # restart from snapshot + the tail just written
done
"$BIN/keyledger-server" --db "$WORK/bench.db" --addr 127.0.0.1:18280 > "$WORK/server.log" &
PID=$!
until grep -q listening "$WORK/server.log" 2>/dev/null; do sleep 0.05; done
echo "restart after the runs: $(cat "$WORK/server.log")"
kill "$PID"; wait "$PID" 2>/dev/null || true
