-- The differential test's oracle: the README's scoring formulas ("Scoring
-- models") for the fixed test model `difftest` (model.json), written again in
-- plain SQL. It never calls lead_qual's scoring functions; it reads lead_qual
-- only to compare (lead_qual.engagement() of the stored state, verify(), the
-- stage history). The harness (difftest.py) creates, per schema variant, the
-- two views the oracle reads:
--   lq_oracle.history(lead_key text, activity text, occurred_at timestamptz, properties jsonb)
--       every row of the tracked activity table (through its parent, if partitioned);
--   lq_oracle.leads_v(lead_key text, industry text, employees int, region text, budget_confirmed boolean,
--                     fit float8, engagement float8, score float8, stage lead_qual.lead_stage,
--                     state lead_qual.score_state)
--       every tracked lead, with the columns lead_qual writes;
--   lq_oracle.leads_all(lead_key text)
--       every lead; with row filters (LQ_DIFF_FILTERS=soft) history and
--       leads_v hold only the rows inside them, leads_all every lead;
-- and one row of lq_oracle.config.
-- The views the functions read are created after this file (per variant).
SET check_function_bodies = false;
DROP SCHEMA IF EXISTS lq_oracle CASCADE;
CREATE SCHEMA lq_oracle;

CREATE TABLE lq_oracle.config (
    leads regclass NOT NULL,      -- the tracked leads table
    as_of timestamptz NOT NULL,   -- the time every statement scores at (SET lead_qual.as_of)
    null_time timestamptz NOT NULL -- see activity_time()
);

-- The stage the oracle expects, carried from statement to statement in the
-- same transaction as the statements (a rollback rolls it back too).
CREATE TABLE lq_oracle.expected_stage (lead_key text PRIMARY KEY, stage lead_qual.lead_stage NOT NULL);

-- ============================================================================
-- THE RULE FOR A NULL occurred_at (issue #12.3), the only place it is written.
-- lead_qual's rule (README "Future and NULL activity times"): track()'s
-- BEFORE ROW trigger writes the scoring time into a row inserted or updated
-- with a NULL occurred_at, so the oracle reads the stored time like any
-- other; a row whose stored occurred_at is still NULL (written before
-- track()) is not scored: NULL here, which check() leaves out.
-- config.null_time is no longer read.
-- ============================================================================
CREATE FUNCTION lq_oracle.activity_time(occurred_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT occurred_at $$;

-- The engagement rules of model.json, in order. url_contains: the rule's
-- "when": {"url": {"contains": ...}} (NULL: no condition).
CREATE TABLE lq_oracle.engagement_rule (
    idx int PRIMARY KEY, activity text NOT NULL, url_contains text, points float8 NOT NULL, cap float8);
INSERT INTO lq_oracle.engagement_rule VALUES
    (0, 'page_view', '/pricing', 3, NULL),
    (1, 'page_view', NULL, 1, 4),
    (2, 'webinar', NULL, 10, 25),
    (3, 'demo_request', NULL, 20, NULL),
    (4, 'unsubscribe', NULL, -8, NULL);

-- Half-life (days), engagement cap, or_activities of model.json.
CREATE FUNCTION lq_oracle.half_life_days() RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT 30::float8';
CREATE FUNCTION lq_oracle.engagement_max() RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT 100::float8';

-- The FIRST rule whose activity equals the type (case-insensitive) and whose
-- condition holds on the properties; NULL: no rule, no points.
CREATE FUNCTION lq_oracle.rule_of(activity text, properties jsonb) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT min(r.idx) FROM lq_oracle.engagement_rule r
   WHERE lower(r.activity) = lower(rule_of.activity)
     AND (r.url_contains IS NULL
          OR (jsonb_typeof(properties) = 'object' AND jsonb_typeof(properties -> 'url') = 'string'
              AND strpos(lower(properties ->> 'url'), lower(r.url_contains)) > 0))
$$;

-- fit: industry in (software, fintech) 10; employees between 50 and 1000 15;
-- region = europe 5; at most 50.
CREATE FUNCTION lq_oracle.fit(industry text, employees int, region text) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT LEAST(50, (CASE WHEN lower(industry) IN ('software', 'fintech') THEN 10 ELSE 0 END)
                 + (CASE WHEN employees BETWEEN 50 AND 1000 THEN 15 ELSE 0 END)
                 + (CASE WHEN lower(region) = 'europe' THEN 5 ELSE 0 END))::float8
$$;

-- Per lead key: engagement as of `as_of` = sum over rules of
-- min(cap, sum(points * 0.5 ^ (max(0, as_of - time) / half_life))), at most
-- engagement_max(); the number of activities counted (a type, a lead and a
-- time); whether a demo_request (or_activities of sql) was seen.
CREATE FUNCTION lq_oracle.history_scores(as_of timestamptz)
RETURNS TABLE (lead_key text, engagement float8, activities bigint, or_seen boolean)
LANGUAGE sql STABLE AS $$
  WITH h AS (
    SELECT h.lead_key, h.activity, lq_oracle.activity_time(h.occurred_at) AS t,
           lq_oracle.rule_of(h.activity, h.properties) AS rule
      FROM lq_oracle.history h
     WHERE h.lead_key IS NOT NULL AND h.activity IS NOT NULL),
  counted AS (SELECT * FROM h WHERE h.t IS NOT NULL),
  per_rule AS (
    SELECT c.lead_key, r.idx,
           sum(r.points * power(0.5::float8, GREATEST(0::float8, extract(epoch FROM as_of - c.t)::float8)
                                             / (lq_oracle.half_life_days() * 86400))) AS decayed,
           r.cap
      FROM counted c JOIN lq_oracle.engagement_rule r ON r.idx = c.rule
     GROUP BY c.lead_key, r.idx, r.cap),
  per_lead AS (
    SELECT p.lead_key, sum(CASE WHEN p.cap IS NULL THEN p.decayed ELSE LEAST(p.cap, p.decayed) END) AS total
      FROM per_rule p GROUP BY p.lead_key)
  SELECT c.lead_key, LEAST(lq_oracle.engagement_max(), COALESCE(max(pl.total), 0)),
         count(*), bool_or(lower(c.activity) = 'demo_request')
    FROM counted c LEFT JOIN per_lead pl ON pl.lead_key = c.lead_key
   GROUP BY c.lead_key
$$;

-- The highest stage whose criteria hold (NULL: none). mql: fit >= 15 and
-- engagement >= 20. sql: fit >= 20, budget_confirmed = true, and (score >= 70
-- or a demo_request seen).
CREATE FUNCTION lq_oracle.criteria_stage(fit float8, engagement float8, or_seen boolean, budget_confirmed boolean)
RETURNS lead_qual.lead_stage LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN fit >= 20 AND budget_confirmed IS TRUE AND (fit + engagement >= 70 OR or_seen) THEN 'sql'
              WHEN fit >= 15 AND engagement >= 20 THEN 'mql' END::lead_qual.lead_stage
$$;

-- The README's forward-only rule: scoring never demotes, never touches
-- opportunity, customer or disqualified, and lifts recycled leads that
-- re-qualify.
CREATE FUNCTION lq_oracle.forward(current lead_qual.lead_stage, criteria lead_qual.lead_stage)
RETURNS lead_qual.lead_stage LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN criteria IS NULL THEN current
              WHEN current::text IN ('opportunity', 'customer', 'disqualified') THEN current
              WHEN current::text = 'recycled' THEN criteria
              WHEN lead_qual.stage_rank(criteria) > lead_qual.stage_rank(current) THEN criteria
              ELSE current END
$$;

-- Everything the oracle expects of each tracked lead, as of config.as_of.
CREATE FUNCTION lq_oracle.expected()
RETURNS TABLE (lead_key text, fit float8, engagement float8, score float8, activities bigint,
               criteria lead_qual.lead_stage)
LANGUAGE sql STABLE AS $$
  SELECT l.lead_key, f.fit, COALESCE(h.engagement, 0), f.fit + COALESCE(h.engagement, 0), COALESCE(h.activities, 0),
         lq_oracle.criteria_stage(f.fit, COALESCE(h.engagement, 0), COALESCE(h.or_seen, false), l.budget_confirmed)
    FROM lq_oracle.leads_v l
   CROSS JOIN LATERAL (SELECT lq_oracle.fit(l.industry, l.employees, l.region) AS fit) f
    LEFT JOIN lq_oracle.history_scores((SELECT c.as_of FROM lq_oracle.config c)) h ON h.lead_key = l.lead_key
$$;

-- verify()'s tolerance: 1e-9 relative (absolute below 1).
CREATE FUNCTION lq_oracle.near(stored float8, expected float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT stored IS NOT NULL AND abs(stored - expected) <= 1e-9 * GREATEST(1, abs(expected))
$$;

-- The check run after every statement: no rows when lead_qual agrees with
-- the oracle and verify() is empty. Also carries the expected stages forward.
CREATE FUNCTION lq_oracle.check()
RETURNS TABLE (lead_key text, what text, stored text, expected text)
LANGUAGE plpgsql AS $$
DECLARE
  c lq_oracle.config;
BEGIN
  SELECT * INTO c FROM lq_oracle.config;
  -- A lead new since the last check starts as a lead (the harness inserts
  -- leads without a stage); gone leads are forgotten.
  DELETE FROM lq_oracle.expected_stage s WHERE NOT EXISTS (SELECT 1 FROM lq_oracle.leads_all l WHERE l.lead_key = s.lead_key);
  -- A lead outside the lead filter (row filters) keeps its expected stage
  -- as it is (its stage moves only by a person's change); one inserted
  -- outside it starts as a lead.
  INSERT INTO lq_oracle.expected_stage SELECT a.lead_key, 'lead' FROM lq_oracle.leads_all a
  ON CONFLICT ON CONSTRAINT expected_stage_pkey DO NOTHING;
  INSERT INTO lq_oracle.expected_stage AS s
  SELECT x.lead_key, lq_oracle.forward(COALESCE(s0.stage, 'lead'), x.criteria)
    FROM lq_oracle.expected() x LEFT JOIN lq_oracle.expected_stage s0 ON s0.lead_key = x.lead_key
  ON CONFLICT ON CONSTRAINT expected_stage_pkey DO UPDATE SET stage = excluded.stage;

  RETURN QUERY
  WITH e AS (SELECT * FROM lq_oracle.expected()),
  l AS (SELECT v.*, e.fit AS e_fit, e.engagement AS e_engagement, e.score AS e_score, e.activities AS e_activities,
               (v.state::text::jsonb ->> 'activities')::bigint AS s_activities,
               lead_qual.engagement(v.state, c.as_of) AS s_engagement
          FROM lq_oracle.leads_v v JOIN e ON e.lead_key = v.lead_key),
  last_history AS (
    SELECT DISTINCT ON (h.lead_key) h.lead_key, h.to_stage FROM lead_qual.stage_history h
     WHERE h.lead_table = c.leads ORDER BY h.lead_key, h.id DESC)
  SELECT l.lead_key, 'state missing', NULL::text, NULL::text FROM l WHERE l.state IS NULL
  UNION ALL
  SELECT l.lead_key, 'state activity count', l.s_activities::text, l.e_activities::text FROM l
   WHERE l.state IS NOT NULL AND l.s_activities IS DISTINCT FROM l.e_activities
  UNION ALL
  SELECT l.lead_key, 'state engagement', l.s_engagement::text, l.e_engagement::text FROM l
   WHERE l.state IS NOT NULL AND NOT lq_oracle.near(l.s_engagement, l.e_engagement)
  UNION ALL
  SELECT l.lead_key, 'engagement column', l.engagement::text, l.e_engagement::text FROM l
   WHERE NOT lq_oracle.near(l.engagement, l.e_engagement)
  UNION ALL
  SELECT l.lead_key, 'fit column', l.fit::text, l.e_fit::text FROM l WHERE NOT lq_oracle.near(l.fit, l.e_fit)
  UNION ALL
  SELECT l.lead_key, 'score column', l.score::text, l.e_score::text FROM l WHERE NOT lq_oracle.near(l.score, l.e_score)
  UNION ALL
  SELECT l.lead_key, 'stage', l.stage::text, s.stage::text
    FROM l JOIN lq_oracle.expected_stage s ON s.lead_key = l.lead_key
   WHERE l.stage::text IS DISTINCT FROM s.stage::text
  UNION ALL
  SELECT l.lead_key, 'stage history (latest to_stage)', l.stage::text, lh.to_stage::text
    FROM l JOIN last_history lh ON lh.lead_key = l.lead_key
   WHERE l.stage::text IS DISTINCT FROM lh.to_stage::text
  UNION ALL
  -- Each recorded change starts where the previous one ended (no phantom or
  -- repeated hand-offs).
  SELECT hc.lead_key, 'stage history chain', hc.from_stage::text, hc.prev_to::text
    FROM (SELECT h.lead_key, h.from_stage, lag(h.to_stage) OVER (PARTITION BY h.lead_key ORDER BY h.id) AS prev_to,
                 row_number() OVER (PARTITION BY h.lead_key ORDER BY h.id) AS n
            FROM lead_qual.stage_history h WHERE h.lead_table = c.leads) hc
   WHERE hc.n > 1 AND hc.from_stage::text IS DISTINCT FROM hc.prev_to::text
  UNION ALL
  SELECT v.lead_key, 'verify(): ' || v.problem, v.stored_engagement::text || ' / ' || v.stored_activities,
         v.history_engagement::text || ' / ' || v.history_activities
    FROM lead_qual.verify(c.leads, c.as_of) v
  ORDER BY 1, 2;
END $$;
