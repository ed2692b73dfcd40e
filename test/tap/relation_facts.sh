#!/usr/bin/env bash
# What the triggers look up about a tracked table (column numbers, the other
# table by name, the index that finds a lead, stage_history's columns and
# CHECK constraints) is kept per backend (src/pg/relation_facts.hpp) and
# must be forgotten when the table changes, whether the change is made in
# the same session or in another one. One session (the one whose cache is
# under test) writes activities through try(), which returns 'ok' or the
# SQLSTATE; between its writes the tables, the model, a schema and the
# history table's constraints are changed, by that session or by another
# (psql's \! runs a second psql). After each change the next write must
# fail as an uncached one would (a renamed tracked column, a renamed leads
# table or schema), or be scored with the new facts (a new model
# attribute, another key index, no key index, a user's CHECK on the
# history table, re-tracked triggers).
set -euo pipefail
db=lq_relation_facts_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
export PGOPTIONS="-c lead_qual.as_of=2026-03-01T12:00:00+00 -c client_min_messages=warning"
n=0

psql -X -q -v ON_ERROR_STOP=1 -At >/dev/null <<'SQL'
CREATE EXTENSION lead_qual;
CREATE SCHEMA crm;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('facts', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "saas"}}, "points": 20}]},
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 6},
                                                  {"activity": "demo", "points": 40, "max": 80}]},
  "stages": {"mql": {"min_engagement": 10}, "sql": {"min_score": 60}}}');
CREATE TABLE crm.leads (id bigint PRIMARY KEY, industry text, country text);
CREATE TABLE crm.acts (lead_id bigint, activity text, occurred_at timestamptz NOT NULL);
INSERT INTO crm.leads SELECT g, 'saas', 'de' FROM generate_series(1, 20) AS g;
SELECT lead_qual.track('crm.acts', 'crm.leads', 'facts', '{"add_columns": true}');
-- A write as the session under test makes it: 'ok' or its SQLSTATE.
CREATE FUNCTION try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE statement; RETURN 'ok';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$;
-- The same with the error's message.
CREATE FUNCTION try_message(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE statement; RETURN 'ok';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM; END $$;
SQL

# The session under test: its output, one "label|value" line per SELECT.
out=$(psql -X -q -v ON_ERROR_STOP=1 -At -F '|' <<'SQL'
\set other 'psql -X -q -v ON_ERROR_STOP=1 -At -c'
SELECT 'warm', try($$INSERT INTO crm.acts VALUES (1, 'visit', '2026-03-01 12:00+00')$$);
SELECT 'warm score', fit_score, engagement_score FROM crm.leads WHERE id = 1;

-- A tracked column renamed by another session: the write fails as it would
-- uncached (42703), and works again once the name is back.
\! psql -X -q -At -c 'ALTER TABLE crm.leads RENAME COLUMN engagement_score TO engaged'
SELECT 'renamed column (other session)', try($$INSERT INTO crm.acts VALUES (2, 'visit', '2026-02-28')$$);
\! psql -X -q -At -c 'ALTER TABLE crm.leads RENAME COLUMN engaged TO engagement_score'
SELECT 'column named back', try($$INSERT INTO crm.acts VALUES (2, 'visit', '2026-02-28')$$);
SELECT 'column named back: scored', engagement_score > 0 FROM crm.leads WHERE id = 2;

-- The same in this session.
ALTER TABLE crm.acts RENAME COLUMN activity TO kind;
SELECT 'renamed activity column (same session)', try($$INSERT INTO crm.acts VALUES (3, 'visit', '2026-02-28')$$);
ALTER TABLE crm.acts RENAME COLUMN kind TO activity;

-- A model change that reads a new lead attribute (country): the write
-- scores it, the lead's column numbers found again.
\! psql -X -q -At -c "UPDATE lead_qual.scoring_model SET definition = jsonb_set(definition, '{fit,rules}', definition->'fit'->'rules' || '[{\"when\": {\"country\": {\"eq\": \"de\"}}, \"points\": 7}]') WHERE name = 'facts'"
SELECT 'new attribute', try($$INSERT INTO crm.acts VALUES (4, 'visit', '2026-02-28')$$);
SELECT 'new attribute: fit', fit_score FROM crm.leads WHERE id = 4;
-- A column before it dropped and the attribute's column moved to the end.
\! psql -X -q -At -c 'ALTER TABLE crm.leads DROP COLUMN industry, ADD COLUMN industry text' -c "UPDATE crm.leads SET industry = 'saas' WHERE id = 5"
SELECT 'columns moved', try($$INSERT INTO crm.acts VALUES (5, 'visit', '2026-02-28')$$);
SELECT 'columns moved: fit', fit_score FROM crm.leads WHERE id = 5;

-- The key's index replaced by another, then none: the leads are still found
-- (directly through the new index, then through the UPDATE).
\! psql -X -q -At -c 'CREATE UNIQUE INDEX leads_id_again ON crm.leads (id)' -c 'ALTER TABLE crm.leads DROP CONSTRAINT leads_pkey'
SELECT 'other key index', try($$INSERT INTO crm.acts VALUES (6, 'demo', '2026-02-28')$$);
SELECT 'other key index: scored', engagement_score > 0 FROM crm.leads WHERE id = 6;
\! psql -X -q -At -c 'DROP INDEX crm.leads_id_again'
SELECT 'no key index', try($$INSERT INTO crm.acts VALUES (7, 'demo', '2026-02-28')$$);
SELECT 'no key index: scored', engagement_score > 0 FROM crm.leads WHERE id = 7;
-- A non-unique key index and a key written twice: both paths refuse
-- (55000), as the UPDATE path always did, naming the key column, and write
-- nothing.
\! psql -X -q -At -c 'CREATE INDEX leads_id_not_unique ON crm.leads (id)' -c "INSERT INTO crm.leads (id, industry, country) VALUES (16, 'saas', 'twice')"
SELECT 'key twice', try_message($$INSERT INTO crm.acts VALUES (16, 'visit', '2026-02-28')$$);
SET lead_qual.direct_lead_writes = off;
SELECT 'key twice (SQL path)', try_message($$INSERT INTO crm.acts VALUES (16, 'visit', '2026-02-28')$$);
RESET lead_qual.direct_lead_writes;
-- With lead_changed()'s trigger disabled as well, the error names that.
\! psql -X -q -At -c 'ALTER TABLE crm.leads DISABLE TRIGGER lead_qual_lead'
SELECT 'key twice, trigger disabled', try_message($$INSERT INTO crm.acts VALUES (16, 'visit', '2026-02-28')$$);
\! psql -X -q -At -c 'ALTER TABLE crm.leads ENABLE ALWAYS TRIGGER lead_qual_lead'
SELECT 'key twice: unchanged', count(*), count(*) FILTER (WHERE engagement_score > 0) FROM crm.leads WHERE id = 16;
\! psql -X -q -At -c "DELETE FROM crm.leads WHERE id = 16 AND country = 'twice'" -c 'DROP INDEX crm.leads_id_not_unique'
\! psql -X -q -At -c 'ALTER TABLE crm.leads ADD PRIMARY KEY (id)'
-- A second model (add_score) whose trigger is disabled while the driving
-- model's fires: the second model's write is refused on both paths, naming
-- its trigger (the direct path wrote the row unchanged, its scores without
-- the activity, and no error), and nothing of the statement remains.
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('facts_b', '{
  "engagement": {"rules": [{"activity": "visit", "points": 2}]}}');
SELECT lead_qual.add_score('crm.leads', 'facts_b', '{"add_columns": true}') IS NOT NULL;
\! psql -X -q -At -c 'ALTER TABLE crm.leads DISABLE TRIGGER "lead_qual_lead/facts_b"'
SELECT 'second model disabled', try_message($$INSERT INTO crm.acts VALUES (17, 'visit', '2026-02-28')$$);
SET lead_qual.direct_lead_writes = off;
SELECT 'second model disabled (SQL path)', try_message($$INSERT INTO crm.acts VALUES (17, 'visit', '2026-02-28')$$);
RESET lead_qual.direct_lead_writes;
SELECT 'second model disabled: unchanged', engagement_score, facts_b_engagement_score FROM crm.leads WHERE id = 17;
\! psql -X -q -At -c 'ALTER TABLE crm.leads ENABLE ALWAYS TRIGGER "lead_qual_lead/facts_b"'
SELECT 'second model enabled', try($$INSERT INTO crm.acts VALUES (17, 'visit', '2026-02-28')$$);
SELECT 'second model enabled: scored', engagement_score > 0, facts_b_engagement_score > 0 FROM crm.leads WHERE id = 17;
SELECT lead_qual.drop_score('crm.leads', 'facts_b');

-- The leads table renamed, then its schema: the activity trigger names it
-- by its old name, which no longer resolves (42P01; 3F000, no such schema)
-- until it is back.
\! psql -X -q -At -c 'ALTER TABLE crm.leads RENAME TO prospects'
SELECT 'leads renamed', try($$INSERT INTO crm.acts VALUES (8, 'visit', '2026-02-28')$$);
\! psql -X -q -At -c 'ALTER TABLE crm.prospects RENAME TO leads'
SELECT 'leads named back', try($$INSERT INTO crm.acts VALUES (8, 'visit', '2026-02-28')$$);
\! psql -X -q -At -c 'ALTER SCHEMA crm RENAME TO sales'
SELECT 'schema renamed', try($$INSERT INTO sales.acts VALUES (8, 'visit', '2026-02-28')$$);
\! psql -X -q -At -c 'ALTER SCHEMA sales RENAME TO crm'
SELECT 'schema named back', try($$INSERT INTO crm.acts VALUES (8, 'visit', '2026-02-28')$$);
SELECT 'lead 8 scored twice', engagement_score > 6 FROM crm.leads WHERE id = 8;

-- A CHECK of the user's on the history table, added after history rows
-- were written directly: a stage change it refuses fails (23514) and
-- leaves nothing; dropped, the change is recorded.
\! psql -X -q -At -c "ALTER TABLE lead_qual.stage_history ADD CONSTRAINT no_sql_yet CHECK (to_stage <> 'sql')"
SELECT 'history check refuses', try($$INSERT INTO crm.acts VALUES (9, 'demo', '2026-02-28'), (9, 'demo', '2026-02-28')$$);
SELECT 'history check refuses: lead unchanged', stage, engagement_score FROM crm.leads WHERE id = 9;
\! psql -X -q -At -c 'ALTER TABLE lead_qual.stage_history DROP CONSTRAINT no_sql_yet'
SELECT 'history check dropped', try($$INSERT INTO crm.acts VALUES (9, 'demo', '2026-02-28'), (9, 'demo', '2026-02-28')$$);
SELECT 'history check dropped: recorded', count(*) FROM lead_qual.stage_history WHERE lead_key = '9' AND to_stage = 'sql';

-- A CHECK of the user's calling a function, replaced after the check was
-- planned (inlined: a SQL function): the new function decides, in this
-- session and from another one.
CREATE FUNCTION public.stage_allowed(s lead_qual.lead_stage) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
ALTER TABLE lead_qual.stage_history ADD CONSTRAINT stage_allowed CHECK (public.stage_allowed(to_stage));
SELECT 'function check passes', try($$INSERT INTO crm.acts VALUES (11, 'demo', '2026-02-28'), (11, 'demo', '2026-02-28')$$);
CREATE OR REPLACE FUNCTION public.stage_allowed(s lead_qual.lead_stage) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
SELECT 'function replaced (same session)', try($$INSERT INTO crm.acts VALUES (12, 'demo', '2026-02-28'), (12, 'demo', '2026-02-28')$$);
CREATE OR REPLACE FUNCTION public.stage_allowed(s lead_qual.lead_stage) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
SELECT 'function replaced back', try($$INSERT INTO crm.acts VALUES (12, 'demo', '2026-02-28'), (12, 'demo', '2026-02-28')$$);
\! psql -X -q -At -c "CREATE OR REPLACE FUNCTION public.stage_allowed(s lead_qual.lead_stage) RETURNS boolean LANGUAGE sql AS 'SELECT false'"
SELECT 'function replaced (other session)', try($$INSERT INTO crm.acts VALUES (13, 'demo', '2026-02-28'), (13, 'demo', '2026-02-28')$$);
ALTER TABLE lead_qual.stage_history DROP CONSTRAINT stage_allowed;

-- A column lead_qual writes, or an activity column, given another type:
-- refused (42804) as at track(), not written as if it were of its old type.
\! psql -X -q -At -c 'ALTER TABLE crm.leads ALTER COLUMN score TYPE numeric'
SELECT 'score column numeric', try($$INSERT INTO crm.acts VALUES (14, 'visit', '2026-02-28')$$);
\! psql -X -q -At -c 'ALTER TABLE crm.leads ALTER COLUMN score TYPE float8'
SELECT 'score column float8 again', try($$INSERT INTO crm.acts VALUES (14, 'visit', '2026-02-28')$$);
ALTER TABLE crm.acts ALTER COLUMN activity TYPE int USING 0;
SELECT 'activity column int', try($$INSERT INTO crm.acts VALUES (14, 7, '2026-02-28')$$);
ALTER TABLE crm.acts ALTER COLUMN activity TYPE text USING 'visit';
SELECT 'activity column text again', try($$INSERT INTO crm.acts VALUES (14, 'visit', '2026-02-28')$$);

-- Tracked again with another stage column: new triggers, new facts.
\! psql -X -q -At -c "SELECT lead_qual.untrack('crm.acts')" -c "ALTER TABLE crm.leads RENAME COLUMN stage TO lifecycle_stage" -c "SELECT lead_qual.track('crm.acts', 'crm.leads', 'facts', '{\"stage\": \"lifecycle_stage\"}')" >/dev/null
SELECT 'tracked again', try($$INSERT INTO crm.acts VALUES (10, 'demo', '2026-02-28'), (10, 'demo', '2026-02-28')$$);
SELECT 'tracked again: stage', lifecycle_stage FROM crm.leads WHERE id = 10;

-- Every lead's stored scores agree with its history (verify()).
SELECT 'verify', count(*) FROM lead_qual.verify('crm.leads');

-- Facts of dropped triggers are not kept for the session: tracked again
-- 30 times (each its own transaction), the backend holds as many facts as
-- once.
\o /dev/null
SELECT lead_qual.untrack('crm.acts');
SELECT lead_qual.track('crm.acts', 'crm.leads', 'facts', '{"stage": "lifecycle_stage"}');
SELECT try($$INSERT INTO crm.acts VALUES (15, 'visit', '2026-02-28')$$);
\o
SELECT 'facts after one', count(*) FROM pg_backend_memory_contexts WHERE name = 'lead_qual facts';
\o /dev/null
SELECT format($f$SELECT lead_qual.untrack('crm.acts');
SELECT lead_qual.track('crm.acts', 'crm.leads', 'facts', '{"stage": "lifecycle_stage"}');
SELECT try($i$INSERT INTO crm.acts VALUES (15, 'visit', '2026-02-28')$i$);$f$) FROM generate_series(1, 30) \gexec
\o
SELECT 'facts after thirty more', count(*) FROM pg_backend_memory_contexts WHERE name = 'lead_qual facts';
SQL
)

expect() {  # label, expected value(s)
  local got
  got=$(grep -F "$1|" <<<"$out" | head -1 | cut -d'|' -f2-)
  n=$((n + 1))
  if [[ "$got" == "$2" ]]; then echo "ok $n - $1: $2"
  else echo "not ok $n - $1: expected '$2', got '$got'"; fi
}
expect "warm" "ok"
expect "warm score" "20|6"
expect "renamed column (other session)" "42703"
expect "column named back" "ok"
expect "column named back: scored" "t"
expect "renamed activity column (same session)" "42703"
expect "new attribute" "ok"
expect "new attribute: fit" "27"
expect "columns moved" "ok"
expect "columns moved: fit" "27"
expect "other key index" "ok"
expect "other key index: scored" "t"
expect "no key index" "ok"
expect "no key index: scored" "t"
expect "key twice" "55000: table crm.leads has more than one row for a value of its lead key column id"
expect "key twice (SQL path)" "55000: table crm.leads has more than one row for a value of its lead key column id"
expect "key twice, trigger disabled" "55000: lead_qual's trigger on table crm.leads did not run"
expect "second model disabled" "55000: lead_qual's trigger on table crm.leads did not run"
expect "second model disabled (SQL path)" "55000: lead_qual's trigger on table crm.leads did not run"
expect "second model disabled: unchanged" "0|0"
expect "second model enabled" "ok"
expect "second model enabled: scored" "t|t"
expect "key twice: unchanged" "2|0"
expect "leads renamed" "42P01"
expect "leads named back" "ok"
expect "schema renamed" "3F000"
expect "schema named back" "ok"
expect "lead 8 scored twice" "t"
expect "history check refuses" "23514"
expect "history check refuses: lead unchanged" "lead|0"
expect "history check dropped" "ok"
expect "history check dropped: recorded" "1"
expect "tracked again" "ok"
expect "tracked again: stage" "sql"
expect "verify" "0"
expect "function check passes" "ok"
expect "function replaced (same session)" "23514"
expect "function replaced back" "ok"
expect "function replaced (other session)" "23514"
expect "score column numeric" "42804"
expect "score column float8 again" "ok"
expect "activity column int" "42804"
expect "activity column text again" "ok"
one=$(grep -F "facts after one|" <<<"$out" | cut -d'|' -f2)
thirty=$(grep -F "facts after thirty more|" <<<"$out" | cut -d'|' -f2)
n=$((n + 1))
if [[ -n $one && -n $thirty && $one -gt 0 && $thirty -le $one ]]; then
  echo "ok $n - facts kept: $one contexts after one re-track, $thirty after thirty more"
else echo "not ok $n - facts kept: '$one' contexts after one re-track, '$thirty' after thirty more"; fi
echo "1..$n"
