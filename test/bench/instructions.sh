#!/usr/bin/env bash
# CPU instructions per single-row INSERT, counted by callgrind (not part of
# make bench, which measures time): deterministic where timings on a shared
# 2-core machine move by a tenth between runs, so a change of a few percent
# in the trigger path can be seen. Each variant's tables are loaded as
# make bench's streaming scenario loads them (setup_loaded: LEADS leads with
# 10 activities each, then the variant attached), the server is stopped,
# and one backend in single-user mode runs N single-row INSERTs (a
# transaction each, leads and activity types drawn as stream.pgbench draws
# them, from a fixed seed) under callgrind. The figure: the run's
# instructions minus those of the same run of 0 INSERTs, per INSERT.
#   bash test/bench/instructions.sh [VARIANT...]
# (default: B0 F2 lead_qual lead_qual_realistic). make bench runs it as its
# scenario "instructions" (OUT set by test/bench/run.sh): the table goes into
# results.md; without valgrind it is skipped there.
# Then the same for one bulk INSERT ... SELECT (INSTR_BULK_LEADS leads, default
# 2000, with 10 activities each, into fresh tables as make bench's bulk
# scenario loads them), per activity row, for INSTR_BULK_VARIANTS (default
# B0 F1 lead_qual lead_qual_realistic): the bulk ratios without the timing
# noise.
# Then batch scoring (make bench's batch scenario, sql/batch_*.sql):
# INSTR_BATCH_ACTS activities (default 1000000) over INSTR_BATCH_LEADS leads
# (default 100000, as many groups as make bench's, so that the hash
# aggregates spill as there), one GROUP BY lead without parallel workers at
# the default work_mem, per activity, for lead_qual's engagement_state(), the float8 SQL
# and the floor (the same GROUP BY computing nothing); INSTR_BATCH_ACTS=0
# skips it.
# INSTR_LEADS (default 20000), INSTR_INSERTS (default 2000); INSTR_OUT=DIR
# keeps each variant's callgrind file there (callgrind_annotate --inclusive=yes
# DIR/callgrind.VARIANT shows where the instructions go). Uses the
# installed extension; needs root (runs the server as postgres) and valgrind.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
source "$BENCH_DIR/../../scripts/pg_version.sh"
bindir=$("$PG_CONFIG" --bindir)
leads=${INSTR_LEADS:-20000}
inserts=${INSTR_INSERTS:-2000}
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(B0 F2 lead_qual lead_qual_realistic)
bulk_leads=${INSTR_BULK_LEADS:-2000}
read -r -a bulk_variants <<<"${INSTR_BULK_VARIANTS:-B0 F1 lead_qual lead_qual_realistic}"
batch_leads=${INSTR_BATCH_LEADS:-100000}
batch_acts=${INSTR_BATCH_ACTS:-1000000}
batch_variants=(lead_qual sql floor)
in_bench=${OUT:+1}
section=${OUT:+$OUT/35_instructions.md}
if ! command -v valgrind >/dev/null; then
  echo "instructions: skipped: valgrind not installed" >&2
  [ -z "$in_bench" ] || printf '## CPU instructions per single-row INSERT\n\nSkipped: valgrind not installed.\n\n' >"$section"
  exit 0
fi
dir=$(mktemp -d /tmp/lead_qual_instr.XXXXXX)
chown postgres "$dir"
section=${section:-$dir/section.md}
as_pg() { runuser -u postgres -- "$@"; }
stop() { as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; }
trap 'stop; rm -rf "$dir"' EXIT
as_pg "$bindir/initdb" -D "$dir/data" -A trust --locale=C.UTF-8 >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p 5499 -k $dir -c listen_addresses='' -c fsync=off -c shared_buffers=256MB" start >/dev/null
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p 5499 -U postgres)
export PGOPTIONS="-c client_min_messages=warning"
"${psql[@]}" -d postgres -c "CREATE DATABASE bench"
"${psql[@]}" -d bench -v leads="$leads" -v acts="$((leads * 10))" -f "$BENCH_DIR/sql/setup.sql" >/dev/null
for v in "${variants[@]}"; do
  "${psql[@]}" -d postgres -c "CREATE DATABASE \"v_$v\" TEMPLATE bench"
  "${psql[@]}" -d "v_$v" -c "SELECT bench.reset('B0', $leads)" \
    -c "INSERT INTO bench.activities (lead_id, activity, occurred_at, properties)
        SELECT lead_id, activity, occurred_at, properties FROM bench.activity_src WHERE lead_id <= $leads" \
    -c "SELECT bench.attach('$v')" -c "VACUUM FULL ANALYZE bench.leads" -c "VACUUM ANALYZE bench.activities" >/dev/null
done
for v in "${bulk_variants[@]}"; do
  "${psql[@]}" -d postgres -c "CREATE DATABASE \"bulk_$v\" TEMPLATE bench"
  "${psql[@]}" -d "bulk_$v" -c "SELECT bench.reset('$v', $bulk_leads)" -c "VACUUM ANALYZE bench.leads" >/dev/null
done
if [ "$batch_acts" -gt 0 ]; then
  "${psql[@]}" -d postgres -c "CREATE DATABASE batch TEMPLATE bench"
  "${psql[@]}" -d batch -v leads="$batch_leads" -v acts="$batch_acts" -f "$BENCH_DIR/sql/batch_data.sql" >/dev/null
fi
stop
# The batch queries (one line each), as of one time after the data's, without
# parallel workers (a single-user backend has none).
batch_as_of=$(date -u +'%Y-%m-%d %H:%M:%S+00')
for v in "${batch_variants[@]}"; do
  { echo "SET max_parallel_workers_per_gather = 0"
    grep -v '^--' "$BENCH_DIR/sql/batch_$v.sql" | sed "s/:'as_of'/'$batch_as_of'/g" | tr '\n' ' '
    echo; } >"$dir/batch_$v.sql"
done
echo "SET max_parallel_workers_per_gather = 0" >"$dir/batch_none.sql"
# The bulk statement: make bench's (bulk.sh), for the first bulk_leads leads
# (one line: the single-user backend reads one statement per line).
echo "INSERT INTO bench.activities (lead_id, activity, occurred_at, properties)" \
  "SELECT lead_id, activity, occurred_at, properties FROM bench.activity_src WHERE lead_id <= $bulk_leads" >"$dir/bulk.sql"
echo "SELECT count(*) FROM bench.activity_src WHERE lead_id <= $bulk_leads" >"$dir/bulk_none.sql"
# The statements: stream.pgbench's, with its random draws from a fixed seed.
awk -v n="$inserts" -v leads="$leads" 'BEGIN {
  srand(17)
  for (i = 0; i < n; i++) {
    lead = 1 + int(rand() * leads); kind = int(rand() * 100)
    a = kind < 50 ? "page_view" : kind < 70 ? "email_click" : kind < 85 ? "content_download" : kind < 95 ? "webinar" : "demo_request"
    printf "INSERT INTO bench.activities (lead_id, activity, occurred_at, properties) VALUES (%d, '\''%s'\'', now(), '\''{\"url\": \"/page/1\"}'\'')\n", lead, a
  }
}' >"$dir/inserts.sql"
: >"$dir/none.sql"
chmod a+r "$dir"/*.sql
# instructions FILE DB: callgrind's total for one single-user backend.
instructions() {
  as_pg valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$bindir/postgres" --single -D "$dir/data" \
    -c fsync=off -c shared_buffers=256MB "$2" <"$1" >/dev/null 2>"$dir/valgrind.log"
  awk '/^summary:/ { print $2 }' "$dir/cg.out"
}
declare -A per_insert
for v in "${variants[@]}"; do
  # Both runs on a copy of the loaded database (the INSERTs change it).
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p 5499 -k $dir -c listen_addresses=''" start >/dev/null
  "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS run" -c "CREATE DATABASE run TEMPLATE \"v_$v\"" >/dev/null
  stop
  base=$(instructions "$dir/none.sql" run)
  total=$(instructions "$dir/inserts.sql" run)
  if [ -n "${INSTR_OUT:-}" ]; then mkdir -p "$INSTR_OUT"; cp "$dir/cg.out" "$INSTR_OUT/callgrind.$v"; fi
  per_insert[$v]=$(awk -v t="$total" -v b="$base" -v n="$inserts" 'BEGIN { printf "%.0f", (t - b) / n }')
done
declare -A per_row
for v in "${bulk_variants[@]}"; do
  base=$(instructions "$dir/bulk_none.sql" "bulk_$v")
  total=$(instructions "$dir/bulk.sql" "bulk_$v")
  if [ -n "${INSTR_OUT:-}" ]; then cp "$dir/cg.out" "$INSTR_OUT/callgrind.bulk_$v"; fi
  per_row[$v]=$(awk -v t="$total" -v b="$base" -v n="$((bulk_leads * 10))" 'BEGIN { printf "%.0f", (t - b) / n }')
done
declare -A per_activity
if [ "$batch_acts" -gt 0 ]; then
  base=$(instructions "$dir/batch_none.sql" batch)
  for v in "${batch_variants[@]}"; do
    total=$(instructions "$dir/batch_$v.sql" batch)
    if [ -n "${INSTR_OUT:-}" ]; then cp "$dir/cg.out" "$INSTR_OUT/callgrind.batch_$v"; fi
    per_activity[$v]=$(awk -v t="$total" -v b="$base" -v n="$batch_acts" 'BEGIN { printf "%.0f", (t - b) / n }')
  done
fi
bulk_ratio() { if [ -n "${per_row[$2]:-}" ]; then awk -v a="${per_row[$1]}" -v b="${per_row[$2]}" 'BEGIN { printf "%.2f", a / b }'; else echo "n/a"; fi; }
ratio() { if [ -n "${per_insert[$2]:-}" ]; then awk -v a="${per_insert[$1]}" -v b="${per_insert[$2]}" 'BEGIN { printf "%.2f", a / b }'; else echo "n/a"; fi; }
{
  echo "## CPU instructions per single-row INSERT"
  echo
  echo "Counted by callgrind (\`test/bench/instructions.sh\`): deterministic, where the streaming TPS above move by a"
  echo "tenth or more between rounds on a shared machine. The streaming scenario's tables ($leads leads with 10"
  echo "activities each, the variant attached), then $inserts single-row INSERTs of stream.pgbench's kind (fixed seed), each"
  echo "its own transaction, in one single-user backend; minus the same backend running none, per INSERT."
  echo "Single-user mode parses and plans every statement (pgbench's clients use prepared statements), which B0 includes."
  echo
  echo "| variant | instructions per INSERT | ratio to F2 | ratio to B0 |"
  echo "|---|---:|---:|---:|"
  for v in "${variants[@]}"; do
    echo "| $v | ${per_insert[$v]} | $(ratio "$v" F2) | $(ratio "$v" B0) |"
  done
  echo
  if [ ${#bulk_variants[@]} -gt 0 ]; then
    echo "And per activity row of one bulk INSERT ... SELECT: $bulk_leads leads with 10 activities each, into the fresh"
    echo "tables of the bulk scenario (one single-user backend; minus the same backend counting the rows)."
    echo
    echo "| variant | instructions per row | ratio to F1 | ratio to B0 |"
    echo "|---|---:|---:|---:|"
    for v in "${bulk_variants[@]}"; do
      echo "| $v | ${per_row[$v]} | $(bulk_ratio "$v" F1) | $(bulk_ratio "$v" B0) |"
    done
    echo
  fi
  if [ "$batch_acts" -gt 0 ]; then
    echo "And per activity of batch scoring (\`test/bench/sql/batch_*.sql\`): $batch_acts stored activities over"
    echo "$batch_leads leads, one GROUP BY lead in one single-user backend (no parallel workers), work_mem 4MB;"
    echo "minus the same backend running none. The ratio is the batch target's: the SQL's over lead_qual's."
    echo
    echo "| variant | instructions per activity | SQL / variant |"
    echo "|---|---:|---:|"
    for v in "${batch_variants[@]}"; do
      echo "| $v | ${per_activity[$v]} | $(awk -v a="${per_activity[sql]}" -v b="${per_activity[$v]}" 'BEGIN { printf "%.2f", a / b }') |"
    done
    echo
  fi
} >"$section"
[ -n "$in_bench" ] || cat "$section"
