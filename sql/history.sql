-- The stage history as a record of each lead's life (README, "Stage
-- history"): key changes keep one life, a lead deleted and created again
-- starts a new one, erasure keeps the aggregates, backfill dates adoption.
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- No decay: every number is exact. mql at 20 engagement, sql at 40.
INSERT INTO scoring_model (name, definition) VALUES ('life', '{
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}}}');
CREATE TABLE life_leads (id int PRIMARY KEY);
CREATE TABLE life_activities (lead_id int REFERENCES life_leads ON UPDATE CASCADE ON DELETE CASCADE,
                              activity text, occurred_at timestamptz);
CREATE INDEX ON life_activities (lead_id);
INSERT INTO life_leads VALUES (1), (2);
SET lead_qual.as_of = '2026-01-01';
SELECT track('life_activities', 'life_leads', 'life', '{"add_columns": true}') AS scored;

-- 1. A key change: lead 1 reaches mql, is renumbered to 100 (the foreign
-- key cascades to its activities), reaches sql 10 days (240 h) later.
SET lead_qual.as_of = '2026-01-05';
INSERT INTO life_activities VALUES (1, 'visit', '2026-01-05'), (1, 'visit', '2026-01-05');
UPDATE life_leads SET id = 100 WHERE id = 1;
SET lead_qual.as_of = '2026-01-15';
INSERT INTO life_activities VALUES (100, 'visit', '2026-01-15'), (100, 'visit', '2026-01-15');
SELECT lead_key, from_stage, to_stage, changed_at,
       life_id = (SELECT life_id FROM lead_life WHERE lead_key = '100') AS same_life
  FROM stage_history WHERE lead_table = 'life_leads'::regclass ORDER BY id;
-- mql -> sql: 1 of 1 converted, in 240 hours.
SELECT from_stage, to_stage, entered, reached, rate FROM stage_conversion
 WHERE lead_table = 'public.life_leads' AND cohort_month IS NULL AND from_stage = 'mql' AND to_stage = 'sql';
SELECT from_stage, to_stage, leads, median, median_hours, p90_hours, from_stage_name, to_stage_name FROM stage_velocity
 WHERE lead_table = 'public.life_leads';
SELECT lead_key, stage, reached_at, lead_table, lead_table_oid, stage_name FROM stage_reached
 WHERE lead_table = 'public.life_leads' ORDER BY stage;

-- 2. A new life: lead 2 reaches mql, is deleted, and a new lead 2 reaches
-- sql a month later. Two lives, not one lead that converted.
SET lead_qual.as_of = '2026-02-01';
INSERT INTO life_activities VALUES (2, 'visit', '2026-02-01'), (2, 'visit', '2026-02-01');
DELETE FROM life_leads WHERE id = 2;
SELECT count(*) AS lives_of_key_2 FROM lead_life WHERE lead_table = 'life_leads'::regclass AND lead_key = '2';
SET lead_qual.as_of = '2026-03-01';
INSERT INTO life_leads VALUES (2);
INSERT INTO life_activities SELECT 2, 'visit', '2026-03-01' FROM generate_series(1, 4);
SELECT lead_key, from_stage, to_stage, changed_at,
       dense_rank() OVER (ORDER BY life_id) AS life FROM stage_history
 WHERE lead_table = 'life_leads'::regclass AND (lead_key = '2' OR lead_key IS NULL) ORDER BY id;
-- mql -> sql, all time: lead 100 (converted), the first lead 2 (did not),
-- the second lead 2 (mql and sql at once): 3 entered, 2 reached.
SELECT entered, reached, rate FROM stage_conversion
 WHERE lead_table = 'public.life_leads' AND cohort_month IS NULL AND from_stage = 'mql' AND to_stage = 'sql';
SELECT leads, median_hours FROM stage_velocity WHERE lead_table = 'public.life_leads' AND from_stage = 'mql';
-- The closed-loop reports read the current lives only: the current lead 2
-- reached sql, so did 100.
SELECT lead_key, positive FROM lead_qual._outcomes('life_leads', 'sql') ORDER BY lead_key;

-- 3. Erasure: lead 100 (and its earlier key 1) leaves no key behind; the
-- aggregates are the same as before.
SELECT forget_lead('life_leads', '100') AS erased;
SELECT count(*) FILTER (WHERE lead_key IN ('1', '100')) AS keyed, count(*) FILTER (WHERE lead_key IS NULL) AS unkeyed
  FROM stage_history WHERE lead_table = 'life_leads'::regclass;
SELECT count(*) AS lives_of_100 FROM lead_life WHERE lead_table = 'life_leads'::regclass AND lead_key = '100';
SELECT entered, reached, rate FROM stage_conversion
 WHERE lead_table = 'public.life_leads' AND cohort_month IS NULL AND from_stage = 'mql' AND to_stage = 'sql';
SELECT leads, median_hours FROM stage_velocity WHERE lead_table = 'public.life_leads' AND from_stage = 'mql';
-- README "Erasure" deletes the lead first (its life ends), then erases it:
-- its rows under an earlier key go too (lead 7, renumbered 107).
INSERT INTO life_leads VALUES (7);
INSERT INTO life_activities SELECT 7, 'visit', '2026-03-01' FROM generate_series(1, 2);
UPDATE life_leads SET id = 107 WHERE id = 7;
INSERT INTO life_activities SELECT 107, 'visit', '2026-03-01' FROM generate_series(1, 2);
SELECT count(*) FILTER (WHERE lead_key = '7') AS under_7, count(*) FILTER (WHERE lead_key = '107') AS under_107
  FROM stage_history WHERE lead_table = 'life_leads'::regclass;
DELETE FROM life_leads WHERE id = 107;
SELECT forget_lead('life_leads', '107') AS erased;
SELECT count(*) FILTER (WHERE lead_key IN ('7', '107')) AS keyed FROM stage_history WHERE lead_table = 'life_leads'::regclass;
-- Only the owner of the table erases; unknown tables are refused.
CREATE ROLE life_stranger;
SET SESSION AUTHORIZATION life_stranger;
SELECT forget_lead('life_leads', '2');
RESET SESSION AUTHORIZATION;
SELECT forget_lead('pg_class', '2');
DROP ROLE life_stranger;

-- 4. Backfill: a CRM with activities since December adopts lead_qual on
-- 2026-04-01. track() dates every crossing at adoption; backfill() replays
-- the activities and dates each crossing when it happened.
RESET lead_qual.as_of;
CREATE TABLE old_leads (id int PRIMARY KEY, stage lead_stage);
CREATE TABLE old_activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO old_leads VALUES (1, 'lead'), (2, 'lead'), (3, 'lead'), (4, 'lead');
INSERT INTO old_activities VALUES
  (1, 'visit', '2025-12-01'), (1, 'visit', '2025-12-03'),                              -- mql 12-03
  (1, 'visit', '2026-01-10'), (1, 'visit', '2026-01-20'),                              -- sql 01-20
  (2, 'visit', '2026-02-01'), (2, 'visit', '2026-02-02'), (2, 'visit', '2026-02-05'),  -- mql 02-02
  (3, 'visit', '2026-03-01'),                                                          -- stays lead
  (4, 'call', '2026-03-01');                                                           -- no points
SET lead_qual.as_of = '2026-04-01';
SELECT track('old_activities', 'old_leads', 'life', '{"add_columns": true}') AS scored;
RESET lead_qual.as_of;
SELECT lead_key, from_stage, to_stage, changed_at, reason FROM stage_history
 WHERE lead_table = 'old_leads'::regclass ORDER BY lead_key, id;
SELECT from_stage, to_stage, leads, median_hours FROM stage_velocity WHERE lead_table = 'public.old_leads';
LISTEN lead_qual;
CALL backfill('old_leads', 1);
SELECT lead_key, from_stage, to_stage, changed_at, reason, fit, engagement, score FROM stage_history
 WHERE lead_table = 'old_leads'::regclass ORDER BY lead_key, changed_at;
-- mql -> sql took 48 days (2025-12-03 to 2026-01-20): 1152 hours.
SELECT from_stage, to_stage, leads, median_hours FROM stage_velocity WHERE lead_table = 'public.old_leads';
SELECT cohort_month, entered, reached FROM stage_conversion
 WHERE lead_table = 'public.old_leads' AND from_stage = 'mql' AND to_stage = 'sql' ORDER BY cohort_month NULLS LAST;
-- Run again: nothing left to date.
CALL backfill('old_leads');
SELECT count(*) AS rows FROM stage_history WHERE lead_table = 'old_leads'::regclass;
UNLISTEN lead_qual;
-- Refused: a bad batch size, a stranger's call.
CALL backfill('old_leads', 0);
CREATE ROLE life_stranger;
SET SESSION AUTHORIZATION life_stranger;
CALL backfill('old_leads');
RESET SESSION AUTHORIZATION;
DROP ROLE life_stranger;

-- 5. Casts: varchar parameters (JDBC) and score_state as jsonb; a role
-- without lead_qual on its search_path compares stages as text.
PREPARE by_stage(varchar) AS SELECT count(*) FROM old_leads WHERE stage = $1::lead_qual.lead_stage;
EXECUTE by_stage('sql');
PREPARE set_stage(varchar) AS UPDATE old_leads SET stage = $1 WHERE id = 3 RETURNING stage;
EXECUTE set_stage('MQL');
SELECT (score_state::jsonb) ? 'rules' AS has_rules FROM old_leads WHERE id = 1;
SELECT 'stage ' || stage || ' of ' || id AS concatenated FROM old_leads WHERE id = 1;
SET search_path = public;
SELECT id FROM old_leads WHERE stage = 'mql' ORDER BY id;
PREPARE by_stage_param AS SELECT id FROM old_leads WHERE stage = $1 ORDER BY id;
EXECUTE by_stage_param('sql');
SELECT 'stage ' || stage || ' of ' || id AS concatenated FROM old_leads WHERE id = 1;
SELECT stage, leads, lead_table, stage_name FROM lead_qual.funnel
 WHERE lead_table = 'public.old_leads' AND stage IN ('mql', 'sql') ORDER BY stage;
SET search_path = public, lead_qual;

-- 6. The leads table's own triggers run under the caller's search_path in
-- track(), rescore() and refresh(), as under a plain UPDATE: this one finds
-- its table through the search_path only.
CREATE SCHEMA app;
CREATE TABLE app.crm_stage (lead_id int, stage text);
CREATE FUNCTION app.note_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO crm_stage VALUES (NEW.id, NEW.stage::text);
  RETURN NEW;
END $$;
CREATE TABLE app.leads (id int PRIMARY KEY);
CREATE TABLE app.activities (lead_id int, activity text, occurred_at timestamptz);
CREATE INDEX ON app.activities (lead_id);
INSERT INTO app.leads VALUES (1), (2);
INSERT INTO app.activities VALUES (1, 'visit', '2026-01-01'), (1, 'visit', '2026-01-02');
ALTER TABLE app.leads ADD COLUMN fit_score float8, ADD COLUMN engagement_score float8, ADD COLUMN score float8,
  ADD COLUMN stage lead_stage, ADD COLUMN score_state score_state, ADD COLUMN stage_changed_at timestamptz;
CREATE TRIGGER note_stage AFTER UPDATE ON app.leads FOR EACH ROW EXECUTE FUNCTION app.note_stage();
SET search_path = app, public, lead_qual;
SELECT track('app.activities', 'app.leads', 'life') AS scored;
SELECT rescore('app.leads') AS rescored;
SELECT refresh('app.leads') AS refreshed;
SELECT lead_id, stage, count(*) FROM app.crm_stage GROUP BY 1, 2 ORDER BY 1, 2;
-- A hostile schema first on that search_path changes nothing in lead_qual's
-- own statements, the history and lives included: its operators would
-- make every key equal.
CREATE SCHEMA evil;
CREATE FUNCTION evil.yes(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION evil.yes_int(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, PROCEDURE = evil.yes);
CREATE OPERATOR evil.= (LEFTARG = int, RIGHTARG = int, PROCEDURE = evil.yes_int);
SET search_path = evil, app, public, lead_qual, pg_catalog;
INSERT INTO app.activities VALUES (2, 'visit', '2026-01-03'), (2, 'visit', '2026-01-04');
SELECT rescore('app.leads') AS rescored, refresh('app.leads') AS refreshed;
SET search_path = public, lead_qual;
SELECT h.lead_key, h.to_stage, l.lead_key AS life_key FROM stage_history h JOIN lead_life l USING (life_id)
 WHERE h.lead_table = 'app.leads'::regclass ORDER BY h.id;
SELECT id, stage FROM app.leads ORDER BY id;
DROP SCHEMA evil CASCADE;
-- Under a search_path without app the user trigger fails, as it would
-- under a plain UPDATE (lead_qual's own statements are immune to a hostile
-- search_path: sql/hostile.sql).
SET search_path = pg_temp, lead_qual;
SELECT rescore('app.leads');
SET search_path = public, lead_qual;
SELECT untrack('app.activities');
DROP SCHEMA app CASCADE;

SELECT untrack('old_activities');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'old_leads'::regclass ORDER BY tgname;
SELECT untrack('life_activities');
DROP TABLE old_activities, old_leads, life_activities, life_leads;
DELETE FROM stage_history;
DELETE FROM lead_life;
DELETE FROM scoring_model WHERE name = 'life';
