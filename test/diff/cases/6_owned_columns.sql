-- Issue #12, input 6: application writes to the columns lead_qual owns
-- (score_state, fit_score, engagement_score, score, stage_changed_at; stage
-- only through the transition rules). lead_qual must keep its values or
-- refuse the write (either is right; which one is the fix's documented
-- choice), and verify() must check the score columns against the state.
-- Default model; lead 1 has fit 35. RIGHT values in comments; "today" is 1.1.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA case6;
SET search_path = case6, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('case6.activities', 'case6.leads', 'default', '{"add_columns": true}');
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00+00');

-- A direct write of a score column.
UPDATE leads SET score = 999 WHERE id = 1;
SELECT round(score::numeric, 4) AS score FROM leads;
-- right: 45 (kept), or the UPDATE refused with an error.  today: 999
SELECT count(*) AS inconsistent FROM lead_qual.verify('case6.leads', '2026-03-31 09:00+00');
-- right: 1 if the value was kept anyway (verify() must compare the score columns with the state), else 0.
-- today: 0 (verify() checks the state only)
SELECT band_low, leads FROM lead_qual.score_bands WHERE lead_table = 'case6.leads'::regclass AND leads > 0;
-- right: band 40 (score 45).  today: band 990

SELECT lead_qual.rescore('case6.leads');

-- An ORM's stale full-row save: the row is loaded, an activity commits, the
-- ORM writes every column back as it loaded them.
CREATE TEMP TABLE orm_copy AS SELECT * FROM leads;
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'demo_request', '2026-03-31 09:00+00');
UPDATE leads l SET (industry, employees, annual_revenue, region, fit_score, engagement_score, score, stage,
                    score_state, stage_changed_at)
                 = (o.industry, o.employees, o.annual_revenue, o.region, o.fit_score, o.engagement_score, o.score, o.stage,
                    o.score_state, o.stage_changed_at)
  FROM orm_copy o WHERE o.id = l.id;
SELECT round(engagement_score::numeric, 4) AS engagement, (score_state::text::jsonb ->> 'activities')::int AS activities,
       stage FROM leads;
-- right: engagement 30 (10 + 20), 2 activities, stage sql (the demo request; the save of the old stage
--        'lead' is a backward move sql -> lead, refused 23514, or ignored with the other owned columns).
-- today: the UPDATE fails with 23514 here only because the stage moved; with an activity that moves no
--        stage (next statement) the old state is written back silently.
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'email_open', '2026-03-31 09:00+00');
TRUNCATE orm_copy;
INSERT INTO orm_copy SELECT * FROM leads;
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'email_click', '2026-03-31 09:00+00');
UPDATE leads l SET (fit_score, engagement_score, score, score_state) = (o.fit_score, o.engagement_score, o.score, o.score_state)
  FROM orm_copy o WHERE o.id = l.id;
SELECT round(engagement_score::numeric, 4) AS engagement, (score_state::text::jsonb ->> 'activities')::int AS activities FROM leads;
-- right: engagement 37 (10 + 20 + 2 + 5), 4 activities.  today: 32, 3 activities (the email_click is lost)
SELECT count(*) AS inconsistent FROM lead_qual.verify('case6.leads', '2026-03-31 09:00+00');
-- right: 0 (the save could not corrupt anything).  today: 1 (activity count differs) until rescore()

SELECT lead_qual.untrack('case6.activities');
DROP SCHEMA case6 CASCADE;
