-- Issue #12, input 1 (and kind H): statements that fire more than one of
-- lead_qual's triggers count every activity exactly once and move no stage
-- on a state the statement passes through; an upsert of a lead records no
-- hand-off for a row it discards. Default model; leads 1-3 have fit 35. All
-- activities are dated at lead_qual.as_of (age 0), so engagement is a plain
-- sum of points: email_open 2, email_click 5, webinar 10, demo_request 20,
-- unsubscribe -25, the total floored at 0; mql needs engagement 20, sql a
-- demo request (both with the fit these leads have).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA multi;
SET search_path = multi, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz DEFAULT '2026-03-31 09:00+00', properties jsonb);
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe'), (2, 'software', 250, 20000000, 'europe'),
                         (3, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('multi.activities', 'multi.leads', 'default', '{"add_columns": true}');
CREATE VIEW scores AS
SELECT id, round(engagement_score::numeric, 6) AS engagement, round(score::numeric, 6) AS score, stage,
       (score_state::text::jsonb ->> 'activities')::int AS activities
  FROM leads ORDER BY id;
CREATE VIEW hand_offs AS
SELECT lead_key, from_stage, to_stage, reason FROM lead_qual.stage_history
 WHERE lead_table = 'multi.leads'::regclass ORDER BY id;

-- 1a. ON CONFLICT DO UPDATE that updates one row and inserts another.
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-1', 1, 'email_open');
INSERT INTO activities(event_id, lead_id, activity)
VALUES ('ev-1', 1, 'email_open'), ('ev-2', 1, 'email_click')
ON CONFLICT (event_id) DO UPDATE SET occurred_at = excluded.occurred_at;
SELECT * FROM scores WHERE id = 1;
-- engagement 7 (2 + 5), score 42, 2 activities

-- 1b. MERGE: WHEN MATCHED THEN UPDATE + WHEN NOT MATCHED THEN INSERT.
MERGE INTO activities a
USING (VALUES ('ev-2', 2, 'email_click'), ('ev-3', 2, 'webinar')) AS s(event_id, lead_id, activity)
   ON a.event_id = s.event_id
 WHEN MATCHED THEN UPDATE SET lead_id = s.lead_id
 WHEN NOT MATCHED THEN INSERT (event_id, lead_id, activity) VALUES (s.event_id, s.lead_id, s.activity);
SELECT * FROM scores WHERE id IN (1, 2);
-- lead 1: engagement 2 (1 activity); lead 2: 15 (5 + 10), score 50, 2 activities, stage lead

-- MERGE with every action: delete ev-2 (lead 2), update ev-3 (webinar -> email_open), insert ev-9.
MERGE INTO activities a
USING (VALUES ('ev-2', 2, 'x'), ('ev-3', 2, 'email_open'), ('ev-9', 2, 'webinar')) AS s(event_id, lead_id, activity)
   ON a.event_id = s.event_id
 WHEN MATCHED AND s.activity = 'x' THEN DELETE
 WHEN MATCHED THEN UPDATE SET activity = s.activity
 WHEN NOT MATCHED THEN INSERT (event_id, lead_id, activity) VALUES (s.event_id, s.lead_id, s.activity);
SELECT * FROM scores WHERE id = 2;
-- engagement 12 (2 + 10), 2 activities, stage lead

-- 1c. Writable CTE, insert then update of another activity of the same lead.
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-0', 3, 'email_open');
WITH i AS (INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-4', 3, 'webinar') RETURNING 1)
UPDATE activities SET properties = '{}' WHERE event_id = 'ev-0';
SELECT * FROM scores WHERE id = 3;
-- engagement 12 (2 + 10), score 47, 2 activities, stage lead

-- The reverse orders: the statement's final history decides the stage. The
-- statement adds a webinar to lead 3 (12 + 10 = 22 would make it an mql) and
-- its CTE turns the other webinar into an unsubscribe: 2 - 25 + 10 < 0.
WITH u AS (UPDATE activities SET activity = 'unsubscribe' WHERE event_id = 'ev-4' RETURNING 1)
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-5', 3, 'webinar');
SELECT * FROM scores WHERE id = 3;
-- engagement 0, 3 activities, stage lead
WITH d AS (DELETE FROM activities WHERE event_id = 'ev-5' RETURNING 1)
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-6', 3, 'email_click');
SELECT * FROM scores WHERE id = 3;
-- engagement 0 (2 - 25 + 5), 3 activities, stage lead
WITH i AS (INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-7', 3, 'webinar') RETURNING 1)
DELETE FROM activities WHERE event_id = 'ev-4';
SELECT * FROM scores WHERE id = 3;
-- engagement 17 (2 + 5 + 10), 3 activities, stage lead

-- 1d. A lead inserted in the same statement as its activities, in both orders.
WITH l AS (INSERT INTO leads VALUES (4, 'software', 250, 20000000, 'europe') RETURNING 1)
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-10', 4, 'webinar');
SELECT * FROM scores WHERE id = 4;
-- engagement 10, score 45, 1 activity, stage lead
-- Lead 5 has two webinars recorded before it exists (20: an mql); the
-- statement that inserts it also inserts an unsubscribe.
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-11', 5, 'webinar'), ('ev-12', 5, 'webinar');
WITH a AS (INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-15', 5, 'unsubscribe') RETURNING 1)
INSERT INTO leads VALUES (5, 'software', 250, 20000000, 'europe');
SELECT * FROM scores WHERE id = 5;
-- engagement 0 (20 - 25), 3 activities, stage lead
-- An activity for lead 6 recorded before the lead: the lead starts with it.
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-13', 6, 'demo_request');
INSERT INTO leads VALUES (6, 'software', 250, 20000000, 'europe');
SELECT * FROM scores WHERE id = 6;
-- engagement 20, 1 activity, stage sql

-- A user's triggers on the leads table that insert activities for a new
-- lead, before it is written (after lead_qual's BEFORE trigger) and after.
CREATE FUNCTION welcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO multi.activities(lead_id, activity) VALUES (NEW.id, TG_ARGV[0]);
  RETURN NEW;
END $$;
CREATE TRIGGER z_welcome_before BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION welcome('webinar');
CREATE TRIGGER z_welcome_after AFTER INSERT ON leads FOR EACH ROW EXECUTE FUNCTION welcome('email_click');
INSERT INTO leads VALUES (7, 'software', 250, 20000000, 'europe');
SELECT * FROM scores WHERE id = 7;
-- engagement 15 (10 + 5), 2 activities, stage lead
DROP TRIGGER z_welcome_before ON leads;
DROP TRIGGER z_welcome_after ON leads;

-- A lead's attributes changed in the same statement as its activities. Lead 10
-- has fit 0 and two webinars (20): the CTE raises its fit to 20 (mql on the
-- way), the statement adds an unsubscribe (final engagement 0: a lead).
INSERT INTO leads VALUES (10, 'retail', 5, 0, 'asia');
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-20', 10, 'webinar'), ('ev-21', 10, 'webinar');
WITH u AS (UPDATE leads SET industry = 'software', employees = 250 WHERE id = 10 RETURNING 1)
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-22', 10, 'unsubscribe');
SELECT * FROM scores WHERE id = 10;
-- engagement 0, score 20, 3 activities, stage lead
-- An upsert of the lead in the same statement as three more webinars: fit 25
-- (europe), engagement 25: an mql, recorded once.
WITH a AS (INSERT INTO activities(event_id, lead_id, activity)
           VALUES ('ev-23', 10, 'webinar'), ('ev-24', 10, 'webinar'), ('ev-25', 10, 'webinar') RETURNING 1)
INSERT INTO leads VALUES (10, 'software', 250, 0, 'europe') ON CONFLICT (id) DO UPDATE SET region = excluded.region;
SELECT * FROM scores WHERE id = 10;
-- engagement 25, score 50, 6 activities, stage mql

SELECT * FROM hand_offs;
-- lead 6: lead -> sql; lead 10: lead -> mql; once each (none for leads 2, 3, 4, 5, nor 10 before its
-- upsert: no false mql on the way)

-- 1e (kind H). Upserts of leads that exist record nothing: lead 6 is an sql.
INSERT INTO leads VALUES (6, 'software', 250, 20000000, 'europe') ON CONFLICT (id) DO NOTHING;
INSERT INTO leads VALUES (6, 'software', 250, 20000000, 'europe'), (8, 'software', 250, 20000000, 'europe')
ON CONFLICT (id) DO UPDATE SET employees = excluded.employees;
-- nothing recorded (lead 8 is a lead, lead 6 unchanged)
INSERT INTO activities(event_id, lead_id, activity) VALUES ('ev-14', 9, 'demo_request');
INSERT INTO leads VALUES (9, 'software', 250, 20000000, 'europe'), (6, 'retail', 5, 0, 'asia')
ON CONFLICT (id) DO NOTHING;
-- recorded (stage_history and NOTIFY): lead 9 lead -> sql only (lead 6's proposed row is discarded)
SELECT * FROM hand_offs;
SELECT * FROM scores;

SELECT count(*) AS inconsistent FROM lead_qual.verify('multi.leads', '2026-03-31 09:00+00');
-- 0

SELECT lead_qual.untrack('multi.activities');
DROP SCHEMA multi CASCADE;
