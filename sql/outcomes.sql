-- Outcomes sales decided (issue #16, item 4): a funnel stage set by people
-- or an expression over the leads row, with the time it was reached; the
-- reports default to opportunity, not the model's own sql threshold.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- No decay, so every number is exact. Fit 10 for software; 10 per visit;
-- mql at engagement 20, sql at 40 (the model's own stages).
INSERT INTO scoring_model (name, definition) VALUES ('oc', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 10}]},
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}}}');
CREATE TABLE oc_leads (id int PRIMARY KEY, industry text, "isWon" boolean, won_at date, pipeline_stage text);
CREATE TABLE oc_activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO oc_leads VALUES
  (1, 'software', true, '2026-03-01', 'won'),
  (2, 'software', false, NULL, 'lost'),
  (3, 'software', NULL, NULL, NULL),
  (4, 'retail', true, '2026-03-10', 'won'),
  (5, 'retail', false, NULL, 'open'),
  (6, 'retail', NULL, NULL, NULL);
SET lead_qual.as_of = '2026-01-01';
SELECT track('oc_activities', 'oc_leads', 'oc', '{"add_columns": true}') AS scored;

-- Engagement: leads 1-3 four visits (40: sql), lead 4 two (20: mql), lead 5
-- one, lead 6 none. Scores: 50, 50, 50, 20, 10, 0.
SET lead_qual.as_of = '2026-01-05';
INSERT INTO oc_activities SELECT l, 'visit', '2026-01-05' FROM generate_series(1, 3) l, generate_series(1, 4);
INSERT INTO oc_activities SELECT 4, 'visit', '2026-01-05' FROM generate_series(1, 2);
INSERT INTO oc_activities VALUES (5, 'visit', '2026-01-05');
-- Sales: lead 1 opportunity on Feb 1, customer on Mar 1; lead 2 opportunity
-- on Feb 10, then disqualified (its life reached opportunity all the same);
-- lead 4 (an mql only) opportunity on Feb 20.
SET lead_qual.as_of = '2026-02-01';
UPDATE oc_leads SET stage = 'opportunity' WHERE id = 1;
SET lead_qual.as_of = '2026-02-10';
UPDATE oc_leads SET stage = 'opportunity' WHERE id = 2;
SET lead_qual.as_of = '2026-02-15';
UPDATE oc_leads SET stage = 'disqualified' WHERE id = 2;
SET lead_qual.as_of = '2026-02-20';
UPDATE oc_leads SET stage = 'opportunity' WHERE id = 4;
SET lead_qual.as_of = '2026-03-01';
UPDATE oc_leads SET stage = 'customer' WHERE id = 1;
RESET lead_qual.as_of;
SELECT id, score, stage FROM oc_leads ORDER BY id;

-- Stage outcomes: reached (in the history of the current life) or current.
SELECT lead_key, stage, positive, outcome_at FROM _outcomes('oc_leads', 'opportunity') ORDER BY lead_key;
SELECT lead_key, positive, outcome_at FROM _outcomes('oc_leads', ' Customer ') ORDER BY lead_key;
-- sql: leads 1-3 by the model (Jan 5) and lead 4 through opportunity (Feb 20).
SELECT lead_key, positive, outcome_at FROM _outcomes('oc_leads', 'sql') ORDER BY lead_key;
-- The typed overload of 1.0/1.1 gives the same answer.
SELECT lead_key, positive FROM _outcomes('oc_leads', 'opportunity'::lead_stage) ORDER BY lead_key;

-- Expression outcomes over the leads row: NULL counts as false; the time
-- comes from outcome_at, for positive leads only.
SELECT lead_key, positive, outcome_at FROM _outcomes('oc_leads', '"isWon"', 'won_at') ORDER BY lead_key;
SELECT lead_key, positive, outcome_at FROM _outcomes('oc_leads', 'pipeline_stage = ''won''') ORDER BY lead_key;
-- A comment in the expression ends at its line.
SELECT lead_key, positive FROM _outcomes('oc_leads', '"isWon" -- the CRM''s flag') ORDER BY lead_key;
-- Unlike a row filter, an outcome may call stable built-in functions (here
-- to_char of a timestamp): a report reads it once per lead. The date won_at
-- is its midnight in the session's time zone.
SELECT lead_key, positive, outcome_at FROM _outcomes('oc_leads', 'to_char(won_at, ''MM'') = ''03''', 'won_at::timestamp')
 ORDER BY lead_key;
-- An outcome is compiled for each report, with the session's settings: a
-- time literal is read in the current TimeZone. Lead 4 became an
-- opportunity at Feb 20, 00:00 UTC, and lead 1 a customer on Mar 1: on or
-- after Feb 20 in UTC; in New York only lead 1 is.
SELECT lead_key FROM _outcomes('oc_leads', 'stage_changed_at >= ''2026-02-20''') WHERE positive ORDER BY lead_key;
SET timezone = 'America/New_York';
SELECT lead_key FROM _outcomes('oc_leads', 'stage_changed_at >= ''2026-02-20''') WHERE positive ORDER BY lead_key;
SET timezone = 'UTC';

-- Reports default to opportunity (1, 2, 4 positive; scores 50, 50, 20 of
-- 50, 50, 50, 20, 10, 0). At threshold 50: 3 flagged, 2 positive.
SELECT * FROM threshold_report('oc_leads', thresholds => '{20, 50}');
-- AUC for opportunity: positives 50, 50, 20 against negatives 50, 10, 0:
-- (2.5 + 2.5 + 2) / 9 = 0.7778.
SELECT round(score_auc('oc_leads')::numeric, 4) AS auc_default,
       round(score_auc('oc_leads', 'opportunity')::numeric, 4) AS auc_opportunity,
       round(score_auc('oc_leads', 'opportunity'::lead_stage)::numeric, 4) AS auc_typed;
-- The model's own sql threshold is still available when asked for: 1-4
-- positive (scores 50, 50, 50, 20) against 10, 0: AUC 1.
SELECT score_auc('oc_leads', 'sql') AS auc_sql, score_auc('oc_leads', 'sql'::lead_stage) AS auc_sql_typed;
-- Won flag: positives 50 (lead 1), 20 (lead 4) against 50, 50, 10, 0:
-- (2 + 2 * 0.5 + 2) / 8 = 0.625.
SELECT score_auc('oc_leads', '"isWon"') AS auc_won;
SELECT threshold, flagged, "precision", recall FROM threshold_report('oc_leads', 'sql'::lead_stage, '{50}');
SELECT band_low, leads, reached FROM score_bands WHERE lead_table = 'public.oc_leads';

-- Refused: not one expression, other tables, subqueries, aggregates, window
-- and set-returning functions, volatile calls, parameters, wrong types. A
-- volatile function is never run (no NOTICE).
CREATE FUNCTION oc_noisy() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ran'; RETURN true; END $$;
\set VERBOSITY default
SELECT * FROM _outcomes('oc_leads', 'public.oc_noisy() AND "isWon"');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'random() > 0.5');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'EXISTS (SELECT 1 FROM pg_class)');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'count(*) > 0');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'row_number() OVER () > 1');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'generate_series(1, 2) > 1');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'true) FROM pg_authid WHERE (true');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'true), (false');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'true; DROP TABLE oc_leads');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', '$1');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'isWon');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'id');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', '"isWon"', 'id');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- outcome_time is checked by the same rules (a volatile call: 0A000).
SELECT * FROM _outcomes('oc_leads', '"isWon"', 'clock_timestamp()');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'opportunity', 'won_at');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM _outcomes('oc_leads', 'recycled');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Columns are named plainly, as in a row filter (42P10).
SELECT * FROM _outcomes('oc_leads', 'l."isWon"');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A user-defined function, even a harmless immutable one (0A000).
CREATE FUNCTION oc_same(boolean) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1';
SELECT * FROM _outcomes('oc_leads', 'public.oc_same("isWon")');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM threshold_report('oc_leads', '"isWon" AND (SELECT true)');
\echo sqlstate :LAST_ERROR_SQLSTATE
\set VERBOSITY terse

SELECT untrack('oc_activities');
DROP TABLE oc_leads, oc_activities;
DROP FUNCTION oc_noisy();
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name = 'oc';
