------------------------------------------------------------------------------
-- Companion tables and the durable hand-off feed (issue #15).
--
-- A leads table may have companion tables next to it, in its schema, named
-- after it (src/core/companion_name.hpp): "<leads>_lq_handoffs", the
-- hand-off feed (create_handoff_feed()), and on Citus "<leads>_lq_history",
-- its stage history (track()). They are keyed by the leads' key, with the
-- key's type; on Citus they are distributed by it and co-located with the
-- leads, so that the triggers on a leads shard write the companion's shard
-- on the same node, as plain local SQL (src/pg/companion.hpp).
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual._companion_name(leads regclass, kind text) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_companion_name' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._companion_name(regclass, text) IS
    'internal: the name (schema-qualified, quoted) of a leads table''s companion table, kind history or handoffs';

CREATE OR REPLACE FUNCTION lead_qual._companion(leads regclass, kind text) RETURNS regclass
    AS 'MODULE_PATHNAME', 'lq_companion' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._companion(regclass, text) IS
    'internal: a leads table''s companion table (history or handoffs), NULL without one; a table of that name without lead_key and to_stage is not one';

-- _create_companion(leads, kind): creates the companion (or returns the one
-- there), owned by the leads table's owner; on Citus distributed by the
-- lead key and co-located with the leads. The leads table must be tracked.
CREATE OR REPLACE FUNCTION lead_qual._create_companion(leads regclass, kind text) RETURNS regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  name text := lead_qual._companion_name(leads, kind);
  key text;
  key_type text;
  distributed boolean := lead_qual._citus_distributed(leads);
  dist_column text;
BEGIN
  SELECT t.options->>'key' INTO key FROM lead_qual.tracked t WHERE t.leads = _create_companion.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  IF to_regclass(name) IS NOT NULL THEN
    -- A table of the user's with that name is never adopted (nor written by
    -- the triggers, nor emptied by take_handoffs() or forget_lead()).
    IF lead_qual._companion(leads, kind) IS NULL THEN
      RAISE EXCEPTION 'table % exists and is not a lead_qual % table', name, kind USING ERRCODE = 'duplicate_table',
        HINT = 'Rename it: lead_qual keeps this name for the table next to ' || leads::text || '.';
    END IF;
    RETURN to_regclass(name);
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) INTO key_type FROM pg_attribute a
   WHERE a.attrelid = leads AND a.attname = key AND a.attnum > 0 AND NOT a.attisdropped;
  IF distributed THEN
    EXECUTE 'SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) FROM pg_catalog.pg_dist_partition AS p'
            ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1'
      INTO dist_column USING leads;
    IF dist_column IS DISTINCT FROM key THEN
      RAISE EXCEPTION 'cannot keep the % of % on Citus: it is distributed by %, not by its key %', kind, leads,
                      coalesce(dist_column, 'no column'), key
        USING ERRCODE = 'feature_not_supported',
              HINT = 'Distribute the leads table by its key, and the activities by the lead key, co-located.';
    END IF;
  END IF;
  IF kind = 'history' THEN
    EXECUTE format('CREATE TABLE %s (id bigint NOT NULL, lead_key %s NOT NULL, from_stage lead_qual.lead_stage,'
                   ' to_stage lead_qual.lead_stage NOT NULL, changed_at timestamptz NOT NULL, fit double precision,'
                   ' engagement double precision, score double precision, reason text NOT NULL, changed_by name NOT NULL,'
                   ' life_id bigint NOT NULL, model_version bigint, model text, PRIMARY KEY (lead_key, id))', name, key_type);
    EXECUTE format('COMMENT ON TABLE %s IS %L', name,
                   format('lead_qual: the stage history of %s (lead_qual.stage_history''s columns; lead_key has the key''s type)', leads));
  ELSE
    EXECUTE format('CREATE TABLE %s (id bigint NOT NULL, lead_key %s NOT NULL, from_stage lead_qual.lead_stage,'
                   ' to_stage lead_qual.lead_stage NOT NULL, changed_at timestamptz NOT NULL, fit double precision,'
                   ' engagement double precision, score double precision, reason text NOT NULL, %s)',
                   name, key_type, CASE WHEN distributed THEN 'PRIMARY KEY (lead_key, id)' ELSE 'PRIMARY KEY (id)' END);
    IF distributed THEN
      EXECUTE format('CREATE INDEX ON %s (id)', name);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s IS %L', name,
                   format('lead_qual: hand-offs of %s not yet taken (lead_qual.take_handoffs())', leads));
  END IF;
  -- regrole's text is the role's name quoted as an identifier where needed.
  EXECUTE format('ALTER TABLE %s OWNER TO %s', name, (SELECT c.relowner::regrole::text FROM pg_class c WHERE c.oid = leads));
  IF distributed THEN
    EXECUTE 'SELECT pg_catalog.create_distributed_table($1, ''lead_key'', colocate_with => $2)'
      USING name, leads::text;
  END IF;
  RETURN to_regclass(name);
END $$;
COMMENT ON FUNCTION lead_qual._create_companion(regclass, text) IS
    'internal: creates a tracked leads table''s companion table (history or handoffs) next to it, co-located with it on Citus';

-- The durable hand-off feed: every stage change of the table from now on is
-- also a row of "<leads>_lq_handoffs", written in the transaction that
-- makes the change (on Citus by the shard's trigger, on the worker), until
-- a consumer takes it.
CREATE OR REPLACE FUNCTION lead_qual.create_handoff_feed(leads regclass) RETURNS regclass
LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to create its hand-off feed', leads USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN lead_qual._create_companion(leads, 'handoffs');
END $$;
COMMENT ON FUNCTION lead_qual.create_handoff_feed(regclass) IS
    'creates the durable hand-off feed of a tracked leads table (a table <leads>_lq_handoffs next to it, co-located on Citus); returns it';

-- take_handoffs(leads, max_rows): the consumer's call. Takes (deletes and
-- returns, in id order) up to max_rows hand-offs. Run it in the transaction
-- that records what the consumer did with them: a rollback puts them back,
-- a commit takes them for good, so each is handled exactly once. Under READ
-- COMMITTED, a concurrent consumer waits for the rows another one took and
-- then skips them.
CREATE OR REPLACE FUNCTION lead_qual.take_handoffs(leads regclass, max_rows integer DEFAULT 100)
RETURNS TABLE (id bigint, lead_table text, lead_key text, from_stage lead_qual.lead_stage, to_stage lead_qual.lead_stage,
               score double precision, fit double precision, engagement double precision, changed_at timestamptz,
               reason text)
LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  feed regclass := lead_qual._companion(leads, 'handoffs');
  ids bigint[];
BEGIN
  IF feed IS NULL THEN
    RAISE EXCEPTION 'table % has no hand-off feed', leads USING ERRCODE = 'undefined_table',
      HINT = format('Create it with SELECT lead_qual.create_handoff_feed(%L);', leads::text);
  END IF;
  IF max_rows < 1 THEN
    RAISE EXCEPTION 'max_rows must be at least 1, not %', max_rows USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('SELECT pg_catalog.array_agg(f.id) FROM (SELECT f.id FROM %s AS f ORDER BY f.id LIMIT $1) AS f', feed)
    INTO ids USING max_rows;
  IF ids IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    'WITH taken AS (DELETE FROM %s AS f WHERE f.id OPERATOR(pg_catalog.=) ANY ($1)'
    '  RETURNING f.id, f.lead_key::pg_catalog.text AS lead_key, f.from_stage, f.to_stage, f.score, f.fit, f.engagement,'
    '            f.changed_at, f.reason)'
    ' SELECT t.id, $2, t.lead_key, t.from_stage, t.to_stage, t.score, t.fit, t.engagement, t.changed_at, t.reason'
    '   FROM taken AS t ORDER BY t.id', feed)
    USING ids, lead_qual._table_name(leads);
END $$;
COMMENT ON FUNCTION lead_qual.take_handoffs(regclass, integer) IS
    'takes up to max_rows hand-offs (stage changes) of a leads table from its feed, in id order: deleted in the caller''s transaction, so a consumer that records what it did in the same transaction handles each exactly once';
