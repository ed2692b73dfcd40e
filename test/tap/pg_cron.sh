#!/usr/bin/env bash
# The README's nightly refresh with pg_cron: the job is scheduled as written,
# and its command refreshes a tracked table (recycling an idle MQL). The
# cluster preloads pg_cron (scripts/test.sh); its jobs live in database
# cron.database_name (postgres), where this test runs.
set -euo pipefail
export PGDATABASE=postgres
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
cleanup() {
  q -c "SELECT cron.unschedule('lead_qual-refresh')" >/dev/null 2>&1 || true
  q >/dev/null 2>&1 <<'SQL' || true
SELECT lead_qual.untrack('cron_activities');
DROP TABLE IF EXISTS cron_activities, cron_leads;
DELETE FROM lead_qual.stage_history WHERE lead_table::text = 'cron_leads';
DELETE FROM lead_qual.scoring_model WHERE name = 'cron';
SQL
}
trap cleanup EXIT

echo "1..4"
if ! q -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null 2>&1; then
  echo "not ok 1 - pg_cron is preloaded and installs"; exit 0
fi
echo "ok 1 - pg_cron is preloaded and installs"
q >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('cron', '{
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}},
  "recycle": {"from": ["mql"], "idle_days": 60}}');
CREATE TABLE cron_leads (id int PRIMARY KEY);
CREATE TABLE cron_activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO cron_leads VALUES (1);
SELECT lead_qual.track('cron_activities', 'cron_leads', 'cron', '{"add_columns": true}');
INSERT INTO cron_activities VALUES (1, 'visit', now() - interval '90 days'), (1, 'visit', now() - interval '90 days');
SQL
# Exactly the README's statement (with this test's table).
jobid=$(q -c "SELECT cron.schedule('lead_qual-refresh', '0 3 * * *', \$\$SELECT lead_qual.refresh('cron_leads')\$\$)")
check() { if [[ "$2" == "$3" ]]; then echo "ok $1 - $4"; else echo "not ok $1 - $4 (got '$2', want '$3')"; fi; }
check 2 "$(q -c "SELECT schedule || ' ' || command FROM cron.job WHERE jobid = $jobid")" \
  "0 3 * * * SELECT lead_qual.refresh('cron_leads')" "the nightly job is scheduled"
# Run the job's command as pg_cron would (waiting for 3 a.m. is not a test).
q -c "$(q -c "SELECT command FROM cron.job WHERE jobid = $jobid")" >/dev/null
check 3 "$(q -c "SELECT stage FROM cron_leads WHERE id = 1")" "recycled" "the job's refresh recycles the idle MQL"
check 4 "$(q -c "SELECT count(*) FROM lead_qual.stage_history WHERE lead_table::text = 'cron_leads' AND reason = 'refresh'")" \
  "1" "the recycling is in the history with reason refresh"
