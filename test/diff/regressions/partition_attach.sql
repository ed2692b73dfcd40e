-- lq_diff repro: seed 7 episode 3 ({"keys": "uuid", "layout": "range", "naming": "plain"}) statement 6 [part_attach]
-- failure: state activity count after a part_attach statement
-- shrunk from 76 to 6 statements
-- lead 00000000-0000-4000-8000-000000000002: engagement column: stored 6.417573961516868, oracle 16.41757396151687
-- lead 00000000-0000-4000-8000-000000000002: score column: stored 31.41757396151687, oracle 41.417573961516865
-- lead 00000000-0000-4000-8000-000000000002: state activity count: stored 1, oracle 2
-- lead 00000000-0000-4000-8000-000000000002: state engagement: stored 6.417573961516868, oracle 16.41757396151687
-- lead 00000000-0000-4000-8000-000000000002: verify(): activity count differs from the history: stored 6.417573961516868 / 1, oracle 12.076366615258216 / 2
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
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000001'::uuid, NULL, NULL, 'asia', false), ('00000000-0000-4000-8000-000000000002'::uuid, 'software', 50, 'asia', NULL), ('00000000-0000-4000-8000-000000000003'::uuid, 'retail', 10, 'Europe', false), ('00000000-0000-4000-8000-000000000004'::uuid, NULL, 1001, NULL, true), ('00000000-0000-4000-8000-000000000005'::uuid, NULL, 50, 'Europe', NULL);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-1', '00000000-0000-4000-8000-000000000002'::uuid, 'webinar', '2026-05-13 07:16:19+00'::timestamptz, '{"url": null}'::jsonb);
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
-- step 3 [part_attach] allow=23514,42P07,42P17
SAVEPOINT lq_try;
CREATE TABLE crm.activities_p_later (LIKE crm.activities INCLUDING DEFAULTS);
INSERT INTO crm.activities_p_later (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-6', '00000000-0000-4000-8000-000000000002'::uuid, 'webinar', '2026-07-20 08:08:10+00'::timestamptz, '{"url": null}'::jsonb), ('ev-7', '00000000-0000-4000-8000-000000000006'::uuid, 'unsubscribe', '2026-07-24 02:47:02+00'::timestamptz, NULL::jsonb);
ALTER TABLE crm.activities ATTACH PARTITION crm.activities_p_later FOR VALUES FROM ('2026-07-01 12:00:00+00') TO ('2026-07-31 12:00:00+00');
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
