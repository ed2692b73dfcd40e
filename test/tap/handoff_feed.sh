#!/usr/bin/env bash
# The durable hand-off feed on one server (README "The durable hand-off
# feed"): every stage change is a row of <leads>_lq_handoffs, written in the
# changing transaction, until a consumer takes it with
# lead_qual.take_handoffs() in the transaction that records what it did.
# Checked: a consumer that was away gets everything; nothing twice; a
# rolled-back consumer gets the rows again; a transaction that took a lower
# history id and commits after a higher one is not lost; a concurrent
# consumer waits and skips what another took; errors.
set -euo pipefail
db=lq_feed_$$
createdb "$db"
owner="Lead Owner $$"   # a role: cluster-wide, dropped after the database
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; psql -X -q -d postgres -c "DROP ROLE IF EXISTS \"$owner\"" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

q >/dev/null <<'SQL'
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('feed', '{
  "engagement": {"rules": [{"activity": "visit", "points": 1}, {"activity": "demo", "points": 50}]},
  "stages": {"mql": {"min_engagement": 3}, "sql": {"min_engagement": 50}}}');
CREATE TABLE leads (id int PRIMARY KEY);
CREATE TABLE activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO leads SELECT generate_series(1, 6);
SELECT lead_qual.track('activities', 'leads', 'feed', '{"add_columns": true}');
-- What the consumer records, in the transaction that takes the hand-offs.
CREATE TABLE handled (history_id bigint PRIMARY KEY, lead text, to_stage text);
SQL

echo "1..19"
check() { if [[ "$2" == "$3" ]]; then echo "ok $1 - $4"; else echo "not ok $1 - $4 (got '$2', want '$3')"; fi; }
take() {  # the consumer: takes up to $1 hand-offs and records them, in one transaction
  q -c "BEGIN" -c "INSERT INTO handled SELECT t.id, t.lead_key, t.to_stage::text FROM lead_qual.take_handoffs('leads', $1) t" \
    -c "COMMIT"
}

check 1 "$(q -c "SELECT lead_qual.create_handoff_feed('leads')")" "leads_lq_handoffs" \
  "create_handoff_feed() makes the table next to the leads and returns it"

# The consumer is away: two hand-offs and a rolled-back one.
start=$(q -c "SELECT coalesce(max(id), 0) FROM lead_qual.stage_history")
q -c "INSERT INTO activities VALUES (1, 'demo', now())"
q -c "INSERT INTO activities VALUES (2, 'visit', now()), (2, 'visit', now()), (2, 'visit', now())"
q -c "BEGIN" -c "INSERT INTO activities VALUES (3, 'demo', now())" -c "ROLLBACK"
check 2 "$(q -c "SELECT string_agg(id || ':' || lead_key || ':' || coalesce(from_stage::text, '-') || '>' || to_stage, ',' ORDER BY id)
                   FROM leads_lq_handoffs")" \
  "$(q -c "SELECT string_agg(id || ':' || lead_key || ':' || coalesce(from_stage::text, '-') || '>' || to_stage, ',' ORDER BY id)
             FROM lead_qual.stage_history WHERE id > $start")" \
  "the feed holds every committed stage change under its history id (none of the rollback)"
got=$(q -c "SELECT string_agg(t.lead_table || ' ' || t.lead_key || ' ' || t.to_stage || ' ' || t.reason || ' ' || t.score, ',' ORDER BY t.id)
              FROM lead_qual.take_handoffs('leads', 1) t")
check 3 "$got" "public.leads 1 sql score 50" "take_handoffs() returns the oldest first, max_rows at most, with table, stage, reason, score"
check 4 "$(q -c "SELECT count(*) FROM leads_lq_handoffs")" "1" "taken outside a transaction that keeps it: gone (autocommit)"

# A consumer that fails rolls back: the hand-offs stay for the next one.
q -c "BEGIN" -c "SELECT count(*) FROM lead_qual.take_handoffs('leads')" -c "ROLLBACK" >/dev/null
check 5 "$(q -c "SELECT count(*) FROM leads_lq_handoffs")" "1" "a rolled-back take leaves the hand-offs in the feed"
take 100
check 6 "$(q -c "SELECT string_agg(lead || ':' || to_stage, ',' ORDER BY history_id) FROM handled")" "2:mql" \
  "the consumer back from away takes what it missed (lead 1's sql was taken by check 3)"
take 100
check 7 "$(q -c "SELECT count(*) || '/' || count(DISTINCT history_id) FROM handled")" "1/1" "nothing is taken twice"

# Out of id order: a transaction takes a history id and stays open while a
# later one commits; the consumer takes the later one, then the earlier
# once it commits. A consumer remembering "the last id seen" would lose it.
fifo=$(mktemp -u)
mkfifo "$fifo"
psql -X -q -v ON_ERROR_STOP=1 <"$fifo" >/dev/null &
open_tx=$!
exec 3>"$fifo"
before=$(q -c "SELECT last_value FROM lead_qual.stage_history_id_seq")
echo "BEGIN; INSERT INTO activities VALUES (4, 'demo', now());" >&3
until [[ $(q -c "SELECT last_value FROM lead_qual.stage_history_id_seq") != "$before" ]]; do sleep 0.1; done
q -c "INSERT INTO activities VALUES (5, 'demo', now())"
take 100
check 8 "$(q -c "SELECT string_agg(lead, ',' ORDER BY history_id) FROM handled WHERE history_id > $before")" "5" \
  "the later commit is taken while the earlier transaction is open"
echo "COMMIT;" >&3
exec 3>&-
wait "$open_tx"
rm -f "$fifo"
take 100
check 9 "$(q -c "SELECT string_agg(lead, ',' ORDER BY history_id) FROM handled WHERE history_id > $before")" "4,5" \
  "the earlier id, committed later, is taken next: none lost"

# Two consumers at once: the second waits for the rows the first holds,
# then skips them (READ COMMITTED).
q -c "INSERT INTO activities VALUES (6, 'demo', now())"
fifo=$(mktemp -u)
mkfifo "$fifo"
psql -X -q -v ON_ERROR_STOP=1 <"$fifo" >/dev/null &
first=$!
exec 3>"$fifo"
echo "BEGIN; INSERT INTO handled SELECT t.id, t.lead_key, t.to_stage::text FROM lead_qual.take_handoffs('leads') t;" >&3
until [[ $(q -c "SELECT count(*) FROM pg_locks WHERE relation = 'leads_lq_handoffs'::regclass AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid()") == 1 ]]; do sleep 0.1; done
second_out=$(mktemp)
q -c "SELECT count(*) FROM lead_qual.take_handoffs('leads')" >"$second_out" &
second=$!
until [[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%take_handoffs%'") == 1 ]]; do sleep 0.1; done
echo "COMMIT;" >&3
exec 3>&-
wait "$first"
wait "$second"
rm -f "$fifo"
check 10 "$(cat "$second_out")|$(q -c "SELECT count(*) || '/' || count(DISTINCT history_id) FROM handled")" "0|4/4" \
  "a concurrent consumer waits, then skips what the first took: each hand-off handled once"
rm -f "$second_out"

err=$(q -c "CREATE TABLE other (id int PRIMARY KEY)" -c "SELECT lead_qual.take_handoffs('other')" 2>&1 || true)
check 11 "$(grep -c 'ERROR:  table public.other has no hand-off feed' <<<"$err")" "1" "a table without a feed: a clear error"
err=$(q -c "\\set VERBOSITY verbose" -c "SELECT lead_qual.take_handoffs('leads', 0)" 2>&1 || true)
check 12 "$(grep -c 'ERROR:  22023: max_rows must be at least 1, not 0' <<<"$err")" "1" "max_rows below 1: invalid_parameter_value"

# Erasure: forget_lead() drops the lead's hand-offs still waiting, no others.
q -c "INSERT INTO activities VALUES (3, 'demo', now())" -c "UPDATE leads SET stage = 'disqualified' WHERE id = 5"
q -c "SELECT lead_qual.forget_lead('leads', '5')" >/dev/null
check 13 "$(q -c "SELECT string_agg(lead_key || ':' || to_stage, ',' ORDER BY id) FROM leads_lq_handoffs")" "3:sql" \
  "forget_lead() drops the forgotten lead's waiting hand-offs and keeps the others'"

# A leads table owned by an ordinary role, names that need quoting: the
# owner creates the feed, it is theirs, and they consume it.
got=$(q -v owner="$owner" 2>&1 <<'SQL'
CREATE ROLE :"owner";
CREATE SCHEMA "Sales Ops" AUTHORIZATION :"owner";
SET ROLE :"owner";
CREATE TABLE "Sales Ops"."Lead List" (id int PRIMARY KEY);
CREATE TABLE "Sales Ops".acts (lead_id int REFERENCES "Sales Ops"."Lead List", activity text, occurred_at timestamptz);
CREATE INDEX ON "Sales Ops".acts (lead_id);
INSERT INTO "Sales Ops"."Lead List" VALUES (1);
SELECT lead_qual.track('"Sales Ops".acts', '"Sales Ops"."Lead List"', 'feed', '{"add_columns": true}') IS NOT NULL AS tracked \gset
SELECT lead_qual.create_handoff_feed('"Sales Ops"."Lead List"') IS NOT NULL AS feed \gset
INSERT INTO "Sales Ops".acts VALUES (1, 'demo', now());
SELECT lead_table || ' ' || lead_key || ' ' || to_stage FROM lead_qual.take_handoffs('"Sales Ops"."Lead List"');
SQL
)
check 14 "$got" '"Sales Ops"."Lead List" 1 sql' "the owner of a table with quoted names creates its feed and takes its hand-offs"
check 15 "$(q -c "SELECT tableowner FROM pg_tables WHERE schemaname = 'Sales Ops' AND tablename = 'Lead List_lq_handoffs'")" \
  "$owner" "the feed belongs to the leads table's owner"

# A table of the user's that happens to be named like a feed is not one:
# stage changes go on without writing it, take_handoffs() and forget_lead()
# never delete its rows, create_handoff_feed() refuses to adopt it.
q >/dev/null <<'SQL'
CREATE TABLE clash (id int PRIMARY KEY);
CREATE TABLE clash_acts (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO clash SELECT generate_series(1, 3);
CREATE TABLE clash_lq_handoffs (id bigint PRIMARY KEY, note text);
INSERT INTO clash_lq_handoffs SELECT i, 'mine ' || i FROM generate_series(1, 100000) AS i;
SELECT lead_qual.track('clash_acts', 'clash', 'feed', '{"add_columns": true}');
SQL
q -c "INSERT INTO clash_acts VALUES (1, 'demo', now()), (2, 'visit', now())"
check 16 "$(q -c "SELECT stage || ':' || (SELECT count(*) FROM lead_qual.stage_history WHERE lead_table = 'clash'::regclass) FROM clash WHERE id = 1")" \
  "sql:1" "a table named like the feed but not one: the stage change is made and recorded"
err=$(q -c "SELECT lead_qual.take_handoffs('clash')" 2>&1 || true)
check 17 "$(grep -c 'ERROR:  table public.clash has no hand-off feed' <<<"$err")|$(q -c "SELECT count(*) FROM clash_lq_handoffs")" "1|100000" \
  "take_handoffs() on it: 'no hand-off feed', none of the user's rows taken"
q -c "SELECT lead_qual.forget_lead('clash', '1')" >/dev/null
check 18 "$(q -c "SELECT count(*) FROM clash_lq_handoffs")" "100000" "forget_lead() deletes none of the user's rows"
err=$(q -c "\\set VERBOSITY verbose" -c "SELECT lead_qual.create_handoff_feed('clash')" 2>&1 || true)
check 19 "$(grep -c 'ERROR:  42P07: table public.clash_lq_handoffs exists and is not a lead_qual handoffs table' <<<"$err")" "1" \
  "create_handoff_feed() refuses to adopt it (duplicate_table)"
