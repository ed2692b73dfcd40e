------------------------------------------------------------------------------
-- Reports for BI dashboards and closed-loop model checks.
------------------------------------------------------------------------------


CREATE OR REPLACE FUNCTION lead_qual.grade(model text, fit double precision) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_grade' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.grade(text, double precision) IS
    'the model''s fit grade for a fit score (its "grades": the highest threshold met, else D); NULL when the model has none';

-- _outcomes(leads, outcome): per lead of a tracked table, its score, fit,
-- grade, stage, and whether it ever reached `outcome` or a later funnel stage
-- (by stage_history or its current stage). The base of the closed-loop
-- reports.
CREATE OR REPLACE FUNCTION lead_qual._outcomes(leads regclass, outcome lead_qual.lead_stage)
RETURNS TABLE (lead_key text, score double precision, fit double precision, grade text, stage lead_qual.lead_stage,
               positive boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  IF leads IS NULL OR outcome IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = _outcomes.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT k.key, l.%1$I, l.%2$I, lead_qual.grade(%3$L, l.%2$I), l.%4$I,'
    '       (l.%4$I OPERATOR(lead_qual.>=) $1 AND l.%4$I OPERATOR(lead_qual.<=) ''customer'')'
    '       OR k.key IN (SELECT h.lead_key FROM lead_qual.stage_history h'
    '                     WHERE h.lead_table OPERATOR(pg_catalog.=) $2'
    '                       AND h.to_stage OPERATOR(lead_qual.>=) $1 AND h.to_stage OPERATOR(lead_qual.<=) ''customer'')'
    '  FROM %5$s AS l CROSS JOIN LATERAL (SELECT l.%6$I::pg_catalog.text AS key) AS k',
    t.options->>'score', t.options->>'fit_score', t.model, t.options->>'stage', leads, t.options->>'key')
  USING outcome, leads;
END $$;
COMMENT ON FUNCTION lead_qual._outcomes(regclass, lead_qual.lead_stage) IS
    'internal: per lead its score, fit, grade, stage and whether it ever reached the outcome stage or a later funnel stage';

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
      '  LEFT JOIN (SELECT l.%I AS stage, pg_catalog.count(*) AS n FROM %s AS l GROUP BY 1) AS c'
      '    ON c.stage OPERATOR(lead_qual.=) s.stage'
      ' ORDER BY s.stage', t.options->>'stage', t.leads)
    USING t.leads;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.funnel_counts() IS 'current leads per tracked table and stage (the funnel view)';

CREATE OR REPLACE VIEW lead_qual.funnel AS SELECT * FROM lead_qual.funnel_counts();
COMMENT ON VIEW lead_qual.funnel IS 'current leads per tracked table and stage, every stage listed (zero included), with its share';

-- When each lead first reached each funnel stage "or later": a lead that
-- jumped from lead straight to sql has passed mql too, at the same moment.
CREATE OR REPLACE VIEW lead_qual.stage_reached AS
SELECT h.lead_table, h.lead_key, s.stage, min(h.changed_at) AS reached_at
FROM lead_qual.stage_history h
JOIN unnest(lead_qual.stages()) AS s(stage)
  ON h.to_stage >= s.stage AND h.to_stage <= 'customer'
GROUP BY h.lead_table, h.lead_key, s.stage;
COMMENT ON VIEW lead_qual.stage_reached IS
    'when each tracked lead first reached each funnel stage or a later one (from stage_history)';

CREATE OR REPLACE VIEW lead_qual.conversion_pairs (from_stage, to_stage) AS
VALUES ('mql'::lead_qual.lead_stage, 'sql'::lead_qual.lead_stage),
       ('sql', 'opportunity'), ('opportunity', 'customer'), ('mql', 'customer');
COMMENT ON VIEW lead_qual.conversion_pairs IS 'the stage pairs the conversion and velocity views report';

CREATE OR REPLACE VIEW lead_qual.stage_conversion AS
SELECT f.lead_table, date_trunc('month', f.reached_at)::date AS cohort_month, p.from_stage, p.to_stage,
       count(*) AS entered, count(t.reached_at) AS reached, count(t.reached_at)::float8 / count(*) AS rate
FROM lead_qual.stage_reached f
JOIN lead_qual.conversion_pairs p ON f.stage = p.from_stage
LEFT JOIN lead_qual.stage_reached t ON t.lead_table = f.lead_table AND t.lead_key = f.lead_key AND t.stage = p.to_stage
GROUP BY GROUPING SETS ((f.lead_table, p.from_stage, p.to_stage, date_trunc('month', f.reached_at)),
                        (f.lead_table, p.from_stage, p.to_stage));
COMMENT ON VIEW lead_qual.stage_conversion IS
    'of the leads that first reached from_stage (or later) in cohort_month (NULL: all time), how many later reached to_stage (or later)';

CREATE OR REPLACE VIEW lead_qual.stage_velocity AS
SELECT f.lead_table, p.from_stage, p.to_stage, count(*) AS leads,
       make_interval(secs => percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.reached_at - f.reached_at))) AS median,
       make_interval(secs => percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.reached_at - f.reached_at))) AS p90
FROM lead_qual.stage_reached f
JOIN lead_qual.conversion_pairs p ON f.stage = p.from_stage
JOIN lead_qual.stage_reached t ON t.lead_table = f.lead_table AND t.lead_key = f.lead_key AND t.stage = p.to_stage
GROUP BY f.lead_table, p.from_stage, p.to_stage;
COMMENT ON VIEW lead_qual.stage_velocity IS
    'time from first reaching from_stage (or later) to first reaching to_stage (or later): median and 90th percentile';

CREATE OR REPLACE FUNCTION lead_qual.threshold_report(leads regclass, outcome lead_qual.lead_stage DEFAULT 'sql',
                                           thresholds double precision[] DEFAULT NULL)
RETURNS TABLE (threshold double precision, flagged bigint, flagged_share double precision,
               "precision" double precision, recall double precision, lift double precision)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH o AS (SELECT * FROM lead_qual._outcomes(leads, outcome)),
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
COMMENT ON FUNCTION lead_qual.threshold_report(regclass, lead_qual.lead_stage, double precision[]) IS
    'for each score threshold: leads flagged (score >= threshold), their share, precision, recall and lift for reaching the outcome stage';

CREATE OR REPLACE FUNCTION lead_qual.score_auc(leads regclass, outcome lead_qual.lead_stage DEFAULT 'sql') RETURNS double precision
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH o AS (SELECT score, positive FROM lead_qual._outcomes(leads, outcome)),
  ranked AS (SELECT positive, rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r FROM o),
  t AS (SELECT count(*) FILTER (WHERE positive) AS p, count(*) FILTER (WHERE NOT positive) AS n,
               sum(r) FILTER (WHERE positive) AS rank_sum FROM ranked)
  SELECT ((rank_sum - p * (p + 1) / 2.0) / (p * n))::float8 FROM t WHERE p > 0 AND n > 0
$$;
COMMENT ON FUNCTION lead_qual.score_auc(regclass, lead_qual.lead_stage) IS
    'ROC AUC of the lead score for reaching the outcome stage or later (ties count half); NULL without both classes';

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
      FROM lead_qual._outcomes(t.leads, 'sql') o WHERE o.score IS NOT NULL
      GROUP BY 2, 3 ORDER BY 2;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.score_band_counts() IS 'leads per 10-point score band and the share that reached sql or later (the score_bands view)';

CREATE OR REPLACE VIEW lead_qual.score_bands AS SELECT * FROM lead_qual.score_band_counts();
COMMENT ON VIEW lead_qual.score_bands IS '10-point score bands per tracked table, with how many leads reached sql or a later funnel stage';

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
      FROM lead_qual._outcomes(t.leads, 'sql') o WHERE o.grade IS NOT NULL
      GROUP BY o.grade ORDER BY o.grade;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.grade_counts() IS 'leads per fit grade and the share that reached sql or later (the fit_grades view)';

CREATE OR REPLACE VIEW lead_qual.fit_grades AS SELECT * FROM lead_qual.grade_counts();
COMMENT ON VIEW lead_qual.fit_grades IS 'per tracked table and fit grade: leads, how many reached sql or later, and the rate (models with "grades")';

-- Views over stage_history read it with their owner's rights, so like the
-- history they are not readable by PUBLIC: grant them to reporting roles.
-- The others run as the caller.
REVOKE ALL ON lead_qual.stage_reached, lead_qual.stage_conversion, lead_qual.stage_velocity FROM PUBLIC;
GRANT SELECT ON lead_qual.funnel, lead_qual.conversion_pairs, lead_qual.score_bands, lead_qual.fit_grades TO PUBLIC;
