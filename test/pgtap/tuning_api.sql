-- pgTAP: the tuning API contract of issue #16 (outcomes, model versions,
-- preview, capacity thresholds): signatures, volatility, parallel safety,
-- locked search_path, privileges and pg_dump.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET LOCAL search_path = public, lead_qual;
SELECT plan(27);

SELECT has_table('lead_qual', 'scoring_model_version', 'table scoring_model_version');
SELECT col_is_pk('lead_qual', 'scoring_model_version', ARRAY['name', 'version'], 'one row per model and version');
SELECT ok((SELECT extconfig @> ARRAY['lead_qual.scoring_model_version'::regclass]::oid[]
             FROM pg_extension WHERE extname = 'lead_qual'), 'model versions are dumped by pg_dump');
SELECT ok(NOT has_table_privilege('public', 'lead_qual.scoring_model_version', 'INSERT'), 'PUBLIC cannot write versions');
SELECT has_column('lead_qual', 'stage_history', 'model_version', 'history rows say which model version');
SELECT volatility_is('lead_qual', 'rollback_model', ARRAY['text', 'bigint'], 'volatile');

-- The text outcome is the default; the typed overloads have none.
SELECT has_function('lead_qual', '_outcomes', ARRAY['regclass', 'text', 'text', 'text']);
SELECT has_function('lead_qual', 'threshold_report', ARRAY['regclass', 'text', 'double precision[]', 'text']);
SELECT has_function('lead_qual', 'threshold_report', ARRAY['regclass', 'lead_stage', 'double precision[]']);
SELECT is((SELECT pronargdefaults FROM pg_proc WHERE oid = 'lead_qual.score_auc(regclass, lead_qual.lead_stage)'::regprocedure),
          0::int2, 'the typed score_auc has no default outcome');
SELECT is((SELECT pg_get_function_arguments(oid) FROM pg_proc WHERE oid = 'lead_qual.score_auc(regclass, text, text)'::regprocedure),
          'leads regclass, outcome text DEFAULT ''opportunity''::text, model text DEFAULT NULL::text',
          'score_auc grades the driving model''s score on opportunity by default');
SELECT volatility_is('lead_qual', '_outcomes', ARRAY['regclass', 'text', 'text', 'text'], 'stable');

-- Candidate models: IMMUTABLE (no table read), parallel safe; the aggregate
-- has its combine function.
SELECT volatility_is('lead_qual', 'fit_score', ARRAY['jsonb', 'jsonb'], 'immutable');
SELECT volatility_is('lead_qual', 'evaluate',
                     ARRAY['jsonb', 'jsonb', 'score_state', 'lead_stage', 'timestamp with time zone', 'score_state'], 'immutable');
SELECT volatility_is('lead_qual', 'evaluate',
                     ARRAY['text', 'jsonb', 'score_state', 'lead_stage', 'timestamp with time zone', 'score_state'], 'stable');
SELECT is_aggregate('lead_qual', 'engagement_state', ARRAY['jsonb', 'text', 'timestamp with time zone', 'jsonb', 'timestamp with time zone']);
SELECT ok((SELECT aggcombinefn <> 0 FROM pg_aggregate
            WHERE aggfnoid = 'lead_qual.engagement_state(jsonb, text, timestamptz, jsonb, timestamptz)'::regprocedure),
          'the candidate engagement_state has a combine function');
SELECT is((SELECT array_agg(DISTINCT proparallel) FROM pg_proc
            WHERE pronamespace = 'lead_qual'::regnamespace AND proname IN ('fit_score', 'evaluate', 'add_activity', 'engagement_state', 'model_attributes')),
          ARRAY['s']::"char"[], 'scoring functions of both kinds are parallel safe');

-- Reads only, under a locked search_path.
SELECT volatility_is('lead_qual', 'preview', ARRAY['regclass', 'jsonb', 'timestamp with time zone', 'text', 'text'], 'stable');
SELECT volatility_is('lead_qual', 'preview_summary', ARRAY['regclass', 'jsonb', 'timestamp with time zone', 'text', 'text'], 'stable');
SELECT volatility_is('lead_qual', 'handoff_curve', ARRAY['regclass', 'integer', 'timestamp with time zone', 'text', 'text'], 'stable');
SELECT volatility_is('lead_qual', 'capacity_thresholds',
                     ARRAY['regclass', 'double precision', 'double precision', 'integer', 'timestamp with time zone', 'text', 'text'], 'stable');
SELECT is((SELECT count(*) FROM pg_proc
            WHERE pronamespace = 'lead_qual'::regnamespace
              AND proname IN ('_outcomes', 'threshold_report', 'score_auc', 'rollback_model', 'preview', 'preview_summary',
                              'handoff_curve', 'capacity_thresholds')
              AND NOT coalesce(proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']),
          0::bigint, 'every tuning function locks its search_path');
SELECT is((SELECT count(*) FROM pg_proc p
            WHERE p.pronamespace = 'lead_qual'::regnamespace
              AND p.proname IN ('_outcomes', '_row_outcome', '_row_outcome_time', '_row_expression_sql', 'threshold_report', 'score_auc', 'rollback_model', 'preview',
                                'preview_summary', 'handoff_curve', 'capacity_thresholds', 'evaluate')
              AND obj_description(p.oid, 'pg_proc') IS NULL),
          0::bigint, 'every tuning function has a comment');
SELECT ok(obj_description('lead_qual.scoring_model_version'::regclass, 'pg_class') IS NOT NULL, 'scoring_model_version has a comment');
SELECT ok(obj_description('lead_qual._life_stage_reached'::regclass, 'pg_class') IS NOT NULL, '_life_stage_reached has a comment');
SELECT throws_ok($$SELECT lead_qual._row_expression_sql('lead_qual.scoring_model', 'name = (SELECT ''x'')', 'l', 'outcome')$$,
                 '0A000', 'subqueries are not allowed in an outcome expression', 'subqueries are refused by the parser check');

SELECT * FROM finish();
ROLLBACK;
