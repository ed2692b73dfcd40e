#!/usr/bin/env bash
# Leads written again during the activity triggers' write, by a trigger of
# the user's: an AFTER UPDATE trigger on the leads table that updates another
# lead (a parent lead, an account-like roll-up, a "touched" counter). Such a
# lead may be one of the statement's (its row already has the statement's
# activities: they must not be added twice) or not (its stored state must
# be kept, not replaced by an empty one). Checked on random parent links and
# random statements (multi-row INSERTs, UPDATEs and DELETEs of activities),
# with the leads written without SQL and by UPDATE: after every statement
# verify() finds no lead whose stored scores disagree with its history.
set -euo pipefail
db=lq_foreign_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
statements=${LQ_FOREIGN_STATEMENTS:-40}
seed=${LQ_FOREIGN_SEED:-0.42}

q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('foreign', '{
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 3},
                                                  {"activity": "demo", "points": 40, "max": 80}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 60}}}');
-- The user's trigger: a lead whose scores change touches its parent lead,
-- which may itself have a parent (a chain).
CREATE FUNCTION touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent IS NOT NULL AND NEW.engagement_score IS DISTINCT FROM OLD.engagement_score THEN
    UPDATE public.leads SET touched = touched + 1 WHERE id = NEW.parent;
  END IF;
  RETURN NULL;
END $$;
CREATE TABLE leads (id int PRIMARY KEY, parent int, touched int NOT NULL DEFAULT 0);
CREATE TABLE acts (id serial PRIMARY KEY, lead_id int NOT NULL REFERENCES leads, activity text NOT NULL,
                   occurred_at timestamptz NOT NULL);
CREATE INDEX ON acts (lead_id);
SELECT lead_qual.track('acts', 'leads', 'foreign', '{"add_columns": true}');
CREATE TRIGGER touch_parent AFTER UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION touch_parent();
SQL

plan=$((2 * (statements + 1)))
echo "1..$plan"
n=0
check() {  # name: verify() must be empty
  n=$((n + 1))
  local bad
  bad=$(q -c "SELECT count(*) || ' wrong: ' || coalesce(string_agg(lead_key || ' ' || problem || ' stored ' || stored_activities
                                                       || ' history ' || history_activities, '; '), '')
                FROM lead_qual.verify('leads')")
  if [[ $bad == "0 wrong: " ]]; then echo "ok $n - $1"; else echo "not ok $n - $1 ($bad)"; fi
}
for direct in on off; do
  q -c "TRUNCATE acts" -c "DELETE FROM leads" >/dev/null
  # 30 leads; about half have a parent among the others.
  q -c "SELECT setseed($seed)" -c "INSERT INTO leads (id, parent)
          SELECT i, CASE WHEN random() < 0.5 THEN 1 + floor(random() * 30)::int END FROM generate_series(1, 30) i" >/dev/null
  q -c "SELECT lead_qual.rescore('leads')" >/dev/null
  check "direct_lead_writes=$direct: the leads, before any activity"
  for ((s = 1; s <= statements; s++)); do
    case $((s % 4)) in
      0|1) sql="INSERT INTO acts (lead_id, activity, occurred_at)
                SELECT 1 + floor(random() * 30)::int, CASE WHEN random() < 0.2 THEN 'demo' ELSE 'visit' END,
                       timestamptz '2026-03-01' - random() * interval '40 days'
                  FROM generate_series(1, 1 + floor(random() * 12)::int)" ;;
      2) sql="UPDATE acts SET lead_id = 1 + floor(random() * 30)::int WHERE id IN (SELECT id FROM acts ORDER BY random() LIMIT 4)" ;;
      3) sql="DELETE FROM acts WHERE id IN (SELECT id FROM acts ORDER BY random() LIMIT 3)" ;;
    esac
    q -c "SET lead_qual.direct_lead_writes = $direct" -c "SET lead_qual.as_of = '2026-03-01T12:00:00+00'" \
      -c "SELECT setseed($seed + $s / 1000.0)" -c "$sql" >/dev/null
    check "direct_lead_writes=$direct, statement $s (${sql%% *})"
  done
done
