-- pgTAP: the lead_stage API contract (types, functions, signatures,
-- volatility, strictness, parallel safety, operators, opclasses, comments).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS lead_qual;
-- Operators on lead_stage resolve through search_path, like any extension's.
SET LOCAL search_path = public, lead_qual;
SELECT plan(49);

SELECT has_type('lead_qual', 'lead_stage', 'type lead_qual.lead_stage exists');
SELECT is((SELECT typlen FROM pg_type WHERE oid = 'lead_qual.lead_stage'::regtype), 1::smallint, 'lead_stage is one byte');
SELECT ok((SELECT typbyval FROM pg_type WHERE oid = 'lead_qual.lead_stage'::regtype), 'lead_stage is passed by value');
SELECT isnt((SELECT typreceive FROM pg_type WHERE oid = 'lead_qual.lead_stage'::regtype), 0::regproc, 'lead_stage has binary receive');
SELECT isnt((SELECT typsend FROM pg_type WHERE oid = 'lead_qual.lead_stage'::regtype), 0::regproc, 'lead_stage has binary send');

-- Functions: existence and signature.
SELECT has_function('lead_qual', 'stage_rank', ARRAY['lead_stage']);
SELECT function_returns('lead_qual', 'stage_rank', ARRAY['lead_stage'], 'integer');
SELECT has_function('lead_qual', 'can_transition', ARRAY['lead_stage', 'lead_stage']);
SELECT function_returns('lead_qual', 'can_transition', ARRAY['lead_stage', 'lead_stage'], 'boolean');
SELECT has_function('lead_qual', 'allowed_transitions', ARRAY['lead_stage']);
SELECT function_returns('lead_qual', 'allowed_transitions', ARRAY['lead_stage'], 'lead_stage[]');
SELECT has_function('lead_qual', 'transition', ARRAY['lead_stage', 'lead_stage']);
SELECT function_returns('lead_qual', 'transition', ARRAY['lead_stage', 'lead_stage'], 'lead_stage');
SELECT has_function('lead_qual', 'enforce_stage_transition', ARRAY[]::text[]);
SELECT function_returns('lead_qual', 'enforce_stage_transition', ARRAY[]::text[], 'trigger');
SELECT is(
  (SELECT array_agg(proargnames::text ORDER BY proname, pronargs) FROM pg_proc
    WHERE pronamespace = 'lead_qual'::regnamespace AND proname IN ('can_transition', 'transition')),
  ARRAY['{from,to}', '{from,to,policy}', '{from,to}'], 'transition functions name their arguments from and to (and policy)');

-- Volatility, strictness, parallel safety: every function but the trigger is IMMUTABLE STRICT PARALLEL SAFE.
SELECT is_empty(
  $$SELECT p.oid::regprocedure::text FROM pg_proc p
     JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
     JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'lead_qual'
    WHERE p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
      AND p.proname LIKE ANY (ARRAY['lead_stage%', 'stage_rank', '%transition%'])
      AND p.oid <> 'lead_qual.transition_policy(regclass)'::regprocedure  -- reads lead_qual.tracked
      AND NOT (p.provolatile = 'i' AND p.proisstrict AND p.proparallel = 's')$$,
  'lead_stage functions are IMMUTABLE STRICT PARALLEL SAFE');
SELECT volatility_is('lead_qual', 'transition_policy', ARRAY['regclass'], 'stable',
                     'transition_policy() reads a table: STABLE');
SELECT volatility_is('lead_qual', 'can_transition', ARRAY['lead_stage', 'lead_stage'], 'immutable');
SELECT is_strict('lead_qual', 'transition', ARRAY['lead_stage', 'lead_stage']);
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'lead_qual.stage_rank(lead_qual.lead_stage)'::regprocedure), 's'::"char", 'stage_rank is parallel safe');
SELECT is_aggregate('lead_qual', 'min', ARRAY['lead_stage']);
SELECT is_aggregate('lead_qual', 'max', ARRAY['lead_stage']);
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'lead_qual.max(lead_qual.lead_stage)'::regprocedure), 's'::"char", 'max(lead_stage) is parallel safe');

-- Operators and operator classes.
SELECT has_operator('lead_stage', 'lead_qual', '=', 'lead_stage', 'boolean', 'operator = (lead_stage, lead_stage) exists');
SELECT has_operator('lead_stage', 'lead_qual', '<>', 'lead_stage', 'boolean', 'operator <> (lead_stage, lead_stage) exists');
SELECT has_operator('lead_stage', 'lead_qual', '<', 'lead_stage', 'boolean', 'operator < (lead_stage, lead_stage) exists');
SELECT has_operator('lead_stage', 'lead_qual', '<=', 'lead_stage', 'boolean', 'operator <= (lead_stage, lead_stage) exists');
SELECT has_operator('lead_stage', 'lead_qual', '>', 'lead_stage', 'boolean', 'operator > (lead_stage, lead_stage) exists');
SELECT has_operator('lead_stage', 'lead_qual', '>=', 'lead_stage', 'boolean', 'operator >= (lead_stage, lead_stage) exists');
SELECT has_opclass('lead_qual', 'lead_stage_ops', 'btree operator class');
SELECT has_opclass('lead_qual', 'lead_stage_hash_ops', 'hash operator class');
SELECT ok((SELECT opcdefault FROM pg_opclass WHERE opcname = 'lead_stage_ops'), 'btree opclass is the default');
SELECT ok((SELECT opcdefault FROM pg_opclass WHERE opcname = 'lead_stage_hash_ops'), 'hash opclass is the default');
SELECT ok((SELECT oprcanhash AND oprcanmerge FROM pg_operator
            WHERE oprname = '=' AND oprleft = 'lead_qual.lead_stage'::regtype), '= supports hash and merge joins');
SELECT has_cast('lead_stage', 'text', 'cast lead_stage -> text');
SELECT has_cast('text', 'lead_stage', 'cast text -> lead_stage');
SELECT cast_context_is('text', 'lead_stage', 'assignment');

-- Behaviour spot checks (the full matrix is in sql/transitions.sql).
SELECT is('MQL '::lead_qual.lead_stage::text, 'mql', 'input is case-insensitive and trimmed');
SELECT throws_ok($$SELECT 'nope'::lead_qual.lead_stage$$, '22P02', NULL, 'bad input raises 22P02');
SELECT throws_ok($$SELECT lead_qual.transition('sql', 'lead')$$, '23514',
                 'invalid lead stage transition from sql to lead', 'forbidden transition raises 23514');
SELECT is(lead_qual.transition('lead', 'sql'), 'sql'::lead_qual.lead_stage, 'forward skip allowed');
SELECT ok('customer'::lead_qual.lead_stage < 'recycled'::lead_qual.lead_stage, 'off-funnel stages sort after customer');

-- Every object the extension owns has a comment.
SELECT is_empty(
  $$SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
      FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'lead_qual'
     WHERE d.deptype = 'e'
       AND d.classid <> 'pg_type'::regclass   -- array types carry no comment of their own
       AND obj_description(d.objid, d.classid::regclass::name) IS NULL$$,
  'every extension object has a COMMENT');
SELECT isnt(obj_description('lead_qual.lead_stage'::regtype, 'pg_type'), NULL, 'type lead_stage has a comment');

-- The schema is not writable by PUBLIC.
SELECT ok(NOT has_schema_privilege('public', 'lead_qual', 'CREATE'), 'PUBLIC cannot create objects in schema lead_qual');
SELECT ok(has_schema_privilege('public', 'lead_qual', 'USAGE') IS NOT NULL, 'schema privileges are defined');
SELECT ok((SELECT extrelocatable = false FROM pg_extension WHERE extname = 'lead_qual'), 'extension is not relocatable');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'lead_qual'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'lead_qual'), 'the default version is installed');
SELECT * FROM finish();
ROLLBACK;
