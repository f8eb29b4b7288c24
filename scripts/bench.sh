#!/usr/bin/env bash
# The benchmark of issue 6, in one command (see BENCHMARKS.md):
#
#   scripts/bench.sh [POSTGRES_URL]        # or BENCH_DATABASE_URL=postgres://...
#
# Builds the release binary and the load generator, generates the dataset,
# times start-to-SERVING and the idle RSS on the embedded database, then for
# SQLite (and Postgres when a URL is given: a fresh database is created next
# to the URL's and dropped afterwards) imports the dataset, starts the server,
# runs the load (health floor, CheckUpgradeEligibility, ListSubscriptions,
# SubmitUpgrade) and stops it; on Postgres also runs pgbench in a scratch
# database. Prints one table at the end.
#
# Knobs (environment): BENCH_CUSTOMERS (25000; SubmitUpgrade uses up one
# per call), BENCH_SUBSCRIPTIONS (10), BENCH_USERS (2), BENCH_SEED (1),
# BENCH_DURATION (10 s per RPC), BENCH_WARMUP (2 s), BENCH_CONCURRENCY (64),
# BENCH_CONNECTIONS (4), BENCH_SUBMIT_CLIENTS (32), BENCH_PORT (50151),
# BENCH_OUT (target/bench), BENCH_BIN (the server binary, default
# target/release/csp-upgrades: set it to measure another build),
# BENCH_SKIP_BUILD=1, RUST_LOG (the server's log filter; default info),
# BENCH_SERVER_ARGS (more server flags, e.g. "--role-cache-ttl-ms 0
# --snapshot-cache-ttl-ms 0" to measure without the caches).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:-${BENCH_DATABASE_URL:-}}"
OUT="${BENCH_OUT:-target/bench}"
PORT="${BENCH_PORT:-50151}"
BIN="${BENCH_BIN:-target/release/csp-upgrades}"
LOADGEN=target/release/examples/loadgen
RUN_ID="$$"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --bin csp-upgrades --example loadgen
fi

busy() { pgrep -c -x rustc || true; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -m | awk '/Mem:/ {print $2}') MiB"
echo "rustc processes running at the start: $(busy)"

rm -rf "$OUT"
mkdir -p "$OUT"
"$BIN" generate --customers "${BENCH_CUSTOMERS:-25000}" --subscriptions "${BENCH_SUBSCRIPTIONS:-10}" \
    --users-per-subscription "${BENCH_USERS:-2}" --big-customer-subscriptions 1000 \
    --seed "${BENCH_SEED:-1}" --out "$OUT/dataset.json"

"$LOADGEN" startup --bin "$BIN" --runs 5 --scratch "$OUT" --json-out "$OUT/startup.json"

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap stop_server EXIT

# serve_and_load LABEL DATABASE_URL
serve_and_load() {
    local label=$1 url=$2 dir="$OUT/$1"
    mkdir -p "$dir"
    echo "== $label: importing the dataset"
    "$BIN" import --data-dir "$dir" --database-url "$url" "$OUT/dataset.json"
    # shellcheck disable=SC2086 # BENCH_SERVER_ARGS is a list of flags
    "$BIN" --data-dir "$dir" --database-url "$url" --demo-data false \
        --listen "127.0.0.1:$PORT" ${BENCH_SERVER_ARGS:-} 2>"$dir/server.log" &
    SERVER_PID=$!
    echo "== $label: server pid $SERVER_PID, loading"
    "$LOADGEN" run --addr "http://127.0.0.1:$PORT" --dataset "$OUT/dataset.json" \
        --data-dir "$dir" --server-pid "$SERVER_PID" --label "$label" \
        --duration "${BENCH_DURATION:-10}" --warmup "${BENCH_WARMUP:-2}" \
        --concurrency "${BENCH_CONCURRENCY:-64}" --connections "${BENCH_CONNECTIONS:-4}" \
        --submit-clients "${BENCH_SUBMIT_CLIENTS:-32}" --json-out "$OUT/$label.json"
    stop_server
}

serve_and_load sqlite "sqlite:$OUT/sqlite/csp-upgrades.db"

REPORT_ARGS=(--sqlite "$OUT/sqlite.json" --startup "$OUT/startup.json")
if [[ -n "$PG_URL" ]]; then
    # The same server, another database name: postgres://h/db?x -> postgres://h/NAME?x
    with_db() {
        local url=$1 query=""
        if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
        echo "${url%/*}/$2$query"
    }
    BENCH_DB="csp_bench_$RUN_ID"
    PGBENCH_DB="csp_pgbench_$RUN_ID"
    drop_dbs() {
        stop_server
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "DROP DATABASE IF EXISTS $PGBENCH_DB" || true
    }
    trap drop_dbs EXIT
    psql -q "$PG_URL" -c "CREATE DATABASE $BENCH_DB" -c "CREATE DATABASE $PGBENCH_DB"
    serve_and_load postgres "$(with_db "$PG_URL" "$BENCH_DB")"

    echo "== pgbench (TPC-B-like): -i -s 10, then -c 10 -T 20"
    pgbench -q -i -s 10 "$(with_db "$PG_URL" "$PGBENCH_DB")" 2>&1 | tail -1
    pgbench -c 10 -T 20 "$(with_db "$PG_URL" "$PGBENCH_DB")" 2>&1 | tee "$OUT/pgbench.txt" | grep -E '^(tps|latency average)'
    PGBENCH_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$OUT/pgbench.txt" | head -1)
    REPORT_ARGS+=(--postgres "$OUT/postgres.json" --pgbench-tps "$PGBENCH_TPS")
fi

echo
"$LOADGEN" report "${REPORT_ARGS[@]}"
echo "rustc processes running at the end: $(busy) (non-zero at either end: the machine was not quiet)"
