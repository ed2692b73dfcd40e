-- Schema: created once, by CREATE EXTENSION. A change here needs the same
-- change in an update file (src/sql/updates/README.md).

------------------------------------------------------------------------------
-- Scoring models.
------------------------------------------------------------------------------

CREATE SEQUENCE lead_qual.model_version_seq;
COMMENT ON SEQUENCE lead_qual.model_version_seq IS
    'source of scoring model versions: every new definition gets a new, never reused number';

CREATE TABLE lead_qual.scoring_model (
    name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    definition jsonb NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE lead_qual.scoring_model IS
    'scoring models: fit rules, engagement rules with caps and decay, stage criteria (see README, "Scoring models")';
COMMENT ON COLUMN lead_qual.scoring_model.name IS 'the name functions and tracked tables refer to';
COMMENT ON COLUMN lead_qual.scoring_model.definition IS 'the model (JSON); validated on every insert and update';
COMMENT ON COLUMN lead_qual.scoring_model.version IS
    'set by the table''s trigger: a new number from model_version_seq whenever the definition changes; score_states record it';
COMMENT ON COLUMN lead_qual.scoring_model.updated_at IS 'when the definition last changed';
COMMENT ON COLUMN lead_qual.scoring_model.builtin IS
    'true for the shipped, unmodified default model (it is recreated by CREATE EXTENSION, so pg_dump skips it)';
-- pg_dump keeps user models (and modified defaults) and the version counter.
SELECT pg_catalog.pg_extension_config_dump('lead_qual.scoring_model', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('lead_qual.model_version_seq', '');

REVOKE ALL ON lead_qual.scoring_model FROM PUBLIC;
GRANT SELECT ON lead_qual.scoring_model TO PUBLIC;

-- Every definition a model ever had (issue #16): written by
-- scoring_model_maintain() whenever it assigns a version, never changed.
-- rollback_model() reads it. The shipped default's row is recreated by
-- CREATE EXTENSION like the model itself, so pg_dump skips it.
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
