#!/usr/bin/env bash
# The reference server's test step: integration tests over HTTP, schemathesis against the served
# OpenAPI document (no 5xx), the console page (API mode) in headless Chromium, and reduced load
# and crash tests. Bounded: each stage has a time
# limit. Full-size runs: see benches/README.md, section "Reference server".
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$ROOT/target/release
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== keyledger-server: cargo test"
timeout 900 cargo test --release -p keyledger-server
timeout 900 cargo build --release -p keyledger-server --bins

wait_up() { # port
  python3 - "$1" <<'PY'
import socket, sys, time
for _ in range(600):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("server did not start")
PY
}

echo "== keyledger-server: schemathesis against /openapi.json"
VENV=${KEYLEDGER_VENV:-$ROOT/.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q "schemathesis>=4,<5"
TOKEN=$("$BIN/keyledger-server" --db "$WORK/fuzz.db" --seed 200 --msps 1 --keys-out "$WORK/fuzz-keys.txt" | sed 's/.*console token of load-0: //')
"$BIN/keyledger-server" --db "$WORK/fuzz.db" --addr 127.0.0.1:18181 --admin-token fuzz-admin >/dev/null &
PIDS+=($!)
wait_up 18181
timeout 240 "$VENV/bin/schemathesis" run http://127.0.0.1:18181/openapi.json \
  --checks not_a_server_error --phases examples,coverage,fuzzing \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --max-time "${SCHEMATHESIS_SECONDS:-60}" \
  -H "Authorization: Bearer $TOKEN" --no-color --seed 1
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true; PIDS=()
"$BIN/keyledger-server" --db "$WORK/fuzz.db" --verify
echo "test result: ok. schemathesis found no server error"

echo "== keyledger-server: console page (API mode) in headless Chromium"
# playwright-core from bindings-wasm's dev packages, Debian's chromium (bindings-wasm/test.sh
# installs both). SKIP_BROWSER=1 skips this stage.
if [ "${SKIP_BROWSER:-0}" = 1 ]; then
  echo "skipped (SKIP_BROWSER=1)"
else
  if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install chromium (bindings-wasm/test.sh does), or SKIP_BROWSER=1" >&2
    exit 1
  fi
  if [ ! -d "$ROOT/bindings-wasm/node_modules/playwright-core" ]; then
    (cd "$ROOT/bindings-wasm" && npm ci --no-audit --no-fund)
  fi
  CTOKEN=$("$BIN/keyledger-server" --db "$WORK/console.db" --create-msp "Browser MSP" | sed 's/.*console token: //')
  "$BIN/keyledger-server" --db "$WORK/console.db" --addr 127.0.0.1:18184 >/dev/null &
  PIDS+=($!)
  wait_up 18184
  timeout 180 node "$ROOT/examples/server/tests/console.mjs" http://127.0.0.1:18184 "$CTOKEN"
  kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true; PIDS=()
  "$BIN/keyledger-server" --db "$WORK/console.db" --verify
  echo "test result: ok. console page passed in Chromium"
fi

echo "== keyledger-server: reduced load test (10k licences)"
"$BIN/keyledger-server" --db "$WORK/load.db" --seed 10000 --msps 2 --keys-out "$WORK/keys.txt"
"$BIN/keyledger-server" --db "$WORK/load.db" --addr 127.0.0.1:18182 >/dev/null &
PIDS+=($!)
wait_up 18182
timeout 120 "$BIN/loadgen" --addr 127.0.0.1:18182 --keys "$WORK/keys.txt" --conns 32 --requests 40000 --seconds 30
timeout 120 "$BIN/loadgen" --addr 127.0.0.1:18182 --keys "$WORK/keys.txt" --conns 32 --requests 6000 --rate 2000 --seconds 10
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true; PIDS=()
"$BIN/keyledger-server" --db "$WORK/load.db" --verify
echo "test result: ok. load test ran without errors"

echo "== keyledger-server: reduced crash test (${CRASH_KILLS:-10} SIGKILLs, 10k licences)"
timeout 600 "$BIN/crashtest" --server "$BIN/keyledger-server" --db "$WORK/load.db" --keys "$WORK/keys.txt" --kills "${CRASH_KILLS:-10}" --port 18183
echo "test result: ok. crash test passed"
