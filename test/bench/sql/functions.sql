-- bench_model written as plain SQL, for the baselines (B1..B3) and the batch
-- scoring comparison. All are one-expression SQL functions, so the planner
-- inlines them: the baselines pay no function-call overhead for them.
-- (No SET search_path on them: that would stop the inlining; the database's
-- search_path is set by setup.sql instead.)

-- Undecayed points of an activity type (0: no rule).
CREATE FUNCTION bench.points(activity text) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE activity WHEN 'page_view' THEN 1 WHEN 'email_click' THEN 3 WHEN 'content_download' THEN 5
                       WHEN 'webinar' THEN 10 WHEN 'demo_request' THEN 20 ELSE 0 END::float8 $$;

-- 0.5 ^ (age / 30 days); an activity later than as_of has age 0.
CREATE FUNCTION bench.decay(occurred_at timestamptz, as_of timestamptz) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 0.5::float8 ^ (GREATEST(date_part('epoch', as_of - occurred_at), 0) / 2592000.0::float8) $$;

-- Engagement from the two rule sums decayed to the as-of time: page views
-- capped at 15, clamped to 0..100.
CREATE FUNCTION bench.engagement(page_views float8, rest float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT LEAST(GREATEST(LEAST(page_views, 15) + rest, 0), 100) $$;

CREATE FUNCTION bench.fit(industry text, employees int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE WHEN industry IN ('software', 'fintech') THEN 10 ELSE 0 END
        + CASE WHEN employees BETWEEN 50 AND 1000 THEN 15 ELSE 0 END)::float8 $$;

-- The automatic stage, forward only (GREATEST uses lead_stage's btree order).
CREATE FUNCTION bench.stage(current lead_qual.lead_stage, fit float8, engagement float8) RETURNS lead_qual.lead_stage
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT GREATEST(current, CASE WHEN fit >= 20 AND fit + engagement >= 60 THEN 'sql'
                                WHEN fit >= 15 AND engagement >= 20 THEN 'mql'
                                ELSE 'lead' END::lead_qual.lead_stage) $$;

-- A stored rule sum decayed from `since` to now() (NULL sum: 0).
CREATE FUNCTION bench.carry(total float8, since timestamptz) RETURNS float8 LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT COALESCE(total * bench.decay(since, now()), 0) $$;
