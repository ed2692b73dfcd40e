-- Issue #12, input 1: a statement that fires more than one of lead_qual's
-- triggers (upsert, MERGE, writable CTEs, a lead row trigger rebuilding from
-- history in the same statement as an activity insert) must count each
-- activity exactly once. Default model; lead 1 has fit 35. Every statement
-- scores as of lead_qual.as_of and every activity is dated at it (age 0), so
-- the right values are exact sums of points: email_open 2, email_click 5,
-- webinar 10, demo_request 20, page_view 1.
-- The RIGHT values are in the comments; "today" is what lead_qual 1.1 gives.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA case1;
SET search_path = case1, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe'), (2, 'software', 250, 20000000, 'europe'),
                         (3, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('case1.activities', 'case1.leads', 'default', '{"add_columns": true}');
CREATE VIEW scores AS
SELECT id, round(engagement_score::numeric, 6) AS engagement, round(score::numeric, 6) AS score, stage,
       (score_state::text::jsonb ->> 'activities')::int AS activities
  FROM leads ORDER BY id;

-- 1a. ON CONFLICT DO UPDATE that updates one row and inserts another.
INSERT INTO activities(event_id, lead_id, activity, occurred_at) VALUES ('ev-1', 1, 'email_open', '2026-03-31 09:00+00');
INSERT INTO activities(event_id, lead_id, activity, occurred_at)
VALUES ('ev-1', 1, 'email_open', '2026-03-31 09:00+00'), ('ev-2', 1, 'email_click', '2026-03-31 09:00+00')
ON CONFLICT (event_id) DO UPDATE SET occurred_at = excluded.occurred_at;
SELECT * FROM scores WHERE id = 1;
-- right: engagement 7 (2 + 5), score 42, 2 activities.   today: 12, 47, 3 activities

-- 1b. MERGE: WHEN MATCHED THEN UPDATE + WHEN NOT MATCHED THEN INSERT.
MERGE INTO activities a
USING (VALUES ('ev-2', 2, 'email_click'), ('ev-3', 2, 'webinar')) AS s(event_id, lead_id, activity)
   ON a.event_id = s.event_id
 WHEN MATCHED THEN UPDATE SET lead_id = s.lead_id
 WHEN NOT MATCHED THEN INSERT (event_id, lead_id, activity, occurred_at)
      VALUES (s.event_id, s.lead_id, s.activity, '2026-03-31 09:00+00');
SELECT * FROM scores WHERE id IN (1, 2);
-- right: lead 1 engagement 2 (1 activity); lead 2 engagement 15 (email_click 5 + webinar 10), score 50,
--        2 activities, stage lead.
-- today: lead 2 counts the inserted webinar twice: 25, 60, 3 activities, stage mql (a false hand-off).

-- 1c. Writable CTE, insert then update of another activity of the same lead
-- (the UPDATE trigger rebuilds lead 3 from a history that already holds the
-- inserted row, then the INSERT trigger adds that row again).
INSERT INTO activities(event_id, lead_id, activity, occurred_at) VALUES ('ev-0', 3, 'email_open', '2026-03-31 09:00+00');
WITH i AS (INSERT INTO activities(event_id, lead_id, activity, occurred_at)
           VALUES ('ev-4', 3, 'demo_request', '2026-03-31 09:00+00') RETURNING 1)
UPDATE activities SET properties = '{}' WHERE event_id = 'ev-0';
SELECT * FROM scores WHERE id = 3;
-- right: engagement 22 (2 + 20), score 57, 2 activities, stage sql (a demo request).
-- today: 42, 77, 3 activities.
-- The other order (a CTE that updates or deletes, then the statement inserts)
-- gives the right value today: the INSERT trigger happens to fire first.

-- 1d. A lead inserted in the same statement as its activities: the lead's
-- row trigger rebuilds it from a history that already holds the statement's
-- activities, then the activity trigger adds them again.
WITH l AS (INSERT INTO leads VALUES (4, 'software', 250, 20000000, 'europe') RETURNING 1)
INSERT INTO activities(event_id, lead_id, activity, occurred_at) VALUES ('ev-5', 4, 'webinar', '2026-03-31 09:00+00');
SELECT * FROM scores WHERE id = 4;
-- right: engagement 10, score 45, 1 activity, stage lead.  today: 20, 55, 2 activities, stage mql (a false hand-off)

-- 1e. (FINDINGS.md, kind H) An upsert of a lead that exists (a webhook re-delivering lead 3, an sql since
-- its demo request): the BEFORE INSERT row trigger scores the proposed row and records a hand-off before
-- ON CONFLICT discards it.
SELECT from_stage, to_stage, reason FROM lead_qual.stage_history
 WHERE lead_table = 'case1.leads'::regclass AND lead_key = '3' ORDER BY id;
-- right and today: one row, lead -> sql
INSERT INTO leads VALUES (3, 'software', 250, 20000000, 'europe') ON CONFLICT (id) DO NOTHING;
SELECT from_stage, to_stage, reason FROM lead_qual.stage_history
 WHERE lead_table = 'case1.leads'::regclass AND lead_key = '3' ORDER BY id;
-- right: still one row.  today: a second "lead -> sql" row (and a second NOTIFY: a duplicate hand-off)

SELECT count(*) AS inconsistent FROM lead_qual.verify('case1.leads', '2026-03-31 09:00+00');
-- right: 0.  today: 3 (verify() does see double counts: the activity counts differ)

SELECT lead_qual.untrack('case1.activities');
DROP SCHEMA case1 CASCADE;
