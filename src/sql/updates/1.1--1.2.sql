-- Schema changes from 1.1 to 1.2: lead_qual.tracked.partitions (issue #12:
-- the partitions of a partitioned activity table that carry the triggers),
-- and those of issue #13 below (lead lives, erasure, backfill, casts).
-- Otherwise 1.2 changed functions and triggers only (scoring_model_maintain()
-- keeps a restored model's updated_at; the
-- statement trigger scoring_model_changed invalidates every backend's
-- compiled models; _not_tracked() gives one definition of that rule; the
-- engagement_state(..., as_of) aggregate, scored_at() and the stamping
-- trigger function activity_time_stamp() are new; tables tracked before get
-- the triggers of this version from _install_triggers(), called at the end
-- of tracking.sql, with their configuration in one argument of format 2,
-- src/pg/track_args.hpp); the area files re-applied
-- after this file bring them. The score_state type keeps its I/O functions:
-- states written by 1.1 (format "LQS1") stay in users' tables and the 1.2
-- library reads them (src/core/score_state.hpp), so nothing is rewritten here.

ALTER TABLE lead_qual.tracked ADD COLUMN partitions regclass[];
COMMENT ON COLUMN lead_qual.tracked.partitions IS
    'partitions of a partitioned activity table that carry lead_qual''s triggers (NULL: not partitioned)';

-- Issue #13: the stage history as a record of a lead's life
-- (src/sql/schema/tracking.sql has the same objects for a fresh install).
-- A lead's history rows share a life_id, kept through key changes and
-- ended by deletes (lead_qual.lead_life); lead_key may be erased
-- (forget_lead()); reason 'backfill' (backfill()).
ALTER TABLE lead_qual.stage_history ALTER COLUMN lead_key DROP NOT NULL;
ALTER TABLE lead_qual.stage_history DROP CONSTRAINT stage_history_reason_check;
ALTER TABLE lead_qual.stage_history ADD COLUMN life_id bigint;
ALTER TABLE lead_qual.stage_history
    ADD CONSTRAINT stage_history_reason_check CHECK (reason IN ('score', 'manual', 'rescore', 'refresh', 'backfill'));
CREATE INDEX stage_history_life_idx ON lead_qual.stage_history (life_id);
COMMENT ON COLUMN lead_qual.stage_history.lead_key IS 'the lead''s key at the change, as text (NULL: erased with forget_lead())';
COMMENT ON COLUMN lead_qual.stage_history.reason IS
    'score: new activity; manual: a user set the stage; rescore: recomputed (attributes, deleted activities, rescore()); refresh: decay refresh or recycling; backfill: dated by backfill() from the activities before adoption';
COMMENT ON COLUMN lead_qual.stage_history.life_id IS
    'the lead''s life (lead_life.life_id): the same through key changes, new after the lead is deleted and created again';
COMMENT ON INDEX lead_qual.stage_history_life_idx IS 'history by life (reports, key changes, erasure)';
COMMENT ON CONSTRAINT stage_history_reason_check ON lead_qual.stage_history IS 'the reasons of lq::reason (core/change_reason.hpp) and backfill';

CREATE TABLE lead_qual.lead_life (
    lead_table regclass NOT NULL,
    lead_key text NOT NULL,
    life_id bigserial NOT NULL UNIQUE,
    PRIMARY KEY (lead_table, lead_key)
);
COMMENT ON TABLE lead_qual.lead_life IS 'the current life of every tracked lead key that has stage history';
COMMENT ON COLUMN lead_qual.lead_life.lead_table IS 'the tracked leads table';
COMMENT ON COLUMN lead_qual.lead_life.lead_key IS 'the lead''s current key, as text';
COMMENT ON COLUMN lead_qual.lead_life.life_id IS 'the life its history rows carry (stage_history.life_id)';
COMMENT ON SEQUENCE lead_qual.lead_life_life_id_seq IS 'ids of lead lives';
COMMENT ON INDEX lead_qual.lead_life_pkey IS 'one life per current key';
COMMENT ON INDEX lead_qual.lead_life_life_id_key IS 'a life belongs to one key';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.lead_life', '');
SELECT pg_catalog.pg_extension_config_dump('lead_qual.lead_life_life_id_seq', '');
REVOKE ALL ON lead_qual.lead_life FROM PUBLIC;

-- Existing history: one life per table and key (older versions did not see
-- deletes, so a key deleted and created again before this update stays one
-- life), in the order of the keys' first rows. Keys that no longer exist in
-- a tracked table have no current life.
INSERT INTO lead_qual.lead_life (lead_table, lead_key)
SELECT f.lead_table, f.lead_key
  FROM (SELECT h.lead_table, h.lead_key, min(h.id) AS first_id FROM lead_qual.stage_history h GROUP BY 1, 2) AS f
 ORDER BY f.first_id;
UPDATE lead_qual.stage_history h SET life_id = l.life_id
  FROM lead_qual.lead_life l WHERE l.lead_table = h.lead_table AND l.lead_key = h.lead_key;
ALTER TABLE lead_qual.stage_history ALTER COLUMN life_id SET NOT NULL;
-- Rows written before 1.2 count as written by a transaction older than any
-- snapshot (xid 3, the first normal one): no worker catches them up again.
ALTER TABLE lead_qual.stage_history ADD COLUMN xact xid8;
UPDATE lead_qual.stage_history SET xact = '3';
ALTER TABLE lead_qual.stage_history ALTER COLUMN xact SET DEFAULT pg_catalog.pg_current_xact_id(),
                                    ALTER COLUMN xact SET NOT NULL;
CREATE INDEX stage_history_xact_idx ON lead_qual.stage_history (xact);
COMMENT ON INDEX lead_qual.stage_history_xact_idx IS 'history by writing transaction (workers'' catch-up)';
COMMENT ON COLUMN lead_qual.stage_history.xact IS
    'the transaction that wrote the row: a worker catches up with the rows not visible in its last snapshot (README, "Hand-off notifications")';
DO $$
DECLARE
  t record;
BEGIN
  DELETE FROM lead_qual.lead_life l WHERE l.lead_table NOT IN (SELECT tr.leads FROM lead_qual.tracked tr);
  FOR t IN SELECT tr.leads, tr.options->>'key' AS key FROM lead_qual.tracked tr LOOP
    EXECUTE format('DELETE FROM lead_qual.lead_life l WHERE l.lead_table = $1'
                   '   AND NOT EXISTS (SELECT FROM %s x WHERE x.%I::text = l.lead_key)', t.leads, t.key)
      USING t.leads;
  END LOOP;
END $$;

-- Casts (src/sql/schema/lead_stage.sql, score_state.sql): lead_stage -> name
-- (implicit: WHERE stage = 'mql' without lead_qual on the search_path),
-- varchar -> lead_stage and score_state -> jsonb.
CREATE CAST (lead_qual.lead_stage AS name) WITH INOUT AS IMPLICIT;
COMMENT ON CAST (lead_qual.lead_stage AS name) IS 'stage name, lower case (implicit: WHERE stage = ''mql'' works without lead_qual on the search_path)';
CREATE CAST (varchar AS lead_qual.lead_stage) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (varchar AS lead_qual.lead_stage) IS 'parses a stage name (case-insensitive, trimmed): varchar parameters of JDBC-style clients';
CREATE CAST (lead_qual.score_state AS jsonb) WITH INOUT;
COMMENT ON CAST (lead_qual.score_state AS jsonb) IS 'the state''s JSON (its text output) as jsonb';

-- Report views (src/sql/reports.sql): lead_table becomes the schema-qualified
-- name as text (WHERE lead_table = $1 with a text parameter), the regclass
-- moves to lead_table_oid, stage names and hours are added. A column that
-- changes type needs the view dropped first; the area files create them
-- again with their grants (grants a site made to its own roles on them must
-- be made again: README, "BI role").
DROP VIEW lead_qual.stage_velocity, lead_qual.stage_conversion, lead_qual.stage_reached,
          lead_qual.funnel, lead_qual.score_bands, lead_qual.fit_grades;

-- _apply() takes a ninth argument (a recycled lead's state since it was
-- recycled): the old signature is dropped, the area file creates the new one.
DROP FUNCTION IF EXISTS lead_qual._apply(text, lead_qual.score_state, lead_qual.lead_stage, timestamptz,
                                          double precision, jsonb, lead_qual.score_state);

-- Issue #16: outcomes sales decided. threshold_report() and score_auc() take
-- the outcome as text (a funnel stage or an expression over the leads row,
-- default opportunity); the typed overloads stay for their callers but lose
-- their default ('sql', the model's own threshold), which CREATE OR REPLACE
-- cannot remove: they are dropped and the area file creates them again.
DROP FUNCTION IF EXISTS lead_qual.threshold_report(regclass, lead_qual.lead_stage, double precision[]);
DROP FUNCTION IF EXISTS lead_qual.score_auc(regclass, lead_qual.lead_stage);

-- Issue #16: model versions. Every definition a model has from now on is
-- kept (src/sql/schema/models.sql has the same table for a fresh install);
-- the definitions current at the update are its first rows (created_by
-- unknown). History rows say which version of the lead's model was current.
CREATE TABLE lead_qual.scoring_model_version (
    name text NOT NULL,
    version bigint NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    created_by name,
    builtin boolean NOT NULL DEFAULT false,
    PRIMARY KEY (name, version)
);
COMMENT ON TABLE lead_qual.scoring_model_version IS
    'every definition every scoring model had, by version (rollback_model() adopts one again)';
COMMENT ON COLUMN lead_qual.scoring_model_version.name IS 'the model''s name when the version was made';
COMMENT ON COLUMN lead_qual.scoring_model_version.version IS 'scoring_model.version of that definition (score states and stage_history.model_version record it)';
COMMENT ON COLUMN lead_qual.scoring_model_version.definition IS 'the definition (JSON)';
COMMENT ON COLUMN lead_qual.scoring_model_version.created_at IS 'when it became the model''s definition';
COMMENT ON COLUMN lead_qual.scoring_model_version.created_by IS 'the role that made the change (NULL: recorded by the update to 1.2 from the definition then current)';
COMMENT ON COLUMN lead_qual.scoring_model_version.builtin IS 'true for the shipped default model as CREATE EXTENSION made it (not dumped: recreated)';
COMMENT ON INDEX lead_qual.scoring_model_version_pkey IS 'one row per model and version';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.scoring_model_version', 'WHERE NOT builtin');
REVOKE ALL ON lead_qual.scoring_model_version FROM PUBLIC;
GRANT SELECT ON lead_qual.scoring_model_version TO PUBLIC;
INSERT INTO lead_qual.scoring_model_version (name, version, definition, created_at, created_by, builtin)
SELECT m.name, m.version, m.definition, m.updated_at, NULL, m.builtin FROM lead_qual.scoring_model m;
ALTER TABLE lead_qual.stage_history ADD COLUMN model_version bigint;
COMMENT ON COLUMN lead_qual.stage_history.model_version IS
    'the version of the lead''s model when the row was written (scoring_model_version; NULL: written before 1.2)';

-- Issue #16, several scores per lead: history rows say which model drove
-- the stage; the tables of add_score() (src/sql/schema/tracking.sql has the
-- same objects for a fresh install). rescore(), refresh(), verify(),
-- _rewrite(), _outcomes(), threshold_report() and score_auc() take a model
-- argument (default: the driving model): their old signatures go, the area
-- files create the new ones.
ALTER TABLE lead_qual.stage_history ADD COLUMN model text;
COMMENT ON COLUMN lead_qual.stage_history.model IS
    'the model that drove the lead''s stage when the row was written (lead_qual.tracked.model; NULL: written before 1.2)';
-- Several scores per lead (issue #16): more models on a tracked pair, each
-- writing its own columns; the model of lead_qual.tracked alone drives the
-- stage (README, "Several scores per lead").
CREATE TABLE lead_qual.tracked_score (
    leads regclass NOT NULL,
    model text NOT NULL,
    options jsonb NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (leads, model)
);
COMMENT ON TABLE lead_qual.tracked_score IS
    'models scoring a tracked leads table beside the one that drives its stage (add_score()): each writes its own columns, never the stage';
COMMENT ON COLUMN lead_qual.tracked_score.leads IS 'the tracked leads table (lead_qual.tracked.leads)';
COMMENT ON COLUMN lead_qual.tracked_score.model IS 'the scoring model (not the table''s driving model)';
COMMENT ON COLUMN lead_qual.tracked_score.options IS
    'the columns this model writes (fit_score, engagement_score, score, score_state, stage, stage_changed_at), defaults resolved';
COMMENT ON COLUMN lead_qual.tracked_score.added_at IS 'when add_score() attached the model';
COMMENT ON INDEX lead_qual.tracked_score_pkey IS 'one row per leads table and model';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.tracked_score', '');
REVOKE ALL ON lead_qual.tracked_score FROM PUBLIC;
GRANT SELECT ON lead_qual.tracked_score TO PUBLIC;

-- The stages a model of tracked_score would have set (its own stage
-- column): the history of its values, kept apart from stage_history, which
-- records what happened to the lead (reports, hand-offs).
CREATE TABLE lead_qual.score_history (
    id bigserial PRIMARY KEY,
    lead_table regclass NOT NULL,
    lead_key text,
    model text NOT NULL,
    model_version bigint,
    from_stage lead_qual.lead_stage,
    to_stage lead_qual.lead_stage NOT NULL,
    changed_at timestamptz NOT NULL,
    fit double precision,
    engagement double precision,
    score double precision,
    reason text NOT NULL,
    changed_by name NOT NULL,
    life_id bigint
);
CREATE INDEX score_history_lead_idx ON lead_qual.score_history (lead_table, model, lead_key, changed_at);
CREATE INDEX score_history_life_idx ON lead_qual.score_history (life_id);
COMMENT ON TABLE lead_qual.score_history IS
    'every change of the stage a model of tracked_score would have set (its own stage column); the lead''s stage is not touched';
COMMENT ON COLUMN lead_qual.score_history.lead_table IS 'the tracked leads table';
COMMENT ON COLUMN lead_qual.score_history.lead_key IS 'the lead''s key at the change, as text (NULL: erased with forget_lead())';
COMMENT ON COLUMN lead_qual.score_history.model IS 'the model whose stage column changed';
COMMENT ON COLUMN lead_qual.score_history.model_version IS 'the model''s version when the row was written';
COMMENT ON COLUMN lead_qual.score_history.from_stage IS 'the model''s stage before the change (NULL: none)';
COMMENT ON COLUMN lead_qual.score_history.to_stage IS 'the model''s stage after the change';
COMMENT ON COLUMN lead_qual.score_history.changed_at IS 'when the change happened (the statement''s time)';
COMMENT ON COLUMN lead_qual.score_history.fit IS 'the model''s fit score at the change';
COMMENT ON COLUMN lead_qual.score_history.engagement IS 'the model''s engagement score at the change';
COMMENT ON COLUMN lead_qual.score_history.score IS 'fit + engagement at the change';
COMMENT ON COLUMN lead_qual.score_history.reason IS 'score: new activity; rescore: recomputed; refresh: decay refresh or recycling';
COMMENT ON COLUMN lead_qual.score_history.changed_by IS 'the role whose statement caused the change';
COMMENT ON COLUMN lead_qual.score_history.life_id IS 'the lead''s life (lead_life.life_id), shared with its stage_history rows';
COMMENT ON SEQUENCE lead_qual.score_history_id_seq IS 'ids of score_history rows';
COMMENT ON INDEX lead_qual.score_history_lead_idx IS 'per-model, per-lead history';
COMMENT ON INDEX lead_qual.score_history_life_idx IS 'history by life (key changes, erasure)';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.score_history', '');
SELECT pg_catalog.pg_extension_config_dump('lead_qual.score_history_id_seq', '');
REVOKE ALL ON lead_qual.score_history FROM PUBLIC;

DROP FUNCTION IF EXISTS lead_qual.rescore(regclass);
DROP FUNCTION IF EXISTS lead_qual.refresh(regclass, timestamptz);
DROP FUNCTION IF EXISTS lead_qual.verify(regclass, timestamptz);
DROP FUNCTION IF EXISTS lead_qual._rewrite(regclass, text, timestamptz, boolean);
DROP FUNCTION IF EXISTS lead_qual._outcomes(regclass, text, text);
DROP FUNCTION IF EXISTS lead_qual.threshold_report(regclass, text, double precision[]);
DROP FUNCTION IF EXISTS lead_qual.score_auc(regclass, text);
