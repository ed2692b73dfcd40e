-- Issue #12, input 3: the time a NULL occurred_at counts at must be one rule,
-- used by every path (insert trigger, rebuild, rescore(), refresh(),
-- verify()). Today's documented rule: "NULL means the transaction's time" (of
-- the insert). A webinar with a NULL time inserted 90 days before the as-of
-- time is worth 10 * 0.5^(90/30) = 1.25 then, whatever path computes it.
-- Default model; lead 1 has fit 35. RIGHT values in comments; "today" is 1.1.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
CREATE SCHEMA case3;
SET search_path = case3, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('case3.activities', 'case3.leads', 'default', '{"add_columns": true}');

-- A replay: inserted on 2026-01-01 with a NULL time, another activity dated then.
SET lead_qual.as_of = '2026-01-01 09:00:00+00';
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'webinar', NULL);
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'page_view', '2026-01-01 09:00+00');
SELECT round(engagement_score::numeric, 4) AS engagement FROM leads;
-- right: 11 (10 + 1).  today: 11

-- 90 days later.
SET lead_qual.as_of = '2026-04-01 09:00:00+00';
SELECT lead_qual.refresh('case3.leads', '2026-04-01 09:00+00');
SELECT round(engagement_score::numeric, 4) AS engagement FROM leads;
-- right: 1.375 (1.25 + 0.125).  today: 1.375
SELECT count(*) AS inconsistent FROM lead_qual.verify('case3.leads', '2026-04-01 09:00+00');
-- right: 0.  today: 1 (verify() dates the NULL at the time it runs, so flags a correct lead)

DELETE FROM activities WHERE activity = 'page_view';
SELECT round(engagement_score::numeric, 4) AS engagement FROM leads;
-- right: 1.25.  today: 10 (the rebuild dates the NULL at pg_catalog.now(), the real time it runs)

SELECT lead_qual.rescore('case3.leads');
SELECT round(engagement_score::numeric, 4) AS engagement FROM leads;
-- right: 1.25.  today: 10

RESET lead_qual.as_of;
SELECT lead_qual.untrack('case3.activities');
DROP SCHEMA case3 CASCADE;
