-- lead_stage: I/O, ordering, indexes, hashing, aggregates, casts, binary I/O.
CREATE EXTENSION lead_qual;
SET search_path = public, lead_qual;

CREATE TEMP VIEW all_stages AS
SELECT s::lead_stage AS s
FROM unnest(ARRAY['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified']) AS s;

-- Text input: case-insensitive, trimmed; output lower case.
SELECT s::lead_stage AS stage
FROM unnest(ARRAY['subscriber', 'LEAD', ' Mql ', E'sql\n', 'Opportunity', 'CUSTOMER', E'\trecycled', 'disqualified']) AS s;

-- Every invalid input names the value and lists the valid stages (22P02).
SELECT ''::lead_stage;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT '   '::lead_stage;
SELECT 'mq'::lead_stage;
SELECT 'm ql'::lead_stage;
SELECT 'customers'::lead_stage;
SELECT '0'::lead_stage;
SELECT 'sql;'::lead_stage;
SELECT E'\u00e9'::lead_stage;
SELECT 'mql'::text::lead_stage, 'nope'::text::lead_stage;

-- NULL in, NULL out.
SELECT NULL::lead_stage IS NULL AS is_null, stage_rank(NULL) IS NULL AS rank_null;

-- Round trip through text, and the funnel ranks.
SELECT s, s::text AS as_text, s::text::lead_stage = s AS round_trips, stage_rank(s) AS rank FROM all_stages;

-- Ordering follows the funnel, not the alphabet.
SELECT array_agg(s ORDER BY s) AS ascending, array_agg(s ORDER BY s DESC) AS descending FROM all_stages;

-- Every operator against every pair agrees with the ranks.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a = b) = (stage_rank(a) = stage_rank(b))
                          AND (a <> b) = (stage_rank(a) <> stage_rank(b))
                          AND (a < b) = (stage_rank(a) < stage_rank(b))
                          AND (a <= b) = (stage_rank(a) <= stage_rank(b))
                          AND (a > b) = (stage_rank(a) > stage_rank(b))
                          AND (a >= b) = (stage_rank(a) >= stage_rank(b))
                          AND sign(lead_stage_cmp(a, b)) = sign(stage_rank(a) - stage_rank(b))) AS consistent
FROM all_stages x(a) CROSS JOIN all_stages y(b);

-- min/max aggregates use funnel order.
SELECT min(s), max(s) FROM all_stages;
SELECT min(s), max(s) FROM all_stages WHERE s < 'recycled';
SELECT min(s) IS NULL AS empty_min FROM all_stages WHERE false;

-- A table with a btree index: the planner uses it, and results are right.
CREATE TABLE leads (id int PRIMARY KEY, stage lead_stage NOT NULL);
INSERT INTO leads SELECT i, (ARRAY['subscriber','lead','mql','sql','opportunity','customer','recycled','disqualified'])[1 + i % 8]::lead_stage
FROM generate_series(1, 8000) AS i;
CREATE INDEX leads_stage_idx ON leads (stage);
ANALYZE leads;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM leads WHERE stage = 'sql';
EXPLAIN (COSTS OFF) SELECT id FROM leads WHERE stage >= 'customer' AND stage < 'disqualified';
SELECT count(*) FROM leads WHERE stage = 'sql';
SELECT stage, count(*) FROM leads WHERE stage >= 'customer' AND stage < 'disqualified' GROUP BY stage ORDER BY stage;
-- min() and max() read the two ends of the btree index. Only the scans are
-- shown: PostgreSQL 17 prints the rest of this plan differently.
CREATE FUNCTION pg_temp.plan_scans(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line ~ 'Scan' THEN RETURN NEXT btrim(line, ' ->'); END IF;
  END LOOP;
END $$;
SELECT pg_temp.plan_scans('SELECT min(stage), max(stage) FROM leads') AS scan;
SELECT min(stage), max(stage) FROM leads;
RESET enable_seqscan;

-- A unique index enforces uniqueness by funnel identity.
CREATE TABLE stage_names (stage lead_stage PRIMARY KEY, label text);
INSERT INTO stage_names SELECT s, initcap(s::text) FROM all_stages;
INSERT INTO stage_names VALUES ('MQL', 'duplicate');

-- Hash index, hash join, hash aggregate, merge join, DISTINCT.
DROP INDEX leads_stage_idx;
CREATE INDEX leads_stage_hash ON leads USING hash (stage);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM leads WHERE stage = 'lead';
SELECT count(*) FROM leads WHERE stage = 'lead';
RESET enable_seqscan;
RESET enable_bitmapscan;

SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT n.label, count(*) FROM leads l JOIN stage_names n ON n.stage = l.stage GROUP BY n.label;
SELECT n.label, count(*) FROM leads l JOIN stage_names n ON n.stage = l.stage GROUP BY n.label ORDER BY n.label;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM leads l JOIN stage_names n ON n.stage = l.stage;
SELECT count(*) FROM leads l JOIN stage_names n ON n.stage = l.stage;
RESET enable_hashjoin;
RESET enable_nestloop;

SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT stage, count(*) FROM leads GROUP BY stage;
RESET enable_sort;
SELECT stage, count(*) FROM leads GROUP BY stage ORDER BY stage;
SELECT DISTINCT stage FROM leads ORDER BY 1;

-- Hash functions: equal values hash equally; the extended hash honours its seed.
SELECT count(DISTINCT lead_stage_hash(s)) AS distinct_hashes,
       bool_and(lead_stage_hash_extended(s, 0) <> lead_stage_hash_extended(s, 1)) AS seed_matters,
       bool_and(lead_stage_hash(s) = lead_stage_hash(s::text::lead_stage)) AS stable
FROM all_stages;

-- Binary I/O: COPY BINARY round trip, and recv rejects bytes out of range.
COPY (SELECT stage FROM leads ORDER BY id) TO '/tmp/lead_qual_regress_stages.bin' WITH (FORMAT binary);
CREATE TABLE leads_copy (stage lead_stage);
COPY leads_copy FROM '/tmp/lead_qual_regress_stages.bin' WITH (FORMAT binary);
SELECT (SELECT array_agg(stage ORDER BY stage) FROM leads) = (SELECT array_agg(stage ORDER BY stage) FROM leads_copy) AS binary_round_trip;
-- A one-byte field holding 8, then 255: not a stage.
COPY (SELECT '\x08'::bytea) TO '/tmp/lead_qual_regress_bad_stage.bin' WITH (FORMAT binary);
COPY leads_copy FROM '/tmp/lead_qual_regress_bad_stage.bin' WITH (FORMAT binary);
\echo sqlstate :LAST_ERROR_SQLSTATE
COPY (SELECT '\xff'::bytea) TO '/tmp/lead_qual_regress_bad_stage.bin' WITH (FORMAT binary);
COPY leads_copy FROM '/tmp/lead_qual_regress_bad_stage.bin' WITH (FORMAT binary);
-- Two bytes where one is expected.
COPY (SELECT '\x0102'::bytea) TO '/tmp/lead_qual_regress_bad_stage.bin' WITH (FORMAT binary);
COPY leads_copy FROM '/tmp/lead_qual_regress_bad_stage.bin' WITH (FORMAT binary);
SELECT count(*) AS rows_after_bad_copies FROM leads_copy;

-- Storage is one byte.
SELECT pg_column_size('customer'::lead_stage) AS bytes;

DROP TABLE leads, leads_copy, stage_names;
