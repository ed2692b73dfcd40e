-- Issue #12, input 7: inputs that cannot work must be refused by track(),
-- up front, with one clear error; timestamp without time zone must be
-- supported with an option naming the zone it is stored in; a missing
-- foreign key from the activity lead column to the leads key must warn.
-- RIGHT behaviour in comments; "today" is lead_qual 1.1.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
CREATE SCHEMA case7;
SET search_path = case7, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities(lead_id);

-- 7a. A view as the activity table.
CREATE VIEW activity_view AS SELECT * FROM activities;
SELECT lead_qual.track('case7.activity_view', 'case7.leads', 'default', '{"add_columns": true}');
-- right: ERROR from track()'s own checks, e.g. 42809 (wrong_object_type) "activity table case7.activity_view is a
--        view; track the table it reads", before anything is created.
-- today: ERROR '"activity_view" is a view', DETAIL 'Triggers on views cannot have transition tables.', raised
--        late from inside track()'s CREATE TRIGGER (after the leads table was altered; all rolled back).
SELECT count(*) AS tracked_rows FROM lead_qual.tracked WHERE activities::text LIKE 'case7.%';
-- right: 0

-- 7b. occurred_at of type timestamp without time zone (Odoo stores UTC this way).
CREATE TABLE activities_naive(id bigserial primary key, lead_id int, activity text, occurred_at timestamp, properties jsonb);
CREATE INDEX ON activities_naive(lead_id);
SELECT lead_qual.track('case7.activities_naive', 'case7.leads', 'default', '{"add_columns": true, "occurred_at_zone": "UTC"}');
-- right: tracked (1 lead scored), the stored times read as UTC; without the option, a clear error naming it.
-- today: ERROR 22023 unknown option "occurred_at_zone"; without it, 42804 "must be of type timestamp with time zone"
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
INSERT INTO activities_naive(lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 09:00:00');
SELECT round(engagement_score::numeric, 4) AS engagement FROM leads WHERE id = 1;
-- right: 10.  today: ERROR (the table is not tracked; the leads have no score columns)
RESET lead_qual.as_of;
SELECT lead_qual.untrack('case7.activities_naive');

-- 7c. No foreign key links activities.lead_id to leads.id.
SET client_min_messages = warning;
SELECT lead_qual.track('case7.activities', 'case7.leads', 'default', '{"add_columns": true}');
-- right: WARNING "no foreign key links case7.activities.lead_id to case7.leads.id" (a wrong column of the key's
--        type is accepted silently otherwise).  today: no warning
SELECT lead_qual.untrack('case7.activities');
DROP SCHEMA case7 CASCADE;
