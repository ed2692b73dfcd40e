# Citus scenario (issue #15): bulk ingest (one COPY of ACTS activities for
# LEADS leads, 10 each) into distributed tables, without and with lead_qual,
# on a coordinator with 1 worker and with 2 workers, all in this run. The
# cluster is its own (test/citus/cluster.sh: servers on loopback, started
# and stopped here; the bench's server only writes the COPY files). Each
# measurement gets fresh tables (leads and activities distributed by the
# lead id, co-located, Citus's default shard count), leads loaded, then
# lead_qual tracked or not; best of BENCH_ROUNDS (default 2). Without Citus
# the section says so and nothing is measured.
source "$BENCH_DIR/lib.sh"

# measure WORKERS ROUNDS LEADS_FILE ACTS_FILE (as a user PostgreSQL runs
# as): prints "variant seconds" per measurement.
if [[ ${1:-} == measure ]]; then
  workers=$2 rounds=$3 leads_file=$4 acts_file=$5
  LQ_CITUS_BASE=$(mktemp -d -t lq_bench_citus.XXXXXX)
  # timed() writes $OUT/last_error: here a directory of this user's (the
  # bench's own $OUT belongs to the user that started it).
  OUT=$LQ_CITUS_BASE
  export LQ_CITUS_BASE LQ_CITUS_AS_OF="" OUT
  source "$BENCH_DIR/../citus/cluster.sh"
  trap 'lq_stop_all; rm -rf "$LQ_CITUS_BASE"' EXIT
  ports=()
  for ((w = 0; w <= workers; w++)); do
    p=$(lq_free_port)
    lq_start "node$w" "$p" citus >&2 || exit 1
    ports+=("$p")
  done
  export PGHOST=$LQ_CITUS_BASE PGPORT=${ports[0]} PGDATABASE=postgres PGUSER=postgres
  for p in "${ports[@]}"; do psql -X -q -v ON_ERROR_STOP=1 -p "$p" -c "CREATE EXTENSION citus" >/dev/null; done
  {
    sql "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})"
    for p in "${ports[@]:1}"; do sql "SELECT citus_add_node('127.0.0.1', $p)"; done
    sql "CREATE EXTENSION lead_qual"
    "${PSQL[@]}" -f "$BENCH_DIR/sql/model.sql"
  } >/dev/null
  for ((r = 1; r <= rounds; r++)); do
    for v in plain lead_qual; do
      s=bench_${v}_$r
      "${PSQL[@]}" >/dev/null <<SQL
CREATE SCHEMA $s;
CREATE TABLE $s.leads (id int PRIMARY KEY, industry text, employees int);
CREATE TABLE $s.activities (lead_id int NOT NULL, id bigserial, activity text NOT NULL,
                            occurred_at timestamptz NOT NULL DEFAULT now(), properties jsonb, PRIMARY KEY (lead_id, id));
SELECT create_distributed_table('$s.leads', 'id');
SELECT create_distributed_table('$s.activities', 'lead_id', colocate_with => '$s.leads');
COPY $s.leads FROM '$leads_file';
SELECT lead_qual.track('$s.activities', '$s.leads', 'bench_model', '{"add_columns": true}') WHERE '$v' = 'lead_qual';
SQL
      for p in "${ports[@]}"; do psql -X -q -p "$p" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null; done
      t=$(timed "COPY $s.activities (lead_id, activity, occurred_at, properties) FROM '$acts_file'") || {
        cat "$OUT/last_error" >&2; exit 1; }
      # lead_qual really scored every lead on the shards (not measured).
      if [[ $v == lead_qual ]]; then
        read -r scored total < <(sql "SELECT count(*) FILTER (WHERE engagement_score > 0), count(*) FROM $s.leads" | tr '|' ' ')
        if [[ $scored != "$total" ]]; then echo "citus: only $scored of $total leads scored with lead_qual" >&2; exit 1; fi
      fi
      echo "$v $t"
    done
  done
  exit 0
fi

section="$OUT/70_citus.md"
if [[ ! -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]]; then
  log "citus: skipped: Citus not installed (no citus extension for PostgreSQL $PG_MAJOR)"
  printf '## Citus\n\nskipped: Citus not installed (no citus extension for PostgreSQL %s)\n\n' "$PG_MAJOR" >"$section"
  exit 0
fi
citus=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$("$PG_CONFIG" --sharedir)/extension/citus.control")
leads=$(scaled 50000 100)
acts=$((leads * 10))
sql "COPY (SELECT id, industry, employees FROM bench.lead_src WHERE id <= $leads ORDER BY id) TO '$DATA_DIR/citus_leads.copy'"
sql "COPY (SELECT lead_id, activity, occurred_at, properties FROM bench.activity_src WHERE lead_id <= $leads ORDER BY i)
      TO '$DATA_DIR/citus_acts.copy'"
# The servers refuse to run as root.
run_as=()
if [[ $(id -u) -eq 0 ]]; then run_as=(runuser -u postgres --); fi
declare -A best
for workers in 1 2; do
  while read -r v t; do
    best[$v.$workers]=$(min "$t" "${best[$v.$workers]:-$t}")
    log "citus $workers worker(s) $v: ${t}s"
  done < <("${run_as[@]}" env BENCH_DIR="$BENCH_DIR" OUT="$OUT" BENCH_SCALE="$BENCH_SCALE" PG_CONFIG="$PG_CONFIG" \
             bash "$BENCH_DIR/citus.sh" measure "$workers" "${BENCH_ROUNDS:-2}" \
             "$DATA_DIR/citus_leads.copy" "$DATA_DIR/citus_acts.copy")
  # The measurements run in a process substitution, whose failure set -e
  # does not see: no figure means it failed (its error is above).
  if [[ -z ${best[plain.$workers]:-} || -z ${best[lead_qual.$workers]:-} ]]; then
    log "citus: the measurement with $workers worker(s) failed"
    exit 1
  fi
done
{
  echo "## Citus: COPY of $acts activities for $leads leads into distributed tables"
  echo
  echo "Citus (extension version $citus); a coordinator and 1 or 2 workers on this machine (loopback), tables distributed by the lead id and"
  echo "co-located (32 shards); fresh tables per run, best of ${BENCH_ROUNDS:-2}. With lead_qual, the triggers fire on the"
  echo "shards, on the workers, and write the leads and the history table co-located with them."
  echo
  echo "| workers | without lead_qual (s) | with lead_qual (s) | ratio with / without |"
  echo "|---:|---:|---:|---:|"
  for w in 1 2; do
    echo "| $w | $(fmt "${best[plain.$w]}") | $(fmt "${best[lead_qual.$w]}") | $(fmt "$(calc "${best[lead_qual.$w]} / ${best[plain.$w]}")") |"
  done
  echo
  echo "2 workers / 1 worker: without lead_qual $(fmt "$(calc "${best[plain.2]} / ${best[plain.1]}")"),"
  echo "with lead_qual $(fmt "$(calc "${best[lead_qual.2]} / ${best[lead_qual.1]}")") (time ratios: below 1 is faster with 2 workers;"
  echo "every node shares this machine's $(nproc) cores)."
  echo
} >"$section"
