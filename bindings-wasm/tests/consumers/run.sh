#!/usr/bin/env bash
# Installs the packed package (the tarball, $1) into fresh copies of the consumer projects here and
# runs each: the node ESM story, the Vite, esbuild and webpack 5 builds (their dist/ folders are
# copied back here for tests/bundles.mjs to load in Chromium), and the strict TypeScript consumer
# compiled twice (node types only; DOM lib). The lockfiles hold the tools; the tarball is installed
# with --no-save on top, so the lockfiles do not change with every build.
set -euo pipefail
TARBALL=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kl-consumers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

project() { # name: a fresh copy with its tools and the tarball installed
  local name=$1
  cp -r "$HERE/$name" "$WORK/$name"
  rm -rf "$WORK/$name/dist" "$WORK/$name/node_modules"
  cp "$HERE/story.js" "$WORK/$name/story.js"
  (cd "$WORK/$name" && { [ ! -f package-lock.json ] || npm ci --no-audit --no-fund --prefer-offline --loglevel=error; } \
    && npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error "$TARBALL")
}

step() { # name command...: runs, prints a result line
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

page() { # name: the page entry and index.html beside the story
  cp "$HERE/page-main.js" "$WORK/$1/main.js"
  cp "$HERE/index.html" "$WORK/$1/index.html"
}

node_story() { project node && (cd "$WORK/node" && node main.mjs); }

vite_build() {
  project vite && page vite && (cd "$WORK/vite" && npx vite build --logLevel warn) \
    && rm -rf "$HERE/vite/dist" && cp -r "$WORK/vite/dist" "$HERE/vite/dist"
}

esbuild_bundle() {
  project esbuild && page esbuild \
    && (cd "$WORK/esbuild" && npx esbuild main.js --bundle --format=esm --minify --outdir=dist --log-level=warning \
      && cp index.html dist/) \
    && rm -rf "$HERE/esbuild/dist" && cp -r "$WORK/esbuild/dist" "$HERE/esbuild/dist"
}

webpack_bundle() {
  project webpack && page webpack && (cd "$WORK/webpack" && node build.mjs && cp index.html dist/) \
    && rm -rf "$HERE/webpack/dist" && cp -r "$WORK/webpack/dist" "$HERE/webpack/dist"
}

typescript() {
  project ts && cp "$HERE/../ts/consumer.ts" "$HERE"/../ts/tsconfig.*.json "$WORK/ts/" \
    && (cd "$WORK/ts" && npx tsc -p tsconfig.node.json && echo "tsc --strict, node types only: clean" \
      && npx tsc -p tsconfig.dom.json && echo "tsc --strict, DOM lib: clean")
}

step "node ESM script: the story against the installed tarball" node_story
step "Vite build" vite_build
step "esbuild bundle" esbuild_bundle
step "webpack 5 bundle" webpack_bundle
step "strict TypeScript consumer of every export (node types; DOM)" typescript
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
