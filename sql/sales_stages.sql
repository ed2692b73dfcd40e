-- Sales' decisions stick: recycled and disqualified leads (README,
-- "Recycled and disqualified leads").
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

CREATE SCHEMA sales;
CREATE TABLE sales.leads (
    id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text, note text);
CREATE TABLE sales.activities (
    id bigserial PRIMARY KEY, lead_id int, activity text, occurred_at timestamptz, properties jsonb);
CREATE INDEX ON sales.activities (lead_id);
-- Default model; fit 35 for each lead (software 10, 50-999 employees 10,
-- revenue 10M-100M 10, europe 5).
INSERT INTO sales.leads VALUES
  (1, 'software', 200, 20000000, 'europe', NULL),
  (2, 'software', 200, 20000000, 'europe', NULL),
  (3, 'software', 200, 20000000, 'europe', NULL);
SELECT track('sales.activities', 'sales.leads', 'default', '{"add_columns": true}') AS scored;

-- A demo request makes each an SQL (or_activities).
SET lead_qual.as_of = '2026-05-01 10:00+00';
INSERT INTO sales.activities (lead_id, activity, occurred_at)
  SELECT id, 'demo_request', '2026-05-01 09:00+00' FROM sales.leads;
SELECT id, stage FROM sales.leads ORDER BY id;

-- Sales hands leads 1 and 2 back; lead 3 is disqualified.
SET lead_qual.as_of = '2026-05-02 10:00+00';
UPDATE sales.leads SET stage = 'recycled' WHERE id IN (1, 2);
UPDATE sales.leads SET stage = 'disqualified' WHERE id = 3;
SELECT id, stage, stage_changed_at FROM sales.leads ORDER BY id;

-- No new engagement: nothing lifts them.
SET lead_qual.as_of = '2026-05-03 10:00+00';
SELECT refresh('sales.leads', '2026-05-03 10:00+00') AS refreshed;
SELECT id, stage FROM sales.leads ORDER BY id;
SELECT rescore('sales.leads') AS rescored;
SELECT id, stage FROM sales.leads ORDER BY id;
-- An edit of an attribute the model reads that leaves the fit unchanged.
UPDATE sales.leads SET region = 'north america' WHERE id IN (1, 3);
SELECT id, fit_score, stage FROM sales.leads ORDER BY id;
-- An activity that scores nothing (no engagement rule), after the recycle.
INSERT INTO sales.activities (lead_id, activity, occurred_at) VALUES (1, 'meeting_note', '2026-05-03 09:00+00');
SELECT id, stage FROM sales.leads ORDER BY id;
-- A demo request dated before the recycle, recorded late: not new engagement.
INSERT INTO sales.activities (lead_id, activity, occurred_at) VALUES (1, 'demo_request', '2026-05-02 09:59+00');
SELECT id, stage FROM sales.leads ORDER BY id;
-- A page view after the recycle is engagement, but 1 point with fit 35 is
-- not an MQL (min_engagement 20): still recycled.
INSERT INTO sales.activities (lead_id, activity, occurred_at, properties)
  VALUES (1, 'page_view', '2026-05-03 09:30+00', '{"url": "/blog"}');
SELECT id, stage, engagement_score FROM sales.leads ORDER BY id;
SELECT refresh('sales.leads', '2026-05-03 10:00+00') AS refreshed, rescore('sales.leads') AS rescored;
SELECT id, stage FROM sales.leads ORDER BY id;

-- New engagement after the recycle lifts a recycled lead, never a
-- disqualified one: a demo request now (lead 1 live; lead 3 stays).
INSERT INTO sales.activities (lead_id, activity, occurred_at) VALUES
  (1, 'demo_request', '2026-05-03 09:45+00'), (3, 'demo_request', '2026-05-03 09:45+00');
SELECT id, stage FROM sales.leads ORDER BY id;
-- rescore() applies the same rule from the history: lead 2's demo request
-- after its recycle, recorded while the trigger was off, lifts it there.
ALTER TABLE sales.activities DISABLE TRIGGER lead_qual_activity_insert;
INSERT INTO sales.activities (lead_id, activity, occurred_at) VALUES (2, 'demo_request', '2026-05-03 09:50+00');
ALTER TABLE sales.activities ENABLE TRIGGER lead_qual_activity_insert;
SELECT id, stage FROM sales.leads ORDER BY id;
SELECT rescore('sales.leads') AS rescored;
SELECT id, stage FROM sales.leads ORDER BY id;
SELECT lead_key, from_stage, to_stage, changed_at, reason FROM stage_history
 WHERE lead_table = 'sales.leads'::regclass ORDER BY id;
RESET lead_qual.as_of;

-- Transition policies (README, "Stage transition policy").
-- Checked like models: every problem named by its JSON path, 22023.
SELECT _policy_bits('{"allow": [["recycled", "opportunity"]], "forbid": [["mql", "nope"]]}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT _policy_bits('{"allow": [["recycled"]]}');
SELECT _policy_bits('{"alow": []}');
SELECT _policy_bits('[]');
SELECT _policy_bits('{"allow": [["lead", "lead"]]}');
-- The default policy is {}; a policy adds and removes moves.
SELECT allowed_transitions(s, '{}') = allowed_transitions(s) AS same_as_default FROM unnest(stages()) s;
SELECT s AS "from", allowed_transitions(s, '{"allow": [["recycled", "opportunity"], ["disqualified", "customer"],
                                                      ["customer", "lead"]],
                                            "forbid": [["lead", "customer"]]}') AS allowed
  FROM unnest(stages()) s;
-- A tracked table's policy: track() checks it, the trigger and
-- can_transition() use it.
CREATE TABLE sales.crm_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE sales.crm_activities (id bigserial PRIMARY KEY, lead_id int, activity text, occurred_at timestamptz,
                                   properties jsonb);
CREATE INDEX ON sales.crm_activities (lead_id);
SELECT track('sales.crm_activities', 'sales.crm_leads', 'default',
             '{"add_columns": true, "transitions": {"allow": [["recycled", "opportunity", "customer"]]}}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('sales.crm_activities', 'sales.crm_leads', 'default',
             '{"add_columns": true, "keep_stage_on_stale_save": "yes"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('sales.crm_activities', 'sales.crm_leads', 'default',
             '{"add_columns": true, "transitions": {"allow": [["recycled", "opportunity"], ["disqualified", "customer"],
                                                               ["customer", "lead"]]}}') AS scored;
SELECT transition_policy('sales.crm_leads');
SELECT transition_policy('sales.leads');
SELECT can_transition('recycled', 'opportunity') AS default_policy,
       can_transition('recycled', 'opportunity', transition_policy('sales.crm_leads')) AS crm_policy;
INSERT INTO sales.crm_leads (id, industry) VALUES (1, 'software'), (2, 'software'), (3, 'software');
-- "Convert to opportunity" on a recycled lead; restore and win a
-- disqualified one; reopen a customer.
UPDATE sales.crm_leads SET stage = 'mql' WHERE id = 1;
UPDATE sales.crm_leads SET stage = 'recycled' WHERE id = 1;
UPDATE sales.crm_leads SET stage = 'opportunity' WHERE id = 1;
UPDATE sales.crm_leads SET stage = 'disqualified' WHERE id = 2;
UPDATE sales.crm_leads SET stage = 'customer' WHERE id = 2;
UPDATE sales.crm_leads SET stage = 'lead' WHERE id = 2;
SELECT id, stage FROM sales.crm_leads ORDER BY id;
-- The default policy still refuses them on the other table.
UPDATE sales.leads SET stage = 'opportunity' WHERE id = 2;
UPDATE sales.leads SET stage = 'recycled' WHERE id = 2;
UPDATE sales.leads SET stage = 'opportunity' WHERE id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A move the policy does not add is refused with the policy's targets.
UPDATE sales.crm_leads SET stage = 'mql' WHERE id = 1;
\echo sqlstate :LAST_ERROR_SQLSTATE
-- pg_dump keeps it: the policy lives in lead_qual.tracked (a configuration
-- table, pg_extension_config_dump) and in the trigger's arguments.
SELECT options->'transitions' AS dumped_policy FROM tracked WHERE leads = 'sales.crm_leads'::regclass;
-- enforce_stage_transition() takes a policy as its second argument.
CREATE TABLE sales.pipeline (id int PRIMARY KEY, lifecycle lead_stage);
CREATE TRIGGER pipeline_stage BEFORE UPDATE ON sales.pipeline FOR EACH ROW
  EXECUTE FUNCTION enforce_stage_transition('lifecycle', '{"allow": [["recycled", "opportunity"]]}');
INSERT INTO sales.pipeline VALUES (1, 'recycled'), (2, 'recycled');
UPDATE sales.pipeline SET lifecycle = 'opportunity' WHERE id = 1;
UPDATE sales.pipeline SET lifecycle = 'customer' WHERE id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM sales.pipeline ORDER BY id;
CREATE TABLE sales.bad_pipeline (id int PRIMARY KEY, lifecycle lead_stage);
CREATE TRIGGER bad_pipeline_stage BEFORE INSERT OR UPDATE ON sales.bad_pipeline FOR EACH ROW
  EXECUTE FUNCTION enforce_stage_transition('lifecycle', '{"allow": [["recycled", "won"]]}');
INSERT INTO sales.bad_pipeline VALUES (1, 'lead');
\echo sqlstate :LAST_ERROR_SQLSTATE
