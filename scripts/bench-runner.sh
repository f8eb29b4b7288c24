#!/usr/bin/env bash
# The scheduled-upgrade runner's throughput on Postgres (SPEC §9, issue 18):
# how many due scheduled orders per second 1 and 3 processes run, and that
# each order ran exactly once. A benchmark, not a test: run it on a quiet
# machine, in release.
#
#   scripts/bench-runner.sh postgres://postgres@127.0.0.1:5432/postgres
#
# For each process count (BENCH_PROCESSES, default "1 3") it:
#   1. creates a fresh database and imports a generated dataset
#      (`csp-upgrades generate`, one eligible upgrade per customer);
#   2. starts a server with its runner off and submits BENCH_ORDERS (default
#      10000) upgrades scheduled for the renewal through gRPC
#      (`loadgen schedule`: SubmitUpgrade with schedule AT_RENEWAL), then
#      stops it;
#   3. makes them due by moving their due time into the past with SQL (the
#      renewal is months away; nothing else about them changes, and the run
#      checks each again against the data as it is);
#   4. starts N `csp-upgrades run-due` processes at once and times them
#      until all have exited (each runs passes until nothing is due);
#   5. checks exactly-once in the database: no order left SCHEDULED, one
#      RUN_SCHEDULED_UPGRADE audit record per order and no order with two,
#      no order with two IN_PROGRESS events, one new subscription per
#      completed order, and the processes' own counts summing to the orders.
#
# Environment: BENCH_SKIP_BUILD=1 builds nothing; BENCH_BIN (default
# target/release/csp-upgrades) and BENCH_LOADGEN (default the loadgen
# example beside it) name the binaries; BENCH_ORDERS, BENCH_PROCESSES,
# BENCH_OUT (default target/bench-runner), BENCH_PORT (default 50161).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:?usage: scripts/bench-runner.sh POSTGRES_URL (a server where databases may be created)}"
ORDERS="${BENCH_ORDERS:-10000}"
PROCESSES="${BENCH_PROCESSES:-1 3}"
OUT="${BENCH_OUT:-target/bench-runner}"
PORT="${BENCH_PORT:-50161}"
BIN="${BENCH_BIN:-target/release/csp-upgrades}"
LOADGEN="${BENCH_LOADGEN:-$(dirname "$BIN")/examples/loadgen}"
RUN_ID="$$"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --bin csp-upgrades --example loadgen
fi

busy() { pgrep -c -x rustc || true; }
echo "machine: $(nproc) cores; rustc processes running at the start: $(busy)"

rm -rf "$OUT"
mkdir -p "$OUT"
# Not every customer's first subscription has an eligible upgrade: a margin.
CUSTOMERS=$((ORDERS * 3 / 2 + 100))
"$BIN" generate --customers "$CUSTOMERS" --subscriptions 2 --users-per-subscription 2 \
    --big-customer-subscriptions 0 --seed "${BENCH_SEED:-1}" --out "$OUT/dataset.json"

with_db() {
    local url=$1 query=""
    if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
    echo "${url%/*}/$2$query"
}

SERVER_PID=""
DBS=()
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    for db in "${DBS[@]}"; do
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $db" || true
    done
}
trap cleanup EXIT

sql() { psql -qtA "$1" -c "$2"; }

ROWS=()
for n in $PROCESSES; do
    db="csp_bench_runner_${RUN_ID}_$n"
    DBS+=("$db")
    url="$(with_db "$PG_URL" "$db")"
    dir="$OUT/p$n"
    mkdir -p "$dir"
    psql -q "$PG_URL" -c "CREATE DATABASE $db"
    echo "== $n process(es): importing, then scheduling $ORDERS upgrades through gRPC"
    "$BIN" import --data-dir "$dir" --database-url "$url" "$OUT/dataset.json" >/dev/null
    "$BIN" serve --data-dir "$dir" --database-url "$url" --demo-data false \
        --listen "127.0.0.1:$PORT" --scheduled-runner-interval-ms 0 2>"$dir/server.log" &
    SERVER_PID=$!
    "$LOADGEN" schedule --addr "http://127.0.0.1:$PORT" --dataset "$OUT/dataset.json" \
        --data-dir "$dir" --count "$ORDERS"
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""

    due=$(sql "$url" "UPDATE upgrade_orders SET scheduled_for = now() - interval '1 second'
                      WHERE state = 'SCHEDULED' RETURNING 1" | wc -l)
    [[ "$due" == "$ORDERS" ]] || { echo "expected $ORDERS scheduled orders, found $due" >&2; exit 1; }

    echo "== $n process(es): running $ORDERS due orders with $n run-due process(es)"
    start=$(date +%s.%N)
    pids=()
    for i in $(seq 1 "$n"); do
        "$BIN" run-due --data-dir "$dir" --database-url "$url" >"$dir/run-due-$i.out" 2>"$dir/run-due-$i.log" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    end=$(date +%s.%N)
    seconds=$(echo "$end - $start" | bc -l)
    rate=$(echo "$ORDERS / $seconds" | bc -l)

    # Exactly once, as the database tells it.
    ran=$(cat "$dir"/run-due-*.out | sed -n 's/.*, ran \([0-9]*\)$/\1/p' | paste -sd+ | bc)
    left=$(sql "$url" "SELECT count(*) FROM upgrade_orders WHERE state = 'SCHEDULED'")
    audits=$(sql "$url" "SELECT count(*) FROM audit_records WHERE action = 'RUN_SCHEDULED_UPGRADE'")
    twice=$(sql "$url" "SELECT count(*) FROM (SELECT target FROM audit_records
                        WHERE action = 'RUN_SCHEDULED_UPGRADE' GROUP BY target HAVING count(*) > 1) t")
    started_twice=$(sql "$url" "SELECT count(*) FROM (SELECT order_id FROM upgrade_order_events
                                WHERE state = 'IN_PROGRESS' GROUP BY order_id HAVING count(*) > 1) t")
    outcomes=$(sql "$url" "SELECT string_agg(state || '=' || n, ' ' ORDER BY state) FROM
                           (SELECT state, count(*) n FROM upgrade_orders
                            WHERE scheduled_for IS NOT NULL GROUP BY state) t")
    completed=$(sql "$url" "SELECT count(*) FROM upgrade_orders
                            WHERE state = 'COMPLETED' AND scheduled_for IS NOT NULL")
    targets=$(sql "$url" "SELECT count(*) FROM subscriptions s JOIN upgrade_orders o
                          ON o.target_subscription_id = s.id AND o.customer_id = s.customer_id
                          WHERE o.state = 'COMPLETED' AND o.scheduled_for IS NOT NULL
                            AND NOT o.into_existing")
    once=yes
    [[ "$ran" == "$ORDERS" && "$left" == 0 && "$audits" == "$ORDERS" && "$twice" == 0 \
        && "$started_twice" == 0 && "$targets" == "$completed" ]] || once=NO
    echo "   ran (processes' sum) $ran, left scheduled $left, run audits $audits ($twice twice),"
    echo "   started twice $started_twice, orders by state: $outcomes, new targets $targets"
    ROWS+=("$(printf '| %d | %d | %.2f | %.0f | %s |' "$n" "$ORDERS" "$seconds" "$rate" "$once")")
    [[ "$once" == yes ]] || { echo "exactly-once violated" >&2; exit 1; }
done

echo
echo "| run-due processes | due orders | seconds | orders/s | exactly once |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo "rustc processes running at the end: $(busy) (non-zero at either end: the machine was not quiet)"
