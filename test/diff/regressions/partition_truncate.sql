-- lq_diff repro: seed 7 episode 12 ({"keys": "text", "layout": "list", "naming": "plain"}) statement 4 [part_truncate]
-- failure: state activity count after a part_truncate statement
-- shrunk from 75 to 4 statements
-- lead lead 1's: engagement column: stored 1.2193830627485043, oracle 1.1073885463707511
-- lead lead 1's: score column: stored 31.219383062748506, oracle 31.10738854637075
-- lead lead 1's: state activity count: stored 2, oracle 1
-- lead lead 1's: state engagement: stored 1.2193830627485043, oracle 1.1073885463707511
-- lead lead 1's: verify(): activity count differs from the history: stored 1.2193830627485043 / 2, oracle 1.1073885463707511 / 1
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
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, 'fintech', 50, 'Europe', false), ('lead 2''s'::text, 'fintech', 10, 'asia', false), ('lead 3''s'::text, 'Software', 1001, NULL, true), ('lead 4''s'::text, 'fintech', 50, 'asia', false), ('lead 5''s'::text, 'software', 1001, NULL, true);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-1', 'lead 3''s'::text, 'page_view', '2026-05-21 16:36:29+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb);
SELECT lead_qual.track('crm.activities', 'crm.leads', 'difftest', '{"add_columns": true}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a.lead_id::text AS lead_key, a.activity::text AS activity, a.occurred_at AS occurred_at, a.properties AS properties FROM crm.activities a;
CREATE VIEW lq_oracle.leads_v AS SELECT l.id::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l.score AS score, l.stage, l.score_state AS state FROM crm.leads l;
INSERT INTO lq_oracle.config VALUES ('crm.leads'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [cte_delete_insert]
WITH d AS (DELETE FROM crm.activities WHERE activity = 'email_open' RETURNING 1) INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-2', 'lead 1''s'::text, 'Page_View', '2026-02-26 17:52:48+00'::timestamptz, '{"url": null}'::jsonb), ('ev-3', 'lead 6''s'::text, 'page_view', '2026-05-11 06:36:00+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-4', 'lead 1''s'::text, 'demo_request', '2026-01-27 06:10:05+00'::timestamptz, '{}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 2 [txn]
BEGIN;
SELECT * FROM lq_oracle.check();
-- step 3 [part_truncate] allow=42P01
SAVEPOINT lq_try;
TRUNCATE crm.activities_p_default;
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
