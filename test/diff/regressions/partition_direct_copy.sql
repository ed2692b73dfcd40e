-- lq_diff repro: seed 7 episode 28 ({"keys": "text", "layout": "list", "naming": "plain"}) statement 9 [part_copy]
-- failure: state activity count after a part_copy statement
-- shrunk from 66 to 5 statements
-- lead lead 4's: engagement column: stored 1.3510317531289249, oracle 1.4340400915742482
-- lead lead 4's: score column: stored 31.351031753128925, oracle 31.434040091574246
-- lead lead 4's: state activity count: stored 1, oracle 2
-- lead lead 4's: state engagement: stored 1.3510317531289249, oracle 1.4340400915742482
-- lead lead 4's: verify(): activity count differs from the history: stored 1.3510317531289249 / 1, oracle 1.4340400915742482 / 2
-- variant: {"keys": "text", "layout": "list", "naming": "plain"}
-- Replay: psql -X -f THIS_FILE in a database with lead_qual (drops the schemas it creates and lq_oracle).
-- Every "SELECT * FROM lq_oracle.check()" must return no rows.
\set ON_ERROR_STOP 0
SET lead_qual.as_of = '2026-06-01 12:00:00+00';
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('difftest', '{
  "fit": {
    "rules": [
      {"when": {"industry": {"in": ["software", "fintech"]}}, "points": 10},
      {"when": {"employees": {"between": [50, 1000]}}, "points": 15},
      {"when": {"region": {"eq": "europe"}}, "points": 5}
    ],
    "max": 50
  },
  "engagement": {
    "half_life_days": 30,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
      {"activity": "page_view", "points": 1, "max": 4},
      {"activity": "webinar", "points": 10, "max": 25},
      {"activity": "demo_request", "points": 20},
      {"activity": "unsubscribe", "points": -8}
    ],
    "max": 100
  },
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 20},
    "sql": {"min_fit": 20, "min_score": 70, "or_activities": ["demo_request"],
            "require": {"budget_confirmed": {"eq": true}}}
  }
}') ON CONFLICT (name) DO NOTHING;
-- setup
DO $$ BEGIN PERFORM lead_qual.untrack(t.activities) FROM lead_qual.tracked t WHERE t.leads::text IN ('crm.leads', 'crm.leads'); END $$;
DELETE FROM lead_qual.stage_history WHERE lead_table::text LIKE 'crm.%' OR lead_table::text LIKE '"crm".%';
DROP SCHEMA IF EXISTS crm CASCADE;
CREATE SCHEMA crm;
CREATE TABLE crm.leads (id text PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE crm.activities (id bigserial, event_id text, lead_id text, activity text, occurred_at timestamptz, properties jsonb, UNIQUE (event_id, activity)) PARTITION BY LIST (activity);
CREATE TABLE crm.activities_p_web PARTITION OF crm.activities FOR VALUES IN ('page_view');
CREATE TABLE crm.activities_p_events PARTITION OF crm.activities FOR VALUES IN ('webinar', 'demo_request');
CREATE TABLE crm.activities_p_default PARTITION OF crm.activities DEFAULT;
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, 'Software', 1000, 'asia', false), ('lead 2''s'::text, 'fintech', NULL, 'Europe', true), ('lead 3''s'::text, 'software', 1001, NULL, NULL), ('lead 4''s'::text, 'Software', 50, 'Europe', false), ('lead 5''s'::text, 'Software', 500, 'asia', true);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES (NULL, 'lead 6''s'::text, 'webinar', '2026-02-04 11:21:07+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-1', 'lead 6''s'::text, 'page_view', '2026-04-06 19:09:07+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-2', 'lead 7''s'::text, 'page_view', '2026-02-12 09:23:02+00'::timestamptz, '{"url": "/blog"}'::jsonb), (NULL, 'lead 4''s'::text, 'webinar', '2026-03-06 20:44:10+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT lead_qual.track('crm.activities', 'crm.leads', 'difftest', '{"add_columns": true}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a.lead_id::text AS lead_key, a.activity::text AS activity, a.occurred_at AS occurred_at, a.properties AS properties FROM crm.activities a;
CREATE VIEW lq_oracle.leads_v AS SELECT l.id::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l.score AS score, l.stage, l.score_state AS state FROM crm.leads l;
INSERT INTO lq_oracle.config VALUES ('crm.leads'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [txn]
BEGIN;
SELECT * FROM lq_oracle.check();
-- step 2 [txn]
SAVEPOINT sp0;
SELECT * FROM lq_oracle.check();
-- step 3 [part_copy] allow=42P01,23514
SAVEPOINT lq_try;
COPY crm.activities_p_web (event_id, lead_id, activity, occurred_at, properties) FROM STDIN;
ev-7	lead 4's	page_view	2026-02-13 18:46:05+00	{"url": "/blog"}
\.
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
