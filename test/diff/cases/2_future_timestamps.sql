-- Issue #12, input 2: one activity dated in the future must not devalue the
-- others. The semantics (README "Scoring models"): each activity counts
-- points * 0.5 ^ (max(0, as_of - occurred_at) / half_life); one later than
-- the as-of time counts with age 0. Default model (half-life 30 days); lead 1
-- has fit 35. The RIGHT values are in the comments; "today" is lead_qual 1.1.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA case2;
SET search_path = case2, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('case2.activities', 'case2.leads', 'default', '{"add_columns": true}');

INSERT INTO activities(lead_id, activity, occurred_at, properties)
VALUES (1, 'page_view', '2026-03-31 09:00+00'::timestamptz + interval '365 days', '{"url":"/blog"}');
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00'), (1, 'webinar', '2026-03-31 09:00+00');
SELECT round(engagement_score::numeric, 4) AS engagement, round(score::numeric, 4) AS score, stage FROM leads;
-- right: engagement 21 (1 + 10 + 10), score 56, stage mql.   today: 1.0044, 36.0044, stage lead

SELECT round(lead_qual.engagement(score_state, '2026-03-31 09:00+00')::numeric, 4) AS state_engagement FROM leads;
-- right: 21.   today: 1.0044 (the state reads itself as of its newest activity, a year ahead)

SELECT lead_qual.rescore('case2.leads');
SELECT round(engagement_score::numeric, 4) AS engagement, stage FROM leads;
-- right: 21, mql.   today: 1.0044, lead
SELECT count(*) AS inconsistent FROM lead_qual.verify('case2.leads', '2026-03-31 09:00+00');
-- right: 0 rows, and only because the stored values are right.  today: 0 — verify() agrees with the wrong value

-- A past activity next to a future one: its decay must be measured to the
-- as-of time, not to the future activity's time.
INSERT INTO leads VALUES (2, 'software', 250, 20000000, 'europe');
INSERT INTO activities(lead_id, activity, occurred_at)
VALUES (2, 'demo_request', '2026-03-01 09:00+00'), (2, 'email_open', '2026-04-30 09:00+00');
SELECT round(engagement_score::numeric, 4) AS engagement, stage FROM leads WHERE id = 2;
-- right: 20 * 0.5^(30/30) + 2 = 12, stage sql (a demo request).   today: 20 * 0.5^(60/30) + 2 = 7

SELECT lead_qual.untrack('case2.activities');
DROP SCHEMA case2 CASCADE;
