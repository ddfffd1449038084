#!/usr/bin/env bash
# The whole WebAssembly step, from a fresh clone or a warm tree (run from anywhere):
#   installs what is missing (wasm32 target, wasm-bindgen CLI at the Cargo.lock version, npm packages,
#   Chromium), builds with the size-tuned `wasm` profile the node package (pkg-node, default features)
#   and the page's key-only module (www/pkg, --no-default-features), optimises with npm binaryen's wasm-opt -Oz, checks the module imports nothing
#   from `env`, prints its size, then runs the node tests and the headless-Chromium browser test.
# Env: WASM_FEATURES (cargo features, e.g. "full"), SKIP_BROWSER=1 to skip the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PKG=bindings-wasm
say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "need root to run: $*" >&2; return 1
  fi
}

say "toolchain"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$BINDGEN_VERSION" ]; then echo "wasm-bindgen not found in Cargo.lock" >&2; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $BINDGEN_VERSION" ]; then
  # Not --locked: with it the build fails on a yanked dependency of the CLI.
  cargo install wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi
echo "wasm-bindgen $BINDGEN_VERSION"

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f "$PKG/node_modules/.package-lock.json" ] \
  || [ "$PKG/package-lock.json" -nt "$PKG/node_modules/.package-lock.json" ]; then
  (cd "$PKG" && npm ci --no-audit --no-fund)
fi
if [ "${SKIP_BROWSER:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

say "build"
# Two cargo builds, three packages: the whole library (default features, `full`) as an ES module
# for node (pkg-node, --target experimental-nodejs-module) and for the browser (www/pkg-full,
# --target web: the demo console), and the key-check page's key-only module (www/pkg,
# --no-default-features), in its own target dir so that both builds stay cached.
FEATURES=${WASM_FEATURES:-}
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps \
  | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
cargo build -p keyledger-wasm --target wasm32-unknown-unknown --profile wasm ${FEATURES:+--features "$FEATURES"}
cargo build -p keyledger-wasm --target wasm32-unknown-unknown --profile wasm --no-default-features \
  --target-dir "$TARGET_DIR/wasm-keyonly"
FULL="$TARGET_DIR/wasm32-unknown-unknown/wasm/keyledger_wasm.wasm"
rm -rf "$PKG/pkg-node" "$PKG/www/pkg" "$PKG/www/pkg-full"
wasm-bindgen --target experimental-nodejs-module --out-dir "$PKG/pkg-node" "$FULL"
wasm-bindgen --target web --out-dir "$PKG/www/pkg-full" "$FULL"
wasm-bindgen --target web --out-dir "$PKG/www/pkg" \
  "$TARGET_DIR/wasm-keyonly/wasm32-unknown-unknown/wasm/keyledger_wasm.wasm"

say "wasm-opt -Oz (npm binaryen)"
WASM_OPT="$PKG/node_modules/.bin/wasm-opt"
"$WASM_OPT" --version
for dir in "$PKG/pkg-node" "$PKG/www/pkg-full" "$PKG/www/pkg"; do
  "$WASM_OPT" -Oz --strip-debug --strip-producers "$dir/keyledger_wasm_bg.wasm" -o "$dir/keyledger_wasm_bg.wasm"
done

say "imports and size, gzipped (regression budgets in KiB fail the run; the issue's goals, 40 and 200 KB, are reported)"
node "$PKG/tests/inspect.mjs" "$PKG/www/pkg/keyledger_wasm_bg.wasm=36:40" "$PKG/www/pkg-full/keyledger_wasm_bg.wasm=530:200"

say "TypeScript: a consumer of every export, type-checked (tsc --noEmit)"
(cd "$PKG" && node_modules/.bin/tsc -p tests/ts/tsconfig.json)

say "node tests"
node --test "$PKG"/tests/*.test.mjs

if [ "${SKIP_BROWSER:-0}" != 1 ]; then
  say "browser test (headless Chromium)"
  node "$PKG/tests/browser.mjs"
fi
