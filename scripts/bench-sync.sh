#!/usr/bin/env bash
# The sync figure of issue 16 (SPEC §11: a partner of 250,000 subscriptions
# synced in under a minute and 500 MiB), in one command:
#
#   scripts/bench-sync.sh [POSTGRES_URL]     # or BENCH_DATABASE_URL=postgres://...
#
# Generates a partner of 25,000 customers x 10 subscriptions (about 250,000
# subscriptions and twice as many users with their licenses), and a copy of
# its export with about 1% of it changed (subscriptions' seats, customers'
# names, users removed, new users). Then, per backend (SQLite; Postgres when
# a URL is given, in a scratch database created next to the URL's and
# dropped afterwards):
#
#   1. imports the partner alone (its staff, no customer): a sync needs the
#      partner to exist;
#   2. "first, dry run": the full export against that, rolled back;
#   3. "first": the full export, applied (every customer, subscription, user
#      and license inserted);
#   4. "second, dry run" and "second": the changed copy (about 1% of the
#      records updated, removed or added; the rest compared and left alone),
#      which is what a nightly sync of a partner this size looks like.
#
# Each step runs the real binary under /usr/bin/time -v: wall time and
# maximum RSS of the whole process (reading, validating, comparing, writing).
#
# Knobs (environment): BENCH_CUSTOMERS (25000), BENCH_SUBSCRIPTIONS (10),
# BENCH_USERS (2), BENCH_SEED (1), BENCH_OUT (target/bench-sync),
# BENCH_BIN (default target/release/csp-upgrades), BENCH_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:-${BENCH_DATABASE_URL:-}}"
OUT="${BENCH_OUT:-target/bench-sync}"
BIN="${BENCH_BIN:-target/release/csp-upgrades}"
RUN_ID="$$"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --bin csp-upgrades
fi
for tool in jq /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done

busy() { pgrep -c -x rustc || true; }
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MiB; rustc processes running: $(busy)"

rm -rf "$OUT"
mkdir -p "$OUT"
"$BIN" generate --customers "${BENCH_CUSTOMERS:-25000}" --subscriptions "${BENCH_SUBSCRIPTIONS:-10}" \
    --users-per-subscription "${BENCH_USERS:-2}" --big-customer-subscriptions 0 \
    --seed "${BENCH_SEED:-1}" --out "$OUT/full.json"
jq -c '{partners, partner_users}' "$OUT/full.json" >"$OUT/partner.json"
# About 1% changed: every 100th subscription gets a seat more, every 100th
# customer a new name, every 200th user is gone, and every 200th user gets a
# new colleague (a new id and UPN, the same licenses).
jq -c '
  def newid: "ffffffff" + .[8:];
  .subscriptions |= [to_entries[] | .value + (if .key % 100 == 0 then {quantity: (.value.quantity + 1)} else {} end)]
  | .customers |= [to_entries[] | .value + (if .key % 100 == 0 then {name: (.value.name + " (renamed)")} else {} end)]
  | .customer_users |= ([to_entries[] | select(.key % 200 != 7) | .value]
      + [to_entries[] | select(.key % 200 == 3) | .value + {id: (.value.id | newid), upn: ("new-" + .value.upn)}])
' "$OUT/full.json" >"$OUT/changed.json"
ls -l "$OUT"/*.json | awk '{printf "  %s: %d MB\n", $NF, $5 / 1000000}'

ROWS=()
# measure LABEL BACKEND URL FILE [--dry-run]: one sync under /usr/bin/time.
measure() {
    local label=$1 backend=$2 url=$3 file=$4
    shift 4
    local log="$OUT/$backend-${label// /-}"
    # Text: its second line counts the changes (JSON would list them all).
    /usr/bin/time -v "$BIN" sync --database-url "$url" --data-dir "$OUT/$backend" \
        "$file" "$@" >"$log.txt" 2>"$log.time"
    local wall rss changes
    wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$log.time")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log.time")
    changes=$(sed -n 2p "$log.txt")
    ROWS+=("$(printf '| %-8s | %-16s | %9s | %7d MiB | %s |' "$backend" "$label" "$wall" $((rss / 1024)) "$changes")")
    echo "${ROWS[-1]}"
}

# run_backend BACKEND URL
run_backend() {
    local backend=$1 url=$2
    mkdir -p "$OUT/$backend"
    echo "== $backend: importing the partner alone"
    "$BIN" import --database-url "$url" --data-dir "$OUT/$backend" "$OUT/partner.json" >/dev/null
    measure "first, dry run" "$backend" "$url" "$OUT/full.json" --dry-run
    measure "first" "$backend" "$url" "$OUT/full.json"
    measure "second, dry run" "$backend" "$url" "$OUT/changed.json" --dry-run
    measure "second" "$backend" "$url" "$OUT/changed.json"
}

run_backend sqlite "sqlite:$OUT/sqlite/csp-upgrades.db"

if [[ -n "$PG_URL" ]]; then
    # The same server, another database name: postgres://h/db?x -> postgres://h/NAME?x
    with_db() {
        local url=$1 query=""
        if [[ "$url" == *\?* ]]; then query="?${url#*\?}"; url="${url%%\?*}"; fi
        echo "${url%/*}/$2$query"
    }
    BENCH_DB="csp_bench_sync_$RUN_ID"
    drop_db() { psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" || true; }
    trap drop_db EXIT
    psql -q "$PG_URL" -c "CREATE DATABASE $BENCH_DB"
    run_backend postgres "$(with_db "$PG_URL" "$BENCH_DB")"
fi

echo
echo "| backend  | sync             | wall      | max RSS     | changes |"
echo "|----------|------------------|-----------|-------------|---------|"
printf '%s\n' "${ROWS[@]}"
echo "rustc processes running at the end: $(busy) (non-zero: the machine was not quiet)"
