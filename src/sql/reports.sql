------------------------------------------------------------------------------
-- Reports for BI dashboards and closed-loop model checks.
------------------------------------------------------------------------------


CREATE OR REPLACE FUNCTION lead_qual.grade(model text, fit double precision) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_grade' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.grade(text, double precision) IS
    'the model''s fit grade for a fit score (its "grades": the highest threshold met, else D); NULL when the model has none';

-- A tracked table as schema-qualified text ("crm"."Leads"), the same for
-- every search_path: what BI tools filter on with a text parameter.
CREATE OR REPLACE FUNCTION lead_qual._table_name(tbl regclass) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl
$$;
COMMENT ON FUNCTION lead_qual._table_name(regclass) IS
    'internal: a table''s schema-qualified, quoted name, independent of the search_path';

-- Per current life of a tracked lead (lead_life), the furthest funnel stage
-- (subscriber .. customer) its history reached. The closed-loop reports read
-- the history through it, so a reporting role needs no SELECT on the
-- history: like the history it is read with the view owner's rights, and
-- it shows only the tables whose key column the querying role may read
-- (security barrier: no function of the caller sees the other rows).
CREATE OR REPLACE VIEW lead_qual._life_reached WITH (security_barrier) AS
SELECT l.lead_table, l.lead_key, r.reached
FROM lead_qual.lead_life l
JOIN lead_qual.tracked t ON t.leads = l.lead_table
CROSS JOIN LATERAL (SELECT lead_qual.max(h.to_stage) AS reached FROM lead_qual.stage_history h
                     WHERE h.life_id = l.life_id AND h.to_stage <= 'customer') r
WHERE r.reached IS NOT NULL AND has_column_privilege(l.lead_table, t.options->>'key', 'SELECT');
COMMENT ON VIEW lead_qual._life_reached IS
    'internal: per current lead life, the furthest funnel stage its history reached (tables whose key the querying role may read)';

-- Per current life of a tracked lead and funnel stage (subscriber ..
-- customer), when its history first reached that stage or a later one: the
-- time a stage outcome was reached (what a model fitted on outcomes may use
-- only before it, issue #16). Read with the view owner's rights and filtered
-- like _life_reached.
CREATE OR REPLACE VIEW lead_qual._life_stage_reached WITH (security_barrier) AS
SELECT l.lead_table, l.lead_key, s.stage, min(h.changed_at) AS reached_at
FROM lead_qual.lead_life l
JOIN lead_qual.tracked t ON t.leads = l.lead_table
JOIN lead_qual.stage_history h ON h.life_id = l.life_id AND h.to_stage <= 'customer'
JOIN unnest(lead_qual.stages()) AS s(stage) ON h.to_stage >= s.stage
WHERE has_column_privilege(l.lead_table, t.options->>'key', 'SELECT')
GROUP BY l.lead_table, l.lead_key, s.stage
UNION ALL
-- A Citus distributed table's history, by the leads that exist (its history
-- companion: _distributed_history()).
SELECT d.lead_table, d.lead_key, s.stage, min(d.changed_at) AS reached_at
FROM lead_qual._distributed_history() d
JOIN lead_qual.tracked t ON t.leads = d.lead_table
JOIN unnest(lead_qual.stages()) AS s(stage) ON d.to_stage >= s.stage AND d.to_stage <= 'customer'
WHERE d.lead_key IS NOT NULL AND has_column_privilege(d.lead_table, t.options->>'key', 'SELECT')
GROUP BY d.lead_table, d.lead_key, s.stage;
COMMENT ON VIEW lead_qual._life_stage_reached IS
    'internal: per current lead life and funnel stage, when its history first reached that stage or a later one (tables whose key the querying role may read)';

-- Expression outcomes are expressions over a leads row like row filters
-- (src/pg/row_filter.hpp), checked by the same rules and evaluated the same
-- way: never pasted into SQL, but passed as a literal with the columns they
-- read. Unlike filters they may call stable built-in functions (now(),
-- enum to text): a report reads an outcome once per lead. Stable (and some
-- stable built-ins are not parallel safe: PARALLEL RESTRICTED).
CREATE OR REPLACE FUNCTION lead_qual._row_outcome(leads regclass, expression text, columns record) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lq_row_outcome' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION lead_qual._row_outcome(regclass, text, record) IS
    'internal: whether a lead reached an expression outcome (NULL counts as false), given the columns the expression reads (in column order)';
CREATE OR REPLACE FUNCTION lead_qual._row_outcome_time(leads regclass, expression text, columns record) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'lq_row_outcome_time' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION lead_qual._row_outcome_time(regclass, text, record) IS
    'internal: an outcome_time expression''s value for a lead as timestamptz (a timestamp or date in the session time zone), given the columns it reads';
CREATE OR REPLACE FUNCTION lead_qual._row_expression_sql(tbl regclass, expression text, alias text, kind text) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_row_filter_sql' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._row_expression_sql(regclass, text, text, text) IS
    'internal: SQL text of the _row_filter(), _row_outcome() or _row_outcome_time() call (kind filter, outcome, outcome_time) evaluating an expression for a table alias; raises an error unless the expression is acceptable';

-- _outcomes(leads, outcome, outcome_time): the one definition of an outcome,
-- which every report, preview() and fit_model() read. Per lead of a tracked
-- table: its score, fit, grade and stage, whether the outcome happened, and
-- when (NULL: not known). The outcome is either
--   * a funnel stage name ('opportunity', 'customer'; case-insensitive):
--     positive when the lead's current life reached it or a later funnel
--     stage (stage_history), or its current stage is it or a later one up to
--     customer; outcome_at is the first time the history reached it;
--   * or one SQL expression over the leads row (read with search_path =
--     pg_catalog, pg_temp), e.g. '"isWon"' or 'pipeline_stage = ''won''':
--     positive when true (NULL counts as false); its time is the expression
--     outcome_time (a timestamptz, timestamp or date column or expression) for
--     positive leads, NULL without one.
-- Expressions are checked and evaluated like row filters (_row_outcome(),
-- _row_outcome_time()): never pasted into the query, which reads only the
-- columns they use and runs as the caller.
-- Leads outside the table's lead filter are left out (README, "Row filters").
-- model: whose score, fit and grade (a model of add_score(); NULL: the one
-- driving the stage). The stage and the outcome are the lead's own.
CREATE OR REPLACE FUNCTION lead_qual._outcomes(leads regclass, outcome text, outcome_time text DEFAULT NULL,
                                               model text DEFAULT NULL)
RETURNS TABLE (lead_key text, score double precision, fit double precision, grade text, stage lead_qual.lead_stage,
               positive boolean, outcome_at timestamptz)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  m lead_qual.tracked;
  stage_outcome lead_qual.lead_stage;
  positive_sql text;
  common text;
  reached_keys text[];
  reached_times timestamptz[];
BEGIN
  IF leads IS NULL OR outcome IS NULL THEN
    RETURN;
  END IF;
  t := lead_qual._tracked_model(leads, NULL);
  -- The scores of model m (the driving one by default), the lead's stage.
  m := lead_qual._tracked_model(leads, model);
  common := format('SELECT k.key, l.%1$I, l.%2$I, lead_qual.grade(%3$L, l.%2$I), l.%4$I, ',
                   m.options->>'score', m.options->>'fit_score', m.model, t.options->>'stage');
  SELECT s INTO stage_outcome FROM unnest(lead_qual.stages()) s WHERE s::text = lower(btrim(outcome));
  IF FOUND THEN
    IF stage_outcome OPERATOR(lead_qual.>) 'customer' THEN
      RAISE EXCEPTION 'outcome stage % is not a funnel stage', stage_outcome USING ERRCODE = 'invalid_parameter_value',
        HINT = 'An outcome stage is one of subscriber, lead, mql, sql, opportunity, customer; sales decide opportunity and customer.';
    END IF;
    IF _outcomes.outcome_time IS NOT NULL THEN
      RAISE EXCEPTION 'outcome_time is for expression outcomes' USING ERRCODE = 'invalid_parameter_value',
        HINT = 'A stage outcome''s time is when the stage history first reached it.';
    END IF;
    IF lead_qual._citus_distributed(leads) THEN
      -- Citus would run the view's function on the workers (a function
      -- joined with a distributed table is run next to each shard), where
      -- no table is tracked: the times are read here and passed in.
      SELECT coalesce(array_agg(r.lead_key), '{}'), coalesce(array_agg(r.reached_at), '{}')
        INTO reached_keys, reached_times
        FROM lead_qual._life_stage_reached r WHERE r.lead_table = leads AND r.stage OPERATOR(lead_qual.=) stage_outcome;
      RETURN QUERY EXECUTE common || format(
        '       (l.%1$I OPERATOR(lead_qual.>=) $1 AND l.%1$I OPERATOR(lead_qual.<=) ''customer'')'
        '       OR r.reached_at IS NOT NULL, r.reached_at'
        '  FROM %2$s AS l CROSS JOIN LATERAL (SELECT l.%3$I::pg_catalog.text AS key) AS k'
        '  LEFT JOIN ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS r(lead_key, reached_at)'
        '    ON r.lead_key OPERATOR(pg_catalog.=) k.key%4$s',
        t.options->>'stage', leads, t.options->>'key', lead_qual._filter_sql(t.options, 'lead_filter', t.leads, 'l', ' WHERE '))
      USING stage_outcome, leads, reached_keys, reached_times;
      RETURN;
    END IF;
    RETURN QUERY EXECUTE common || format(
      '       (l.%1$I OPERATOR(lead_qual.>=) $1 AND l.%1$I OPERATOR(lead_qual.<=) ''customer'')'
      '       OR r.reached_at IS NOT NULL, r.reached_at'
      '  FROM %2$s AS l CROSS JOIN LATERAL (SELECT l.%3$I::pg_catalog.text AS key) AS k'
      '  LEFT JOIN lead_qual._life_stage_reached AS r'
      '    ON r.lead_table OPERATOR(pg_catalog.=) $2 AND r.lead_key OPERATOR(pg_catalog.=) k.key'
      '   AND r.stage OPERATOR(lead_qual.=) $1%4$s',
      t.options->>'stage', leads, t.options->>'key', lead_qual._filter_sql(t.options, 'lead_filter', t.leads, 'l', ' WHERE '))
    USING stage_outcome, leads;
    RETURN;
  END IF;
  -- _row_expression_sql() checks each expression (an error names what is
  -- wrong) and writes its evaluation: the text is passed as a literal.
  positive_sql := lead_qual._row_expression_sql(leads, outcome, 'l', 'outcome');
  RETURN QUERY EXECUTE common || format(
    '       x.positive, CASE WHEN x.positive THEN x.at END'
    '  FROM %1$s AS l CROSS JOIN LATERAL (SELECT %2$s AS positive, %3$s AS at) AS x'
    '  CROSS JOIN LATERAL (SELECT l.%4$I::pg_catalog.text AS key) AS k%5$s',
    leads, positive_sql,
    coalesce(lead_qual._row_expression_sql(leads, _outcomes.outcome_time, 'l', 'outcome_time'), 'NULL::pg_catalog.timestamptz'),
    t.options->>'key', lead_qual._filter_sql(t.options, 'lead_filter', t.leads, 'l', ' WHERE '));
END $$;
COMMENT ON FUNCTION lead_qual._outcomes(regclass, text, text, text) IS
    'internal: per lead its score (of a model of the table; NULL: the one driving the stage), fit, grade, stage, whether it reached the outcome (a funnel stage, or a boolean expression over the leads row) and when (NULL: unknown)';

CREATE OR REPLACE FUNCTION lead_qual._outcomes(leads regclass, outcome lead_qual.lead_stage)
RETURNS TABLE (lead_key text, score double precision, fit double precision, grade text, stage lead_qual.lead_stage,
               positive boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT o.lead_key, o.score, o.fit, o.grade, o.stage, o.positive FROM lead_qual._outcomes(leads, outcome::text) o
$$;
COMMENT ON FUNCTION lead_qual._outcomes(regclass, lead_qual.lead_stage) IS
    'internal: per lead its score, fit, grade, stage and whether it ever reached the outcome stage or a later funnel stage (_outcomes(leads, text, text) for a stage)';

CREATE OR REPLACE FUNCTION lead_qual.funnel_counts()
RETURNS TABLE (lead_table regclass, stage lead_qual.lead_stage, leads bigint, share double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked ORDER BY tracked.leads::text LOOP
    RETURN QUERY EXECUTE format(
      'SELECT $1, s.stage, COALESCE(c.n, 0), COALESCE(c.n, 0)::float8 / NULLIF(pg_catalog.sum(c.n) OVER (), 0)::float8'
      '  FROM pg_catalog.unnest(lead_qual.stages()) AS s(stage)'
      '  LEFT JOIN (SELECT l.%I AS stage, pg_catalog.count(*) AS n FROM %s AS l%s GROUP BY 1) AS c'
      '    ON c.stage OPERATOR(lead_qual.=) s.stage'
      ' ORDER BY s.stage', t.options->>'stage', t.leads,
                   lead_qual._filter_sql(t.options, 'lead_filter', t.leads, 'l', ' WHERE '))
    USING t.leads;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.funnel_counts() IS 'current leads per tracked table and stage (the funnel view)';

CREATE OR REPLACE VIEW lead_qual.funnel AS
SELECT lead_qual._table_name(f.lead_table) AS lead_table, f.stage, f.leads, f.share,
       f.lead_table AS lead_table_oid, f.stage::text AS stage_name
FROM lead_qual.funnel_counts() f;
COMMENT ON VIEW lead_qual.funnel IS 'current leads per tracked table and stage, every stage listed (zero included), with its share';

-- When each lead first reached each funnel stage "or later": a lead that
-- jumped from lead straight to sql has passed mql too, at the same moment.
-- A lead is one life (lead_life): its rows under earlier keys count, those
-- of an earlier lead that had its key do not. A Citus distributed table's
-- history is read from its history companion (_distributed_history(), with
-- the current key: its life ids, offset by the writing node's group, match
-- no row of this node's lead_life).
CREATE OR REPLACE VIEW lead_qual.stage_reached AS
SELECT lead_qual._table_name(h.lead_table) AS lead_table, coalesce(l.lead_key, h.lead_key) AS lead_key, s.stage,
       min(h.changed_at) AS reached_at, h.life_id, h.lead_table AS lead_table_oid, s.stage::text AS stage_name
FROM (SELECT h.lead_table, NULL::text AS lead_key, h.to_stage, h.changed_at, h.life_id FROM lead_qual.stage_history h
      UNION ALL
      SELECT d.lead_table, d.lead_key, d.to_stage, d.changed_at, d.life_id FROM lead_qual._distributed_history() d) h
JOIN unnest(lead_qual.stages()) AS s(stage)
  ON h.to_stage >= s.stage AND h.to_stage <= 'customer'
LEFT JOIN lead_qual.lead_life l ON l.life_id = h.life_id
GROUP BY h.lead_table, h.life_id, l.lead_key, h.lead_key, s.stage;
COMMENT ON VIEW lead_qual.stage_reached IS
    'when each tracked lead (each life: lead_key is its current key, NULL once deleted or erased) first reached each funnel stage or a later one';

CREATE OR REPLACE VIEW lead_qual.conversion_pairs (from_stage, to_stage) AS
VALUES ('mql'::lead_qual.lead_stage, 'sql'::lead_qual.lead_stage),
       ('sql', 'opportunity'), ('opportunity', 'customer'), ('mql', 'customer');
COMMENT ON VIEW lead_qual.conversion_pairs IS 'the stage pairs the conversion and velocity views report';

CREATE OR REPLACE VIEW lead_qual.stage_conversion AS
SELECT f.lead_table, date_trunc('month', f.reached_at)::date AS cohort_month, p.from_stage, p.to_stage,
       count(*) AS entered, count(t.reached_at) AS reached, count(t.reached_at)::float8 / count(*) AS rate,
       f.lead_table_oid, p.from_stage::text AS from_stage_name, p.to_stage::text AS to_stage_name
FROM lead_qual.stage_reached f
JOIN lead_qual.conversion_pairs p ON f.stage = p.from_stage
LEFT JOIN lead_qual.stage_reached t ON t.life_id = f.life_id AND t.stage = p.to_stage
GROUP BY GROUPING SETS ((f.lead_table, f.lead_table_oid, p.from_stage, p.to_stage, date_trunc('month', f.reached_at)),
                        (f.lead_table, f.lead_table_oid, p.from_stage, p.to_stage));
COMMENT ON VIEW lead_qual.stage_conversion IS
    'of the leads that first reached from_stage (or later) in cohort_month (NULL: all time), how many later reached to_stage (or later)';

CREATE OR REPLACE VIEW lead_qual.stage_velocity AS
SELECT v.lead_table, v.from_stage, v.to_stage, v.leads, v.median, v.p90, v.lead_table_oid,
       v.from_stage::text AS from_stage_name, v.to_stage::text AS to_stage_name,
       extract(epoch FROM v.median)::float8 / 3600 AS median_hours, extract(epoch FROM v.p90)::float8 / 3600 AS p90_hours
FROM (
  SELECT f.lead_table, f.lead_table_oid, p.from_stage, p.to_stage, count(*) AS leads,
         make_interval(secs => percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.reached_at - f.reached_at))) AS median,
         make_interval(secs => percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.reached_at - f.reached_at))) AS p90
  FROM lead_qual.stage_reached f
  JOIN lead_qual.conversion_pairs p ON f.stage = p.from_stage
  JOIN lead_qual.stage_reached t ON t.life_id = f.life_id AND t.stage = p.to_stage
  GROUP BY f.lead_table, f.lead_table_oid, p.from_stage, p.to_stage
) v;
COMMENT ON VIEW lead_qual.stage_velocity IS
    'time from first reaching from_stage (or later) to first reaching to_stage (or later): median and 90th percentile, as intervals and in hours';

CREATE OR REPLACE FUNCTION lead_qual.threshold_report(leads regclass, outcome text DEFAULT 'opportunity',
                                                     thresholds double precision[] DEFAULT NULL, model text DEFAULT NULL)
RETURNS TABLE (threshold double precision, flagged bigint, flagged_share double precision,
               "precision" double precision, recall double precision, lift double precision)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH o AS (SELECT * FROM lead_qual._outcomes(leads, outcome, NULL, model)),
  totals AS (SELECT count(*) AS n, count(*) FILTER (WHERE positive) AS p, min(score) AS lo, max(score) AS hi FROM o),
  cut AS (
    SELECT unnest(thresholds) AS threshold WHERE thresholds IS NOT NULL
    UNION ALL
    SELECT generate_series((floor(lo / 5) * 5)::numeric, (ceil(hi / 5) * 5)::numeric, 5)::float8
      FROM totals WHERE thresholds IS NULL AND n > 0
  )
  SELECT c.threshold, s.flagged, s.flagged::float8 / NULLIF(t.n, 0),
         s.tp::float8 / NULLIF(s.flagged, 0), s.tp::float8 / NULLIF(t.p, 0),
         (s.tp::float8 / NULLIF(s.flagged, 0)) / NULLIF(t.p::float8 / NULLIF(t.n, 0), 0)
  FROM cut c CROSS JOIN totals t
  CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE o.score >= c.threshold) AS flagged,
                             count(*) FILTER (WHERE o.score >= c.threshold AND o.positive) AS tp FROM o) s
  ORDER BY c.threshold
$$;
COMMENT ON FUNCTION lead_qual.threshold_report(regclass, text, double precision[], text) IS
    'for each threshold of a model''s score (NULL: the model driving the stage): leads flagged (score >= threshold), their share, precision, recall and lift for the outcome (a funnel stage set by sales, default opportunity, or a boolean expression over the leads row)';

-- The typed overloads of 1.0/1.1 stay for their callers; they lost their
-- default outcome (sql: the model's own threshold), so a call without an
-- outcome means the text overload's opportunity.
CREATE OR REPLACE FUNCTION lead_qual.threshold_report(leads regclass, outcome lead_qual.lead_stage,
                                                     thresholds double precision[] DEFAULT NULL)
RETURNS TABLE (threshold double precision, flagged bigint, flagged_share double precision,
               "precision" double precision, recall double precision, lift double precision)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM lead_qual.threshold_report(leads, outcome::text, thresholds)
$$;
COMMENT ON FUNCTION lead_qual.threshold_report(regclass, lead_qual.lead_stage, double precision[]) IS
    'threshold_report(leads, text, thresholds) for a typed outcome stage';

CREATE OR REPLACE FUNCTION lead_qual.score_auc(leads regclass, outcome text DEFAULT 'opportunity', model text DEFAULT NULL)
RETURNS double precision
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH o AS (SELECT score, positive FROM lead_qual._outcomes(leads, outcome, NULL, model)),
  ranked AS (SELECT positive, rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r FROM o),
  t AS (SELECT count(*) FILTER (WHERE positive) AS p, count(*) FILTER (WHERE NOT positive) AS n,
               sum(r) FILTER (WHERE positive) AS rank_sum FROM ranked)
  SELECT ((rank_sum - p * (p + 1) / 2.0) / (p * n))::float8 FROM t WHERE p > 0 AND n > 0
$$;
COMMENT ON FUNCTION lead_qual.score_auc(regclass, text, text) IS
    'ROC AUC of a model''s lead score (NULL: the model driving the stage) for the outcome (a funnel stage set by sales, default opportunity, or a boolean expression over the leads row; ties count half); NULL without both classes';

CREATE OR REPLACE FUNCTION lead_qual.score_auc(leads regclass, outcome lead_qual.lead_stage) RETURNS double precision
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT lead_qual.score_auc(leads, outcome::text)
$$;
COMMENT ON FUNCTION lead_qual.score_auc(regclass, lead_qual.lead_stage) IS
    'score_auc(leads, text) for a typed outcome stage';

CREATE OR REPLACE FUNCTION lead_qual.score_band_counts()
RETURNS TABLE (lead_table regclass, band_low double precision, band_high double precision, leads bigint, reached bigint,
               rate double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked ORDER BY tracked.leads::text LOOP
    RETURN QUERY
      SELECT t.leads, floor(o.score / 10) * 10, floor(o.score / 10) * 10 + 10, count(*),
             count(*) FILTER (WHERE o.positive), (count(*) FILTER (WHERE o.positive))::float8 / count(*)
      FROM lead_qual._outcomes(t.leads, 'opportunity') o WHERE o.score IS NOT NULL
      GROUP BY 2, 3 ORDER BY 2;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.score_band_counts() IS 'leads per 10-point score band and the share that reached opportunity or later (set by sales: the score_bands view)';

CREATE OR REPLACE VIEW lead_qual.score_bands AS
SELECT lead_qual._table_name(b.lead_table) AS lead_table, b.band_low, b.band_high, b.leads, b.reached, b.rate,
       b.lead_table AS lead_table_oid
FROM lead_qual.score_band_counts() b;
COMMENT ON VIEW lead_qual.score_bands IS '10-point score bands per tracked table, with how many leads reached opportunity or a later funnel stage (set by sales)';

CREATE OR REPLACE FUNCTION lead_qual.grade_counts()
RETURNS TABLE (lead_table regclass, grade text, leads bigint, reached bigint, rate double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked ORDER BY tracked.leads::text LOOP
    RETURN QUERY
      SELECT t.leads, o.grade, count(*), count(*) FILTER (WHERE o.positive),
             (count(*) FILTER (WHERE o.positive))::float8 / count(*)
      FROM lead_qual._outcomes(t.leads, 'opportunity') o WHERE o.grade IS NOT NULL
      GROUP BY o.grade ORDER BY o.grade;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.grade_counts() IS 'leads per fit grade and the share that reached opportunity or later (set by sales: the fit_grades view)';

CREATE OR REPLACE VIEW lead_qual.fit_grades AS
SELECT lead_qual._table_name(g.lead_table) AS lead_table, g.grade, g.leads, g.reached, g.rate,
       g.lead_table AS lead_table_oid
FROM lead_qual.grade_counts() g;
COMMENT ON VIEW lead_qual.fit_grades IS 'per tracked table and fit grade: leads, how many reached opportunity or later (set by sales), and the rate (models with "grades")';

-- Views over stage_history read it with their owner's rights, so like the
-- history they are not readable by PUBLIC: grant them to reporting roles
-- (stage_conversion and stage_velocity hold aggregates only; stage_reached
-- has every lead's key). _life_reached filters by the querying role's
-- privileges itself. The others run as the caller.
REVOKE ALL ON lead_qual.stage_reached, lead_qual.stage_conversion, lead_qual.stage_velocity FROM PUBLIC;
GRANT SELECT ON lead_qual.funnel, lead_qual.conversion_pairs, lead_qual.score_bands, lead_qual.fit_grades,
                lead_qual._life_reached, lead_qual._life_stage_reached TO PUBLIC;

-- Several scores per lead (README, "Several scores per lead"): per current
-- life of a tracked lead, model of add_score() and funnel stage, when that
-- model's stage column first reached the stage or a later one
-- (score_history). Read with the view owner's rights and filtered like
-- _life_stage_reached.
CREATE OR REPLACE VIEW lead_qual._life_score_reached WITH (security_barrier) AS
SELECT l.lead_table, l.lead_key, h.model, s.stage, min(h.changed_at) AS reached_at
FROM lead_qual.lead_life l
JOIN lead_qual.tracked t ON t.leads = l.lead_table
JOIN lead_qual.score_history h ON h.life_id = l.life_id AND h.to_stage <= 'customer'
JOIN unnest(lead_qual.stages()) AS s(stage) ON h.to_stage >= s.stage
WHERE has_column_privilege(l.lead_table, t.options->>'key', 'SELECT')
GROUP BY l.lead_table, l.lead_key, h.model, s.stage;
COMMENT ON VIEW lead_qual._life_score_reached IS
    'internal: per current lead life, model of add_score() and funnel stage, when that model''s stage first reached it or a later one (tables whose key the querying role may read)';
GRANT SELECT ON lead_qual._life_score_reached TO PUBLIC;

-- Per current lead life of a one-server table and automatic stage: when
-- lead_qual's own writes (not a person: reason manual) first moved it to
-- that stage or a later one. What the driving model flagged, comparable with
-- what another model flagged (score_history holds automatic moves only).
CREATE OR REPLACE VIEW lead_qual._life_automatic_reached WITH (security_barrier) AS
SELECT l.lead_table, l.lead_key, s.stage, min(h.changed_at) AS reached_at
FROM lead_qual.lead_life l
JOIN lead_qual.tracked t ON t.leads = l.lead_table
JOIN lead_qual.stage_history h ON h.life_id = l.life_id AND h.to_stage <= 'customer' AND h.reason <> 'manual'
JOIN unnest(lead_qual.stages()) AS s(stage) ON h.to_stage >= s.stage
WHERE has_column_privilege(l.lead_table, t.options->>'key', 'SELECT')
GROUP BY l.lead_table, l.lead_key, s.stage;
COMMENT ON VIEW lead_qual._life_automatic_reached IS
    'internal: per current lead life and funnel stage, when lead_qual''s automatic writes (not a person''s) first moved it there or later (tables whose key the querying role may read)';
GRANT SELECT ON lead_qual._life_automatic_reached TO PUBLIC;

-- score_comparison(leads, outcome, outcome_time): every model of a tracked
-- table side by side on one outcome. Per model (the driving one first) and
-- automatic stage (mql, sql): the leads it flagged (its automatic moves
-- reached the stage or a later one: for the driving model its stage_history
-- rows not written by a person, for the others their score_history), how
-- many of them reached the outcome, precision and recall, and the median
-- lead time from the model flagging a lead to the outcome (positive leads
-- with both times; negative: flagged after the outcome). A person moving a
-- lead to opportunity flags it for no model.
CREATE OR REPLACE FUNCTION lead_qual.score_comparison(leads regclass, outcome text DEFAULT 'opportunity',
                                                     outcome_time text DEFAULT NULL)
RETURNS TABLE (model text, drives_stage boolean, stage lead_qual.lead_stage, flagged bigint, positive bigint,
               "precision" double precision, recall double precision, median_lead_time interval)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- A Citus table's history is its companion table, whose rows carry no
  -- reason: which moves were automatic is not known there.
  PERFORM lead_qual._citus_unsupported(leads, 'score_comparison()');
  RETURN QUERY
  WITH o AS (SELECT * FROM lead_qual._outcomes(leads, outcome, outcome_time)),
  m AS (SELECT x.model, x.n, x.n = 1 AS drives FROM lead_qual._models_of(leads, NULL) WITH ORDINALITY AS x(model, n)),
  s AS (SELECT unnest(ARRAY['mql', 'sql']::lead_qual.lead_stage[]) AS stage),
  f AS (
    SELECT m.model, m.n, m.drives, s.stage, o.lead_key, o.positive, o.outcome_at,
           CASE WHEN m.drives THEN r.reached_at ELSE c.reached_at END AS reached_at,
           CASE WHEN m.drives THEN r.reached_at IS NOT NULL ELSE c.reached_at IS NOT NULL END AS reached
      FROM m CROSS JOIN s CROSS JOIN o
      LEFT JOIN lead_qual._life_automatic_reached r
        ON m.drives AND r.lead_table = leads AND r.lead_key = o.lead_key AND r.stage OPERATOR(lead_qual.=) s.stage
      LEFT JOIN lead_qual._life_score_reached c
        ON NOT m.drives AND c.lead_table = leads AND c.lead_key = o.lead_key AND c.model = m.model
       AND c.stage OPERATOR(lead_qual.=) s.stage
  )
  SELECT f.model, f.drives, f.stage, count(*) FILTER (WHERE f.reached),
         count(*) FILTER (WHERE f.reached AND f.positive),
         (count(*) FILTER (WHERE f.reached AND f.positive))::float8 / NULLIF(count(*) FILTER (WHERE f.reached), 0),
         (count(*) FILTER (WHERE f.reached AND f.positive))::float8 / NULLIF(count(*) FILTER (WHERE f.positive), 0),
         percentile_cont(0.5) WITHIN GROUP (ORDER BY f.outcome_at - f.reached_at)
           FILTER (WHERE f.reached AND f.positive AND f.outcome_at IS NOT NULL AND f.reached_at IS NOT NULL)
    FROM f GROUP BY f.model, f.n, f.drives, f.stage ORDER BY f.n, f.stage;
END $$;
COMMENT ON FUNCTION lead_qual.score_comparison(regclass, text, text) IS
    'every model of a tracked table (the driving one first) per automatic stage: leads it flagged, how many reached the outcome, precision, recall and the median lead time from flagging to the outcome';
