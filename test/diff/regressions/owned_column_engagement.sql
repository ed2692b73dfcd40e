-- lq_diff repro: seed 7 episode 6 ({"keys": "int", "layout": "plain", "naming": "plain"}) statement 15 [owned_write]
-- failure: engagement column after a owned_write statement
-- shrunk from 80 to 1 statements
-- lead 5: engagement column: stored 0, oracle 2.096807885554253
-- variant: {"keys": "int", "layout": "plain", "naming": "plain"}
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
CREATE TABLE crm.activities (id bigserial, event_id text, lead_id integer, activity text, occurred_at timestamptz, properties jsonb, UNIQUE (event_id), PRIMARY KEY (id));
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES (1, 'fintech', 50, 'europe', true), (2, 'software', 1001, 'asia', true), (3, 'software', 50, 'Europe', false), (4, 'Software', 10, NULL, NULL), (5, 'fintech', 10, 'asia', false);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-1', 3, 'Page_View', '2026-05-07 15:40:19+00'::timestamptz, '{"url": "/blog"}'::jsonb), (NULL, 2, 'email_open', '2026-02-12 11:35:31+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-2', 4, 'page_view', '2026-03-15 05:05:17+00'::timestamptz, '{"url": "/pricing"}'::jsonb), (NULL, 8, 'email_open', '2026-02-09 00:18:43+00'::timestamptz, '{"url": null}'::jsonb), (NULL, 3, 'noise', '2026-03-29 11:09:36+00'::timestamptz, NULL::jsonb), (NULL, 5, 'webinar', '2026-03-25 21:18:43+00'::timestamptz, '{}'::jsonb);
SELECT lead_qual.track('crm.activities', 'crm.leads', 'difftest', '{"add_columns": true}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a.lead_id::text AS lead_key, a.activity::text AS activity, a.occurred_at AS occurred_at, a.properties AS properties FROM crm.activities a;
CREATE VIEW lq_oracle.leads_v AS SELECT l.id::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l.score AS score, l.stage, l.score_state AS state FROM crm.leads l;
INSERT INTO lq_oracle.config VALUES ('crm.leads'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [owned_write] allow=*
UPDATE crm.leads SET engagement_score = 0 WHERE id = 5;
SELECT * FROM lq_oracle.check();
