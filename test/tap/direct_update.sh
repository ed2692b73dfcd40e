#!/usr/bin/env bash
# The activity triggers write their leads without SQL where the leads table
# allows (src/pg/direct_lead_update.hpp) and through one UPDATE otherwise.
# Both must give the same rows. Eight copies of one leads table, each tracked
# by the same model, take the same statements; each copy is checked to take
# the path it should (auto_explain, loaded in the session, logs the nested
# UPDATE when there is one) and to end with the same scores, stages, states,
# row-trigger effects and AFTER UPDATE OF triggers as the plain copy.
set -euo pipefail
db=lq_direct_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
# Every session scores at one fixed time (track() too): the copies are
# written at different moments.
export PGOPTIONS="-c lead_qual.as_of=2026-03-01T12:00:00+00"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# Variants: name, what makes it one, the path it must take.
variants=(plain uuid filtered stmt_trigger generated forced_rls pattern_index rule inherited)
declare -A path=([plain]=direct [uuid]=direct [filtered]=direct [stmt_trigger]=sql [generated]=sql
                 [forced_rls]=sql [pattern_index]=sql [rule]=sql [inherited]=sql)

q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('direct', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "saas"}}, "points": 20}]},
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 5},
                                                  {"activity": "demo", "points": 40, "max": 80}]},
  "stages": {"mql": {"min_engagement": 10}, "sql": {"min_score": 60}}}');
-- Row triggers every copy has: a BEFORE UPDATE one counting the writes of a
-- lead, an AFTER UPDATE OF score_state one logging them.
CREATE TABLE audit (variant text, lead text, n int);
CREATE FUNCTION count_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.writes := OLD.writes + 1; RETURN NEW; END $$;
CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit VALUES (TG_ARGV[0], NEW.id::text, NEW.writes); RETURN NULL; END $$;
CREATE FUNCTION nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

CREATE FUNCTION make_variant(v text) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  key_type text := CASE v WHEN 'uuid' THEN 'uuid' WHEN 'pattern_index' THEN 'text' ELSE 'bigint' END;
  leads text := format('%I', 'leads_' || v);
  acts text := format('%I', 'acts_' || v);
BEGIN
  EXECUTE format('CREATE TABLE %s (id %s NOT NULL, industry text, deleted_at timestamptz, writes int NOT NULL DEFAULT 0%s)',
                 leads, key_type,
                 CASE v WHEN 'generated' THEN ', band text GENERATED ALWAYS AS (CASE WHEN score >= 30 THEN ''high'' ELSE ''low'' END) STORED, score float8' ELSE '' END);
  IF v = 'pattern_index' THEN
    EXECUTE format('CREATE UNIQUE INDEX ON %s (id text_pattern_ops)', leads);
  ELSE
    EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (id)', leads);
  END IF;
  EXECUTE format('CREATE TABLE %s (lead_id %s, activity text, occurred_at timestamptz)', acts, key_type);
  EXECUTE format('INSERT INTO %s (id, industry) SELECT %s, CASE WHEN g %% 2 = 0 THEN ''saas'' ELSE ''retail'' END'
                 ' FROM generate_series(1, 12) AS g', leads,
                 CASE key_type WHEN 'uuid' THEN 'format(''00000000-0000-0000-0000-%s'', lpad(g::text, 12, ''0''))::uuid'
                               WHEN 'text' THEN 'g::text' ELSE 'g' END);
  PERFORM lead_qual.track(acts::regclass, leads::regclass, 'direct',
                          CASE v WHEN 'filtered' THEN '{"add_columns": true, "lead_filter": "deleted_at IS NULL"}'
                                 ELSE '{"add_columns": true}' END::jsonb);
  EXECUTE format('CREATE TRIGGER count_write BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION count_write()', leads);
  EXECUTE format('CREATE TRIGGER log_write AFTER UPDATE OF score_state ON %s FOR EACH ROW EXECUTE FUNCTION log_write(%L)', leads, v);
  IF v = 'stmt_trigger' THEN
    EXECUTE format('CREATE TRIGGER nothing AFTER UPDATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION nothing()', leads);
  ELSIF v = 'rule' THEN
    EXECUTE format('CREATE RULE also_log AS ON UPDATE TO %s DO ALSO SELECT 1', leads);
  ELSIF v = 'inherited' THEN
    EXECUTE format('CREATE TABLE %I () INHERITS (%s)', 'leads_inherited_child', leads);
  ELSIF v = 'forced_rls' THEN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', leads);
    EXECUTE format('CREATE POLICY everything ON %s USING (true)', leads);
  END IF;
END $f$;
SQL
for v in "${variants[@]}"; do q -c "SELECT make_variant('$v')" >/dev/null; done

# The statements, with the key of lead g written as $k(g). Each case folds a
# different way: one row, many rows and leads, a lead outside the filter
# (every copy marks lead 12 deleted, only "filtered" leaves it alone), an
# activity updated and deleted (rebuilt from history), two rows of one lead
# in one statement (uuid: written in upper and lower case).
statements() {  # variant
  local v=$1 k
  case $v in
    uuid) k="format('00000000-0000-0000-0000-%s', lpad(g::text, 12, '0'))::uuid" ;;
    pattern_index) k="g::text" ;;
    *) k="g" ;;
  esac
  cat <<SQL
UPDATE leads_$v SET deleted_at = '2026-01-01' WHERE id = (SELECT $k FROM (VALUES (12)) AS x(g));
INSERT INTO acts_$v SELECT $k, 'visit', '2026-02-27' FROM (VALUES (1)) AS x(g);
INSERT INTO acts_$v SELECT $k, CASE WHEN g % 3 = 0 THEN 'demo' ELSE 'visit' END, '2026-02-20'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 12) AS g, generate_series(1, 2) AS r;
UPDATE acts_$v SET activity = 'demo' WHERE lead_id = (SELECT $k FROM (VALUES (4)) AS x(g)) AND occurred_at < '2026-02-25';
DELETE FROM acts_$v WHERE lead_id = (SELECT $k FROM (VALUES (3)) AS x(g));
INSERT INTO acts_$v SELECT $k, 'demo', '2026-02-28'::timestamptz FROM (VALUES (5)) AS x(g)
  UNION ALL SELECT $( [[ $v == uuid ]] && echo "upper(${k%::uuid})::uuid" || echo "$k" ), 'demo', '2026-02-28' FROM (VALUES (5)) AS x(g);
SQL
}

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }

for v in "${variants[@]}"; do
  # auto_explain logs every nested statement's plan to the client.
  log=$( { echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
           echo "SET auto_explain.log_nested_statements = on; SET client_min_messages = log;"
           statements "$v"; } | q 2>&1 >/dev/null)
  if grep -q "UPDATE public.leads_$v AS l SET" <<<"$log"; then took=sql; else took=direct; fi
  if [[ $took == "${path[$v]}" ]]; then ok "$v: leads written $took"; else not_ok "$v: leads written $took, expected ${path[$v]}"; fi
done

# Every copy's leads and row-trigger log, by lead number, against the plain
# copy's; "filtered" leaves lead 12 alone by design (checked below), so
# lead 12 is compared for the others only.
number() {  # variant, key expression -> the lead number
  case $1 in uuid) echo "right($2::text, 12)::int" ;; *) echo "$2::text::int" ;; esac
}
leads_of() {  # variant, leads to leave out
  q -c "SELECT $(number "$1" id) AS g, industry, writes, round(fit_score::numeric, 9), round(engagement_score::numeric, 9),
               round(score::numeric, 9), stage, stage_changed_at, score_state::text
          FROM leads_$1 WHERE $(number "$1" id) <> ALL ('{$2}') ORDER BY 1"
}
audit_of() {  # variant, leads to leave out
  q -c "SELECT $(number "$1" lead), n FROM audit WHERE variant = '$1' AND $(number "$1" lead) <> ALL ('{$2}') ORDER BY 1, 2"
}
for v in "${variants[@]:1}"; do
  out=$([[ $v == filtered ]] && echo 12 || true)
  for what in leads audit; do
    if diff <("${what}_of" plain "$out") <("${what}_of" "$v" "$out") >/dev/null; then ok "$v: same $what as plain"
    else not_ok "$v: $what differ from plain"; diff <("${what}_of" plain "$out") <("${what}_of" "$v" "$out") | sed 's/^/# /'; fi
  done
done

# Known values (equal copies could be equally wrong).
check() {  # description, SQL, expected
  local got; got=$(q -c "$2")
  if [[ $got == "$3" ]]; then ok "$1"; else not_ok "$1: got '$got', expected '$3'"; fi
}
check "the generated column follows the score" \
  "SELECT count(*) FROM leads_generated WHERE band IS DISTINCT FROM CASE WHEN score >= 30 THEN 'high' ELSE 'low' END" 0
check "lead 12 outside the filter is left alone (its fit from track(), no engagement; written once, by the user)" \
  "SELECT engagement_score = 0 AND stage = 'lead', writes FROM leads_filtered WHERE id = 12" "t|1"
check "lead 12 of the plain copy is scored" "SELECT score > 0 FROM leads_plain WHERE id = 12" t
check "one write per lead and statement (lead 1: two statements)" "SELECT writes FROM leads_plain WHERE id = 1" 2
check "lead 5: both demo rows of the last statement counted" \
  "SELECT activities FROM lead_qual.explain((SELECT score_state FROM leads_uuid WHERE id::text LIKE '%5')) WHERE activity = 'demo'" 2
check "lead 5 written once by each of its two statements" "SELECT writes FROM leads_uuid WHERE id::text LIKE '%5'" 2
# After a model change every stored state is of the old version: a
# statement of six leads rebuilds them from their history, one by one on the
# direct path (lead_changed()), in one query on the UPDATE path. Same rows,
# all under the new version, nothing for verify() to report.
q >/dev/null <<'SQL'
UPDATE lead_qual.scoring_model SET definition = jsonb_set(definition, '{engagement,rules,0,points}', '7') WHERE name = 'direct';
INSERT INTO acts_plain SELECT g, 'visit', '2026-02-28' FROM generate_series(1, 6) AS g;
INSERT INTO acts_stmt_trigger SELECT g, 'visit', '2026-02-28' FROM generate_series(1, 6) AS g;
SQL
if diff <(leads_of plain "7,8,9,10,11,12") <(leads_of stmt_trigger "7,8,9,10,11,12") >/dev/null; then ok "stale states rebuilt alike on both paths"
else not_ok "stale states rebuilt differently"; diff <(leads_of plain "7,8,9,10,11,12") <(leads_of stmt_trigger "7,8,9,10,11,12") | sed 's/^/# /'; fi
check "leads 1-6 under the new model version" \
  "SELECT count(*) FROM leads_plain WHERE id <= 6 AND (score_state::text::jsonb->>'version')::bigint = (SELECT version FROM lead_qual.scoring_model WHERE name = 'direct')" 6
check "verify() finds nothing on either copy" \
  "SELECT (SELECT count(*) FROM lead_qual.verify('leads_plain', '2026-03-01 12:00+00') WHERE lead_key::int <= 6) + (SELECT count(*) FROM lead_qual.verify('leads_stmt_trigger', '2026-03-01 12:00+00') WHERE lead_key::int <= 6)" 0

# A BEFORE UPDATE trigger of the user's that skips a lead (returns NULL)
# before lead_qual's: the lead is left as it is, as by an UPDATE, no error.
q >/dev/null <<'SQL'
CREATE FUNCTION skip_seven() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.id = 7 THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER a_skip_seven BEFORE UPDATE ON leads_plain FOR EACH ROW EXECUTE FUNCTION skip_seven();
SQL
before=$(q -c "SELECT score_state::text FROM leads_plain WHERE id = 7")
if q -c "INSERT INTO acts_plain VALUES (7, 'demo', '2026-02-28'), (8, 'demo', '2026-02-28')" >/dev/null 2>&1; then
  ok "a lead skipped by a user's BEFORE trigger: no error"
else not_ok "a lead skipped by a user's BEFORE trigger: error"; fi
check "the skipped lead is left as it is" \
  "SELECT score_state::text = $(printf "%s" "$before" | sed "s/'/''/g; s/^/'/; s/$/'/") FROM leads_plain WHERE id = 7" t
check "the other lead of the statement is written" \
  "SELECT activities FROM lead_qual.explain((SELECT score_state FROM leads_plain WHERE id = 8)) WHERE activity = 'demo'" 1

# lead_qual.direct_lead_writes = off: the plain copy through SQL too (the
# differential test runs once so: test/diff/run.sh).
log=$(q 2>&1 >/dev/null <<'SQL'
LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
SET client_min_messages = log; SET lead_qual.direct_lead_writes = off;
INSERT INTO acts_plain VALUES (6, 'visit', '2026-02-28');
SQL
)
if grep -q "UPDATE public.leads_plain AS l SET" <<<"$log"; then ok "direct_lead_writes off: plain written sql"
else not_ok "direct_lead_writes off: plain not written through SQL"; fi
echo "1..$n"
