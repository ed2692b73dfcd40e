------------------------------------------------------------------------------
-- Live qualification: tracked tables, their triggers, rescore/refresh/verify.
-- (Tables stage_history and tracked: src/sql/schema/tracking.sql.)
------------------------------------------------------------------------------

-- The scoring time (lead_qual.as_of when set, else the statement's start):
-- rescore() rebuilds states exact as of the time it writes them at.
CREATE OR REPLACE FUNCTION lead_qual._scoring_time() RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'lq_scoring_time' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._scoring_time() IS
    'internal: the time lead_qual scores as of: lead_qual.as_of when set, else the statement''s start';

-- The error of every function handed a table that track() did not attach.
CREATE OR REPLACE FUNCTION lead_qual._not_tracked(tbl regclass) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'table % is not tracked by lead_qual', tbl USING ERRCODE = 'undefined_object',
    HINT = 'Attach it with lead_qual.track(activities, leads, model).';
END $$;
COMMENT ON FUNCTION lead_qual._not_tracked(regclass) IS
    'internal: raises 42704 "table ... is not tracked by lead_qual"';

CREATE OR REPLACE FUNCTION lead_qual._apply(lead_key text, state lead_qual.score_state, stage lead_qual.lead_stage,
                                 stage_changed_at timestamptz, old_score double precision, attributes jsonb,
                                 full_state lead_qual.score_state, since_state lead_qual.score_state)
    RETURNS lead_qual.lead_update
    AS 'MODULE_PATHNAME', 'lq_apply' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._apply(text, lead_qual.score_state, lead_qual.lead_stage, timestamptz, double precision, jsonb, lead_qual.score_state, lead_qual.score_state) IS
    'internal: computes a lead''s new scores and stage inside lead_qual''s own UPDATE statements; errors when called otherwise';

CREATE OR REPLACE FUNCTION lead_qual._state_matches(state lead_qual.score_state, model text, version bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lq_state_matches' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._state_matches(lead_qual.score_state, text, bigint) IS
    'internal: true when a state is non-NULL and was built under this model name and version';

CREATE OR REPLACE FUNCTION lead_qual._key_problem(leads regclass, key text, activities regclass, activity_key text)
RETURNS text AS 'MODULE_PATHNAME', 'lq_key_problem' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._key_problem(regclass, text, regclass, text) IS
    'internal: why track() cannot match the activities'' lead keys to the leads by value (the key type''s default hash and equality, under one collation), or NULL';

CREATE OR REPLACE FUNCTION lead_qual._key_eq(leads regclass, key text) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_key_eq' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._key_eq(regclass, text) IS
    'internal: OPERATOR(schema.=), the default equality operator of the type of a leads table''s key column (a type of another extension, such as citext, has its own)';

CREATE OR REPLACE FUNCTION lead_qual.model_attributes(model text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_model_attributes' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.model_attributes(text) IS
    'the lead attributes a model reads (fit rules and stage requirements); tracked leads tables need a column for each';

CREATE OR REPLACE FUNCTION lead_qual.activity_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_inserted' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_inserted() IS
    'statement trigger (AFTER INSERT, transition table) installed by track(): folds new activities into their leads';
CREATE OR REPLACE FUNCTION lead_qual.activity_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_changed() IS
    'statement trigger (AFTER UPDATE/DELETE, transition tables) installed by track(): rebuilds the affected leads from their history';
CREATE OR REPLACE FUNCTION lead_qual.lead_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_lead_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.lead_changed() IS
    'row trigger (BEFORE INSERT OR UPDATE on leads) installed by track(): scores new leads, keeps lead_qual''s columns, checks and records manual stage changes, rescores changed attributes';
CREATE OR REPLACE FUNCTION lead_qual.activity_time_stamp() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_time_stamp' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_time_stamp() IS
    'row trigger (BEFORE INSERT OR UPDATE OF occurred_at, WHEN it is NULL) installed by track() on a nullable occurred_at: writes the scoring time (lead_qual.as_of, else the transaction''s start) into the row';
CREATE OR REPLACE FUNCTION lead_qual.lead_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_lead_inserted' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.lead_inserted() IS
    'row trigger (AFTER INSERT on leads) installed by track(): applies and records the automatic stage of leads really inserted';
CREATE OR REPLACE FUNCTION lead_qual.activity_statement_started() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_statement_started' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_statement_started() IS
    'statement trigger (BEFORE INSERT, UPDATE or DELETE) installed by track(): loads lead_qual''s library before the statement''s AFTER triggers fire, so that they know whether it writes in one step (src/pg/query_events.hpp)';
CREATE OR REPLACE FUNCTION lead_qual._settle(leads regclass, lead_key text) RETURNS void
    AS 'MODULE_PATHNAME', 'lq_settle' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._settle(regclass, text) IS
    'internal: rebuilds one tracked lead from its history and applies its automatic stage (after a statement of several steps changed its attributes)';
CREATE OR REPLACE FUNCTION lead_qual.activity_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM lead_qual.rescore(TG_ARGV[0]::regclass) WHERE NOT lead_qual._citus_distributed(TG_RELID);
  -- A Citus distributed table: the trigger fires on the coordinator only,
  -- before Citus empties the shards. It empties them first, by a DELETE
  -- whose triggers on each shard rebuild the leads that had activities from
  -- the (then empty) history (src/sql/citus.sql).
  IF lead_qual._citus_distributed(TG_RELID) THEN
    EXECUTE format('DELETE FROM %s', TG_RELID::regclass);
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION lead_qual.activity_truncated() IS
    'statement trigger (AFTER TRUNCATE) installed by track(): rescoring every lead from the (now empty) history';

-- Several scores per lead (README, "Several scores per lead"): the models
-- of a tracked leads table are its driving model (lead_qual.tracked.model,
-- the one that moves the stage) and those add_score() attached
-- (lead_qual.tracked_score). _tracked_model(leads, model) is the
-- configuration of one of them as a tracked row: the driving model's own
-- row (model NULL or its name), or for another model the same row with that
-- model, its own columns in the options and "drives_stage": false; every
-- function that works on one model reads it from here.
CREATE OR REPLACE FUNCTION lead_qual._tracked_model(leads regclass, model text) RETURNS lead_qual.tracked
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  s lead_qual.tracked_score;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked tr WHERE tr.leads = _tracked_model.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  IF model IS NULL OR model = t.model THEN
    RETURN t;
  END IF;
  SELECT * INTO s FROM lead_qual.tracked_score ts WHERE ts.leads = _tracked_model.leads AND ts.model = _tracked_model.model;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'model "%" does not score table %', model, leads USING ERRCODE = 'undefined_object',
      HINT = format('Its models: %s. lead_qual.add_score(leads, model) adds one.',
                    (SELECT string_agg(quote_literal(m), ', ')
                       FROM (SELECT t.model AS m UNION ALL
                             (SELECT ts.model FROM lead_qual.tracked_score ts WHERE ts.leads = _tracked_model.leads ORDER BY 1)) x));
  END IF;
  t.model := s.model;
  t.options := t.options || s.options || '{"drives_stage": false}'::jsonb;
  t.partitions := NULL;
  RETURN t;
END $$;
COMMENT ON FUNCTION lead_qual._tracked_model(regclass, text) IS
    'internal: one model''s configuration of a tracked leads table as a tracked row (model NULL: the model that drives the stage); 42704 when the model does not score it';

-- The models a function given (leads, model) works on: that model, or with
-- model NULL every model of the table, the driving one first (then by name).
CREATE OR REPLACE FUNCTION lead_qual._models_of(leads regclass, model text) RETURNS SETOF text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF leads IS NULL THEN
    RETURN;
  END IF;
  RETURN NEXT (lead_qual._tracked_model(leads, model)).model;
  IF model IS NULL THEN
    RETURN QUERY SELECT ts.model FROM lead_qual.tracked_score ts WHERE ts.leads = _models_of.leads ORDER BY ts.model COLLATE "C";
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual._models_of(regclass, text) IS
    'internal: the model named, or (NULL) every model of a tracked leads table, the one driving the stage first';

-- _rewrite(leads, reason, as_of, only_stale, model): lead_qual's set-based rewrite
-- of a tracked leads table, shared by rescore() and refresh(). Leads are
-- rebuilt from their activity history; with only_stale, only those whose
-- state is missing or of another model version (refresh() decays the rest).
-- model: one model of the table (_tracked_model(); NULL: the driving one).
CREATE OR REPLACE FUNCTION lead_qual._rewrite(leads regclass, reason text, as_of timestamptz, only_stale boolean,
                                             model text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  attrs text;
  set_list text;
  apply_args text;
  stale text;
  since text;
  version bigint;
  changed bigint := 0;
  decay_sql text;
  rebuild_sql text;
  empty_sql text;
  caller_path text;
  key_eq text;
BEGIN
  -- One model's configuration (_tracked_model(): NULL is the model that
  -- drives the stage; 42704 when the table is not tracked or the model does
  -- not score it).
  t := lead_qual._tracked_model(leads, model);
  -- rescore(): the scoring time; states are rebuilt exact as of the time
  -- they are written at (engagement_state(..., as_of)).
  as_of := coalesce(as_of, lead_qual._scoring_time());
  o := t.options;
  -- Activities match their lead by the key type's own equality (citext's
  -- is not pg_catalog's).
  key_eq := lead_qual._key_eq(leads, o->>'key');
  SELECT m.version INTO version FROM lead_qual.scoring_model m WHERE m.name = t.model;
  SELECT coalesce('pg_catalog.jsonb_build_object(' ||
                  string_agg(format('%L, l.%I', a, a), ', ') || ')', 'NULL::pg_catalog.jsonb')
    INTO attrs FROM unnest(lead_qual.model_attributes(t.model)) a
   -- A column dropped since track() reads as missing.
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);
  set_list := format('(%I, %I, %I, %I, %I, %I)', o->>'score_state', o->>'engagement_score', o->>'fit_score',
                     o->>'score', o->>'stage', o->>'stage_changed_at');
  apply_args := format('l.%I::pg_catalog.text, l.%I, l.%I, l.%I, l.%I, %s', o->>'key', o->>'score_state', o->>'stage',
                       o->>'stage_changed_at', o->>'score', attrs);
  -- A recycled lead's activities counted after its stage_changed_at: all
  -- that may lift it (README, "Recycled and disqualified leads").
  since := format('CASE WHEN l.%1$I OPERATOR(lead_qual.=) ''recycled''::lead_qual.lead_stage THEN'
                  ' (SELECT lead_qual.engagement_state(%2$L, s.%3$I::pg_catalog.text, %4$s, %5$s, $1)'
                  '    FROM %6$s AS s WHERE s.%7$I %11$s l.%8$I'
                  '     AND %4$s OPERATOR(pg_catalog.>)'
                  '         COALESCE(l.%9$I, ''-infinity''::pg_catalog.timestamptz)%10$s) END',
                  o->>'stage', t.model, o->>'activity', lead_qual._occurred_at_sql(o, 's'),
                  CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('s.%I', o->>'properties') END,
                  t.activities, o->>'activity_lead_id', o->>'key', o->>'stage_changed_at',
                  lead_qual._filter_sql(o, 'activity_filter', t.activities, 's', ' AND '), key_eq);
  -- Leads outside the lead filter are left as they are, and activities
  -- outside the activity filter are not counted (README, "Row filters").
  stale := CASE WHEN only_stale
                THEN format(' AND NOT lead_qual._state_matches(l.%I, %L, %s)', o->>'score_state', t.model, version)
                ELSE '' END || lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' AND ');
  -- The statements are made here, under lead_qual's own search_path; they
  -- run under the caller's (rescore() and refresh() pass it), which only the
  -- leads table's user triggers see: lead_qual's SQL is fully qualified, so
  -- a hostile search_path changes nothing in it, and user triggers behave as
  -- under a plain UPDATE.
  IF reason = 'refresh' THEN
    -- Leads whose state is current: decay it to as_of (and recycle).
    decay_sql := format('UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, l.%I, %s) r)'
                        ' WHERE lead_qual._state_matches(l.%I, %L, %s)%s',
                        leads, set_list, apply_args, o->>'score_state', since, o->>'score_state', t.model, version,
                        lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' AND '));
  END IF;
  -- Leads with activities: their state rebuilt from the history.
  rebuild_sql := format(
    'UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, h.state, %s) r)'
    ' FROM (SELECT a.%I AS k, lead_qual.engagement_state(%L, a.%I::pg_catalog.text, %s, %s, $1) AS state'
    '         FROM %s AS a%s GROUP BY a.%I) AS h'
    ' WHERE l.%I %s h.k%s',
    leads, set_list, apply_args, since,
    o->>'activity_lead_id', t.model, o->>'activity', lead_qual._occurred_at_sql(o, 'a'),
    CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
    t.activities, lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' WHERE '), o->>'activity_lead_id', o->>'key',
    key_eq, stale);
  -- Leads without any activity: an empty state.
  empty_sql := format(
    'UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, NULL, NULL) r)'
    ' WHERE NOT EXISTS (SELECT 1 FROM %s AS a WHERE a.%I %s l.%I%s)%s',
    leads, set_list, apply_args, t.activities, o->>'activity_lead_id', key_eq, o->>'key',
    lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' AND '), stale);
  caller_path := coalesce(nullif(current_setting('lead_qual.caller_search_path', true), ''), 'pg_catalog, pg_temp');
  -- One table lock up front instead of row locks in join order: no deadlock
  -- with the activity triggers, which lock leads rows in key order.
  EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', leads);
  PERFORM lead_qual._begin_write(t.model, leads, reason, as_of);
  BEGIN
    -- From here to the next set_config: no operator, no unqualified name.
    PERFORM pg_catalog.set_config('search_path', caller_path, true);
    IF decay_sql IS NOT NULL THEN
      EXECUTE decay_sql USING as_of;
    END IF;
    EXECUTE rebuild_sql USING as_of;
    EXECUTE empty_sql;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    changed := lead_qual._end_write();
  EXCEPTION WHEN OTHERS THEN
    PERFORM lead_qual._abort_write();
    RAISE;
  END;
  RETURN changed;
END $$;
COMMENT ON FUNCTION lead_qual._rewrite(regclass, text, timestamptz, boolean, text) IS
    'internal: set-based rewrite of one model''s columns of a tracked leads table (rescore, refresh)';

-- rescore() and refresh() have no SET search_path: they hand the caller's
-- to _rewrite() for the user triggers of the leads table (their own text
-- is fully qualified). Without a model they rewrite every model of the table
-- (_models_of(): the driving one first), so that a scheduled refresh keeps
-- every score current; the count is the sum over the models.
CREATE OR REPLACE FUNCTION lead_qual.rescore(leads regclass, model text DEFAULT NULL) RETURNS bigint
LANGUAGE sql
AS $$
  SELECT pg_catalog.set_config('lead_qual.caller_search_path', pg_catalog.current_setting('search_path'), true);
  -- A Citus distributed table is rewritten on its shards (src/sql/citus.sql).
  SELECT CASE WHEN lead_qual._citus_distributed(leads) THEN lead_qual._citus_rewrite(leads, 'rescore', NULL, false)
              ELSE (SELECT pg_catalog.sum(lead_qual._rewrite(leads, 'rescore', NULL, false, m.model))::bigint
                      FROM lead_qual._models_of(leads, model) AS m(model)) END;
$$;
COMMENT ON FUNCTION lead_qual.rescore(regclass, text) IS
    'rebuilds every lead of a tracked leads table from its activity history (set-based), under one model or (NULL) every model of the table; returns how many leads changed (summed over the models)';

CREATE OR REPLACE FUNCTION lead_qual.refresh(leads regclass, as_of timestamptz DEFAULT now(), model text DEFAULT NULL) RETURNS bigint
LANGUAGE sql
AS $$
  SELECT pg_catalog.set_config('lead_qual.caller_search_path', pg_catalog.current_setting('search_path'), true);
  SELECT CASE WHEN as_of IS NULL THEN NULL
              WHEN lead_qual._citus_distributed(leads) THEN lead_qual._citus_rewrite(leads, 'refresh', as_of, true)
              ELSE (SELECT pg_catalog.sum(lead_qual._rewrite(leads, 'refresh', as_of, true, m.model))::bigint
                      FROM lead_qual._models_of(leads, model) AS m(model)) END;
$$;
COMMENT ON FUNCTION lead_qual.refresh(regclass, timestamptz, text) IS
    'recomputes every lead''s decayed scores as of a time and applies the recycle rule, under one model or (NULL) every model of the table; returns how many leads changed (summed over the models)';

CREATE OR REPLACE FUNCTION lead_qual._begin_write(model text, leads regclass, reason text, as_of timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'lq_begin_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._begin_write(text, regclass, text, timestamptz) IS 'internal: starts a lead_qual write (rescore, refresh)';
CREATE OR REPLACE FUNCTION lead_qual._end_write() RETURNS bigint
    AS 'MODULE_PATHNAME', 'lq_end_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._end_write() IS 'internal: records stage history and notifications of a lead_qual write; returns how many leads changed';
CREATE OR REPLACE FUNCTION lead_qual._abort_write() RETURNS void
    AS 'MODULE_PATHNAME', 'lq_abort_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._abort_write() IS 'internal: abandons a lead_qual write after an error';

-- What track() accepts as a table: an ordinary table; for activities also a
-- partitioned table (every partition gets the triggers, _sync_partitions()).
CREATE OR REPLACE FUNCTION lead_qual._check_trackable(tbl regclass, what text, activities boolean) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  c record;
BEGIN
  SELECT relkind, relispartition INTO c FROM pg_class WHERE oid = tbl;
  IF c.relkind = 'p' AND NOT activities THEN
    RAISE EXCEPTION 'cannot track %: a partitioned leads table is not supported', tbl
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Track an ordinary leads table (partitioned activity tables are supported).';
  ELSIF c.relkind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'cannot track %: % table % is a %, not a table', tbl, what, tbl,
      CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                     WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'composite type' ELSE 'relation of kind ' || c.relkind::text END
      USING ERRCODE = 'wrong_object_type',
            HINT = 'lead_qual installs triggers on the tables rows are written to: track those tables.';
  ELSIF c.relispartition AND activities THEN
    RAISE EXCEPTION 'cannot track %: activity table % is a partition of %', tbl, tbl, pg_partition_root(tbl)
      USING ERRCODE = 'wrong_object_type',
            HINT = format('Track the partitioned table %s: rows written through it fire no statement trigger of its partitions.',
                          pg_partition_root(tbl));
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual._check_trackable(regclass, text, boolean) IS
    'internal: raises 42809 (or 0A000) when a relation is not a table track() can attach to';

CREATE OR REPLACE FUNCTION lead_qual._is_time_zone(zone text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names n WHERE n.name = zone) $$;
COMMENT ON FUNCTION lead_qual._is_time_zone(text) IS 'internal: true when a text names a time zone of pg_timezone_names';

-- The time zone conversion of a timestamp-without-time-zone occurred_at
-- (option occurred_at_zone), the one conversion every path uses: the insert
-- trigger calls the same C++ function (lq::pg::stored_time).
CREATE OR REPLACE FUNCTION lead_qual._stored_time(occurred_at timestamp, zone text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'lq_stored_time' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._stored_time(timestamp, text) IS
    'internal: an activity time stored as timestamp without time zone in a named zone, as timestamptz';

-- The SQL expression of an activity's occurred_at as timestamptz, for alias
-- `alias` of the activity table (tracked options `o`).
CREATE OR REPLACE FUNCTION lead_qual._occurred_at_sql(o jsonb, alias text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN o ? 'occurred_at_zone'
                  THEN format('lead_qual._stored_time(%I.%I, %L)', alias, o->>'occurred_at', o->>'occurred_at_zone')
                  ELSE format('%I.%I', alias, o->>'occurred_at') END $$;
COMMENT ON FUNCTION lead_qual._occurred_at_sql(jsonb, text) IS
    'internal: SQL text of a tracked activity''s occurred_at as timestamptz (converted from option occurred_at_zone)';

-- Row filters (options lead_filter, activity_filter; README "Row filters",
-- src/pg/row_filter.hpp). The expression text is never pasted into SQL:
-- lead_qual's statements pass it as a literal to _row_filter(), with the
-- columns it reads, and _row_filter() compiles it under search_path
-- pg_catalog, pg_temp against the table, accepting only the row's columns,
-- constants and built-in immutable functions and operators.
CREATE OR REPLACE FUNCTION lead_qual._row_filter(tbl regclass, filter text, columns record) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lq_row_filter' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._row_filter(regclass, text, record) IS
    'internal: whether a row of a table passes a row filter, given the columns the filter reads (in column order)';
CREATE OR REPLACE FUNCTION lead_qual._row_filter_columns(tbl regclass, filter text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_row_filter_columns' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._row_filter_columns(regclass, text) IS
    'internal: the columns a row filter reads, in column order';
CREATE OR REPLACE FUNCTION lead_qual._row_filter_sql(tbl regclass, filter text, alias text) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_row_filter_sql' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._row_filter_sql(regclass, text, text) IS
    'internal: SQL text of the _row_filter() call that applies a row filter to a table alias';
-- Parses and checks a filter as the table's owner (track() is SECURITY
-- DEFINER); only track() calls it.
CREATE OR REPLACE FUNCTION lead_qual._check_row_filter(tbl regclass, filter text) RETURNS void
    AS 'MODULE_PATHNAME', 'lq_check_row_filter' LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._check_row_filter(regclass, text) IS
    'internal: raises an error unless a text is an acceptable row filter of a table (track() options lead_filter, activity_filter)';
REVOKE ALL ON FUNCTION lead_qual._check_row_filter(regclass, text) FROM PUBLIC;

-- The SQL condition of row filter `filter` (lead_filter or activity_filter)
-- of tracked options `o` for table `tbl` under alias `alias`, after
-- `prefix` (' AND ', ' WHERE '); '' when none is set: a table without
-- filters gets the same statements as before filters existed.
CREATE OR REPLACE FUNCTION lead_qual._filter_sql(o jsonb, filter text, tbl regclass, alias text, prefix text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN o ? filter THEN prefix || lead_qual._row_filter_sql(tbl, o->>filter, alias) ELSE '' END $$;
COMMENT ON FUNCTION lead_qual._filter_sql(jsonb, text, regclass, text, text) IS
    'internal: SQL text of a tracked table''s row filter for a table alias, after a prefix ('''' when the option is not set)';

-- track()'s check of options lead_filter and activity_filter (`o`): parsed
-- and checked, never executed (src/pg/row_filter.hpp); an error keeps its
-- SQLSTATE and names the option.
CREATE OR REPLACE FUNCTION lead_qual._check_filter_options(activities regclass, leads regclass, o jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  k text;
  tbl regclass;
  err_state text;
  err_message text;
BEGIN
  FOREACH k IN ARRAY ARRAY['lead_filter', 'activity_filter'] LOOP
    CONTINUE WHEN NOT o ? k;
    tbl := CASE k WHEN 'lead_filter' THEN leads ELSE activities END;
    BEGIN
      PERFORM lead_qual._check_row_filter(tbl, o->>k);
      -- Which leads are live must not depend on what lead_qual writes.
      IF k = 'lead_filter' AND EXISTS (
           SELECT 1 FROM unnest(lead_qual._row_filter_columns(tbl, o->>k)) c
            WHERE c IN (o->>'fit_score', o->>'engagement_score', o->>'score', o->>'stage', o->>'score_state',
                        o->>'stage_changed_at')) THEN
        RAISE EXCEPTION 'a lead filter may not read the columns lead_qual writes (scores, stage, score_state, stage_changed_at)'
          USING ERRCODE = 'feature_not_supported';
      END IF;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT;
      RAISE EXCEPTION 'invalid track() options: option "%": %', k, err_message
        USING ERRCODE = err_state, DETAIL = format('The %s of %s is: %s', k, tbl, o->>k),
              HINT = 'A row filter is a boolean expression over the row''s own columns, e.g. "deletedAt" IS NULL or active.';
    END;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual._check_filter_options(regclass, regclass, jsonb) IS
    'internal: raises an error naming the option unless track()''s options lead_filter and activity_filter are acceptable row filters';
REVOKE ALL ON FUNCTION lead_qual._check_filter_options(regclass, regclass, jsonb) FROM PUBLIC;

-- The argument of every trigger track() installs (src/pg/track_args.hpp):
-- one string, format 2, encoding the fields below (core/track_fields.hpp).
CREATE OR REPLACE FUNCTION lead_qual._encode_trigger_args(fields text[]) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_encode_trigger_args' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._encode_trigger_args(text[]) IS
    'internal: the one argument (format 2: "2", then each field as " <bytes>:<field>") of the triggers track() installs, from the 21 fields of their configuration';

-- The argument list (one quoted literal) of every trigger track() installs.
CREATE OR REPLACE FUNCTION lead_qual._trigger_args(t lead_qual.tracked) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT quote_literal(lead_qual._encode_trigger_args(ARRAY[
                t.leads::text, t.activities::text, t.model, o->>'key', o->>'activity_lead_id', o->>'activity',
                o->>'occurred_at', coalesce(o->>'properties', ''), o->>'score_state', o->>'fit_score',
                o->>'engagement_score', o->>'score', o->>'stage', o->>'stage_changed_at', o->>'channel',
                coalesce(o->>'occurred_at_zone', ''),
                CASE WHEN (o->>'keep_stage_on_stale_save')::boolean THEN 'keep' ELSE 'refuse' END,
                lead_qual._policy_bits(coalesce(o->'transitions', '{}')),
                coalesce(o->>'lead_filter', ''), coalesce(o->>'activity_filter', ''),
                -- A model of add_score() (_tracked_model()).
                CASE WHEN (o->>'drives_stage')::boolean IS FALSE THEN 'shadow' ELSE '' END]))
       FROM (SELECT t.options AS o) AS x $$;
COMMENT ON FUNCTION lead_qual._trigger_args(lead_qual.tracked) IS 'internal: the argument list of the triggers track() installs (one literal: _encode_trigger_args() of their configuration)';

-- The statement triggers of one activity table or partition. Statement
-- triggers fire only for the table a statement names, so every partition
-- has its own (a write through the parent fires the parent's only).
-- TRUNCATE rescoring fires in every session_replication_role.
CREATE OR REPLACE FUNCTION lead_qual._create_statement_triggers(rel regclass, args text, leads regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- Does nothing but load the library in a session's first statement that
  -- writes activities, before the statement finishes: its AFTER triggers
  -- then know what kind of query fired them, and a plain INSERT takes the
  -- fast path instead of a rebuild from history (src/pg/query_events.hpp).
  EXECUTE format('CREATE TRIGGER lead_qual_activity_start BEFORE INSERT OR UPDATE OR DELETE ON %s'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_statement_started()', rel);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_inserted(%s)', rel, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_update AFTER UPDATE ON %s'
                 ' REFERENCING OLD TABLE AS lead_qual_old NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', rel, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS lead_qual_old'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', rel, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_truncate AFTER TRUNCATE ON %s'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_truncated(%L)', rel, leads::text);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER lead_qual_activity_truncate', rel);
END $$;
COMMENT ON FUNCTION lead_qual._create_statement_triggers(regclass, text, regclass) IS
    'internal: creates lead_qual''s statement triggers on an activity table or one of its partitions';

-- Drops lead_qual's triggers from an activity table (with_row_triggers) or
-- from a partition (its row triggers are clones of the parent's: they go
-- with the parent's, or when it is detached).
CREATE OR REPLACE FUNCTION lead_qual._drop_activity_triggers(rel regclass, with_row_triggers boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  n name;
BEGIN
  FOR n IN SELECT tgname FROM pg_trigger
            WHERE tgrelid = rel AND tgname = ANY (ARRAY['lead_qual_activity_start', 'lead_qual_activity_insert',
                                                          'lead_qual_activity_update', 'lead_qual_activity_delete',
                                                          'lead_qual_activity_truncate'])
               OR with_row_triggers AND tgrelid = rel
                  AND tgname = ANY (ARRAY['lead_qual_activity_row_insert', 'lead_qual_activity_row_update',
                                          'lead_qual_activity_row_delete', 'lead_qual_activity_time']) LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', n, rel);
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual._drop_activity_triggers(regclass, boolean) IS
    'internal: drops lead_qual''s triggers from an activity table, or its statement triggers from a partition';

-- Every trigger of a tracked pair, on the activity table itself (its
-- partitions: _sync_partitions()) and the leads table.
-- A logical replication apply worker (session_replication_role = replica)
-- fires row triggers only: the row-level variants, ENABLE REPLICA, score
-- what it applies, while the statement triggers (enabled in origin/local
-- mode only) score everything else; exactly one of the two sets fires in any
-- session. The leads trigger fires in every mode (ENABLE ALWAYS): the
-- activity triggers write leads through it. Row triggers of a partitioned
-- table are cloned to every partition, present and future, by PostgreSQL.
CREATE OR REPLACE FUNCTION lead_qual._install_triggers(t lead_qual.tracked) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  args constant text := lead_qual._trigger_args(t);
  kind text;
BEGIN
  PERFORM lead_qual._drop_activity_triggers(t.activities, true);
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.leads AND tgname = 'lead_qual_lead') THEN
    EXECUTE format('DROP TRIGGER lead_qual_lead ON %s', t.leads);
  END IF;
  PERFORM lead_qual._create_statement_triggers(t.activities, args, t.leads);
  FOREACH kind IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION lead_qual.%s(%s)',
                   'lead_qual_activity_row_' || kind, upper(kind), t.activities,
                   CASE kind WHEN 'insert' THEN 'activity_inserted' ELSE 'activity_changed' END, args);
    EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', t.activities, 'lead_qual_activity_row_' || kind);
  END LOOP;
  EXECUTE format('CREATE TRIGGER lead_qual_lead BEFORE INSERT OR UPDATE ON %s'
                 ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_changed(%s)', t.leads, args);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER lead_qual_lead', t.leads);
  -- Applies and records the automatic stage of leads really inserted (an
  -- INSERT ... ON CONFLICT may discard the row lead_changed() saw); reads
  -- lead_qual_lead's arguments (src/pg/lead_inserted.cpp).
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.leads AND tgname = 'lead_qual_lead_inserted') THEN
    EXECUTE format('DROP TRIGGER lead_qual_lead_inserted ON %s', t.leads);
  END IF;
  EXECUTE format('CREATE TRIGGER lead_qual_lead_inserted AFTER INSERT ON %s'
                 ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_inserted()', t.leads);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER lead_qual_lead_inserted', t.leads);
  -- A NULL occurred_at gets the scoring time written into the row, in every
  -- replication mode (README "Future and NULL activity times"). Only for a
  -- nullable column: a BEFORE ROW trigger turns off COPY's multi-row inserts.
  IF NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = t.activities AND attname = t.options->>'occurred_at') THEN
    EXECUTE format('CREATE TRIGGER lead_qual_activity_time BEFORE INSERT OR UPDATE OF %I ON %s'
                   ' FOR EACH ROW WHEN (NEW.%I IS NULL) EXECUTE FUNCTION lead_qual.activity_time_stamp(%s)',
                   t.options->>'occurred_at', t.activities, t.options->>'occurred_at',
                   concat_ws(', ', quote_literal(t.options->>'occurred_at'), quote_literal(t.options->>'occurred_at_zone')));
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER lead_qual_activity_time', t.activities);
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual._install_triggers(lead_qual.tracked) IS
    'internal: (re)creates the triggers of a tracked pair: statement triggers, row triggers for replication apply, the leads trigger';

-- The triggers of a model of add_score() (a "score"): the activity and leads
-- triggers of the driving model, named <name>/<model> and given the model's
-- configuration (_tracked_model(): its columns, 'shadow'). PostgreSQL fires
-- the triggers of one event in name order, and "<name>" sorts before
-- "<name>/<model>": the driving model's fire first, then the scores' by
-- model name. The driving model's statement-start, NULL-time and TRUNCATE
-- triggers serve every model (TRUNCATE rescoring runs rescore(leads), which
-- rewrites every model).
CREATE OR REPLACE FUNCTION lead_qual._score_trigger_name(base text, model text) RETURNS name
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT (CASE WHEN octet_length(base || '/' || model) <= 63 THEN base || '/' || model
                   ELSE base || '/#' || md5(model) END)::name $$;
COMMENT ON FUNCTION lead_qual._score_trigger_name(text, text) IS
    'internal: the name of trigger `base` of a model of add_score(): base/model (base/#md5 of the model when longer than 63 bytes)';

CREATE OR REPLACE FUNCTION lead_qual._drop_score_triggers(activities regclass, leads regclass, model text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  g record;
BEGIN
  FOR g IN SELECT t.tgname, t.tgrelid::regclass AS rel FROM pg_trigger t
            WHERE (t.tgrelid = activities AND t.tgname IN (
                     SELECT lead_qual._score_trigger_name(b, model)
                       FROM unnest(ARRAY['lead_qual_activity_insert', 'lead_qual_activity_update', 'lead_qual_activity_delete',
                                         'lead_qual_activity_row_insert', 'lead_qual_activity_row_update',
                                         'lead_qual_activity_row_delete']) b))
               OR (t.tgrelid = leads AND t.tgname IN (lead_qual._score_trigger_name('lead_qual_lead_inserted', model),
                                                      lead_qual._score_trigger_name('lead_qual_lead', model))) LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', g.tgname, g.rel);
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual._drop_score_triggers(regclass, regclass, text) IS
    'internal: drops the triggers of a model of add_score() (drop_score(), untrack())';

CREATE OR REPLACE FUNCTION lead_qual._install_score_triggers(t lead_qual.tracked) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  args constant text := lead_qual._trigger_args(t);
  kind text;
  lead_trigger constant name := lead_qual._score_trigger_name('lead_qual_lead', t.model);
BEGIN
  PERFORM lead_qual._drop_score_triggers(t.activities, t.leads, t.model);
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_inserted(%s)',
                 lead_qual._score_trigger_name('lead_qual_activity_insert', t.model), t.activities, args);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS lead_qual_old NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)',
                 lead_qual._score_trigger_name('lead_qual_activity_update', t.model), t.activities, args);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS lead_qual_old'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)',
                 lead_qual._score_trigger_name('lead_qual_activity_delete', t.model), t.activities, args);
  -- Row-level variants for logical replication apply (_install_triggers()).
  FOREACH kind IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION lead_qual.%s(%s)',
                   lead_qual._score_trigger_name('lead_qual_activity_row_' || kind, t.model), upper(kind), t.activities,
                   CASE kind WHEN 'insert' THEN 'activity_inserted' ELSE 'activity_changed' END, args);
    EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', t.activities,
                   lead_qual._score_trigger_name('lead_qual_activity_row_' || kind, t.model));
  END LOOP;
  EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %s'
                 ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_changed(%s)', lead_trigger, t.leads, args);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t.leads, lead_trigger);
  -- lead_inserted() reads the configuration of the leads trigger it names.
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_inserted(%L)',
                 lead_qual._score_trigger_name('lead_qual_lead_inserted', t.model), t.leads, lead_trigger);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t.leads,
                 lead_qual._score_trigger_name('lead_qual_lead_inserted', t.model));
END $$;
COMMENT ON FUNCTION lead_qual._install_score_triggers(lead_qual.tracked) IS
    'internal: (re)creates the triggers of a model of add_score() (t from _tracked_model())';

-- Keeps a partitioned activity table's partitions in step with track():
-- partitions created or attached since the last call get the statement
-- triggers, detached ones lose them, and when rows came or went with them
-- (or a partition was dropped) every lead is rescored. Called by track()
-- and by the event trigger lead_qual_partitions after CREATE/ALTER/DROP TABLE.
CREATE OR REPLACE FUNCTION lead_qual._sync_partitions(t lead_qual.tracked) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  members regclass[];
  p regclass;
  args text;
  rows_moved boolean := false;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = t.activities) IS DISTINCT FROM 'p' THEN
    RETURN;
  END IF;
  SELECT coalesce(array_agg(relid ORDER BY level, relid::text), '{}') INTO members
    FROM pg_partition_tree(t.activities) WHERE relid <> t.activities;
  IF members = coalesce(t.partitions, '{}') THEN
    RETURN;
  END IF;
  args := lead_qual._trigger_args(t);
  -- The ALTER TABLEs below fire the event trigger: it skips while this runs.
  PERFORM set_config('lead_qual_internal.syncing', 'on', true);
  FOR p IN SELECT m FROM unnest(members) m WHERE m <> ALL (coalesce(t.partitions, '{}')) LOOP
    PERFORM lead_qual._drop_activity_triggers(p, false);
    PERFORM lead_qual._create_statement_triggers(p, args, t.leads);
    IF NOT rows_moved AND (SELECT relkind FROM pg_class WHERE oid = p) = 'r' THEN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', p) INTO rows_moved;
    END IF;
  END LOOP;
  FOR p IN SELECT m FROM unnest(coalesce(t.partitions, '{}')) m WHERE m <> ALL (members) LOOP
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = p) THEN
      PERFORM lead_qual._drop_activity_triggers(p, false);   -- detached
      IF NOT rows_moved AND (SELECT relkind FROM pg_class WHERE oid = p) = 'r' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', p) INTO rows_moved;
      END IF;
    ELSE
      rows_moved := true;   -- dropped with whatever rows it held
    END IF;
  END LOOP;
  UPDATE lead_qual.tracked tr SET partitions = members WHERE tr.activities = t.activities;
  PERFORM set_config('lead_qual_internal.syncing', 'off', true);
  IF rows_moved THEN
    PERFORM lead_qual.rescore(t.leads);
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual._sync_partitions(lead_qual.tracked) IS
    'internal: installs lead_qual''s triggers on new partitions of a tracked activity table, removes them from detached ones, rescores when rows came or went';

CREATE OR REPLACE FUNCTION lead_qual._partitions_changed() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- _sync_partitions() enables the triggers it creates by ALTER TABLE: no
  -- nested sync for those.
  IF current_setting('lead_qual_internal.syncing', true) = 'on' THEN
    RETURN;
  END IF;
  -- Pairs whose leads table was dropped since track() are left alone.
  PERFORM lead_qual._sync_partitions(t) FROM lead_qual.tracked t
   WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.activities AND c.relkind = 'p')
     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.leads);
END $$;
COMMENT ON FUNCTION lead_qual._partitions_changed() IS
    'event trigger (ddl_command_end of CREATE/ALTER/DROP TABLE): keeps tracked partitioned activity tables'' partitions triggered and scored';

-- An event trigger cannot be replaced in place: created once (this file is
-- applied again by every update).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'lead_qual_partitions') THEN
    CREATE EVENT TRIGGER lead_qual_partitions ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'DROP TABLE')
      EXECUTE FUNCTION lead_qual._partitions_changed();
    COMMENT ON EVENT TRIGGER lead_qual_partitions IS
      'keeps the partitions of tracked partitioned activity tables triggered and their leads scored (lead_qual._sync_partitions)';
  END IF;
END $$;

-- track(activities, leads, model, options): attaches lead_qual to a CRM's
-- activity and leads tables (README, "Live qualification"). _track() does
-- what needs the extension owner's rights (the checks, the configuration
-- row, the triggers); the first scoring then runs as the caller, under the
-- caller's search_path, as any later UPDATE would: the table's own triggers
-- neither gain the owner's rights nor lose their search_path.
CREATE OR REPLACE FUNCTION lead_qual._track(activities regclass, leads regclass, model text, options jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  o jsonb;
  k text;
  problems text[] := '{}';
  missing text[] := '{}';
  col record;
  key_type regtype;
  args text;
  written constant text[] := ARRAY['fit_score', 'engagement_score', 'score', 'stage', 'score_state', 'stage_changed_at'];
  written_types constant regtype[] := ARRAY['float8', 'float8', 'float8', 'lead_qual.lead_stage', 'lead_qual.score_state',
                                            'timestamptz']::regtype[];
  i int;
  t regtype;
  undated bigint;
  policy_bits text := lead_qual._policy_bits('{}');
BEGIN
  IF activities IS NULL OR leads IS NULL OR model IS NULL OR options IS NULL THEN
    RAISE EXCEPTION 'track() arguments must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- What kind of relation each is, before anything else (a view or foreign
  -- table would fail late, inside CREATE TRIGGER).
  PERFORM lead_qual._check_trackable(activities, 'activity', true);
  PERFORM lead_qual._check_trackable(leads, 'leads', false);
  -- The caller acts through this SECURITY DEFINER function only on tables it owns.
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = activities), 'USAGE')
     OR NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of tables % and % to track them', activities, leads
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM lead_qual.scoring_model m WHERE m.name = model) THEN
    RAISE EXCEPTION 'scoring model "%" does not exist', model USING ERRCODE = 'undefined_object';
  END IF;
  IF EXISTS (SELECT 1 FROM lead_qual.tracked tr WHERE tr.activities = _track.activities OR tr.leads = _track.leads) THEN
    RAISE EXCEPTION 'table % or % is already tracked', activities, leads USING ERRCODE = 'duplicate_object',
      HINT = 'lead_qual.untrack(activities) detaches it first; lead_qual.add_score(leads, model) scores it with another model too.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(options) LOOP
    IF k NOT IN ('activity_lead_id', 'activity', 'occurred_at', 'properties', 'key', 'fit_score', 'engagement_score',
                 'score', 'stage', 'score_state', 'stage_changed_at', 'channel', 'add_columns',
                 'occurred_at_zone', 'keep_stage_on_stale_save', 'transitions', 'lead_filter', 'activity_filter') THEN
      problems := problems || format('unknown option "%s"', k);
    ELSIF k NOT IN ('add_columns', 'keep_stage_on_stale_save', 'transitions') AND jsonb_typeof(options->k) <> 'string' THEN
      problems := problems || format('option "%s" must be a string', k);
    END IF;
  END LOOP;
  FOREACH k IN ARRAY ARRAY['add_columns', 'keep_stage_on_stale_save'] LOOP
    IF options ? k AND jsonb_typeof(options->k) <> 'boolean' THEN
      problems := problems || format('option "%s" must be true or false', k);
    END IF;
  END LOOP;
  IF cardinality(problems) = 0 AND options ? 'transitions' THEN
    -- Raises 22023 naming the bad field of the policy.
    policy_bits := lead_qual._policy_bits(options->'transitions');
  END IF;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'invalid track() options: %', array_to_string(problems, '; ') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  o := jsonb_build_object('activity_lead_id', 'lead_id', 'activity', 'activity', 'occurred_at', 'occurred_at',
                          'properties', 'properties', 'key', 'id', 'fit_score', 'fit_score',
                          'engagement_score', 'engagement_score', 'score', 'score', 'stage', 'stage',
                          'score_state', 'score_state', 'stage_changed_at', 'stage_changed_at', 'channel', 'lead_qual',
                          'keep_stage_on_stale_save', false, 'transitions', '{}'::jsonb)
       || (options - 'add_columns');
  IF o ? 'occurred_at_zone' AND NOT lead_qual._is_time_zone(o->>'occurred_at_zone') THEN
    RAISE EXCEPTION 'invalid track() options: option "occurred_at_zone": unknown time zone "%"', o->>'occurred_at_zone'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name a zone of pg_timezone_names, e.g. "UTC" or "Europe/Berlin".';
  END IF;
  PERFORM lead_qual._check_filter_options(activities, leads, o);   -- row filters

  -- Activity columns.
  SELECT atttypid::regtype INTO key_type FROM pg_attribute
   WHERE attrelid = leads AND attname = o->>'key' AND attnum > 0 AND NOT attisdropped;
  IF key_type IS NULL THEN
    problems := problems || format('leads table %s has no key column "%s"', leads, o->>'key');
  ELSIF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                     WHERE x.indrelid = leads AND x.indisunique AND x.indnkeyatts = 1 AND x.indpred IS NULL
                       AND a.attname = o->>'key') THEN
    problems := problems || format('key column %s.%s is not unique (it needs a primary key or unique index)', leads, o->>'key');
  END IF;
  FOR k, t IN SELECT * FROM (VALUES ('activity_lead_id', key_type), ('activity', 'text'::regtype),
                                    ('occurred_at', 'timestamptz'::regtype), ('properties', 'jsonb'::regtype)) v LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = activities AND attname = o->>k AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      IF k = 'properties' AND NOT options ? 'properties' THEN
        o := o - 'properties';    -- optional: activities without properties
      ELSE
        problems := problems || format('activity table %s has no column "%s" (option %s)', activities, o->>k, k);
      END IF;
    ELSIF k = 'occurred_at' AND col.typ = 'timestamp'::regtype THEN
      -- Stored without a zone: the option names the zone it is stored in.
      IF NOT o ? 'occurred_at_zone' THEN
        problems := problems || format('column %s.%s is a timestamp without time zone: pass option "occurred_at_zone" naming '
                                       'the zone its values are stored in (e.g. "UTC")', activities, o->>k);
      END IF;
    ELSIF k = 'occurred_at' AND o ? 'occurred_at_zone' THEN
      problems := problems || format('option "occurred_at_zone" applies only to a timestamp without time zone; column %s.%s is %s',
                                     activities, o->>k, col.typ);
    ELSIF k = 'activity' AND col.typ NOT IN ('text'::regtype, 'varchar'::regtype) THEN
      problems := problems || format('column %s.%s must be text or varchar, not %s', activities, o->>k, col.typ);
    ELSIF t IS NOT NULL AND k <> 'activity' AND col.typ <> t THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', activities, o->>k, t, col.typ);
    END IF;
  END LOOP;
  -- Activities are matched to their lead by the key's value (README,
  -- "Lead keys"): a key type without a default hash operator class, or a
  -- nondeterministic collation on one column only, is refused.
  IF key_type IS NOT NULL THEN
    k := lead_qual._key_problem(leads, o->>'key', activities, o->>'activity_lead_id');
    IF k IS NOT NULL THEN
      problems := problems || k;
    END IF;
  END IF;

  -- Written lead columns.
  FOR i IN 1 .. cardinality(written) LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = leads AND attname = o->>written[i] AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      missing := missing || written[i];
    ELSIF col.typ <> written_types[i] THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', leads, o->>written[i], written_types[i], col.typ);
    END IF;
  END LOOP;
  IF cardinality(missing) > 0 AND NOT coalesce((options->>'add_columns')::boolean, false) THEN
    problems := problems || (SELECT array_agg(format('leads table %s has no column "%s" (option %s; or pass "add_columns": true)',
                                                      leads, o->>m, m)) FROM unnest(missing) m);
  END IF;

  -- Every attribute the model reads must be a column of the leads table.
  problems := problems || coalesce((SELECT array_agg(format('model "%s" reads attribute "%s", but leads table %s has no such column', model, a, leads))
                                      FROM unnest(lead_qual.model_attributes(model)) a
                                     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute
                                                        WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped)), '{}');
  IF cardinality(problems) = 1 THEN
    RAISE EXCEPTION 'cannot track % and %: %', activities, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END;
  ELSIF cardinality(problems) > 1 THEN
    RAISE EXCEPTION 'cannot track % and %: %', activities, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END,
            DETAIL = 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  ');
  END IF;
  IF cardinality(missing) > 0 THEN
    EXECUTE format('ALTER TABLE %s %s', leads,
                   (SELECT string_agg(format('ADD COLUMN %I %s', o->>written[g.n], written_types[g.n]), ', ')
                      FROM generate_subscripts(written, 1) AS g(n) WHERE written[g.n] = ANY (missing)));
  END IF;

  INSERT INTO lead_qual.tracked (activities, leads, model, options) VALUES (activities, leads, model, o);
  PERFORM lead_qual._citus_prepare(leads);    -- src/sql/citus.sql

  PERFORM lead_qual._install_triggers(tr) FROM lead_qual.tracked tr WHERE tr.activities = _track.activities;
  PERFORM lead_qual._sync_partitions(tr) FROM lead_qual.tracked tr WHERE tr.activities = _track.activities;
  -- A NULL occurred_at gets the scoring time written into the row (README
  -- "Future and NULL activity times", _install_triggers()); rows left NULL
  -- are not scored.
  IF NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = activities AND attname = o->>'occurred_at') THEN
    EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NULL', activities, o->>'occurred_at') INTO undated;
    IF undated > 0 THEN
      RAISE NOTICE '% activities of % have a NULL % and are not scored', undated, activities, o->>'occurred_at'
        USING DETAIL = 'lead_qual scores an activity at its stored time; from now on a NULL is replaced by the scoring time when written.',
              HINT = format('Date them, e.g. at the time of the update: UPDATE %s SET %I = now() WHERE %I IS NULL;',
                            activities, o->>'occurred_at', o->>'occurred_at');
    END IF;
  END IF;
  PERFORM lead_qual._life_triggers(leads, o->>'key');    -- src/sql/history.sql

  IF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                  WHERE x.indrelid = activities AND a.attname = o->>'activity_lead_id') THEN
    RAISE WARNING 'activity table % has no index on %: rebuilding a lead from its history will scan the whole table',
      activities, o->>'activity_lead_id'
      USING HINT = format('CREATE INDEX ON %s (%I);', activities, o->>'activity_lead_id');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.contype = 'f' AND c.conrelid = activities AND c.confrelid = leads
                    AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = activities AND attname = o->>'activity_lead_id')]
                    AND c.confkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = leads AND attname = o->>'key')]) THEN
    RAISE WARNING 'no foreign key links %.% to %.%', activities, quote_ident(o->>'activity_lead_id'), leads, quote_ident(o->>'key')
      USING DETAIL = 'Activities are scored for the lead whose key equals that column; a wrong column of the same type is not detected.',
            HINT = format('ALTER TABLE %s ADD FOREIGN KEY (%I) REFERENCES %s (%I);', activities, o->>'activity_lead_id', leads, o->>'key');
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual._track(regclass, regclass, text, jsonb) IS
    'internal: track() as the extension owner: checks the tables, records them, installs the triggers';

CREATE OR REPLACE FUNCTION lead_qual.track(activities regclass, leads regclass, model text, options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql AS $$
  SELECT lead_qual._track(activities, leads, model, options);
  SELECT lead_qual.rescore(leads);
$$;
COMMENT ON FUNCTION lead_qual.track(regclass, regclass, text, jsonb) IS
    'attaches lead_qual to an activity table and its leads table: checks every column up front, installs the triggers, scores every lead; returns how many leads changed';

-- add_score(leads, model, options) (issue #16, README "Several scores per
-- lead"): one more model on a tracked leads table, writing its own columns
-- (its fit, engagement, score, state, and the stage it would have set with
-- when), never the lead's stage, never a hand-off; its stage changes go to
-- lead_qual.score_history. _add_score() does what needs the extension
-- owner's rights; the first scoring runs as the caller (as track()).
CREATE OR REPLACE FUNCTION lead_qual._add_score(leads regclass, model text, options jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  k text;
  problems text[] := '{}';
  missing text[] := '{}';
  col record;
  written constant text[] := ARRAY['fit_score', 'engagement_score', 'score', 'stage', 'score_state', 'stage_changed_at'];
  written_types constant regtype[] := ARRAY['float8', 'float8', 'float8', 'lead_qual.lead_stage', 'lead_qual.score_state',
                                            'timestamptz']::regtype[];
  i int;
  taken record;
BEGIN
  IF leads IS NULL OR model IS NULL OR options IS NULL THEN
    RAISE EXCEPTION 'add_score() arguments must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO t FROM lead_qual.tracked tr WHERE tr.leads = _add_score.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to add a score to it', leads USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF lead_qual._citus_distributed(leads) OR (SELECT relkind FROM pg_class WHERE oid = t.activities) = 'p' THEN
    RAISE EXCEPTION 'cannot add a score to %: % is a %', leads,
      CASE WHEN lead_qual._citus_distributed(leads) THEN leads ELSE t.activities END,
      CASE WHEN lead_qual._citus_distributed(leads) THEN 'Citus distributed table' ELSE 'partitioned activity table' END
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Several scores per lead need an ordinary leads table and activity table.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM lead_qual.scoring_model m WHERE m.name = model) THEN
    RAISE EXCEPTION 'scoring model "%" does not exist', model USING ERRCODE = 'undefined_object';
  END IF;
  IF model = t.model OR EXISTS (SELECT 1 FROM lead_qual.tracked_score s WHERE s.leads = _add_score.leads AND s.model = _add_score.model) THEN
    RAISE EXCEPTION 'model "%" already scores table %', model, leads USING ERRCODE = 'duplicate_object',
      HINT = CASE WHEN model = t.model THEN 'It drives the table''s stage.' ELSE 'lead_qual.drop_score(leads, model) detaches it first.' END;
  END IF;
  IF jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION 'invalid add_score() options: a JSON object expected, not %', jsonb_typeof(options)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR k IN SELECT jsonb_object_keys(options) LOOP
    IF k <> 'add_columns' AND k <> ALL (written) THEN
      problems := problems || format('unknown option "%s"', k);
    ELSIF k <> 'add_columns' AND jsonb_typeof(options->k) <> 'string' THEN
      problems := problems || format('option "%s" must be a string', k);
    ELSIF k = 'add_columns' AND jsonb_typeof(options->k) <> 'boolean' THEN
      problems := problems || 'option "add_columns" must be true or false'::text;
    END IF;
  END LOOP;
  -- Defaults: the model's name, then the driving model's column name.
  o := (SELECT jsonb_object_agg(w, model || '_' || (t.options->>w)) FROM unnest(written) w) || (options - 'add_columns');
  FOREACH k IN ARRAY written LOOP
    IF octet_length(o->>k) > 63 THEN
      problems := problems || format('column name "%s" (option %s) is longer than 63 bytes', o->>k, k);
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'invalid add_score() options: %', array_to_string(problems, '; ') USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Options name the columns the model writes: fit_score, engagement_score, score, score_state, stage, stage_changed_at; and add_columns.';
  END IF;

  -- Each column has one writer, and no model reads what another writes (its
  -- trigger would not see the change: each model's trigger passes the
  -- others' writes).
  FOR taken IN
    SELECT DISTINCT ON (c.name) c.name, c.what FROM (
      SELECT t.options->>w AS name, format('written by model "%s"', t.model) AS what, 1 AS rank
        FROM unnest(written || ARRAY['key']) w
      UNION ALL
      SELECT s.options->>w, format('written by model "%s"', s.model), 1
        FROM lead_qual.tracked_score s CROSS JOIN unnest(written) w WHERE s.leads = _add_score.leads
      UNION ALL
      SELECT a, format('read by model "%s"', m), 2
        FROM (SELECT t.model AS m UNION ALL SELECT s.model FROM lead_qual.tracked_score s WHERE s.leads = _add_score.leads
              UNION ALL SELECT _add_score.model) x CROSS JOIN unnest(lead_qual.model_attributes(x.m)) a
      UNION ALL
      SELECT c, 'read by the lead filter', 2
        FROM unnest(CASE WHEN t.options ? 'lead_filter' THEN lead_qual._row_filter_columns(leads, t.options->>'lead_filter') END) c
    ) c WHERE c.name IN (SELECT o->>w FROM unnest(written) w)
    ORDER BY c.name, c.rank
  LOOP
    RAISE EXCEPTION 'cannot add a score of model "%" to %: column "%" is already %', model, leads, taken.name, taken.what
      USING ERRCODE = 'duplicate_column',
            HINT = 'Name the columns this model writes with the options fit_score, engagement_score, score, score_state, stage, stage_changed_at.';
  END LOOP;
  FOR taken IN
    SELECT a AS name, format('written by model "%s"', x.m) AS what
      FROM unnest(lead_qual.model_attributes(model)) a
      JOIN (SELECT t.model AS m, t.options AS o UNION ALL
            SELECT s.model, s.options FROM lead_qual.tracked_score s WHERE s.leads = _add_score.leads) x
        ON a IN (SELECT x.o->>w FROM unnest(written) w)
     ORDER BY 1 LIMIT 1
  LOOP
    RAISE EXCEPTION 'cannot add a score of model "%" to %: it reads attribute "%", a column %', model, leads, taken.name, taken.what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A model''s attributes are the lead''s own columns, not what lead_qual writes.';
  END LOOP;
  IF (SELECT count(DISTINCT o->>w) FROM unnest(written) w) < cardinality(written) THEN
    RAISE EXCEPTION 'cannot add a score of model "%" to %: two of its columns have the same name', model, leads
      USING ERRCODE = 'duplicate_column';
  END IF;

  FOR i IN 1 .. cardinality(written) LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = leads AND attname = o->>written[i] AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      missing := missing || written[i];
    ELSIF col.typ <> written_types[i] THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', leads, o->>written[i], written_types[i], col.typ);
    END IF;
  END LOOP;
  IF cardinality(missing) > 0 AND NOT coalesce((options->>'add_columns')::boolean, false) THEN
    problems := problems || (SELECT array_agg(format('leads table %s has no column "%s" (option %s; or pass "add_columns": true)',
                                                      leads, o->>m, m)) FROM unnest(missing) m);
  END IF;
  problems := problems || coalesce((SELECT array_agg(format('model "%s" reads attribute "%s", but leads table %s has no such column', model, a, leads))
                                      FROM unnest(lead_qual.model_attributes(model)) a
                                     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute
                                                        WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped)), '{}');
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'cannot add a score of model "%" to %: %', model, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END,
            DETAIL = CASE WHEN cardinality(problems) > 1
                          THEN 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  ') END;
  END IF;
  IF cardinality(missing) > 0 THEN
    EXECUTE format('ALTER TABLE %s %s', leads,
                   (SELECT string_agg(format('ADD COLUMN %I %s', o->>written[g.n], written_types[g.n]), ', ')
                      FROM generate_subscripts(written, 1) AS g(n) WHERE written[g.n] = ANY (missing)));
  END IF;
  INSERT INTO lead_qual.tracked_score (leads, model, options) VALUES (leads, model, o);
  PERFORM lead_qual._install_score_triggers(lead_qual._tracked_model(leads, model));
END $$;
COMMENT ON FUNCTION lead_qual._add_score(regclass, text, jsonb) IS
    'internal: add_score() as the extension owner: checks the columns, records the model, installs its triggers';

CREATE OR REPLACE FUNCTION lead_qual.add_score(leads regclass, model text, options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql AS $$
  SELECT lead_qual._add_score(leads, model, options);
  SELECT lead_qual.rescore(leads, model);
$$;
COMMENT ON FUNCTION lead_qual.add_score(regclass, text, jsonb) IS
    'adds a model to a tracked leads table beside the one driving its stage: it writes its own columns (default <model>_fit_score, ...; the stage it would have set in <model>_stage), never the stage; scores every lead; returns how many leads changed';

CREATE OR REPLACE FUNCTION lead_qual.drop_score(leads regclass, model text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  t := lead_qual._tracked_model(leads, model);
  IF (t.options->>'drives_stage')::boolean IS DISTINCT FROM false THEN
    RAISE EXCEPTION 'model "%" drives the stage of %: it is not a score added with add_score()', t.model, leads
      USING ERRCODE = 'invalid_parameter_value', HINT = 'lead_qual.untrack(activities) detaches the table.';
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to drop a score of it', leads USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM lead_qual._drop_score_triggers(t.activities, t.leads, t.model);
  DELETE FROM lead_qual.tracked_score s WHERE s.leads = drop_score.leads AND s.model = drop_score.model;
END $$;
COMMENT ON FUNCTION lead_qual.drop_score(regclass, text) IS
    'detaches a model added with add_score(): drops its triggers; its columns and score_history stay';

CREATE OR REPLACE FUNCTION lead_qual.untrack(activities regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked tr WHERE tr.activities = untrack.activities;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(activities);
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = activities), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to untrack it', activities USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The models of add_score() go with the table.
  PERFORM lead_qual._drop_score_triggers(t.activities, t.leads, s.model)
     FROM lead_qual.tracked_score s WHERE s.leads = t.leads;
  DELETE FROM lead_qual.tracked_score s WHERE s.leads = t.leads;
  PERFORM lead_qual._drop_activity_triggers(p, false) FROM unnest(coalesce(t.partitions, '{}')) AS p
   WHERE p IN (SELECT oid FROM pg_class);  -- a partition dropped meanwhile has none
  PERFORM lead_qual._drop_activity_triggers(t.activities, true);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_lead_inserted ON %s', t.leads);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_lead ON %s', t.leads);
  PERFORM lead_qual._drop_life_triggers(t.leads);
  DELETE FROM lead_qual.tracked tr WHERE tr.activities = untrack.activities;
END $$;
COMMENT ON FUNCTION lead_qual.untrack(regclass) IS
    'detaches lead_qual from an activity table: drops its triggers and those of the models add_score() attached; scores, stages and history stay';

-- verify(leads, as_of) (since 1.1): a consistency check of stored lead states
-- against their activity history (after a crash, a restore, manual edits of
-- the score columns, or triggers that were disabled for a while): the stored
-- state and the history's exact state as of as_of (engagement_state(...,
-- as_of)) must give the same engagement at as_of, and the engagement_score
-- column must be the stored state's engagement at its scoring time
-- (scored_at(state)). Meaningful for an as_of at or after the leads' last
-- writes (the default now()): a state reads as of its newest folded activity.

CREATE OR REPLACE FUNCTION lead_qual.verify(leads regclass, as_of timestamptz DEFAULT now(), model text DEFAULT NULL)
RETURNS TABLE (lead_key text, problem text, stored_engagement double precision, history_engagement double precision,
               stored_activities bigint, history_activities bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  version bigint;
  attrs text;
BEGIN
  IF leads IS NULL OR as_of IS NULL THEN
    RETURN;
  END IF;
  -- One model's columns (NULL: the model that drives the stage).
  t := lead_qual._tracked_model(leads, model);
  o := t.options;
  SELECT m.version INTO version FROM lead_qual.scoring_model m WHERE m.name = t.model;
  -- The lead attributes as rescore() passes them (_rewrite()).
  SELECT coalesce('pg_catalog.jsonb_build_object(' ||
                  string_agg(format('%L, l.%I', a, a), ', ') || ')', '''{}''::pg_catalog.jsonb')
    INTO attrs FROM unnest(lead_qual.model_attributes(t.model)) a
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);
  RETURN QUERY EXECUTE format(
    'SELECT c.k, c.problem, c.se, c.he, c.sa, c.ha FROM ('
    '  SELECT l.%1$I::pg_catalog.text AS k,'
    '         lead_qual.engagement(l.%2$I, $1) AS se, lead_qual.engagement(h.state, $1) AS he,'
    '         ((l.%2$I::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint AS sa,'
    '         COALESCE(((h.state::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint, 0) AS ha,'
    '         CASE WHEN l.%2$I IS NULL THEN ''no state'''
    '              WHEN NOT lead_qual._state_matches(l.%2$I, %3$L, %4$s) THEN ''state of another model version'''
    '              WHEN ((l.%2$I::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint'
    '                   OPERATOR(pg_catalog.<>) COALESCE(((h.state::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint, 0)'
    '                THEN ''activity count differs from the history'''
    '              WHEN pg_catalog.abs(lead_qual.engagement(l.%2$I, $1) OPERATOR(pg_catalog.-) COALESCE(lead_qual.engagement(h.state, $1), 0))'
    '                   OPERATOR(pg_catalog.>) 1e-9 * GREATEST(1, pg_catalog.abs(COALESCE(lead_qual.engagement(h.state, $1), 0)))'
    '                THEN ''engagement differs from the history'''
    '              WHEN lead_qual.scored_at(l.%2$I) IS NOT NULL AND (l.%13$I IS NULL OR'
    '                   pg_catalog.abs(l.%13$I OPERATOR(pg_catalog.-) lead_qual.engagement(l.%2$I, lead_qual.scored_at(l.%2$I)))'
    '                   OPERATOR(pg_catalog.>) 1e-9 * GREATEST(1, pg_catalog.abs(l.%13$I)))'
    '                THEN ''engagement_score differs from the state at its scoring time'' '
    '              WHEN l.%12$I IS NULL OR pg_catalog.abs(l.%12$I OPERATOR(pg_catalog.-) lead_qual.fit_score(%3$L, %11$s))'
    '                   OPERATOR(pg_catalog.>) 1e-9 * GREATEST(1, pg_catalog.abs(lead_qual.fit_score(%3$L, %11$s)))'
    '                THEN ''fit_score differs from the model'''
    '              WHEN l.%13$I IS NULL OR l.%14$I IS NULL'
    '                   OR pg_catalog.abs(l.%14$I OPERATOR(pg_catalog.-) (l.%12$I OPERATOR(pg_catalog.+) l.%13$I))'
    '                      OPERATOR(pg_catalog.>) 1e-9 * GREATEST(1, pg_catalog.abs(l.%14$I))'
    '                THEN ''score is not fit_score + engagement_score'' END AS problem'
    '    FROM %5$s AS l'
    '    LEFT JOIN (SELECT a.%6$I AS lead_id,'
    '                      lead_qual.engagement_state(%3$L, a.%7$I::pg_catalog.text, %8$s, %9$s, $1) AS state'
    '                 FROM %10$s AS a%16$s GROUP BY a.%6$I) AS h ON h.lead_id %17$s l.%1$I%15$s'
    ') AS c WHERE c.problem IS NOT NULL ORDER BY c.k',
    o->>'key', o->>'score_state', t.model, version, leads, o->>'activity_lead_id', o->>'activity',
    lead_qual._occurred_at_sql(o, 'a'),
    CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
    t.activities, attrs, o->>'fit_score', o->>'engagement_score', o->>'score',
    -- Leads outside the lead filter are left as they are: not checked.
    lead_qual._filter_sql(o, 'lead_filter', t.leads, 'l', ' WHERE '), lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' WHERE '),
    lead_qual._key_eq(leads, o->>'key'))
  USING as_of;
END $$;
COMMENT ON FUNCTION lead_qual.verify(regclass, timestamptz, text) IS
    'for one model of a tracked table (NULL: the one driving the stage), leads whose stored score_state disagrees with their activity history scored at as_of, whose engagement_score disagrees with their state at the time the row was scored, or whose fit_score or score column disagrees with the model and the state (none when consistent)';

-- Tables tracked under an older version get this version's triggers (the
-- row-level variants for replication apply, the leads trigger enabled in
-- every mode, the partitions' statement triggers). A fresh install has none.
DO $$
BEGIN
  PERFORM lead_qual._install_triggers(t) FROM lead_qual.tracked t
   WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.activities)
     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.leads);
  PERFORM lead_qual._install_score_triggers(lead_qual._tracked_model(s.leads, s.model)) FROM lead_qual.tracked_score s
   WHERE EXISTS (SELECT 1 FROM lead_qual.tracked t WHERE t.leads = s.leads
                    AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.activities)
                    AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.leads));
  -- Re-read: the event trigger may have synced some already.
  PERFORM lead_qual._sync_partitions(t) FROM lead_qual.tracked t
   WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.activities)
     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.leads);
END $$;
