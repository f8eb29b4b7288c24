#!/usr/bin/env bash
# The figures of issue 17 (automation at scale), in one command:
#
#   scripts/bench-scale.sh [POSTGRES_URL]   # or BENCH_DATABASE_URL=postgres://...
#
# For each dataset (the 25,000-customer / ~251,000-subscription one and the
# ~1,000,000-subscription one) and each backend (SQLite; Postgres when a URL
# is given: a fresh scratch database is created next to the URL's and
# dropped at the end), it imports the dataset, starts the server and runs:
#
#   - `loadgen stream`: the whole partner through StreamEligibility, BASIC
#     and FULL (subscriptions/s received, time to first message, the server's
#     peak RSS sampled during the stream, VmHWM), then the same partner one
#     CheckUpgradeEligibility per subscription (the sweep; its ratio);
#   - on the first dataset only: `loadgen batch` (SubmitUpgrades, 100 items
#     a call, against single SubmitUpgrade from 32 clients) and h2load
#     (CheckUpgradeEligibility of one customer against Health/Check,
#     -c 8 -m 32), all against the same server in the same run.
#
# Every figure is printed with the number of rustc processes running when it
# was taken: a busy machine makes the numbers low.
#
# Knobs (environment):
#   BENCH_SIZES        "25000x10 100000x10": customers x subscriptions per
#                      customer, one dataset each (the first also gets batch
#                      and h2load)
#   BENCH_USERS (2), BENCH_BIG (1000: one customer with that many more),
#   BENCH_SEED (1), BENCH_BACKENDS ("sqlite postgres")
#   BENCH_REPEAT (2 streams per view, the best counts), BENCH_VIEWS (basic,full)
#   BENCH_SWEEP_DURATION (10 s; 0 skips the sweep), BENCH_SWEEP_CONCURRENCY (64)
#   BENCH_BATCH_DURATION (10 s; 0 skips batch), BENCH_SUBMIT_CLIENTS (32),
#   BENCH_BATCH_CLIENTS (4), BENCH_BATCH_SIZE (100)
#   BENCH_H2LOAD_DURATION (10 s; 0 skips h2load), BENCH_H2LOAD_WARMUP (2 s)
#   BENCH_PORT (50161), BENCH_OUT (target/bench-scale)
#   BENCH_BIN (the server binary, default target/release/csp-upgrades)
#   BENCH_SKIP_BUILD=1, BENCH_SERVER_ARGS (more server flags), RUST_LOG
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:-${BENCH_DATABASE_URL:-}}"
OUT="${BENCH_OUT:-target/bench-scale}"
PORT="${BENCH_PORT:-50161}"
BIN="${BENCH_BIN:-target/release/csp-upgrades}"
LOADGEN="${BENCH_LOADGEN:-target/release/examples/loadgen}"
SIZES="${BENCH_SIZES:-25000x10 100000x10}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
RUN_ID="$$"
ADDR="http://127.0.0.1:$PORT"
UPN=bench-ga@bench.example

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --bin csp-upgrades --example loadgen
fi
if [[ "${BENCH_H2LOAD_DURATION:-10}" != 0 ]] && ! command -v h2load >/dev/null; then
    echo "== installing h2load (Debian package nghttp2-client)"
    if [[ $(id -u) == 0 ]]; then SUDO=""; else SUDO=sudo; fi
    $SUDO apt-get install -y -q nghttp2-client >/dev/null
fi

busy() { pgrep -c -x rustc || true; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -m | awk '/Mem:/ {print $2}') MiB"
echo "rustc processes running at the start: $(busy)"

rm -rf "$OUT"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
BENCH_DB=""
cleanup() {
    stop_server
    if [[ -n "$BENCH_DB" ]]; then
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" || true
    fi
}
trap cleanup EXIT

# The same server, another database name: postgres://h/db?x -> postgres://h/NAME?x
with_db() {
    local url=$1 query=""
    if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
    echo "${url%/*}/$2$query"
}

# h2load_rps LABEL PATH BODY: requests/s of one gRPC method, -c 8 -m 32.
h2load_rps() {
    local label=$1 path=$2 body=$3 log="$OUT/h2load-$1.txt"
    h2load -c 8 -m 32 -D "${BENCH_H2LOAD_DURATION:-10}" --warm-up-time "${BENCH_H2LOAD_WARMUP:-2}" \
        -H 'content-type: application/grpc' -H 'te: trailers' -H "$(cat "$H2DIR/authorization.txt")" \
        -d "$body" "$ADDR$path" >"$log" 2>&1
    # "finished in 10.00s, 12345.67 req/s, ..." and "requests: ... succeeded, ... failed"
    local rps failed
    rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$log" | head -1)
    failed=$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' "$log" | head -1)
    echo "$rps ${failed:-?}"
}

# bench_one LABEL DATASET URL FIRST(1|0)
bench_one() {
    local label=$1 dataset=$2 url=$3 first=$4 dir="$OUT/$1"
    mkdir -p "$dir"
    echo "== $label: importing $(basename "$dataset")"
    local t0=$SECONDS
    "$BIN" import --data-dir "$dir" --database-url "$url" "$dataset"
    echo "== $label: imported in $((SECONDS - t0)) s"
    local token
    token=$("$BIN" token --data-dir "$dir" --database-url "$url" --user "$UPN" 2>/dev/null)
    # shellcheck disable=SC2086 # BENCH_SERVER_ARGS is a list of flags
    "$BIN" serve --data-dir "$dir" --database-url "$url" --demo-data false \
        --listen "127.0.0.1:$PORT" ${BENCH_SERVER_ARGS:-} 2>"$dir/server.log" &
    SERVER_PID=$!
    echo "== $label: server pid $SERVER_PID; rustc processes: $(busy)"
    BENCH_TOKEN="$token" "$LOADGEN" stream --addr "$ADDR" --server-pid "$SERVER_PID" \
        --label "$label" --views "${BENCH_VIEWS:-basic,full}" --repeat "${BENCH_REPEAT:-2}" \
        --sweep-duration "${BENCH_SWEEP_DURATION:-10}" \
        --sweep-concurrency "${BENCH_SWEEP_CONCURRENCY:-64}" \
        --json-out "$dir/stream.json" 2>&1 | tee -a "$SUMMARY"
    if [[ "$first" == 1 && "${BENCH_H2LOAD_DURATION:-10}" != 0 ]]; then
        H2DIR="$dir/h2load"
        BENCH_TOKEN="$token" "$LOADGEN" h2load-input --addr "$ADDR" --dataset "$dataset" \
            --upn "$UPN" --out-dir "$H2DIR"
        local health check
        health=$(h2load_rps "$label-health" /grpc.health.v1.Health/Check "$H2DIR/health.grpc")
        check=$(h2load_rps "$label-check" /csp.v1.UpgradeService/CheckUpgradeEligibility "$H2DIR/check.grpc")
        read -r health_rps health_failed <<<"$health"
        read -r check_rps check_failed <<<"$check"
        echo "$label: h2load -c 8 -m 32: Health/Check $health_rps req/s ($health_failed failed), CheckUpgradeEligibility $check_rps req/s ($check_failed failed), ratio $(awk -v a="$check_rps" -v b="$health_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'); rustc processes: $(busy)" | tee -a "$SUMMARY"
    fi
    # Batch last: it writes orders (the streams above read the imported data).
    if [[ "$first" == 1 && "${BENCH_BATCH_DURATION:-10}" != 0 ]]; then
        BENCH_TOKEN="$token" "$LOADGEN" batch --addr "$ADDR" --dataset "$dataset" --upn "$UPN" \
            --label "$label" --duration "${BENCH_BATCH_DURATION:-10}" \
            --submit-clients "${BENCH_SUBMIT_CLIENTS:-32}" --batch-clients "${BENCH_BATCH_CLIENTS:-4}" \
            --batch-size "${BENCH_BATCH_SIZE:-100}" --json-out "$dir/batch.json" 2>&1 | tee -a "$SUMMARY"
    fi
    echo "$label: server VmHWM $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER_PID/status")" | tee -a "$SUMMARY"
    stop_server
}

first=1
for size in $SIZES; do
    customers=${size%x*}
    subs=${size#*x}
    dataset="$OUT/dataset-$size.json"
    echo "== generating $customers customers x $subs subscriptions"
    "$BIN" generate --customers "$customers" --subscriptions "$subs" \
        --users-per-subscription "${BENCH_USERS:-2}" --big-customer-subscriptions "${BENCH_BIG:-1000}" \
        --seed "${BENCH_SEED:-1}" --out "$dataset"
    for backend in $BACKENDS; do
        case $backend in
        sqlite)
            bench_one "sqlite-$size" "$dataset" "sqlite:$OUT/sqlite-$size/csp-upgrades.db" "$first"
            ;;
        postgres)
            if [[ -z "$PG_URL" ]]; then
                echo "== postgres: skipped (no URL given)"
                continue
            fi
            BENCH_DB="csp_bench_scale_$RUN_ID"
            psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
            bench_one "postgres-$size" "$dataset" "$(with_db "$PG_URL" "$BENCH_DB")" "$first"
            psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB"
            BENCH_DB=""
            ;;
        *) echo "unknown backend $backend" >&2; exit 2 ;;
        esac
    done
    first=0
    rm -f "$dataset"
done

echo
echo "== summary (goals: stream BASIC >= 100,000 subscriptions/s, first message <= 100 ms,"
echo "   RSS <= 200 MiB during the 1M stream, batch >= 2x single, h2load check/health >= 0.5)"
grep -E 'stream (basic|full) #|sweep|BASIC / sweep|h2load|orders/s|VmHWM' "$SUMMARY"
echo "rustc processes running at the end: $(busy) (non-zero: the machine was not quiet)"
