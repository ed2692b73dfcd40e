#!/usr/bin/env bash
# Hand-off notifications: every stage change NOTIFYs the track() channel with
# a JSON payload, delivered at commit and never on rollback. A listening psql
# runs the other session's statements with \! and prints what it received.
set -euo pipefail
db=lq_notify_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

q >/dev/null <<'SQL'
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('notify', '{
  "engagement": {"rules": [{"activity": "visit", "points": 1}, {"activity": "demo", "points": 50}]},
  "stages": {"mql": {"min_engagement": 3}, "sql": {"min_engagement": 50}}}');
CREATE TABLE leads (id int PRIMARY KEY);
CREATE TABLE activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO leads VALUES (1), (2), (3);
SELECT lead_qual.track('activities', 'leads', 'notify', '{"add_columns": true, "channel": "sales alerts"}');
SQL

# The listener: LISTEN, let another session act, then run a trivial query so
# psql prints the notifications it received (PIDs vary: keep the payloads).
out=$(q <<'SQL' 2>&1
LISTEN "sales alerts";
\! psql -X -q -c "INSERT INTO activities VALUES (1, 'demo', now())"
SELECT 'after commit';
\! psql -X -q -c "BEGIN; INSERT INTO activities VALUES (2, 'demo', now()); ROLLBACK;"
SELECT 'after rollback';
\! psql -X -q -c "INSERT INTO activities VALUES (3, 'visit', now())"
SELECT 'no stage change';
\! PGOPTIONS='-c search_path=pg_catalog' psql -X -q -c "INSERT INTO public.activities SELECT 3, 'visit', now() FROM generate_series(1, 2); UPDATE public.leads SET stage = 'disqualified' WHERE id = 1;"
SELECT 'two changes';
SQL
)
payloads=$(grep -o 'with payload ".*" received' <<<"$out" | sed -e 's/^with payload "//' -e 's/" received$//')
count=$(grep -c . <<<"$payloads" || true)
field() {  # payload number, JSON field
  sed -n "${1}p" <<<"$payloads" | q -c "SELECT (\$json\$$(sed -n "${1}p" <<<"$payloads")\$json\$::jsonb)->>'$2'"
}

echo "1..12"
check() { if [[ "$2" == "$3" ]]; then echo "ok $1 - $4"; else echo "not ok $1 - $4 (got '$2', want '$3')"; fi; }
check 1 "$count" "3" "three notifications: the committed hand-off and two changes; none for the rollback"
check 2 "$(field 1 table)|$(field 1 lead)|$(field 1 from)|$(field 1 to)" "public.leads|1|lead|sql" "payload names table (schema-qualified), lead, from and to"
check 3 "$(field 1 engagement)|$(field 1 score)|$(field 1 fit)" "50|50|0" "payload carries engagement, score and fit"
at=$(field 1 at)
check 4 "$(q -c "SELECT abs(extract(epoch FROM now() - '$at'::timestamptz)) < 600")" "t" "payload carries the change time"
check 5 "$(field 1 reason)" "score" "reason of an activity-driven change is score"
check 6 "$(grep -c 'after rollback' <<<"$out")" "1" "the listener saw the rolled-back statement complete"
check 7 "$(field 2 lead)|$(field 2 to)|$(field 2 reason)" "3|mql|score" "a second lead's hand-off to marketing"
check 8 "$(field 3 lead)|$(field 3 from)|$(field 3 to)|$(field 3 reason)" "1|sql|disqualified|manual" "manual stage changes notify too"
check 9 "$(q -c "SELECT count(*) FROM lead_qual.stage_history")" "3" "history has exactly the notified changes"
check 10 "$(field 3 table)" "public.leads" "the table is schema-qualified whatever the writing session's search_path"
ids=$(for i in 1 2 3; do field $i id; done | paste -sd,)
check 11 "$ids" "$(q -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM lead_qual.stage_history")" \
  "payload ids are the stage_history ids, in commit order"

# Catch-up: a worker's snapshot is taken while another transaction has
# written a history row (the lower id) but not committed it; a row with a
# higher id is committed after the snapshot, then the open transaction
# commits. The rows not visible in the snapshot are exactly both: a worker
# that had seen the higher id and caught up with "id > last" would lose the
# other one.
fifo=$(mktemp -u)
mkfifo "$fifo"
psql -X -q -v ON_ERROR_STOP=1 <"$fifo" >/dev/null &
open_tx=$!
exec 3>"$fifo"
before=$(q -c "SELECT last_value FROM lead_qual.stage_history_id_seq")
echo "BEGIN; INSERT INTO activities VALUES (2, 'demo', now());" >&3
# Wait (no timing assumed) until that transaction has taken its history id.
until [[ $(q -c "SELECT last_value FROM lead_qual.stage_history_id_seq") != "$before" ]]; do sleep 0.1; done
snap=$(q -c "SELECT pg_current_snapshot()")
q -c "INSERT INTO activities VALUES (3, 'demo', now())" >/dev/null
echo "COMMIT;" >&3
exec 3>&-
wait "$open_tx"
rm -f "$fifo"
got=$(q -v snap="$snap" <<'SQL'
SELECT string_agg(h.lead_key || ':' || h.to_stage::text, ',' ORDER BY h.id) FROM lead_qual.stage_history h
 WHERE h.xact >= pg_snapshot_xmin(:'snap'::pg_snapshot) AND NOT pg_visible_in_snapshot(h.xact, :'snap'::pg_snapshot);
SQL
)
check 12 "$got" "2:sql,3:sql" "catch-up from a snapshot returns exactly the rows committed since, an open transaction's lower id included"
