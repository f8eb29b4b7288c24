#!/usr/bin/env bash
# The per-customer size figure of issue 15, in one command:
#
#   scripts/bench-big-customer.sh [POSTGRES_URL]   # or BENCH_DATABASE_URL=postgres://...
#
# Generates one customer with BENCH_BIG (10,000, the supported size of
# docs/limits.md; a larger one needs MAX_SUBSCRIPTIONS_PER_CUSTOMER raised in
# src/domain/limits.rs first, or the import refuses it) subscriptions (and a few
# small customers), then per backend (SQLite; Postgres when a URL is given,
# in a scratch database created next to the URL's and dropped afterwards)
# imports it, starts the server, and measures one call at a time
# (`loadgen big-customer`): `ListSubscriptions` with page_size 100 at the
# first page and at the middle page, `CheckUpgradeEligibility` of that
# customer's subscriptions (its first call, the snapshot read from the
# database, apart). Targets (issue 15): a page <= 50 ms, a check <= 200 ms.
#
# Knobs (environment): BENCH_BIG (10000), BENCH_USERS (1 user per base
# subscription, the big customer's cut to the 50,000 a customer may have), BENCH_REQUESTS (200 per figure), BENCH_PORT (50161),
# BENCH_OUT (target/bench-big-customer), BENCH_BIN (default
# target/release/csp-upgrades), BENCH_SKIP_BUILD=1 (then the loadgen is
# taken from target/release/examples/loadgen as it is).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:-${BENCH_DATABASE_URL:-}}"
OUT="${BENCH_OUT:-target/bench-big-customer}"
PORT="${BENCH_PORT:-50161}"
BIN="${BENCH_BIN:-target/release/csp-upgrades}"
LOADGEN=target/release/examples/loadgen
GA=bench-ga@bench.example
RUN_ID="$$"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --bin csp-upgrades --example loadgen
fi

busy() { pgrep -c -x rustc || true; }
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MiB; rustc processes running: $(busy)"

rm -rf "$OUT"
mkdir -p "$OUT"
"$BIN" generate --customers 3 --subscriptions 10 --users-per-subscription "${BENCH_USERS:-1}" \
    --big-customer-subscriptions "${BENCH_BIG:-10000}" --seed 15 --out "$OUT/generated.json"
# A customer has at most 50,000 users (docs/limits.md): the big one keeps its
# first 50,000 (the others' licenses go with them).
jq -c '
  (.customers[] | select(.name == "Bench Big Customer") | .id) as $big
  | .customer_users |= ([.[] | select(.customer_id == $big)][:50000] + [.[] | select(.customer_id != $big)])
' "$OUT/generated.json" >"$OUT/dataset.json"
rm "$OUT/generated.json"

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap stop_server EXIT

# measure LABEL DATABASE_URL
measure() {
    local label=$1 url=$2 dir="$OUT/$1"
    mkdir -p "$dir"
    echo "== $label: importing"
    /usr/bin/time -f "   import: %e s, max RSS %M KiB" \
        "$BIN" import --data-dir "$dir" --database-url "$url" "$OUT/dataset.json" >/dev/null
    # One connection for the whole run: no maximum connection age.
    "$BIN" serve --data-dir "$dir" --database-url "$url" --demo-data false \
        --max-connection-age-secs 0 --listen "127.0.0.1:$PORT" 2>"$dir/server.log" &
    SERVER_PID=$!
    local token
    token=$("$BIN" token --data-dir "$dir" --database-url "$url" --user "$GA" 2>/dev/null)
    "$LOADGEN" big-customer --addr "http://127.0.0.1:$PORT" --token "$token" \
        --requests "${BENCH_REQUESTS:-200}" --label "$label" --json-out "$OUT/$label.json"
    echo "   server max RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$SERVER_PID/status")"
    stop_server
}

measure sqlite "sqlite:$OUT/sqlite/csp-upgrades.db"

if [[ -n "$PG_URL" ]]; then
    # The same server, another database name: postgres://h/db?x -> postgres://h/NAME?x
    with_db() {
        local url=$1 query=""
        if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
        echo "${url%/*}/$2$query"
    }
    BENCH_DB="csp_bench_big_$RUN_ID"
    drop_db() {
        stop_server
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" || true
    }
    trap drop_db EXIT
    psql -q "$PG_URL" -c "CREATE DATABASE $BENCH_DB"
    measure postgres "$(with_db "$PG_URL" "$BENCH_DB")"
fi
echo "rustc processes running at the end: $(busy) (non-zero: the machine was not quiet)"
