------------------------------------------------------------------------------
-- Scoring models: validation and the triggers that keep scoring_model
-- consistent (the table itself: src/sql/schema/models.sql).
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual.validate_model(definition jsonb) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_validate_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.validate_model(jsonb) IS
    'every problem of a model definition, each prefixed with its JSON path; empty when the definition is valid';

-- Keeps scoring_model consistent: validates definitions, assigns versions,
-- and lets a restored (dumped) model replace the shipped default of the same
-- name instead of colliding with it.
CREATE OR REPLACE FUNCTION lead_qual.scoring_model_maintain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  problems text[];
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.definition = OLD.definition AND NEW.name = OLD.name THEN
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
    RETURN NEW;
  END IF;
  problems := lead_qual.validate_model(NEW.definition);
  IF cardinality(problems) > 0 THEN
    IF cardinality(problems) = 1 THEN
      RAISE EXCEPTION 'invalid scoring model "%": %', NEW.name, problems[1]
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'lead_qual.validate_model(definition) lists every problem.';
    END IF;
    RAISE EXCEPTION 'invalid scoring model "%": %', NEW.name, problems[1]
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  '),
            HINT = 'lead_qual.validate_model(definition) lists every problem.';
  END IF;
  -- The table fired on: lead_qual.scoring_model, or on a Citus cluster (where
  -- track() makes it a reference table) this node's placement of it, which is
  -- the table to write (a shard's trigger may not go through Citus).
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('DELETE FROM %I.%I AS m WHERE m.name OPERATOR(pg_catalog.=) $1 AND m.builtin',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME) USING NEW.name;
  ELSE
    NEW.builtin := false;
  END IF;
  IF TG_OP = 'UPDATE' OR NEW.version = 0 OR NEW.version IS NULL THEN
    IF TG_TABLE_NAME = 'scoring_model' THEN
      NEW.version := nextval('lead_qual.model_version_seq');
    ELSE
      -- A Citus placement: every node must give the change the same
      -- version. The placements hold the same rows and see the same changes
      -- in the same order, and each node's sequence follows them.
      EXECUTE format('SELECT greatest(coalesce(max(m.version), 0), (SELECT s.last_value FROM lead_qual.model_version_seq AS s))'
                     ' + 1 FROM %I.%I AS m', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO NEW.version;
      PERFORM setval('lead_qual.model_version_seq', NEW.version);
    END IF;
    NEW.updated_at := now();
    -- Every definition is kept (rollback_model()). A restored row brings
    -- its own, dumped with scoring_model_version. (A NULL definition is
    -- refused by the table's NOT NULL constraint, after this trigger.)
    IF NEW.definition IS NOT NULL THEN
      INSERT INTO lead_qual.scoring_model_version (name, version, definition, created_at, created_by, builtin)
      VALUES (NEW.name, NEW.version, NEW.definition, NEW.updated_at, current_user, NEW.builtin);
    END IF;
  END IF;
  -- (An INSERT with a version is a restored row: it keeps its version and
  -- updated_at, so score states built under it stay valid.)
  RETURN NEW;
END $$;
COMMENT ON FUNCTION lead_qual.scoring_model_maintain() IS
    'trigger of scoring_model: validates the definition (22023 naming the JSON path), assigns a new version on every change and keeps it in scoring_model_version';

CREATE OR REPLACE TRIGGER scoring_model_maintain BEFORE INSERT OR UPDATE ON lead_qual.scoring_model
    FOR EACH ROW EXECUTE FUNCTION lead_qual.scoring_model_maintain();

-- A model a tracked table scores with is not deleted or renamed: every write
-- of the table's activities would fail (42704) until it is tracked again.
CREATE OR REPLACE FUNCTION lead_qual._scoring_model_in_use() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  driven regclass;
  scored regclass;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.name = OLD.name THEN
    RETURN NEW;
  END IF;
  SELECT t.leads INTO driven FROM lead_qual.tracked t WHERE t.model = OLD.name LIMIT 1;
  SELECT s.leads INTO scored FROM lead_qual.tracked_score s WHERE s.model = OLD.name LIMIT 1;
  IF driven IS NOT NULL OR scored IS NOT NULL THEN
    RAISE EXCEPTION 'cannot % scoring model "%": table % is scored with it', CASE TG_OP WHEN 'DELETE' THEN 'delete' ELSE 'rename' END, OLD.name, coalesce(driven, scored)
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = CASE WHEN driven IS NOT NULL THEN 'lead_qual.untrack() its activity table first.'
                        ELSE format('lead_qual.drop_score(%L, %L) detaches it first.', scored::text, OLD.name) END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION lead_qual._scoring_model_in_use() IS
    'trigger of scoring_model: refuses (2BP01) to delete or rename a model a tracked table scores with (track(), add_score())';
CREATE OR REPLACE TRIGGER scoring_model_in_use BEFORE UPDATE OF name OR DELETE ON lead_qual.scoring_model
    FOR EACH ROW EXECUTE FUNCTION lead_qual._scoring_model_in_use();

-- Every backend caches compiled models; a change of the table tells them
-- (a relcache invalidation, delivered at commit) to look at it again.
CREATE OR REPLACE FUNCTION lead_qual._models_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_models_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual._models_changed() IS
    'internal: statement trigger of scoring_model that invalidates every backend''s compiled-model cache';
CREATE OR REPLACE TRIGGER scoring_model_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lead_qual.scoring_model
    FOR EACH STATEMENT EXECUTE FUNCTION lead_qual._models_changed();

-- rollback_model(name, version): makes a kept definition the model's again.
-- It is a change like any other: a new version (the history stays
-- append-only), the model-change path rescoring tracked leads. A model that
-- was deleted is created again.
CREATE OR REPLACE FUNCTION lead_qual.rollback_model(name text, version bigint) RETURNS bigint
LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  wanted jsonb;
  result bigint;
BEGIN
  SELECT v.definition INTO wanted FROM lead_qual.scoring_model_version v
   WHERE v.name = rollback_model.name AND v.version = rollback_model.version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'scoring model "%" has no version %', rollback_model.name, rollback_model.version
      USING ERRCODE = 'undefined_object',
            HINT = 'SELECT version, created_at, created_by FROM lead_qual.scoring_model_version WHERE name = ... lists them.';
  END IF;
  UPDATE lead_qual.scoring_model m SET definition = wanted WHERE m.name = rollback_model.name
  RETURNING m.version INTO result;
  IF NOT FOUND THEN
    INSERT INTO lead_qual.scoring_model (name, definition) VALUES (rollback_model.name, wanted)
    RETURNING scoring_model.version INTO result;
  END IF;
  RETURN result;
END $$;
COMMENT ON FUNCTION lead_qual.rollback_model(text, bigint) IS
    'makes version `version` of a model its definition again (as a new version; unchanged when it already is); returns the model''s version';
