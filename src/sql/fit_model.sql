------------------------------------------------------------------------------
-- Learned weights: fit_model() proposes new points for a tracked table's
-- model, learned from outcomes (README, "Learned weights").
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual._fit_rule_matches(model text, lead jsonb) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'lq_fit_rule_matches' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._fit_rule_matches(text, jsonb) IS
    'internal: per fit rule of the model, 1 when its when holds on the lead (a JSON object), else 0';

CREATE OR REPLACE FUNCTION lead_qual._fit_propose(model text, definition jsonb, features double precision[],
                                                  positive boolean[], train boolean[], c double precision,
                                                  max_points double precision) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'lq_fit_propose' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._fit_propose(text, jsonb, double precision[], boolean[], boolean[], double precision, double precision) IS
    'internal: learns new points for the model''s rules from one feature row per lead (liblinear) and returns fit_model()''s report';

-- fit_model(leads, outcome, options): see the README, "Learned weights".
-- Per lead (each defined once here):
--   lead time: options.lead_time (a timestamptz column of the leads table)
--              or the lead's first dated activity; leads without one are left out;
--   cut-off:   the earliest of lead time + window_days, the time the lead
--              reached the outcome (when known) and the scoring time;
--   features:  fit rule matches on the lead's attributes now, and per
--              engagement rule its decayed, capped points as of the cut-off
--              from the activities strictly before the cut-off;
--   train:     lead time before split_at (default: the 80th percentile of
--              lead times); the others are the holdout.
-- Like every report, it honours the table's row filters (README, "Row
-- filters"): leads outside lead_filter are left out, activities outside
-- activity_filter are not counted (not for features, nor for lead time).
CREATE OR REPLACE FUNCTION lead_qual.fit_model(leads regclass, outcome text, options jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  m lead_qual.scoring_model;
  unknown text;
  window_days double precision;
  c double precision;
  max_points double precision;
  split_at timestamptz;
  as_of timestamptz := lead_qual._scoring_time();
  lead_time_sql text;
  attrs text;
  n_eng int;
  data_sql text;
  features double precision[];
  positive boolean[];
  train boolean[];
  n_without_time bigint;
  report jsonb;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = fit_model.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  o := t.options;
  IF jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION 'fit_model options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO unknown FROM jsonb_object_keys(options) k
   WHERE k NOT IN ('outcome_time', 'split_at', 'lead_time', 'window_days', 'C', 'max_points');
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'fit_model: unknown option(s) %', unknown USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Options: outcome_time (an expression), split_at (timestamptz), lead_time (a column), window_days, C, max_points (numbers).';
  END IF;
  BEGIN
    window_days := coalesce((options->>'window_days')::double precision, 30);
    c := coalesce((options->>'C')::double precision, 1);
    max_points := coalesce((options->>'max_points')::double precision, 0);
    split_at := (options->>'split_at')::timestamptz;
  EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'fit_model: options: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF NOT (window_days > 0 AND window_days < 1e6) THEN
    RAISE EXCEPTION 'fit_model: window_days must be a number of days above 0, not %', window_days
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (c > 0 AND c < 'Infinity') THEN
    RAISE EXCEPTION 'fit_model: C must be a positive number, not %', c USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (max_points >= 0 AND max_points <= 1e6) THEN
    RAISE EXCEPTION 'fit_model: max_points must be a number from 0 (the current model''s largest points) to 1000000, not %',
      max_points USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'lead_time' THEN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = options->>'lead_time'
                     AND attnum > 0 AND NOT attisdropped AND atttypid = 'timestamptz'::regtype) THEN
      RAISE EXCEPTION 'fit_model: lead_time: % has no timestamptz column %', leads, options->>'lead_time'
        USING ERRCODE = 'undefined_column';
    END IF;
    lead_time_sql := format('l.%I', options->>'lead_time');
  ELSE
    lead_time_sql := format('(SELECT pg_catalog.min(%s) FROM %s AS a WHERE a.%I OPERATOR(pg_catalog.=) l.%I%s)',
                            lead_qual._occurred_at_sql(o, 'a'), t.activities, o->>'activity_lead_id', o->>'key',
                            lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' AND '));
  END IF;
  SELECT * INTO m FROM lead_qual.scoring_model WHERE name = t.model;
  n_eng := coalesce(jsonb_array_length(m.definition->'engagement'->'rules'), 0);
  SELECT coalesce('pg_catalog.jsonb_build_object(' ||
                  string_agg(format('%L, l.%I', a, a), ', ') || ')', '''{}''::pg_catalog.jsonb')
    INTO attrs FROM unnest(lead_qual.model_attributes(t.model)) a
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);

  -- $1 model, $2 leads, $3 outcome, $4 window, $5 scoring time, $6 split_at
  -- (NULL: the 80th percentile), $7 engagement rule count, $8 outcome_time.
  -- Rows in key order (bytewise, whatever the collation): the same data in the
  -- same order gives liblinear the same sums, so the same report.
  data_sql := format($q$
    WITH o AS (SELECT x.lead_key, x.positive, x.outcome_at AS reached_at FROM lead_qual._outcomes($2, $3, $8) AS x),
    base AS (
      SELECT k.key, l.%4$I AS key_value, %1$s AS lead_time, %2$s AS attrs, COALESCE(o.positive, false) AS positive, o.reached_at
        FROM %3$s AS l CROSS JOIN LATERAL (SELECT l.%4$I::pg_catalog.text AS key) AS k
        LEFT JOIN o ON o.lead_key OPERATOR(pg_catalog.=) k.key%10$s),
    split AS (
      SELECT COALESCE($6, pg_catalog.percentile_disc(0.8) WITHIN GROUP (ORDER BY b.lead_time)) AS at
        FROM base AS b WHERE b.lead_time IS NOT NULL),
    cut AS (
      SELECT b.*, LEAST(b.lead_time OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $4 * 86400),
                                   CASE WHEN b.positive THEN b.reached_at END, $5) AS cutoff,
             b.lead_time OPERATOR(pg_catalog.<) s.at AS train
        FROM base AS b CROSS JOIN split AS s WHERE b.lead_time IS NOT NULL),
    scored AS (
      SELECT c.*, (SELECT lead_qual.engagement_state($1, a.%5$I::pg_catalog.text, %6$s, %7$s, c.cutoff)
                     FROM %8$s AS a WHERE a.%9$I OPERATOR(pg_catalog.=) c.key_value AND %6$s OPERATOR(pg_catalog.<) c.cutoff%11$s) AS state
        FROM cut AS c)
    SELECT pg_catalog.array_agg(lead_qual._fit_rule_matches($1, s.attrs)
               OPERATOR(pg_catalog.||) ARRAY(SELECT COALESCE(e.points, 0) FROM pg_catalog.generate_series(1, $7) AS g(i)
                                      LEFT JOIN lead_qual.explain(s.state, s.cutoff) AS e ON e.rule OPERATOR(pg_catalog.=) g.i
                                     ORDER BY g.i)
               OPERATOR(pg_catalog.||) ARRAY[lead_qual.fit_score($1, s.attrs),
                                             COALESCE(lead_qual.engagement(s.state, s.cutoff), 0)] ORDER BY s.key COLLATE pg_catalog."C"),
           pg_catalog.array_agg(s.positive ORDER BY s.key COLLATE pg_catalog."C"), pg_catalog.array_agg(s.train ORDER BY s.key COLLATE pg_catalog."C"),
           (SELECT s2.at FROM split AS s2)
      FROM scored AS s$q$,
    lead_time_sql, attrs, leads, o->>'key', o->>'activity', lead_qual._occurred_at_sql(o, 'a'),
    CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
    t.activities, o->>'activity_lead_id', lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' WHERE '),
    lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' AND '));
  EXECUTE data_sql INTO features, positive, train, split_at
    USING t.model, leads, outcome, window_days, as_of, split_at, n_eng, options->>'outcome_time';
  EXECUTE format('SELECT pg_catalog.count(*) FROM %s AS l WHERE %s IS NULL%s', leads, lead_time_sql,
                 lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' AND ')) INTO n_without_time;

  report := lead_qual._fit_propose(t.model, m.definition, coalesce(features, '{}'), coalesce(positive, '{}'),
                                   coalesce(train, '{}'), c, max_points);
  report := jsonb_set(report, '{holdout}', report->'holdout' || jsonb_build_object(
              'split_at', split_at, 'window_days', window_days, 'leads_without_time', n_without_time));
  RETURN jsonb_build_object('current_model', t.model, 'current_version', m.version, 'outcome', outcome) || report;
END $$;
COMMENT ON FUNCTION lead_qual.fit_model(regclass, text, jsonb) IS
    'proposes new points for the rules of a tracked table''s model, learned from an outcome by L2-regularised logistic regression (liblinear), with a time-based holdout; returns the model JSON and a report';
