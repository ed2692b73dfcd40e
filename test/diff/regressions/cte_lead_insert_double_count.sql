-- lq_diff repro: seed 7 episode 2 ({"keys": "uuid", "layout": "plain", "naming": "camel"}) statement 24 [cte_lead_activity]
-- failure: state activity count after a cte_lead_activity statement
-- shrunk from 68 to 1 statements
-- lead 00000000-0000-4000-8000-000000000008: engagement column: stored 0.061579586426154846, oracle 0.030789793213077406
-- lead 00000000-0000-4000-8000-000000000008: score column: stored 30.061579586426156, oracle 30.030789793213078
-- lead 00000000-0000-4000-8000-000000000008: state activity count: stored 2, oracle 1
-- lead 00000000-0000-4000-8000-000000000008: state engagement: stored 0.061579586426154846, oracle 0.030789793213077406
-- lead 00000000-0000-4000-8000-000000000008: verify(): activity count differs from the history: stored 0.061579586426154846 / 2, oracle 0.030789793213077423 / 1
-- variant: {"keys": "uuid", "layout": "plain", "naming": "camel"}
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
CREATE TABLE "CrmData"."Leads" ("LeadKey" uuid PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" uuid, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId"), PRIMARY KEY (id));
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 'fintech', 50, NULL, true), ('00000000-0000-4000-8000-000000000002'::uuid, 'Software', 500, 'europe', NULL), ('00000000-0000-4000-8000-000000000003'::uuid, 'retail', 1001, 'Europe', true), ('00000000-0000-4000-8000-000000000004'::uuid, 'retail', 1000, 'europe', NULL), ('00000000-0000-4000-8000-000000000005'::uuid, 'fintech', 1000, 'europe', true);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [cte_lead_activity] allow=23505
WITH l AS (INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000008'::uuid, 'software', 1000, 'Europe', false) RETURNING 1) INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-10', '00000000-0000-4000-8000-000000000008'::uuid, 'page_view', '2025-11-15 07:24:58+00'::timestamptz, '{"url": "/pricing"}'::jsonb);
SELECT * FROM lq_oracle.check();
