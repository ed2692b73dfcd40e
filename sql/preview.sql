-- Preview before adopting (issue #16, item 3): preview() and
-- preview_summary() write nothing, and agree lead by lead with what
-- rescore() writes after the candidate is adopted; only leads whose stage
-- really moves get a history row (and so a hand-off notification).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- Current model: fit 10 for software; visit 10, demo 30; mql at engagement
-- 20, sql at 40. No decay: every number is exact.
INSERT INTO scoring_model (name, definition) VALUES ('pv', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 10}]},
  "engagement": {"rules": [{"activity": "visit", "points": 10}, {"activity": "demo", "points": 30}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}}}');
-- Candidate: fit also reads employees (20 for 100 or more); a visit is
-- worth 5, a demo 40; mql at score 25, sql at score 50.
\set candidate '{"fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 10}, {"when": {"employees": {"gte": 100}}, "points": 20}]}, "engagement": {"rules": [{"activity": "visit", "points": 5}, {"activity": "demo", "points": 40}]}, "stages": {"mql": {"min_score": 25}, "sql": {"min_score": 50}}}'
SELECT validate_model(:'candidate') AS problems;

CREATE TABLE pv_leads (id int PRIMARY KEY, industry text, employees int, "isWon" boolean);
CREATE TABLE pv_activities (lead_id int REFERENCES pv_leads, activity text, occurred_at timestamptz);
CREATE INDEX ON pv_activities (lead_id);
INSERT INTO pv_leads VALUES
  (1, 'software', 500, true),   -- 2 visits, 1 demo
  (2, 'software', 10, false),   -- 2 visits
  (3, 'retail', 500, true),     -- 1 visit
  (4, 'retail', 10, false),     -- 1 demo
  (5, 'software', 500, false),  -- no activity
  (6, 'retail', 10, NULL),      -- 4 visits, then recycled by sales, then 1 visit
  (7, 'software', 500, false);  -- the same
SET lead_qual.as_of = '2026-03-01';
SELECT track('pv_activities', 'pv_leads', 'pv', '{"add_columns": true}') AS scored;
INSERT INTO pv_activities VALUES
  (1, 'visit', '2026-03-01'), (1, 'visit', '2026-03-01'), (1, 'demo', '2026-03-01'),
  (2, 'visit', '2026-03-01'), (2, 'visit', '2026-03-01'),
  (3, 'visit', '2026-03-01'), (4, 'demo', '2026-03-01');
INSERT INTO pv_activities SELECT l, 'visit', '2026-03-01' FROM generate_series(6, 7) l, generate_series(1, 4);
SET lead_qual.as_of = '2026-03-02';
UPDATE pv_leads SET stage = 'recycled' WHERE id IN (6, 7);
UPDATE pv_leads SET stage = 'opportunity' WHERE id = 1;
SET lead_qual.as_of = '2026-03-03';
INSERT INTO pv_activities VALUES (6, 'visit', '2026-03-03'), (7, 'visit', '2026-03-03');
SELECT id, fit_score, engagement_score, score, stage FROM pv_leads ORDER BY id;

-- Per lead. Candidate: lead 1 fit 30 + 50 = 80 (sql; stays opportunity);
-- 2: 10 + 10 = 20 (no stage; stays mql); 3: 20 + 5 = 25 (mql: up from
-- lead); 4: 0 + 40 = 40 (mql; stays mql); 5: 30 + 0 = 30 (mql: up);
-- 6: recycled, its one visit since (5) with fit 0 is 5: stays recycled;
-- 7: recycled, its visit since with fit 30 is 35: lifted to mql (the
-- current model judges it on engagement 10 < 20: stays recycled).
SELECT lead_key, stage, current_fit, current_engagement, current_score, current_automatic, current_stage,
       candidate_fit, candidate_engagement, candidate_score, candidate_automatic, candidate_stage, change, positive
  FROM preview('pv_leads', :'candidate', '2026-03-10') ORDER BY lead_key;

-- Summary, outcome opportunity (lead 1 only) and a won flag (1, 3).
-- Current: mql-flagged (automatic stage mql or sql) 1, 2, 4, 6, 7;
-- sql-flagged 1, 6, 7. Candidate: mql-flagged 1, 3, 4, 5, 6, 7; sql-flagged
-- 1, 7. Adopting moves 3, 5 and 7 up. AUC on the won flag (1, 3), current
-- scores 60, 30, 10, 30, 10, 50, 60: (4.5 + 0.5) / 10 = 0.5; candidate 80,
-- 20, 25, 40, 30, 25, 55: (5 + 1.5) / 10 = 0.65.
SELECT * FROM preview_summary('pv_leads', :'candidate', '2026-03-10');
SELECT model, positives, auc, mql_flagged, mql_precision, mql_recall, sql_flagged, sql_precision, sql_recall
  FROM preview_summary('pv_leads', :'candidate', '2026-03-10', '"isWon"');

-- The current model as its own candidate changes nothing.
SELECT count(*) FILTER (WHERE change IS NOT NULL) AS moves,
       count(*) FILTER (WHERE candidate_score IS DISTINCT FROM current_score) AS score_differs
  FROM preview('pv_leads', (SELECT definition FROM scoring_model WHERE name = 'pv'), '2026-03-10');

-- Nothing was written.
SELECT count(*) AS history_rows FROM stage_history WHERE lead_table = 'pv_leads'::regclass;
SELECT id, score, stage FROM pv_leads ORDER BY id;

-- Adopt the candidate and rescore at the same time: every lead gets what
-- preview() said, and only the three leads that move get a history row (one
-- row per move, one NOTIFY per row: the others are not handed off again).
CREATE TEMP TABLE pv_preview AS SELECT * FROM preview('pv_leads', :'candidate', '2026-03-10');
SELECT count(*) AS history_before FROM stage_history WHERE lead_table = 'pv_leads'::regclass \gset
UPDATE scoring_model SET definition = :'candidate' WHERE name = 'pv';
SET lead_qual.as_of = '2026-03-10';
SELECT rescore('pv_leads') AS rescored;
RESET lead_qual.as_of;
SELECT p.lead_key, p.candidate_fit, l.fit_score, p.candidate_engagement, l.engagement_score,
       p.candidate_score, l.score, p.candidate_stage, l.stage
  FROM pv_preview p JOIN pv_leads l ON l.id::text = p.lead_key
 WHERE (p.candidate_fit, p.candidate_engagement, p.candidate_score, p.candidate_stage)
       IS DISTINCT FROM (l.fit_score, l.engagement_score, l.score, l.stage);
SELECT h.lead_key, h.from_stage, h.to_stage, h.reason
  FROM stage_history h WHERE h.lead_table = 'pv_leads'::regclass ORDER BY h.id OFFSET :history_before;
SELECT (SELECT count(*) FROM stage_history WHERE lead_table = 'pv_leads'::regclass) - :history_before AS new_rows,
       (SELECT count(*) FROM pv_preview WHERE change IS NOT NULL) AS previewed_moves;

-- The same with decay, activity properties and or_activities: the shipped
-- default model's rules under another name, 60 leads, 240 activities over 120 days, and a
-- candidate with a 15-day half-life, demo requests worth 40 (and no longer
-- an sql on their own), pricing page views worth 6 and lower thresholds.
INSERT INTO scoring_model (name, definition)
  SELECT 'pv_decay', definition FROM scoring_model_version WHERE name = 'default' AND builtin;
CREATE TABLE pv2_leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE pv2_activities (lead_id int REFERENCES pv2_leads, activity text, occurred_at timestamptz, properties jsonb);
CREATE INDEX ON pv2_activities (lead_id);
INSERT INTO pv2_leads SELECT g, (ARRAY['software', 'retail', 'fintech'])[g % 3 + 1], (g * 37) % 1500,
                             (g * 1000003) % 200000000, (ARRAY['europe', 'asia'])[g % 2 + 1]
  FROM generate_series(1, 60) g;
SET lead_qual.as_of = '2026-06-01';
SELECT track('pv2_activities', 'pv2_leads', 'pv_decay', '{"add_columns": true}') AS scored;
INSERT INTO pv2_activities
  SELECT (g * 7) % 60 + 1,
         (ARRAY['page_view', 'page_view', 'email_open', 'email_click', 'page_view', 'content_download', 'webinar',
                'page_view', 'email_open', 'page_view', 'page_view', 'demo_request'])[g % 12 + 1],
         '2026-06-01'::timestamptz - (g % 120) * interval '1 day' - (g % 13) * interval '1 hour',
         CASE WHEN g % 5 = 0 THEN '{"url": "/pricing"}'::jsonb END
    FROM generate_series(1, 240) g;
RESET lead_qual.as_of;
SELECT stage, count(*) FROM pv2_leads GROUP BY stage ORDER BY stage;
\set candidate2 '{"fit": {"rules": [{"when": {"industry": {"in": ["software", "fintech"]}}, "points": 10}, {"when": {"employees": {"gte": 50}}, "points": 10}], "max": 45}, "engagement": {"half_life_days": 15, "rules": [{"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 6}, {"activity": "page_view", "points": 1, "max": 15}, {"activity": "demo_request", "points": 40}, {"activity": "webinar", "points": 10}], "max": 100}, "stages": {"mql": {"min_fit": 0, "min_engagement": 3}, "sql": {"min_fit": 10, "min_score": 25}}}'
CREATE TEMP TABLE pv2_preview AS SELECT * FROM preview('pv2_leads', :'candidate2', '2026-06-01');
SELECT count(*) AS leads, count(*) FILTER (WHERE change = 'up') AS up, count(*) FILTER (WHERE change = 'down') AS down,
       count(*) FILTER (WHERE candidate_score <> current_score) AS rescored_differently
  FROM pv2_preview;
SELECT count(*) AS history_before FROM stage_history WHERE lead_table = 'pv2_leads'::regclass \gset
UPDATE scoring_model SET definition = :'candidate2' WHERE name = 'pv_decay';
SET lead_qual.as_of = '2026-06-01';
SELECT rescore('pv2_leads') AS rescored;
RESET lead_qual.as_of;
-- Every lead as previewed (scores to 1e-9: sums of decayed points may be
-- added in another order), and one history row per previewed move.
SELECT p.lead_key, p.candidate_score, l.score, p.candidate_stage, l.stage
  FROM pv2_preview p JOIN pv2_leads l ON l.id::text = p.lead_key
 WHERE abs(p.candidate_fit - l.fit_score) > 1e-9 OR abs(p.candidate_engagement - l.engagement_score) > 1e-9
    OR abs(p.candidate_score - l.score) > 1e-9 OR p.candidate_stage IS DISTINCT FROM l.stage;
SELECT (SELECT count(*) FROM stage_history WHERE lead_table = 'pv2_leads'::regclass) - :history_before AS new_rows,
       (SELECT count(*) FROM pv2_preview WHERE change IS NOT NULL) AS previewed_moves;
-- The same leads, moved to the previewed stages.
(SELECT lead_key, to_stage FROM stage_history WHERE lead_table = 'pv2_leads'::regclass ORDER BY id OFFSET :history_before)
EXCEPT (SELECT lead_key, candidate_stage FROM pv2_preview WHERE change IS NOT NULL);
(SELECT lead_key, candidate_stage FROM pv2_preview WHERE change IS NOT NULL)
EXCEPT (SELECT lead_key, to_stage FROM stage_history WHERE lead_table = 'pv2_leads'::regclass ORDER BY id OFFSET :history_before);
DROP TABLE pv2_preview;
SELECT untrack('pv2_activities');
DROP TABLE pv2_activities, pv2_leads;
DELETE FROM scoring_model WHERE name = 'pv_decay';

-- Bad input: an invalid candidate names its JSON path; untracked tables.
\set VERBOSITY default
SELECT * FROM preview('pv_leads', '{"engagement": {"rules": [{"activity": "visit", "points": "many"}]}}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM preview('pg_class', :'candidate');
\echo sqlstate :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT count(*) AS none FROM preview('pv_leads', NULL);

DROP TABLE pv_preview;
SELECT untrack('pv_activities');
DROP TABLE pv_activities, pv_leads;
DELETE FROM stage_history;
DELETE FROM scoring_model WHERE name = 'pv';
