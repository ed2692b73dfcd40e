------------------------------------------------------------------------------
-- Tuning the model (issue #16): a candidate previewed before it is adopted,
-- thresholds proposed from sales' capacity. Reads only; writes nothing,
-- notifies nobody.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual.model_attributes(model jsonb) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_model_attributes_candidate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.model_attributes(jsonb) IS
    'the lead attributes a model definition (jsonb, not stored: a candidate) reads';

-- preview(leads, candidate, as_of, outcome, outcome_time): per lead of a
-- tracked table, what the current model and the candidate make of it at
-- as_of, computed as rescore() computes it (the same aggregate over the
-- activity table, grouped by lead, and the same evaluation: evaluate()), and
-- the outcome (_outcomes()). stage is the stored stage; current_stage and
-- candidate_stage the stage rescore() would write under each model (stages
-- move forward only: a stricter candidate lowers candidate_automatic, not
-- the stage); change says how adopting the candidate and rescoring would
-- move the stored stage ('up', 'down', NULL: no move, hence no hand-off).
-- as_of NULL: the time rescore() would score at (now(), or lead_qual.as_of).
CREATE OR REPLACE FUNCTION lead_qual.preview(leads regclass, candidate jsonb, as_of timestamptz DEFAULT NULL,
                                             outcome text DEFAULT 'opportunity', outcome_time text DEFAULT NULL)
RETURNS TABLE (lead_key text, stage lead_qual.lead_stage,
               current_fit double precision, current_engagement double precision, current_score double precision,
               current_automatic lead_qual.lead_stage, current_stage lead_qual.lead_stage,
               candidate_fit double precision, candidate_engagement double precision,
               candidate_score double precision, candidate_automatic lead_qual.lead_stage,
               candidate_stage lead_qual.lead_stage, change text, positive boolean, outcome_at timestamptz)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  problems text[];
  attrs text;
  props text;
  since text;
BEGIN
  IF leads IS NULL OR candidate IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = preview.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  problems := lead_qual.validate_model(candidate);
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'invalid candidate model: %', problems[1] USING ERRCODE = 'invalid_parameter_value',
      DETAIL = 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  '),
      HINT = 'lead_qual.validate_model(definition) lists every problem.';
  END IF;
  as_of := coalesce(as_of, lead_qual._scoring_time());
  o := t.options;
  -- The attributes either model reads (a column dropped since track() reads
  -- as missing, as in rescore()).
  SELECT coalesce('pg_catalog.jsonb_build_object(' || string_agg(format('%L, l.%I', a, a), ', ') || ')',
                  'NULL::pg_catalog.jsonb')
    INTO attrs
    FROM (SELECT unnest(lead_qual.model_attributes(t.model)) UNION SELECT unnest(lead_qual.model_attributes(candidate))) AS m(a)
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);
  props := CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('@alias@.%I', o->>'properties') END;
  -- A recycled lead's activities after its stage_changed_at, per model (what
  -- may lift it; rescore() reads the same).
  since := format('(SELECT lead_qual.engagement_state(@model@, s.%1$I::pg_catalog.text, %2$s, %3$s, $1)'
                  '   FROM %4$s AS s WHERE s.%5$I %9$s l.%6$I'
                  '    AND %2$s OPERATOR(pg_catalog.>) COALESCE(l.%7$I, ''-infinity''::pg_catalog.timestamptz)%8$s)',
                  o->>'activity', lead_qual._occurred_at_sql(o, 's'), replace(props, '@alias@', 's'), t.activities,
                  o->>'activity_lead_id', o->>'key', o->>'stage_changed_at',
                  lead_qual._filter_sql(o, 'activity_filter', t.activities, 's', ' AND '),
                  lead_qual._key_eq(leads, o->>'key'));
  RETURN QUERY EXECUTE format(
    'SELECT k.key, l.%1$I,'
    '       cur.fit, cur.engagement, cur.score, cur.automatic, cur.stage,'
    '       cand.fit, cand.engagement, cand.score, cand.automatic, cand.stage,'
    '       CASE WHEN cand.stage OPERATOR(lead_qual.=) COALESCE(l.%1$I, ''lead''::lead_qual.lead_stage) THEN NULL'
    '            WHEN l.%1$I OPERATOR(lead_qual.=) ''recycled''::lead_qual.lead_stage'
    '              OR cand.stage OPERATOR(lead_qual.>) COALESCE(l.%1$I, ''lead''::lead_qual.lead_stage) THEN ''up'''
    '            ELSE ''down'' END,'
    '       COALESCE(oc.positive, false), oc.outcome_at'
    '  FROM %2$s AS l'
    '  CROSS JOIN LATERAL (SELECT l.%3$I::pg_catalog.text AS key, %4$s AS attrs) AS k'
    '  LEFT JOIN (SELECT a.%5$I AS id,'
    '                    lead_qual.engagement_state(%6$L::pg_catalog.text, a.%7$I::pg_catalog.text, %8$s, %9$s, $1) AS cur,'
    '                    lead_qual.engagement_state($2, a.%7$I::pg_catalog.text, %8$s, %9$s, $1) AS cand'
    '               FROM %10$s AS a%13$s GROUP BY a.%5$I) AS h ON h.id %15$s l.%3$I'
    '  CROSS JOIN LATERAL (SELECT CASE WHEN l.%1$I OPERATOR(lead_qual.=) ''recycled''::lead_qual.lead_stage'
    '                                 THEN %11$s END AS cur,'
    '                            CASE WHEN l.%1$I OPERATOR(lead_qual.=) ''recycled''::lead_qual.lead_stage'
    '                                 THEN %12$s END AS cand) AS since'
    '  CROSS JOIN LATERAL lead_qual.evaluate(%6$L::pg_catalog.text, k.attrs, h.cur, l.%1$I, $1, since.cur) AS cur'
    '  CROSS JOIN LATERAL lead_qual.evaluate($2, k.attrs, h.cand, l.%1$I, $1, since.cand) AS cand'
    '  LEFT JOIN lead_qual._outcomes($3, $4, $5) AS oc ON oc.lead_key OPERATOR(pg_catalog.=) k.key%14$s',
    o->>'stage', leads, o->>'key', attrs, o->>'activity_lead_id', t.model, o->>'activity',
    lead_qual._occurred_at_sql(o, 'a'), replace(props, '@alias@', 'a'), t.activities,
    replace(since, '@model@', quote_literal(t.model) || '::pg_catalog.text'), replace(since, '@model@', '$2'),
    -- Row filters (README, "Row filters"): leads and activities outside them are left out.
    lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' WHERE '),
    lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' WHERE '), lead_qual._key_eq(leads, o->>'key'))
  USING as_of, candidate, leads, outcome, outcome_time;
END $$;
COMMENT ON FUNCTION lead_qual.preview(regclass, jsonb, timestamptz, text, text) IS
    'per lead: the current model''s and a candidate''s fit, engagement, score, automatic stage and the stage rescore() would write at as_of, the move adopting the candidate would make (up/down/NULL), and the outcome; writes nothing';

-- preview_summary(): preview() in two rows, the current model and the
-- candidate, on the same leads and outcome: how many leads rescore() would
-- move up or down from their stored stage, the AUC of the score, and for a
-- lead flagged when the model's automatic stage is at least mql (and sql):
-- flagged share, precision, recall and lift.
CREATE OR REPLACE FUNCTION lead_qual.preview_summary(leads regclass, candidate jsonb, as_of timestamptz DEFAULT NULL,
                                                     outcome text DEFAULT 'opportunity', outcome_time text DEFAULT NULL)
RETURNS TABLE (model text, leads bigint, positives bigint, moved_up bigint, moved_down bigint, auc double precision,
               mql_flagged bigint, mql_flagged_share double precision, mql_precision double precision,
               mql_recall double precision, mql_lift double precision,
               sql_flagged bigint, sql_flagged_share double precision, sql_precision double precision,
               sql_recall double precision, sql_lift double precision)
LANGUAGE sql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
  WITH p AS (SELECT * FROM lead_qual.preview(leads, candidate, as_of, outcome, outcome_time)),
  per_model AS (
    SELECT m.model, m.ord, p.positive, m.score, m.automatic, m.next, p.stage
      FROM p CROSS JOIN LATERAL (VALUES ('current', 1, p.current_score, p.current_automatic, p.current_stage),
                                        ('candidate', 2, p.candidate_score, p.candidate_automatic, p.candidate_stage))
                                 AS m(model, ord, score, automatic, next)
  ),
  ranked AS (
    SELECT r.*, rank() OVER (PARTITION BY r.model ORDER BY r.score)
                + (count(*) OVER (PARTITION BY r.model, r.score) - 1) / 2.0 AS r
      FROM per_model r
  ),
  totals AS (
    SELECT r.model, min(r.ord) AS ord, count(*) AS n, count(*) FILTER (WHERE r.positive) AS pos,
           count(*) FILTER (WHERE r.next OPERATOR(lead_qual.<>) COALESCE(r.stage, 'lead')
                              AND (r.stage OPERATOR(lead_qual.=) 'recycled'
                                   OR r.next OPERATOR(lead_qual.>) COALESCE(r.stage, 'lead'))) AS up,
           count(*) FILTER (WHERE r.next OPERATOR(lead_qual.<>) COALESCE(r.stage, 'lead')
                              AND NOT (r.stage OPERATOR(lead_qual.=) 'recycled'
                                       OR r.next OPERATOR(lead_qual.>) COALESCE(r.stage, 'lead'))) AS down,
           sum(r.r) FILTER (WHERE r.positive) AS rank_sum,
           count(*) FILTER (WHERE r.automatic OPERATOR(lead_qual.>=) 'mql') AS mql_f,
           count(*) FILTER (WHERE r.automatic OPERATOR(lead_qual.>=) 'mql' AND r.positive) AS mql_tp,
           count(*) FILTER (WHERE r.automatic OPERATOR(lead_qual.>=) 'sql') AS sql_f,
           count(*) FILTER (WHERE r.automatic OPERATOR(lead_qual.>=) 'sql' AND r.positive) AS sql_tp
      FROM ranked r GROUP BY r.model
  )
  SELECT t.model, t.n, t.pos, t.up, t.down,
         CASE WHEN t.pos > 0 AND t.n > t.pos
              THEN ((t.rank_sum - t.pos * (t.pos + 1) / 2.0) / (t.pos * (t.n - t.pos)))::float8 END,
         t.mql_f, t.mql_f::float8 / NULLIF(t.n, 0), t.mql_tp::float8 / NULLIF(t.mql_f, 0),
         t.mql_tp::float8 / NULLIF(t.pos, 0),
         (t.mql_tp::float8 / NULLIF(t.mql_f, 0)) / NULLIF(t.pos::float8 / NULLIF(t.n, 0), 0),
         t.sql_f, t.sql_f::float8 / NULLIF(t.n, 0), t.sql_tp::float8 / NULLIF(t.sql_f, 0),
         t.sql_tp::float8 / NULLIF(t.pos, 0),
         (t.sql_tp::float8 / NULLIF(t.sql_f, 0)) / NULLIF(t.pos::float8 / NULLIF(t.n, 0), 0)
    FROM totals t ORDER BY t.ord
$$;
COMMENT ON FUNCTION lead_qual.preview_summary(regclass, jsonb, timestamptz, text, text) IS
    'preview() summed up per model (current, candidate): leads rescore() would move up/down, AUC of the score, and flagged share, precision, recall and lift at the mql and sql stages, on the same outcome; writes nothing';

-- handoff_curve(leads, weeks, as_of, outcome, outcome_time): what each score
-- threshold would have handed off over the last `weeks` weeks before as_of,
-- scored by the table's model as rescore() scores (the same aggregate at two
-- horizons in one pass over the activity table; an activity dated after a
-- horizon would count there with age 0, so the first one filters them out). A lead is handed off
-- at threshold T when its score at as_of is at least T and its score when
-- the window opened was below T (a lead without any activity before the
-- window counts as arriving in it; leads without any activity by as_of are
-- not in play). Decay inside the window is not followed: a lead that rose
-- above T and fell back below it by as_of is not counted. precision: share
-- of the hand-offs that reached the outcome; recall: of the leads that
-- reached it and were below T when the window opened, the share handed off.
-- One row per distinct score (the thresholds where the counts change).
CREATE OR REPLACE FUNCTION lead_qual.handoff_curve(leads regclass, weeks integer DEFAULT 8, as_of timestamptz DEFAULT NULL,
                                                   outcome text DEFAULT 'opportunity', outcome_time text DEFAULT NULL)
RETURNS TABLE (threshold double precision, handoffs bigint, handoffs_per_week double precision,
               "precision" double precision, recall double precision)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  attrs text;
  props text;
  since timestamptz;
BEGIN
  IF leads IS NULL OR weeks IS NULL THEN
    RETURN;
  END IF;
  IF weeks < 1 THEN
    RAISE EXCEPTION 'weeks must be at least 1, not %', weeks USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = handoff_curve.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  as_of := coalesce(as_of, lead_qual._scoring_time());
  since := as_of OPERATOR(pg_catalog.-) pg_catalog.make_interval(weeks => weeks);
  o := t.options;
  SELECT coalesce('pg_catalog.jsonb_build_object(' || string_agg(format('%L, l.%I', a, a), ', ') || ')',
                  'NULL::pg_catalog.jsonb')
    INTO attrs FROM unnest(lead_qual.model_attributes(t.model)) AS m(a)
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);
  props := CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END;
  -- s0, s1: score when the window opened (NULL: no activity before it) and
  -- at as_of. Each lead adds +1 to the thresholds in (s0, s1]: counted as
  -- "start below T" minus "end below T", summed over the sorted scores.
  RETURN QUERY EXECUTE format(
    'WITH s AS ('
    '  SELECT COALESCE(oc.positive, false) AS pos,'
    '         CASE WHEN h.before THEN (lead_qual.evaluate(%1$L::pg_catalog.text, k.attrs, h.s0, NULL, $2)).score'
    '              ELSE ''-infinity''::pg_catalog.float8 END AS s0,'
    '         (lead_qual.evaluate(%1$L::pg_catalog.text, k.attrs, h.s1, NULL, $1)).score AS s1'
    '    FROM %2$s AS l'
    '    CROSS JOIN LATERAL (SELECT l.%3$I::pg_catalog.text AS key, %4$s AS attrs) AS k'
    '    JOIN (SELECT a.%5$I AS id,'
    '                 lead_qual.engagement_state(%1$L::pg_catalog.text, a.%6$I::pg_catalog.text, %7$s, %8$s, $2)'
    '                   FILTER (WHERE %7$s OPERATOR(pg_catalog.<=) $2) AS s0,'
    '                 lead_qual.engagement_state(%1$L::pg_catalog.text, a.%6$I::pg_catalog.text, %7$s, %8$s, $1) AS s1,'
    '                 pg_catalog.bool_or(%7$s OPERATOR(pg_catalog.<=) $2) AS before'
    '            FROM %9$s AS a WHERE %7$s OPERATOR(pg_catalog.<=) $1%10$s GROUP BY a.%5$I) AS h'
    '      ON h.id %12$s l.%3$I'
    '    LEFT JOIN lead_qual._outcomes($3, $4, $5) AS oc ON oc.lead_key OPERATOR(pg_catalog.=) k.key%11$s'
    '), ev AS ('
    '  SELECT s.s0 AS v, (s.s0 OPERATOR(pg_catalog.<) s.s1)::int AS h,'
    '         (s.s0 OPERATOR(pg_catalog.<) s.s1 AND s.pos)::int AS tp, s.pos::int AS p FROM s'
    '  UNION ALL'
    '  SELECT s.s1, -(s.s0 OPERATOR(pg_catalog.<) s.s1)::int, -(s.s0 OPERATOR(pg_catalog.<) s.s1 AND s.pos)::int, 0 FROM s'
    '), byv AS ('
    '  SELECT ev.v, pg_catalog.sum(ev.h) AS h, pg_catalog.sum(ev.tp) AS tp, pg_catalog.sum(ev.p) AS p FROM ev GROUP BY ev.v'
    '), cum AS ('
    '  SELECT byv.v,'
    '         COALESCE(pg_catalog.sum(byv.h) OVER w, 0)::pg_catalog.int8 AS h,'
    '         COALESCE(pg_catalog.sum(byv.tp) OVER w, 0) AS tp,'
    '         COALESCE(pg_catalog.sum(byv.p) OVER w, 0) AS p'
    '    FROM byv WINDOW w AS (ORDER BY byv.v ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)'
    ')'
    'SELECT c.v, c.h, c.h::pg_catalog.float8 OPERATOR(pg_catalog./) $6,'
    '       c.tp::pg_catalog.float8 OPERATOR(pg_catalog./) NULLIF(c.h, 0),'
    '       c.tp::pg_catalog.float8 OPERATOR(pg_catalog./) NULLIF(c.p, 0)'
    '  FROM cum AS c WHERE c.v OPERATOR(pg_catalog.>) ''-infinity''::pg_catalog.float8 ORDER BY c.v',
    t.model, leads, o->>'key', attrs, o->>'activity_lead_id', o->>'activity', lead_qual._occurred_at_sql(o, 'a'),
    props, t.activities,
    -- Row filters (README, "Row filters"): leads and activities outside them are left out.
    lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' AND '),
    lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' WHERE '), lead_qual._key_eq(leads, o->>'key'))
  USING as_of, since, leads, outcome, outcome_time, weeks::float8;
END $$;
COMMENT ON FUNCTION lead_qual.handoff_curve(regclass, integer, timestamptz, text, text) IS
    'per score threshold: how many leads it would have handed off in the last `weeks` weeks before as_of (score below it when the window opened, at least it at as_of), per week, and their precision and recall for the outcome';

-- capacity_thresholds(leads, sql_per_week, mql_per_week, ...): the lowest
-- score thresholds at which no threshold at or above them would have handed
-- off more than the capacity on the last `weeks` weeks (handoff_curve()),
-- for the sql stage (sales' capacity) and, when given, the mql stage (the
-- team that works MQLs). A threshold is a "min_score" for the model's stage
-- criteria; the model's other criteria are not taken into account. NULL
-- threshold: even the highest score would have handed off more (a
-- threshold above every score hands off none).
CREATE OR REPLACE FUNCTION lead_qual.capacity_thresholds(leads regclass, sql_per_week double precision,
                                                         mql_per_week double precision DEFAULT NULL,
                                                         weeks integer DEFAULT 8, as_of timestamptz DEFAULT NULL,
                                                         outcome text DEFAULT 'opportunity', outcome_time text DEFAULT NULL)
RETURNS TABLE (stage lead_qual.lead_stage, per_week double precision, threshold double precision, handoffs bigint,
               handoffs_per_week double precision, "precision" double precision, recall double precision)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF sql_per_week < 0 OR sql_per_week IN ('NaN', 'infinity') OR mql_per_week < 0 OR mql_per_week IN ('NaN', 'infinity') THEN
    RAISE EXCEPTION 'capacity per week must be a finite number of 0 or more'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('sql_per_week %s, mql_per_week %s', sql_per_week, mql_per_week);
  END IF;
  RETURN QUERY
  WITH curve AS (SELECT * FROM lead_qual.handoff_curve(leads, weeks, as_of, outcome, outcome_time)),
  cap AS (SELECT c.stage, c.per_week FROM (VALUES ('mql'::lead_qual.lead_stage, mql_per_week),
                                                  ('sql'::lead_qual.lead_stage, sql_per_week)) AS c(stage, per_week)
           WHERE c.per_week IS NOT NULL),
  pick AS (
    SELECT cap.stage, cap.per_week,
           (SELECT min(c.threshold) FROM curve c
             WHERE c.threshold > COALESCE((SELECT max(x.threshold) FROM curve x
                                            WHERE x.handoffs_per_week > cap.per_week), '-infinity')) AS threshold
      FROM cap
  )
  SELECT p.stage, p.per_week, p.threshold, c.handoffs, c.handoffs_per_week, c."precision", c.recall
    FROM pick p LEFT JOIN curve c ON c.threshold = p.threshold
   ORDER BY p.stage;
END $$;
COMMENT ON FUNCTION lead_qual.capacity_thresholds(regclass, double precision, double precision, integer, timestamptz, text, text) IS
    'proposed score thresholds (min_score) for sql and mql from hand-offs per week the teams can take: the lowest that would not have exceeded it on the last weeks (handoff_curve()), with the hand-offs, precision and recall they would have had';
