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
