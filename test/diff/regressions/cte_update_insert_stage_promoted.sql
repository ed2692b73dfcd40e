-- lq_diff repro: seed 99 episode 25 ({"keys": "uuid", "layout": "range", "naming": "plain"}) statement 62 [cte_update_insert]
-- failure: stage after a cte_update_insert statement
-- shrunk from 83 to 7 statements
-- lead 00000000-0000-4000-8000-000000000005: stage: stored mql, oracle lead
-- variant: {"keys": "uuid", "layout": "range", "naming": "plain"}
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
CREATE TABLE crm.leads (id uuid PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE crm.activities (id bigserial, event_id text, lead_id uuid, activity text, occurred_at timestamptz, properties jsonb, UNIQUE (event_id, occurred_at)) PARTITION BY RANGE (occurred_at);
CREATE TABLE crm.activities_p_old PARTITION OF crm.activities FOR VALUES FROM (MINVALUE) TO ('2026-03-03 12:00:00+00');
CREATE TABLE crm.activities_p_recent PARTITION OF crm.activities FOR VALUES FROM ('2026-03-03 12:00:00+00') TO ('2026-06-01 12:00:00+00');
CREATE TABLE crm.activities_p_default PARTITION OF crm.activities DEFAULT;
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 'fintech', 50, NULL, false), ('00000000-0000-4000-8000-000000000002'::uuid, 'retail', 50, 'europe', false), ('00000000-0000-4000-8000-000000000003'::uuid, 'fintech', 50, 'europe', true), ('00000000-0000-4000-8000-000000000004'::uuid, NULL, 1000, 'asia', true), ('00000000-0000-4000-8000-000000000005'::uuid, 'Software', 10, 'Europe', false);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-1', '00000000-0000-4000-8000-000000000004'::uuid, 'Page_View', '2026-04-17 00:48:58+00'::timestamptz, NULL::jsonb), (NULL, '00000000-0000-4000-8000-000000000005'::uuid, 'page_view', '2026-04-20 06:48:58+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-2', '00000000-0000-4000-8000-000000000008'::uuid, 'page_view', '2026-03-19 05:49:55+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-3', '00000000-0000-4000-8000-000000000002'::uuid, 'unsubscribe', '2026-03-23 10:46:34+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-4', '00000000-0000-4000-8000-000000000006'::uuid, 'Page_View', '2026-03-19 14:12:29+00'::timestamptz, NULL::jsonb), ('ev-5', '00000000-0000-4000-8000-000000000001'::uuid, 'noise', '2026-04-26 18:48:58+00'::timestamptz, '{}'::jsonb), ('ev-6', '00000000-0000-4000-8000-000000000008'::uuid, 'webinar', '2026-03-13 01:50:53+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb);
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
-- step 2 [insert_multi]
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-34', '00000000-0000-4000-8000-000000000005'::uuid, 'demo_request', '2026-05-15 09:51:50+00'::timestamptz, '{"url": null}'::jsonb), ('ev-35', '00000000-0000-4000-8000-000000000008'::uuid, 'unsubscribe', '2026-05-17 05:49:55+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-36', '00000000-0000-4000-8000-000000000004'::uuid, 'noise', '2026-06-01 12:00:00+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 3 [txn]
SAVEPOINT sp1;
SELECT * FROM lq_oracle.check();
-- step 4 [insert_one]
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-37', '00000000-0000-4000-8000-000000000005'::uuid, 'Page_View', '2026-06-01 12:00:00+00'::timestamptz, '{"url": "/pricing"}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 5 [cte_update_insert]
WITH u AS (UPDATE crm.activities SET activity = 'webinar' WHERE activity = 'demo_request' RETURNING 1) INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-38', '00000000-0000-4000-8000-000000000005'::uuid, 'page_view', '2026-06-01 12:00:00+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-39', '00000000-0000-4000-8000-000000000004'::uuid, 'email_open', '2026-06-01 12:00:00+00'::timestamptz, NULL::jsonb), ('ev-40', '00000000-0000-4000-8000-000000000006'::uuid, 'page_view', '2026-03-31 01:36:29+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb);
SELECT * FROM lq_oracle.check();
