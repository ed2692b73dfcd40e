-- lq_diff repro: seed 7 episode 4 ({"keys": "int", "layout": "range", "naming": "camel"}) statement 31 [part_update]
-- failure: state activity count after a part_update statement
-- shrunk from 75 to 2 statements
-- lead 2: engagement column: stored 0, oracle 0.2334792934089341
-- lead 2: score column: stored 20, oracle 20.233479293408934
-- lead 2: state activity count: stored 0, oracle 1
-- lead 2: state engagement: stored 0, oracle 0.2334792934089341
-- lead 2: verify(): activity count differs from the history: stored 0 / 0, oracle 0.2334792934089341 / 1
-- lead 4: engagement column: stored 0.2334792934089341, oracle 0
-- lead 4: score column: stored 15.233479293408934, oracle 15
-- lead 4: state activity count: stored 1, oracle 0
-- lead 4: state engagement: stored 0.2334792934089341, oracle 0
-- lead 4: verify(): activity count differs from the history: stored 0.2334792934089341 / 1, oracle None
-- variant: {"keys": "int", "layout": "range", "naming": "camel"}
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
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" integer, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId", "occurredAt")) PARTITION BY RANGE ("occurredAt");
CREATE TABLE "CrmData"."ActivityLog_p_old" PARTITION OF "CrmData"."ActivityLog" FOR VALUES FROM (MINVALUE) TO ('2026-03-03 12:00:00+00');
CREATE TABLE "CrmData"."ActivityLog_p_recent" PARTITION OF "CrmData"."ActivityLog" FOR VALUES FROM ('2026-03-03 12:00:00+00') TO ('2026-06-01 12:00:00+00');
CREATE TABLE "CrmData"."ActivityLog_p_default" PARTITION OF "CrmData"."ActivityLog" DEFAULT;
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES (1, 'fintech', 10, 'europe', NULL), (2, NULL, 500, 'europe', false), (3, NULL, 1001, 'Europe', false), (4, 'software', 1001, 'Europe', false), (5, 'retail', 1001, 'asia', false);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', 5, 'webinar', '2026-04-18 03:59:02+00'::timestamptz, '{"url": null}'::jsonb), (NULL, 8, 'webinar', '2026-05-09 10:30:43+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-2', 7, 'demo_request', '2026-04-23 06:54:43+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [insert_multi]
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-14', 7, 'webinar', '2026-02-04 23:13:55+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-15', 4, 'Page_View', '2026-03-30 12:59:02+00'::timestamptz, '{}'::jsonb), ('ev-16', 8, 'page_view', '2026-01-17 01:03:22+00'::timestamptz, '{"url": null}'::jsonb), ('ev-17', 5, 'email_open', '2025-12-24 22:46:34+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-18', 7, 'webinar', '2026-02-09 04:37:55+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-19', 6, 'page_view', '2026-03-09 01:04:48+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 2 [part_update] allow=42P01
UPDATE "CrmData"."ActivityLog_p_recent" SET "leadId" = 2 WHERE id IN (SELECT id FROM "CrmData"."ActivityLog" WHERE "leadId" = 4 ORDER BY id LIMIT 1);
SELECT * FROM lq_oracle.check();
