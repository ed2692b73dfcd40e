-- lq_diff repro: seed 7 episode 42 ({"keys": "int", "layout": "list", "naming": "camel"}) statement 18 [cte_insert_delete]
-- failure: state activity count after a cte_insert_delete statement
-- shrunk from 76 to 1 statements
-- lead 3: engagement column: stored 8.167502073226968, oracle 4.083751036613482
-- lead 3: score column: stored 13.167502073226968, oracle 9.083751036613481
-- lead 3: state activity count: stored 2, oracle 1
-- lead 3: state engagement: stored 8.167502073226968, oracle 4.083751036613482
-- lead 3: verify(): activity count differs from the history: stored 8.167502073226968 / 2, oracle 4.083751036613484 / 1
-- variant: {"keys": "int", "layout": "list", "naming": "camel"}
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
DO $$ BEGIN PERFORM lead_qual.untrack(t.activities) FROM lead_qual.tracked t WHERE t.leads::text IN ('"CrmData"."Leads"', 'CrmData.Leads'); END $$;
DELETE FROM lead_qual.stage_history WHERE lead_table::text LIKE 'CrmData.%' OR lead_table::text LIKE '"CrmData".%';
DROP SCHEMA IF EXISTS "CrmData" CASCADE;
CREATE SCHEMA "CrmData";
CREATE TABLE "CrmData"."Leads" ("LeadKey" integer PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" integer, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId", "Kind")) PARTITION BY LIST ("Kind");
CREATE TABLE "CrmData"."ActivityLog_p_web" PARTITION OF "CrmData"."ActivityLog" FOR VALUES IN ('page_view');
CREATE TABLE "CrmData"."ActivityLog_p_events" PARTITION OF "CrmData"."ActivityLog" FOR VALUES IN ('webinar', 'demo_request');
CREATE TABLE "CrmData"."ActivityLog_p_default" PARTITION OF "CrmData"."ActivityLog" DEFAULT;
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES (1, 'retail', 10, 'europe', true), (2, NULL, NULL, NULL, false), (3, 'retail', 10, 'Europe', false), (4, 'fintech', NULL, 'Europe', false), (5, 'fintech', 1001, NULL, false);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES (NULL, 7, 'page_view', '2026-03-23 21:54:43+00'::timestamptz, NULL::jsonb), ('ev-1', 5, 'unsubscribe', '2026-02-21 20:44:10+00'::timestamptz, '{}'::jsonb), ('ev-2', 3, 'demo_request', '2026-03-07 19:46:34+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-3', 5, 'page_view', '2026-03-08 11:48:29+00'::timestamptz, '{"url": "/pricing"}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [cte_insert_delete]
WITH i AS (INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-12', 2, 'unsubscribe', '2025-12-29 07:26:24+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-13', 3, 'demo_request', '2026-03-24 17:44:10+00'::timestamptz, '{}'::jsonb), ('ev-14', 1, 'unsubscribe', '2026-03-06 16:32:10+00'::timestamptz, '{"url": "/blog"}'::jsonb) RETURNING 1) DELETE FROM "CrmData"."ActivityLog" WHERE "Kind" = 'demo_request';
SELECT * FROM lq_oracle.check();
