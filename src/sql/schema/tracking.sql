-- Schema: created once, by CREATE EXTENSION. A change here needs the same
-- change in an update file (src/sql/updates/README.md).

------------------------------------------------------------------------------
-- Live qualification: stage history, tracked tables, triggers.
------------------------------------------------------------------------------

CREATE TABLE lead_qual.stage_history (
    id bigserial PRIMARY KEY,
    lead_table regclass NOT NULL,
    lead_key text,
    from_stage lead_qual.lead_stage,
    to_stage lead_qual.lead_stage NOT NULL,
    changed_at timestamptz NOT NULL,
    fit double precision,
    engagement double precision,
    score double precision,
    reason text NOT NULL,
    changed_by name NOT NULL,
    life_id bigint NOT NULL,
    xact xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    model_version bigint,
    model text,
    CONSTRAINT stage_history_reason_check CHECK (reason IN ('score', 'manual', 'rescore', 'refresh', 'backfill'))
);
CREATE INDEX stage_history_lead_idx ON lead_qual.stage_history (lead_table, lead_key, changed_at);
CREATE INDEX stage_history_time_idx ON lead_qual.stage_history (changed_at);
CREATE INDEX stage_history_life_idx ON lead_qual.stage_history (life_id);
CREATE INDEX stage_history_xact_idx ON lead_qual.stage_history (xact);
COMMENT ON TABLE lead_qual.stage_history IS 'every stage change of every tracked lead, automatic or manual';
COMMENT ON COLUMN lead_qual.stage_history.lead_table IS 'the tracked leads table';
COMMENT ON COLUMN lead_qual.stage_history.lead_key IS 'the lead''s key at the change, as text (NULL: erased with forget_lead())';
COMMENT ON COLUMN lead_qual.stage_history.from_stage IS 'stage before the change (NULL: none)';
COMMENT ON COLUMN lead_qual.stage_history.to_stage IS 'stage after the change';
COMMENT ON COLUMN lead_qual.stage_history.changed_at IS 'when the change happened (the statement''s time)';
COMMENT ON COLUMN lead_qual.stage_history.fit IS 'fit score at the change';
COMMENT ON COLUMN lead_qual.stage_history.engagement IS 'engagement score at the change';
COMMENT ON COLUMN lead_qual.stage_history.score IS 'fit + engagement at the change';
COMMENT ON COLUMN lead_qual.stage_history.reason IS
    'score: new activity; manual: a user set the stage; rescore: recomputed (attributes, deleted activities, rescore()); refresh: decay refresh or recycling; backfill: dated by backfill() from the activities before adoption';
COMMENT ON COLUMN lead_qual.stage_history.changed_by IS 'the role whose statement caused the change';
COMMENT ON COLUMN lead_qual.stage_history.life_id IS
    'the lead''s life (lead_life.life_id): the same through key changes, new after the lead is deleted and created again';
COMMENT ON COLUMN lead_qual.stage_history.xact IS
    'the transaction that wrote the row: a worker catches up with the rows not visible in its last snapshot (README, "Hand-off notifications")';
COMMENT ON COLUMN lead_qual.stage_history.model_version IS
    'the version of the lead''s model when the row was written (scoring_model_version; NULL: written before 1.2)';
COMMENT ON COLUMN lead_qual.stage_history.model IS
    'the model that drove the lead''s stage when the row was written (lead_qual.tracked.model; NULL: written before 1.2)';
COMMENT ON SEQUENCE lead_qual.stage_history_id_seq IS 'ids of stage_history rows';
COMMENT ON INDEX lead_qual.stage_history_lead_idx IS 'per-lead history';
COMMENT ON INDEX lead_qual.stage_history_time_idx IS 'history by time';
COMMENT ON INDEX lead_qual.stage_history_life_idx IS 'history by life (reports, key changes, erasure)';
COMMENT ON INDEX lead_qual.stage_history_xact_idx IS 'history by writing transaction (workers'' catch-up)';
COMMENT ON CONSTRAINT stage_history_reason_check ON lead_qual.stage_history IS 'the reasons of lq::reason (core/change_reason.hpp) and backfill';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.stage_history', '');
SELECT pg_catalog.pg_extension_config_dump('lead_qual.stage_history_id_seq', '');
-- History holds every tracked lead's key and scores: not readable by PUBLIC;
-- grant SELECT to the roles that report on it.
REVOKE ALL ON lead_qual.stage_history FROM PUBLIC;

-- A lead's life: the identity its history rows share. A key gets a life at
-- its first history row; a key change (ON UPDATE CASCADE renumbering, a
-- merge that renumbers) moves the row to the new key, so the life goes on;
-- deleting the lead (or forget_lead()) removes the row, so a lead created
-- again with the same key starts a new life.
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

CREATE TABLE lead_qual.tracked (
    activities regclass PRIMARY KEY,
    leads regclass NOT NULL UNIQUE,
    model text NOT NULL,
    options jsonb NOT NULL,
    tracked_at timestamptz NOT NULL DEFAULT now(),
    partitions regclass[]
);
COMMENT ON TABLE lead_qual.tracked IS 'activity tables attached with track(): their leads table, model and resolved column options';
COMMENT ON COLUMN lead_qual.tracked.activities IS 'the activity table whose inserts are scored';
COMMENT ON COLUMN lead_qual.tracked.leads IS 'the leads table whose scores and stages are kept current';
COMMENT ON COLUMN lead_qual.tracked.model IS 'the scoring model';
COMMENT ON COLUMN lead_qual.tracked.options IS 'every column name and option, defaults resolved';
COMMENT ON COLUMN lead_qual.tracked.tracked_at IS 'when track() attached the tables';
COMMENT ON COLUMN lead_qual.tracked.partitions IS
    'partitions of a partitioned activity table that carry lead_qual''s triggers (NULL: not partitioned)';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.tracked', '');
REVOKE ALL ON lead_qual.tracked FROM PUBLIC;
GRANT SELECT ON lead_qual.tracked TO PUBLIC;

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

CREATE TYPE lead_qual.lead_update AS (
    score_state lead_qual.score_state,
    engagement double precision,
    fit double precision,
    score double precision,
    stage lead_qual.lead_stage,
    stage_changed_at timestamptz
);
COMMENT ON TYPE lead_qual.lead_update IS 'internal: the columns lead_qual writes to a lead row';
