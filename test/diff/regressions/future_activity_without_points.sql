-- lq_diff repro: seed 12 episode 3 ({"keys": "int", "layout": "plain", "naming": "camel"}) statement 12 [insert_one]
-- failure: state engagement after a insert_one statement
-- shrunk from 78 to 1 statements
-- lead 4: engagement column: stored 0.00013119449803643306, oracle 1.1737795720279476
-- lead 4: score column: stored 20.000131194498035, oracle 21.173779572027946
-- lead 4: state engagement: stored 0.00013119449803643306, oracle 1.1737795720279476
-- variant: {"keys": "int", "layout": "plain", "naming": "camel"}
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
CREATE TABLE "CrmData"."ActivityLog" (id bigserial, "eventId" text, "leadId" integer, "Kind" text, "occurredAt" timestamptz, "Props" jsonb, UNIQUE ("eventId"), PRIMARY KEY (id));
CREATE INDEX ON "CrmData"."ActivityLog" ("leadId");
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES (1, 'Software', 50, 'Europe', true), (2, 'retail', 1001, 'europe', true), (3, 'Software', 50, NULL, false), (4, NULL, 1000, 'europe', true), (5, 'Software', 50, 'Europe', true);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', 3, 'noise', '2026-03-03 22:52:19+00'::timestamptz, '{"url": "/pricing"}'::jsonb), ('ev-2', 2, 'page_view', '2026-04-28 06:56:10+00'::timestamptz, NULL::jsonb), ('ev-3', 4, 'webinar', '2026-02-28 18:38:53+00'::timestamptz, '{"url": "/pricing"}'::jsonb), (NULL, 1, 'page_view', '2026-03-27 10:00:29+00'::timestamptz, '{"url": null}'::jsonb), ('ev-4', 2, NULL, '2026-04-22 19:55:12+00'::timestamptz, '{}'::jsonb), ('ev-5', 7, 'email_open', '2026-03-22 19:00:29+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [insert_one]
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-8', 4, 'email_open', '2027-06-30 07:33:36+00'::timestamptz, '{}'::jsonb);
SELECT * FROM lq_oracle.check();
