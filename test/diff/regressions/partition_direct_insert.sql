-- lq_diff repro: seed 7 episode 5 ({"keys": "int", "layout": "list", "naming": "plain"}) statement 28 [part_insert]
-- failure: state activity count after a part_insert statement
-- shrunk from 78 to 6 statements
-- lead 4: engagement column: stored 0, oracle 0.03772243834618448
-- lead 4: score column: stored 10, oracle 10.037722438346185
-- lead 4: state activity count: stored 0, oracle 1
-- lead 4: state engagement: stored 0, oracle 0.03772243834618448
-- lead 4: verify(): activity count differs from the history: stored 0 / 0, oracle 0.03772243834618448 / 1
-- variant: {"keys": "int", "layout": "list", "naming": "plain"}
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
CREATE TABLE crm.leads (id integer PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE crm.activities (id bigserial, event_id text, lead_id integer, activity text, occurred_at timestamptz, properties jsonb, UNIQUE (event_id, activity)) PARTITION BY LIST (activity);
CREATE TABLE crm.activities_p_web PARTITION OF crm.activities FOR VALUES IN ('page_view');
CREATE TABLE crm.activities_p_events PARTITION OF crm.activities FOR VALUES IN ('webinar', 'demo_request');
CREATE TABLE crm.activities_p_default PARTITION OF crm.activities DEFAULT;
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES (1, NULL, 10, 'asia', true), (2, 'Software', NULL, 'asia', NULL), (3, 'software', 500, 'europe', true), (4, 'Software', 1001, 'asia', NULL), (5, 'retail', 10, 'asia', true);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-1', 2, 'webinar', '2026-04-08 14:39:50+00'::timestamptz, '{"url": null}'::jsonb), ('ev-2', 2, 'email_open', '2026-05-09 20:38:24+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-3', 7, 'webinar', '2026-05-29 00:59:02+00'::timestamptz, '{"url": "/pricing"}'::jsonb), (NULL, 8, 'page_view', '2026-03-11 19:09:07+00'::timestamptz, '{"url": null}'::jsonb), ('ev-4', 3, 'email_open', '2026-03-31 05:15:22+00'::timestamptz, NULL::jsonb);
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
-- step 3 [lead_insert] allow=23505
SAVEPOINT lq_try;
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES (8, 'software', 50, NULL, false);
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
-- step 4 [part_insert] allow=42P01,23514
SAVEPOINT lq_try;
INSERT INTO crm.activities_p_web (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-17', 4, 'page_view', '2026-01-10 15:31:41+00'::timestamptz, '{"url": "/blog"}'::jsonb);
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
