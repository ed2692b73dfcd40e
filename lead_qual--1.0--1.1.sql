-- lead_qual 1.0 -> 1.1: verify(), a consistency check of stored lead states
-- against their activity history (after a crash, a restore, manual edits of
-- the score columns, or triggers that were disabled for a while).
\echo Use "ALTER EXTENSION lead_qual UPDATE TO '1.1'" to load this file. \quit

CREATE FUNCTION lead_qual.verify(leads regclass, as_of timestamptz DEFAULT now())
RETURNS TABLE (lead_key text, problem text, stored_engagement double precision, history_engagement double precision,
               stored_activities bigint, history_activities bigint)
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  version bigint;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = verify.leads;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked by lead_qual', leads USING ERRCODE = 'undefined_object';
  END IF;
  o := t.options;
  SELECT m.version INTO version FROM lead_qual.scoring_model m WHERE m.name = t.model;
  RETURN QUERY EXECUTE format(
    'SELECT c.k, c.problem, c.se, c.he, c.sa, c.ha FROM ('
    '  SELECT l.%1$I::pg_catalog.text AS k,'
    '         lead_qual.engagement(l.%2$I, $1) AS se, lead_qual.engagement(h.state, $1) AS he,'
    '         ((l.%2$I::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint AS sa,'
    '         COALESCE(((h.state::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint, 0) AS ha,'
    '         CASE WHEN l.%2$I IS NULL THEN ''no state'''
    '              WHEN NOT lead_qual._state_matches(l.%2$I, %3$L, %4$s) THEN ''state of another model version'''
    '              WHEN ((l.%2$I::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint'
    '                   OPERATOR(pg_catalog.<>) COALESCE(((h.state::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint, 0)'
    '                THEN ''activity count differs from the history'''
    '              WHEN pg_catalog.abs(lead_qual.engagement(l.%2$I, $1) OPERATOR(pg_catalog.-) COALESCE(lead_qual.engagement(h.state, $1), 0))'
    '                   OPERATOR(pg_catalog.>) 1e-9 * GREATEST(1, pg_catalog.abs(COALESCE(lead_qual.engagement(h.state, $1), 0)))'
    '                THEN ''engagement differs from the history'' END AS problem'
    '    FROM %5$s AS l'
    '    LEFT JOIN (SELECT a.%6$I AS lead_id,'
    '                      lead_qual.engagement_state(%3$L, a.%7$I::pg_catalog.text, COALESCE(a.%8$I, pg_catalog.now()), %9$s) AS state'
    '                 FROM %10$s AS a GROUP BY a.%6$I) AS h ON h.lead_id OPERATOR(pg_catalog.=) l.%1$I'
    ') AS c WHERE c.problem IS NOT NULL ORDER BY c.k',
    o->>'key', o->>'score_state', t.model, version, leads, o->>'activity_lead_id', o->>'activity', o->>'occurred_at',
    CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
    t.activities)
  USING as_of;
END $$;
COMMENT ON FUNCTION lead_qual.verify(regclass, timestamptz) IS
    'leads of a tracked table whose stored score_state disagrees with their activity history (none when consistent)';
