-- lq_diff repro: seed 7 episode 38 ({"keys": "bigint", "layout": "list", "naming": "camel"}) statement 41 [owned_write]
-- failure: score column after a owned_write statement
-- shrunk from 74 to 1 statements
-- lead 3: score column: stored 999, oracle 5
-- variant: {"keys": "bigint", "layout": "list", "naming": "camel"}
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
CREATE TABLE "CrmData"."Leads" ("LeadKey" bigint PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" bigint, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId", "Kind")) PARTITION BY LIST ("Kind");
CREATE TABLE "CrmData"."ActivityLog_p_web" PARTITION OF "CrmData"."ActivityLog" FOR VALUES IN ('page_view');
CREATE TABLE "CrmData"."ActivityLog_p_events" PARTITION OF "CrmData"."ActivityLog" FOR VALUES IN ('webinar', 'demo_request');
CREATE TABLE "CrmData"."ActivityLog_p_default" PARTITION OF "CrmData"."ActivityLog" DEFAULT;
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES (1, 'software', 10, 'asia', true), (2, 'fintech', 1001, 'europe', true), (3, NULL, 10, 'europe', false), (4, 'Software', 50, 'asia', false), (5, 'fintech', 10, 'asia', false);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', 6, 'page_view', '2026-04-15 08:25:26+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-2', 8, 'unsubscribe', '2026-05-25 22:03:22+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [owned_write] allow=*
UPDATE "CrmData"."Leads" SET "totalScore" = 999 WHERE "LeadKey" = 3;
SELECT * FROM lq_oracle.check();
