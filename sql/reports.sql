-- Reports on a small fixed dataset with known answers: funnel, conversion,
-- velocity, threshold report, AUC, score bands, grades, refresh/recycling.
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- No decay, so every number is exact.
INSERT INTO scoring_model (name, definition) VALUES ('rep', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 10},
                    {"when": {"employees": {"gte": 100}}, "points": 30}]},
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}},
  "grades": {"A": 30, "B": 10},
  "recycle": {"from": ["mql"], "idle_days": 30}}');
CREATE TABLE rep_leads (id int PRIMARY KEY, industry text, employees int);
CREATE TABLE rep_activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO rep_leads VALUES (1, 'software', 10), (2, 'software', 10), (3, 'software', 10),
                             (4, 'retail', 10), (5, 'retail', 10), (6, 'retail', 10), (7, 'software', 500);
SET lead_qual.as_of = '2026-01-01';
SELECT track('rep_activities', 'rep_leads', 'rep', '{"add_columns": true}') AS scored;

-- Replay: lead_qual.as_of dates the scoring and the stage changes.
SET lead_qual.as_of = '2026-01-05';
INSERT INTO rep_activities SELECT l, 'visit', '2026-01-05' FROM generate_series(1, 4) l, generate_series(1, 2);
INSERT INTO rep_activities VALUES (5, 'visit', '2026-01-05'), (7, 'visit', '2026-01-05');
SET lead_qual.as_of = '2026-01-10';
INSERT INTO rep_activities SELECT l, 'visit', '2026-01-10' FROM generate_series(1, 2) l, generate_series(1, 2);
SET lead_qual.as_of = '2026-02-03';
UPDATE rep_leads SET stage = 'opportunity' WHERE id = 1;
SET lead_qual.as_of = '2026-02-10';
INSERT INTO rep_activities SELECT 3, 'visit', '2026-02-10' FROM generate_series(1, 2);
SET lead_qual.as_of = '2026-02-20';
UPDATE rep_leads SET stage = 'opportunity' WHERE id = 2;
SET lead_qual.as_of = '2026-03-01';
UPDATE rep_leads SET stage = 'customer' WHERE id = 1;
RESET lead_qual.as_of;

SELECT id, fit_score, engagement_score, score, stage, stage_changed_at FROM rep_leads ORDER BY id;
SELECT lead_key, from_stage, to_stage, changed_at, reason FROM stage_history ORDER BY changed_at, lead_key;

-- Funnel: every stage, zero included.
SELECT stage, leads, round(share::numeric, 4) AS share FROM funnel WHERE lead_table = 'public.rep_leads';

-- Conversion by cohort month and all time (NULL cohort).
SELECT cohort_month, from_stage, to_stage, entered, reached, rate
FROM stage_conversion WHERE lead_table = 'public.rep_leads'
ORDER BY from_stage, to_stage, cohort_month NULLS LAST;

-- Velocity: mql -> sql took 5, 5 and 36 days.
SELECT from_stage, to_stage, leads, median, p90 FROM stage_velocity WHERE lead_table = 'public.rep_leads'
ORDER BY from_stage, to_stage;

-- Threshold report: scores are 50, 50, 50 (reached sql), 50 (lead 7, fit only), 20, 10, 0.
SELECT * FROM threshold_report('rep_leads', 'sql', '{0, 20, 40, 60}');
SELECT threshold, flagged FROM threshold_report('rep_leads');
SELECT threshold, flagged, recall FROM threshold_report('rep_leads', 'customer', '{50}');
-- AUC for sql: each positive beats 3 negatives and ties 1: (3 * 3.5) / (3 * 4) = 0.875.
-- The default outcome is opportunity (leads 1 and 2, set by sales): each
-- beats 3 negatives and ties 2: (2 * 4) / (2 * 5) = 0.8.
SELECT score_auc('rep_leads', 'sql') AS auc_sql, score_auc('rep_leads') AS auc,
       score_auc('rep_leads', 'opportunity') AS auc_opportunity;

-- Bands and grades count opportunity or later: 2 of the 4 leads at 50
-- (both of fit grade B).
SELECT band_low, band_high, leads, reached, rate FROM score_bands WHERE lead_table = 'public.rep_leads';
SELECT grade, leads, reached, rate FROM fit_grades WHERE lead_table = 'public.rep_leads';
SELECT grade('rep', 45), grade('rep', 10), grade('rep', 9.5), grade('default', 45) IS NULL AS no_grades;

-- Refresh: lead 4 has been an idle MQL since January 5: recycled on March 15.
SELECT refresh('rep_leads', '2026-02-01') AS changed_feb;
SELECT id, stage FROM rep_leads WHERE id = 4;
SELECT refresh('rep_leads', '2026-03-15') AS changed_mar;
SELECT id, stage FROM rep_leads WHERE id = 4;
SELECT lead_key, from_stage, to_stage, changed_at, reason FROM stage_history WHERE reason = 'refresh';
-- A recycled lead re-engages: judged on its engagement since the recycle
-- (2 visits, 20: mql), not its whole engagement (40 would be an sql). One
-- visit (10) alone was not enough.
INSERT INTO rep_activities VALUES (4, 'visit', now());
SELECT id, engagement_score, stage FROM rep_leads WHERE id = 4;
INSERT INTO rep_activities VALUES (4, 'visit', now());
SELECT id, engagement_score, stage FROM rep_leads WHERE id = 4;

-- Reports on an untracked table are refused.
SELECT * FROM threshold_report('pg_class');
\echo sqlstate :LAST_ERROR_SQLSTATE
SET lead_qual.as_of = 'infinity';
INSERT INTO rep_activities VALUES (5, 'visit', now());
RESET lead_qual.as_of;

-- The views do not rescan per row: each scan of the history in the plan
-- runs once (loops 1) (the plan's shape is the planner's and differs between
-- PostgreSQL majors; the loops are the property).
CREATE FUNCTION history_scans(query text) RETURNS TABLE (scans bigint, loops bigint[])
LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || query INTO plan;
  RETURN QUERY
    WITH RECURSIVE node(n) AS (SELECT plan -> 0 -> 'Plan'
                               UNION ALL SELECT c FROM node, json_array_elements(node.n -> 'Plans') AS c)
    SELECT count(*), array_agg((n ->> 'Actual Loops')::bigint ORDER BY (n ->> 'Actual Loops')::bigint)
      FROM node WHERE n ->> 'Relation Name' = 'stage_history';
END $$;
SELECT * FROM history_scans('SELECT * FROM stage_conversion');
DROP FUNCTION history_scans(text);

SELECT untrack('rep_activities');
DROP TABLE rep_leads, rep_activities;
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name = 'rep';
