-- Issue #12, input 6: the columns lead_qual owns (score_state, fit_score,
-- engagement_score, score, stage_changed_at) keep lead_qual's values
-- whatever an application UPDATE writes to them (an ORM's full-row save
-- writes every column back as it loaded it), and verify() checks the score
-- columns against the model and the state. Default model; lead 1 has fit 35.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
SET lead_qual.as_of = '2026-03-31 09:00:00+00';
CREATE SCHEMA owned;
SET search_path = owned, public;
CREATE TABLE leads(id int primary key, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities(id bigserial primary key, event_id text unique, lead_id int, activity text,
                        occurred_at timestamptz DEFAULT '2026-03-31 09:00+00', properties jsonb);
CREATE INDEX ON activities(lead_id);
INSERT INTO leads VALUES (1, 'software', 250, 20000000, 'europe');
SELECT lead_qual.track('owned.activities', 'owned.leads', 'default', '{"add_columns": true}');
INSERT INTO activities(lead_id, activity) VALUES (1, 'webinar');
CREATE VIEW scores AS
SELECT id, round(fit_score::numeric, 6) AS fit, round(engagement_score::numeric, 6) AS engagement,
       round(score::numeric, 6) AS score, stage, stage_changed_at,
       (score_state::text::jsonb ->> 'activities')::int AS activities
  FROM leads ORDER BY id;
SELECT * FROM scores;
-- fit 35, engagement 10, score 45

-- Direct writes of the owned columns are undone, the rest of the row is kept.
UPDATE leads SET score = 999 WHERE id = 1;
UPDATE leads SET engagement_score = 0, fit_score = 1, stage_changed_at = '2000-01-01', region = 'asia' WHERE id = 1;
UPDATE leads SET score_state = NULL WHERE id = 1;
SELECT * FROM scores;
-- fit 30 (the region change rescores: europe no longer counts), engagement 10, score 40, stage_changed_at kept
SELECT band_low, leads FROM lead_qual.score_bands WHERE lead_table_oid = 'owned.leads'::regclass AND leads > 0;
-- band 40
SELECT count(*) AS inconsistent FROM lead_qual.verify('owned.leads', '2026-03-31 09:00+00');
-- 0
UPDATE leads SET region = 'europe' WHERE id = 1;

-- An ORM's stale full-row save: the row is loaded, activities commit, the
-- ORM writes every column back as it loaded them.
CREATE TEMP TABLE orm_copy AS SELECT * FROM leads;
INSERT INTO activities(lead_id, activity) VALUES (1, 'email_open'), (1, 'email_click');
UPDATE leads l SET (industry, employees, annual_revenue, region, fit_score, engagement_score, score,
                    score_state, stage_changed_at)
                 = (o.industry, o.employees, o.annual_revenue, o.region, o.fit_score, o.engagement_score, o.score,
                    o.score_state, o.stage_changed_at)
  FROM orm_copy o WHERE o.id = l.id;
SELECT * FROM scores;
-- engagement 17 (10 + 2 + 5), score 52, 3 activities: nothing lost

-- verify() reports score columns that disagree with the model and the state
-- (written with lead_qual's trigger disabled, as a restore or a bulk fix might).
ALTER TABLE leads DISABLE TRIGGER lead_qual_lead;
UPDATE leads SET fit_score = 12 WHERE id = 1;
SELECT lead_key, problem FROM lead_qual.verify('owned.leads', '2026-03-31 09:00+00');
UPDATE leads SET fit_score = 35, score = 1 WHERE id = 1;
SELECT lead_key, problem FROM lead_qual.verify('owned.leads', '2026-03-31 09:00+00');
ALTER TABLE leads ENABLE TRIGGER lead_qual_lead;
SELECT lead_qual.rescore('owned.leads');
SELECT lead_key, problem FROM lead_qual.verify('owned.leads', '2026-03-31 09:00+00');
-- none after rescore()

SELECT lead_qual.untrack('owned.activities');
DROP SCHEMA owned CASCADE;
