------------------------------------------------------------------------------
-- Citus (issue #15): what track(), rescore() and refresh() do differently
-- when the leads table is a Citus distributed table. Nothing here runs on a
-- database without the citus extension.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual._citus_distributed(tbl regclass) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  distributed boolean;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    RETURN false;
  END IF;
  -- Citus's catalog exists only with the extension: named in dynamic SQL.
  EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition AS p'
          ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1 AND p.partmethod OPERATOR(pg_catalog.<>) ''n'')'
    INTO distributed USING tbl;
  RETURN distributed;
END $$;
COMMENT ON FUNCTION lead_qual._citus_distributed(regclass) IS
    'internal: true when tbl is a Citus distributed table (hash or range; not a reference table)';

-- What lead_qual does not do on a distributed leads table yet refuses it
-- clearly: forget_lead() and backfill() rewrite history rows in place, and
-- a distributed table's history is keyed by the lead key (its distribution
-- column, which Citus does not update).
CREATE OR REPLACE FUNCTION lead_qual._citus_unsupported(leads regclass, what text) RETURNS void
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF lead_qual._citus_distributed(leads) THEN
    RAISE EXCEPTION '% of a Citus distributed table (%) is not supported', what, leads
      USING ERRCODE = 'feature_not_supported',
            HINT = format('Its stage history is the table %s; change its rows there.', lead_qual._companion_name(leads, 'history'));
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual._citus_unsupported(regclass, text) IS
    'internal: refuses (SQLSTATE 0A000) what lead_qual does not do on a Citus distributed leads table (forget_lead(), backfill())';

-- track() of a distributed leads table: the models become a Citus reference
-- table, so every node scores with the same models and versions, and a model
-- change reaches every node in the transaction that makes it; the table's
-- history gets its own distributed table, co-located with the leads.
CREATE OR REPLACE FUNCTION lead_qual._citus_prepare(leads regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  is_reference boolean;
BEGIN
  IF NOT lead_qual._citus_distributed(leads) THEN
    RETURN;
  END IF;
  EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition AS p'
          ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''lead_qual.scoring_model''::pg_catalog.regclass)'
    INTO is_reference;
  IF NOT is_reference THEN
    EXECUTE 'SELECT pg_catalog.create_reference_table(''lead_qual.scoring_model'')';
  END IF;
  -- The history of the table's leads: one logical table, distributed and
  -- co-located with the leads, which the triggers on each shard write
  -- locally (src/sql/handoffs.sql, src/pg/companion.hpp).
  PERFORM lead_qual._create_companion(leads, 'history');
END $$;
COMMENT ON FUNCTION lead_qual._citus_prepare(regclass) IS
    'internal: on Citus, makes lead_qual.scoring_model a reference table and creates the stage history table co-located with the leads when a distributed leads table is tracked';

-- _rewrite() of a distributed leads table. Citus refuses lead_qual's own
-- UPDATE through the VOLATILE _apply(); instead the rewrite is announced in
-- lead_qual.citus_rewrite (SET LOCAL, which Citus propagates to the workers
-- taking part in the transaction) and a plain UPDATE touches every lead:
-- on each shard lead_changed() computes the row as _apply() would, from the
-- co-located activity shard (src/pg/citus_rewrite.hpp). Returns how many
-- leads changed (stage, or score, or not scored before), as _end_write().
CREATE OR REPLACE FUNCTION lead_qual._citus_rewrite(leads regclass, reason text, as_of timestamptz,
                                                    only_stale boolean) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  before jsonb;
  changed bigint;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = _citus_rewrite.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  o := t.options;
  as_of := coalesce(as_of, lead_qual._scoring_time());
  EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.leads);
  EXECUTE format('SELECT COALESCE(pg_catalog.jsonb_object_agg(l.%I::pg_catalog.text,'
                 ' pg_catalog.jsonb_build_array(l.%I::pg_catalog.text, l.%I)), ''{}'') FROM %s AS l',
                 o->>'key', o->>'stage', o->>'score', t.leads)
    INTO before;
  EXECUTE 'SET LOCAL citus.propagate_set_commands = local';
  EXECUTE format('SET LOCAL lead_qual.citus_rewrite = %L',
                 concat_ws('|', reason, to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                           CASE WHEN only_stale THEN 't' ELSE 'f' END, t.leads::text));
  EXECUTE format('UPDATE %s AS l SET %I = l.%I', t.leads, o->>'score_state', o->>'score_state');
  EXECUTE 'SET LOCAL lead_qual.citus_rewrite = ''''';
  EXECUTE format('SELECT pg_catalog.count(*) FROM %4$s AS l'
                 ' WHERE (($1 OPERATOR(pg_catalog.->) l.%1$I::pg_catalog.text) OPERATOR(pg_catalog.->>) 0)'
                 '       IS DISTINCT FROM l.%2$I::pg_catalog.text'
                 '    OR (($1 OPERATOR(pg_catalog.->) l.%1$I::pg_catalog.text) OPERATOR(pg_catalog.->>) 1) IS NULL'
                 '    OR pg_catalog.abs(((($1 OPERATOR(pg_catalog.->) l.%1$I::pg_catalog.text)'
                 '                        OPERATOR(pg_catalog.->>) 1))::pg_catalog.float8 OPERATOR(pg_catalog.-) l.%3$I)'
                 '       OPERATOR(pg_catalog.>) 1e-9',
                 o->>'key', o->>'stage', o->>'score', t.leads)
    INTO changed USING before;
  RETURN changed;
END $$;
COMMENT ON FUNCTION lead_qual._citus_rewrite(regclass, text, timestamptz, boolean) IS
    'internal: rescore() and refresh() of a Citus distributed leads table, computed on the shards';
