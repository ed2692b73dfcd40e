-- Live qualification: track(), the triggers, stage history, security.
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

CREATE SCHEMA crm;
CREATE TABLE crm.leads (
    id int PRIMARY KEY, email text, industry text, employees int, annual_revenue numeric, region text,
    budget_confirmed boolean NOT NULL DEFAULT false);
CREATE TABLE crm.activities (
    id bigserial PRIMARY KEY, lead_id int, activity text, occurred_at timestamptz, properties jsonb);
CREATE INDEX ON crm.activities (lead_id);

-- A model with a BANT requirement for SQL and no decay, so numbers are exact.
INSERT INTO scoring_model (name, definition) VALUES ('crm', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 20},
                    {"when": {"employees": {"gte": 100}}, "points": 10}]},
  "engagement": {"rules": [{"activity": "page_view", "points": 2, "max": 10},
                           {"activity": "webinar", "points": 10},
                           {"activity": "demo_request", "points": 30}]},
  "stages": {"mql": {"min_fit": 20, "min_engagement": 10},
             "sql": {"min_fit": 20, "min_score": 60, "require": {"budget_confirmed": {"eq": true}}}}}');

-- track() checks everything up front and lists every problem.
SELECT track('crm.activities', 'crm.leads', 'crm');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('crm.activities', 'crm.leads', 'nope');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('crm.activities', 'crm.leads', 'crm', '{"colour": "red", "key": 7}');
\echo sqlstate :LAST_ERROR_SQLSTATE
CREATE TABLE crm.bad_activities (lead_id text, kind int, occurred_at timestamp);
SELECT track('crm.bad_activities', 'crm.leads', 'crm', '{"activity": "kind", "add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
CREATE TABLE crm.no_key (id int, industry text, employees int, budget_confirmed boolean);
SELECT track('crm.activities', 'crm.no_key', 'crm', '{"add_columns": true}');
CREATE TABLE crm.thin_leads (id int PRIMARY KEY, industry text);
SELECT track('crm.activities', 'crm.thin_leads', 'crm', '{"add_columns": true}');
DROP TABLE crm.bad_activities, crm.no_key, crm.thin_leads;
SELECT count(*) AS tracked_after_errors FROM tracked;

-- add_columns adds the written columns; existing leads are scored at once.
INSERT INTO crm.leads (id, email, industry, employees) VALUES
  (1, 'ada@acme.example', 'Software', 250),
  (2, 'bob@shop.example', 'retail', 12),
  (3, 'cy@bigco.example', 'software', 5000);
SELECT track('crm.activities', 'crm.leads', 'crm', '{"add_columns": true, "channel": "sales_alerts"}') AS leads_scored;
SELECT track('crm.activities', 'crm.leads', 'crm', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT activities, leads, model, options->>'channel' AS channel, options->>'key' AS key FROM tracked;
SELECT id, fit_score, engagement_score, score, stage FROM crm.leads ORDER BY id;

-- A multi-row INSERT is one batch; an unknown lead key is kept, not scored.
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES
  (1, 'page_view', '2026-03-01'), (1, 'page_view', '2026-03-02'), (1, 'webinar', '2026-03-03'),
  (2, 'page_view', '2026-03-01'),
  (404, 'webinar', '2026-03-01'),
  (NULL, 'webinar', '2026-03-01');
SELECT count(*) AS activities_kept FROM crm.activities;
SELECT id, fit_score, engagement_score, score, stage FROM crm.leads ORDER BY id;

-- COPY is one batch too; a NULL occurred_at gets the transaction's time
-- written into the row, NULL properties are fine, unknown activity types earn
-- nothing.
COPY crm.activities (lead_id, activity, occurred_at, properties) FROM STDIN;
3	page_view	2026-03-05 10:00:00+00	{"url": "/pricing"}
3	page_view	\N	\N
3	tweet	2026-03-05 10:00:00+00	\N
\.
INSERT INTO crm.activities (lead_id, activity, occurred_at)
SELECT 2, 'page_view', timestamptz '2026-03-01' + i * interval '1 hour' FROM generate_series(1, 20) i;
SELECT id, fit_score, engagement_score, score, stage FROM crm.leads ORDER BY id;

-- The leads table's trigger computes each lead lead_qual updates: with it
-- disabled an activity insert is refused (55000) rather than leaving the lead
-- stale, and nothing of the statement remains.
ALTER TABLE crm.leads DISABLE TRIGGER lead_qual_lead;
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES (2, 'webinar', '2026-03-02');
\echo sqlstate :LAST_ERROR_SQLSTATE
ALTER TABLE crm.leads ENABLE TRIGGER lead_qual_lead;
SELECT count(*) AS webinars FROM crm.activities WHERE lead_id = 2 AND activity = 'webinar';
SELECT id, score FROM crm.leads WHERE id = 2;

-- A rep confirms the budget and a demo is requested: Ada becomes an SQL.
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES (1, 'demo_request', '2026-03-10');
SELECT id, score, stage FROM crm.leads WHERE id = 1;
UPDATE crm.leads SET budget_confirmed = true WHERE id = 1;
SELECT id, score, stage, stage_changed_at = (SELECT max(changed_at) FROM stage_history) AS changed_now FROM crm.leads WHERE id = 1;

-- Manual stage changes are checked (23514) and recorded.
UPDATE crm.leads SET stage = 'lead' WHERE id = 1;
\echo sqlstate :LAST_ERROR_SQLSTATE
UPDATE crm.leads SET stage = NULL WHERE id = 1;
UPDATE crm.leads SET stage = 'opportunity' WHERE id = 1;
UPDATE crm.leads SET stage = 'disqualified' WHERE id = 2;
-- Scoring never demotes and never touches opportunity or disqualified.
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-11'), (2, 'demo_request', '2026-03-11');
SELECT id, stage FROM crm.leads ORDER BY id;

-- Every change is in the history, with its reason and the role that caused it.
SELECT lead_table, lead_key, from_stage, to_stage, reason, changed_by = current_user AS by_me, score
FROM stage_history ORDER BY id;

-- Deleting or changing activities rebuilds the lead from what remains: here
-- the page view COPY dated at its transaction's time (rounded: it has decayed
-- by the milliseconds since).
SELECT round(engagement_score::numeric, 6) AS engagement_score FROM crm.leads WHERE id = 3;
DELETE FROM crm.activities WHERE lead_id = 3 AND NOT (activity = 'page_view' AND properties IS NULL);
SELECT round(engagement_score::numeric, 6) AS engagement_score FROM crm.leads WHERE id = 3;
UPDATE crm.activities SET activity = 'webinar' WHERE lead_id = 3;
SELECT round(engagement_score::numeric, 6) AS engagement_score, stage FROM crm.leads WHERE id = 3;
UPDATE crm.activities SET lead_id = 2 WHERE lead_id = 3;   -- moves history between leads
SELECT id, round(engagement_score::numeric, 6) AS engagement_score FROM crm.leads WHERE id IN (2, 3) ORDER BY id;

-- A lead inserted after its activities picks them up.
INSERT INTO crm.leads (id, industry, employees) VALUES (404, 'software', 10);
SELECT id, fit_score, engagement_score, stage FROM crm.leads WHERE id = 404;

-- A model change: leads are rebuilt under the new version when next touched,
-- or all at once by rescore().
UPDATE scoring_model SET definition = jsonb_set(definition, '{engagement,rules,1,points}', '15') WHERE name = 'crm';
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES (404, 'page_view', '2026-03-12');
SELECT id, engagement_score FROM crm.leads WHERE id = 404;
SELECT rescore('crm.leads') AS changed;
SELECT rescore('crm.leads') AS changed_again;
SELECT id, round(engagement_score::numeric, 6) AS engagement_score, (score_state::text::jsonb->>'version')::bigint = (SELECT version FROM scoring_model WHERE name = 'crm') AS current_version
FROM crm.leads ORDER BY id;

-- The stored state always equals the aggregate over the history.
SELECT l.id,
       abs(engagement(l.score_state, '2026-04-01') - engagement(h.state, '2026-04-01')) < 1e-9 AS same_engagement,
       (l.score_state::text::jsonb->'activities') = (h.state::text::jsonb->'activities') AS same_count
FROM crm.leads l
LEFT JOIN (SELECT lead_id, engagement_state('crm', activity, occurred_at, properties) AS state
             FROM crm.activities GROUP BY lead_id) h ON h.lead_id = l.id
WHERE h.state IS NOT NULL ORDER BY l.id;

-- TRUNCATE empties every lead's engagement.
TRUNCATE crm.activities;
SELECT id, engagement_score, stage FROM crm.leads ORDER BY id;

-- Security: an application role with only INSERT on activities qualifies
-- leads through the triggers but cannot write scores, stages or history.
UPDATE crm.leads SET budget_confirmed = true WHERE id = 3;
CREATE ROLE lq_app;
GRANT USAGE ON SCHEMA crm TO lq_app;
GRANT INSERT ON crm.activities TO lq_app;
GRANT USAGE ON SEQUENCE crm.activities_id_seq TO lq_app;
SET ROLE lq_app;
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES (3, 'demo_request', '2026-03-20'), (3, 'webinar', '2026-03-20');
UPDATE crm.leads SET score = 1000 WHERE id = 3;
INSERT INTO lead_qual.stage_history (lead_table, lead_key, to_stage, changed_at, reason, changed_by)
  VALUES ('crm.leads', '3', 'customer', now(), 'manual', 'lq_app');
UPDATE lead_qual.scoring_model SET definition = '{}';
INSERT INTO lead_qual.tracked VALUES ('crm.leads', 'crm.leads', 'x', '{}');
RESET ROLE;
SELECT id, engagement_score, stage FROM crm.leads WHERE id = 3;
SELECT lead_key, to_stage, changed_by FROM stage_history WHERE lead_key = '3' ORDER BY id;

-- A hostile search_path changes nothing: these shadow objects are never used.
CREATE SCHEMA evil;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT timestamptz '1999-01-01' $$;
CREATE FUNCTION evil.text(int) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION evil.int4eq_evil(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = int, RIGHTARG = int, PROCEDURE = evil.int4eq_evil);
SET search_path = evil, public, lead_qual, pg_catalog;
INSERT INTO crm.activities (lead_id, activity, occurred_at) VALUES (2, 'webinar', '2026-03-21');
SELECT id, engagement_score FROM crm.leads ORDER BY id;
SET search_path = public, lead_qual;
DROP SCHEMA evil CASCADE;

-- Odd identifiers: quoted and schema-qualified everywhere.
CREATE SCHEMA "Sales Ops";
CREATE TABLE "Sales Ops"."Lead List" ("Lead ID" bigint PRIMARY KEY, "Industry" text, "Stage" lead_stage);
CREATE TABLE "Sales Ops"."touch-points" ("who" bigint, "what" varchar(40), "when" timestamptz, "with;" jsonb);
INSERT INTO scoring_model (name, definition) VALUES ('odd model', '{
  "fit": {"rules": [{"when": {"Industry": {"eq": "software"}}, "points": 20}]},
  "engagement": {"rules": [{"activity": "Visit", "when": {"page": {"starts_with": "/pricing"}}, "points": 25}]},
  "stages": {"mql": {"min_score": 40}}}');
SELECT track('"Sales Ops"."touch-points"', '"Sales Ops"."Lead List"', 'odd model',
             '{"activity_lead_id": "who", "activity": "what", "occurred_at": "when", "properties": "with;",
               "key": "Lead ID", "stage": "Stage", "add_columns": true}');
INSERT INTO "Sales Ops"."Lead List" ("Lead ID", "Industry") VALUES (7, 'Software');
INSERT INTO "Sales Ops"."touch-points" VALUES (7, 'visit', '2026-03-01', '{"page": "/pricing/enterprise"}');
SELECT "Lead ID", fit_score, engagement_score, "Stage" FROM "Sales Ops"."Lead List";

-- Lead keys of a type passed by reference travel as text[]; by-value keys
-- (int, bigint above) as an array of their own type. Both score alike, for
-- one lead or many per statement, and after a delete.
INSERT INTO scoring_model (name, definition) VALUES ('keys', '{
  "engagement": {"rules": [{"activity": "visit", "points": 2}]}, "stages": {"mql": {"min_score": 4}}}');
CREATE TABLE crm.coded_leads (code text PRIMARY KEY);
CREATE TABLE crm.coded_visits (code text, activity text, occurred_at timestamptz);
CREATE INDEX ON crm.coded_visits (code);
SELECT track('crm.coded_visits', 'crm.coded_leads', 'keys', '{"key": "code", "activity_lead_id": "code", "add_columns": true}');
INSERT INTO crm.coded_leads VALUES ('acme-1'), ('acme-2'), ('Z');
INSERT INTO crm.coded_visits VALUES ('Z', 'visit', '2026-03-01');
INSERT INTO crm.coded_visits VALUES ('acme-2', 'visit', '2026-03-01'), ('acme-1', 'visit', '2026-03-01'),
                                    ('acme-2', 'visit', '2026-03-02'), ('nobody', 'visit', '2026-03-02');
DELETE FROM crm.coded_visits WHERE code = 'acme-2' AND occurred_at = '2026-03-02';
SELECT code, engagement_score, stage FROM crm.coded_leads ORDER BY code COLLATE "C";
SELECT untrack('crm.coded_visits');

-- untrack() removes the triggers; scores and history stay.
SELECT untrack('"Sales Ops"."touch-points"');
INSERT INTO "Sales Ops"."touch-points" VALUES (7, 'visit', '2026-03-02', '{"page": "/pricing"}');
SELECT "Lead ID", engagement_score FROM "Sales Ops"."Lead List";
SELECT untrack('"Sales Ops"."touch-points"');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT count(*) AS odd_history FROM stage_history WHERE lead_table = '"Sales Ops"."Lead List"'::regclass;

-- Calling the internal row function directly is refused.
SELECT lead_qual._apply('1', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE

-- One rule for the time of an activity without occurred_at: track()'s
-- BEFORE ROW trigger writes the scoring time into the row (lead_qual.as_of
-- here), and every path (insert trigger, rescore(), verify()) reads it; none
-- may take the wall clock instead (an activity dated today would not have
-- decayed by 2000-01-31).
CREATE TABLE crm.undated_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE crm.undated_visits (lead_id int, activity text, occurred_at timestamptz, properties jsonb);
CREATE INDEX ON crm.undated_visits (lead_id);
INSERT INTO crm.undated_leads VALUES (1, 'software', 300, 20000000, 'europe');
SELECT track('crm.undated_visits', 'crm.undated_leads', 'default', '{"add_columns": true}');
SET lead_qual.as_of = '2000-01-01';
INSERT INTO crm.undated_visits VALUES (1, 'webinar', NULL, NULL);
SELECT count(*) AS problems FROM verify('crm.undated_leads', '2000-01-31');
SELECT rescore('crm.undated_leads') AS changed_by_rescore;
UPDATE crm.undated_visits SET properties = '{}';
SELECT engagement(score_state, '2000-01-31') AS engagement_a_half_life_later FROM crm.undated_leads;
RESET lead_qual.as_of;
SELECT untrack('crm.undated_visits');

SELECT untrack('crm.activities');
DROP SCHEMA crm CASCADE;
DROP SCHEMA "Sales Ops" CASCADE;
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name IN ('crm', 'odd model', 'keys');
DROP ROLE lq_app;
