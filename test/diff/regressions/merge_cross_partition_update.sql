-- A MERGE whose UPDATE moves a row to another partition (list-partitioned by activity): PostgreSQL 15
-- leaves the moved row out of the transition tables, so no trigger saw it. lead_qual rescores the
-- leads table when a MERGE affected more rows than its triggers saw (src/pg/query_events.cpp).
-- lq_diff repro: seed 5 episode 51 ({"keys": "text", "layout": "list", "naming": "plain"}) statement 60 [merge]
-- failure: state engagement after a merge statement
-- shrunk from 75 to 8 statements
-- lead lead 2's: engagement column: stored 0.014009021496410885, oracle 0.14009021496410884
-- lead lead 2's: score column: stored 15.014009021496411, oracle 15.14009021496411
-- lead lead 2's: state engagement: stored 0.014009021496410885, oracle 0.14009021496410884
-- lead lead 2's: verify(): engagement differs from the history: stored 0.014009021496410885 / 1, oracle 0.14009021496410884 / 1
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
SET lead_qual.as_of = '2026-06-01 12:00:00+00';
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
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, 'software', 500, 'europe', NULL), ('lead 2''s'::text, 'software', 1001, 'europe', false), ('lead 3''s'::text, 'software', 1001, NULL, NULL), ('lead 4''s'::text, 'Software', 1001, 'Europe', false), ('lead 5''s'::text, 'fintech', 50, 'asia', false);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-1', 'lead 5''s'::text, 'noise', '2026-04-15 02:13:55+00'::timestamptz, '{}'::jsonb), ('ev-2', 'lead 8''s'::text, 'unsubscribe', '2026-04-03 01:09:07+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-3', 'lead 4''s'::text, 'page_view', '2026-04-13 07:50:53+00'::timestamptz, '{"url": null}'::jsonb), ('ev-4', NULL::text, 'unsubscribe', '2026-05-16 23:36:58+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-5', 'lead 6''s'::text, 'webinar', '2026-02-20 22:30:43+00'::timestamptz, NULL::jsonb);
SELECT lead_qual.track('crm.activities', 'crm.leads', 'difftest', '{"add_columns": true}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a.lead_id::text AS lead_key, a.activity::text AS activity, a.occurred_at AS occurred_at, a.properties AS properties FROM crm.activities a;
CREATE VIEW lq_oracle.leads_v AS SELECT l.id::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l.score AS score, l.stage, l.score_state AS state FROM crm.leads l;
INSERT INTO lq_oracle.config VALUES ('crm.leads'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [insert_multi]
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-13', 'lead 4''s'::text, 'demo_request', '2026-05-19 07:07:41+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-14', 'lead 2''s'::text, 'webinar', '2025-11-28 18:36:00+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-15', NULL::text, 'Page_View', '2026-03-10 19:50:53+00'::timestamptz, '{"url": "/pricing"}'::jsonb), (NULL, 'lead 7''s'::text, 'webinar', '2026-01-23 22:59:31+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 2 [update_type] allow=23505
UPDATE crm.activities SET activity = 'Page_View' WHERE lead_id = 'lead 2''s'::text;
SELECT * FROM lq_oracle.check();
-- step 3 [txn]
BEGIN;
SELECT * FROM lq_oracle.check();
-- step 4 [txn]
SAVEPOINT sp0;
SELECT * FROM lq_oracle.check();
-- step 5 [merge] allow=23505
SAVEPOINT lq_try;
MERGE INTO crm.activities AS t USING (VALUES ('ev-3', 'lead 4''s'::text, 'page_view', '2026-04-25 22:33:36+00'::timestamptz, '{"url": null}'::jsonb)) AS s(event_id, lead_id, activity, occurred_at, properties) ON t.event_id = s.event_id WHEN MATCHED AND s.activity IS NOT DISTINCT FROM 'webinar' THEN DELETE WHEN MATCHED THEN DELETE;
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
-- step 6 [merge] allow=23505
SAVEPOINT lq_try;
MERGE INTO crm.activities AS t USING (VALUES ('ev-14', 'lead 2''s'::text, 'webinar', '2025-12-15 15:44:38+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-20', 'lead 6''s'::text, 'email_open', '2026-04-15 14:41:17+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb)) AS s(event_id, lead_id, activity, occurred_at, properties) ON t.event_id = s.event_id WHEN MATCHED AND s.activity IS NOT DISTINCT FROM 'webinar' THEN UPDATE SET activity = s.activity WHEN MATCHED THEN DO NOTHING WHEN NOT MATCHED THEN DO NOTHING;
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
