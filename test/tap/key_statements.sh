#!/usr/bin/env bash
# Lead keys matched by value (README "Lead keys") through the statements a
# CRM's activity table sees: activities in several spellings of one key in
# one statement, activities inserted before their lead (which then arrives
# in another spelling), upserts (INSERT ... ON CONFLICT DO UPDATE / DO
# NOTHING) and MERGE into the activities, a lead's key respelled to an equal
# value, DELETE and re-INSERT of a lead, an upsert of a lead, a CTE writing
# both tables, COPY, and a partitioned activity table (rows moved between
# partitions, rows written into a partition by name). Key kinds: uuid,
# bigint, text, varchar, char(n), numeric (with and without typmods),
# citext, a domain, text and char(n) under a case-insensitive ICU collation,
# float8. With lead_qual.direct_lead_writes on and off. After every
# statement verify() finds nothing, and rescore() changes no score, stage or
# activity count (its states may differ from the triggers' in the last bits
# of a rule sum: floating-point additions in another order).
# (Renumbering a lead to another key is test/tap/lead_rekey.sh.)
#
set -euo pipefail
db=lq_keystmt_$$
createdb --encoding=UTF8 --locale=C --template=template0 "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; dropdb --if-exists "${db}_case" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db PGOPTIONS="-c lead_qual.as_of=2026-03-01T12:00:00+00 -c client_min_messages=warning"
n=0
label=setup
# Runs SQL; every line "CHK label: result" becomes a TAP line; any other
# ERROR is a failure too.
q() {
  local out line
  out=$(psql -X -q -At -v ON_ERROR_STOP=0 "$@" 2>&1 | grep -v -E '^(WARNING|DETAIL|HINT):  .*(foreign key|Activities are scored|ADD FOREIGN KEY)' || true)
  while IFS= read -r line; do
    case $line in
      "CHK "*) n=$((n + 1)); if [[ $line == *": ok" ]]; then echo "ok $n - ${line#CHK }"; else echo "not ok $n - ${line#CHK }"; fi ;;
      *ERROR*) n=$((n + 1)); echo "not ok $n - $label: $line" ;;
    esac
  done <<<"$out"
}
q <<'SQL'
CREATE EXTENSION lead_qual; CREATE EXTENSION citext;
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE DOMAIN lead_code AS text CHECK (VALUE <> '');
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('k', '{
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 3},
                                                  {"activity": "demo", "points": 40, "max": 80}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 60}}}');
CREATE FUNCTION chk(label text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE problems text[] := '{}'; r record;
BEGIN
  FOR r IN SELECT * FROM lead_qual.verify('public.leads', '2026-03-01T12:00:00+00') LOOP
    problems := problems || (r.lead_key || ' ' || r.problem);
  END LOOP;
  BEGIN  -- rescore() must change nothing; rolled back so that later checks see the triggers' work only
    CREATE TEMP TABLE IF NOT EXISTS snap (j jsonb);
    TRUNCATE snap;
    INSERT INTO snap SELECT to_jsonb(l) - 'score_state' || jsonb_build_object('n', l.score_state::text::jsonb -> 'activities') FROM public.leads l;
    PERFORM lead_qual.rescore('public.leads');
    FOR r IN (SELECT to_jsonb(l) - 'score_state' || jsonb_build_object('n', l.score_state::text::jsonb -> 'activities') AS j FROM public.leads l
              EXCEPT SELECT j FROM snap) LOOP
      problems := problems || ('rescore() changed ' || (r.j ->> 'id'));
    END LOOP;
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
  RETURN 'CHK ' || current_setting('lq.kind', true) || ', after ' || label || ': '
         || CASE WHEN cardinality(problems) = 0 THEN 'ok' ELSE array_to_string(problems, '; ') END;
END $$;
SQL
run_kind() { # name leadtype acttype s0 s1 s2 (expressions of g giving text)
  local name=$1 lt=$2 at=$3 s0=$4 s1=$5 s2=$6
  for part in 0 1; do
  for direct in on off; do
  if [[ $part == 1 && $direct == off ]]; then continue; fi
  label="$name direct=$direct partitioned=$part"
  if [[ $part == 1 ]]; then
    actsdef="CREATE TABLE acts (aid int PRIMARY KEY, lead_id $at, activity text NOT NULL, occurred_at timestamptz NOT NULL) PARTITION BY RANGE (aid);
CREATE TABLE acts_a PARTITION OF acts FOR VALUES FROM (MINVALUE) TO (500);
CREATE TABLE acts_b PARTITION OF acts FOR VALUES FROM (500) TO (1500) PARTITION BY RANGE (aid);
CREATE TABLE acts_b1 PARTITION OF acts_b FOR VALUES FROM (500) TO (900);
CREATE TABLE acts_b2 PARTITION OF acts_b FOR VALUES FROM (900) TO (1500);
CREATE TABLE acts_c PARTITION OF acts DEFAULT;"
  else
    actsdef="CREATE TABLE acts (aid int PRIMARY KEY, lead_id $at, activity text NOT NULL, occurred_at timestamptz NOT NULL);"
  fi
  createdb -T "$db" "${db}_case"; export PGDATABASE=${db}_case
  q -v lt="$lt" -v at="$at" -v part="$part" <<SQL
SET lead_qual.direct_lead_writes = $direct;
SET lq.kind = '$label';
CREATE TABLE leads (id $lt PRIMARY KEY, industry text);
$actsdef
CREATE INDEX ON acts (lead_id);
CREATE OR REPLACE FUNCTION public.k(g int, s int) RETURNS text LANGUAGE sql AS \$\$ SELECT CASE s WHEN 0 THEN $s0 WHEN 1 THEN $s1 ELSE $s2 END \$\$;
INSERT INTO leads SELECT public.k(g, 0)::$lt FROM generate_series(1, 5) g;
SELECT lead_qual.track('acts', 'leads', 'k', '{"add_columns": true}') IS NOT NULL AS tracked;
SELECT chk('track');
-- activities in three spellings, one statement
INSERT INTO acts SELECT g*10+s, public.k(g, s)::$at, CASE WHEN s=2 THEN 'demo' ELSE 'visit' END, '2026-02-20'::timestamptz + s * interval '1 day' FROM generate_series(1,3) g, generate_series(0,2) s;
SELECT chk('insert3spell');
-- activities for lead 7 before it exists, then the lead in another spelling
INSERT INTO acts VALUES (701, public.k(7, 1)::$at, 'demo', '2026-02-25'), (702, public.k(7, 2)::$at, 'visit', '2026-02-26');
SELECT chk('acts_before_lead');
INSERT INTO leads VALUES (public.k(7, 2)::$lt);
SELECT chk('lead_after_acts');
-- single-row inserts in each spelling
INSERT INTO acts VALUES (801, public.k(4, 1)::$at, 'visit', '2026-02-27');
INSERT INTO acts VALUES (802, public.k(4, 2)::$at, 'visit', '2026-02-27');
SELECT chk('single');
-- upsert: conflict moves activity to another spelling / lead
INSERT INTO acts VALUES (801, public.k(5, 2)::$at, 'demo', '2026-02-28'), (803, public.k(5, 1)::$at, 'visit', '2026-02-28')
  ON CONFLICT (aid) DO UPDATE SET lead_id = EXCLUDED.lead_id, activity = EXCLUDED.activity;
SELECT chk('upsert');
INSERT INTO acts VALUES (802, public.k(4, 0)::$at, 'demo', '2026-02-28') ON CONFLICT (aid) DO UPDATE SET lead_id = EXCLUDED.lead_id;
SELECT chk('upsert_respell');
INSERT INTO acts VALUES (802, public.k(4, 1)::$at, 'demo', '2026-02-28') ON CONFLICT (aid) DO NOTHING;
SELECT chk('upsert_nothing');
-- MERGE: update, delete, insert
MERGE INTO acts a USING (VALUES (11, 2), (12, 1), (901, 3), (21, 0)) v(aid, g) ON a.aid = v.aid
  WHEN MATCHED AND v.g = 0 THEN DELETE
  WHEN MATCHED THEN UPDATE SET lead_id = public.k(v.g, 2)::$at
  WHEN NOT MATCHED THEN INSERT VALUES (v.aid, public.k(v.g, 1)::$at, 'demo', '2026-02-28');
SELECT chk('merge');
-- re-key to an equal key spelled differently
UPDATE leads SET id = public.k(3, 2)::$lt WHERE id = public.k(3, 0)::$lt;
SELECT chk('respell_key');
-- delete and re-insert a lead in one statement sequence / transaction
BEGIN; DELETE FROM leads WHERE id = public.k(1, 0)::$lt; INSERT INTO leads VALUES (public.k(1, 1)::$lt); COMMIT;
SELECT chk('delete_reinsert');
DELETE FROM leads WHERE id = public.k(4, 0)::$lt;
SELECT chk('delete');
INSERT INTO leads VALUES (public.k(4, 2)::$lt);
SELECT chk('reinsert');
-- upsert on leads: key in another spelling conflicting
INSERT INTO leads VALUES (public.k(5, 1)::$lt, 'saas') ON CONFLICT (id) DO UPDATE SET industry = EXCLUDED.industry, id = EXCLUDED.id;
SELECT chk('lead_upsert');
-- update activities' key spelling in place, and move between leads
UPDATE acts SET lead_id = public.k(1, 2)::$at WHERE aid IN (10, 20);
SELECT chk('update_acts');
DELETE FROM acts WHERE aid % 3 = 0;
SELECT chk('delete_acts');
-- CTE writing both tables
WITH l AS (INSERT INTO leads VALUES (public.k(8, 0)::$lt) RETURNING id)
INSERT INTO acts VALUES (1001, public.k(8, 1)::$at, 'demo', '2026-02-28');
SELECT chk('cte');
UPDATE acts SET aid = aid + 500 WHERE aid IN (10, 11, 701);
SELECT chk('move_partition');
\\if :part
INSERT INTO acts_b1 VALUES (555, public.k(6, 2)::$at, 'demo', '2026-02-28'), (556, public.k(6, 1)::$at, 'demo', '2026-02-28');
SELECT chk('into_partition');
\\endif
SQL
  # COPY in all spellings
  q -c "SET lead_qual.direct_lead_writes = $direct" -c "SET lq.kind = '$label'" -c "COPY acts FROM STDIN" -c "SELECT chk('copy')" <<COPY
$(psql -X -At -c "SELECT 2000+g*3+s || E'\t' || public.k(g, s) || E'\tdemo\t2026-02-27' FROM generate_series(1,9) g, generate_series(0,2) s" 2>&1)
COPY
  export PGDATABASE=$db; dropdb "${db}_case"
  done
  done
}
run_kind uuid uuid uuid "format('0000000%s-aaaa-bbbb-cccc-ddddeeeeffff', g)" "upper(format('0000000%s-aaaa-bbbb-cccc-ddddeeeeffff', g))" "format('{0000000%saaaabbbbccccddddeeeeffff}', g)"
run_kind bigint bigint bigint "g::text" "'+' || g" "' 0' || g || ' '"
run_kind text text text "'lead-' || g" "'lead-' || g" "'lead-' || g"
run_kind varchar 'varchar(20)' 'varchar(30)' "'lead-' || g" "'lead-' || g" "'lead-' || g"
run_kind char 'char(6)' 'char(9)' "'k' || g" "'k' || g || ' '" "'k' || g || '    '"
run_kind numeric numeric numeric "g::text" "g || '.0'" "g || '.000'"
run_kind numericp 'numeric(10,3)' 'numeric(12,1)' "g::text" "g || '.0'" "g || '.000'"
run_kind citext citext citext "'Lead-' || g" "'lead-' || g" "'LEAD-' || g"
run_kind domain lead_code lead_code "'lead-' || g" "'lead-' || g" "'lead-' || g"
run_kind icu_ci 'text COLLATE ci' 'text COLLATE ci' "'Lead-' || g" "'lead-' || g" "'LEAD-' || g"
run_kind float8 float8 float8 "((g - 1) * 0.5)::text" "CASE WHEN g = 1 THEN '-0' ELSE ((g - 1) * 0.5)::text END" "((g - 1) * 0.5) || 'e0'"
run_kind icu_char 'char(6) COLLATE ci' 'char(8) COLLATE ci' "'K' || g" "'k' || g || ' '" "'K' || g || '  '"
echo "1..$n"
