-- lq_diff repro: seed 99 episode 34 ({"keys": "text", "layout": "plain", "naming": "camel"}) statement 36 [cte_delete_insert]
-- failure: stage after a cte_delete_insert statement
-- shrunk from 78 to 2 statements
-- lead lead 1's: stage: stored mql, oracle lead
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
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES ('lead 1''s'::text, 'fintech', 50, 'europe', false), ('lead 2''s'::text, 'fintech', NULL, 'asia', true), ('lead 3''s'::text, 'fintech', 500, 'Europe', true), ('lead 4''s'::text, NULL, NULL, NULL, true), ('lead 5''s'::text, 'software', 1001, 'Europe', false);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', 'lead 3''s'::text, 'page_view', '2026-05-23 07:52:19+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), (NULL, 'lead 2''s'::text, 'webinar', '2026-03-22 15:28:48+00'::timestamptz, NULL::jsonb), ('ev-2', 'lead 8''s'::text, 'email_open', '2026-04-29 04:12:00+00'::timestamptz, '{}'::jsonb), ('ev-3', 'lead 4''s'::text, 'demo_request', '2026-05-14 18:51:50+00'::timestamptz, '{"url": null}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [copy]
COPY "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") FROM STDIN;
ev-22	lead 8's	demo_request	2026-04-23 16:49:26+00	{"url": "/PRICING/plans"}
ev-23	lead 8's	unsubscribe	2025-12-15 12:56:10+00	{"url": "/pricing"}
ev-24	lead 2's	webinar	2026-01-19 06:33:07+00	{"url": "/pricing"}
ev-25	lead 1's	webinar	2026-06-01 12:00:00+00	{"url": "/blog"}
\N	lead 2's	webinar	2026-01-11 16:39:22+00	{"url": null}
\.
SELECT * FROM lq_oracle.check();
-- step 2 [cte_delete_insert]
WITH d AS (DELETE FROM "CrmData"."ActivityLog" WHERE "leadId" = 'lead 1''s'::text RETURNING 1) INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-32', 'lead 1''s'::text, 'webinar', '2026-04-19 12:18:43+00'::timestamptz, NULL::jsonb), ('ev-33', 'lead 1''s'::text, 'webinar', '2026-06-01 12:00:00+00'::timestamptz, '{"url": "/pricing"}'::jsonb);
SELECT * FROM lq_oracle.check();
