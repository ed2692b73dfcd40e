#!/usr/bin/env bash
# Where lead_qual's trigger time goes (not part of make bench): one bulk
# INSERT of 1M activities and 10 s of 4-client single-row INSERTs, with
# pg_stat_statements tracking the trigger's nested statements (plan and
# execution time), and optionally perf (PROFILE_PERF=1, writes perf.*.data
# to PROFILE_DIR). Uses the installed extension.
#   BENCH_SCALE=0.1 bash test/bench/profile.sh
# PROFILE_VARIANT=lead_qual_realistic profiles the realistic model,
# lead_qual_update lead_qual writing its leads by UPDATE (make bench's variant).
# PROFILE_CALLGRAPH=dwarf unwinds with DWARF (199 Hz): PostgreSQL is built
# without frame pointers, so the default (-g) misattributes its frames.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
export BENCH_DIR BENCH_SCALE=${BENCH_SCALE:-1} PROFILE_DIR=${PROFILE_DIR:-/tmp} PROFILE_PERF=${PROFILE_PERF:-}
export PROFILE_VARIANT=${PROFILE_VARIANT:-lead_qual}
PROFILE_CALLGRAPH=${PROFILE_CALLGRAPH:-fp}
OUT=$(mktemp -d /tmp/lead_qual_profile.XXXXXX)
export OUT
trap 'rm -rf "$OUT"' EXIT
source "$BENCH_DIR/../../scripts/pg_version.sh"
[ -n "${IN_VIRTUALENV:-}" ] || exec env IN_VIRTUALENV=1 pg_virtualenv -t -v "$PG_MAJOR" -o shared_buffers=1GB \
  -o max_wal_size=4GB -o shared_preload_libraries=pg_stat_statements -o pg_stat_statements.track=all \
  -o pg_stat_statements.track_planning=on bash "$0"

source "$BENCH_DIR/lib.sh"
PGOPTIONS=$(variant_options "$PROFILE_VARIANT")
export PGOPTIONS
leads=$(scaled 100000 100)
"${PSQL[@]}" -v leads="$leads" -v acts="$((leads * 10))" -f "$BENCH_DIR/sql/setup.sql" >/dev/null
sql "CREATE EXTENSION pg_stat_statements"
top() {
  sql "SELECT pg_stat_statements_reset()" >/dev/null
  "$@"
  "${PSQL[@]}" -c "SELECT calls, round(total_plan_time::numeric, 1) AS plan_ms, round(total_exec_time::numeric, 1) AS exec_ms,
                          left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS statement
                     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
                    ORDER BY total_plan_time + total_exec_time DESC LIMIT 8"
}
# perf_of NAME COMMAND...: COMMAND, sampled by perf system-wide while it runs.
perf_of() {
  local name=$1; shift
  if [ -z "$PROFILE_PERF" ]; then "$@"; return; fi
  # The command may be a shell function (timed): sample system-wide in the
  # background while it runs, then stop perf.
  local how=(-F 999 -g)
  if [ "$PROFILE_CALLGRAPH" = dwarf ]; then how=(-F 199 --call-graph dwarf,8192); fi
  perf record -q -o "$PROFILE_DIR/perf.$name.data" "${how[@]}" -e cpu-clock -a &
  local perf_pid=$!
  sleep 1
  "$@"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  echo "perf report -i $PROFILE_DIR/perf.$name.data --children --comm postgres"
}

setup "$PROFILE_VARIANT" "$leads"
echo "== bulk INSERT ... SELECT of $((leads * 10)) activities, $PROFILE_VARIANT"
top perf_of bulk timed "INSERT INTO bench.activities (lead_id, activity, occurred_at, properties)
                        SELECT lead_id, activity, occurred_at, properties FROM bench.activity_src"
setup_loaded "$PROFILE_VARIANT" "$leads"
echo "== 10 s of single-row INSERTs from 4 clients, $PROFILE_VARIANT"
top perf_of stream "$PGBENCH" -n -M prepared -c 4 -j 2 -T 10 -D leads="$leads" -f "$BENCH_DIR/stream.pgbench"
