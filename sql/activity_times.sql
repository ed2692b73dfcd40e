-- Future-dated and NULL activity times (issue #12, inputs 2 and 3; README
-- "Future and NULL activity times"). Default model: half-life 30 days,
-- webinar 10, page_view 1, demo_request 20, email_open 2; leads with fit 35.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET search_path = lead_qual, public;
CREATE SCHEMA times;
CREATE TABLE times.leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE times.activities (id bigserial PRIMARY KEY, lead_id int, activity text, occurred_at timestamptz,
                               properties jsonb);
CREATE INDEX ON times.activities (lead_id);
INSERT INTO times.leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT track('times.activities', 'times.leads', 'default', '{"add_columns": true}');

------------------------------------------------------------------------------
-- Input 2: an activity dated in the future counts with age 0 and devalues
-- nothing: points * 0.5^(max(0, as_of - occurred_at) / half_life).
------------------------------------------------------------------------------
SET lead_qual.as_of = '2026-03-31 09:00+00';
INSERT INTO times.activities (lead_id, activity, occurred_at, properties)
VALUES (1, 'page_view', '2026-03-31 09:00+00'::timestamptz + interval '365 days', '{"url": "/blog"}');
INSERT INTO times.activities (lead_id, activity, occurred_at)
VALUES (1, 'webinar', '2026-03-31 09:00+00'), (1, 'webinar', '2026-03-31 09:00+00');
-- 1 + 10 + 10 = 21, score 56: an MQL.
SELECT round(engagement_score::numeric, 4) AS engagement, round(score::numeric, 4) AS score, stage FROM times.leads;
SELECT round(engagement(score_state, '2026-03-31 09:00+00')::numeric, 4) AS state_engagement,
       scored_at(score_state) = '2026-03-31 09:00+00' AS scored_at_the_scoring_time,
       score_state::text::jsonb -> 'future' AS held_apart
  FROM times.leads;
SELECT rescore('times.leads') AS changed_by_rescore;
SELECT round(engagement_score::numeric, 4) AS engagement, stage FROM times.leads;
SELECT count(*) AS inconsistent FROM verify('times.leads', '2026-03-31 09:00+00');

-- A past activity next to a future one decays to the as-of time, not to the
-- future one's: 20 * 0.5^(30/30) + 2 = 12, and a demo request makes an SQL.
INSERT INTO times.leads VALUES (2, 'software', 250, 20000000, 'europe');
INSERT INTO times.activities (lead_id, activity, occurred_at)
VALUES (2, 'demo_request', '2026-03-01 09:00+00'), (2, 'email_open', '2026-04-30 09:00+00');
SELECT round(engagement_score::numeric, 4) AS engagement, stage FROM times.leads WHERE id = 2;

-- Backtests: the aggregate with as_of is exact at as_of; without it a state
-- is exact only from its newest activity on (lead 1's is a year ahead).
SELECT lead_id,
       round(engagement(engagement_state('default', activity, occurred_at, properties, '2026-03-31 09:00+00'),
                        '2026-03-31 09:00+00')::numeric, 4) AS exact_at_as_of,
       round(engagement(engagement_state('default', activity, occurred_at, properties), '2026-03-31 09:00+00')::numeric, 4)
         AS read_as_of_newest_activity,
       round(engagement(engagement_state('default', activity, occurred_at, properties, '2026-03-31 09:00+00'),
                        max(occurred_at))::numeric, 4)
         = round(engagement(engagement_state('default', activity, occurred_at, properties), max(occurred_at))::numeric, 4)
         AS agree_from_newest_activity
  FROM times.activities GROUP BY lead_id ORDER BY lead_id;

-- 45 days later a refresh folds the email open (passed) into the sums; the
-- page view a year ahead stays held apart.
SET lead_qual.as_of = '2026-05-15 09:00+00';
SELECT refresh('times.leads', '2026-05-15 09:00+00') AS changed_by_refresh;
SELECT id, round(engagement_score::numeric, 4) AS engagement,
       round(engagement(score_state, '2026-05-15 09:00+00')::numeric, 4) AS state_engagement,
       jsonb_array_length(score_state::text::jsonb -> 'future') AS held_apart,
       score_state::text::jsonb ->> 'scored_at' AS scored_at
  FROM times.leads ORDER BY id;
SELECT count(*) AS inconsistent FROM verify('times.leads', '2026-05-15 09:00+00');

-- verify() also checks the engagement_score column against the state at the
-- time the row was scored.
ALTER TABLE times.leads DISABLE TRIGGER lead_qual_lead;
UPDATE times.leads SET engagement_score = 99 WHERE id = 2;
ALTER TABLE times.leads ENABLE TRIGGER lead_qual_lead;
SELECT lead_key, problem FROM verify('times.leads', '2026-05-15 09:00+00');
SELECT refresh('times.leads', '2026-05-15 09:00+00') >= 0 AS refreshed;
SELECT count(*) AS inconsistent FROM verify('times.leads', '2026-05-15 09:00+00');
DELETE FROM times.activities;
DELETE FROM times.leads;

------------------------------------------------------------------------------
-- Input 3: a NULL occurred_at gets the scoring time written into the row
-- (lead_qual.as_of, else the transaction's start); every path reads it.
------------------------------------------------------------------------------
INSERT INTO times.leads VALUES (1, 'software', 250, 20000000, 'europe');
SET lead_qual.as_of = '2026-01-01 09:00+00';
INSERT INTO times.activities (lead_id, activity, occurred_at) VALUES (1, 'webinar', NULL);
INSERT INTO times.activities (lead_id, activity, occurred_at) VALUES (1, 'page_view', '2026-01-01 09:00+00');
SELECT activity, occurred_at = '2026-01-01 09:00+00' AS dated_at_the_scoring_time FROM times.activities ORDER BY id;
SELECT round(engagement_score::numeric, 4) AS engagement FROM times.leads;  -- 11
-- 90 days later: 10 * 0.5^3 + 0.125 = 1.375, whatever path computes it.
SET lead_qual.as_of = '2026-04-01 09:00+00';
SELECT refresh('times.leads', '2026-04-01 09:00+00') AS changed_by_refresh;
SELECT round(engagement_score::numeric, 4) AS engagement FROM times.leads;
SELECT count(*) AS inconsistent FROM verify('times.leads', '2026-04-01 09:00+00');
DELETE FROM times.activities WHERE activity = 'page_view';
SELECT round(engagement_score::numeric, 4) AS engagement FROM times.leads;  -- 1.25
SELECT rescore('times.leads') AS changed_by_rescore;
SELECT round(engagement_score::numeric, 4) AS engagement FROM times.leads;  -- 1.25
-- An UPDATE to NULL is dated too.
UPDATE times.activities SET occurred_at = NULL;
SELECT occurred_at = '2026-04-01 09:00+00' AS redated FROM times.activities;
SELECT round(engagement_score::numeric, 4) AS engagement FROM times.leads;  -- 10
RESET lead_qual.as_of;

-- Rows left NULL (written while the triggers were off) are not scored by
-- any path; track() says how many there are and how to date them.
SELECT untrack('times.activities');
SELECT count(*) AS stamping_triggers FROM pg_trigger
 WHERE tgrelid = 'times.activities'::regclass AND tgname = 'lead_qual_activity_time';
INSERT INTO times.activities (lead_id, activity, occurred_at) VALUES (1, 'demo_request', NULL), (1, 'webinar', NULL);
SET client_min_messages = notice;
SELECT track('times.activities', 'times.leads', 'default') >= 0 AS tracked;
SET client_min_messages = warning;
SELECT count(*) AS stamping_triggers FROM pg_trigger
 WHERE tgrelid = 'times.activities'::regclass AND tgname = 'lead_qual_activity_time';
SET lead_qual.as_of = '2026-04-01 09:00+00';
SELECT rescore('times.leads') >= 0 AS rescored;
SELECT round(engagement_score::numeric, 4) AS engagement, stage,
       (score_state::text::jsonb ->> 'activities')::int AS activities FROM times.leads;
SELECT count(*) AS inconsistent FROM verify('times.leads', '2026-04-01 09:00+00');
SELECT round(engagement(engagement_state('default', activity, occurred_at, properties, '2026-04-01 09:00+00'),
                        '2026-04-01 09:00+00')::numeric, 4) AS aggregate_engagement FROM times.activities;
RESET lead_qual.as_of;

-- A NOT NULL occurred_at needs no stamping trigger.
SELECT untrack('times.activities');
DELETE FROM times.activities WHERE occurred_at IS NULL;
ALTER TABLE times.activities ALTER COLUMN occurred_at SET NOT NULL;
SELECT track('times.activities', 'times.leads', 'default') >= 0 AS tracked;
SELECT count(*) AS stamping_triggers FROM pg_trigger
 WHERE tgrelid = 'times.activities'::regclass AND tgname = 'lead_qual_activity_time';
SELECT untrack('times.activities');

-- The aggregate's as_of must be a finite time.
SELECT engagement_state('default', 'webinar', now(), NULL, 'infinity') FROM times.leads;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT engagement_state('default', 'webinar', now(), NULL, NULL) FROM times.leads;
\echo sqlstate :LAST_ERROR_SQLSTATE
DROP SCHEMA times CASCADE;
DELETE FROM stage_history;
