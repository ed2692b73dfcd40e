-- lq_diff repro: seed 12 episode 2 ({"keys": "int", "layout": "plain", "naming": "camel"}) statement 69 [orm_save]
-- failure: state activity count after a orm_save statement
-- shrunk from 73 to 8 statements
-- lead 2: engagement column: stored 0.10503194413511874, oracle 0.8479629560177534
-- lead 2: score column: stored 5.105031944135119, oracle 5.847962956017754
-- lead 2: state activity count: stored 1, oracle 2
-- lead 2: state engagement: stored 0.10503194413511874, oracle 0.8479629560177534
-- lead 2: verify(): activity count differs from the history: stored 0.10503194413511874 / 1, oracle 0.8479629560177534 / 2
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
INSERT INTO "CrmData"."Leads" ("LeadKey", industry, employees, region, budget_confirmed) VALUES (1, NULL, 500, NULL, false), (2, 'retail', 1001, 'Europe', NULL), (3, 'retail', 1000, 'Europe', NULL), (4, 'fintech', 1001, 'europe', false), (5, 'Software', 50, 'Europe', false);
INSERT INTO "CrmData"."ActivityLog" ("eventId", "leadId", "Kind", "occurredAt", "Props") VALUES ('ev-1', 2, 'Page_View', '2026-02-23 23:12:29+00'::timestamptz, NULL::jsonb), ('ev-2', 7, 'Page_View', '2026-02-12 20:51:22+00'::timestamptz, '{"url": "/PRICING/plans"}'::jsonb), ('ev-3', 3, 'Page_View', '2026-05-19 15:20:10+00'::timestamptz, NULL::jsonb), (NULL, 5, 'unsubscribe', '2026-02-08 22:56:38+00'::timestamptz, '{"url": null}'::jsonb);
SELECT lead_qual.track('"CrmData"."ActivityLog"', '"CrmData"."Leads"', 'difftest', '{"add_columns": true, "key": "LeadKey", "activity_lead_id": "leadId", "activity": "Kind", "occurred_at": "occurredAt", "properties": "Props", "score": "totalScore"}');
\ir ../oracle.sql
CREATE VIEW lq_oracle.history AS SELECT a."leadId"::text AS lead_key, a."Kind"::text AS activity, a."occurredAt" AS occurred_at, a."Props" AS properties FROM "CrmData"."ActivityLog" a;
CREATE VIEW lq_oracle.leads_v AS SELECT l."LeadKey"::text AS lead_key, l.industry, l.employees, l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement, l."totalScore" AS score, l.stage, l.score_state AS state FROM "CrmData"."Leads" l;
INSERT INTO lq_oracle.config VALUES ('"CrmData"."Leads"'::regclass, '2026-06-01 12:00:00+00', '2026-06-01 12:00:00+00');
SELECT * FROM lq_oracle.check();
-- steps
-- step 1 [orm_snapshot]
DROP TABLE IF EXISTS lq_oracle.orm_copy; CREATE TABLE lq_oracle.orm_copy AS SELECT * FROM "CrmData"."Leads";
SELECT * FROM lq_oracle.check();
-- step 2 [update_key]
UPDATE "CrmData"."ActivityLog" SET "leadId" = 2 WHERE id IN (SELECT id FROM "CrmData"."ActivityLog" WHERE "leadId" = 3 ORDER BY id LIMIT 2);
SELECT * FROM lq_oracle.check();
-- step 3 [txn]
BEGIN;
SELECT * FROM lq_oracle.check();
-- step 4 [txn]
SAVEPOINT sp0;
SELECT * FROM lq_oracle.check();
-- step 5 [orm_save] allow=*
SAVEPOINT lq_try;
UPDATE "CrmData"."Leads" AS l SET (industry, employees, region, budget_confirmed, fit_score, engagement_score, "totalScore", score_state, stage, stage_changed_at) = (s.industry, s.employees, s.region, s.budget_confirmed, s.fit_score, s.engagement_score, s."totalScore", s.score_state, s.stage, s.stage_changed_at) FROM lq_oracle.orm_copy s WHERE s."LeadKey" = l."LeadKey" AND l."LeadKey" = 2;
RELEASE SAVEPOINT lq_try;
SELECT * FROM lq_oracle.check();
