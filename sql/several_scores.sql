-- Several scores per lead (issue #16, item 1): add_score() puts a second
-- model on a tracked leads table. It writes only its own columns; the
-- driving model alone moves the stage. Each of the challenger's columns must
-- equal what the same model writes when it alone tracks an identical pair
-- of tables (ss_b_*), and its score_history what that table's stage_history
-- records.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET lead_qual.as_of = '2026-03-01 12:00+00';

INSERT INTO scoring_model (name, definition) VALUES
('ss_current', '{
  "fit": {"rules": [{"when": {"employees": {"gte": 100}}, "points": 20}]},
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 5}, {"activity": "demo", "points": 30}]},
  "stages": {"mql": {"min_engagement": 10}, "sql": {"min_score": 60}}}'),
('ss_challenger', '{
  "fit": {"rules": [{"when": {"industry": {"in": ["saas"]}}, "points": 25}]},
  "engagement": {"half_life_days": 10, "rules": [{"activity": "visit", "points": 8}, {"activity": "demo", "points": 20}]},
  "stages": {"mql": {"min_engagement": 15}, "sql": {"min_score": 50}}}');

-- Two identical pairs: ss_a tracked by ss_current with ss_challenger
-- added, ss_b tracked by ss_challenger alone.
CREATE TABLE ss_a_leads (id int PRIMARY KEY, employees int, industry text, won boolean);
CREATE TABLE ss_a_activities (lead_id int REFERENCES ss_a_leads ON UPDATE CASCADE, activity text, occurred_at timestamptz);
CREATE INDEX ON ss_a_activities (lead_id);
CREATE TABLE ss_b_leads (LIKE ss_a_leads INCLUDING ALL);
CREATE TABLE ss_b_activities (lead_id int REFERENCES ss_b_leads ON UPDATE CASCADE, activity text, occurred_at timestamptz);
CREATE INDEX ON ss_b_activities (lead_id);
INSERT INTO ss_a_leads VALUES (1, 500, 'saas', true), (2, 20, 'saas', false), (3, 150, 'retail', true), (4, 5, 'retail', false);
INSERT INTO ss_b_leads SELECT * FROM ss_a_leads;
INSERT INTO ss_a_activities VALUES (1, 'visit', '2026-02-27'), (1, 'visit', '2026-02-28'), (2, 'visit', '2026-02-20'),
                                   (3, 'demo', '2026-02-25');
INSERT INTO ss_b_activities SELECT * FROM ss_a_activities;
SELECT track('ss_a_activities', 'ss_a_leads', 'ss_current', '{"add_columns": true}') AS scored;
SELECT track('ss_b_activities', 'ss_b_leads', 'ss_challenger', '{"add_columns": true}') AS scored;
SELECT add_score('ss_a_leads', 'ss_challenger', '{"add_columns": true}') AS challenger_scored;

-- Its configuration and the columns it added (<model>_<column>).
SELECT leads, model, options FROM tracked_score;
SELECT attname, atttypid::regtype FROM pg_attribute
 WHERE attrelid = 'ss_a_leads'::regclass AND attname LIKE 'ss_challenger%' ORDER BY attnum;
-- Its triggers, in the order PostgreSQL fires them (name order): the
-- driving model's first.
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger
 WHERE tgrelid IN ('ss_a_leads'::regclass, 'ss_a_activities'::regclass) AND NOT tgisinternal
 ORDER BY tgrelid::regclass::text, tgname COLLATE "C";

-- A view comparing the challenger's columns of ss_a with ss_b's own.
CREATE TEMP VIEW ss_diff AS
SELECT a.id,
       a.ss_challenger_fit_score IS NOT DISTINCT FROM b.fit_score AS fit,
       a.ss_challenger_engagement_score IS NOT DISTINCT FROM b.engagement_score AS engagement,
       a.ss_challenger_score IS NOT DISTINCT FROM b.score AS score,
       a.ss_challenger_score_state::text IS NOT DISTINCT FROM b.score_state::text AS state,
       a.ss_challenger_stage IS NOT DISTINCT FROM b.stage AS stage,
       a.ss_challenger_stage_changed_at IS NOT DISTINCT FROM b.stage_changed_at AS changed_at
  FROM ss_a_leads a FULL JOIN ss_b_leads b USING (id);
CREATE TEMP VIEW ss_all_equal AS
SELECT bool_and(fit AND engagement AND score AND state AND stage AND changed_at) AS all_equal, count(*) AS leads FROM ss_diff;
-- And the history of the challenger's stage against ss_b's stage_history.
CREATE TEMP VIEW ss_history_equal AS
SELECT (SELECT array_agg(ROW(lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason)::text ORDER BY id)
          FROM score_history WHERE lead_table = 'ss_a_leads'::regclass AND model = 'ss_challenger')
       IS NOT DISTINCT FROM
       (SELECT array_agg(ROW(lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason)::text ORDER BY id)
          FROM stage_history WHERE lead_table = 'ss_b_leads'::regclass) AS history_equal;

SELECT id, fit_score, engagement_score, score, stage,
       ss_challenger_fit_score, ss_challenger_engagement_score, ss_challenger_score, ss_challenger_stage
  FROM ss_a_leads ORDER BY id;
SELECT * FROM ss_all_equal;
SELECT * FROM ss_history_equal;
-- The lead's history is the driving model's alone, and says so.
SELECT lead_key, from_stage, to_stage, reason, model FROM stage_history
 WHERE lead_table = 'ss_a_leads'::regclass ORDER BY id;

-- New activities, a new lead, an attribute change, a deleted activity: the
-- same on both pairs.
INSERT INTO ss_a_activities VALUES (2, 'demo', '2026-02-28'), (4, 'visit', '2026-02-28'), (4, 'visit', '2026-03-01');
INSERT INTO ss_b_activities VALUES (2, 'demo', '2026-02-28'), (4, 'visit', '2026-02-28'), (4, 'visit', '2026-03-01');
INSERT INTO ss_a_leads (id, employees, industry) VALUES (5, 1000, 'saas');
INSERT INTO ss_b_leads (id, employees, industry) VALUES (5, 1000, 'saas');
INSERT INTO ss_a_activities VALUES (5, 'demo', '2026-03-01');
INSERT INTO ss_b_activities VALUES (5, 'demo', '2026-03-01');
UPDATE ss_a_leads SET industry = 'saas' WHERE id = 3;
UPDATE ss_b_leads SET industry = 'saas' WHERE id = 3;
DELETE FROM ss_a_activities WHERE lead_id = 1 AND occurred_at = '2026-02-28';
DELETE FROM ss_b_activities WHERE lead_id = 1 AND occurred_at = '2026-02-28';
SELECT id, score, stage, ss_challenger_score, ss_challenger_stage FROM ss_a_leads ORDER BY id;
SELECT * FROM ss_all_equal;
SELECT * FROM ss_history_equal;
-- The challenger's history: the stages it would have set, by model and
-- version; the lead's own history is still the driving model's.
SELECT lead_key, from_stage, to_stage, reason, model,
       model_version = (SELECT version FROM scoring_model WHERE name = 'ss_challenger') AS current_version,
       life_id = (SELECT life_id FROM lead_life WHERE lead_table = 'ss_a_leads'::regclass AND lead_key = h.lead_key) AS lead_life
  FROM score_history h WHERE lead_table = 'ss_a_leads'::regclass ORDER BY id;
SELECT lead_key, from_stage, to_stage, reason, model FROM stage_history
 WHERE lead_table = 'ss_a_leads'::regclass ORDER BY id;

-- The challenger's columns are lead_qual's: a save that writes them back
-- (stage included) keeps them; a manual change of the lead's stage is the
-- driving model's, and the challenger's stage stays.
UPDATE ss_a_leads SET ss_challenger_score = 0, ss_challenger_stage = 'customer', ss_challenger_score_state = NULL WHERE id = 1;
UPDATE ss_a_leads SET stage = 'opportunity' WHERE id = 4;
SELECT id, stage, ss_challenger_score, ss_challenger_stage FROM ss_a_leads WHERE id IN (1, 4) ORDER BY id;
SELECT * FROM ss_all_equal;
SELECT lead_key, from_stage, to_stage, reason, model FROM stage_history
 WHERE lead_table = 'ss_a_leads'::regclass AND reason = 'manual';

-- explain() reads a state: the challenger's is that of ss_b.
SELECT (SELECT array_agg(e) FROM ss_a_leads a, explain(a.ss_challenger_score_state) e WHERE a.id = 2)
       = (SELECT array_agg(e) FROM ss_b_leads b, explain(b.score_state) e WHERE b.id = 2) AS same_explain;

-- Reports per model: the challenger's score against the same outcome gives
-- ss_b's figures; without a model, the driving model's (as before).
SELECT score_auc('ss_a_leads', 'won', 'ss_challenger') = score_auc('ss_b_leads', 'won') AS same_auc,
       score_auc('ss_a_leads', 'won') = score_auc('ss_a_leads', 'won', 'ss_current') AS default_is_driving;
SELECT (SELECT array_agg(r) FROM threshold_report('ss_a_leads', 'won', '{10, 30, 50}', 'ss_challenger') r)
       = (SELECT array_agg(r) FROM threshold_report('ss_b_leads', 'won', '{10, 30, 50}') r) AS same_thresholds;
SELECT * FROM threshold_report('ss_a_leads', 'won', '{10, 30, 50}', model => 'ss_challenger');

-- Every model side by side: the leads each flagged at mql and sql (moved
-- there by its own rules: lead 4, which a person moved to opportunity, is
-- flagged by none), and how many of them sales won. With a stage outcome,
-- the lead time from flagging to the outcome.
SELECT * FROM score_comparison('ss_a_leads', 'won');
SELECT model, stage, flagged, positive, median_lead_time FROM score_comparison('ss_a_leads', 'opportunity');

-- rescore() and refresh() rewrite every model by default (the driving one
-- first), one model when named; verify() checks one model (default: the
-- driving one).
SET lead_qual.as_of = '2026-03-20 12:00+00';
SELECT refresh('ss_a_leads', '2026-03-20 12:00+00', 'ss_challenger') AS refreshed_challenger,
       refresh('ss_b_leads', '2026-03-20 12:00+00') AS refreshed_b;
SELECT * FROM ss_all_equal;
SELECT * FROM ss_history_equal;
SELECT refresh('ss_a_leads', '2026-03-20 12:00+00') AS refreshed_all;
SELECT rescore('ss_a_leads') AS rescored_all, rescore('ss_a_leads', 'ss_challenger') AS rescored_challenger;
SELECT count(*) AS problems FROM verify('ss_a_leads', '2026-03-20 12:00+00', 'ss_challenger');
ALTER TABLE ss_a_leads DISABLE TRIGGER "lead_qual_lead/ss_challenger";
UPDATE ss_a_leads SET ss_challenger_engagement_score = 99 WHERE id = 2;
ALTER TABLE ss_a_leads ENABLE ALWAYS TRIGGER "lead_qual_lead/ss_challenger";
SELECT lead_key, problem FROM verify('ss_a_leads', '2026-03-20 12:00+00', 'ss_challenger');
SELECT count(*) AS driving_problems FROM verify('ss_a_leads', '2026-03-20 12:00+00');
SELECT rescore('ss_a_leads', 'ss_challenger') AS repaired;
SELECT count(*) AS problems FROM verify('ss_a_leads', '2026-03-20 12:00+00', 'ss_challenger');

-- Errors.
\set VERBOSITY default
SELECT add_score('ss_a_leads', 'ss_challenger');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_current');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'no_such_model');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_activities', 'default');
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO scoring_model (name, definition) VALUES
('ss_third', '{"engagement": {"rules": [{"activity": "visit", "points": 1}]}}'),
('ss_reader', '{"fit": {"rules": [{"when": {"ss_challenger_score": {"gte": 1}}, "points": 1}]}}');
-- A column another model writes, or the key.
SELECT add_score('ss_a_leads', 'ss_third', '{"score": "score"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_third', '{"fit_score": "ss_challenger_stage"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_third', '{"stage": "id"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A column an attribute of a model is read from, or two of its own alike.
SELECT add_score('ss_a_leads', 'ss_third', '{"score": "industry"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_third', '{"score": "t_x", "fit_score": "t_x", "add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A model that reads another's column.
SELECT add_score('ss_a_leads', 'ss_reader', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Options.
SELECT add_score('ss_a_leads', 'ss_third', '{"channel": "x"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_third', '{"add_columns": "yes"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_third', '[]');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT add_score('ss_a_leads', 'ss_third');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT rescore('ss_a_leads', 'ss_third');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT drop_score('ss_a_leads', 'ss_current');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A model in use is neither deleted nor renamed (every write would fail).
DELETE FROM scoring_model WHERE name = 'ss_challenger';
\echo sqlstate :LAST_ERROR_SQLSTATE
UPDATE scoring_model SET name = 'ss_renamed' WHERE name = 'ss_current';
\echo sqlstate :LAST_ERROR_SQLSTATE
\set VERBOSITY terse

-- A third model on named columns; every model rewritten by rescore().
ALTER TABLE ss_a_leads ADD COLUMN t_score_state score_state;
SELECT add_score('ss_a_leads', 'ss_third', '{"score_state": "t_score_state", "add_columns": true}') AS third_scored;
SELECT id, ss_third_engagement_score, ss_third_stage FROM ss_a_leads ORDER BY id;

-- drop_score(): its triggers go, its columns and history stay; the
-- challenger and the driving model go on.
SELECT drop_score('ss_a_leads', 'ss_third');
INSERT INTO ss_a_activities VALUES (4, 'visit', '2026-03-20');
INSERT INTO ss_b_activities VALUES (4, 'visit', '2026-03-20');
SELECT id, ss_third_engagement_score FROM ss_a_leads WHERE id = 4;
SELECT * FROM ss_all_equal;
SELECT model FROM tracked_score ORDER BY model;
SELECT count(*) AS third_triggers FROM pg_trigger WHERE tgname LIKE '%/ss_third';

-- A key change (ON UPDATE CASCADE rewrites the activities) and a TRUNCATE
-- of the activities (rescore() of every model): still the same on both pairs.
UPDATE ss_a_leads SET id = 13 WHERE id = 3;
UPDATE ss_b_leads SET id = 13 WHERE id = 3;
SELECT id, ss_challenger_score, ss_challenger_stage FROM ss_a_leads WHERE id = 13;
SELECT * FROM ss_all_equal;
TRUNCATE ss_a_activities;
TRUNCATE ss_b_activities;
SELECT count(*) FILTER (WHERE ss_challenger_engagement_score = 0 AND engagement_score = 0) AS emptied, count(*) AS leads
  FROM ss_a_leads;
SELECT * FROM ss_all_equal;
SELECT * FROM ss_history_equal;

-- forget_lead() erases the key from the challenger's history too.
SELECT count(*) AS keyed_rows FROM score_history WHERE lead_table = 'ss_a_leads'::regclass AND lead_key = '2';
SELECT forget_lead('ss_a_leads', '2') > 0 AS forgotten;
SELECT count(*) AS keyed_rows_left FROM score_history WHERE lead_table = 'ss_a_leads'::regclass AND lead_key = '2';

-- untrack() takes every model with it.
SELECT untrack('ss_a_activities');
SELECT count(*) AS scores_left FROM tracked_score WHERE leads = 'ss_a_leads'::regclass;
SELECT count(*) AS triggers_left FROM pg_trigger
 WHERE tgrelid IN ('ss_a_leads'::regclass, 'ss_a_activities'::regclass) AND tgname LIKE 'lead_qual%';
SELECT untrack('ss_b_activities');

-- Two models with the same definition flag the same leads, whatever people
-- did to the stage (a person's moves flag a lead for no model).
INSERT INTO scoring_model (name, definition) SELECT 'ss_twin', definition FROM scoring_model WHERE name = 'ss_current';
CREATE TABLE ss_t_leads (LIKE ss_a_leads INCLUDING ALL);
CREATE TABLE ss_t_activities (lead_id int REFERENCES ss_t_leads, activity text, occurred_at timestamptz);
CREATE INDEX ON ss_t_activities (lead_id);
INSERT INTO ss_t_leads (id, employees, industry, won) VALUES (1, 500, 'saas', true), (2, 20, 'saas', false),
                                                             (3, 150, 'retail', true), (4, 5, 'retail', false);
SELECT track('ss_t_activities', 'ss_t_leads', 'ss_current', '{"add_columns": true}') >= 0 AS tracked,
       add_score('ss_t_leads', 'ss_twin', '{"add_columns": true}') >= 0 AS twin_added;
INSERT INTO ss_t_activities VALUES (1, 'visit', '2026-02-27'), (1, 'visit', '2026-02-28'), (3, 'demo', '2026-02-25');
UPDATE ss_t_leads SET stage = 'opportunity' WHERE id IN (2, 3);
SELECT model, stage, flagged, positive, "precision", recall FROM score_comparison('ss_t_leads', 'opportunity');
SELECT untrack('ss_t_activities');
DROP TABLE ss_t_activities, ss_t_leads;
RESET lead_qual.as_of;
