#!/usr/bin/env bash
# A scoring model UPDATEd in another session while a parallel
# engagement_state() query runs: the query must fail with 40001 (README:
# partial results of a model changed while the query ran) or return states
# of one model version, never combine two. Made deterministic with an
# advisory lock: the other session holds lock 42 while it changes the
# model; the query's parallel workers (never the leader) wait for that lock
# at each row, so the leader looks the model up before the change and the
# workers after it.
#
# Failed at 153aa4c with the leader participating: 22023 "cannot combine
# score_states of model "a" version 2 and model "a" version 3" (a worker's
# look-up took a new snapshot under READ COMMITTED, not the query's).
set -euo pipefail
db=lq_par_model_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
export PGOPTIONS="-c timezone=UTC -c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

q >/dev/null <<'SQL'
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES
 ('a', '{"engagement": {"half_life_days": 14, "rules": [{"activity": "visit", "points": 1}, {"activity": "demo", "points": 20}]}}');
CREATE TABLE acts AS SELECT l AS lead_id, CASE WHEN j % 5 = 0 THEN 'demo' ELSE 'visit' END AS activity,
  timestamptz '2026-01-01' + j * interval '1 day' AS occurred_at, NULL::jsonb AS properties
  FROM generate_series(1, 2000) l, generate_series(1, 10) j ORDER BY l, j;
ANALYZE acts;
ALTER TABLE acts SET (parallel_workers = 2);
-- STABLE: PL/pgSQL then runs no command counter increment inside a worker.
CREATE FUNCTION hold_worker(k int) RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  IF pg_backend_pid() <> current_setting('lq_test.leader')::int THEN
    PERFORM pg_advisory_lock_shared(42); PERFORM pg_advisory_unlock_shared(42);
  END IF;
  RETURN true;
END $$;
SQL

echo "1..2"
n=0
for leader in on off; do
  n=$((n + 1))
  # The other session: lock 42, wait until a worker waits for it, change the model, commit.
  q >/dev/null <<'SQL' &
BEGIN;
SELECT pg_advisory_xact_lock(42);
DO $$ BEGIN
  FOR i IN 1..600 LOOP
    PERFORM pg_stat_clear_snapshot();
    EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'parallel worker' AND wait_event = 'advisory');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
UPDATE lead_qual.scoring_model SET definition = jsonb_set(definition, '{engagement,half_life_days}', to_jsonb(3 + version)) WHERE name = 'a';
COMMIT;
SQL
  updater=$!
  # The query starts once the lock is held.
  for _ in $(seq 1 100); do
    [[ $(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") -gt 0 ]] && break
    sleep 0.05
  done
  set +e
  out=$(q 2>&1 <<SQL
SELECT set_config('lq_test.leader', pg_backend_pid()::text, false) IS NULL;
SET statement_timeout = '120s';
SET parallel_setup_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = $leader;
SELECT count(DISTINCT s::text::jsonb ->> 'version') || ' version(s)' FROM (
  SELECT lead_id, lead_qual.engagement_state('a', activity, occurred_at, properties, '2026-03-15') s
    FROM acts WHERE hold_worker(lead_id) GROUP BY lead_id) x;
SQL
)
  rc=$?
  set -e
  wait "$updater"
  if [[ $rc -eq 0 && $out == *"1 version(s)"* ]] || [[ $out == *"40001"* || $out == *"could not serialize"* || $out == *"it was changed while the query ran"* ]]; then
    echo "ok $n - leader participation $leader: one version or 40001"
  else
    echo "not ok $n - leader participation $leader: one version or 40001 (got: ${out//$'\n'/ })"
  fi
done
