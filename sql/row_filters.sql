-- Row filters (issue #13; README, "Row filters"): track() options
-- lead_filter and activity_filter, a boolean expression over a row. A
-- soft-deleted or archived lead is left as it is (no scoring, no stage
-- move, no history, no hand-off) and is in no report; an activity outside
-- the filter is not counted, on every path.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET lead_qual.as_of = '2026-06-01 10:00+00';

-- Twenty: uuid keys, quoted camelCase columns, soft deletes.
CREATE SCHEMA twenty;
CREATE TABLE twenty.person (
    id uuid PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text,
    "deletedAt" timestamptz);
CREATE TABLE twenty."timelineActivity" (
    id bigserial PRIMARY KEY, "personId" uuid REFERENCES twenty.person, name text, "happensAt" timestamptz,
    properties jsonb, "deletedAt" timestamptz);
CREATE INDEX ON twenty."timelineActivity" ("personId");
-- Fit 35 each (default model). Person 3 was deleted before adoption.
INSERT INTO twenty.person VALUES
  ('00000000-0000-0000-0000-000000000001', 'software', 200, 20000000, 'europe', NULL),
  ('00000000-0000-0000-0000-000000000002', 'software', 200, 20000000, 'europe', NULL),
  ('00000000-0000-0000-0000-000000000003', 'software', 200, 20000000, 'europe', '2026-05-01 00:00+00'),
  ('00000000-0000-0000-0000-000000000004', 'software', 200, 20000000, 'europe', NULL);
-- A webinar each; person 1 also has a demo request that was deleted;
-- person 4 a deleted demo request on May 20 and a live one on May 25.
INSERT INTO twenty."timelineActivity" ("personId", name, "happensAt", "deletedAt") VALUES
  ('00000000-0000-0000-0000-000000000001', 'webinar', '2026-05-31 10:00+00', NULL),
  ('00000000-0000-0000-0000-000000000001', 'demo_request', '2026-05-31 11:00+00', '2026-05-31 12:00+00'),
  ('00000000-0000-0000-0000-000000000002', 'webinar', '2026-05-31 10:00+00', NULL),
  ('00000000-0000-0000-0000-000000000003', 'webinar', '2026-05-31 10:00+00', NULL),
  ('00000000-0000-0000-0000-000000000004', 'demo_request', '2026-05-20 10:00+00', '2026-05-21 10:00+00'),
  ('00000000-0000-0000-0000-000000000004', 'demo_request', '2026-05-25 10:00+00', NULL);
SELECT track('twenty."timelineActivity"', 'twenty.person', 'default',
             '{"add_columns": true, "activity_lead_id": "personId", "activity": "name", "occurred_at": "happensAt",
               "lead_filter": "\"deletedAt\" IS NULL", "activity_filter": "\"deletedAt\" IS NULL"}') AS scored;
-- The triggers carry the filters in their one argument (the 19th and 20th
-- of its fields, each after its length in bytes: src/pg/track_args.hpp).
SELECT tgname, tgnargs, (SELECT count(*) FROM regexp_matches(encode(tgargs, 'escape'), ' 19:"deletedAt" IS NULL', 'g')) AS filters
  FROM pg_trigger WHERE tgrelid = 'twenty.person'::regclass AND tgname = 'lead_qual_lead';

CREATE VIEW twenty.scores AS
SELECT right(id::text, 1) AS person, "deletedAt" IS NOT NULL AS deleted, stage,
       round(engagement_score::numeric, 2) AS engagement,
       (score_state::text::jsonb)->>'activities' AS counted
  FROM twenty.person ORDER BY 1;
CREATE VIEW twenty.history AS
SELECT right(lead_key, 1) AS person, from_stage, to_stage, reason, changed_at
  FROM stage_history WHERE lead_table = 'twenty.person'::regclass ORDER BY id;
-- Person 1: the webinar only (the deleted demo request is not counted);
-- person 3: not scored at all.
SELECT * FROM twenty.scores;
SELECT * FROM twenty.history;

-- The hand-off case: person 2 is soft-deleted, then a demo request arrives
-- for persons 1 and 2 in one statement. Person 1 becomes an SQL (history
-- row, hand-off); person 2 is left as it was: no score change, no history.
SET lead_qual.as_of = '2026-06-02 10:00+00';
UPDATE twenty.person SET "deletedAt" = '2026-06-02 09:00+00' WHERE id = '00000000-0000-0000-0000-000000000002';
INSERT INTO twenty."timelineActivity" ("personId", name, "happensAt") VALUES
  ('00000000-0000-0000-0000-000000000001', 'demo_request', '2026-06-02 09:30+00'),
  ('00000000-0000-0000-0000-000000000002', 'demo_request', '2026-06-02 09:30+00');
SELECT * FROM twenty.scores;
SELECT * FROM twenty.history;
-- Writes to lead_qual's columns of a deleted person are ignored as for any
-- tracked lead.
UPDATE twenty.person SET score = 99, engagement_score = 99 WHERE id = '00000000-0000-0000-0000-000000000002';
SELECT * FROM twenty.scores WHERE person = '2';
-- rescore() and refresh() leave it as it is too.
SELECT rescore('twenty.person') AS rescored, refresh('twenty.person', '2026-06-02 10:00+00') AS refreshed;
SELECT * FROM twenty.scores;

-- Undeleted: rebuilt from its whole history (both activities) and the
-- automatic rules apply: an SQL now, recorded (and handed off) once.
SET lead_qual.as_of = '2026-06-03 10:00+00';
UPDATE twenty.person SET "deletedAt" = NULL WHERE id = '00000000-0000-0000-0000-000000000002';
SELECT * FROM twenty.scores;
SELECT * FROM twenty.history;

-- Activities moving out of and into the filter.
-- Out: person 1's new demo request is deleted (UPDATE): no longer counted.
UPDATE twenty."timelineActivity" SET "deletedAt" = '2026-06-03 09:00+00'
 WHERE "personId" = '00000000-0000-0000-0000-000000000001' AND "happensAt" = '2026-06-02 09:30+00';
SELECT * FROM twenty.scores WHERE person = '1';
-- In: its old deleted demo request is restored: counted again.
UPDATE twenty."timelineActivity" SET "deletedAt" = NULL
 WHERE "personId" = '00000000-0000-0000-0000-000000000001' AND "happensAt" = '2026-05-31 11:00+00';
SELECT * FROM twenty.scores WHERE person = '1';
-- Inserted already deleted: not counted.
INSERT INTO twenty."timelineActivity" ("personId", name, "happensAt", "deletedAt")
  VALUES ('00000000-0000-0000-0000-000000000001', 'webinar', '2026-06-03 08:00+00', '2026-06-03 08:30+00');
SELECT * FROM twenty.scores WHERE person = '1';
-- Deleted for good: a counted webinar, and the uncounted one (no change).
DELETE FROM twenty."timelineActivity"
 WHERE "personId" = '00000000-0000-0000-0000-000000000001' AND name = 'webinar' AND "happensAt" = '2026-05-31 10:00+00';
SELECT * FROM twenty.scores WHERE person = '1';
DELETE FROM twenty."timelineActivity" WHERE "deletedAt" IS NOT NULL AND name = 'webinar';
SELECT * FROM twenty.scores WHERE person = '1';
-- verify() agrees (person 3, deleted, is not checked); rescore() and
-- refresh() change nothing.
SELECT * FROM verify('twenty.person');
SELECT rescore('twenty.person') AS rescored, refresh('twenty.person', '2026-06-03 10:00+00') AS refreshed;
SELECT * FROM twenty.scores;

-- Backfill replays only activities inside the filter: person 4's adoption
-- row is dated by its live demo request (May 25), not the deleted one.
SELECT person, from_stage, to_stage, reason, changed_at FROM twenty.history WHERE person = '4';
CALL backfill('twenty.person');
SELECT person, from_stage, to_stage, reason, changed_at FROM twenty.history WHERE person = '4';

-- TRUNCATE: every lead inside the filter is rescored from the empty history.
TRUNCATE twenty."timelineActivity";
SELECT * FROM twenty.scores;
SELECT untrack('twenty."timelineActivity"');

-- Odoo: integer ids, archived leads (active = false).
CREATE SCHEMA odoo;
CREATE TABLE odoo.crm_lead (
    id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text,
    active boolean NOT NULL DEFAULT true);
CREATE TABLE odoo.mail_activity (
    id serial PRIMARY KEY, lead_id int REFERENCES odoo.crm_lead, activity text, occurred_at timestamptz NOT NULL,
    properties jsonb);
CREATE INDEX ON odoo.mail_activity (lead_id);
INSERT INTO odoo.crm_lead (id, industry, employees, annual_revenue, region) VALUES
  (1, 'software', 200, 20000000, 'europe'),    -- fit 35
  (2, 'retail', 20, 2000000, 'asia'),          -- fit 10
  (3, 'software', 5, NULL, 'europe'),          -- fit 15
  (4, 'software', 2000, 200000000, 'europe');  -- fit 45
INSERT INTO odoo.mail_activity (lead_id, activity, occurred_at) VALUES
  (1, 'demo_request', '2026-06-03 09:00+00'), (2, 'webinar', '2026-06-03 09:00+00'),
  (4, 'demo_request', '2026-06-03 09:00+00');
SELECT track('odoo.mail_activity', 'odoo.crm_lead', 'default', '{"add_columns": true, "lead_filter": "active"}') AS scored;
CREATE VIEW odoo.scores AS
SELECT id, active, stage, fit_score, round(engagement_score::numeric, 2) AS engagement,
       (score_state::text::jsonb)->>'activities' AS counted
  FROM odoo.crm_lead ORDER BY id;
SELECT * FROM odoo.scores;
-- Lead 4 is archived; an activity arrives for it meanwhile, and a lead is
-- created archived (not scored: lead_qual's columns stay NULL).
UPDATE odoo.crm_lead SET active = false WHERE id = 4;
INSERT INTO odoo.mail_activity (lead_id, activity, occurred_at) VALUES (4, 'webinar', '2026-06-03 09:30+00');
INSERT INTO odoo.crm_lead (id, industry, employees, annual_revenue, region, active)
  VALUES (5, 'software', 200, 20000000, 'europe', false);
INSERT INTO odoo.mail_activity (lead_id, activity, occurred_at) VALUES (5, 'demo_request', '2026-06-03 09:30+00');
SELECT * FROM odoo.scores;
SELECT lead_key, from_stage, to_stage, reason FROM stage_history
 WHERE lead_table = 'odoo.crm_lead'::regclass ORDER BY id;
-- Archived leads are in no report: the funnel counts leads 1-3 ...
SELECT stage_name, leads, round(share::numeric, 4) AS share FROM funnel
 WHERE lead_table = 'odoo.crm_lead' AND leads > 0 ORDER BY stage;
-- ... and so do the closed-loop reports: lead 4, archived, an SQL with the
-- top score, would be in band 60-70 and a positive for outcome sql.
SELECT band_low, band_high, leads, reached FROM score_bands WHERE lead_table = 'odoo.crm_lead' ORDER BY band_low;
SELECT threshold, flagged, round(precision::numeric, 4) AS precision, round(recall::numeric, 4) AS recall
  FROM threshold_report('odoo.crm_lead', 'sql', ARRAY[0, 40, 60]);
SELECT score_auc('odoo.crm_lead', 'sql') AS auc;
SELECT count(*) AS outcomes FROM lead_qual._outcomes('odoo.crm_lead', 'sql');
-- The model-tuning reports too: preview() lists leads 1-3 only.
SELECT lead_key, current_stage, candidate_stage
  FROM lead_qual.preview('odoo.crm_lead', (SELECT definition FROM lead_qual.scoring_model WHERE name = 'default'))
 ORDER BY lead_key;
-- lead_qual._row_filter() is PARALLEL SAFE: it compiles in a parallel
-- worker too (the setting is force_parallel_mode before 16).
BEGIN;
SELECT set_config(name, 'on', true) AS forced FROM pg_settings WHERE name IN ('force_parallel_mode', 'debug_parallel_query');
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SELECT count(*) AS live FROM odoo.crm_lead l WHERE lead_qual._row_filter('odoo.crm_lead', 'active', ROW(l.active));
COMMIT;
-- A BI role with the README's grants needs SELECT on the columns the lead
-- filter reads too (and on no other column). (The funnel and score_bands
-- views read every tracked table, which this role may not: earlier suites
-- leave theirs; the per-table reports show it.)
CREATE ROLE lq_filter_bi;
GRANT USAGE ON SCHEMA odoo TO lq_filter_bi;
GRANT SELECT (id, fit_score, engagement_score, score, stage) ON odoo.crm_lead TO lq_filter_bi;
SET ROLE lq_filter_bi;
SELECT lead_qual.score_auc('odoo.crm_lead', 'sql') AS auc;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT (active) ON odoo.crm_lead TO lq_filter_bi;
SET ROLE lq_filter_bi;
SELECT threshold, flagged, round(precision::numeric, 4) AS precision, round(recall::numeric, 4) AS recall
  FROM lead_qual.threshold_report('odoo.crm_lead', 'sql', ARRAY[0, 40, 60]);
SELECT lead_qual.score_auc('odoo.crm_lead', 'sql') AS auc;
-- An expression outcome is evaluated like a filter: it reads its own
-- columns only, with the caller's privileges (region: not granted, 42501).
SELECT lead_qual.score_auc('odoo.crm_lead', 'region = ''europe''') AS auc;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT (region) ON odoo.crm_lead TO lq_filter_bi;
SET ROLE lq_filter_bi;
SELECT lead_key, positive FROM lead_qual._outcomes('odoo.crm_lead', 'region = ''europe''') ORDER BY lead_key;
RESET ROLE;
-- Lead 4's stored state missed the webinar, but it is not checked.
SELECT * FROM verify('odoo.crm_lead');
-- A person's stage change of an archived lead is still checked against the
-- transition policy and recorded (reason manual), with its frozen scores.
SET lead_qual.as_of = '2026-06-03 11:00+00';
UPDATE odoo.crm_lead SET stage = 'lead' WHERE id = 4;
\echo sqlstate :LAST_ERROR_SQLSTATE
UPDATE odoo.crm_lead SET stage = 'opportunity' WHERE id = 4;
SELECT lead_key, from_stage, to_stage, reason, score, changed_at FROM stage_history
 WHERE lead_table = 'odoo.crm_lead'::regclass AND lead_key = '4' ORDER BY id;
SELECT * FROM odoo.scores WHERE id = 4;
-- Restored: rebuilt from both activities; lead 5 gets scored when restored.
UPDATE odoo.crm_lead SET active = true WHERE id IN (4, 5);
SELECT * FROM odoo.scores;
SELECT lead_key, from_stage, to_stage, reason FROM stage_history
 WHERE lead_table = 'odoo.crm_lead'::regclass ORDER BY id;
SELECT stage_name, leads FROM funnel WHERE lead_table = 'odoo.crm_lead' AND leads > 0 ORDER BY stage;
SELECT * FROM verify('odoo.crm_lead');

-- Validation at track(): parsed and checked, never run; the error names
-- the option and has a standard SQLSTATE. Nothing is tracked after any.
CREATE SCHEMA v;
CREATE TABLE v.leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text,
                      archived boolean, "deletedAt" timestamptz);
CREATE TABLE v.activities (id serial PRIMARY KEY, lead_id int REFERENCES v.leads, activity text,
                           occurred_at timestamptz NOT NULL, properties jsonb);
CREATE INDEX ON v.activities (lead_id);
CREATE TABLE v.other (id int, active boolean);
CREATE FUNCTION v.always(boolean) RETURNS boolean LANGUAGE sql IMMUTABLE SECURITY DEFINER AS 'SELECT true';
-- Bad syntax (42601).
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "\"deletedAt\" IS NUL"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Not boolean (42804).
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "employees"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A volatile function, and a stable one (0A000): the value must depend on the row alone.
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "random() > 0.5"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "\"deletedAt\" > now()"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A subquery, an aggregate, a window function, a system column (0A000).
SELECT track('v.activities', 'v.leads', 'default',
             '{"add_columns": true, "lead_filter": "id IN (SELECT id FROM v.other WHERE active)"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "activity_filter": "count(*) > 0"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default',
             '{"add_columns": true, "activity_filter": "row_number() OVER () = 1"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "xmin IS NOT NULL"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A column lead_qual writes (0A000): which leads are live must not depend on it.
CREATE TABLE v.scored (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text,
                       score float8);
SELECT track('v.activities', 'v.scored', 'default', '{"add_columns": true, "lead_filter": "score > 10"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Another table's column (42P10), a column the table does not have (42703).
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "other.active"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "activity_filter": "archived"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A user-defined function, even IMMUTABLE (here SECURITY DEFINER): 0A000.
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "v.always(archived)"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Injection attempts: a second statement, a FROM clause, a closing
-- parenthesis (22023, 22023, 42601); v.leads is still there, untouched.
SELECT track('v.activities', 'v.leads', 'default',
             '{"add_columns": true, "lead_filter": "true; DROP TABLE v.leads"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": "true FROM v.other"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default',
             '{"add_columns": true, "lead_filter": "true) OR (SELECT pg_sleep(1)) IS NULL OR (true"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Not a string, and an empty one (22023).
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('v.activities', 'v.leads', 'default', '{"add_columns": true, "lead_filter": ""}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT count(*) AS tracked FROM tracked WHERE leads = 'v.leads'::regclass;
SELECT count(*) AS columns FROM pg_attribute WHERE attrelid = 'v.leads'::regclass AND attnum > 0;
-- Only track() may check a filter (it runs as the table's owner).
SELECT has_function_privilege('public', 'lead_qual._check_row_filter(regclass, text)', 'EXECUTE') AS public_may_check;

-- Accepted: built-in immutable functions and operators over the row's
-- own columns. Used in a new session (nothing compiled yet) under a
-- hostile search_path: the filter still means what it meant at track().
SELECT track('v.activities', 'v.leads', 'default',
             '{"add_columns": true, "lead_filter": "NOT coalesce(archived, false) AND lower(region) <> ''antarctica''"}')
       AS scored;
CREATE SCHEMA evil;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''antarctica''';
\c
SET search_path = evil, pg_catalog, public, lead_qual;
SET lead_qual.as_of = '2026-06-03 10:00+00';
INSERT INTO v.leads (id, industry, employees, annual_revenue, region, archived) VALUES
  (1, 'software', 200, 20000000, 'europe', false), (2, 'software', 200, 20000000, 'Antarctica', false);
INSERT INTO v.activities (lead_id, activity, occurred_at) VALUES (1, 'demo_request', '2026-06-03 09:00+00'),
                                                                 (2, 'demo_request', '2026-06-03 09:00+00');
SELECT id, stage, fit_score FROM v.leads ORDER BY id;
-- lead_qual._row_filter() checks any expression it is given as track() does.
SELECT lead_qual._row_filter('v.leads', 'pg_catalog.pg_sleep(0) IS NULL', ROW()) FROM v.leads l;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET search_path;
DROP OWNED BY lq_filter_bi;
DROP ROLE lq_filter_bi;
-- A filter is compiled once per backend: its date and time literals are read
-- in UTC and month-day order whatever the compiling session's TimeZone and
-- DateStyle, so every session passes the same rows. Compiled first here
-- under New York time and day-month order: 03:00 UTC on January 1 is on or
-- after '2026-01-01' (UTC midnight; New York's would be 05:00 UTC), and
-- '01/02/2026' is January 2 (day-month order would make it February 1).
CREATE SCHEMA tzf;
CREATE TABLE tzf.rows (id int, at timestamptz);
INSERT INTO tzf.rows VALUES (1, '2026-01-01 03:00+00'), (2, '2025-12-31 23:00+00'), (3, '2026-01-15 12:00+00');
SET timezone = 'America/New_York';
SET datestyle = 'SQL, DMY';
SELECT id, lead_qual._row_filter('tzf.rows', 'at >= ''2026-01-01''', ROW(r.at)) AS since_new_year,
       lead_qual._row_filter('tzf.rows', 'at < ''01/02/2026''', ROW(r.at)) AS before_jan_2
  FROM tzf.rows r ORDER BY id;
RESET datestyle;
SET timezone = 'UTC';
DROP SCHEMA tzf CASCADE;
