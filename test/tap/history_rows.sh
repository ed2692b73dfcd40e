#!/usr/bin/env bash
# Stage changes of the activity triggers, rescore() and refresh() are
# written to lead_qual.stage_history without SQL where the history table is
# as lead_qual creates it (src/pg/history_rows.hpp), through SQL otherwise
# (and always with lead_qual.direct_lead_writes off). Both must write the
# same rows. Two copies of one leads table take the same statements, one
# with direct writes, one without; their history rows must be equal column
# by column (ids and lives by their order), each copy must take the path it
# should (auto_explain logs the nested INSERT when there is one), and the
# rows must keep what the SQL path guarantees: ids in the NOTIFY payloads,
# the writing transaction in xact, the model's current version, the lead's
# life through key changes, a new life after the lead is deleted, and
# users' row triggers on the history table. A statement trigger or a
# column of the user's on stage_history sends the rows through SQL.
set -euo pipefail
db=lq_history_rows_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
export PGOPTIONS="-c lead_qual.as_of=2026-03-01T12:00:00+00"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('hist', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "saas"}}, "points": 20}]},
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 6},
                                                  {"activity": "demo", "points": 40, "max": 80}]},
  "stages": {"mql": {"min_engagement": 10}, "sql": {"min_score": 60}}}');
-- A user's row trigger on the history table, counting the rows it sees.
CREATE TABLE seen (id bigint, lead_key text);
CREATE FUNCTION note_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.seen VALUES (NEW.id, NEW.lead_key); RETURN NULL; END $$;
CREATE TRIGGER note_row AFTER INSERT ON lead_qual.stage_history FOR EACH ROW EXECUTE FUNCTION note_row();
CREATE FUNCTION make_copy(c text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format('CREATE TABLE %I (id bigint PRIMARY KEY, industry text)', 'leads_' || c);
  EXECUTE format('CREATE TABLE %I (lead_id bigint REFERENCES %I ON UPDATE CASCADE ON DELETE CASCADE,'
                 ' activity text, occurred_at timestamptz NOT NULL)', 'acts_' || c, 'leads_' || c);
  EXECUTE format('INSERT INTO %I SELECT g, CASE WHEN g %% 2 = 0 THEN ''saas'' ELSE ''retail'' END'
                 ' FROM generate_series(1, 10) AS g', 'leads_' || c);
  PERFORM lead_qual.track(('acts_' || c)::regclass, ('leads_' || c)::regclass, 'hist', '{"add_columns": true}');
END $f$;
SELECT make_copy('direct'), make_copy('sql');
SQL

# The statements, each in its own transaction: single rows, many leads, a
# manual change, activities deleted (rescore), a key change, a lead deleted
# and created again, a model change and rescore(), refresh() later.
statements() {  # copy
  local c=$1
  cat <<SQL
INSERT INTO acts_$c VALUES (1, 'visit', '2026-02-27');
INSERT INTO acts_$c VALUES (1, 'visit', '2026-02-28');
INSERT INTO acts_$c SELECT g, CASE WHEN g % 3 = 0 THEN 'demo' ELSE 'visit' END, '2026-02-20'::timestamptz + g * interval '1 hour'
  FROM generate_series(2, 9) AS g, generate_series(1, 2) AS r;
INSERT INTO acts_$c VALUES (2, 'demo', '2026-02-28');
UPDATE leads_$c SET stage = 'disqualified' WHERE id = 7;
DELETE FROM acts_$c WHERE lead_id = 4 AND occurred_at < '2026-02-25';
UPDATE leads_$c SET id = 50 WHERE id = 5;
INSERT INTO acts_$c VALUES (50, 'demo', '2026-02-28');
INSERT INTO acts_$c VALUES (8, 'demo', '2026-02-26'), (8, 'demo', '2026-02-26');
DELETE FROM leads_$c WHERE id = 8;
INSERT INTO leads_$c (id, industry) VALUES (8, 'saas');
INSERT INTO acts_$c VALUES (8, 'visit', '2026-02-28'), (8, 'visit', '2026-02-28'), (8, 'demo', '2026-02-28');
INSERT INTO acts_$c VALUES (10, 'visit', '2026-01-02');
SQL
}

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() {  # description, SQL, expected
  local got; got=$(q -c "$2")
  if [[ $got == "$3" ]]; then ok "$1"; else not_ok "$1: got '$got', expected '$3'"; fi
}
# Runs SQL (stdin) with options $1, auto_explain logging every nested
# statement to the client; prints what it logged and notified.
logged() {
  { echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
    echo "SET auto_explain.log_nested_statements = on; SET client_min_messages = log; $1"
    echo "LISTEN lead_qual;"
    cat; } | q 2>&1
}
off="SET lead_qual.direct_lead_writes = off;"
log_direct=$(statements direct | logged "")
log_sql=$(statements sql | logged "$off")
# A lower MQL threshold (rescore() lifts leads 10 and 1), then a lower SQL
# one (refresh() lifts the MQLs).
version=$(q -c "SELECT version FROM lead_qual.scoring_model WHERE name = 'hist'")
q -c "UPDATE lead_qual.scoring_model SET definition = jsonb_set(definition, '{stages,mql,min_engagement}', '1') WHERE name = 'hist'" >/dev/null
log_direct+=$(logged "" <<<"SELECT lead_qual.rescore('leads_direct');")
log_sql+=$(logged "$off" <<<"SELECT lead_qual.rescore('leads_sql');")
q -c "UPDATE lead_qual.scoring_model SET definition = jsonb_set(definition, '{stages,sql,min_score}', '1') WHERE name = 'hist'" >/dev/null
log_direct+=$(logged "" <<<"SELECT lead_qual.refresh('leads_direct', '2026-03-02');")
log_sql+=$(logged "$off" <<<"SELECT lead_qual.refresh('leads_sql', '2026-03-02');")

inserts() { grep -c "INSERT INTO lead_qual.stage_history" <<<"$1" || true; }
# On the direct copy only the manual change (no model: through SQL) inserts
# through SQL; on the other every transaction with a change does.
writes() {  # copy, condition
  q -c "SELECT count(DISTINCT xact) FROM lead_qual.stage_history WHERE lead_table = 'leads_$1'::regclass AND $2"
}
check "direct copy: only the manual change inserted through SQL" "SELECT $(inserts "$log_direct")" "$(writes direct "reason = 'manual'")"
check "sql copy: every change inserted through SQL" "SELECT $(inserts "$log_sql")" "$(writes sql true)"

lives_inserted() { grep -c "INSERT INTO lead_qual.lead_life" <<<"$1" || true; }
check "direct copy: lives inserted through SQL only for the manual change (lead 7's first)" "SELECT $(lives_inserted "$log_direct")" 1

# The rows of each copy, ids and lives as their order within the copy.
rows_of() {
  q -c "SELECT rank() OVER (ORDER BY id), lead_key, from_stage, to_stage, changed_at, round(fit::numeric, 9),
               round(engagement::numeric, 9), round(score::numeric, 9), reason, changed_by, model_version, model,
               dense_rank() OVER (ORDER BY life_id)
          FROM lead_qual.stage_history WHERE lead_table = 'leads_$1'::regclass ORDER BY id"
}
if diff <(rows_of direct) <(rows_of sql) >/dev/null; then ok "same history rows on both paths ($(rows_of direct | wc -l) rows)"
else not_ok "history rows differ"; diff <(rows_of direct) <(rows_of sql) | sed 's/^/# /'; fi
for c in direct sql; do
  check "$c: every reason written" \
    "SELECT string_agg(DISTINCT reason, ',' ORDER BY reason) FROM lead_qual.stage_history WHERE lead_table = 'leads_$c'::regclass" \
    "manual,refresh,rescore,score"
  check "$c: every row seen by the user's row trigger, once" \
    "SELECT count(*) FROM lead_qual.stage_history h WHERE lead_table = 'leads_$c'::regclass
        AND (SELECT count(*) FROM seen s WHERE s.id = h.id AND s.lead_key = h.lead_key) <> 1" 0
  check "$c: rows of lead 50 (was 5) share one life with its current key" \
    "SELECT count(DISTINCT life_id), bool_and(life_id = (SELECT life_id FROM lead_qual.lead_life
                                                       WHERE lead_table = 'leads_$c'::regclass AND lead_key = '50'))
       FROM lead_qual.stage_history WHERE lead_table = 'leads_$c'::regclass AND lead_key IN ('5', '50')" "1|t"
  check "$c: lead 8 deleted and created again has two lives, the newest current" \
    "SELECT count(DISTINCT life_id), max(life_id) = (SELECT life_id FROM lead_qual.lead_life
                                                    WHERE lead_table = 'leads_$c'::regclass AND lead_key = '8')
       FROM lead_qual.stage_history WHERE lead_table = 'leads_$c'::regclass AND lead_key = '8'" "2|t"
  check "$c: the model's version at each change (and after each of two model changes)" \
    "SELECT string_agg(DISTINCT reason || ':' || model_version, ',' ORDER BY reason || ':' || model_version)
       FROM lead_qual.stage_history WHERE lead_table = 'leads_$c'::regclass AND reason <> 'manual'" \
    "refresh:$((version + 2)),rescore:$((version + 1)),score:$version"
done
# Every notification names a history row of its lead.
payload_ids() { grep -o 'payload "{\\\?"id\\\?":[0-9]*,[^}]*' <<<"$1" | sed -E 's/.*"id\\?":([0-9]+),.*"lead\\?":\\?"([^"\\]*).*/\1 \2/'; }
check_payloads() {  # copy, log
  local total=0 bad=0 id key
  while read -r id key; do
    [[ -z $id ]] && continue
    total=$((total + 1))
    [[ $(q -c "SELECT count(*) FROM lead_qual.stage_history WHERE id = $id AND lead_key = '$key' AND lead_table = 'leads_$1'::regclass") == 1 ]] || bad=$((bad + 1))
  done < <(payload_ids "$2")
  if [[ $total -gt 5 && $bad -eq 0 ]]; then ok "$1: $total notifications, each naming its history row"
  else not_ok "$1: $bad of $total notifications name no history row of their lead"; fi
}
check_payloads direct "$log_direct"
check_payloads sql "$log_sql"

# A life inserted by another transaction while a write gives the same key
# its first life (the write waits for it, then takes it, or inserts its own
# if the other rolls back), both paths: test/isolation/specs/first_life.spec.

# The first thresholds again, and four new leads (retail: stage lead) for
# the checks below, each lifted to sql by two demos.
q -c "UPDATE lead_qual.scoring_model SET definition = jsonb_set(jsonb_set(definition, '{stages,sql,min_score}', '60'), '{stages,mql,min_engagement}', '10') WHERE name = 'hist'" \
  -c "INSERT INTO leads_direct (id, industry) VALUES (11, 'retail'), (12, 'retail'), (13, 'retail'), (15, 'retail')" >/dev/null
# xact: the transaction that wrote the row (the column's default).
max_id=$(q -c "SELECT max(id) FROM lead_qual.stage_history")
check "xact is the writing transaction" \
  "BEGIN; INSERT INTO acts_direct VALUES (11, 'demo', '2026-03-01'), (11, 'demo', '2026-03-01');
   SELECT count(*), bool_and(xact = pg_current_xact_id()) FROM lead_qual.stage_history WHERE id > $max_id; COMMIT;" "1|t"

# A statement trigger on the history table (ExecSimpleRelationInsert fires
# none): the rows go through SQL and it fires.
q >/dev/null <<'SQL'
CREATE TABLE statements_seen (n int);
CREATE FUNCTION note_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.statements_seen VALUES (1); RETURN NULL; END $$;
CREATE TRIGGER note_statement AFTER INSERT ON lead_qual.stage_history FOR EACH STATEMENT EXECUTE FUNCTION note_statement();
SQL
log=$( { echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
         echo "SET auto_explain.log_nested_statements = on; SET client_min_messages = log;"
         echo "INSERT INTO acts_direct VALUES (12, 'demo', '2026-03-01'), (12, 'demo', '2026-03-01');"; } | q 2>&1)
check "a statement trigger on stage_history: the rows through SQL, the trigger fired" \
  "SELECT $(inserts "$log"), count(*) FROM statements_seen" "1|1"
q -c "DROP TRIGGER note_statement ON lead_qual.stage_history" >/dev/null
# A BEFORE row trigger of the user's (it may change or skip a row, which the
# SQL path's RETURNING checks): through SQL, its change kept.
q >/dev/null <<'SQL'
CREATE FUNCTION upper_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.model := upper(NEW.model); RETURN NEW; END $$;
CREATE TRIGGER upper_key BEFORE INSERT ON lead_qual.stage_history FOR EACH ROW EXECUTE FUNCTION upper_key();
SQL
max_id=$(q -c "SELECT max(id) FROM lead_qual.stage_history")
log=$( { echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
         echo "SET auto_explain.log_nested_statements = on; SET client_min_messages = log;"
         echo "INSERT INTO acts_direct VALUES (15, 'demo', '2026-03-01'), (15, 'demo', '2026-03-01');"; } | q 2>&1)
check "a BEFORE row trigger on stage_history: the row through SQL, the trigger's change kept" \
  "SELECT $(inserts "$log"), count(*), min(model) FROM lead_qual.stage_history WHERE id > $max_id" "1|1|HIST"
q -c "DROP TRIGGER upper_key ON lead_qual.stage_history" >/dev/null
# A column of the user's: through SQL, its default filled.
q -c "ALTER TABLE lead_qual.stage_history ADD COLUMN note text DEFAULT 'by default'" >/dev/null
max_id=$(q -c "SELECT max(id) FROM lead_qual.stage_history")
q -c "INSERT INTO acts_direct VALUES (13, 'demo', '2026-03-01'), (13, 'demo', '2026-03-01')" >/dev/null
check "a column of the user's on stage_history: the row written, its default filled" \
  "SELECT count(*), bool_and(note = 'by default') FROM lead_qual.stage_history WHERE id > $max_id" "1|t"
echo "1..$n"
