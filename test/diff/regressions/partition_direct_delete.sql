-- lq_diff repro: seed 7 episode 20 ({"keys": "uuid", "layout": "list", "naming": "camel"}) statement 24 [part_delete]
-- failure: state activity count after a part_delete statement
-- shrunk from 80 to 7 statements
-- lead 00000000-0000-4000-8000-000000000006: engagement column: stored 0.27689292130353765, oracle 0
-- lead 00000000-0000-4000-8000-000000000006: score column: stored 10.276892921303538, oracle 10
-- lead 00000000-0000-4000-8000-000000000006: state activity count: stored 1, oracle 0
-- lead 00000000-0000-4000-8000-000000000006: state engagement: stored 0.27689292130353765, oracle 0
-- lead 00000000-0000-4000-8000-000000000006: verify(): activity count differs from the history: stored 0.27689292130353765 / 1, oracle None
-- variant: {"keys": "uuid", "layout": "list", "naming": "camel"}
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
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" uuid, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId", "Kind")) PARTITION BY LIST ("Kind");
CREATE TABLE "CrmData"."ActivityLog_p_web" PARTITION OF "CrmData"."ActivityLog" FOR VALUES IN ('page_view');
CREATE TABLE "CrmData"."ActivityLog_p_events" PARTITION OF "CrmData"."ActivityLog" FOR VALUES IN ('webinar', 'demo_request');
CREATE TABLE "CrmData"."ActivityLog_p_default" PARTITION OF "CrmData"."ActivityLog" DEFAULT;
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 'retail', 10, 'europe', false), ('00000000-0000-4000-8000-000000000002'::uuid, 'software', 10, 'Europe', false), ('00000000-0000-4000-8000-000000000003'::uuid, 'retail', 1000, 'Europe', NULL), ('00000000-0000-4000-8000-000000000004'::uuid, 'Software', 10, NULL, false), ('00000000-0000-4000-8000-000000000005'::uuid, 'Software', NULL, NULL, NULL);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', '00000000-0000-4000-8000-000000000004'::uuid, 'page_view', '2026-04-17 23:49:55+00'::timestamptz, '{"url": null}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [cte_update_insert]
WITH u AS (UPDATE "CrmData"."ActivityLog" SET "Props" = '{"url": "/PRICING/plans"}' WHERE "occurredAt" IS NULL RETURNING 1) INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-2', '00000000-0000-4000-8000-000000000002'::uuid, 'page_view', '2026-04-15 21:38:53+00'::timestamptz, '{"url": null}'::jsonb), ('ev-3', '00000000-0000-4000-8000-000000000006'::uuid, 'page_view', '2026-04-06 22:07:41+00'::timestamptz, NULL::jsonb), ('ev-4', '00000000-0000-4000-8000-000000000005'::uuid, 'page_view', '2026-01-06 08:55:41+00'::timestamptz, '{}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 2 [txn]
BEGIN;
SELECT * FROM lq_oracle.check();
-- step 3 [txn]
SAVEPOINT sp0;
SELECT * FROM lq_oracle.check();
-- step 4 [lead_upsert]
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000006'::uuid, 'fintech', 1001, NULL, NULL) ON CONFLICT ("LeadKey") DO UPDATE SET budget_confirmed = excluded.budget_confirmed, employees = excluded.employees;
SELECT * FROM lq_oracle.check();
-- step 5 [part_delete] allow=42P01
SAVEPOINT lq_try;
DELETE FROM "CrmData"."ActivityLog_p_web" WHERE "eventId" = 'ev-3';
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
