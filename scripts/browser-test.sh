#!/usr/bin/env bash
# gRPC-web in a real browser: headless Chromium opens web/index.html, served
# from an origin of its own, which calls a csp-upgrades server (demo data,
# CORS allowing that origin) with @protobuf-ts/grpcweb-transport and renders
# the demo customer's subscriptions and an eligibility answer; the test reads
# the rendered page (web/test/browser.test.mjs, node's test runner).
#
# Installs what it needs: Debian's chromium, protobuf-compiler (protoc, to
# generate the TypeScript client) and libprotobuf-dev (the well-known .proto
# files), then the pinned npm packages of web/package-lock.json. Builds the
# server with `cargo build`. Not part of `cargo test`: a machine without a
# browser still runs the README's test command.
#
# BROWSER_TEST_SCREENSHOT=/tmp/page.png keeps a picture of the page.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v protoc >/dev/null || missing+=(protobuf-compiler)
[ -f /usr/include/google/protobuf/timestamp.proto ] || missing+=(libprotobuf-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== npm ci (web/)"
# Output trimmed to errors: npm 11 also warns about the install scripts it
# skips (esbuild's only links its binary, which runs without it).
(cd web && npm ci --no-audit --no-fund --loglevel=error)

echo "== generating the gRPC-web client and bundling the page"
rm -rf web/gen web/dist
(cd web && npm run --silent generate && npm run --silent bundle -- --log-level=warning)

echo "== cargo build"
cargo build --quiet
export CSP_UPGRADES_BIN="$PWD/target/debug/csp-upgrades"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"

echo "== browser test"
cd web
exec node --test --test-reporter=spec test/
