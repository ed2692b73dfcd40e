-- Invalid UTF-8 where PostgreSQL lets it through: a SQL_ASCII database
-- accepts any bytes. A clear error or a correct answer, never a crash.
CREATE DATABASE lq_sql_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c lq_sql_ascii
-- The bytes go back to the client as they are (no conversion), whatever
-- client encoding the caller's locale or pg_regress would pick.
SET client_encoding = SQL_ASCII;
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
SET search_path = public, lead_qual;
SELECT activity_points('default', E'page\xff_view', NULL) AS bad_activity_type;
SELECT fit_score('default', E'{"industry": "soft\xffware", "region": "europe"}') AS bad_attribute;
SELECT E'mq\xffl'::lead_stage;
-- A model with invalid UTF-8 is refused (the core's JSON parser checks it).
INSERT INTO scoring_model (name, definition)
VALUES ('bad utf8', E'{"engagement": {"rules": [{"activity": "vis\xffit", "points": 1}]}}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Regular expressions see invalid bytes in the data as non-matching text.
INSERT INTO scoring_model (name, definition)
VALUES ('re', '{"engagement": {"rules": [{"activity": "visit", "when": {"url": {"matches": "^/pricing.*$"}}, "points": 3}]}}');
SELECT activity_points('re', 'visit', E'{"url": "/pricing\xff\xfe"}') AS invalid_tail,
       activity_points('re', 'visit', E'{"url": "\xff/pricing"}') AS invalid_head;
SELECT engagement_state('re', 'visit', '2026-01-01', E'{"url": "/pricing\xc3"}')::text AS state;
\c contrib_regression
DROP DATABASE lq_sql_ascii;
