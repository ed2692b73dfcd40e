-- Issue #12, input 5: a logical replication subscriber that tracks the
-- replicated tables (triggers ENABLE ALWAYS). The apply worker fires row
-- triggers but no statement triggers: replicated activities are never
-- scored, silently. RIGHT behaviour: they are scored (by row triggers, or a
-- documented mechanism), or track() and the subscriber refuse/warn loudly.
-- Needs a superuser and a server with wal_level = logical (for example
-- pg_virtualenv -v 15 -o wal_level=logical psql -X -f THIS_FILE); it creates
-- and drops the databases lq_case5_pub and lq_case5_sub. Times are real
-- (the apply worker does not see lead_qual.as_of): values are rounded.
-- "today" is lead_qual 1.1.
\set ON_ERROR_STOP 0
SET client_min_messages = warning;
SHOW wal_level;
-- right: logical (else this case cannot run)
DROP DATABASE IF EXISTS lq_case5_sub;
DROP DATABASE IF EXISTS lq_case5_pub;
CREATE DATABASE lq_case5_pub;
CREATE DATABASE lq_case5_sub;

\c lq_case5_pub
SET client_min_messages = warning;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE PUBLICATION lq_case5 FOR TABLE leads, activities;
SELECT 'slot' FROM pg_create_logical_replication_slot('lq_case5', 'pgoutput');

\c lq_case5_sub
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities(lead_id);
SELECT lead_qual.track('public.activities', 'public.leads', 'default', '{"add_columns": true}');
-- right: a WARNING (or an error) that the apply worker fires no statement triggers, naming the documented
--        way to keep the scores current on a subscriber — or nothing, if replicated rows are scored.
-- today: silent
ALTER TABLE activities ENABLE ALWAYS TRIGGER lead_qual_activity_insert;
ALTER TABLE activities ENABLE ALWAYS TRIGGER lead_qual_activity_update;
ALTER TABLE activities ENABLE ALWAYS TRIGGER lead_qual_activity_delete;
ALTER TABLE activities ENABLE ALWAYS TRIGGER lead_qual_activity_truncate;
ALTER TABLE leads ENABLE ALWAYS TRIGGER lead_qual_lead;
SELECT format('dbname=lq_case5_pub port=%s host=%s', current_setting('port'),
              split_part(current_setting('unix_socket_directories'), ',', 1)) AS conninfo \gset
CREATE SUBSCRIPTION lq_case5 CONNECTION :'conninfo' PUBLICATION lq_case5
  WITH (create_slot = false, slot_name = 'lq_case5', copy_data = false);

\c lq_case5_pub
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
INSERT INTO activities(lead_id, activity, occurred_at) VALUES (1, 'webinar', now()), (1, 'webinar', now());

\c lq_case5_sub
SET client_min_messages = warning;
DO $$ BEGIN
  FOR i IN 1 .. 300 LOOP
    EXIT WHEN (SELECT count(*) FROM public.activities) = 2;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT count(*) AS replicated_activities FROM activities;
-- right: 2.  today: 2
SELECT round(fit_score::numeric) AS fit, round(engagement_score::numeric, 2) AS engagement, stage FROM leads;
-- right: fit 35, engagement 20.00 (two webinars, minutes old at most), stage mql (an MQL hand-off on the subscriber).
-- today: fit 35, engagement 0.00, stage lead (the lead row trigger fired; the activity statement trigger did not)
SELECT count(*) AS inconsistent FROM lead_qual.verify('public.leads');
-- right: 0.  today: 1

DROP SUBSCRIPTION lq_case5;
\c postgres
DROP DATABASE lq_case5_sub;
DROP DATABASE lq_case5_pub;
