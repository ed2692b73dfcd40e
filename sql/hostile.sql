-- Hostile and bad input: a clear error or a correct answer, never a crash.
SET search_path = public, lead_qual;
SET extra_float_digits = 0;

-- NULL in every argument position.
SELECT fit_score(NULL, '{}') IS NULL AS a, fit_score('default', NULL) IS NULL AS b;
SELECT activity_points(NULL, 'x', NULL);
SELECT activity_points('default', NULL, '{}') IS NULL AS c, activity_points('default', 'webinar', NULL) AS d;
SELECT add_activity(NULL, NULL, 'webinar', now(), NULL);
SELECT add_activity(NULL, 'default', 'webinar', NULL, NULL) IS NULL AS e, add_activity(NULL, 'default', NULL, now(), NULL) IS NULL AS f;
SELECT engagement(NULL) IS NULL AS g, engagement(engagement_state('default', 'webinar', now(), NULL), NULL) IS NULL AS h;
SELECT count(*) AS i FROM explain(NULL);
SELECT count(*) AS j FROM explain((SELECT engagement_state('default', 'webinar', now(), NULL)), NULL);
SELECT qualify(NULL, NULL, NULL, NULL) IS NULL AS k, qualify('default', NULL, NULL, NULL, NULL) IS NULL AS l,
       qualify('default', NULL, NULL, 'mql') AS m;
SELECT validate_model(NULL) IS NULL AS n, score_state_combine(NULL, NULL) IS NULL AS o, grade(NULL, 1) IS NULL AS p,
       grade('default', NULL) IS NULL AS q, model_attributes(NULL) IS NULL AS r;
SELECT engagement_state(NULL::text, NULL, NULL, NULL);
SELECT engagement_state('default', NULL, NULL, NULL) IS NULL AS all_null_rows;
SELECT track(NULL, NULL, NULL);
SELECT rescore(NULL) IS NULL AS s, refresh(NULL) IS NULL AS s2, (SELECT count(*) FROM threshold_report(NULL)) AS t,
       score_auc(NULL) IS NULL AS u, score_auc('pg_class', NULL) IS NULL AS v;

-- Empty strings.
SELECT fit_score('', '{}');
SELECT activity_points('default', '', '{}') AS empty_activity, fit_score('default', '{"": "x", "industry": ""}') AS empty_values;
SELECT ''::score_state;
\set VERBOSITY terse
INSERT INTO scoring_model (name, definition) VALUES ('', '{}');
\set VERBOSITY default

-- NaN, Infinity and huge numbers.
SELECT grade('default', 'NaN') IS NULL AS no_grades_nan;
SELECT engagement(s, 'infinity') AS at_infinity, engagement(s, '-infinity') AS at_minus_infinity
FROM (SELECT engagement_state('default', 'webinar', '2026-01-01', NULL) AS s) x;
SELECT fit_score('default', '{"employees": 1e300, "annual_revenue": -1e300}') AS huge_numbers,
       fit_score('default', '{"employees": 1e400}') AS beyond_double;
SELECT activity_points('default', 'page_view', jsonb_build_object('url', repeat('/pricing', 1000))) AS long_string;

-- Deeply nested JSON: PostgreSQL refuses 100,000 levels itself (a clear
-- error, no stack overflow); what it accepts, lead_qual refuses as a model
-- past 64 levels and ignores below the top level of properties.
SELECT (repeat('[', 100000) || repeat(']', 100000))::jsonb IS NOT NULL;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT validate_model(('{"description": "x", "fit": ' || repeat('[', 2000) || repeat(']', 2000) || '}')::jsonb);
SELECT activity_points('default', 'page_view', ('{"url": ' || repeat('[', 2000) || repeat(']', 2000) || '}')::jsonb) AS nested_property;

-- Large JSON (10 MB) as a model and as properties: a correct answer.
SELECT cardinality(validate_model(jsonb_build_object('description', repeat('x', 10 * 1024 * 1024),
                                                     'fit', '{"rules": []}'::jsonb))) AS big_model_problems;
SELECT activity_points('default', 'page_view',
                       jsonb_build_object('url', '/pricing', 'blob', repeat('y', 10 * 1024 * 1024))) AS big_properties;
SELECT cardinality(validate_model(jsonb_build_object('fit', jsonb_build_object('rules',
         (SELECT jsonb_agg(jsonb_build_object('when', jsonb_build_object('a', jsonb_build_object('eq', i)), 'points', 1))
            FROM generate_series(1, 1001) i))))) AS too_many_rules;

-- Regular expressions built to backtrack catastrophically run in linear time
-- (RE2): this would take longer than the universe in a backtracking engine.
INSERT INTO scoring_model (name, definition) VALUES ('redos', '{
  "engagement": {"rules": [{"activity": "visit", "when": {"url": {"matches": "^(a+)+$"}}, "points": 1},
                           {"activity": "visit", "when": {"url": {"matches": "(x+x+)+y"}}, "points": 2}]}}');
SET statement_timeout = '10s';
SELECT activity_points('redos', 'visit', jsonb_build_object('url', repeat('a', 100000) || '!')) AS redos_1,
       activity_points('redos', 'visit', jsonb_build_object('url', repeat('x', 100000))) AS redos_2,
       activity_points('redos', 'visit', jsonb_build_object('url', repeat('a', 100000))) AS match;
RESET statement_timeout;
-- Backreferences and look-arounds need backtracking: refused when validated.
SELECT validate_model('{"fit": {"rules": [{"when": {"a": {"matches": "(a)\\1"}}, "points": 1},
                                         {"when": {"a": {"matches": "a(?=b)"}}, "points": 1}]}}');

-- Cancellation: a huge aggregate and a long rescore() stop promptly on
-- statement_timeout, leaving no partial state.
SET statement_timeout = '200ms';
SELECT count(*) FROM (SELECT engagement_state('default', 'webinar', now(), NULL)
                        FROM generate_series(1, 100000000) i GROUP BY i % 1000) x;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET statement_timeout;
CREATE TABLE h_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE h_activities (lead_id int, activity text, occurred_at timestamptz, properties jsonb);
INSERT INTO h_leads SELECT i, 'software', 100, 1000000, 'europe' FROM generate_series(1, 20000) i;
SELECT track('h_activities', 'h_leads', 'default', '{"add_columns": true}') AS scored;
INSERT INTO h_activities SELECT i % 20000 + 1, 'webinar', '2026-01-01', NULL FROM generate_series(1, 400000) i;
SELECT * FROM threshold_report('h_leads', 'sql', '{NaN, Infinity, -Infinity, 0}');
CREATE TEMP TABLE before AS SELECT id, score_state::text AS s, stage FROM h_leads;
SET statement_timeout = '50ms';
SELECT rescore('h_leads');
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS unchanged FROM h_leads l JOIN before b USING (id) WHERE l.score_state::text = b.s AND l.stage = b.stage;

-- A model that reads a column later dropped: the attribute reads as
-- missing; inserts keep working.
INSERT INTO scoring_model (name, definition) VALUES ('drop', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 10},
                    {"when": {"region": {"exists": false}}, "points": 1}]},
  "engagement": {"rules": [{"activity": "webinar", "points": 5}]}}');
CREATE TABLE d_leads (id int PRIMARY KEY, industry text, region text);
CREATE TABLE d_activities (lead_id int, activity text, occurred_at timestamptz);
INSERT INTO d_leads VALUES (1, 'software', 'europe');
SELECT track('d_activities', 'd_leads', 'drop', '{"add_columns": true}') AS scored;
INSERT INTO d_activities VALUES (1, 'webinar', now());
SELECT id, fit_score, engagement_score FROM d_leads;
ALTER TABLE d_leads DROP COLUMN region;
INSERT INTO d_activities VALUES (1, 'webinar', now());
SELECT id, fit_score, engagement_score FROM d_leads;
UPDATE d_leads SET industry = 'retail';
SELECT id, fit_score, engagement_score FROM d_leads;
SELECT rescore('d_leads') >= 0 AS rescored;
ALTER TABLE d_leads DROP COLUMN industry;
INSERT INTO d_leads VALUES (2);
INSERT INTO d_activities VALUES (2, 'webinar', now());
SELECT id, fit_score, engagement_score FROM d_leads ORDER BY id;

SELECT untrack('h_activities'), untrack('d_activities');
DROP TABLE h_leads, h_activities, d_leads, d_activities;
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name IN ('redos', 'drop');
