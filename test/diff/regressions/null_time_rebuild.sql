-- lq_diff repro: seed 12 episode 3 ({"keys": "text", "layout": "plain", "naming": "camel"}) statement 11 [insert_multi]
-- failure: state engagement after a insert_multi statement
-- shrunk from 90 to 2 statements
-- lead lead 3's: engagement column: stored 19.880694307515846, oracle 12
-- lead lead 3's: score column: stored 29.880694307515846, oracle 22
-- lead lead 3's: state engagement: stored 19.880694307515846, oracle 12
-- lead lead 3's: verify(): engagement differs from the history: stored 19.880694307515846 / 2, oracle 12 / 2
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
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, NULL, NULL, 'Europe', true), ('lead 2''s'::text, 'fintech', 1000, 'asia', true), ('lead 3''s'::text, 'fintech', NULL, NULL, NULL), ('lead 4''s'::text, 'fintech', 1001, 'Europe', NULL), ('lead 5''s'::text, 'retail', 1000, NULL, true);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', 'lead 3''s'::text, 'demo_request', '2026-03-04 08:19:41+00'::timestamptz, '{}'::jsonb), ('ev-2', 'lead 2''s'::text, 'webinar', '2026-05-20 02:45:36+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-3', 'lead 2''s'::text, 'email_open', '2026-05-15 01:16:19+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), (NULL, 'lead 5''s'::text, 'email_open', '2026-03-13 14:24:00+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-4', 'lead 8''s'::text, 'Page_View', '2026-02-17 20:06:43+00'::timestamptz, '{"url": null}'::jsonb), ('ev-5', 'lead 2''s'::text, 'webinar', '2026-02-25 08:05:17+00'::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-6', 'lead 4''s'::text, 'page_view', '2026-03-28 05:11:02+00'::timestamptz, '{}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [update_time]
UPDATE "CrmData"."ActivityLog" SET "occurredAt" = NULL WHERE id IN (SELECT id FROM "CrmData"."ActivityLog" WHERE "leadId" = 'lead 3''s'::text ORDER BY id LIMIT 1);
SELECT * FROM lq_oracle.check();
-- step 2 [insert_multi]
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-8', 'lead 5''s'::text, 'webinar', NULL::timestamptz, '{"url": "/blog"}'::jsonb), ('ev-9', 'lead 3''s'::text, 'unsubscribe', NULL::timestamptz, '{}'::jsonb), ('ev-10', 'lead 1''s'::text, 'webinar', NULL::timestamptz, '{"url": null}'::jsonb), ('ev-11', 'lead 7''s'::text, 'webinar', '2026-04-27 07:17:46+00'::timestamptz, NULL::jsonb), ('ev-12', 'lead 8''s'::text, 'noise', '2025-12-30 13:10:34+00'::timestamptz, NULL::jsonb);
SELECT * FROM lq_oracle.check();
