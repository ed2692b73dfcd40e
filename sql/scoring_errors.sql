-- Bad input to models and scoring functions: clear errors, proper SQLSTATEs.
SET search_path = public, lead_qual;

-- Unknown model: 42704.
SELECT fit_score('no_such_model', '{}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT engagement_state('no_such_model', 'page_view', now(), NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A NULL model name in the aggregate is refused (22004).
SELECT engagement_state(NULL, 'page_view', now(), NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE

-- Invalid definitions are refused on insert and update with the JSON path (22023).
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"engagement": {"rules": [{"activity": "a", "points": 1}, {"activity": "b", "points": 2}, {"activity": "c", "points": 3}, {"activity": "d", "points": "ten"}]}}');
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"engagement": {"half_life_days": -3, "rules": []}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"engagement": {"half_life_days": 0}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": {"employees": {"between": [1000, 50]}}, "points": 5}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": {"employees": {"around": 50}}, "points": 5}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": {"title": {"matches": "(unclosed"}}, "points": 5}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": {"a": {"eq": 1}}, "points": 1e400}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": {"a": {"eq": 1}}}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"max": 5, "min": 10}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": "industry = software", "points": 1}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"stages": {"customer": {"min_score": 100}}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"stages": {"sql": {"or_activities": "demo_request"}}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"engagement": {"rules": [{"activity": "a", "points": 1, "max": -5}]}}');
INSERT INTO scoring_model (name, definition) VALUES ('m', '[]');
INSERT INTO scoring_model (name, definition) VALUES ('m', '{"fit": {"rules": [{"when": {"odd key.with \"quotes\"": {"eq": []}}, "points": 1}]}}');
\set VERBOSITY terse
INSERT INTO scoring_model (name, definition) VALUES ('', '{}');
INSERT INTO scoring_model (name, definition) VALUES ('m', NULL);
\set VERBOSITY default
UPDATE scoring_model SET definition = '{"fit": {"oops": 1}}' WHERE name = 'default';
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT count(*) AS models FROM scoring_model;

-- validate_model lists every problem without raising.
SELECT unnest(validate_model('{"fit": {"rules": [{"when": {"a": {"gt": "x"}}, "points": null}], "max": "high"},
                               "engagement": {"half_life_days": "soon", "rules": [{"points": 1}, 7]},
                               "stages": {"mql": {"min_fit": true}}, "extra": 1}')) AS problem;
SELECT validate_model('{}') AS empty_model_is_valid, validate_model(NULL) IS NULL AS strict_null;

-- score_state text input: malformed or inconsistent states are refused (22P02).
SELECT 'not json'::score_state;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT '{}'::score_state;
SELECT '{"model": "m", "version": 1, "as_of": null, "activities": 0, "or_seen": [], "half_life_days": null, "min": null, "max": null, "rules": [{"activity": "a", "count": 2, "sum": 1, "max": null}]}'::score_state;
SELECT '{"model": "m", "version": 1, "as_of": "2026-02-30T00:00:00Z", "activities": 1, "or_seen": [], "half_life_days": 30, "min": null, "max": null, "rules": []}'::score_state;
SELECT '{"model": "m", "version": 1, "as_of": "2026-01-01T00:00:00Z", "activities": 1, "or_seen": ["opportunity"], "half_life_days": 30, "min": null, "max": null, "rules": []}'::score_state;
SELECT '{"model": "m", "version": 1, "as_of": "2026-01-01T00:00:00Z", "activities": 1, "or_seen": [], "half_life_days": -1, "min": null, "max": null, "rules": []}'::score_state;
-- A valid hand-written state is accepted and reads back identically.
SELECT s::text = (s::text::score_state)::text AS round_trip, engagement(s, '2026-01-31T00:00:00Z') AS engagement
FROM (SELECT '{"model": "m", "version": 7, "as_of": "2026-01-01T00:00:00Z", "activities": 3, "or_seen": ["sql"], "half_life_days": 30, "min": null, "max": 100, "rules": [{"activity": "a", "count": 3, "sum": 12, "max": 10}]}'::score_state AS s) x;

-- Binary I/O: COPY BINARY round trip; corrupted bytes are refused (22P03).
CREATE TABLE states AS
SELECT engagement_state('default', 'webinar', timestamptz '2026-01-01' + i * interval '1 day', NULL) AS s
FROM generate_series(1, 3) i GROUP BY i;
COPY states TO '/tmp/lead_qual_regress_states.bin' WITH (FORMAT binary);
CREATE TABLE states_copy (s score_state);
COPY states_copy FROM '/tmp/lead_qual_regress_states.bin' WITH (FORMAT binary);
SELECT (SELECT array_agg(s::text ORDER BY s::text) FROM states) = (SELECT array_agg(s::text ORDER BY s::text) FROM states_copy) AS binary_round_trip;
-- The wire form of a state with its magic number changed, then with a
-- rule count that does not match its length, then truncated.
COPY (SELECT overlay(score_state_send(s) placing '\xff'::bytea from 2) FROM states LIMIT 1) TO '/tmp/lead_qual_regress_bad_state.bin' WITH (FORMAT binary);
COPY states_copy FROM '/tmp/lead_qual_regress_bad_state.bin' WITH (FORMAT binary);
\echo sqlstate :LAST_ERROR_SQLSTATE
COPY (SELECT overlay(score_state_send(s) placing '\x0009'::bytea from 61) FROM states LIMIT 1) TO '/tmp/lead_qual_regress_bad_state.bin' WITH (FORMAT binary);
COPY states_copy FROM '/tmp/lead_qual_regress_bad_state.bin' WITH (FORMAT binary);
\echo sqlstate :LAST_ERROR_SQLSTATE
COPY (SELECT substr(score_state_send(s), 1, 40) FROM states LIMIT 1) TO '/tmp/lead_qual_regress_bad_state.bin' WITH (FORMAT binary);
COPY states_copy FROM '/tmp/lead_qual_regress_bad_state.bin' WITH (FORMAT binary);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_after_bad_copies FROM states_copy;

-- Combining states of different models is refused.
INSERT INTO scoring_model (name, definition) VALUES ('other', '{"engagement": {"rules": [{"activity": "webinar", "points": 1}]}}');
SELECT score_state_combine((SELECT s FROM states_copy LIMIT 1), engagement_state('other', 'webinar', now(), NULL));
\echo sqlstate :LAST_ERROR_SQLSTATE
-- ...and so is adding to, or qualifying with, a state of another model.
SELECT add_activity((SELECT s FROM states_copy LIMIT 1), 'other', 'webinar', now(), NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE
-- Infinite timestamps are not activity times.
SELECT engagement_state('default', 'webinar', 'infinity', NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE
DROP TABLE states, states_copy;
DELETE FROM scoring_model WHERE name = 'other';
