-- lq_diff repro: seed 7 episode 1 ({"keys": "text", "layout": "plain", "naming": "camel"}) statement 34 [upsert_update]
-- failure: state activity count after a upsert_update statement
-- shrunk from 76 to 2 statements
-- lead lead 3's: engagement column: stored 0.22695762105021716, oracle 0.11347881052510858
-- lead lead 3's: score column: stored 25.226957621050218, oracle 25.11347881052511
-- lead lead 3's: state activity count: stored 3, oracle 2
-- lead lead 3's: state engagement: stored 0.22695762105021716, oracle 0.11347881052510858
-- lead lead 3's: verify(): activity count differs from the history: stored 0.22695762105021716 / 3, oracle 0.11347881052510858 / 2
-- variant: {"keys": "text", "layout": "plain", "naming": "camel"}
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
CREATE TABLE "CrmData"."Leads" ("LeadKey" text PRIMARY KEY, industry text, employees integer, region text, budget_confirmed boolean);
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" text, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId"), PRIMARY KEY (id));
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, 'software', 10, 'europe', false), ('lead 2''s'::text, NULL, 10, 'Europe', true), ('lead 3''s'::text, 'software', 1000, NULL, true), ('lead 4''s'::text, 'fintech', 10, NULL, true), ('lead 5''s'::text, NULL, 10, 'Europe', NULL);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [insert_multi]
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-7', 'lead 3''s'::text, 'noise', '2026-03-02 04:06:14+00'::timestamptz, '{"url": null}'::jsonb), ('ev-8', 'lead 7''s'::text, 'email_open', '2026-05-20 01:12:00+00'::timestamptz, '{"url": "/pricing"}'::jsonb), (NULL, 'lead 2''s'::text, 'page_view', '2026-06-01 10:52:19+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-9', 'lead 1''s'::text, 'webinar', '2026-05-02 18:57:36+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), (NULL, 'lead 8''s'::text, 'email_open', '2026-02-25 10:06:14+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-10', 'lead 6''s'::text, 'email_open', '2026-02-18 05:35:31+00'::timestamptz, '{"url": "/blog"}'::jsonb);
SELECT * FROM lq_oracle.check();
-- step 2 [upsert_update]
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-21', 'lead 3''s'::text, 'webinar', '2025-11-19 15:46:05+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-7', 'lead 3''s'::text, 'noise', '2026-03-02 04:06:14+00'::timestamptz, '{"url": null}'::jsonb), ('ev-15', 'lead 2''s'::text, 'webinar', '2025-12-22 18:20:10+00'::timestamptz, '{}'::jsonb), ('ev-1', 'lead 8''s'::text, 'email_open', '2026-02-28 09:07:12+00'::timestamptz, '{}'::jsonb) ON CONFLICT ("eventId") DO UPDATE SET "Props" = excluded."Props";
SELECT * FROM lq_oracle.check();
