-- Scoring functions and the engagement_state aggregate, with the README's
-- worked example.
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- The shipped default model.
SELECT name, version > 0 AS has_version, builtin, cardinality(validate_model(definition)) AS problems
FROM scoring_model ORDER BY name;

-- README worked example: Ada, a software company with 250 employees and
-- $20M revenue in Europe.
SELECT fit_score('default', '{"industry": "Software", "employees": 250, "annual_revenue": "20000000", "region": "EUROPE"}') AS ada_fit;
-- Fit pieces: each rule on its own.
SELECT fit_score('default', '{"industry": "software"}') AS industry,
       fit_score('default', '{"employees": 9}') AS tiny,
       fit_score('default', '{"employees": 10}') AS small,
       fit_score('default', '{"employees": "999"}') AS mid,
       fit_score('default', '{"employees": 5000}') AS large,
       fit_score('default', '{"annual_revenue": 100000000}') AS revenue,
       fit_score('default', '{"region": "north america"}') AS region,
       fit_score('default', '{}') AS nothing,
       fit_score('default', '[1, 2]') AS not_an_object,
       fit_score('default', NULL) IS NULL AS strict_null;

-- Undecayed activity points: first matching rule wins; unknown types earn 0.
SELECT activity_points('default', 'page_view', '{"url": "https://acme.example/PRICING"}') AS pricing_view,
       activity_points('default', 'page_view', '{"url": "/blog"}') AS page_view,
       activity_points('default', 'Page_View', NULL) AS no_properties,
       activity_points('default', 'demo_request', NULL) AS demo,
       activity_points('default', 'unsubscribe', NULL) AS unsubscribe,
       activity_points('default', 'tweet', NULL) AS unknown,
       activity_points('default', NULL, NULL) IS NULL AS null_activity;

CREATE TABLE activity (lead_id int, activity text, occurred_at timestamptz, properties jsonb);
INSERT INTO activity VALUES
  (1, 'page_view',        '2026-03-01', '{"url": "/pricing"}'),
  (1, 'page_view',        '2026-03-01', '{"url": "/blog"}'),
  (1, 'content_download', '2026-03-16', '{"asset": "buyers-guide.pdf"}'),
  (1, 'webinar',          '2026-03-31', NULL);

-- Engagement on 2026-03-31: 3/2 + 1/2 + 5/sqrt(2) + 10 = 15.5355.
SELECT round(engagement(engagement_state('default', activity, occurred_at, properties), '2026-03-31')::numeric, 4) AS ada_engagement
FROM activity WHERE lead_id = 1;
SELECT rule, activity, activities, round(points::numeric, 4) AS points, capped
FROM explain((SELECT engagement_state('default', activity, occurred_at, properties) FROM activity WHERE lead_id = 1), '2026-03-31');

-- Not yet an MQL (engagement 15.5 < 20); a demo request makes Ada an SQL.
SELECT qualify('default', '{"industry": "software", "employees": 250, "annual_revenue": 20000000, "region": "europe"}',
               engagement_state('default', activity, occurred_at, properties), 'lead', '2026-03-31') AS before_demo
FROM activity WHERE lead_id = 1;
INSERT INTO activity VALUES (1, 'demo_request', '2026-03-31', NULL);
SELECT round(engagement(s, '2026-03-31')::numeric, 4) AS engagement,
       qualify('default', '{"industry": "software", "employees": 250, "annual_revenue": 20000000, "region": "europe"}',
               s, 'lead', '2026-03-31') AS after_demo
FROM (SELECT engagement_state('default', activity, occurred_at, properties) AS s FROM activity WHERE lead_id = 1) x;

-- Decay: 30 and 60 days after the last activity the total halves and quarters.
SELECT round(engagement(s, '2026-04-30')::numeric, 4) AS after_30_days,
       round(engagement(s, '2026-05-30')::numeric, 4) AS after_60_days
FROM (SELECT engagement_state('default', activity, occurred_at, properties) AS s FROM activity WHERE lead_id = 1) x;

-- Caps: 40 page views in one day earn 15, not 40; an unsubscribe subtracts.
INSERT INTO activity SELECT 2, 'page_view', '2026-03-31', jsonb_build_object('url', '/docs/' || i) FROM generate_series(1, 40) i;
SELECT rule, activity, activities, points, capped
FROM explain((SELECT engagement_state('default', activity, occurred_at, properties) FROM activity WHERE lead_id = 2), '2026-03-31')
WHERE activities > 0;
INSERT INTO activity VALUES (2, 'unsubscribe', '2026-03-31', NULL);
SELECT engagement(engagement_state('default', activity, occurred_at, properties), '2026-03-31') AS clamped_at_zero
FROM activity WHERE lead_id = 2;

-- NULL handling in the aggregate: NULL properties count; NULL activity or
-- occurred_at rows are ignored.
INSERT INTO activity VALUES (3, 'email_open', '2026-03-31', NULL), (3, NULL, '2026-03-31', NULL), (3, 'email_click', NULL, NULL);
SELECT (s::text::jsonb)->'activities' AS activities, engagement(s, '2026-03-31') AS engagement
FROM (SELECT engagement_state('default', activity, occurred_at, properties) AS s FROM activity WHERE lead_id = 3) x;

-- add_activity is the incremental step: folding the history one row at a
-- time equals aggregating it.
DO $$
DECLARE s lead_qual.score_state; r record;
BEGIN
  FOR r IN SELECT * FROM activity WHERE lead_id = 1 ORDER BY occurred_at DESC LOOP  -- any order
    s := lead_qual.add_activity(s, 'default', r.activity, r.occurred_at, r.properties);
  END LOOP;
  RAISE NOTICE 'incremental = aggregate: %',
    abs(lead_qual.engagement(s, '2026-04-15') -
        (SELECT lead_qual.engagement(lead_qual.engagement_state('default', activity, occurred_at, properties), '2026-04-15')
           FROM activity WHERE lead_id = 1)) < 1e-9;
END $$;
SELECT add_activity(NULL, 'default', NULL, now(), NULL) IS NULL AS ignored_row_keeps_null;

-- A lead with no activity: NULL state means engagement 0.
SELECT qualify('default', '{"industry": "software", "employees": 250}', NULL, 'lead') AS no_activity,
       qualify('default', '{}', NULL, NULL) IS NULL AS no_stage_no_result,
       qualify(NULL, '{}', NULL, 'lead') IS NULL AS null_model;

-- Automatic stages move forward only.
CREATE TEMP TABLE hot AS
SELECT engagement_state('default', a, '2026-03-31', NULL) AS s
FROM (VALUES ('demo_request'), ('webinar'), ('webinar'), ('content_download')) v(a);
SELECT c AS current,
       qualify('default', '{"industry": "software", "employees": 250, "annual_revenue": 20000000}', (SELECT s FROM hot), c, '2026-03-31') AS hot_lead,
       qualify('default', '{"industry": "software", "employees": 250}', NULL, c, '2026-03-31') AS cold_lead
FROM unnest('{subscriber,lead,mql,sql,opportunity,customer,recycled,disqualified}'::lead_stage[]) c;

-- GROUP BY over a larger table, in parallel: same answer as serially.
CREATE TABLE big_activity AS
SELECT (i % 500) AS lead_id,
       (ARRAY['page_view', 'email_open', 'email_click', 'content_download', 'webinar', 'demo_request'])[1 + (i * 7) % 6] AS activity,
       timestamptz '2026-01-01' + (i % 90) * interval '1 day' + (i % 17) * interval '1 hour' AS occurred_at,
       CASE WHEN i % 5 = 0 THEN '{"url": "/pricing"}'::jsonb END AS properties
FROM generate_series(1, 60000) i;
ANALYZE big_activity;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT lead_id, engagement(engagement_state('default', activity, occurred_at, properties), '2026-04-01')
FROM big_activity GROUP BY lead_id;
CREATE TEMP TABLE parallel_scores AS
SELECT lead_id, engagement(engagement_state('default', activity, occurred_at, properties), '2026-04-01') AS e
FROM big_activity GROUP BY lead_id;
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_scores AS
SELECT lead_id, engagement(engagement_state('default', activity, occurred_at, properties), '2026-04-01') AS e
FROM big_activity GROUP BY lead_id;
RESET max_parallel_workers_per_gather;
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(p.e - s.e) <= 1e-9 * greatest(1, abs(s.e))) AS equal
FROM parallel_scores p JOIN serial_scores s USING (lead_id);

-- Models are compiled once per backend and version; a changed model gets a
-- new version, and states built under the old one are refused.
CREATE TEMP TABLE old_state AS
SELECT engagement_state('default', activity, occurred_at, properties) AS s FROM activity WHERE lead_id = 1;
INSERT INTO scoring_model (name, definition) VALUES ('simple', '{"engagement": {"rules": [{"activity": "visit", "points": 2}]}}');
SELECT engagement(engagement_state('simple', 'visit', '2026-01-01', NULL), '2027-01-01') AS no_decay_without_half_life;
UPDATE scoring_model SET definition = '{"engagement": {"rules": [{"activity": "visit", "points": 5}]}}' WHERE name = 'simple';
SELECT engagement(engagement_state('simple', 'visit', '2026-01-01', NULL)) AS new_points;
UPDATE scoring_model SET definition = jsonb_set(definition, '{engagement,max}', '90') WHERE name = 'default';
SELECT builtin FROM scoring_model WHERE name = 'default';
SELECT add_activity(s, 'default', 'webinar', '2026-04-01', NULL) FROM old_state;
SELECT qualify('default', '{}', s, 'lead') FROM old_state;
-- A state is read without the model: engagement() still works on it.
SELECT round(engagement(s, '2026-03-31')::numeric, 4) AS old_state_still_readable FROM old_state;

DROP TABLE activity, big_activity;
