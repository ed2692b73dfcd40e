-- pgTAP: the scoring API contract (tables, types, functions, signatures,
-- volatility, strictness, parallel safety, privileges).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET LOCAL search_path = public, lead_qual;
SELECT plan(40);

SELECT has_table('lead_qual', 'scoring_model', 'table scoring_model');
SELECT columns_are('lead_qual', 'scoring_model', ARRAY['name', 'definition', 'version', 'updated_at', 'builtin']);
SELECT col_is_pk('lead_qual', 'scoring_model', 'name', 'models are keyed by name');
SELECT col_type_is('lead_qual', 'scoring_model', 'definition', 'jsonb', 'definitions are jsonb');
SELECT has_trigger('lead_qual', 'scoring_model', 'scoring_model_maintain', 'scoring_model validates its rows');
SELECT ok((SELECT count(*) = 1 FROM lead_qual.scoring_model WHERE name = 'default' AND builtin), 'the default model ships');
SELECT is(lead_qual.validate_model((SELECT definition FROM lead_qual.scoring_model WHERE name = 'default')), '{}'::text[], 'the default model is valid');
SELECT ok(NOT has_table_privilege('public', 'lead_qual.scoring_model', 'INSERT'), 'PUBLIC cannot insert models');
SELECT ok(NOT has_table_privilege('public', 'lead_qual.scoring_model', 'UPDATE'), 'PUBLIC cannot change models');
SELECT ok(has_table_privilege('public', 'lead_qual.scoring_model', 'SELECT'), 'PUBLIC can read models');
SELECT ok((SELECT extconfig @> ARRAY['lead_qual.scoring_model'::regclass, 'lead_qual.model_version_seq'::regclass]::oid[]
             FROM pg_extension WHERE extname = 'lead_qual'), 'models and the version sequence are dumped by pg_dump');

SELECT has_type('lead_qual', 'score_state', 'type score_state');
SELECT isnt((SELECT typreceive FROM pg_type WHERE oid = 'lead_qual.score_state'::regtype), 0::regproc, 'score_state has binary receive');

SELECT has_function('lead_qual', 'fit_score', ARRAY['text', 'jsonb']);
SELECT function_returns('lead_qual', 'fit_score', ARRAY['text', 'jsonb'], 'double precision');
SELECT volatility_is('lead_qual', 'fit_score', ARRAY['text', 'jsonb'], 'stable');
SELECT is_strict('lead_qual', 'fit_score', ARRAY['text', 'jsonb']);
SELECT has_function('lead_qual', 'activity_points', ARRAY['text', 'text', 'jsonb']);
SELECT volatility_is('lead_qual', 'activity_points', ARRAY['text', 'text', 'jsonb'], 'stable');
SELECT isnt_strict('lead_qual', 'activity_points', ARRAY['text', 'text', 'jsonb']);
SELECT has_function('lead_qual', 'add_activity', ARRAY['score_state', 'text', 'text', 'timestamp with time zone', 'jsonb']);
SELECT function_returns('lead_qual', 'add_activity', ARRAY['score_state', 'text', 'text', 'timestamp with time zone', 'jsonb'], 'score_state');
SELECT isnt_strict('lead_qual', 'add_activity', ARRAY['score_state', 'text', 'text', 'timestamp with time zone', 'jsonb']);
SELECT is_aggregate('lead_qual', 'engagement_state', ARRAY['text', 'text', 'timestamp with time zone', 'jsonb']);
-- A compact internal transition value (issue #17): parallel plans need the
-- combine, serial and deserial functions; the planner's hash-aggregate memory
-- estimate needs the declared size (an internal state counts as 8 kB without it).
SELECT ok((SELECT bool_and(aggcombinefn <> 0 AND aggserialfn <> 0 AND aggdeserialfn <> 0
                           AND aggtranstype = 'internal'::regtype AND aggtransspace BETWEEN 1 AND 1024
                           AND aggfinalfn = 'lead_qual._engagement_final(internal)'::regprocedure)
             FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'lead_qual'::regnamespace AND p.proname = 'engagement_state'),
          'engagement_state (every overload): combine, serial and deserial functions, internal state of a declared size');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'lead_qual.engagement_state(text, text, timestamptz, jsonb)'::regprocedure),
          's'::"char", 'engagement_state is parallel safe');
SELECT has_function('lead_qual', 'engagement', ARRAY['score_state', 'timestamp with time zone']);
SELECT volatility_is('lead_qual', 'engagement', ARRAY['score_state', 'timestamp with time zone'], 'immutable');
SELECT is((SELECT pronargdefaults FROM pg_proc WHERE oid = 'lead_qual.engagement(lead_qual.score_state, timestamptz)'::regprocedure),
          1::smallint, 'engagement as_of defaults to now()');
SELECT has_function('lead_qual', 'explain', ARRAY['score_state', 'timestamp with time zone']);
SELECT ok((SELECT proretset FROM pg_proc WHERE oid = 'lead_qual.explain(lead_qual.score_state, timestamptz)'::regprocedure), 'explain returns a set');
SELECT is((SELECT proargnames FROM pg_proc WHERE oid = 'lead_qual.explain(lead_qual.score_state, timestamptz)'::regprocedure),
          ARRAY['state', 'as_of', 'rule', 'activity', 'activities', 'points', 'capped'], 'explain columns');
SELECT has_function('lead_qual', 'qualify', ARRAY['text', 'jsonb', 'score_state', 'lead_stage', 'timestamp with time zone']);
SELECT function_returns('lead_qual', 'qualify', ARRAY['text', 'jsonb', 'score_state', 'lead_stage', 'timestamp with time zone'], 'lead_stage');
SELECT volatility_is('lead_qual', 'qualify', ARRAY['text', 'jsonb', 'score_state', 'lead_stage', 'timestamp with time zone'], 'stable');
SELECT has_function('lead_qual', 'validate_model', ARRAY['jsonb']);
SELECT function_returns('lead_qual', 'validate_model', ARRAY['jsonb'], 'text[]');

-- Every C function of the extension is PARALLEL SAFE.
SELECT is_empty(
  $$SELECT p.oid::regprocedure::text FROM pg_proc p
     JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
     JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'lead_qual'
    WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
      AND p.prorettype <> 'trigger'::regtype AND p.proparallel <> 's'
      AND p.proname NOT LIKE '\_%'   -- internal write functions keep backend state: honestly unsafe$$,
  'every C function except triggers and internal write functions is PARALLEL SAFE');

-- Errors carry their SQLSTATEs.
SELECT throws_ok($$SELECT lead_qual.fit_score('missing', '{}')$$, '42704', 'scoring model "missing" does not exist', 'unknown model: 42704');
SELECT throws_like($$INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('x', '{"fit": {"rules": [{"points": "x", "when": {}}]}}')$$,
                   '%fit.rules[0].points: expected a number%', 'bad model: message names the JSON path');
SELECT * FROM finish();
ROLLBACK;
