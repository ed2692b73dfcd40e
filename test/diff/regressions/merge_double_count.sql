-- lq_diff repro: seed 12 episode 13 ({"keys": "uuid", "layout": "plain", "naming": "camel"}) statement 41 [merge]
-- failure: state activity count after a merge statement
-- shrunk from 80 to 2 statements
-- lead 00000000-0000-4000-8000-000000000006: engagement column: stored 5.689662714083946, oracle 3.413303478846431
-- lead 00000000-0000-4000-8000-000000000006: score column: stored 20.689662714083944, oracle 18.41330347884643
-- lead 00000000-0000-4000-8000-000000000006: state activity count: stored 4, oracle 3
-- lead 00000000-0000-4000-8000-000000000006: state engagement: stored 5.689662714083946, oracle 3.413303478846431
-- lead 00000000-0000-4000-8000-000000000006: verify(): activity count differs from the history: stored 5.689662714083946 / 4, oracle 3.413303478846431 / 3
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
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 'fintech', 50, 'asia', false), ('00000000-0000-4000-8000-000000000002'::uuid, 'software', 1000, NULL, NULL), ('00000000-0000-4000-8000-000000000003'::uuid, 'retail', 10, 'europe', false), ('00000000-0000-4000-8000-000000000004'::uuid, 'fintech', 10, 'europe', false), ('00000000-0000-4000-8000-000000000005'::uuid, NULL, 1001, 'asia', NULL);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', '00000000-0000-4000-8000-000000000007'::uuid, 'Page_View', '2026-05-14 18:38:53+00'::timestamptz, NULL::jsonb), ('ev-2', '00000000-0000-4000-8000-000000000006'::uuid, 'webinar', '2026-02-27 09:31:41+00'::timestamptz, '{"url": null}'::jsonb), ('ev-3', '00000000-0000-4000-8000-000000000006'::uuid, 'email_open', '2026-02-03 05:28:19+00'::timestamptz, '{"url": null}'::jsonb), ('ev-4', '00000000-0000-4000-8000-000000000001'::uuid, 'webinar', '2026-03-09 22:46:34+00'::timestamptz, '{}'::jsonb), (NULL, '00000000-0000-4000-8000-000000000001'::uuid, 'page_view', '2026-04-12 21:54:43+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-5', '00000000-0000-4000-8000-000000000002'::uuid, 'webinar', '2026-02-17 11:05:17+00'::timestamptz, '{"url": "/blog"}'::jsonb), (NULL, '00000000-0000-4000-8000-000000000002'::uuid, 'page_view', '2026-05-01 08:05:17+00'::timestamptz, '{"url": "/pricing"}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [lead_upsert]
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('00000000-0000-4000-8000-000000000006'::uuid, 'retail', 1000, 'asia', false) ON CONFLICT ("LeadKey") DO UPDATE SET budget_confirmed = excluded.budget_confirmed, employees = excluded.employees;
SELECT * FROM lq_oracle.check();
-- step 2 [merge]
MERGE INTO "CrmData"."ActivityLog" AS t USING (VALUES ('ev-5', '00000000-0000-4000-8000-000000000003'::uuid, 'webinar', '2026-02-17 11:05:17+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-3', '00000000-0000-4000-8000-000000000006'::uuid, 'email_open', '2026-02-03 05:28:19+00'::timestamptz, '{"url": null}'::jsonb), ('ev-14', '00000000-0000-4000-8000-000000000006'::uuid, 'demo_request', '2026-02-27 10:39:22+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb)) AS s("eventId", "leadId", "Kind", "occurredAt", "Props") ON t."eventId" = s."eventId" WHEN MATCHED AND s."Kind" IS NOT DISTINCT FROM 'webinar' THEN UPDATE SET "leadId" = s."leadId", "Kind" = s."Kind" WHEN MATCHED THEN UPDATE SET "occurredAt" = s."occurredAt" WHEN NOT MATCHED THEN INSERT ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES (s."eventId", s."leadId", s."Kind", s."occurredAt", s."Props");
SELECT * FROM lq_oracle.check();
