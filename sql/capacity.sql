-- Thresholds from capacity (issue #16, item 6): handoff_curve() and
-- capacity_thresholds() on a small history with known answers.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- 10 points per visit, no decay, no fit: a lead's score is 10 x its visits.
INSERT INTO scoring_model (name, definition) VALUES ('cap', '{
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}}}');
CREATE TABLE cap_leads (id int PRIMARY KEY, won boolean);
CREATE TABLE cap_activities (lead_id int REFERENCES cap_leads, activity text, occurred_at timestamptz);
CREATE INDEX ON cap_activities (lead_id);
INSERT INTO cap_leads VALUES (1, true), (2, false), (3, true), (4, false), (5, false), (6, false), (7, false);
SET lead_qual.as_of = '2026-03-01';
SELECT track('cap_activities', 'cap_leads', 'cap', '{"add_columns": true}') AS scored;
-- The window: the 2 weeks before March 1 (from February 15).
-- Lead 1: 2 visits before it, 3 in it: score 20 -> 50.
-- Lead 2: 1 before, 1 in: 10 -> 20.     Lead 3: 4 in: arrives, 40.
-- Lead 4: 1 in: arrives, 10.            Lead 5: 3 before, none in: 30 -> 30.
-- Lead 6: no activity (not in play).    Lead 7: 2 in: arrives, 20.
INSERT INTO cap_activities SELECT 1, 'visit', '2026-02-01' FROM generate_series(1, 2);
INSERT INTO cap_activities SELECT 1, 'visit', '2026-02-20' FROM generate_series(1, 3);
INSERT INTO cap_activities VALUES (2, 'visit', '2026-02-01'), (2, 'visit', '2026-02-20');
INSERT INTO cap_activities SELECT 3, 'visit', '2026-02-25' FROM generate_series(1, 4);
INSERT INTO cap_activities VALUES (4, 'visit', '2026-02-25');
INSERT INTO cap_activities SELECT 5, 'visit', '2026-01-10' FROM generate_series(1, 3);
INSERT INTO cap_activities SELECT 7, 'visit', '2026-02-16' FROM generate_series(1, 2);
-- After as_of: not part of the history looked at.
INSERT INTO cap_activities SELECT 4, 'visit', '2026-03-05' FROM generate_series(1, 5);
RESET lead_qual.as_of;

-- Hand-offs at T are the leads with score before < T <= score after:
-- T 10: 3, 4, 7; T 20: 2, 3, 7; T 30: 1, 3; T 40: 1, 3; T 50: 1.
-- Won (1 and 3): precision 1/3, 1/3, 1, 1, 1; recall (of the won leads
-- below T when the window opened: 3 for T <= 20, both above): 1, 1, 1, 1, 0.5.
SELECT * FROM handoff_curve('cap_leads', 2, '2026-03-01', '"won"');
-- Sales take 1 a week, the MQL team 1.5: sql at 30 (20 would have made 1.5
-- a week), mql at 10. Half a week: sql at 50. None a week: no threshold.
SELECT * FROM capacity_thresholds('cap_leads', 1, 1.5, 2, '2026-03-01', '"won"');
SELECT stage, threshold, handoffs FROM capacity_thresholds('cap_leads', 0.5, weeks => 2, as_of => '2026-03-01', outcome => '"won"');
SELECT stage, threshold, handoffs FROM capacity_thresholds('cap_leads', 0, weeks => 2, as_of => '2026-03-01');
-- A window of 8 weeks (from January 4) sees every lead arrive: lead 5 is
-- handed off at 10, 20 and 30 too.
SELECT threshold, handoffs FROM handoff_curve('cap_leads', 8, '2026-03-01');

\set VERBOSITY default
SELECT * FROM capacity_thresholds('cap_leads', -1);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM capacity_thresholds('cap_leads', 'NaN');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM handoff_curve('cap_leads', 0);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM handoff_curve('pg_class');
\echo sqlstate :LAST_ERROR_SQLSTATE
\set VERBOSITY terse

SELECT untrack('cap_activities');
DROP TABLE cap_activities, cap_leads;
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name = 'cap';
