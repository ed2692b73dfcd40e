-- track()'s up-front checks (issue #12, input 7): relations that are not
-- tables are refused with one clear error before anything is created;
-- occurred_at of type timestamp without time zone is scored in the zone
-- named by option occurred_at_zone; a missing foreign key from the activity
-- lead column to the leads key draws a WARNING.
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;
CREATE SCHEMA checks;
CREATE TABLE checks.leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE checks.activities (id bigserial PRIMARY KEY, lead_id int REFERENCES checks.leads, activity text,
                                occurred_at timestamptz, properties jsonb);
CREATE INDEX ON checks.activities (lead_id);
INSERT INTO checks.leads VALUES (1, 'software', 250, 20000000, 'europe');

-- Not tables: a view, a materialized view, a sequence, as either table.
CREATE VIEW checks.activity_view AS SELECT * FROM checks.activities;
SELECT track('checks.activity_view', 'checks.leads', 'default', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
CREATE MATERIALIZED VIEW checks.lead_matview AS SELECT * FROM checks.leads;
SELECT track('checks.activities', 'checks.lead_matview', 'default', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
CREATE SEQUENCE checks.seq;
SELECT track('checks.seq', 'checks.leads', 'default');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Nothing was created or altered.
SELECT count(*) AS tracked_rows FROM tracked;
SELECT count(*) AS score_columns FROM pg_attribute WHERE attrelid = 'checks.leads'::regclass AND attname = 'score';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'lead_qual%';

-- timestamp without time zone: refused without the zone option, with a
-- zone that does not exist, and the option on a timestamptz column.
CREATE TABLE checks.naive (id bigserial PRIMARY KEY, lead_id int REFERENCES checks.leads, activity text,
                           occurred_at timestamp, properties jsonb);
CREATE INDEX ON checks.naive (lead_id);
INSERT INTO checks.naive (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-01 12:00');
SELECT track('checks.naive', 'checks.leads', 'default', '{"add_columns": true}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('checks.naive', 'checks.leads', 'default', '{"add_columns": true, "occurred_at_zone": "Mars/Olympus"}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('checks.naive', 'checks.leads', 'default', '{"add_columns": true, "occurred_at_zone": 5}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT track('checks.activities', 'checks.leads', 'default', '{"add_columns": true, "occurred_at_zone": "UTC"}');
\echo sqlstate :LAST_ERROR_SQLSTATE

-- Tracked with the zone its values are stored in. The session's own zone
-- plays no part: a webinar stored as 12:00 in New York (17:00 UTC in
-- March 2026, EDT) is 30 days old at 2026-03-31 17:00 UTC, one half-life:
-- 5 points.
SET timezone = 'Asia/Tokyo';
SELECT track('checks.naive', 'checks.leads', 'default', '{"add_columns": true, "occurred_at_zone": "America/New_York"}');
SET lead_qual.as_of = '2026-03-31 17:00:00+00';
SELECT lead_qual.refresh('checks.leads', '2026-03-31 17:00+00');
SELECT id, round(engagement_score::numeric, 4) AS engagement FROM checks.leads;
-- The insert trigger reads the same time: a second webinar stored as
-- 2026-03-31 13:00 in New York is exactly as old as the as-of time (age 0).
INSERT INTO checks.naive (lead_id, activity, occurred_at) VALUES (1, 'webinar', '2026-03-31 13:00');
SELECT id, round(engagement_score::numeric, 4) AS engagement FROM checks.leads;
-- A rebuild (DELETE), rescore() and verify() agree.
DELETE FROM checks.naive WHERE occurred_at = '2026-03-01 12:00';
SELECT id, round(engagement_score::numeric, 4) AS engagement FROM checks.leads;
SELECT rescore('checks.leads') AS changed_by_rescore;
SELECT count(*) AS inconsistent FROM verify('checks.leads', '2026-03-31 17:00+00');
SELECT options->>'occurred_at_zone' AS zone FROM tracked;
-- A NULL time is stamped with the scoring time as the zone's local time
-- (2026-03-31 17:00 UTC is 13:00 in New York), so it counts at age 0.
INSERT INTO checks.naive (lead_id, activity, occurred_at) VALUES (1, 'webinar', NULL);
SELECT occurred_at AS stamped FROM checks.naive WHERE id = currval('checks.naive_id_seq');
SELECT id, round(engagement_score::numeric, 4) AS engagement FROM checks.leads;
SELECT count(*) AS inconsistent FROM verify('checks.leads', '2026-03-31 17:00+00');
RESET lead_qual.as_of;
SET timezone = 'UTC';
SELECT untrack('checks.naive');

-- No foreign key from the activity lead column to the leads key: a WARNING
-- (with the DDL that adds one), and tracking goes on.
CREATE TABLE checks.loose (id bigserial PRIMARY KEY, lead_id int, activity text, occurred_at timestamptz);
CREATE INDEX ON checks.loose (lead_id);
SELECT track('checks.loose', 'checks.leads', 'default', '{"add_columns": true}') IS NOT NULL AS tracked;
SELECT untrack('checks.loose');
-- A foreign key on another column does not count.
CREATE TABLE checks.wrong_fk (id bigserial PRIMARY KEY, lead_id int, referrer int REFERENCES checks.leads,
                              activity text, occurred_at timestamptz);
CREATE INDEX ON checks.wrong_fk (lead_id);
SELECT track('checks.wrong_fk', 'checks.leads', 'default', '{"add_columns": true}') IS NOT NULL AS tracked;
SELECT untrack('checks.wrong_fk');
-- With it: no warning.
SELECT track('checks.activities', 'checks.leads', 'default', '{"add_columns": true}') IS NOT NULL AS tracked;
SELECT untrack('checks.activities');
DROP SCHEMA checks CASCADE;
