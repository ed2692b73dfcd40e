-- lq_diff repro: seed 7 episode 17 ({"keys": "uuid", "layout": "plain", "naming": "plain"}) statement 19 [cte_insert_update]
-- failure: state activity count after a cte_insert_update statement
-- shrunk from 76 to 5 statements
-- lead 00000000-0000-4000-8000-000000000002: engagement column: stored 2.0093006787909315, oracle 1.478136746995173
-- lead 00000000-0000-4000-8000-000000000002: score column: stored 17.009300678790932, oracle 16.478136746995173
-- lead 00000000-0000-4000-8000-000000000002: state activity count: stored 3, oracle 2
-- lead 00000000-0000-4000-8000-000000000002: state engagement: stored 2.0093006787909315, oracle 1.478136746995173
-- lead 00000000-0000-4000-8000-000000000002: verify(): activity count differs from the history: stored 2.0093006787909315 / 3, oracle 1.478136746995173 / 2
-- variant: {"keys": "uuid", "layout": "plain", "naming": "plain"}
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
CREATE TABLE crm.activities (id bigserial, event_id text, lead_id uuid, activity text, occurred_at timestamptz, properties jsonb, UNIQUE (event_id), PRIMARY KEY (id));
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 'retail', 50, 'asia', false), ('00000000-0000-4000-8000-000000000002'::uuid, 'fintech', 10, 'Europe', NULL), ('00000000-0000-4000-8000-000000000003'::uuid, 'fintech', 1000, NULL, false), ('00000000-0000-4000-8000-000000000004'::uuid, 'software', 1000, 'asia', true), ('00000000-0000-4000-8000-000000000005'::uuid, NULL, 1000, NULL, true);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES (NULL, NULL, 'unsubscribe', '2026-03-23 22:40:48+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-1', '00000000-0000-4000-8000-000000000001'::uuid, 'webinar', '2026-02-19 11:36:58+00'::timestamptz, NULL::jsonb), ('ev-2', '00000000-0000-4000-8000-000000000003'::uuid, 'webinar', '2026-04-04 06:27:22+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-3', '00000000-0000-4000-8000-000000000004'::uuid, 'unsubscribe', '2026-03-16 12:46:05+00'::timestamptz, '{"url": null}'::jsonb), ('ev-4', '00000000-0000-4000-8000-000000000001'::uuid, 'noise', '2026-02-04 06:11:31+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), (NULL, '00000000-0000-4000-8000-000000000005'::uuid, 'Page_View', '2026-03-09 14:06:43+00'::timestamptz, '{"url": "/blog"}'::jsonb);
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
-- step 3 [cte_insert_update]
WITH i AS (INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-10', '00000000-0000-4000-8000-000000000007'::uuid, 'webinar', '2026-04-24 01:56:38+00'::timestamptz, NULL::jsonb), ('ev-11', '00000000-0000-4000-8000-000000000005'::uuid, 'webinar', '2026-02-22 02:28:19+00'::timestamptz, NULL::jsonb), ('ev-12', '00000000-0000-4000-8000-000000000002'::uuid, 'page_view', '2026-03-18 13:37:55+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb) RETURNING 1) UPDATE crm.activities SET lead_id = '00000000-0000-4000-8000-000000000002'::uuid WHERE id IN (SELECT id FROM crm.activities WHERE lead_id = '00000000-0000-4000-8000-000000000001'::uuid ORDER BY id LIMIT 1);
SELECT * FROM lq_oracle.check();
