-- pgTAP: the API contract of the durable hand-off feed and the logical
-- history (issue #15): signatures, volatility, security, locked
-- search_path, comments.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET LOCAL search_path = public, lead_qual;
SELECT plan(13);

SELECT function_returns('lead_qual', 'create_handoff_feed', ARRAY['regclass'], 'regclass');
SELECT volatility_is('lead_qual', 'create_handoff_feed', ARRAY['regclass'], 'volatile');
-- It creates the table as the extension owner, for the leads' owner only.
SELECT is_definer('lead_qual', 'create_handoff_feed', ARRAY['regclass']);
SELECT is((SELECT pg_get_function_arguments(oid) FROM pg_proc WHERE oid = 'lead_qual.take_handoffs(regclass, integer)'::regprocedure),
          'leads regclass, max_rows integer DEFAULT 100', 'take_handoffs takes up to 100 by default');
-- It deletes what it returns: volatile, and as the caller (who needs DELETE on the feed).
SELECT volatility_is('lead_qual', 'take_handoffs', ARRAY['regclass', 'integer'], 'volatile');
SELECT isnt_definer('lead_qual', 'take_handoffs', ARRAY['regclass', 'integer']);
SELECT is((SELECT pg_get_function_result(oid) FROM pg_proc WHERE oid = 'lead_qual.take_handoffs(regclass, integer)'::regprocedure),
          'TABLE(id bigint, lead_table text, lead_key text, from_stage lead_stage, to_stage lead_stage, score double precision, '
          'fit double precision, engagement double precision, changed_at timestamp with time zone, reason text)',
          'take_handoffs returns what the NOTIFY payload carries');
SELECT volatility_is('lead_qual', 'history', ARRAY['regclass'], 'stable');
SELECT isnt_definer('lead_qual', 'history', ARRAY['regclass']);
SELECT volatility_is('lead_qual', '_companion_name', ARRAY['regclass', 'text'], 'stable');
SELECT volatility_is('lead_qual', '_companion', ARRAY['regclass', 'text'], 'stable');
SELECT is((SELECT count(*) FROM pg_proc
            WHERE pronamespace = 'lead_qual'::regnamespace
              AND proname IN ('create_handoff_feed', 'take_handoffs', 'history', '_create_companion', '_history_companion',
                              '_distributed_history', '_citus_unsupported')
              AND NOT coalesce(proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']),
          0::bigint, 'every feed and history function locks its search_path');
SELECT is((SELECT count(*) FROM pg_proc
            WHERE pronamespace = 'lead_qual'::regnamespace
              AND proname IN ('create_handoff_feed', 'take_handoffs', 'history', '_companion_name', '_companion', '_create_companion',
                              '_history_companion', '_distributed_history', '_citus_unsupported')
              AND obj_description(oid, 'pg_proc') IS NULL),
          0::bigint, 'every feed and history function has a comment');

SELECT * FROM finish();
ROLLBACK;
