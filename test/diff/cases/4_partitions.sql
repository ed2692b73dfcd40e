-- Issue #12, input 4: partitioned activity tables. Rows written straight into
-- a partition, partitions created or attached after track(), TRUNCATE of a
-- partition, detached partitions and rows moved between partitions must all
-- be scored (or the operation refused up front with a clear error, before any
-- row is lost from the scores). Default model; lead 1 has fit 35; every
-- activity is dated at the as-of time (age 0). RIGHT values in comments;
-- "today" is lead_qual 1.1.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA case4;
SET search_path = case4, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial, event_id text, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb) PARTITION BY LIST (activity);
CREATE TABLE activities_web PARTITION OF activities FOR VALUES IN ('page_view');
CREATE TABLE activities_events PARTITION OF activities FOR VALUES IN ('webinar', 'demo_request');
CREATE TABLE activities_other PARTITION OF activities DEFAULT;
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('case4.activities', 'case4.leads', 'default', '{"add_columns": true}');
CREATE VIEW scores AS
SELECT round(engagement_score::numeric, 4) AS engagement, stage, (score_state::text::jsonb ->> 'activities')::int AS activities
  FROM leads;

-- Routed through the parent: scored today.
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00');
SELECT * FROM scores;
-- right: 10, lead, 1.  today: 10, lead, 1

-- Straight into a partition (an ETL job loading one partition).
INSERT INTO activities_events(lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00');
COPY activities_web (lead_id, activity, occurred_at) FROM STDIN;
1	page_view	2026-03-31 09:00:00+00
\.
SELECT * FROM scores;
-- right: 21, mql, 3.  today: 10, lead, 1 (never scored)
SELECT count(*) AS inconsistent FROM lead_qual.verify('case4.leads', '2026-03-31 09:00+00');
-- right: 0.  today: 1

SELECT lead_qual.rescore('case4.leads');  -- today's only way back to consistency

-- A partition attached after track(), holding rows.
CREATE TABLE activities_email (LIKE activities INCLUDING DEFAULTS);
INSERT INTO activities_email(lead_id, activity, occurred_at) VALUES (1, 'email_click', '2026-03-31 09:00+00');
ALTER TABLE activities ATTACH PARTITION activities_email FOR VALUES IN ('email_click');
SELECT * FROM scores;
-- right: 26 (21 + 5), mql, 4.  today: 21, mql, 3

SELECT lead_qual.rescore('case4.leads');

-- A partition created after track(), written directly.
CREATE TABLE activities_open PARTITION OF activities FOR VALUES IN ('email_open');
INSERT INTO activities_open(lead_id, activity, occurred_at) VALUES (1, 'email_open', '2026-03-31 09:00+00');
SELECT * FROM scores;
-- right: 28, mql, 5.  today: 26, mql, 4

SELECT lead_qual.rescore('case4.leads');

-- TRUNCATE of one partition.
TRUNCATE activities_web;
SELECT * FROM scores;
-- right: 27 (28 - 1), mql, 4.  today: 28, mql, 5

SELECT lead_qual.rescore('case4.leads');

-- DETACH: the rows leave the tracked table.
ALTER TABLE activities DETACH PARTITION activities_events;
SELECT * FROM scores;
-- right: 7 (5 + 2; the two webinars are gone), stage stays mql (never demoted), 2.  today: 27, mql, 4

SELECT lead_qual.rescore('case4.leads');

-- Rows moved between partitions through the parent (an UPDATE of the
-- partition key): scored today, kept here as the control.
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'page_view', '2026-03-31 09:00+00');
UPDATE activities SET activity = 'demo_request' WHERE activity = 'page_view';
SELECT * FROM scores;
-- right: 27 (5 + 2 + 20), sql (a demo request), 3.  today: 27, sql, 3

SELECT count(*) AS inconsistent FROM lead_qual.verify('case4.leads', '2026-03-31 09:00+00');
-- right: 0.  today: 0
SELECT lead_qual.untrack('case4.activities');
DROP SCHEMA case4 CASCADE;
