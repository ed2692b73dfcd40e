# Runs inside pg_virtualenv (PGHOST etc. set): loads the bench schema and
# data, then each scenario of BENCH_ONLY in order. Each scenario writes its
# markdown section to $OUT/NN_name.md and its targets to $OUT/targets.md.
set -euo pipefail
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
log "scale $BENCH_SCALE: loading $leads leads, $((leads * 10)) source activities"
"${PSQL[@]}" -v leads="$leads" -v acts="$((leads * 10))" -f "$BENCH_DIR/sql/setup.sql" >/dev/null
sql "SELECT version()" >"$OUT/pg_version"
sql "SHOW jit" >"$OUT/jit"
sql "SELECT extversion FROM pg_extension WHERE extname = 'lead_qual'" >"$OUT/extversion"

for s in $BENCH_ONLY; do
  log "scenario $s"
  t0=$(date +%s)
  bash "$BENCH_DIR/$s.sh"
  log "scenario $s took $(( $(date +%s) - t0 ))s"
done
