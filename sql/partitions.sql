-- Partitioned activity tables (issue #12, input 4): rows written through the
-- parent or straight into a partition (INSERT, COPY, UPDATE, DELETE,
-- TRUNCATE), partitions created, attached, detached or dropped after track(),
-- several levels of partitioning, rows moved between partitions: every lead
-- stays what its history gives, with no rescore() in between. Default model;
-- lead 1 has fit 35; every activity is dated at the as-of time (age 0):
-- page_view 1, email_open 2, email_click 5, webinar 10, demo_request 20.
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA part;
CREATE TABLE part.leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE part.activities (id bigserial, event_id text, lead_id int REFERENCES part.leads, activity text,
                              occurred_at timestamptz, properties jsonb) PARTITION BY LIST (activity);
CREATE TABLE part.activities_web PARTITION OF part.activities FOR VALUES IN ('page_view');
-- Two levels: events, partitioned again by lead.
CREATE TABLE part.activities_events PARTITION OF part.activities FOR VALUES IN ('webinar', 'demo_request')
  PARTITION BY RANGE (lead_id);
CREATE TABLE part.activities_events_low PARTITION OF part.activities_events FOR VALUES FROM (MINVALUE) TO (100);
CREATE TABLE part.activities_events_high PARTITION OF part.activities_events FOR VALUES FROM (100) TO (MAXVALUE);
CREATE TABLE part.activities_other PARTITION OF part.activities DEFAULT;
CREATE INDEX ON part.activities (lead_id);
INSERT INTO part.leads VALUES (1, 'software', 250, 20000000, 'europe'), (2, 'retail', 5, 0, 'asia');
SELECT track('part.activities', 'part.leads', 'default', '{"add_columns": true}');
CREATE VIEW part.scores AS
SELECT id, round(engagement_score::numeric, 4) AS engagement, stage,
       (score_state::text::jsonb ->> 'activities')::int AS activities
  FROM part.leads ORDER BY id;
CREATE VIEW part.inconsistent AS
SELECT count(*) AS inconsistent FROM lead_qual.verify('part.leads', '2026-03-31 09:00+00');
-- Every partition, at every level, carries the statement triggers.
SELECT c.relname, count(t.tgname) FILTER (WHERE NOT t.tgisinternal AND t.tgname LIKE 'lead_qual_activity_%' AND (t.tgtype & 1) = 0) AS statement_triggers
  FROM pg_partition_tree('part.activities') p JOIN pg_class c ON c.oid = p.relid
  LEFT JOIN pg_trigger t ON t.tgrelid = c.oid GROUP BY c.relname ORDER BY c.relname;
SELECT array_length(partitions, 1) AS partitions_listed FROM tracked WHERE activities = 'part.activities'::regclass;

-- Routed through the parent.
INSERT INTO part.activities (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00');
SELECT * FROM part.scores;
-- Straight into a leaf, into an intermediate partition, and COPY into a leaf.
INSERT INTO part.activities_events_low (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00');
INSERT INTO part.activities_events (lead_id, activity, occurred_at) VALUES (2, 'webinar', '2026-03-31 09:00+00');
COPY part.activities_web (lead_id, activity, occurred_at) FROM STDIN;
1	page_view	2026-03-31 09:00:00+00
\.
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- UPDATE and DELETE naming a partition.
UPDATE part.activities_events_low SET lead_id = 2 WHERE id = (SELECT min(id) FROM part.activities_events_low WHERE lead_id = 1);
SELECT * FROM part.scores;
DELETE FROM part.activities_events WHERE lead_id = 2 AND id = (SELECT min(id) FROM part.activities_events WHERE lead_id = 2);
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- A partition attached after track(), holding rows.
CREATE TABLE part.activities_email (LIKE part.activities INCLUDING DEFAULTS);
INSERT INTO part.activities_email (lead_id, activity, occurred_at) VALUES (1, 'email_click', '2026-03-31 09:00+00');
ALTER TABLE part.activities ATTACH PARTITION part.activities_email FOR VALUES IN ('email_click');
SELECT * FROM part.scores;
-- Its later writes are scored too.
INSERT INTO part.activities_email (lead_id, activity, occurred_at) VALUES (2, 'email_click', '2026-03-31 09:00+00');
SELECT * FROM part.scores;

-- A partition created after track(), written directly.
CREATE TABLE part.activities_open PARTITION OF part.activities FOR VALUES IN ('email_open');
INSERT INTO part.activities_open (lead_id, activity, occurred_at) VALUES (1, 'email_open', '2026-03-31 09:00+00');
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- TRUNCATE of one partition, and of an intermediate one.
TRUNCATE part.activities_web;
SELECT * FROM part.scores;
TRUNCATE part.activities_events;
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- DETACH: the rows leave the tracked table (the stage is never demoted),
-- and writes to the detached table no longer count.
INSERT INTO part.activities (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00'),
                                                                    (1, 'webinar', '2026-03-31 09:00+00');
SELECT * FROM part.scores;
ALTER TABLE part.activities DETACH PARTITION part.activities_events;
SELECT * FROM part.scores;
INSERT INTO part.activities_events (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00');
SELECT * FROM part.scores;
SELECT count(*) AS triggers_left_on_detached FROM pg_trigger
 WHERE tgrelid IN ('part.activities_events'::regclass, 'part.activities_events_low'::regclass) AND tgname LIKE 'lead_qual%';
SELECT * FROM part.inconsistent;

-- DROP of a partition holding rows.
INSERT INTO part.activities (lead_id, activity, occurred_at) VALUES (2, 'email_open', '2026-03-31 09:00+00');
SELECT * FROM part.scores;
DROP TABLE part.activities_open;
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- Rows moved between partitions through the parent.
INSERT INTO part.activities (lead_id, activity, occurred_at) VALUES (2, 'page_view', '2026-03-31 09:00+00');
UPDATE part.activities SET activity = 'email_click' WHERE activity = 'page_view';
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- Everything rolled back with the transaction: the attach and its rescoring.
BEGIN;
CREATE TABLE part.activities_demo (LIKE part.activities INCLUDING DEFAULTS);
INSERT INTO part.activities_demo (lead_id, activity, occurred_at) VALUES (2, 'demo_request', '2026-03-31 09:00+00');
ALTER TABLE part.activities ATTACH PARTITION part.activities_demo FOR VALUES IN ('demo_request');
SELECT * FROM part.scores;
ROLLBACK;
SELECT * FROM part.scores;
SELECT * FROM part.inconsistent;

-- DETACH ... CONCURRENTLY (two transactions; a tree without a default
-- partition): its second transaction takes the rows out of the scores.
CREATE TABLE part.web_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE part.web (lead_id int REFERENCES part.web_leads, activity text, occurred_at timestamptz, properties jsonb)
  PARTITION BY LIST (activity);
CREATE TABLE part.web_views PARTITION OF part.web FOR VALUES IN ('page_view');
CREATE TABLE part.web_events PARTITION OF part.web FOR VALUES IN ('webinar');
CREATE INDEX ON part.web (lead_id);
INSERT INTO part.web_leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT track('part.web', 'part.web_leads', 'default', '{"add_columns": true}');
INSERT INTO part.web VALUES (1, 'webinar', '2026-03-31 09:00+00'), (1, 'page_view', '2026-03-31 09:00+00');
SELECT round(engagement_score::numeric, 4) AS engagement FROM part.web_leads;
ALTER TABLE part.web DETACH PARTITION part.web_events CONCURRENTLY;
SELECT round(engagement_score::numeric, 4) AS engagement FROM part.web_leads;
SELECT count(*) AS inconsistent FROM lead_qual.verify('part.web_leads', '2026-03-31 09:00+00');
SELECT partitions FROM tracked WHERE activities = 'part.web'::regclass;
SELECT untrack('part.web');

-- A partition of a tracked table cannot be tracked by itself, nor can a
-- partitioned leads table.
CREATE TABLE part.other_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
SELECT track('part.activities_web', 'part.other_leads', 'default', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
CREATE TABLE part.split_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text)
  PARTITION BY RANGE (id);
SELECT track('part.activities_events', 'part.split_leads', 'default', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE

-- untrack() removes the triggers from every partition; DDL on the tree then
-- does nothing.
SELECT untrack('part.activities');
SELECT count(*) AS lead_qual_triggers_left FROM pg_trigger t JOIN pg_partition_tree('part.activities') p ON p.relid = t.tgrelid
 WHERE t.tgname LIKE 'lead_qual%';
CREATE TABLE part.activities_late PARTITION OF part.activities FOR VALUES IN ('late');
SELECT count(*) AS lead_qual_triggers_left FROM pg_trigger t JOIN pg_partition_tree('part.activities') p ON p.relid = t.tgrelid
 WHERE t.tgname LIKE 'lead_qual%';
RESET lead_qual.as_of;
DROP SCHEMA part CASCADE;
