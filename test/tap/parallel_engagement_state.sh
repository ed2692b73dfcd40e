#!/usr/bin/env bash
# engagement_state() in parallel plans as a user writes batch scoring and
# backtests: several models and aggregates in one query (a model chosen per
# row, a FILTER clause), the jsonb candidate overload (constant and per
# row), an as_of per lead, GROUP BY a column with few values (groups of
# thousands of activities, more than 32 held after as_of), no GROUP BY,
# GROUPING SETS; hashed, sorted, and spilled (work_mem 64kB); with the
# leader participating and not. Each parallel result must be the serial
# plan's: same model, version, activity count, newest activity, scoring
# time, number of held activities, and engagement at as_of and later times
# (within 1e-9 relative: the rule sums are floating-point and are added in
# another order; the serial hashed and sorted plans differ the same way, so
# state::text is not compared byte for byte).
#
set -euo pipefail
db=lq_par_agg_$$
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db
export PGOPTIONS="-c timezone=UTC -c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

q >/dev/null <<'SQL'
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES
 ('pa', '{"engagement": {"half_life_days": 14, "rules": [
    {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
    {"activity": "page_view", "points": 1, "max": 15},
    {"activity": "webinar", "points": 10, "max": 25},
    {"activity": "demo_request", "points": 20}], "max": 100},
   "stages": {"mql": {"min_engagement": 25}, "sql": {"min_score": 70, "or_activities": ["demo_request"]}}}'),
 ('pb', '{"engagement": {"half_life_days": 3, "rules": [
    {"activity": "email_click", "points": 2},
    {"activity": "demo_request", "points": 50, "max": 60}]},
   "stages": {"sql": {"or_activities": ["email_click"]}}}');
-- 3,000 leads, 150,000 activities; lead 5 has hundreds after as_of; some undated.
CREATE TABLE acts AS
SELECT CASE WHEN i % 97 = 5 AND i % 4 = 0 THEN 5 ELSE i % 3000 END AS lead_id,
       (i % 3000) % 7 AS industry,
       (ARRAY['page_view', 'email_click', 'webinar', 'demo_request', 'unknown', 'page_view'])[1 + (i * 7) % 6] AS activity,
       CASE WHEN i % 97 = 5 AND i % 4 = 0 THEN timestamptz '2026-04-01' + (i % 500) * interval '1 hour'
            WHEN i % 211 = 0 THEN NULL
            ELSE timestamptz '2026-01-01' + (i % 90) * interval '1 day' + (i % 17) * interval '1 hour' END AS occurred_at,
       CASE WHEN i % 3 = 0 THEN '{"url": "/pricing"}'::jsonb END AS properties
FROM generate_series(1, 150000) i;
ANALYZE acts;
ALTER TABLE acts SET (parallel_workers = 2);
CREATE TABLE defs AS SELECT name, definition FROM lead_qual.scoring_model WHERE name IN ('pa', 'pb');
-- Whether two states (as text) differ in anything but the floating-point
-- rounding of their rule sums.
CREATE FUNCTION material(x text, y text) RETURNS boolean LANGUAGE plpgsql AS $f$
DECLARE a lead_qual.score_state; b lead_qual.score_state; ja jsonb; jb jsonb; t timestamptz;
BEGIN
  IF x IS NULL OR y IS NULL THEN RETURN x IS DISTINCT FROM y; END IF;
  a := x::lead_qual.score_state; b := y::lead_qual.score_state; ja := x::jsonb; jb := y::jsonb;
  IF ja - 'rules' - 'future' IS DISTINCT FROM jb - 'rules' - 'future' THEN RETURN true; END IF;
  IF jsonb_array_length(coalesce(ja->'future', '[]')) <> jsonb_array_length(coalesce(jb->'future', '[]')) THEN RETURN true; END IF;
  FOREACH t IN ARRAY ARRAY['2026-03-15', '2026-04-30', '2026-09-01']::timestamptz[] LOOP
    IF abs(lead_qual.engagement(a, t) - lead_qual.engagement(b, t)) > 1e-9 * greatest(1, abs(lead_qual.engagement(b, t))) THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END $f$;
SQL

SERIAL="SET max_parallel_workers_per_gather = 0"
PAR="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2"
# Queries: key k (text), state columns named s*.
declare -A Q
Q[per_lead]="SELECT lead_id::text AS k, engagement_state('pa', activity, occurred_at, properties, '2026-03-15')::text AS s1,
  engagement_state('pa', activity, occurred_at, properties)::text AS s2 FROM acts GROUP BY lead_id"
Q[models]="SELECT lead_id::text AS k, engagement_state('pb', activity, occurred_at, properties, '2026-03-15')::text AS s1,
  engagement_state('pa', activity, occurred_at, properties, '2026-03-15') FILTER (WHERE activity <> 'page_view')::text AS s2,
  engagement_state(CASE WHEN lead_id % 2 = 0 THEN 'pa' ELSE 'pb' END, activity, occurred_at, properties, '2026-03-15')::text AS s3
  FROM acts GROUP BY lead_id"
Q[candidates]="SELECT a.lead_id::text AS k, engagement_state(d.definition, activity, occurred_at, properties, '2026-03-15')::text AS s1,
  engagement_state((SELECT definition FROM defs WHERE name = 'pb'), activity, occurred_at, properties, '2026-04-15')::text AS s2
  FROM acts a JOIN defs d ON d.name = CASE WHEN a.lead_id % 3 = 0 THEN 'pa' ELSE 'pb' END GROUP BY a.lead_id"
Q[as_of_per_lead]="SELECT lead_id::text AS k, engagement_state('pa', activity, occurred_at, properties,
  timestamptz '2026-02-01' + (lead_id % 60) * interval '1 day')::text AS s1 FROM acts GROUP BY lead_id"
Q[big_groups]="SELECT industry::text AS k, engagement_state('pa', activity, occurred_at, properties, '2026-03-15')::text AS s1 FROM acts GROUP BY industry"
Q[one_group]="SELECT '' AS k, engagement_state('pa', activity, occurred_at, properties, '2026-03-15')::text AS s1 FROM acts"
Q[grouping_sets]="SELECT coalesce(industry::text, '') || '/' || coalesce(lead_id::text, '') AS k,
  engagement_state('pa', activity, occurred_at, properties, '2026-03-15')::text AS s1 FROM acts GROUP BY GROUPING SETS ((industry), (lead_id), ())"
names=(per_lead models candidates as_of_per_lead big_groups one_group grouping_sets)
variants=("SET parallel_leader_participation = on" "SET parallel_leader_participation = off"
          "SET parallel_leader_participation = on; SET work_mem = '64kB'" "SET parallel_leader_participation = off; SET enable_hashagg = off")
echo "1..$((${#names[@]} * ${#variants[@]}))"
n=0
for name in "${names[@]}"; do
  query=${Q[$name]}
  q -c "SET search_path = public, lead_qual" -c "$SERIAL" -c "CREATE TABLE serial_$name AS $query" >/dev/null
  cols=$(q -c "SELECT string_agg(format('count(*) FILTER (WHERE material(a.%1\$I, b.%1\$I))', attname), ' + ')
                 FROM pg_attribute WHERE attrelid = 'serial_$name'::regclass AND attname LIKE 's%' AND attnum > 0")
  v=0
  for variant in "${variants[@]}"; do
    v=$((v + 1)); n=$((n + 1))
    plan=$(q -c "SET search_path = public, lead_qual" -c "$PAR; $variant" -c "EXPLAIN (COSTS OFF) $query")
    q -c "SET search_path = public, lead_qual" -c "$PAR; $variant" -c "DROP TABLE IF EXISTS par" -c "CREATE TABLE par AS $query" >/dev/null
    got=$(q -c "SELECT count(*) || ' rows, ' || ($cols) || ' differing' FROM serial_$name a FULL JOIN par b USING (k)")
    want="$(q -c "SELECT count(*) FROM serial_$name") rows, 0 differing"
    label="$name, parallel ($variant) = serial"
    # GROUPING SETS are not aggregated in parallel by PostgreSQL 15: compared all the same.
    if [[ $name != grouping_sets ]] && ! grep -q 'Partial' <<<"$plan"; then
      echo "not ok $n - $label (no partial aggregation in the plan)"
    elif [[ $got == "$want" ]]; then
      echo "ok $n - $label"
    else
      echo "not ok $n - $label (got $got, want $want)"
    fi
  done
done
