#!/usr/bin/env bash
# Logical replication subscriber (issue #12, input 5): leads and activities
# published by one database and applied into another that tracks them are
# scored there. The apply worker runs with session_replication_role =
# replica and fires row triggers only; track() installs row-level variants
# of the activity triggers enabled in that mode only (ENABLE REPLICA) and
# the leads trigger in every mode (ENABLE ALWAYS). Two databases of the
# running cluster, which needs wal_level = logical (scripts/test.sh sets it).
# Activity times are real (the apply worker cannot see lead_qual.as_of), so
# engagement is compared rounded to 2 decimals (activities seconds old), and
# stage thresholds are passed with room (an engagement of exactly 20 seconds
# later is 19.9999, below the mql line).
set -euo pipefail
pub=lq_repl_pub_$$
sub=lq_repl_sub_$$
slot=lq_repl_$$
cleanup() {
  psql -X -q -d "$sub" -c "ALTER SUBSCRIPTION $slot DISABLE" >/dev/null 2>&1 || true
  psql -X -q -d "$sub" -c "ALTER SUBSCRIPTION $slot SET (slot_name = NONE)" >/dev/null 2>&1 || true
  psql -X -q -d "$sub" -c "DROP SUBSCRIPTION IF EXISTS $slot" >/dev/null 2>&1 || true
  psql -X -q -d "$pub" -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null 2>&1 || true
  dropdb --if-exists "$sub" >/dev/null 2>&1 || true
  dropdb --if-exists "$pub" >/dev/null 2>&1 || true
}
trap cleanup EXIT
q() {  # database, psql arguments...
  local db=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"
}

echo "1..15"
n=0
is() {  # got, want, description
  n=$((n + 1))
  if [[ "$1" == "$2" ]]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "# got '$1', want '$2'"; fi
}

is "$(psql -X -At -d postgres -c "SHOW wal_level")" "logical" "the cluster runs with wal_level = logical"

createdb "$pub"
createdb "$sub"
q "$pub" >/dev/null <<SQL
CREATE TABLE leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities (id bigserial PRIMARY KEY, lead_id int REFERENCES leads, activity text,
                         occurred_at timestamptz, properties jsonb);
CREATE TABLE events (id bigserial PRIMARY KEY, lead_id int REFERENCES leads, activity text, occurred_at timestamptz);
CREATE PUBLICATION $slot FOR TABLE leads, activities, events;
SELECT pg_create_logical_replication_slot('$slot', 'pgoutput');
SQL

# The subscriber tracks the replicated tables; "events" is partitioned there
# (the apply worker routes each row to a partition, whose cloned row
# triggers fire). Another tracked leads table scores it.
q "$sub" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
CREATE TABLE leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities (id bigserial PRIMARY KEY, lead_id int REFERENCES leads, activity text,
                         occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities (lead_id);
SELECT lead_qual.track('activities', 'leads', 'default', '{"add_columns": true}');
-- A second model on the same leads (add_score()), the default's definition
-- under another name: its own row triggers score what is applied too.
INSERT INTO lead_qual.scoring_model (name, definition)
SELECT 'challenger', definition FROM lead_qual.scoring_model WHERE name = 'default';
SELECT lead_qual.add_score('leads', 'challenger', '{"add_columns": true}');
CREATE TABLE event_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE events (id bigint NOT NULL, lead_id int REFERENCES event_leads, activity text, occurred_at timestamptz) PARTITION BY LIST (activity);
CREATE TABLE events_webinar PARTITION OF events FOR VALUES IN ('webinar');
CREATE TABLE events_other PARTITION OF events DEFAULT;
CREATE INDEX ON events (lead_id);
INSERT INTO event_leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('events', 'event_leads', 'default', '{"add_columns": true}');
SQL
conninfo=$(q "$sub" -c "SELECT format('dbname=%s port=%s host=%s', '$pub', current_setting('port'),
                          split_part(current_setting('unix_socket_directories'), ',', 1))")
q "$sub" -c "CREATE SUBSCRIPTION $slot CONNECTION '$conninfo' PUBLICATION $slot
             WITH (create_slot = false, slot_name = '$slot', copy_data = false)" >/dev/null

# Waits until the subscriber has applied everything the publisher wrote.
sync() {
  local lsn i
  lsn=$(q "$pub" -c "SELECT pg_current_wal_lsn()")
  for ((i = 0; i < 600; i++)); do
    [[ $(q "$pub" -c "SELECT coalesce(confirmed_flush_lsn >= '$lsn', false) FROM pg_replication_slots
                       WHERE slot_name = '$slot'") == t ]] && return 0
    sleep 0.1
  done
  echo "# the subscriber did not catch up with $lsn"
}
scores() { q "$sub" -c "SELECT fit_score || ' ' || round(engagement_score::numeric, 2) || ' ' || stage || ' ' ||
                               (score_state::text::jsonb ->> 'activities') FROM leads WHERE id = 1"; }
inconsistent() { q "$sub" -c "SELECT count(*) FROM lead_qual.verify('$1')"; }
# The second model's columns against the driving model's (the same definition).
challenger() { q "$sub" -c "SELECT round(challenger_engagement_score::numeric, 2) || ' ' || challenger_stage || ' ' ||
                                   (challenger_score_state::text::jsonb ->> 'activities') || ' ' ||
                                   (round(challenger_engagement_score::numeric, 2) = round(engagement_score::numeric, 2))
                              FROM leads WHERE id = 1"; }

q "$pub" -c "INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe')"
q "$pub" -c "INSERT INTO activities (lead_id, activity, occurred_at) VALUES (1, 'webinar', now()), (1, 'webinar', now()), (1, 'webinar', now())"
sync
is "$(scores)" "35 30.00 mql 3" "replicated activities are scored on the subscriber: fit 35, three webinars, mql"
is "$(q "$sub" -c "SELECT string_agg(from_stage || '>' || to_stage, ',' ORDER BY id) FROM lead_qual.stage_history")" \
  "lead>mql" "the subscriber records the hand-off"

q "$pub" -c "UPDATE activities SET activity = 'page_view' WHERE id = (SELECT min(id) FROM activities)"
sync
is "$(scores)" "35 21.00 mql 3" "a replicated UPDATE rebuilds the lead (10 + 10 + 1)"
q "$pub" -c "DELETE FROM activities WHERE activity = 'page_view'"
sync
is "$(scores)" "35 20.00 mql 2" "a replicated DELETE rebuilds the lead"
is "$(challenger)" "20.00 mql 2 true" "the second model's row triggers scored the replicated INSERT, UPDATE and DELETE too"

# A write made on the subscriber itself is scored once, by the statement triggers.
q "$sub" -c "INSERT INTO activities (id, lead_id, activity, occurred_at) VALUES (1000, 1, 'email_click', now())"
is "$(scores)" "35 25.00 mql 3" "a local write on the subscriber is scored once"
is "$(inconsistent leads)" "0" "verify() finds nothing on the subscriber"
is "$(challenger)" "25.00 mql 3 true" "the second model scores the local write once"
is "$(q "$sub" -c "SELECT count(*) FROM lead_qual.verify('leads', now(), 'challenger')")" "0" \
  "verify() of the second model finds nothing on the subscriber"

q "$pub" -c "TRUNCATE activities"
sync
is "$(scores)" "35 0.00 mql 0" "a replicated TRUNCATE rescores the leads (the stage is never demoted)"
is "$(challenger)" "0.00 mql 0 true" "a replicated TRUNCATE rescores the second model too"

# Rows applied into a partitioned tracked table.
q "$pub" -c "INSERT INTO events (lead_id, activity, occurred_at) VALUES (1, 'webinar', now()), (1, 'email_open', now())"
sync
is "$(q "$sub" -c "SELECT round(engagement_score::numeric, 2) || ' ' || (score_state::text::jsonb ->> 'activities') FROM event_leads")" \
  "12.00 2" "rows applied into partitions are scored (10 + 2)"
is "$(inconsistent event_leads)" "0" "verify() finds nothing for the partitioned table"
is "$(q "$sub" -c "SELECT count(*) FROM pg_stat_subscription WHERE subname = '$slot' AND pid IS NOT NULL")" "1" \
  "the apply worker is still running (no error in the triggers)"
