-- lq_diff repro: seed 99, kinds without the known double counts (see FINDINGS.md, kind A), shrunk from 46 statements
-- failure: stage after a cte_activity_lead statement
-- lead lead 7's: stage: stored mql, oracle lead
-- variant: {"keys": "text", "layout": "plain", "naming": "plain"}
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
CREATE TABLE crm.activities (id bigserial, event_id text, lead_id text, activity text, occurred_at timestamptz, properties jsonb, UNIQUE (event_id), PRIMARY KEY (id));
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, 'fintech', 50, 'europe', NULL), ('lead 2''s'::text, 'Software', 10, NULL, true), ('lead 3''s'::text, NULL, 1000, 'asia', false), ('lead 4''s'::text, 'Software', 1000, 'Europe', true), ('lead 5''s'::text, 'retail', 1001, 'europe', true);
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES (NULL, 'lead 3''s'::text, 'demo_request', '2026-03-16 18:51:50+00'::timestamptz, '{"url": null}'::jsonb), ('ev-1', 'lead 7''s'::text, 'webinar', '2026-02-13 13:45:07+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-2', 'lead 3''s'::text, 'noise', '2026-05-19 10:27:50+00'::timestamptz, '{"url": "/pricing"}'::jsonb), (NULL, 'lead 2''s'::text, 'page_view', '2026-04-08 22:24:58+00'::timestamptz, '{"url": null}'::jsonb), ('ev-3', 'lead 8''s'::text, 'Page_View', '2026-02-28 03:33:07+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), (NULL, 'lead 1''s'::text, 'page_view', '2026-02-25 12:50:24+00'::timestamptz, '{}'::jsonb), ('ev-4', 'lead 5''s'::text, 'page_view', '2026-03-20 20:24:00+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb);
SELECT lead_qual.track('crm.activities', 'crm.leads', 'difftest', '{"add_columns": true}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a.lead_id::text AS lead_key, a.activity::text AS activity, a.occurred_at AS occurred_at, a.properties AS properties FROM crm.activities a;
CREATE VIEW lq_oracle.leads_v AS SELECT l.id::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l.score AS score, l.stage, l.score_state AS state FROM crm.leads l;
INSERT INTO lq_oracle.config VALUES ('crm.leads'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [insert_multi]
INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-14', 'lead 4''s'::text, 'demo_request', '2026-06-01 12:00:00+00'::timestamptz, '{}'::jsonb), ('ev-15', 'lead 7''s'::text, 'webinar', '2026-06-01 12:00:00+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 2 [copy]
COPY crm.activities (event_id, lead_id, activity, occurred_at, properties) FROM STDIN;
ev-19	lead 5's	webinar	2026-06-01 12:00:00+00	{"url": "/blog"}
ev-20	lead 7's	webinar	2026-06-01 12:00:00+00	{"url": null}
\N	lead 1's	webinar	2026-06-01 12:00:00+00	{"url": "/pricing"}
\.
SELECT * FROM lq_oracle.check();
-- step 3 [cte_activity_lead] allow=23505
WITH a AS (INSERT INTO crm.activities (event_id, lead_id, activity, occurred_at, properties) VALUES ('ev-31', 'lead 7''s'::text, 'unsubscribe', '2026-06-01 12:00:00+00'::timestamptz, '{"url": null}'::jsonb), ('ev-32', 'lead 7''s'::text, 'demo_request', '2026-01-03 13:52:19+00'::timestamptz, '{"url": null}'::jsonb) RETURNING 1) INSERT INTO crm.leads (id, industry, employees, region, budget_confirmed) VALUES ('lead 7''s'::text, 'fintech', 1001, 'europe', false);
SELECT * FROM lq_oracle.check();
