-- Model versions (issue #16, item 2): every definition kept, rollback_model(),
-- and history rows that say which version produced them.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- The shipped default has its version recorded, marked builtin (not dumped);
-- the default's current definition (changed or not by earlier tests) is kept.
SELECT name, builtin, created_by IS NOT NULL AS by_someone FROM scoring_model_version
 WHERE name = 'default' AND builtin;
SELECT count(*) AS current_kept FROM scoring_model_version v JOIN scoring_model m USING (name, version, definition)
 WHERE name = 'default';

-- Three definitions: 10, 20, then 30 points per visit (sql at 40).
INSERT INTO scoring_model (name, definition) VALUES ('mv', '{
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}}}');
UPDATE scoring_model SET definition = jsonb_set(definition, '{engagement,rules,0,points}', '20') WHERE name = 'mv';
-- An update that changes nothing makes no version.
UPDATE scoring_model SET definition = definition WHERE name = 'mv';
UPDATE scoring_model SET definition = jsonb_set(definition, '{engagement,rules,0,points}', '30') WHERE name = 'mv';
CREATE TEMP VIEW mv_versions AS
  SELECT row_number() OVER (ORDER BY version) AS n, version, definition #>> '{engagement,rules,0,points}' AS points,
         created_by = current_user AS by_me, builtin
    FROM scoring_model_version WHERE name = 'mv';
SELECT n, points, by_me, builtin FROM mv_versions ORDER BY n;
SELECT (SELECT version FROM scoring_model WHERE name = 'mv') = (SELECT max(version) FROM mv_versions) AS current_is_newest;

-- History rows carry the version of the lead's model.
CREATE TABLE mv_leads (id int PRIMARY KEY);
CREATE TABLE mv_activities (lead_id int REFERENCES mv_leads, activity text, occurred_at timestamptz);
CREATE INDEX ON mv_activities (lead_id);
INSERT INTO mv_leads VALUES (1), (2);
SELECT track('mv_activities', 'mv_leads', 'mv', '{"add_columns": true}') AS scored;
INSERT INTO mv_activities VALUES (1, 'visit', now());
-- 30 points: lead 1 is an mql, written under version 3.
SELECT h.lead_key, h.to_stage, v.n AS version_n
  FROM stage_history h JOIN mv_versions v ON v.version = h.model_version
 WHERE h.lead_table = 'mv_leads'::regclass ORDER BY h.id;

-- Roll back to version 1 (10 points): a new version 4 with version 1's
-- definition. Lead 2's four visits make 40 (sql) under it.
SELECT rollback_model('mv', (SELECT version FROM mv_versions WHERE n = 1)) AS rolled_back \gset
SELECT :rolled_back = version AS returns_new_version FROM scoring_model WHERE name = 'mv';
SELECT n, points FROM mv_versions ORDER BY n;
SELECT definition = (SELECT definition FROM mv_versions JOIN scoring_model_version USING (version) WHERE n = 1)
    AS same_as_first FROM scoring_model WHERE name = 'mv';
INSERT INTO mv_activities SELECT 2, 'visit', now() FROM generate_series(1, 4);
SELECT id, engagement_score, stage FROM mv_leads ORDER BY id;
SELECT h.lead_key, h.from_stage, h.to_stage, h.reason, v.n AS version_n
  FROM stage_history h JOIN mv_versions v ON v.version = h.model_version
 WHERE h.lead_table = 'mv_leads'::regclass ORDER BY h.id;
-- Rolling back to the definition it already has changes nothing.
SELECT rollback_model('mv', (SELECT version FROM mv_versions WHERE n = 1)) = :rolled_back AS unchanged;
SELECT count(*) AS versions FROM mv_versions;

-- Unknown versions are refused.
\set VERBOSITY default
SELECT rollback_model('mv', -1);
\echo sqlstate :LAST_ERROR_SQLSTATE
\set VERBOSITY terse

-- A deleted model can be brought back; its versions stay.
SELECT untrack('mv_activities');
DELETE FROM scoring_model WHERE name = 'mv';
SELECT count(*) AS kept FROM mv_versions;
SELECT rollback_model('mv', (SELECT version FROM mv_versions WHERE n = 2)) AS back \gset
SELECT :back = max(version) AS back_as_newest, count(*) AS versions FROM mv_versions;
SELECT definition #>> '{engagement,rules,0,points}' AS points FROM scoring_model WHERE name = 'mv';

DROP VIEW mv_versions;
DROP TABLE mv_activities, mv_leads;
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name = 'mv';
DELETE FROM scoring_model_version WHERE name = 'mv';
