#!/usr/bin/env bash
# Full-size measurements of the reference server (not part of the test command): 1 M activated
# licences (10 MSPs x 100 000, seeded in-process), closed-loop call-home throughput, latency at a
# fixed 10 000/s, and the restart time (wall and CPU). Loopback only; every client run is bounded.
#   bash examples/server/bench.sh [licences] [runs]
# Prints one "RESULT" line per number of the benches/README.md table, and the machine's load.
# The full crash test (100 SIGKILLs at 1 M licences) is, after this script (BENCH_DIR=dir keeps
# the database):
#   target/release/crashtest --server target/release/keyledger-server --db DIR/bench.db \
#     --keys DIR/keys.txt --kills 100 --snapshot-every 20000
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${2:-3}
BIN=$PWD/target/release
WORK=${BENCH_DIR:-$(mktemp -d)}
PORT=${BENCH_PORT:-18280}
cargo build --release -p keyledger-server --bins
rm -rf "$WORK"/bench.db*
echo "machine: $(nproc) cores, $(uptime)"
"$BIN/keyledger-server" --db "$WORK/bench.db" --seed "$N" --msps 10 --keys-out "$WORK/keys.txt"

start_server() { # waits until it listens; prints its line
  "$BIN/keyledger-server" --db "$WORK/bench.db" --addr "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
  PID=$!
  until grep -q listening "$WORK/server.log" 2>/dev/null; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.05
  done
  sed -n 's/.*(loaded \([0-9]*\) licences, \([0-9]*\) tail events, in \([0-9]*\) ms).*/RESULT restart: \3 ms to listening, \1 licences, \2 tail events/p' "$WORK/server.log"
}
load_cpu() { # CPU time of loading the state (snapshot + tail), as at start-up
  /usr/bin/time -f "%U %S %e" -o "$WORK/time.txt" "$BIN/keyledger-server" --db "$WORK/bench.db" --load-only > "$WORK/load.txt"
  read -r user sys wall < "$WORK/time.txt"
  python3 - "$user" "$sys" "$wall" "$N" "$(cat "$WORK/load.txt")" <<'PY'
import sys
u, s, w, n, line = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"RESULT load ({line}): wall {w:.2f} s, CPU {u + s:.2f} s (user {u:.2f}, sys {s:.2f}) = {(u + s) * 100000 / n:.3f} s CPU per 100 000 licences")
PY
}

load_cpu
for r in $(seq "$RUNS"); do
  echo "== run $r ($(uptime))"
  start_server
  echo -n "RESULT closed loop: "
  "$BIN/loadgen" --addr "127.0.0.1:$PORT" --keys "$WORK/keys.txt" --conns 64 --requests 300000 --seconds 20
  echo -n "RESULT fixed 10000/s: "
  "$BIN/loadgen" --addr "127.0.0.1:$PORT" --keys "$WORK/keys.txt" --conns 64 --requests 150000 --rate 10000 --seconds 20
  echo "WAL after run $r: $(stat -c %s "$WORK/bench.db-wal") bytes"
  kill -9 "$PID"; wait "$PID" 2>/dev/null || true   # restart from snapshot + the tail just written
done
echo "== restart after the runs (SIGKILLed: snapshot + tail)"
start_server
kill "$PID"; wait "$PID" 2>/dev/null || true        # clean stop: snapshots every MSP with a tail
echo "== restart after a clean stop"
start_server
kill "$PID"; wait "$PID" 2>/dev/null || true
load_cpu
echo "machine: $(uptime)"
