-- The engagement_state() aggregates keep a compact accumulator per group
-- (issue #17): whatever the plan (sorted or hashed, spilled to disk or not,
-- serial or parallel) their result is the state the same activities give
-- folded one by one with add_activity().
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- The reference: an aggregate a user could write over add_activity(), whose
-- state is the whole score_state datum.
CREATE AGGREGATE fold_state(text, text, timestamptz, jsonb, timestamptz) (
    SFUNC = lead_qual.add_activity, STYPE = lead_qual.score_state);
CREATE AGGREGATE fold_state(text, text, timestamptz, jsonb) (
    SFUNC = lead_qual.add_activity, STYPE = lead_qual.score_state);

-- 2,000 leads; lead 7 has 60 activities after the scoring time (more than a
-- state holds apart, and more than an accumulator's spare room); every
-- hundredth row has no time or no activity, lead 3 only such rows.
CREATE TABLE acts AS
SELECT CASE WHEN i % 1000 = 3 THEN 3 ELSE i % 2000 END AS lead_id,
       CASE WHEN i % 100 = 1 OR i % 1000 = 3 THEN NULL
            ELSE (ARRAY['page_view', 'email_click', 'content_download', 'webinar', 'demo_request', 'unknown'])[1 + (i * 7) % 6] END AS activity,
       CASE WHEN i % 100 = 2 THEN NULL
            WHEN i % 2000 = 7 THEN timestamptz '2026-04-01' + (i / 2000) * interval '1 hour'
            ELSE timestamptz '2026-01-01' + (i % 90) * interval '1 day' + (i % 17) * interval '1 hour' END AS occurred_at,
       CASE WHEN i % 5 = 0 THEN '{"url": "/pricing"}'::jsonb END AS properties
FROM generate_series(1, 120000) i;
ANALYZE acts;

-- Serially, the accumulator and the fold give the same bytes, in both plans
-- (hashed and sorted) and spilled (work_mem 64kB holds a few hundred
-- groups: the accumulators are dropped and rebuilt batch by batch).
CREATE FUNCTION compare(label text) RETURNS TABLE (plan text, leads bigint, same_state bigint, null_states bigint)
LANGUAGE sql AS $$
  SELECT label, count(*), count(*) FILTER (WHERE a.s::text = f.s::text), count(*) FILTER (WHERE a.s IS NULL AND f.s IS NULL)
  FROM (SELECT lead_id, engagement_state('default', activity, occurred_at, properties, '2026-04-01') AS s
          FROM acts GROUP BY lead_id) a
  FULL JOIN (SELECT lead_id, fold_state('default', activity, occurred_at, properties, '2026-04-01') AS s
               FROM acts GROUP BY lead_id) f USING (lead_id)
$$;
SET max_parallel_workers_per_gather = 0;
SET enable_sort = off;
SELECT * FROM compare('hashed');
SET work_mem = '64kB';
SELECT * FROM compare('hashed, spilled');
RESET work_mem;
RESET enable_sort;
SET enable_hashagg = off;
SELECT * FROM compare('sorted');
RESET enable_hashagg;

-- Lead 7: 60 activities after as_of, 32 held apart (the oldest folded).
SELECT lead_id, (s::text::jsonb -> 'activities')::int AS activities, jsonb_array_length(s::text::jsonb -> 'future') AS held,
       round(engagement(s, '2026-05-01')::numeric, 6) = round(engagement(f, '2026-05-01')::numeric, 6) AS same_engagement
FROM (SELECT lead_id, engagement_state('default', activity, occurred_at, properties, '2026-04-01') AS s,
             fold_state('default', activity, occurred_at, properties, '2026-04-01') AS f
        FROM acts WHERE lead_id IN (3, 7) GROUP BY lead_id) x ORDER BY lead_id;
-- No scored activity at all: NULL, as before.
SELECT engagement_state('default', NULL, now(), NULL) IS NULL AS no_activity,
       engagement_state('default', 'webinar', NULL, NULL) IS NULL AS no_time,
       (SELECT engagement_state('default', activity, occurred_at, properties) FROM acts WHERE false) IS NULL AS no_rows;

-- In parallel (partial results sent between processes, then combined: a
-- stored model's in their compact form, read back by a leader that runs no
-- transition itself; a candidate's as whole states): the same engagement,
-- without and with as_of, also when the hash aggregate spills.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT lead_id, engagement_state('default', activity, occurred_at, properties, '2026-04-01') FROM acts GROUP BY lead_id;
CREATE TEMP TABLE parallel_states AS
SELECT lead_id, engagement_state('default', activity, occurred_at, properties, '2026-04-01') AS s,
       engagement_state('default', activity, occurred_at, properties) AS plain
FROM acts GROUP BY lead_id;
SET work_mem = '64kB';
CREATE TEMP TABLE parallel_spilled AS
SELECT lead_id, engagement_state('default', activity, occurred_at, properties, '2026-04-01') AS s FROM acts GROUP BY lead_id;
RESET work_mem;
SELECT definition AS default_definition FROM scoring_model WHERE name = 'default' \gset
EXPLAIN (COSTS OFF)
SELECT lead_id, engagement_state(:'default_definition'::jsonb, activity, occurred_at, properties, '2026-04-01') FROM acts GROUP BY lead_id;
CREATE TEMP TABLE parallel_candidate AS
SELECT lead_id, engagement_state(:'default_definition'::jsonb, activity, occurred_at, properties, '2026-04-01') AS s FROM acts GROUP BY lead_id;
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_states AS
SELECT lead_id, fold_state('default', activity, occurred_at, properties, '2026-04-01') AS s,
       fold_state('default', activity, occurred_at, properties) AS plain
FROM acts GROUP BY lead_id;
CREATE FUNCTION close(a double precision, b double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE AS 'SELECT abs(a - b) <= 1e-9 * greatest(1, abs(b))';
SELECT count(*) AS leads,
       count(*) FILTER (WHERE close(engagement(p.s, '2026-05-01'), engagement(s.s, '2026-05-01'))) AS same_as_of,
       count(*) FILTER (WHERE close(engagement(p.plain, '2026-05-01'), engagement(s.plain, '2026-05-01'))) AS same_plain,
       count(*) FILTER (WHERE close(engagement(q.s, '2026-05-01'), engagement(s.s, '2026-05-01'))) AS same_spilled,
       count(*) FILTER (WHERE (p.s::text::jsonb -> 'activities') = (s.s::text::jsonb -> 'activities')
                          AND (q.s::text::jsonb -> 'activities') = (s.s::text::jsonb -> 'activities')) AS same_counts,
       count(*) FILTER (WHERE close(engagement(c.s, '2026-05-01'), engagement(s.s, '2026-05-01'))
                          AND (c.s::text::jsonb -> 'activities') = (s.s::text::jsonb -> 'activities')) AS same_candidate,
       count(*) FILTER (WHERE p.s IS NULL AND s.s IS NULL AND q.s IS NULL AND c.s IS NULL) AS null_states
FROM parallel_states p JOIN serial_states s USING (lead_id) JOIN parallel_spilled q USING (lead_id)
     JOIN parallel_candidate c USING (lead_id);

-- A candidate model (the jsonb overload) gives what the stored model gives,
-- under its own name and version.
SELECT round(engagement(engagement_state((SELECT definition FROM scoring_model WHERE name = 'default'), activity, occurred_at, properties, '2026-04-01'), '2026-04-01')::numeric, 6)
     = round(engagement(engagement_state('default', activity, occurred_at, properties, '2026-04-01'), '2026-04-01')::numeric, 6) AS candidate_same,
       engagement_state((SELECT definition FROM scoring_model WHERE name = 'default'), activity, occurred_at, properties, '2026-04-01')::text::jsonb ->> 'model' AS candidate_name
FROM acts WHERE lead_id = 11;

-- A definition computed per row (not a constant: each row's may sit where
-- the last row's was) is read per row: two candidates alternating between
-- the rows of a hash aggregate give each lead its own model's state.
SELECT jsonb_set(:'default_definition'::jsonb, '{engagement,half_life_days}', '3') AS other_definition \gset
SELECT count(*) AS leads, count(*) FILTER (WHERE x.s::text = y.s::text) AS same_state
FROM (SELECT lead_id, engagement_state(jsonb_set(CASE WHEN lead_id % 2 = 0 THEN :'default_definition'::jsonb
                                                      ELSE :'other_definition'::jsonb END, '{description}', '"per row"'),
                                       activity, occurred_at, properties, '2026-04-01') AS s
        FROM acts GROUP BY lead_id) x
JOIN (SELECT lead_id, engagement_state(jsonb_set(:'default_definition'::jsonb, '{description}', '"per row"'),
                                       activity, occurred_at, properties, '2026-04-01') AS s
        FROM acts WHERE lead_id % 2 = 0 GROUP BY lead_id
      UNION ALL
      SELECT lead_id, engagement_state(jsonb_set(:'other_definition'::jsonb, '{description}', '"per row"'),
                                       activity, occurred_at, properties, '2026-04-01') AS s
        FROM acts WHERE lead_id % 2 = 1 GROUP BY lead_id) y USING (lead_id);

-- One group fed by two models is refused (22023), naming both, in every
-- plan; so is combining partial states of two models.
INSERT INTO scoring_model (name, definition) VALUES ('other', '{"engagement": {"rules": [{"activity": "webinar", "points": 2}]}}');
CREATE FUNCTION error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'version [0-9]+', 'version N', 'g');
END $$;
SELECT error_of($$SELECT engagement_state(CASE WHEN occurred_at < '2026-02-01' THEN 'default' ELSE 'other' END, activity, occurred_at, properties)
                  FROM acts WHERE lead_id = 11$$) AS two_models_one_group;
SELECT error_of($$SELECT score_state_combine(engagement_state('default', 'webinar', '2026-01-01', NULL),
                                             engagement_state('other', 'webinar', '2026-01-01', NULL))$$) AS two_models_combined;
DROP TABLE acts;
DROP FUNCTION error_of(text);
DROP FUNCTION compare(text);
DROP FUNCTION close(double precision, double precision);
DROP AGGREGATE fold_state(text, text, timestamptz, jsonb, timestamptz);
DROP AGGREGATE fold_state(text, text, timestamptz, jsonb);
DELETE FROM scoring_model WHERE name = 'other';
