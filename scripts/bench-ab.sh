#!/usr/bin/env bash
# Two server binaries, one run: the same load (scripts/bench.sh's loadgen
# phases) on each, alternating A B A B on fresh databases, so a drift of the
# machine shows up in both rather than as a difference between them.
#
#   BENCH_BASELINE_BIN=/path/to/old/csp-upgrades scripts/bench-ab.sh [POSTGRES_URL]
#
# A is the baseline (an older build: check it out in a worktree of its own
# with its own target directory and `cargo build --release --bin
# csp-upgrades`), B is BENCH_BIN (default target/release/csp-upgrades). The
# load is this tree's loadgen, or for A BENCH_BASELINE_LOADGEN (the baseline
# tree's own `--example loadgen`) when the contract changed in between: a
# line starting "!!" says a run had answers that were not OK, and its figure
# then measures refusals. Knobs as scripts/bench.sh, plus BENCH_ROUNDS (2),
# BENCH_RPCS (health,check,list,submit) and BENCH_BACKENDS (sqlite,postgres).
# Each binary imports the dataset once per backend; each run starts from a
# copy. Prints one line per run and the median of each binary per backend
# and RPC.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:-${BENCH_DATABASE_URL:-}}"
OUT="${BENCH_OUT:-target/bench-ab}"
PORT="${BENCH_PORT:-50152}"
NEW="${BENCH_BIN:-target/release/csp-upgrades}"
OLD="${BENCH_BASELINE_BIN:?set BENCH_BASELINE_BIN to the baseline server binary}"
LOADGEN=target/release/examples/loadgen
# The baseline's own load generator, when the contract changed in between:
# this tree's requests may not be valid for the old server (every answer then
# counts as INVALID_ARGUMENT, which the lines below flag with "!!").
OLD_LOADGEN="${BENCH_BASELINE_LOADGEN:-$LOADGEN}"
ROUNDS="${BENCH_ROUNDS:-2}"
RUN_ID="$$"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --bin csp-upgrades --example loadgen
fi
busy() { pgrep -c -x rustc || true; }
echo "machine: $(nproc) cores; rustc processes running at the start: $(busy)"
echo "A (baseline): $OLD ($("$OLD" --version 2>/dev/null || echo '?'))"
echo "B (this tree): $NEW"
echo "load: A $OLD_LOADGEN, B $LOADGEN"

rm -rf "$OUT"
mkdir -p "$OUT"
"$NEW" generate --customers "${BENCH_CUSTOMERS:-25000}" --subscriptions "${BENCH_SUBSCRIPTIONS:-10}" \
    --users-per-subscription "${BENCH_USERS:-2}" --big-customer-subscriptions 1000 \
    --seed "${BENCH_SEED:-1}" --out "$OUT/dataset.json"

SERVER_PID=""
SCRATCH_DB=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
    if [[ -n "$SCRATCH_DB" ]]; then
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $SCRATCH_DB" || true
        SCRATCH_DB=""
    fi
}
trap cleanup EXIT

# postgres://h/db?x -> postgres://h/NAME?x
with_db() {
    local url=$1 query=""
    if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
    echo "${url%/*}/$2$query"
}

# template BACKEND LABEL BIN: the dataset imported once per binary (the
# import is not what is measured, and on Postgres it takes minutes); each run
# starts from a copy of it.
template() {
    local backend=$1 label=$2 bin=$3 dir="$OUT/template-$2"
    mkdir -p "$dir"
    if [[ "$backend" == sqlite ]]; then
        "$bin" import --data-dir "$dir" --database-url "sqlite:$dir/csp-upgrades.db" \
            "$OUT/dataset.json" >/dev/null
    else
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS csp_bench_ab_tpl_${2,,}" \
            -c "CREATE DATABASE csp_bench_ab_tpl_${2,,}"
        "$bin" import --data-dir "$dir" --database-url "$(with_db "$PG_URL" "csp_bench_ab_tpl_${2,,}")" \
            "$OUT/dataset.json" >/dev/null
    fi
}

# one BACKEND LABEL BIN TEMPLATE LOADGEN: a fresh copy of the template's
# database, the server, the load.
one() {
    local backend=$1 label=$2 bin=$3 tpl=$4 loadgen=$5 dir="$OUT/$2" url
    mkdir -p "$dir"
    cp -r "$OUT/template-$tpl/." "$dir/"
    if [[ "$backend" == sqlite ]]; then
        url="sqlite:$dir/csp-upgrades.db"
    else
        SCRATCH_DB="csp_bench_ab_$RUN_ID"
        psql -q "$PG_URL" -c "CREATE DATABASE $SCRATCH_DB TEMPLATE csp_bench_ab_tpl_${tpl,,}"
        url=$(with_db "$PG_URL" "$SCRATCH_DB")
    fi
    # shellcheck disable=SC2086 # BENCH_SERVER_ARGS is a list of flags
    "$bin" --data-dir "$dir" --database-url "$url" --demo-data false \
        --listen "127.0.0.1:$PORT" ${BENCH_SERVER_ARGS:-} 2>"$dir/server.log" &
    SERVER_PID=$!
    echo "== $label (rustc running: $(busy))"
    "$loadgen" run --addr "http://127.0.0.1:$PORT" --dataset "$OUT/dataset.json" \
        --data-dir "$dir" --server-pid "$SERVER_PID" --label "$label" \
        --rpcs "${BENCH_RPCS:-health,check,list,submit}" --single-duration 0 \
        --duration "${BENCH_DURATION:-10}" --warmup "${BENCH_WARMUP:-2}" \
        --concurrency "${BENCH_CONCURRENCY:-64}" --connections "${BENCH_CONNECTIONS:-4}" \
        --submit-clients "${BENCH_SUBMIT_CLIENTS:-32}" --json-out "$OUT/$label.json" >/dev/null
    cleanup
    jq -r --arg l "$label" '.phases[] | "\($l)\t\(.name)\t\(.rps | floor)"' "$OUT/$label.json"
    # Answers that were not OK count in req/s too: say so beside the figure.
    jq -r --arg l "$label" '.phases[] | select((.non_ok | length) > 0)
        | "!! \($l) \(.name): answers not OK: \(.non_ok)"' "$OUT/$label.json"
}

BACKENDS=(sqlite)
[[ -n "$PG_URL" ]] && BACKENDS+=(postgres)
if [[ -n "${BENCH_BACKENDS:-}" ]]; then read -r -a BACKENDS <<<"${BENCH_BACKENDS//,/ }"; fi
for backend in "${BACKENDS[@]}"; do
    template "$backend" A "$OLD"
    template "$backend" B "$NEW"
    for round in $(seq 1 "$ROUNDS"); do
        one "$backend" "$backend-A-$round" "$OLD" A "$OLD_LOADGEN"
        one "$backend" "$backend-B-$round" "$NEW" B "$LOADGEN"
    done
    if [[ "$backend" == postgres ]]; then
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS csp_bench_ab_tpl_a" \
            -c "DROP DATABASE IF EXISTS csp_bench_ab_tpl_b"
    fi
done | tee "$OUT/lines.tsv"

echo
echo "median req/s per backend, RPC and binary (A = baseline, B = this tree); rustc running at the end: $(busy)"
python3 - "$OUT/lines.tsv" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 3 or parts[0].startswith("=="):
        continue
    label, rpc, rps = parts
    backend, binary, _ = label.rsplit("-", 2)
    runs[(backend, rpc, binary)].append(float(rps))
keys = sorted({(b, r) for b, r, _ in runs})
print(f"{'backend':10} {'RPC':55} {'A':>8} {'B':>8} {'B/A':>6}  runs A | B")
for backend, rpc in keys:
    a, b = runs[(backend, rpc, "A")], runs[(backend, rpc, "B")]
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{backend:10} {rpc[:55]:55} {ma:8.0f} {mb:8.0f} {mb / ma:6.2f}  "
          f"{' '.join(f'{x:.0f}' for x in a)} | {' '.join(f'{x:.0f}' for x in b)}")
EOF
