-- pgTAP: the fit_model() API contract (signature, volatility, strictness,
-- parallel safety, comments, the errors of a call that cannot learn).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET LOCAL search_path = public, lead_qual;
SELECT plan(14);

SELECT has_function('lead_qual', 'fit_model', ARRAY['regclass', 'text', 'jsonb']);
SELECT function_returns('lead_qual', 'fit_model', ARRAY['regclass', 'text', 'jsonb'], 'jsonb');
SELECT volatility_is('lead_qual', 'fit_model', ARRAY['regclass', 'text', 'jsonb'], 'stable');
SELECT is_strict('lead_qual', 'fit_model', ARRAY['regclass', 'text', 'jsonb']);
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'lead_qual.fit_model(regclass, text, jsonb)'::regprocedure), 'u',
          'fit_model is PARALLEL UNSAFE (it runs the caller''s outcome expression in dynamic SQL)');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = 'lead_qual.fit_model(regclass, text, jsonb)'::regprocedure),
          '''{}''::jsonb', 'options default to {}');
SELECT volatility_is('lead_qual', '_fit_rule_matches', ARRAY['text', 'jsonb'], 'stable');
SELECT volatility_is('lead_qual', '_fit_propose',
                     ARRAY['text', 'jsonb', 'double precision[]', 'boolean[]', 'boolean[]', 'double precision', 'double precision'],
                     'stable');
SELECT ok((SELECT bool_and(obj_description(p.oid, 'pg_proc') IS NOT NULL) FROM pg_proc p
            WHERE p.pronamespace = 'lead_qual'::regnamespace AND p.proname IN ('fit_model', '_fit_rule_matches', '_fit_propose')),
          'every fit_model function has a COMMENT');

-- The C parts on their own: rule matches of the default model, and the
-- training-period check before liblinear is called.
SELECT is(lead_qual._fit_rule_matches('default', '{"industry": "SaaS", "employees": 60, "region": "Europe"}'),
          '{1,0,1,0,0,0,0,1}'::float8[], 'fit rule matches of the default model');
SELECT throws_ok($$SELECT lead_qual._fit_propose('default', (SELECT definition FROM lead_qual.scoring_model WHERE name = 'default'),
                   ARRAY[array_fill(0::float8, ARRAY[18])], ARRAY[true], ARRAY[true], 1, 0)$$,
                 '22023', 'fit_model needs at least one lead with and one without the outcome in the training period',
                 'one class only: 22023 before liblinear runs');
SELECT throws_ok($$SELECT lead_qual._fit_propose('default', (SELECT definition FROM lead_qual.scoring_model WHERE name = 'default'),
                   ARRAY[array_fill(0::float8, ARRAY[5])], ARRAY[true], ARRAY[true], 1, 0)$$,
                 '22023', NULL, 'feature rows of the wrong width: 22023');
SELECT throws_ok($$SELECT lead_qual.fit_model('pg_class', 'opportunity')$$, '42704', NULL, 'an untracked table: 42704');
SELECT throws_ok($$SELECT lead_qual._fit_propose('default', (SELECT definition FROM lead_qual.scoring_model WHERE name = 'default'),
                   ARRAY[array_fill(0::float8, ARRAY[18]), array_fill(1::float8, ARRAY[18])], ARRAY[true, false], ARRAY[true, true], 0, 0)$$,
                 '22023', NULL, 'C = 0 is refused before liblinear runs');
SELECT * FROM finish();
ROLLBACK;
